//! Bulk actions: cancel or replay many runs at once, by filter or by id.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::{one_or_many, require, OneOrMany, RunStatus};
use crate::client::Client;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::pagination::{cursor_pages, CursorPage, PageIter};
use crate::raw_json::RawJson;
use crate::transport::Call;

/// Bulk action calls. Get one with [`Client::bulk_actions`] or [`crate::bulk_actions`].
#[derive(Clone, Debug)]
pub struct BulkActions {
    client: Client,
}

/// What a bulk action does to each run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BulkActionKind {
    /// Cancel the runs.
    Cancel,
    /// Replay the runs.
    Replay,
}

/// Which runs a filtered bulk action applies to (the run list filters, as JSON members).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct BulkActionFilter {
    /// Runs in these statuses.
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub status: Vec<RunStatus>,
    /// Runs of these tasks.
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub task_identifier: Vec<String>,
    /// Runs of these versions.
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub version: Vec<String>,
    /// Created at or after this time, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<u64>,
    /// Created at or before this time, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<u64>,
    /// Created within this period (`"1d"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Runs of this earlier bulk action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk_action: Option<String>,
    /// Runs with these tags: one tag is sent as a string, a list as an array, as given.
    #[serde(default, skip_serializing_if = "OneOrMany::is_empty")]
    pub tag: OneOrMany<String>,
    /// Runs of this schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Test runs only (true) or none (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_test: Option<bool>,
    /// Runs of this batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Runs on these queues, as the official SDK takes them (`{"type":"task","name":…}` or
    /// `{"type":"custom","name":…}`).
    #[serde(
        default,
        deserialize_with = "crate::json::one_or_many_raw",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub queue: Vec<RawJson>,
    /// Runs on these machines.
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub machine: Vec<String>,
    /// Runs in these regions.
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub region: Vec<String>,
}

impl BulkActionFilter {
    /// No filter yet (a bulk action needs at least one).
    pub fn new() -> BulkActionFilter {
        BulkActionFilter::default()
    }
    /// Adds a status.
    pub fn status(mut self, status: RunStatus) -> Self {
        self.status.push(status);
        self
    }
    /// Adds a task.
    pub fn task_identifier(mut self, task: impl Into<String>) -> Self {
        self.task_identifier.push(task.into());
        self
    }
    /// Adds a tag (one is sent as `"tag":"old"`, more as an array).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag.push(tag.into());
        self
    }
    /// Sets the period.
    pub fn period(mut self, period: impl Into<String>) -> Self {
        self.period = Some(period.into());
        self
    }

    fn is_empty(&self) -> bool {
        self == &BulkActionFilter::default()
    }
}

/// A bulk action to create: `filter` or `run_ids` (exactly one), and what to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateBulkAction {
    /// The runs that match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<BulkActionFilter>,
    /// These runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_ids: Option<Vec<String>>,
    /// A name for the dashboard (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replays only: the region the new runs go to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_region: Option<String>,
    /// `cancel` or `replay`.
    pub action: BulkActionKind,
}

impl CreateBulkAction {
    /// `action` on every run `filter` matches.
    pub fn by_filter(action: BulkActionKind, filter: BulkActionFilter) -> CreateBulkAction {
        CreateBulkAction {
            filter: Some(filter),
            run_ids: None,
            name: None,
            target_region: None,
            action,
        }
    }

    /// `action` on the runs `run_ids`.
    pub fn by_ids<S: Into<String>>(
        action: BulkActionKind,
        run_ids: impl IntoIterator<Item = S>,
    ) -> CreateBulkAction {
        CreateBulkAction {
            filter: None,
            run_ids: Some(run_ids.into_iter().map(Into::into).collect()),
            name: None,
            target_region: None,
            action,
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the target region (replays).
    pub fn target_region(mut self, region: impl Into<String>) -> Self {
        self.target_region = Some(region.into());
        self
    }

    /// The checks the official SDK's schema makes before sending.
    fn check(&self) -> Result<()> {
        match (&self.filter, &self.run_ids) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(Error::invalid(
                    "body",
                    "give exactly one of `filter` and `runIds`",
                ))
            }
            (Some(f), None) if f.is_empty() => {
                return Err(Error::invalid("body.filter", "give at least one filter"))
            }
            (None, Some(ids)) if ids.is_empty() || ids.iter().any(|i| i.trim().is_empty()) => {
                return Err(Error::invalid(
                    "body.runIds",
                    "give at least one run id, none of them empty",
                ))
            }
            _ => {}
        }
        if self.name.as_ref().is_some_and(|n| n.chars().count() > 255) {
            return Err(Error::invalid(
                "body.name",
                "must be at most 255 characters",
            ));
        }
        if self.action == BulkActionKind::Cancel && self.target_region.is_some() {
            return Err(Error::invalid(
                "body.targetRegion",
                "only a replay takes a target region",
            ));
        }
        Ok(())
    }
}

/// Counts of a bulk action's runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BulkActionCounts {
    /// Runs selected.
    #[serde(default)]
    pub total: u64,
    /// Runs done.
    #[serde(default)]
    pub success: u64,
    /// Runs that failed.
    #[serde(default)]
    pub failure: u64,
}

/// A bulk action (`BulkActionObject`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkAction {
    /// `bulk_…`
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `CANCEL` or `REPLAY`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `PENDING`, `COMPLETED` or `ABORTED`.
    pub status: String,
    /// Counts of its runs.
    #[serde(default)]
    pub counts: BulkActionCounts,
    /// Creation time, ISO-8601.
    pub created_at: String,
    /// Completion time, ISO-8601.
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// Paging of [`BulkActions::list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListBulkActionsParams {
    /// Page size.
    pub limit: Option<u32>,
    /// The cursor to list after.
    pub after: Option<String>,
    /// The cursor to list before.
    pub before: Option<String>,
}

/// A lazy iterator over every bulk action; see [`BulkActions::iter`].
pub type BulkActionsIter = PageIter<BulkAction, String>;

/// `{"id": …}` of a created or aborted bulk action.
#[derive(Deserialize)]
pub(crate) struct BulkActionId {
    id: String,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Bulk actions on runs.
    pub fn bulk_actions(&self) -> BulkActions {
        BulkActions {
            client: self.clone(),
        }
    }
}

impl BulkActions {
    /// Creates a bulk action (`POST /api/v1/bulk-actions`); returns its id.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &triggerdev::TriggerOptions::new().tag("old"))?;
    /// use triggerdev::{BulkActionFilter, BulkActionKind, CreateBulkAction, RunStatus};
    ///
    /// let filter = BulkActionFilter::new().status(RunStatus::Queued).tag("old");
    /// let id = client.bulk_actions().create(
    ///     &CreateBulkAction::by_filter(BulkActionKind::Cancel, filter).name("cancel old"),
    /// )?;
    /// assert_eq!(client.bulk_actions().retrieve(&id)?.counts.total, 1);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] without exactly one of `filter` and `run_ids`, with an empty
    /// filter, or with a target region on a cancel; the API errors of [`Error`] otherwise.
    pub fn create(&self, action: &CreateBulkAction) -> Result<String> {
        Ok(self.create_as::<BulkActionId>(action)?.id)
    }

    pub(crate) fn create_as<T: Decoded<BulkActionId>>(
        &self,
        action: &CreateBulkAction,
    ) -> Result<T> {
        action.check()?;
        let call = Call::new(
            "runs.bulk.create",
            Method::POST,
            "/api/v1/bulk-actions".to_owned(),
            Access::SecretKey { jwt: false },
        )
        .json(action)?;
        self.client.execute(&call)?.decoded()
    }

    /// One page of bulk actions (`GET /api/v1/bulk-actions`), newest first.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let run = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// # use triggerdev::{BulkActionKind, CreateBulkAction};
    /// # client.bulk_actions().create(&CreateBulkAction::by_ids(BulkActionKind::Replay, [run]))?;
    /// let page = client.bulk_actions().list(&Default::default())?;
    /// assert_eq!(page.data[0].kind, "REPLAY");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The API errors of [`Error`].
    pub fn list(&self, params: &ListBulkActionsParams) -> Result<CursorPage<BulkAction>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<BulkAction>>(
        &self,
        params: &ListBulkActionsParams,
    ) -> Result<CursorPage<T>> {
        self.client.execute(&list_call(params))?.decoded()
    }

    /// Every bulk action, one page at a time.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// assert_eq!(client.bulk_actions().iter(&Default::default())?.count(), 0);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A page that fails to load is the iterator's last item.
    pub fn iter(&self, params: &ListBulkActionsParams) -> Result<BulkActionsIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<BulkAction> + Send + 'static>(
        &self,
        params: &ListBulkActionsParams,
    ) -> Result<PageIter<T, String>> {
        let client = self.client.clone();
        let params = params.clone();
        Ok(cursor_pages(move |cursor| {
            let mut p = params.clone();
            if let Some(c) = cursor {
                p.after = Some(c.clone());
            }
            client.execute(&list_call(&p))?.decoded()
        }))
    }

    /// One bulk action (`GET /api/v1/bulk-actions/{id}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let run = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// use triggerdev::{BulkActionKind, CreateBulkAction};
    ///
    /// let id = client.bulk_actions().create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, [run]))?;
    /// assert_eq!(client.bulk_actions().retrieve(&id)?.status, "COMPLETED");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn retrieve(&self, bulk_action_id: &str) -> Result<BulkAction> {
        self.retrieve_as(bulk_action_id)
    }

    pub(crate) fn retrieve_as<T: Decoded<BulkAction>>(&self, bulk_action_id: &str) -> Result<T> {
        require("bulk_action_id", bulk_action_id)?;
        let call = Call::new(
            "runs.bulk.retrieve",
            Method::GET,
            format!(
                "/api/v1/bulk-actions/{}",
                encode::path_segment(bulk_action_id)
            ),
            Access::SecretKey { jwt: false },
        );
        self.client.execute(&call)?.decoded()
    }

    /// Stops a bulk action that is still running (`POST /api/v1/bulk-actions/{id}/abort`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.set_bulk_actions_deferred(true);
    /// # let run = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// use triggerdev::{BulkActionKind, CreateBulkAction};
    ///
    /// let id = client.bulk_actions().create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, [run]))?;
    /// client.bulk_actions().abort(&id)?;
    /// assert_eq!(client.bulk_actions().retrieve(&id)?.status, "ABORTED");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] (after retries) when it has already finished; [`Error::NotFound`];
    /// the API errors of [`Error`] otherwise.
    pub fn abort(&self, bulk_action_id: &str) -> Result<String> {
        Ok(self.abort_as::<BulkActionId>(bulk_action_id)?.id)
    }

    pub(crate) fn abort_as<T: Decoded<BulkActionId>>(&self, bulk_action_id: &str) -> Result<T> {
        require("bulk_action_id", bulk_action_id)?;
        let call = Call::new(
            "runs.bulk.abort",
            Method::POST,
            format!(
                "/api/v1/bulk-actions/{}/abort",
                encode::path_segment(bulk_action_id)
            ),
            Access::SecretKey { jwt: false },
        );
        self.client.execute(&call)?.decoded()
    }
}

fn list_call(params: &ListBulkActionsParams) -> Call {
    let mut q = Query::default();
    if let Some(l) = params.limit.filter(|l| *l != 0) {
        q.push("page[size]", &l.to_string());
    }
    q.push_opt("page[after]", params.after.as_deref());
    q.push_opt("page[before]", params.before.as_deref());
    Call::new(
        "runs.bulk.list",
        Method::GET,
        "/api/v1/bulk-actions".to_owned(),
        Access::SecretKey { jwt: false },
    )
    .query(q.into_string(), "params")
}
