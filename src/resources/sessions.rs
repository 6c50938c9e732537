//! Sessions: long-lived conversations with a task, addressed by their `session_…` id or the
//! caller's `externalId`, with two channels (`.in`, written by clients; `.out`, written by the
//! task) and named side channels. A backend starts a session and hands its public access token
//! to a frontend, which appends to `.in` and subscribes to `.out`.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use ureq::http::{HeaderValue, Method};

use super::{one_or_many, require};
use crate::cancel::{self, Watch};
use crate::client::Client;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::pagination::{cursor_pages, CursorPage, PageIter};
use crate::raw_json::RawJson;
use crate::shown::Shown;
use crate::streaming::sse::{Next, SeenIds, Source, DEFAULT_IDLE};
use crate::transport::{Body, Call};

pub use crate::streaming::sse::Stopper;

/// Session calls. Get one with [`Client::sessions`] or [`crate::sessions`].
#[derive(Clone, Debug)]
pub struct Sessions {
    client: Client,
}

/// A session (`SessionItem`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// `session_…`
    pub id: String,
    /// The caller's own id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The caller's kind of session (`chat`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The task its runs run.
    pub task_identifier: String,
    /// How its runs are triggered.
    #[serde(default)]
    pub trigger_config: Option<serde_json::Value>,
    /// The run serving it now.
    #[serde(default)]
    pub current_run_id: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// When it was closed, ISO-8601.
    #[serde(default)]
    pub closed_at: Option<String>,
    /// Why it was closed.
    #[serde(default)]
    pub closed_reason: Option<String>,
    /// When it expires, ISO-8601.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Creation time, ISO-8601.
    pub created_at: String,
    /// Last update, ISO-8601.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// What [`Sessions::start`] returns: the session, its run, and a public access token scoped to
/// it (`read:sessions:<key>` and `write:sessions:<key>`, 1 hour).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StartedSession {
    /// The session.
    #[serde(flatten)]
    pub session: Session,
    /// The run serving it.
    pub run_id: String,
    /// A token a frontend can use for this session (the body's, never the run-scoped
    /// `x-trigger-jwt` header).
    pub public_access_token: String,
    /// True when a session with this `externalId` already existed (the token is fresh).
    #[serde(default)]
    pub is_cached: bool,
}

impl std::fmt::Debug for StartedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedSession")
            .field("session", &self.session)
            .field("run_id", &self.run_id)
            .field("public_access_token", &"<redacted>")
            .field("is_cached", &self.is_cached)
            .finish()
    }
}

/// How a session's runs are triggered (`triggerConfig`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SessionTriggerConfig {
    /// The payload every run gets (a JSON object).
    pub base_payload: RawJson,
    /// Machine preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Queue name (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Named concurrency limits (at most two).
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub concurrency: Vec<String>,
    /// Concurrency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_key: Option<String>,
    /// Run tags (at most 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Maximum attempts (1–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Maximum duration, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<u64>,
    /// Worker version to lock the runs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_to_version: Option<String>,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Seconds without input before a run ends (at most 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_in_seconds: Option<u32>,
    /// The deployment the runs go to: a value, `null` (`Some(None)`) to send none, or unset to
    /// fill it like a trigger does (from the client's configuration).
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_deployment_id: Option<Option<String>>,
}

impl SessionTriggerConfig {
    /// Runs with `base_payload` (a JSON object).
    pub fn new(base_payload: impl Into<RawJson>) -> SessionTriggerConfig {
        SessionTriggerConfig {
            base_payload: base_payload.into(),
            machine: None,
            queue: None,
            concurrency: Vec::new(),
            concurrency_key: None,
            tags: Vec::new(),
            max_attempts: None,
            max_duration: None,
            lock_to_version: None,
            region: None,
            idle_timeout_in_seconds: None,
            external_deployment_id: None,
        }
    }
}

/// `null` as `Some(None)`, a value as `Some(Some(v))`; absent stays `None` through `default`.
fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Body of [`Sessions::start`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct StartSession {
    /// The kind of session (1–64 characters).
    #[serde(rename = "type")]
    pub kind: String,
    /// Your id for it (1–256 characters, not starting with `session_`); starting again with the
    /// same one returns the same session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The task its runs run.
    pub task_identifier: String,
    /// How its runs are triggered.
    pub trigger_config: SessionTriggerConfig,
    /// Tags (at most 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Metadata (a JSON object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<RawJson>,
    /// When it expires, ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl StartSession {
    /// A session of `kind` served by `task_identifier`, whose runs get `base_payload`.
    pub fn new(
        kind: impl Into<String>,
        task_identifier: impl Into<String>,
        base_payload: impl Into<RawJson>,
    ) -> StartSession {
        StartSession {
            kind: kind.into(),
            external_id: None,
            task_identifier: task_identifier.into(),
            trigger_config: SessionTriggerConfig::new(base_payload),
            tags: Vec::new(),
            metadata: None,
            expires_at: None,
        }
    }
    /// Sets [`StartSession::external_id`].
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Sets [`StartSession::metadata`].
    pub fn metadata(mut self, metadata: impl Into<RawJson>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }

    fn check(&self) -> Result<()> {
        require("body.type", &self.kind)?;
        require("body.taskIdentifier", &self.task_identifier)?;
        if let Some(ext) = &self.external_id {
            let ext = ext.trim();
            if ext.is_empty() || ext.len() > 256 {
                return Err(Error::invalid(
                    "body.externalId",
                    "must be 1 to 256 characters",
                ));
            }
            if ext.starts_with("session_") {
                return Err(Error::invalid(
                    "body.externalId",
                    "cannot start with \"session_\" (the prefix of the ids the server makes)",
                ));
            }
            if ext.contains(":channels:") {
                return Err(Error::invalid(
                    "body.externalId",
                    "cannot contain \":channels:\" (it would read as a channel scope)",
                ));
            }
        }
        if !self.trigger_config.base_payload.is_object() {
            return Err(Error::invalid(
                "body.triggerConfig.basePayload",
                "must be a JSON object",
            ));
        }
        if self.metadata.as_ref().is_some_and(|m| !m.is_object()) {
            return Err(Error::invalid("body.metadata", "must be a JSON object"));
        }
        Ok(())
    }
}

/// Body of [`Sessions::update`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UpdateSession {
    /// Replaces the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Replaces the metadata (an object), or clears it (`Some(None)`).
    #[serde(
        default,
        deserialize_with = "raw_double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<RawJson>>,
    /// Sets or (`Some(None)`) clears the external id.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_id: Option<Option<String>>,
}

impl UpdateSession {
    /// No changes.
    pub fn new() -> UpdateSession {
        UpdateSession::default()
    }
    /// Replaces the tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }
    /// Replaces the metadata (a JSON object).
    pub fn metadata(mut self, metadata: impl Into<RawJson>) -> Self {
        self.metadata = Some(Some(metadata.into()));
        self
    }
    /// Clears the metadata.
    pub fn clear_metadata(mut self) -> Self {
        self.metadata = Some(None);
        self
    }
    /// Sets the external id.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(Some(id.into()));
        self
    }
}

fn raw_double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<RawJson>>, D::Error> {
    let raw = RawJson::deserialize(d)?;
    Ok(Some((raw.get() != "null").then_some(raw)))
}

/// Filters and paging of [`Sessions::list`]. The official SDK joins several values with commas;
/// the server reads one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ListSessionsParams {
    /// Only these kinds.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "one_or_many::deserialize"
    )]
    pub kind: Vec<String>,
    /// Only sessions with these tags.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub tag: Vec<String>,
    /// Only sessions of these tasks.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub task_identifier: Vec<String>,
    /// Only the session with this external id.
    pub external_id: Option<String>,
    /// Only these statuses (`ACTIVE`, `CLOSED`, `EXPIRED`).
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub status: Vec<String>,
    /// Created within this period (`"1d"`).
    pub period: Option<String>,
    /// Created at or after this time, epoch milliseconds.
    pub from: Option<u64>,
    /// Created at or before this time, epoch milliseconds.
    pub to: Option<u64>,
    /// Page size, 1..=100 (server default 20).
    pub limit: Option<u32>,
    /// The cursor to list after.
    pub after: Option<String>,
    /// The cursor to list before (not together with `after`).
    pub before: Option<String>,
}

impl ListSessionsParams {
    /// No filters.
    pub fn new() -> ListSessionsParams {
        ListSessionsParams::default()
    }
    /// Adds a kind.
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind.push(kind.into());
        self
    }
    /// Adds a status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status.push(status.into());
        self
    }
    /// Sets [`ListSessionsParams::limit`].
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> Result<String> {
        if self.limit.is_some_and(|l| l > 100) {
            return Err(Error::invalid("params.limit", "must be at most 100"));
        }
        if self.after.is_some() && self.before.is_some() {
            return Err(Error::invalid(
                "params.before",
                "cannot be combined with `after`: give one",
            ));
        }
        let mut q = Query::default();
        q.push_list("filter[type]", &self.kind);
        q.push_list("filter[tags]", &self.tag);
        q.push_list("filter[taskIdentifier]", &self.task_identifier);
        q.push_opt("filter[externalId]", self.external_id.as_deref());
        q.push_list("filter[status]", &self.status);
        q.push_opt("filter[createdAt][period]", self.period.as_deref());
        if let Some(from) = self.from {
            q.push("filter[createdAt][from]", &from.to_string());
        }
        if let Some(to) = self.to {
            q.push("filter[createdAt][to]", &to.to_string());
        }
        if let Some(l) = self.limit.filter(|l| *l != 0) {
            q.push("page[size]", &l.to_string());
        }
        q.push_opt("page[after]", self.after.as_deref());
        q.push_opt("page[before]", self.before.as_deref());
        Ok(q.into_string())
    }
}

/// A lazy iterator over every session a list matches; see [`Sessions::iter`].
pub type SessionsIter = PageIter<Session, String>;

#[derive(Serialize)]
struct CloseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Sessions and their channels.
    pub fn sessions(&self) -> Sessions {
        Sessions {
            client: self.clone(),
        }
    }
}

impl Sessions {
    /// Starts a session and its first run (`POST /api/v1/sessions`); starting again with the
    /// same `externalId` returns it with a fresh token.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::StartSession;
    ///
    /// let started = client.sessions().start(
    ///     &StartSession::new("chat", "chat-agent", serde_json::json!({"model": "small"}))
    ///         .external_id("chat-42"),
    /// )?;
    /// assert!(started.session.id.starts_with("session_"));
    /// assert!(!started.is_cached);
    /// let again = client.sessions().start(
    ///     &StartSession::new("chat", "chat-agent", serde_json::json!({})).external_id("chat-42"),
    /// )?;
    /// assert!(again.is_cached);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty type or task, a bad external id, or a base
    /// payload that is not an object; [`Error::Conflict`] for a closed or expired session; the
    /// API errors of [`Error`] otherwise.
    pub fn start(&self, body: &StartSession) -> Result<StartedSession> {
        self.start_as(body)
    }

    pub(crate) fn start_as<T: Decoded<StartedSession>>(&self, body: &StartSession) -> Result<T> {
        body.check()?;
        let mut body = body.clone();
        let config = &mut body.trigger_config;
        config.external_deployment_id = match config.external_deployment_id.take() {
            // `null` opts out; nothing set is filled like a trigger's.
            Some(None) => None,
            Some(Some(id)) => Some(Some(id.trim().to_owned())).filter(|_| !id.trim().is_empty()),
            None => self
                .client
                .resolved()
                .external_deployment_id
                .clone()
                .map(Some),
        };
        let call = Call::new(
            "sessions.start",
            Method::POST,
            "/api/v1/sessions".to_owned(),
            Access::SecretKey { jwt: true },
        )
        .json(&body)?;
        self.client.execute(&call)?.decoded()
    }

    /// One page of sessions (`GET /api/v1/sessions`), newest first.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?;
    /// use triggerdev::ListSessionsParams;
    ///
    /// let page = client.sessions().list(&ListSessionsParams::new().kind("chat").status("ACTIVE"))?;
    /// assert_eq!(page.data.len(), 1);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a limit over 100 or both cursors; the API errors of
    /// [`Error`] otherwise.
    pub fn list(&self, params: &ListSessionsParams) -> Result<CursorPage<Session>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<Session>>(
        &self,
        params: &ListSessionsParams,
    ) -> Result<CursorPage<T>> {
        self.client.execute(&list_call(params)?)?.decoded()
    }

    /// Every session a list matches, one page at a time.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # for _ in 0..3 { client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?; }
    /// let all = client.sessions().iter(&triggerdev::ListSessionsParams::new().limit(2))?;
    /// assert_eq!(all.count(), 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The argument errors of [`Sessions::list`] at once; a page that fails to load is the
    /// iterator's last item.
    pub fn iter(&self, params: &ListSessionsParams) -> Result<SessionsIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<Session> + Send + 'static>(
        &self,
        params: &ListSessionsParams,
    ) -> Result<PageIter<T, String>> {
        list_call(params)?;
        let client = self.client.clone();
        let params = params.clone();
        Ok(cursor_pages(move |cursor| {
            let mut p = params.clone();
            if let Some(c) = cursor {
                p.after = Some(c.clone());
            }
            client.execute(&list_call(&p)?)?.decoded()
        }))
    }

    /// One session, by its `session_…` id or its external id.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})).external_id("chat-42"))?;
    /// let by_external = client.sessions().retrieve("chat-42")?;
    /// assert_eq!(by_external.id, started.session.id);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::PermissionDenied`] with a token for another session; the
    /// API errors of [`Error`] otherwise.
    pub fn retrieve(&self, session: &str) -> Result<Session> {
        self.retrieve_as(session)
    }

    pub(crate) fn retrieve_as<T: Decoded<Session>>(&self, session: &str) -> Result<T> {
        let call = Call::new(
            "sessions.retrieve",
            Method::GET,
            session_path(session, "")?,
            Access::SecretKey { jwt: true },
        );
        self.client.execute(&call)?.decoded()
    }

    /// Changes a session's tags, metadata or external id (`PATCH /api/v1/sessions/{id}`).
    /// Needs a secret key: a public token fails before sending.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?;
    /// use triggerdev::UpdateSession;
    ///
    /// let session = client.sessions().update(&started.session.id, &UpdateSession::new().tags(["vip"]))?;
    /// assert_eq!(session.tags, ["vip"]);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedCredential`] with a public access token; [`Error::Unprocessable`]
    /// for a changed external id; the API errors of [`Error`] otherwise.
    pub fn update(&self, session: &str, body: &UpdateSession) -> Result<Session> {
        self.update_as(session, body)
    }

    pub(crate) fn update_as<T: Decoded<Session>>(
        &self,
        session: &str,
        body: &UpdateSession,
    ) -> Result<T> {
        if body
            .metadata
            .as_ref()
            .and_then(Option::as_ref)
            .is_some_and(|m| !m.is_object())
        {
            return Err(Error::invalid(
                "body.metadata",
                "must be a JSON object or null",
            ));
        }
        let call = Call::new(
            "sessions.update",
            Method::PATCH,
            session_path(session, "")?,
            Access::SecretKey { jwt: false },
        )
        .json(body)?;
        self.client.execute(&call)?.decoded()
    }

    /// Closes a session (terminal, idempotent), with an optional reason. Needs a secret key.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?;
    /// let closed = client.sessions().close(&started.session.id, Some("user left"))?;
    /// assert_eq!(closed.closed_reason.as_deref(), Some("user left"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedCredential`] with a public access token; [`Error::InvalidArgument`]
    /// for a reason over 256 characters; the API errors of [`Error`] otherwise.
    pub fn close(&self, session: &str, reason: Option<&str>) -> Result<Session> {
        self.close_as(session, reason)
    }

    pub(crate) fn close_as<T: Decoded<Session>>(
        &self,
        session: &str,
        reason: Option<&str>,
    ) -> Result<T> {
        if reason.is_some_and(|r| r.chars().count() > 256) {
            return Err(Error::invalid("reason", "must be at most 256 characters"));
        }
        let call = Call::new(
            "sessions.close",
            Method::POST,
            session_path(session, "/close")?,
            Access::SecretKey { jwt: false },
        )
        .json(&CloseBody { reason })?;
        self.client.execute(&call)?.decoded()
    }

    /// A handle on a session's channels (no request is made).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})).external_id("chat-42"))?;
    /// let session = client.sessions().open("chat-42")?;
    /// session.input().append(&serde_json::json!({"text": "hello"}))?;
    /// let records = session.input().records(None)?;
    /// assert_eq!(records.len(), 1);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id.
    pub fn open(&self, session: &str) -> Result<SessionHandle> {
        require("session", session)?;
        Ok(SessionHandle {
            client: self.client.clone(),
            session: session.to_owned(),
            channel: None,
        })
    }
}

fn list_call(params: &ListSessionsParams) -> Result<Call> {
    Ok(Call::new(
        "sessions.list",
        Method::GET,
        "/api/v1/sessions".to_owned(),
        Access::SecretKey { jwt: true },
    )
    .query(params.query()?, "params"))
}

fn session_path(session: &str, suffix: &str) -> Result<String> {
    require("session", session)?;
    Ok(format!(
        "/api/v1/sessions/{}{suffix}",
        encode::path_segment(session)
    ))
}

/// Checks a named channel's name: 1–128 of `A-Z a-z 0-9 . _ -`.
pub(crate) fn check_channel_name(name: &str, argument: &'static str) -> Result<()> {
    let valid = (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            argument,
            format!(
                "channel name {} must be 1 to 128 of A-Z a-z 0-9 . _ -",
                Shown(name)
            ),
        ))
    }
}

/// Which direction of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelIo {
    /// `.in`: written by clients, read by the task.
    In,
    /// `.out`: written by the task (and secret keys), read by clients.
    Out,
}

impl ChannelIo {
    /// `in` or `out`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelIo::In => "in",
            ChannelIo::Out => "out",
        }
    }
}

/// A session's channels: the default pair, or a named one ([`SessionHandle::channel`]).
#[derive(Clone, Debug)]
pub struct SessionHandle {
    client: Client,
    session: String,
    channel: Option<String>,
}

impl SessionHandle {
    /// The `.in` channel (the official `session.in`).
    pub fn input(&self) -> SessionChannel {
        self.direction(ChannelIo::In)
    }

    /// The `.out` channel (the official `session.out`).
    pub fn output(&self) -> SessionChannel {
        self.direction(ChannelIo::Out)
    }

    /// One direction of this pair.
    pub fn direction(&self, io: ChannelIo) -> SessionChannel {
        SessionChannel {
            client: self.client.clone(),
            session: self.session.clone(),
            channel: self.channel.clone(),
            io,
        }
    }

    /// The named side channel `name` of this session.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})).external_id("chat-42"))?;
    /// let tools = client.sessions().open("chat-42")?.channel("tool-calls")?;
    /// tools.input().append(&serde_json::json!({"call": "search"}))?;
    /// assert!(client.sessions().open("chat-42")?.channel("no spaces allowed").is_err());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a name that is not 1–128 of `A-Z a-z 0-9 . _ -`.
    pub fn channel(&self, name: &str) -> Result<SessionHandle> {
        check_channel_name(name, "channel")?;
        Ok(SessionHandle {
            client: self.client.clone(),
            session: self.session.clone(),
            channel: Some(name.to_owned()),
        })
    }
}

/// What an append returns: `{"ok":true,"seq":n}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Appended {
    /// Whether it was recorded.
    pub ok: bool,
    /// The record's sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// A record read without waiting ([`SessionChannel::records`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChannelRecord {
    /// What was appended (for `.in`, the text that was posted).
    #[serde(default)]
    pub data: serde_json::Value,
    /// The part id it was appended with.
    pub id: String,
    /// Its sequence number.
    pub seq_num: u64,
    /// Its headers (control records).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

/// `{"records": […]}`; the C ABI hands out the list alone, as the server wrote it.
#[derive(Deserialize)]
pub(crate) struct Records<T = Vec<ChannelRecord>> {
    pub(crate) records: T,
}

/// One direction of a session channel.
#[derive(Clone, Debug)]
pub struct SessionChannel {
    client: Client,
    session: String,
    channel: Option<String>,
    io: ChannelIo,
}

impl SessionChannel {
    fn path(&self, suffix: &str) -> Result<String> {
        require("session", &self.session)?;
        let mut path = format!(
            "/realtime/v1/sessions/{}",
            encode::path_segment(&self.session)
        );
        if let Some(name) = &self.channel {
            path.push_str("/channels/");
            path.push_str(&encode::path_segment(name));
        }
        path.push('/');
        path.push_str(self.io.as_str());
        path.push_str(suffix);
        Ok(path)
    }

    /// Appends a record (`POST …/{in|out}/append`): a string is sent as it is, anything else as
    /// its JSON. One `X-Part-Id` is made per call and sent on every retry, so a retried append
    /// is recorded once. `.out` needs a secret key.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?;
    /// let session = client.sessions().open(&started.session.id)?;
    /// let appended = session.input().append("hello")?;
    /// assert!(appended.ok);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::SessionClosed`] (never retried) for a closed session;
    /// [`Error::UnsupportedCredential`] for `.out` with a public token;
    /// [`Error::PermissionDenied`] for a token without the write scope; the API errors of
    /// [`Error`] otherwise.
    pub fn append(&self, value: &(impl Serialize + ?Sized)) -> Result<Appended> {
        let raw = RawJson::new(value).map_err(|e| Error::invalid("value", e.to_string()))?;
        self.append_as(&raw)
    }

    pub(crate) fn append_as<T: Decoded<Appended>>(&self, value: &RawJson) -> Result<T> {
        // A string goes as its text; anything else as its JSON (the official `send`).
        let bytes = match serde_json::from_str::<String>(value.get()) {
            Ok(text) if value.get().starts_with('"') => text.into_bytes(),
            _ => value.get().as_bytes().to_vec(),
        };
        let access = match self.io {
            ChannelIo::In => Access::SecretKey { jwt: true },
            ChannelIo::Out => Access::SecretKey { jwt: false },
        };
        let operation = match self.io {
            ChannelIo::In => "sessions.in.append",
            ChannelIo::Out => "sessions.out.append",
        };
        let part_id = HeaderValue::from_str(&encode::nanoid()).expect("a nanoid is a header value");
        let mut call = Call::new(operation, Method::POST, self.path("/append")?, access)
            .header("x-part-id", part_id);
        call.body = Body::Json(bytes);
        self.client.execute(&call)?.decoded()
    }

    /// The records there are now, after `after_seq` if given (`GET …/records`); does not wait.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?;
    /// let input = client.sessions().open(&started.session.id)?.input();
    /// let first = input.append("one")?.seq.unwrap();
    /// input.append("two")?;
    /// let later = input.records(Some(first))?;
    /// assert_eq!(later[0].data, serde_json::json!("two"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] without a read scope; the API errors of [`Error`] otherwise.
    pub fn records(&self, after_seq: Option<u64>) -> Result<Vec<ChannelRecord>> {
        Ok(self.records_as::<Vec<ChannelRecord>>(after_seq)?.records)
    }

    fn records_as<T: serde::de::DeserializeOwned>(
        &self,
        after_seq: Option<u64>,
    ) -> Result<Records<T>> {
        let mut call = Call::new(
            "sessions.records",
            Method::GET,
            self.path("/records")?,
            Access::SecretKey { jwt: true },
        );
        if let Some(after) = after_seq {
            call = call.query(format!("afterEventId={after}"), "after_seq");
        }
        self.client.execute(&call)?.decoded()
    }

    /// Subscribes to the channel (SSE): a blocking iterator of records that reconnects after a
    /// dropped connection or an `error` event and resumes after the last record, skips command
    /// records and records it has seen, and ends when stopped ([`Subscription::stopper`], from
    /// any thread), at the end of the server's window if `options.stop_at_end_of_window`, or
    /// after an error (returned as its last item): a terminal one (4xx) at once, and a server
    /// that keeps failing (5xx, rate limits, timeouts) after the client's retry policy's
    /// `max_attempts` connection attempts in a row; resubscribe (from [`Subscription::last_seq`])
    /// to try again.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let started = client.sessions().start(&triggerdev::StartSession::new("chat", "chat-agent", serde_json::json!({})))?;
    /// # emulator.set_session_options(triggerdev_emulator::SessionOptions {
    /// #     sse_linger: Some(std::time::Duration::ZERO), ..Default::default() });
    /// use triggerdev::SubscribeOptions;
    ///
    /// let input = client.sessions().open(&started.session.id)?.input();
    /// input.append("hello")?;
    /// let options = SubscribeOptions::new().stop_at_end_of_window(true);
    /// let records: Vec<_> = input.subscribe(&options)?.collect::<Result<_, _>>()?;
    /// assert_eq!(records[0].data, Some(serde_json::json!("hello")));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a `timeout_seconds` outside 1–600; the stream's own
    /// errors come as the iterator's last item.
    pub fn subscribe(&self, options: &SubscribeOptions) -> Result<Subscription> {
        if options
            .timeout_seconds
            .is_some_and(|t| !(1..=600).contains(&t))
        {
            return Err(Error::invalid(
                "options.timeoutSeconds",
                "must be between 1 and 600",
            ));
        }
        let path = self.path("")?;
        let idle = options.timeout_seconds.map_or(DEFAULT_IDLE, |t| {
            Duration::from_secs(u64::from(t)) + DEFAULT_IDLE / 2
        });
        let mut source = Source::new(&self.client, path.clone(), idle);
        if let Some(token) = &self.client.resolved().token {
            source.set_token(token.0.clone());
        }
        Ok(Subscription {
            path,
            options: options.clone(),
            source,
            pending: VecDeque::new(),
            last_seq: options.last_event_id,
            batch_end: None,
            seen: SeenIds::default(),
            window_done: false,
            done: false,
        })
    }
}

/// Where a subscription starts and when it ends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SubscribeOptions {
    /// Resume after this record's `seq_num` (`Last-Event-ID`).
    pub last_event_id: Option<u64>,
    /// Start at the tail, not the beginning, when there is no `last_event_id`
    /// (`X-Trigger-Stream-Start: latest`).
    #[serde(default)]
    pub from_latest: bool,
    /// The server's long-poll window in seconds, 1–600 (`Timeout-Seconds`; server default 60).
    pub timeout_seconds: Option<u32>,
    /// End at the end of the server's window (`[DONE]`) instead of reconnecting.
    #[serde(default)]
    pub stop_at_end_of_window: bool,
    /// On `.out`: end once the task's turn is settled (`X-Peek-Settled: 1`).
    #[serde(default)]
    pub peek_settled: bool,
}

impl SubscribeOptions {
    /// From the beginning, reconnecting across windows until stopped.
    pub fn new() -> SubscribeOptions {
        SubscribeOptions::default()
    }
    /// Sets [`SubscribeOptions::last_event_id`].
    pub fn last_event_id(mut self, seq: u64) -> Self {
        self.last_event_id = Some(seq);
        self
    }
    /// Sets [`SubscribeOptions::from_latest`].
    pub fn from_latest(mut self, yes: bool) -> Self {
        self.from_latest = yes;
        self
    }
    /// Sets [`SubscribeOptions::timeout_seconds`].
    pub fn timeout_seconds(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }
    /// Sets [`SubscribeOptions::stop_at_end_of_window`].
    pub fn stop_at_end_of_window(mut self, yes: bool) -> Self {
        self.stop_at_end_of_window = yes;
        self
    }
    /// Sets [`SubscribeOptions::peek_settled`].
    pub fn peek_settled(mut self, yes: bool) -> Self {
        self.peek_settled = yes;
        self
    }
}

/// A record from a subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionRecord {
    /// Its sequence number (resume after it with `last_event_id`).
    pub seq_num: u64,
    /// The part id it was appended with (data records).
    #[serde(default)]
    pub id: Option<String>,
    /// What was appended (`None` for control records).
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    /// When it was recorded, epoch milliseconds.
    #[serde(default)]
    pub timestamp: Option<u64>,
    /// Its headers.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// A control record's kind (`turn-complete`, `upgrade-required`).
    #[serde(default)]
    pub control: Option<String>,
}

impl SessionRecord {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is the `turn-complete` control record that ends a task's turn.
    pub fn is_turn_complete(&self) -> bool {
        self.control.as_deref() == Some("turn-complete")
    }

    /// A refreshed public access token a `turn-complete` record carries (the subscription
    /// uses it from then on).
    pub fn public_access_token(&self) -> Option<&str> {
        self.header("public-access-token")
    }
}

/// A subscription to a session channel; see [`SessionChannel::subscribe`].
pub struct Subscription {
    path: String,
    options: SubscribeOptions,
    source: Source,
    pending: VecDeque<SessionRecord>,
    /// The seq of the last record handed out, or skipped with nothing after it to hand out.
    last_seq: Option<u64>,
    /// The seq that ends the batch `pending` came from: `last_seq` once `pending` is drained.
    batch_end: Option<u64>,
    seen: SeenIds,
    /// The connection open now sent `[DONE]`: its end is the end of the server's window.
    window_done: bool,
    done: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("path", &self.path)
            .field("last_seq", &self.last_seq)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// A handle that stops this subscription from another thread.
    pub fn stopper(&self) -> Stopper {
        self.source.stopper()
    }

    /// The `seq_num` of the last record this iterator has handed out (or of command records
    /// it skipped after it): where a new subscription resumes without losing or repeating one.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The request that (re)connects, resuming after `last_seq`.
    fn call(&self) -> Call {
        let mut call = Call::new(
            "sessions.subscribe",
            Method::GET,
            self.path.clone(),
            Access::SecretKey { jwt: true },
        )
        .header("accept", HeaderValue::from_static("text/event-stream"));
        match self.last_seq {
            Some(seq) => {
                call = call.header(
                    "last-event-id",
                    HeaderValue::from_str(&seq.to_string()).expect("digits"),
                );
            }
            None if self.options.from_latest => {
                call = call.header("x-trigger-stream-start", HeaderValue::from_static("latest"));
            }
            None => {}
        }
        if let Some(t) = self.options.timeout_seconds {
            call = call.header(
                "timeout-seconds",
                HeaderValue::from_str(&t.to_string()).expect("digits"),
            );
        }
        if self.options.peek_settled {
            call = call.header("x-peek-settled", HeaderValue::from_static("1"));
        }
        call.request_key = false;
        call
    }

    /// Decodes an `event: batch` frame into pending records, advancing the cursor.
    fn take_batch(&mut self, data: &str) {
        #[derive(Deserialize)]
        struct Frame {
            #[serde(default)]
            records: Vec<Raw>,
        }
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            body: String,
            seq_num: u64,
            #[serde(default)]
            timestamp: Option<u64>,
            #[serde(default)]
            headers: Vec<(String, String)>,
        }
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(default)]
            data: Option<serde_json::Value>,
            #[serde(default)]
            id: Option<String>,
        }
        let Ok(frame) = serde_json::from_str::<Frame>(data) else {
            return;
        };
        let Some(end) = frame.records.last().map(|r| r.seq_num) else {
            return;
        };
        for raw in frame.records {
            // S2 command records (trim, fence) have one header with an empty name.
            if raw.headers.first().is_some_and(|(name, _)| name.is_empty()) {
                continue;
            }
            let envelope = serde_json::from_str::<Envelope>(&raw.body).ok();
            let (data, id) = envelope.map_or((None, None), |e| (e.data, e.id));
            if let Some(id) = &id {
                if !self.seen.insert(id) {
                    continue;
                }
            }
            let control = raw
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("trigger-control"))
                .map(|(_, v)| v.clone());
            let record = SessionRecord {
                seq_num: raw.seq_num,
                id,
                data,
                timestamp: raw.timestamp,
                headers: raw.headers,
                control,
            };
            if let Some(token) = record.public_access_token() {
                self.source.set_token(token.to_owned());
            }
            self.source.delivered();
            self.pending.push_back(record);
        }
        if self.pending.is_empty() {
            self.last_seq = Some(end);
        } else {
            self.batch_end = Some(end);
        }
    }

    fn finish(&mut self, error: Option<Error>) -> Option<Result<SessionRecord>> {
        self.done = true;
        self.source.close();
        // Stopped: whatever the stop interrupted ends the subscription without an error.
        error.filter(|_| !self.source.is_stopped()).map(Err)
    }
}

impl Iterator for Subscription {
    type Item = Result<SessionRecord>;

    fn next(&mut self) -> Option<Result<SessionRecord>> {
        let client = self.source.client().clone();
        let cfg = client.resolved();
        let stop = self.source.stop_signal().clone();
        let watch = Watch::new(cfg.cancel.as_ref(), cfg.deadline, &*cfg.clock).stopped_by(&stop);
        let reading = cancel::reading(&watch);
        loop {
            if let Some(record) = self.pending.pop_front() {
                self.last_seq = if self.pending.is_empty() {
                    self.batch_end.take()
                } else {
                    Some(record.seq_num)
                };
                return Some(Ok(record));
            }
            if self.done {
                return self.finish(None);
            }
            let call = self.call();
            let waited = match self.source.next(&watch, &reading, &call) {
                Next::Opened(_) => {
                    self.window_done = false;
                    Ok(())
                }
                Next::Event(event) => match event.kind.as_str() {
                    "batch" => {
                        self.take_batch(&event.data);
                        Ok(())
                    }
                    // The server ends the stream after an error event: resume after a pause.
                    "error" => self.source.pause(&watch),
                    _ if event.data == "[DONE]" => {
                        self.window_done = true;
                        Ok(())
                    }
                    _ => Ok(()),
                },
                Next::End if self.window_done => {
                    if self.options.stop_at_end_of_window {
                        return self.finish(None);
                    }
                    Ok(())
                }
                // Dropped mid-window: reconnect after a pause.
                Next::End => self.source.pause(&watch),
                Next::Stopped => return self.finish(None),
                Next::Failed(e) => return self.finish(Some(e)),
            };
            if let Err(e) = waited {
                return self.finish(Some(e));
            }
        }
    }
}
