//! Queues of the key's environment: list, retrieve, pause and resume, and concurrency limits.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::pagination::{numbered_pages, OffsetPage, PageIter};
use crate::transport::Call;

/// Queue calls. Get one with [`Client::queues`] or [`crate::queues`].
#[derive(Clone, Debug)]
pub struct Queues {
    client: Client,
}

/// Which queue a call is about (the official `string | {type, name}`). From JSON: a queue id
/// (`"queue_…"`), `{"type":"task","name":"<task id>"}` or `{"type":"custom","name":"<name>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "must be a queue id or {\"type\": \"task\" or \"custom\", \"name\": ...}"
)]
pub enum QueueRef {
    /// A queue id (`queue_…`).
    Id(String),
    /// A queue by type and name.
    Named {
        /// `task` (a task's own queue, named by the task id) or `custom`.
        #[serde(rename = "type")]
        kind: QueueKind,
        /// The task id or the custom queue's name.
        name: String,
    },
}

/// The two kinds of queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueKind {
    /// A task's own queue.
    Task,
    /// A queue declared in code and shared by tasks.
    Custom,
}

impl QueueRef {
    /// A task's queue.
    pub fn task(task_id: impl Into<String>) -> QueueRef {
        QueueRef::Named {
            kind: QueueKind::Task,
            name: task_id.into(),
        }
    }

    /// A custom queue.
    pub fn custom(name: impl Into<String>) -> QueueRef {
        QueueRef::Named {
            kind: QueueKind::Custom,
            name: name.into(),
        }
    }

    /// The `type` the API takes, and the value in the path.
    fn parts(&self) -> (&'static str, &str) {
        match self {
            QueueRef::Id(id) => ("id", id),
            QueueRef::Named {
                kind: QueueKind::Task,
                name,
            } => ("task", name),
            QueueRef::Named {
                kind: QueueKind::Custom,
                name,
            } => ("custom", name),
        }
    }

    /// The path segment: `/` becomes `%2F` first, then the whole is percent-encoded, so a
    /// slash ends up as `%252F` (what the official SDK sends and the server decodes twice).
    fn segment(&self) -> Result<(&'static str, String)> {
        let (kind, value) = self.parts();
        require("queue", value)?;
        Ok((kind, encode::path_segment(&value.replace('/', "%2F"))))
    }
}

impl From<&str> for QueueRef {
    fn from(id: &str) -> QueueRef {
        QueueRef::Id(id.to_owned())
    }
}

impl From<String> for QueueRef {
    fn from(id: String) -> QueueRef {
        QueueRef::Id(id)
    }
}

/// A queue's concurrency: current, base and overridden limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueueConcurrency {
    /// The limit in force.
    #[serde(default)]
    pub current: Option<f64>,
    /// The limit declared in code.
    #[serde(default)]
    pub base: Option<f64>,
    /// The overriding limit, if any (`override`).
    #[serde(default, rename = "override")]
    pub override_limit: Option<f64>,
    /// When it was overridden, ISO-8601.
    #[serde(default)]
    pub overridden_at: Option<String>,
    /// Who overrode it.
    #[serde(default)]
    pub overridden_by: Option<String>,
}

/// A queue (`QueueItem`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Queue {
    /// `queue_…`
    pub id: String,
    /// The name (the task id for a task's queue).
    pub name: String,
    /// `task` or `custom`.
    #[serde(rename = "type")]
    pub kind: QueueKind,
    /// Runs executing now.
    #[serde(default)]
    pub running: u64,
    /// Runs waiting.
    #[serde(default)]
    pub queued: u64,
    /// Whether new runs are held back.
    #[serde(default)]
    pub paused: bool,
    /// The queue's own limit (V1 queues).
    #[serde(default)]
    pub concurrency_limit: Option<f64>,
    /// Current, base and overridden limits.
    #[serde(default)]
    pub concurrency: Option<QueueConcurrency>,
    /// Whether a run waiting on a waitpoint gives its concurrency slot back.
    #[serde(default)]
    pub release_concurrency_on_waitpoint: Option<bool>,
    /// The override as a percentage of the environment's limit, when it was given so.
    #[serde(default)]
    pub concurrency_limit_override_percent: Option<f64>,
}

/// Paging of [`Queues::list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQueuesParams {
    /// 1-based page (server default 1).
    pub page: Option<u32>,
    /// Items per page, at most 100.
    pub per_page: Option<u32>,
}

/// A lazy iterator over every queue; see [`Queues::iter`].
pub type QueuesIter = PageIter<Queue, u32>;

#[derive(Serialize)]
struct PauseBody {
    #[serde(rename = "type")]
    kind: &'static str,
    action: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OverrideBody {
    #[serde(rename = "type")]
    kind: &'static str,
    concurrency_limit: u32,
}

#[derive(Serialize)]
struct TypeBody {
    #[serde(rename = "type")]
    kind: &'static str,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Queues.
    pub fn queues(&self) -> Queues {
        Queues {
            client: self.clone(),
        }
    }
}

impl Queues {
    /// One page of queues (`GET /api/v1/queues?perPage=&page=`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// let page = client.queues().list(&Default::default())?;
    /// assert!(page.data.iter().any(|q| q.name == "send-email"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for more than 100 per page; the API errors of [`Error`]
    /// otherwise.
    pub fn list(&self, params: &ListQueuesParams) -> Result<OffsetPage<Queue>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<Queue>>(
        &self,
        params: &ListQueuesParams,
    ) -> Result<OffsetPage<T>> {
        self.client.execute(&list_call(params)?)?.decoded()
    }

    /// Every queue, fetching one page at a time as the iterator advances.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # for task in ["a", "b", "c"] { client.tasks().trigger(task, &(), &Default::default())?; }
    /// use triggerdev::ListQueuesParams;
    ///
    /// let params = ListQueuesParams { per_page: Some(2), ..Default::default() };
    /// assert_eq!(client.queues().iter(&params)?.count(), 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The argument errors of [`Queues::list`] at once; a page that fails to load is the
    /// iterator's last item.
    pub fn iter(&self, params: &ListQueuesParams) -> Result<QueuesIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<Queue> + Send + 'static>(
        &self,
        params: &ListQueuesParams,
    ) -> Result<PageIter<T, u32>> {
        list_call(params)?;
        let client = self.client.clone();
        let params = params.clone();
        let first = params.page.unwrap_or(1);
        Ok(numbered_pages(first, move |number| {
            let mut p = params.clone();
            p.page = number.or(p.page);
            client.execute(&list_call(&p)?)?.decoded()
        }))
    }

    /// One queue (`GET /api/v1/queues/{queue}?type=id|task|custom`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// use triggerdev::QueueRef;
    ///
    /// let queue = client.queues().retrieve(&QueueRef::task("send-email"))?;
    /// assert_eq!(queue.queued, 1);
    /// assert_eq!(client.queues().retrieve(&queue.id.as_str().into())?.name, "send-email");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty name; [`Error::NotFound`]; the API errors of
    /// [`Error`] otherwise.
    pub fn retrieve(&self, queue: &QueueRef) -> Result<Queue> {
        self.retrieve_as(queue)
    }

    pub(crate) fn retrieve_as<T: Decoded<Queue>>(&self, queue: &QueueRef) -> Result<T> {
        let (kind, segment) = queue.segment()?;
        let mut query = Query::default();
        query.push("type", kind);
        let call = Call::new(
            "queues.retrieve",
            Method::GET,
            format!("/api/v1/queues/{segment}"),
            Access::SecretKey { jwt: true },
        )
        .query(query.into_string(), "queue");
        self.client.execute(&call)?.decoded()
    }

    /// Pauses a queue: its runs stay queued until it is resumed.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// use triggerdev::QueueRef;
    ///
    /// let queue = client.queues().pause(&QueueRef::task("send-email"))?;
    /// assert!(queue.paused);
    /// assert!(!client.queues().resume(&QueueRef::task("send-email"))?.paused);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Queues::retrieve`].
    pub fn pause(&self, queue: &QueueRef) -> Result<Queue> {
        self.pause_as(queue, "pause")
    }

    /// Resumes a paused queue.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// # client.queues().pause(&triggerdev::QueueRef::task("send-email"))?;
    /// let queue = client.queues().resume(&triggerdev::QueueRef::task("send-email"))?;
    /// assert!(!queue.paused);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Queues::retrieve`].
    pub fn resume(&self, queue: &QueueRef) -> Result<Queue> {
        self.pause_as(queue, "resume")
    }

    pub(crate) fn pause_as<T: Decoded<Queue>>(
        &self,
        queue: &QueueRef,
        action: &'static str,
    ) -> Result<T> {
        let (kind, segment) = queue.segment()?;
        let operation = if action == "pause" {
            "queues.pause"
        } else {
            "queues.resume"
        };
        let call = Call::new(
            operation,
            Method::POST,
            format!("/api/v1/queues/{segment}/pause"),
            Access::SecretKey { jwt: false },
        )
        .json(&PauseBody { kind, action })?;
        self.client.execute(&call)?.decoded()
    }

    /// Overrides a queue's concurrency limit until it is reset.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// use triggerdev::QueueRef;
    ///
    /// let queue = client.queues().override_concurrency_limit(&QueueRef::task("send-email"), 5)?;
    /// assert_eq!(queue.concurrency.and_then(|c| c.override_limit), Some(5.0));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Queues::retrieve`], and [`Error::BadRequest`] for a limit over the environment's.
    pub fn override_concurrency_limit(&self, queue: &QueueRef, limit: u32) -> Result<Queue> {
        self.override_concurrency_limit_as(queue, limit)
    }

    pub(crate) fn override_concurrency_limit_as<T: Decoded<Queue>>(
        &self,
        queue: &QueueRef,
        limit: u32,
    ) -> Result<T> {
        let (kind, segment) = queue.segment()?;
        let call = Call::new(
            "queues.overrideConcurrencyLimit",
            Method::POST,
            format!("/api/v1/queues/{segment}/concurrency/override"),
            Access::SecretKey { jwt: false },
        )
        .json(&OverrideBody {
            kind,
            concurrency_limit: limit,
        })?;
        self.client.execute(&call)?.decoded()
    }

    /// Goes back to the concurrency limit declared in code.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// use triggerdev::QueueRef;
    ///
    /// client.queues().override_concurrency_limit(&QueueRef::task("send-email"), 5)?;
    /// let queue = client.queues().reset_concurrency_limit(&QueueRef::task("send-email"))?;
    /// assert_eq!(queue.concurrency.and_then(|c| c.override_limit), None);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Queues::retrieve`].
    pub fn reset_concurrency_limit(&self, queue: &QueueRef) -> Result<Queue> {
        self.reset_concurrency_limit_as(queue)
    }

    pub(crate) fn reset_concurrency_limit_as<T: Decoded<Queue>>(
        &self,
        queue: &QueueRef,
    ) -> Result<T> {
        let (kind, segment) = queue.segment()?;
        let call = Call::new(
            "queues.resetConcurrencyLimit",
            Method::POST,
            format!("/api/v1/queues/{segment}/concurrency/reset"),
            Access::SecretKey { jwt: false },
        )
        .json(&TypeBody { kind })?;
        self.client.execute(&call)?.decoded()
    }
}

fn list_call(params: &ListQueuesParams) -> Result<Call> {
    if params.per_page.is_some_and(|n| n > 100) {
        return Err(Error::invalid("params.perPage", "must be at most 100"));
    }
    let mut q = Query::default();
    if let Some(n) = params.per_page.filter(|n| *n != 0) {
        q.push("perPage", &n.to_string());
    }
    if let Some(n) = params.page.filter(|n| *n != 0) {
        q.push("page", &n.to_string());
    }
    Ok(Call::new(
        "queues.list",
        Method::GET,
        "/api/v1/queues".to_owned(),
        Access::SecretKey { jwt: false },
    )
    .query(q.into_string(), "params"))
}
