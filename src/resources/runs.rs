//! Runs: list (with filters and lazy pagination), retrieve, cancel, replay, reschedule,
//! metadata, tags, result and poll.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::{one_or_many, payload, require};
use crate::client::Client;
use crate::config::TokenKind;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::pagination::{CursorPage, PageIter};
use crate::transport::{Access, Call};

/// Run calls. Get one with [`Client::runs`] or [`crate::runs`].
#[derive(Clone, Debug)]
pub struct Runs {
    client: Client,
}

/// The status of a run (the `2025-07-16` API vocabulary). Statuses this SDK does not know decode
/// as [`RunStatus::Unknown`] instead of failing (DESIGN.md §6.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// Waiting for a deployment with this task.
    PendingVersion,
    /// Queued.
    Queued,
    /// Dequeued, about to execute.
    Dequeued,
    /// Executing.
    Executing,
    /// Waiting (for a wait or a child run).
    Waiting,
    /// Completed successfully.
    Completed,
    /// Canceled.
    Canceled,
    /// Failed.
    Failed,
    /// Crashed.
    Crashed,
    /// A system failure.
    SystemFailure,
    /// Delayed (triggered with `delay`).
    Delayed,
    /// Expired (its TTL passed before it started).
    Expired,
    /// Timed out (its max duration passed).
    TimedOut,
    /// A status this SDK does not know yet.
    #[serde(untagged)]
    Unknown(String),
}

impl RunStatus {
    /// The wire name (`"COMPLETED"`).
    pub fn as_str(&self) -> &str {
        match self {
            RunStatus::PendingVersion => "PENDING_VERSION",
            RunStatus::Queued => "QUEUED",
            RunStatus::Dequeued => "DEQUEUED",
            RunStatus::Executing => "EXECUTING",
            RunStatus::Waiting => "WAITING",
            RunStatus::Completed => "COMPLETED",
            RunStatus::Canceled => "CANCELED",
            RunStatus::Failed => "FAILED",
            RunStatus::Crashed => "CRASHED",
            RunStatus::SystemFailure => "SYSTEM_FAILURE",
            RunStatus::Delayed => "DELAYED",
            RunStatus::Expired => "EXPIRED",
            RunStatus::TimedOut => "TIMED_OUT",
            RunStatus::Unknown(s) => s,
        }
    }
}

/// Filters and paging of [`Runs::list`] (API.md §6.4). From JSON they use the official option
/// names: `{"status":["COMPLETED"],"taskIdentifier":["t"],"limit":10}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ListRunsParams {
    /// The project (`proj_…`); required with a personal access token, which lists through the
    /// project route. Ignored with a secret key, which lists its own environment.
    pub project_ref: Option<String>,
    /// Environments to list with a personal access token (`dev`, `staging`, `prod`); required
    /// with it. The server uses the first one that matches.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub env: Vec<String>,
    /// Only these statuses.
    #[serde(default)]
    pub status: Vec<RunStatus>,
    /// Only these tasks.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub task_identifier: Vec<String>,
    /// Only these versions.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub version: Vec<String>,
    /// Only runs of this bulk action.
    pub bulk_action: Option<String>,
    /// Only runs with these tags.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub tag: Vec<String>,
    /// Only runs of this schedule.
    pub schedule: Option<String>,
    /// Only test runs (true) or only non-test runs (false).
    pub is_test: Option<bool>,
    /// Created at or after this time, Unix epoch milliseconds.
    pub from: Option<u64>,
    /// Created at or before this time, Unix epoch milliseconds.
    pub to: Option<u64>,
    /// Created within this period (`"1d"`, `"7d"`).
    pub period: Option<String>,
    /// Only runs of this batch.
    pub batch: Option<String>,
    /// Only runs on these queues (`task/<name>` for a task's queue, `<name>` for a custom one).
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub queue: Vec<String>,
    /// Only runs on these machines.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub machine: Vec<String>,
    /// Only runs in these regions.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub region: Vec<String>,
    /// Page size, 1..=100 (server default 25).
    pub limit: Option<u32>,
    /// The cursor to list after.
    pub after: Option<String>,
    /// The cursor to list before.
    pub before: Option<String>,
}

impl ListRunsParams {
    /// No filters.
    pub fn new() -> ListRunsParams {
        ListRunsParams::default()
    }
    /// Sets [`ListRunsParams::project_ref`].
    pub fn project_ref(mut self, project_ref: impl Into<String>) -> Self {
        self.project_ref = Some(project_ref.into());
        self
    }
    /// Adds an environment to [`ListRunsParams::env`].
    pub fn env(mut self, env: impl Into<String>) -> Self {
        self.env.push(env.into());
        self
    }
    /// Adds a status to [`ListRunsParams::status`].
    pub fn status(mut self, status: RunStatus) -> Self {
        self.status.push(status);
        self
    }
    /// Adds a task to [`ListRunsParams::task_identifier`].
    pub fn task_identifier(mut self, task: impl Into<String>) -> Self {
        self.task_identifier.push(task.into());
        self
    }
    /// Adds a version to [`ListRunsParams::version`].
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version.push(version.into());
        self
    }
    /// Sets [`ListRunsParams::bulk_action`].
    pub fn bulk_action(mut self, id: impl Into<String>) -> Self {
        self.bulk_action = Some(id.into());
        self
    }
    /// Adds a tag to [`ListRunsParams::tag`].
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag.push(tag.into());
        self
    }
    /// Sets [`ListRunsParams::schedule`].
    pub fn schedule(mut self, id: impl Into<String>) -> Self {
        self.schedule = Some(id.into());
        self
    }
    /// Sets [`ListRunsParams::is_test`].
    pub fn is_test(mut self, is_test: bool) -> Self {
        self.is_test = Some(is_test);
        self
    }
    /// Sets [`ListRunsParams::from`] (epoch ms).
    pub fn from(mut self, epoch_ms: u64) -> Self {
        self.from = Some(epoch_ms);
        self
    }
    /// Sets [`ListRunsParams::to`] (epoch ms).
    pub fn to(mut self, epoch_ms: u64) -> Self {
        self.to = Some(epoch_ms);
        self
    }
    /// Sets [`ListRunsParams::period`].
    pub fn period(mut self, period: impl Into<String>) -> Self {
        self.period = Some(period.into());
        self
    }
    /// Sets [`ListRunsParams::batch`].
    pub fn batch(mut self, id: impl Into<String>) -> Self {
        self.batch = Some(id.into());
        self
    }
    /// Adds a task queue (`task/<name>`).
    pub fn task_queue(mut self, name: &str) -> Self {
        self.queue.push(format!("task/{name}"));
        self
    }
    /// Adds a custom queue.
    pub fn custom_queue(mut self, name: impl Into<String>) -> Self {
        self.queue.push(name.into());
        self
    }
    /// Adds a machine to [`ListRunsParams::machine`].
    pub fn machine(mut self, machine: impl Into<String>) -> Self {
        self.machine.push(machine.into());
        self
    }
    /// Adds a region to [`ListRunsParams::region`].
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region.push(region.into());
        self
    }
    /// Sets [`ListRunsParams::limit`].
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Sets [`ListRunsParams::after`].
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }
    /// Sets [`ListRunsParams::before`].
    pub fn before(mut self, cursor: impl Into<String>) -> Self {
        self.before = Some(cursor.into());
        self
    }

    /// The query string, in the official SDK's emission order.
    fn query(&self, project_route: bool) -> String {
        let mut q = Query::default();
        let statuses: Vec<&str> = self.status.iter().map(RunStatus::as_str).collect();
        q.push_list("filter[status]", &statuses);
        q.push_list("filter[taskIdentifier]", &self.task_identifier);
        q.push_list("filter[version]", &self.version);
        q.push_opt("filter[bulkAction]", self.bulk_action.as_deref());
        q.push_list("filter[tag]", &self.tag);
        q.push_opt("filter[schedule]", self.schedule.as_deref());
        if let Some(t) = self.is_test {
            q.push("filter[isTest]", if t { "true" } else { "false" });
        }
        if let Some(from) = self.from.filter(|v| *v != 0) {
            q.push("filter[createdAt][from]", &from.to_string());
        }
        if let Some(to) = self.to.filter(|v| *v != 0) {
            q.push("filter[createdAt][to]", &to.to_string());
        }
        q.push_opt("filter[createdAt][period]", self.period.as_deref());
        q.push_opt("filter[batch]", self.batch.as_deref());
        q.push_list("filter[queue]", &self.queue);
        q.push_list("filter[machine]", &self.machine);
        q.push_list("filter[region]", &self.region);
        if project_route {
            q.push_list("filter[env]", &self.env);
        }
        if let Some(limit) = self.limit.filter(|l| *l != 0) {
            q.push("page[size]", &limit.to_string());
        }
        q.push_opt("page[after]", self.after.as_deref());
        q.push_opt("page[before]", self.before.as_deref());
        q.into_string()
    }
}

/// The environment a listed run belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEnvironment {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// The user of a dev environment.
    #[serde(default)]
    pub user: Option<String>,
}

/// Declares a run struct: the fields every run response has, then `$extra`.
macro_rules! run_struct {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            /// The run id.
            pub id: String,
            /// The status.
            pub status: RunStatus,
            /// The task.
            pub task_identifier: String,
            /// The (hashed) idempotency key.
            #[serde(default)]
            pub idempotency_key: Option<String>,
            /// The worker version.
            #[serde(default)]
            pub version: Option<String>,
            /// Queued.
            #[serde(default)]
            pub is_queued: bool,
            /// Executing.
            #[serde(default)]
            pub is_executing: bool,
            /// Waiting.
            #[serde(default)]
            pub is_waiting: bool,
            /// Finished, in any final status.
            #[serde(default)]
            pub is_completed: bool,
            /// Completed successfully.
            #[serde(default)]
            pub is_success: bool,
            /// Failed, crashed, timed out or a system failure.
            #[serde(default)]
            pub is_failed: bool,
            /// Canceled.
            #[serde(default)]
            pub is_cancelled: bool,
            /// A test run.
            #[serde(default)]
            pub is_test: bool,
            /// Creation time, ISO-8601.
            pub created_at: String,
            /// Last update, ISO-8601.
            #[serde(default)]
            pub updated_at: Option<String>,
            /// Start time, ISO-8601.
            #[serde(default)]
            pub started_at: Option<String>,
            /// Finish time, ISO-8601.
            #[serde(default)]
            pub finished_at: Option<String>,
            /// Delayed until, ISO-8601.
            #[serde(default)]
            pub delayed_until: Option<String>,
            /// TTL as given.
            #[serde(default)]
            pub ttl: Option<String>,
            /// Expiry time, ISO-8601.
            #[serde(default)]
            pub expired_at: Option<String>,
            /// Tags.
            #[serde(default)]
            pub tags: Vec<String>,
            /// Cost.
            #[serde(default)]
            pub cost_in_cents: f64,
            /// Base cost.
            #[serde(default)]
            pub base_cost_in_cents: f64,
            /// Duration.
            #[serde(default)]
            pub duration_ms: f64,
            /// Metadata.
            #[serde(default)]
            pub metadata: Option<serde_json::Value>,
            $($extra)*
        }
    };
}

run_struct! {
    /// A run as listed (`ListRunResponseItem`).
    RunItem {
        /// The environment (list responses only).
        #[serde(default)]
        pub env: Option<RunEnvironment>,
    }
}

/// A run's error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunError {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// The error name.
    #[serde(default)]
    pub name: Option<String>,
    /// The stack trace.
    #[serde(default)]
    pub stack_trace: Option<String>,
}

run_struct! {
    /// A run as retrieved (`RetrieveRunResponse`).
    Run {
        /// Nesting depth.
        #[serde(default)]
        pub depth: u32,
        /// How the run was triggered (`trigger`, `batchTrigger`, ...).
        #[serde(default)]
        pub trigger_function: Option<String>,
        /// The batch, if any.
        #[serde(default)]
        pub batch_id: Option<String>,
        /// The payload, decoded.
        #[serde(default)]
        pub payload: Option<serde_json::Value>,
        /// Where a large payload can be downloaded.
        #[serde(default)]
        pub payload_presigned_url: Option<String>,
        /// The output, decoded.
        #[serde(default)]
        pub output: Option<serde_json::Value>,
        /// Where a large output can be downloaded.
        #[serde(default)]
        pub output_presigned_url: Option<String>,
        /// The error of a failed run.
        #[serde(default)]
        pub error: Option<RunError>,
        /// The schedule that triggered the run.
        #[serde(default)]
        pub schedule: Option<serde_json::Value>,
        /// Root, parent and child runs.
        #[serde(default)]
        pub related_runs: Option<serde_json::Value>,
        /// Attempts so far.
        #[serde(default)]
        pub attempt_count: u32,
    }
}

/// The outcome of a finished run (`GET /api/v1/runs/{id}/result`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunResult {
    /// Whether the run succeeded.
    pub ok: bool,
    /// The run id.
    pub id: String,
    /// The output (serialized as `output_type` says).
    #[serde(default)]
    pub output: Option<serde_json::Value>,
    /// The output's content type.
    #[serde(default)]
    pub output_type: Option<String>,
    /// The error of a failed run.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// The task.
    #[serde(default)]
    pub task_identifier: Option<String>,
}

/// Body of [`Runs::update_metadata`]: a whole new metadata object and/or operations
/// (`{"type":"set","key":"k","value":1}`, `{"type":"increment","key":"n","value":2}`, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UpdateMetadata {
    /// Replaces the metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Operations on the run's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<serde_json::Value>>,
}

impl UpdateMetadata {
    /// Replaces the metadata with `metadata` (a JSON object; anything else is ignored).
    pub fn replace(metadata: serde_json::Value) -> UpdateMetadata {
        UpdateMetadata {
            metadata: match metadata {
                serde_json::Value::Object(map) => Some(map),
                _ => None,
            },
            operations: None,
        }
    }
    /// Applies `operations`.
    pub fn operations(operations: Vec<serde_json::Value>) -> UpdateMetadata {
        UpdateMetadata {
            metadata: None,
            operations: Some(operations),
        }
    }
}

#[derive(Deserialize)]
struct IdResponse {
    id: String,
}

#[derive(Deserialize)]
struct MetadataResponse {
    #[serde(default)]
    metadata: serde_json::Value,
}

#[derive(Deserialize)]
struct MessageResponse {
    #[serde(default)]
    message: String,
}

/// A lazy iterator over every run a list matches; see [`Runs::iter`].
pub type RunsIter = PageIter<RunItem, String>;

impl Runs {
    pub(crate) fn new(client: Client) -> Runs {
        Runs { client }
    }

    /// One page of runs. With a secret key, the key's environment (`GET /api/v1/runs`); with a
    /// personal access token, the project in `params.project_ref` (required) and the first of
    /// `params.env` (required) (`GET /api/v1/projects/{ref}/runs`).
    pub fn list(&self, params: &ListRunsParams) -> Result<CursorPage<RunItem>> {
        self.client
            .execute(&calls::list(&self.client, params)?)?
            .json()
    }

    /// One page of a project's runs with a personal access token; `params.env` is required.
    pub fn list_project(
        &self,
        project_ref: &str,
        params: &ListRunsParams,
    ) -> Result<CursorPage<RunItem>> {
        let mut params = params.clone();
        params.project_ref = Some(project_ref.to_owned());
        self.client.execute(&calls::project_list(&params)?)?.json()
    }

    /// Every run the list matches, fetching one page at a time as the iterator advances.
    pub fn iter(&self, params: &ListRunsParams) -> Result<RunsIter> {
        calls::list(&self.client, params)?; // report bad arguments now, not at the first item
        let client = self.client.clone();
        let params = params.clone();
        Ok(PageIter::new(move |cursor: Option<&String>| {
            let mut p = params.clone();
            if let Some(c) = cursor {
                p.after = Some(c.clone());
            }
            let page: CursorPage<RunItem> = client.execute(&calls::list(&client, &p)?)?.json()?;
            // A cursor that does not move would loop forever.
            let next = page.pagination.next.filter(|n| Some(n) != cursor);
            Ok((page.data, next))
        }))
    }

    /// Retrieves a run (`GET /api/v3/runs/{id}`). A missing run is retried (the server marks
    /// its 404 retryable) and then fails with [`Error::NotFound`].
    pub fn retrieve(&self, run_id: &str) -> Result<Run> {
        let mut run: Run = self.client.execute(&calls::retrieve(run_id)?)?.json()?;
        // Large payloads and outputs come as presigned URLs; fetch them as the official SDK.
        if run.payload.is_none() {
            if let Some(url) = &run.payload_presigned_url {
                run.payload = payload::download(&self.client, url);
            }
        }
        if run.output.is_none() {
            if let Some(url) = &run.output_presigned_url {
                run.output = payload::download(&self.client, url);
            }
        }
        Ok(run)
    }

    /// Cancels a run; returns its id.
    pub fn cancel(&self, run_id: &str) -> Result<String> {
        Ok(self
            .client
            .execute(&calls::cancel(run_id)?)?
            .json::<IdResponse>()?
            .id)
    }

    /// Replays a run; returns the new run's id.
    pub fn replay(&self, run_id: &str) -> Result<String> {
        Ok(self
            .client
            .execute(&calls::replay(run_id)?)?
            .json::<IdResponse>()?
            .id)
    }

    /// Moves a delayed run to a new delay (a duration like `"1h"` or an ISO-8601 time). Fails
    /// with [`Error::Unprocessable`] unless the run is `DELAYED`.
    pub fn reschedule(&self, run_id: &str, delay: &str) -> Result<Run> {
        self.client
            .execute(&calls::reschedule(run_id, delay)?)?
            .json()
    }

    /// Updates a run's metadata; returns the metadata after the update.
    pub fn update_metadata(
        &self,
        run_id: &str,
        body: &UpdateMetadata,
    ) -> Result<serde_json::Value> {
        let reply = self
            .client
            .execute(&calls::update_metadata(run_id, body)?)?;
        Ok(reply.json::<MetadataResponse>()?.metadata)
    }

    /// Adds tags to a run; returns the server's message (`"Successfully set 2 new tags."`).
    pub fn add_tags(&self, run_id: &str, tags: &[&str]) -> Result<String> {
        let reply = self.client.execute(&calls::add_tags(run_id, tags)?)?;
        Ok(reply.json::<MessageResponse>()?.message)
    }

    /// The result of a finished run; `None` while the run is not finished (or does not exist),
    /// as the official SDK.
    pub fn result(&self, run_id: &str) -> Result<Option<RunResult>> {
        let call = calls::result(run_id)?;
        match self.client.execute(&call) {
            Ok(reply) => reply.json().map(Some),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Retrieves the run every `interval` until it is completed (at most 500 times, like the
    /// official SDK); returns the completed run.
    pub fn poll(&self, run_id: &str, interval: Duration) -> Result<Run> {
        const MAX_POLLS: u32 = 500;
        for attempt in 1..=MAX_POLLS {
            let run = self.retrieve(run_id)?;
            if run.is_completed {
                return Ok(run);
            }
            if attempt < MAX_POLLS {
                self.client.resolved().clock.sleep(interval);
            }
        }
        Err(Error::Timeout {
            timeout: interval * MAX_POLLS,
        })
    }
}

/// Request builders, one per operation (the C ABI sends them and passes the JSON through).
pub(crate) mod calls {
    use super::*;

    pub(crate) fn list(client: &Client, params: &ListRunsParams) -> Result<Call> {
        let kind = client.resolved().kind;
        if client.resolved().token.is_some() && kind == TokenKind::PersonalAccessToken {
            if params
                .project_ref
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
            {
                return Err(Error::MissingProjectRef {
                    operation: "runs.list",
                });
            }
            return project_list(params);
        }
        check_limit(params)?;
        Ok(Call::new(
            "runs.list",
            Method::GET,
            "/api/v1/runs".to_owned(),
            Access::SecretKey { jwt: true },
        )
        .query(params.query(false)))
    }

    pub(crate) fn project_list(params: &ListRunsParams) -> Result<Call> {
        let project_ref = params.project_ref.as_deref().unwrap_or("");
        require("project_ref", project_ref)?;
        if params.env.is_empty() {
            return Err(Error::invalid(
                "env",
                "listing a project's runs needs an environment (dev, staging or prod)",
            ));
        }
        check_limit(params)?;
        Ok(Call::new(
            "runs.list",
            Method::GET,
            format!(
                "/api/v1/projects/{}/runs",
                encode::path_segment(project_ref)
            ),
            Access::Pat,
        )
        .query(params.query(true)))
    }

    fn check_limit(params: &ListRunsParams) -> Result<()> {
        match params.limit {
            Some(l) if l > 100 => Err(Error::invalid(
                "limit",
                format!("{l} is over the maximum of 100"),
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn retrieve(run_id: &str) -> Result<Call> {
        run_call(
            "runs.retrieve",
            Method::GET,
            "/api/v3/runs",
            run_id,
            "",
            true,
        )
    }

    fn run_call(
        operation: &'static str,
        method: Method,
        prefix: &str,
        run_id: &str,
        suffix: &str,
        jwt: bool,
    ) -> Result<Call> {
        require("run_id", run_id)?;
        let path = format!("{prefix}/{}{suffix}", encode::path_segment(run_id));
        Ok(Call::new(
            operation,
            method,
            path,
            Access::SecretKey { jwt },
        ))
    }

    pub(crate) fn cancel(run_id: &str) -> Result<Call> {
        run_call(
            "runs.cancel",
            Method::POST,
            "/api/v2/runs",
            run_id,
            "/cancel",
            true,
        )
    }

    pub(crate) fn replay(run_id: &str) -> Result<Call> {
        run_call(
            "runs.replay",
            Method::POST,
            "/api/v1/runs",
            run_id,
            "/replay",
            false,
        )
    }

    pub(crate) fn reschedule(run_id: &str, delay: &str) -> Result<Call> {
        require("delay", delay)?;
        run_call(
            "runs.reschedule",
            Method::POST,
            "/api/v1/runs",
            run_id,
            "/reschedule",
            false,
        )?
        .json(&serde_json::json!({ "delay": delay }))
    }

    pub(crate) fn update_metadata(run_id: &str, body: &UpdateMetadata) -> Result<Call> {
        run_call(
            "runs.updateMetadata",
            Method::PUT,
            "/api/v1/runs",
            run_id,
            "/metadata",
            false,
        )?
        .json(body)
    }

    pub(crate) fn add_tags(run_id: &str, tags: &[&str]) -> Result<Call> {
        if tags.is_empty() || tags.iter().any(|t| t.trim().is_empty()) {
            return Err(Error::invalid(
                "tags",
                "give at least one tag, none of them empty",
            ));
        }
        run_call(
            "runs.addTags",
            Method::POST,
            "/api/v1/runs",
            run_id,
            "/tags",
            false,
        )?
        .json(&serde_json::json!({ "tags": tags }))
    }

    pub(crate) fn result(run_id: &str) -> Result<Call> {
        run_call(
            "runs.result",
            Method::GET,
            "/api/v1/runs",
            run_id,
            "/result",
            false,
        )
    }
}
