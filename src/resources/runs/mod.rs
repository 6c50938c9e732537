//! Runs: list (with filters and lazy pagination), retrieve, cancel, replay, reschedule,
//! metadata, tags, result and poll. The run models are in `model.rs`; subscribing to a run and
//! waiting for it over the realtime feed are in `../realtime.rs`.

mod model;
mod spans;

pub use model::{Run, RunEnvironment, RunError, RunItem, RunStatus};
pub use spans::RunSpan;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::{one_or_many, payload, require};
use crate::cancel::Watch;
use crate::client::Client;
use crate::credentials::{self, Access};
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::{require_object, Decoded};
use crate::pagination::{cursor_pages, CursorPage, PageIter};
use crate::raw_json::RawJson;
use crate::transport::Call;

/// Run calls. Get one with [`Client::runs`] or [`crate::runs`].
#[derive(Clone, Debug)]
pub struct Runs {
    pub(super) client: Client,
}

/// Filters and paging of [`Runs::list`] (`docs/wire.md#runs-list-filters`). From JSON they use
/// the official option names: `{"status":["COMPLETED"],"taskIdentifier":["t"],"limit":10}`; a
/// list filter also takes one value (`"status":"COMPLETED"`), and `queue` takes
/// `{"type":"task"|"custom","name":…}`.
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
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
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
    /// Only runs on these queues, as sent: `task/<name>` for a task's queue, `<name>` for a
    /// custom one.
    #[serde(default, deserialize_with = "queue_filters")]
    pub queue: Vec<String>,
    /// Only runs on these machines.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub machine: Vec<String>,
    /// Only runs in these regions.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub region: Vec<String>,
    /// Only runs of this session (`filter[session]`; not an official SDK filter, but how a
    /// session's public token lists the session's runs on the emulator).
    pub session: Option<String>,
    /// Page size, 1..=100 (server default 25).
    pub limit: Option<u32>,
    /// The cursor to list after.
    pub after: Option<String>,
    /// The cursor to list before.
    pub before: Option<String>,
}

/// `queue` filters: strings as given, `{type:"task",name}` as `task/<name>`,
/// `{type:"custom",name}` as `<name>`; one or a list.
fn queue_filters<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(
        untagged,
        expecting = "must be a queue name or {\"type\": \"task\" or \"custom\", \"name\": ...}"
    )]
    enum Filter {
        Name(String),
        Typed {
            #[serde(rename = "type")]
            kind: QueueKind,
            name: String,
        },
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum QueueKind {
        Task,
        Custom,
    }
    let filters: Vec<Filter> = one_or_many::deserialize(d)?;
    Ok(filters
        .into_iter()
        .map(|f| match f {
            Filter::Name(name) => name,
            Filter::Typed {
                kind: QueueKind::Task,
                name,
            } => format!("task/{name}"),
            Filter::Typed {
                kind: QueueKind::Custom,
                name,
            } => name,
        })
        .collect())
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
    /// Adds a task's queue (`{type:"task", name}`, sent as `task/<name>`).
    pub fn task_queue(mut self, name: &str) -> Self {
        self.queue.push(format!("task/{name}"));
        self
    }
    /// Adds a custom queue (`{type:"custom", name}`).
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
    /// Sets [`ListRunsParams::session`].
    pub fn session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
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
        q.push_opt("filter[session]", self.session.as_deref());
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

/// How [`Runs::poll`] waits: `interval` between retrievals (default 1 s, as the official
/// `pollIntervalMs`; at most a day) and an overall `timeout` (default: none, only the official
/// limit of 500 retrievals).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PollOptions {
    /// Time between two retrievals.
    #[serde(
        default = "PollOptions::default_interval",
        rename = "intervalMs",
        with = "millis"
    )]
    pub interval: Duration,
    /// Time after which the poll gives up with [`Error::WaitTimeout`].
    #[serde(default, rename = "timeoutMs", with = "optional_millis")]
    pub timeout: Option<Duration>,
}

impl Default for PollOptions {
    fn default() -> PollOptions {
        PollOptions {
            interval: PollOptions::default_interval(),
            timeout: None,
        }
    }
}

impl PollOptions {
    /// Every second, with no overall timeout.
    pub fn new() -> PollOptions {
        PollOptions::default()
    }

    fn default_interval() -> Duration {
        Duration::from_secs(1)
    }

    /// Sets [`PollOptions::interval`].
    pub fn interval(mut self, interval: Duration) -> PollOptions {
        self.interval = interval;
        self
    }

    /// Sets [`PollOptions::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> PollOptions {
        self.timeout = Some(timeout);
        self
    }

    fn check(&self) -> Result<()> {
        if self.interval > Duration::from_secs(86_400) {
            return Err(Error::invalid(
                "options.interval",
                "must be at most a day (86400 s)",
            ));
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::invalid("options.timeout", "must be more than zero"));
        }
        Ok(())
    }
}

/// Milliseconds as a [`Duration`] (the C ABI's `intervalMs`).
mod millis {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Optional milliseconds as a [`Duration`] (the C ABI's `timeoutMs`; null is none).
mod optional_millis {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<u64>::deserialize(d).map(|ms| ms.map(Duration::from_millis))
    }
}

/// How a run ended, or that it has not ended yet ([`Runs::outcome`]). In JSON (the C ABI and
/// the bindings) it is an object tagged by `outcome`: `{"outcome":"succeeded","output":…}`,
/// `{"outcome":"failed","status":"FAILED","error":{…}}` or
/// `{"outcome":"notFinished","status":"QUEUED"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[non_exhaustive]
pub enum RunOutcome {
    /// It completed successfully.
    Succeeded {
        /// Its output, as the API sent it (`None` when the task returned nothing).
        output: Option<RawJson>,
    },
    /// It finished without success: failed, crashed, canceled, expired, timed out or a system
    /// failure.
    Failed {
        /// The final status.
        status: RunStatus,
        /// The error, when the API gave one (a canceled run's is `Canceled by user`).
        error: Option<RunError>,
    },
    /// It has not finished yet.
    NotFinished {
        /// The current status.
        status: RunStatus,
    },
}

impl RunOutcome {
    /// The outcome a retrieved run shows: finished by the server's `isCompleted`, succeeded
    /// by its `isSuccess`.
    pub fn of(run: Run) -> RunOutcome {
        if !run.is_completed {
            RunOutcome::NotFinished { status: run.status }
        } else if run.is_success {
            RunOutcome::Succeeded { output: run.output }
        } else {
            RunOutcome::Failed {
                status: run.status,
                error: run.error,
            }
        }
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

impl RunResult {
    /// The output, decoded from its text by `output_type` as the official SDK does when a
    /// parent run receives it (`None` when there is none or it cannot be decoded).
    pub fn output_value(&self) -> Option<serde_json::Value> {
        match self.output.as_ref()? {
            serde_json::Value::String(text) => payload::decode_packet(
                text.as_bytes(),
                self.output_type.as_deref().unwrap_or("application/json"),
            ),
            other => Some(other.clone()),
        }
    }
}

/// Body of [`Runs::update_metadata`]: a whole new metadata object and/or operations
/// (`{"type":"set","key":"k","value":1}`, `{"type":"increment","key":"n","value":2}`, ...),
/// sent as given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UpdateMetadata {
    /// Replaces the metadata (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<RawJson>,
    /// Operations on the run's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<RawJson>>,
    /// Operations on the parent run's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_operations: Option<Vec<RawJson>>,
    /// Operations on the root run's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_operations: Option<Vec<RawJson>>,
}

impl UpdateMetadata {
    /// Replaces the metadata with `metadata` (a JSON object, sent as given).
    pub fn replace(metadata: impl Into<RawJson>) -> UpdateMetadata {
        UpdateMetadata {
            metadata: Some(metadata.into()),
            ..UpdateMetadata::default()
        }
    }
    /// Applies `operations` to the run's metadata.
    pub fn operations(operations: impl IntoIterator<Item = impl Into<RawJson>>) -> UpdateMetadata {
        UpdateMetadata {
            operations: Some(operations.into_iter().map(Into::into).collect()),
            ..UpdateMetadata::default()
        }
    }
}

/// Options of [`Runs::replay`] (the official `ReplayRunRequestBody`): what the new run
/// changes. All optional; an empty set replays the run as it was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ReplayOptions {
    /// A new payload. Without `payload_type` it is sent as superjson, as the official SDK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<RawJson>,
    /// `application/json` or `application/super+json` (then `payload` must be a superjson
    /// string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_type: Option<String>,
    /// New metadata (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<RawJson>,
    /// New tags.
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// The queue name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Concurrency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency_key: Option<String>,
    /// Machine preset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Worker version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Delay: a duration or an ISO-8601 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    /// Time to live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<super::Ttl>,
    /// Idempotency key of the new run (at most 2048 characters; sent as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// How long the idempotency key lasts.
    #[serde(rename = "idempotencyKeyTTL", skip_serializing_if = "Option::is_none")]
    pub idempotency_key_ttl: Option<String>,
    /// Maximum attempts (at least 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Maximum duration, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<u64>,
    /// Queue-time offset, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
}

impl ReplayOptions {
    /// No changes.
    pub fn new() -> ReplayOptions {
        ReplayOptions::default()
    }
    /// Sets [`ReplayOptions::payload`] (any JSON value, serialized as given).
    pub fn payload(mut self, payload: impl Into<RawJson>) -> Self {
        self.payload = Some(payload.into());
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Sets [`ReplayOptions::metadata`].
    pub fn metadata(mut self, metadata: impl Into<RawJson>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }
    /// Sets [`ReplayOptions::queue`].
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }
    /// Sets [`ReplayOptions::machine`].
    pub fn machine(mut self, machine: impl Into<String>) -> Self {
        self.machine = Some(machine.into());
        self
    }
    /// Sets [`ReplayOptions::delay`].
    pub fn delay(mut self, delay: impl Into<String>) -> Self {
        self.delay = Some(delay.into());
        self
    }
    /// Sets [`ReplayOptions::max_attempts`].
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n);
        self
    }
    /// Sets [`ReplayOptions::idempotency_key`].
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sets [`ReplayOptions::version`].
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    fn is_empty(&self) -> bool {
        self == &ReplayOptions::default()
    }
}

/// The replay body on the wire: the options, with a payload given without `payloadType`
/// turned into a superjson string and `payloadType` appended (`withSuperJsonPayload`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplayBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<ReplayPayload<'a>>,
    #[serde(flatten)]
    rest: ReplayRest<'a>,
    #[serde(rename = "payloadType", skip_serializing_if = "Option::is_none")]
    added_payload_type: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ReplayPayload<'a> {
    Raw(&'a RawJson),
    SuperJson(String),
}

/// The options after `payload`, in their order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplayRest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a RawJson>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    machine: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delay: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<&'a super::Ttl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<&'a str>,
    #[serde(rename = "idempotencyKeyTTL", skip_serializing_if = "Option::is_none")]
    idempotency_key_ttl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_duration: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<i64>,
}

impl<'a> ReplayBody<'a> {
    fn new(o: &'a ReplayOptions) -> Result<ReplayBody<'a>> {
        require_object(o.metadata.as_ref(), "options.metadata")?;
        if o.idempotency_key
            .as_ref()
            .is_some_and(|k| k.chars().count() > 2048)
        {
            return Err(Error::invalid(
                "options.idempotencyKey",
                "must be 2048 characters or less",
            ));
        }
        if let Some(t) = o.payload_type.as_deref() {
            if !matches!(t, "application/json" | "application/super+json") {
                return Err(Error::invalid(
                    "options.payloadType",
                    "must be application/json or application/super+json",
                ));
            }
        }
        let (payload, added) = match (&o.payload, &o.payload_type) {
            // `superjson.stringify(payload)`, strings included.
            (Some(p), None) => (
                Some(ReplayPayload::SuperJson(format!(
                    "{{\"json\":{}}}",
                    p.get()
                ))),
                Some("application/super+json"),
            ),
            (Some(p), Some(_)) => (Some(ReplayPayload::Raw(p)), None),
            (None, _) => (None, None),
        };
        Ok(ReplayBody {
            payload,
            rest: ReplayRest {
                payload_type: o.payload_type.as_deref(),
                metadata: o.metadata.as_ref(),
                tags: &o.tags,
                queue: o.queue.as_deref(),
                concurrency_key: o.concurrency_key.as_deref(),
                machine: o.machine.as_deref(),
                version: o.version.as_deref(),
                region: o.region.as_deref(),
                delay: o.delay.as_deref(),
                ttl: o.ttl.as_ref(),
                idempotency_key: o.idempotency_key.as_deref(),
                idempotency_key_ttl: o.idempotency_key_ttl.as_deref(),
                max_attempts: o.max_attempts,
                max_duration: o.max_duration,
                priority: o.priority,
            },
            added_payload_type: added,
        })
    }
}

/// A run's metadata (`GET /api/v1/runs/{id}/metadata`), decoded: the server sends the stored
/// metadata as a JSON string. Serializes as `{"metadata":…,"metadataType":…}`, the metadata as
/// it was stored (key order included).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunMetadata {
    /// The metadata (`null` when the run has none).
    pub metadata: serde_json::Value,
    /// Its content type (`application/json`).
    pub metadata_type: Option<String>,
    /// The stored text, for the C ABI.
    stored: Option<RawJson>,
}

impl Serialize for RunMetadata {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        match &self.stored {
            Some(raw) => map.serialize_entry("metadata", raw)?,
            None => map.serialize_entry("metadata", &self.metadata)?,
        }
        map.serialize_entry("metadataType", &self.metadata_type)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for RunMetadata {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RunMetadata, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(default)]
            metadata: serde_json::Value,
            #[serde(default)]
            metadata_type: Option<String>,
        }
        let wire = Wire::deserialize(d)?;
        let invalid = |e: &dyn std::fmt::Display| {
            serde::de::Error::custom(format!("the stored metadata is not JSON: {e}"))
        };
        let (metadata, stored) = match wire.metadata {
            serde_json::Value::String(text) if text.is_empty() => (serde_json::Value::Null, None),
            serde_json::Value::String(text) => {
                let value = serde_json::from_str(&text).map_err(|e| invalid(&e))?;
                (
                    value,
                    Some(RawJson::from_text(text).map_err(|e| invalid(&e))?),
                )
            }
            other => (other, None),
        };
        Ok(RunMetadata {
            metadata,
            metadata_type: wire.metadata_type,
            stored,
        })
    }
}

/// One event of a run's trace (`GET /api/v1/runs/{id}/events`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunEvent {
    /// The span id.
    pub span_id: String,
    /// The parent span id.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The run id.
    #[serde(default)]
    pub run_id: Option<String>,
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Start time, nanoseconds since the epoch, as a decimal string.
    #[serde(default)]
    pub start_time: Option<String>,
    /// Duration in nanoseconds.
    #[serde(default)]
    pub duration: f64,
    /// Whether the event is an error.
    #[serde(default)]
    pub is_error: bool,
    /// Whether the event is still in progress.
    #[serde(default)]
    pub is_partial: bool,
    /// Whether the event was cancelled.
    #[serde(default)]
    pub is_cancelled: bool,
    /// `TRACE`, `DEBUG`, `LOG`, `INFO`, `WARN` or `ERROR`.
    #[serde(default)]
    pub level: Option<String>,
    /// The span kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// The attempt the event belongs to.
    #[serde(default)]
    pub attempt_number: Option<u32>,
    /// The task.
    #[serde(default)]
    pub task_slug: Option<String>,
    /// Span events (exceptions, cancellations, ...).
    #[serde(default)]
    pub events: Vec<serde_json::Value>,
    /// Display style.
    #[serde(default)]
    pub style: Option<serde_json::Value>,
    /// The run's idempotency key, if it has one.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// The environment's type (`DEVELOPMENT`, `PRODUCTION`, ...).
    #[serde(default)]
    pub environment_type: Option<String>,
}

/// The events of a run. Serializes as `{"events":[…]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunEvents {
    /// The events.
    pub events: Vec<RunEvent>,
}

/// A run's trace (`GET /api/v1/runs/{id}/trace`): the run's span and its descendants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunTrace {
    /// The OpenTelemetry trace id.
    pub trace_id: String,
    /// The run's span, with its descendants as `children`.
    pub root_span: serde_json::Value,
}

/// `{"trace": …}`; the C ABI reads the trace as a `WithJson<RunTrace>` and hands it out alone.
#[derive(Deserialize)]
pub(crate) struct TraceResponse<T = RunTrace> {
    pub(crate) trace: T,
}

/// `{"id": …}` responses (cancel, replay).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct IdResponse {
    pub(crate) id: String,
}

#[derive(Deserialize)]
pub(crate) struct MetadataResponse {
    #[serde(default)]
    metadata: serde_json::Value,
}

#[derive(Deserialize)]
pub(crate) struct MessageResponse {
    #[serde(default)]
    message: String,
}

/// A lazy iterator over every run a list matches; see [`Runs::iter`].
pub type RunsIter = PageIter<RunItem, String>;

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Runs.
    pub fn runs(&self) -> Runs {
        Runs {
            client: self.clone(),
        }
    }
}

impl Runs {
    /// One page of runs. With a secret key, the key's environment (`GET /api/v1/runs`); with a
    /// personal access token, the project in `params.project_ref` and the first of
    /// `params.env` (both required; `GET /api/v1/projects/{ref}/runs`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.tasks().trigger("send-email", &(), &Default::default())?;
    /// use triggerdev::{ListRunsParams, RunStatus};
    ///
    /// let page = client.runs().list(&ListRunsParams::new().status(RunStatus::Queued).limit(10))?;
    /// assert_eq!(page.data.len(), 1);
    /// if let Some(next) = page.pagination.next {
    ///     client.runs().list(&ListRunsParams::new().after(next))?;
    /// }
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MissingProjectRef`] with a personal access token and no project ref;
    /// [`Error::InvalidArgument`] for a limit over 100 or a PAT without `env`; the API errors
    /// of [`Error`] otherwise.
    pub fn list(&self, params: &ListRunsParams) -> Result<CursorPage<RunItem>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<RunItem>>(
        &self,
        params: &ListRunsParams,
    ) -> Result<CursorPage<T>> {
        self.client
            .execute(&calls::list(&self.client, params)?)?
            .json()
    }

    /// Every run the list matches, fetching one page at a time as the iterator advances.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # for _ in 0..3 { client.tasks().trigger("send-email", &(), &Default::default())?; }
    /// use triggerdev::ListRunsParams;
    ///
    /// let mut count = 0;
    /// for run in client.runs().iter(&ListRunsParams::new().limit(2))? {
    ///     let run = run?;
    ///     assert_eq!(run.task_identifier, "send-email");
    ///     count += 1;
    /// }
    /// assert_eq!(count, 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The argument errors of [`Runs::list`] at once; a page that fails to load is the
    /// iterator's last item.
    pub fn iter(&self, params: &ListRunsParams) -> Result<RunsIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<RunItem> + Send + 'static>(
        &self,
        params: &ListRunsParams,
    ) -> Result<PageIter<T, String>> {
        calls::list(&self.client, params)?; // report bad arguments now, not at the first item
        let client = self.client.clone();
        let params = params.clone();
        Ok(cursor_pages(move |cursor| {
            let mut p = params.clone();
            if let Some(c) = cursor {
                p.after = Some(c.clone());
            }
            client.execute(&calls::list(&client, &p)?)?.decoded()
        }))
    }

    /// Retrieves a run (`GET /api/v3/runs/{id}`). A large payload or output the API sends as
    /// a presigned URL is downloaded and filled in, as the official SDK does. A missing run is
    /// retried (the server marks its 404 retryable) and then fails with [`Error::NotFound`].
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let handle = client.tasks().trigger("send-email", &serde_json::json!({"to": "ada"}), &Default::default())?;
    /// let run = client.runs().retrieve(&handle.id)?;
    /// assert_eq!(run.status, triggerdev::RunStatus::Queued);
    /// // Payload, output and metadata come as the JSON the API sent (key order included).
    /// assert_eq!(run.payload.unwrap().get(), r#"{"to":"ada"}"#);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id; [`Error::NotFound`]; the API errors of
    /// [`Error`] otherwise.
    pub fn retrieve(&self, run_id: &str) -> Result<Run> {
        self.retrieve_as(run_id)
    }

    pub(crate) fn retrieve_as<T: Decoded<Run>>(&self, run_id: &str) -> Result<T> {
        let mut run: T = self.client.execute(&calls::retrieve(run_id)?)?.decoded()?;
        let model = run.model();
        let payload_url = model
            .payload_presigned_url
            .clone()
            .filter(|_| model.payload.is_none());
        let output_url = model
            .output_presigned_url
            .clone()
            .filter(|_| model.output.is_none());
        if let Some(value) = payload_url.and_then(|url| payload::download(&self.client, &url)) {
            run.set_member("payload", value, |r, v| r.payload = Some(v.into()));
        }
        if let Some(value) = output_url.and_then(|url| payload::download(&self.client, &url)) {
            run.set_member("output", value, |r, v| r.output = Some(v.into()));
        }
        Ok(run)
    }

    /// Cancels a run (`POST /api/v2/runs/{id}/cancel`); returns its id.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// client.runs().cancel(&id)?;
    /// assert_eq!(client.runs().retrieve(&id)?.status, triggerdev::RunStatus::Canceled);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id; [`Error::NotFound`]; the API errors of
    /// [`Error`] otherwise.
    pub fn cancel(&self, run_id: &str) -> Result<String> {
        Ok(self.cancel_as::<IdResponse>(run_id)?.id)
    }

    pub(crate) fn cancel_as<T: Decoded<IdResponse>>(&self, run_id: &str) -> Result<T> {
        self.client.execute(&calls::cancel(run_id)?)?.decoded()
    }

    /// Replays a run (`POST /api/v1/runs/{id}/replay`), with `options` changing the new run;
    /// returns the new run's id.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::ReplayOptions;
    ///
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// let again = client.runs().replay(&id, &ReplayOptions::new().tag("replayed"))?;
    /// assert_ne!(again, id);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id or bad options; [`Error::UnsupportedCredential`]
    /// with a public access token; the API errors of [`Error`] otherwise.
    pub fn replay(&self, run_id: &str, options: &ReplayOptions) -> Result<String> {
        Ok(self.replay_as::<IdResponse>(run_id, options)?.id)
    }

    pub(crate) fn replay_as<T: Decoded<IdResponse>>(
        &self,
        run_id: &str,
        options: &ReplayOptions,
    ) -> Result<T> {
        self.client
            .execute(&calls::replay(run_id, options)?)?
            .json()
    }

    /// Moves a delayed run to a new delay (a duration like `"1h"` or an ISO-8601 time).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::TriggerOptions;
    ///
    /// let id = client.tasks().trigger("send-email", &(), &TriggerOptions::new().delay("1h"))?.id;
    /// let run = client.runs().reschedule(&id, "2h")?;
    /// assert_eq!(run.status, triggerdev::RunStatus::Delayed);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unprocessable`] unless the run is `DELAYED`; [`Error::BadRequest`] for a bad
    /// delay; the API errors of [`Error`] otherwise.
    pub fn reschedule(&self, run_id: &str, delay: &str) -> Result<Run> {
        self.reschedule_as(run_id, delay)
    }

    pub(crate) fn reschedule_as<T: Decoded<Run>>(&self, run_id: &str, delay: &str) -> Result<T> {
        self.client
            .execute(&calls::reschedule(run_id, delay)?)?
            .json()
    }

    /// Updates a run's metadata (`PUT /api/v1/runs/{id}/metadata`); returns the metadata after
    /// the update.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use serde_json::json;
    /// use triggerdev::UpdateMetadata;
    ///
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// let after = client.runs().update_metadata(&id, &UpdateMetadata::replace(json!({"step": 1})))?;
    /// assert_eq!(after, json!({"step": 1}));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `metadata` is not an object, or when `body` changes
    /// nothing (neither `metadata` nor operations); the API errors of [`Error`] otherwise.
    pub fn update_metadata(
        &self,
        run_id: &str,
        body: &UpdateMetadata,
    ) -> Result<serde_json::Value> {
        Ok(self
            .update_metadata_as::<MetadataResponse>(run_id, body)?
            .metadata)
    }

    pub(crate) fn update_metadata_as<T: Decoded<MetadataResponse>>(
        &self,
        run_id: &str,
        body: &UpdateMetadata,
    ) -> Result<T> {
        self.client
            .execute(&calls::update_metadata(run_id, body)?)?
            .json()
    }

    /// A run's metadata (`GET /api/v1/runs/{id}/metadata`), decoded from the string the
    /// server stores it as.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use serde_json::json;
    /// use triggerdev::TriggerOptions;
    ///
    /// let options = TriggerOptions::new().metadata(json!({"user": "ada"}));
    /// let id = client.tasks().trigger("send-email", &(), &options)?.id;
    /// assert_eq!(client.runs().metadata(&id)?.metadata, json!({"user": "ada"}));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the stored metadata is not JSON; the API errors of [`Error`]
    /// otherwise.
    pub fn metadata(&self, run_id: &str) -> Result<RunMetadata> {
        self.client.execute(&calls::metadata(run_id)?)?.decoded()
    }

    /// Adds tags to a run; returns the server's message (`"Successfully set 2 new tags."`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// client.runs().add_tags(&id, &["vip", "eu"])?;
    /// assert_eq!(client.runs().retrieve(&id)?.tags, ["vip", "eu"]);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for no tags or an empty one; [`Error::Unprocessable`] over
    /// 10 tags; the API errors of [`Error`] otherwise.
    pub fn add_tags(&self, run_id: &str, tags: &[&str]) -> Result<String> {
        Ok(self.add_tags_as::<MessageResponse>(run_id, tags)?.message)
    }

    pub(crate) fn add_tags_as<T: Decoded<MessageResponse>>(
        &self,
        run_id: &str,
        tags: &[&str],
    ) -> Result<T> {
        self.client
            .execute(&calls::add_tags(run_id, tags)?)?
            .decoded()
    }

    /// How a run ended: its output when it succeeded, its status and error when it failed (or
    /// was canceled, expired, ...), or [`RunOutcome::NotFinished`] with its current status.
    /// Built on [`Runs::retrieve`] (one request, `GET /api/v3/runs/{id}`), so it works wherever
    /// retrieve does; prefer it to the deprecated [`Runs::result`].
    ///
    /// ```
    /// use triggerdev::RunOutcome;
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// assert!(matches!(client.runs().outcome(&id)?, RunOutcome::NotFinished { .. }));
    /// emulator.complete_run(&id, serde_json::json!({"sent": true})).unwrap();
    /// match client.runs().outcome(&id)? {
    ///     RunOutcome::Succeeded { output } => {
    ///         assert_eq!(output.unwrap().to_value(), serde_json::json!({"sent": true}))
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of [`Runs::retrieve`] ([`Error::NotFound`] for a missing run).
    pub fn outcome(&self, run_id: &str) -> Result<RunOutcome> {
        Ok(RunOutcome::of(self.retrieve(run_id)?))
    }

    /// The result of a finished run from `GET /api/v1/runs/{id}/result`; `None` when the route
    /// answers 404.
    ///
    /// **Deprecated:** the official SDK does not call this route, and current servers answer it
    /// only for canceled runs: for every other run, finished or not, it is a 404 (the route
    /// reads attempt records the current run engine no longer writes), so this returns `None`.
    /// Use [`Runs::outcome`], which reads the run itself.
    ///
    /// # Errors
    ///
    /// The API errors of [`Error`] other than not found.
    #[deprecated(note = "current servers answer 404 for finished runs; use `Runs::outcome`")]
    pub fn result(&self, run_id: &str) -> Result<Option<RunResult>> {
        self.result_as(run_id)
    }

    pub(crate) fn result_as<T: Decoded<RunResult>>(&self, run_id: &str) -> Result<Option<T>> {
        match self.client.execute(&calls::result(run_id)?) {
            Ok(reply) => reply.json().map(Some),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Retrieves the run every `options.interval` until it is completed (at most 500 times,
    /// like the official SDK), for at most `options.timeout`; returns the completed run. Its
    /// waits end early when the client's [`crate::CancelToken`] fires or the thread's
    /// interrupt check asks ([`crate::cancel`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use triggerdev::PollOptions;
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// # emulator.complete_run(&id, serde_json::json!(1)).unwrap();
    /// let options = PollOptions::new()
    ///     .interval(Duration::from_millis(500))
    ///     .timeout(Duration::from_secs(300));
    /// let run = client.runs().poll(&id, &options)?;
    /// assert!(run.is_completed);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WaitTimeout`] (with the run as last retrieved) when `options.timeout` passes
    /// first; [`Error::PollLimitReached`] after 500 retrievals of an unfinished run;
    /// [`Error::Cancelled`]; [`Error::InvalidArgument`] for an interval over a day or a zero
    /// timeout; the errors of [`Runs::retrieve`] otherwise.
    pub fn poll(&self, run_id: &str, options: &PollOptions) -> Result<Run> {
        self.poll_as(run_id, options)
    }

    pub(crate) fn poll_as<T: Decoded<Run>>(
        &self,
        run_id: &str,
        options: &PollOptions,
    ) -> Result<T> {
        const MAX_POLLS: u32 = 500;
        options.check()?;
        let client = self.client.with_deadline(options.timeout);
        let cfg = client.resolved();
        let runs = client.runs();
        let watch = Watch::new(cfg.cancel.as_ref(), cfg.deadline, &*cfg.clock);
        let mut last: Option<T> = None;
        let with_last = |error: Error, last: Option<T>| match error {
            Error::WaitTimeout { timeout, .. } => Error::WaitTimeout {
                timeout,
                last_run: last.map(|run| Box::new(run.model().clone())),
            },
            other => other,
        };
        for attempt in 1..=MAX_POLLS {
            let run: T = match runs.retrieve_as(run_id) {
                Ok(run) => run,
                Err(e) => return Err(with_last(e, last)),
            };
            if run.model().is_completed {
                return Ok(run);
            }
            last = Some(run);
            if attempt < MAX_POLLS {
                if let Err(e) = watch.sleep(options.interval) {
                    return Err(with_last(e, last));
                }
            }
        }
        Err(Error::PollLimitReached {
            run_id: run_id.to_owned(),
            polls: MAX_POLLS,
        })
    }

    /// The events of a run's trace (`GET /api/v1/runs/{id}/events`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// let events = client.runs().events(&id)?;
    /// assert!(events.events.iter().all(|e| e.run_id.as_deref() == Some(id.as_str())));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] (after the retries the server asks for); the API errors of
    /// [`Error`] otherwise.
    pub fn events(&self, run_id: &str) -> Result<RunEvents> {
        self.events_as(run_id)
    }

    pub(crate) fn events_as<T: Decoded<RunEvents>>(&self, run_id: &str) -> Result<T> {
        self.client.execute(&calls::events(run_id)?)?.decoded()
    }

    /// A run's trace (`GET /api/v1/runs/{id}/trace`): its span and every descendant span.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// let trace = client.runs().trace(&id)?;
    /// assert!(!trace.trace_id.is_empty());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] (after the retries the server asks for); the API errors of
    /// [`Error`] otherwise.
    pub fn trace(&self, run_id: &str) -> Result<RunTrace> {
        Ok(self.trace_as::<RunTrace>(run_id)?.trace)
    }

    pub(crate) fn trace_as<T: serde::de::DeserializeOwned>(
        &self,
        run_id: &str,
    ) -> Result<TraceResponse<T>> {
        self.client.execute(&calls::trace(run_id)?)?.decoded()
    }
}

/// Request builders, one per operation.
mod calls {
    use super::*;

    pub(super) fn list(client: &Client, params: &ListRunsParams) -> Result<Call> {
        check_limit(params)?;
        if credentials::uses_project_routes(client.resolved()) {
            let project_ref = params
                .project_ref
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .ok_or(Error::MissingProjectRef {
                    operation: "runs.list",
                })?;
            require("params.projectRef", project_ref)?;
            if params.env.is_empty() {
                return Err(Error::invalid(
                    "params.env",
                    "listing a project's runs needs an environment (dev, staging or prod)",
                ));
            }
            let path = format!(
                "/api/v1/projects/{}/runs",
                encode::path_segment(project_ref)
            );
            return Ok(Call::new("runs.list", Method::GET, path, Access::Pat)
                .query(params.query(true), "params"));
        }
        Ok(Call::new(
            "runs.list",
            Method::GET,
            "/api/v1/runs".to_owned(),
            Access::SecretKey { jwt: true },
        )
        .query(params.query(false), "params"))
    }

    fn check_limit(params: &ListRunsParams) -> Result<()> {
        match params.limit {
            Some(l) if l > 100 => Err(Error::invalid(
                "params.limit",
                format!("{l} is over the maximum of 100"),
            )),
            _ => Ok(()),
        }
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

    pub(super) fn retrieve(run_id: &str) -> Result<Call> {
        run_call(
            "runs.retrieve",
            Method::GET,
            "/api/v3/runs",
            run_id,
            "",
            true,
        )
    }

    pub(super) fn cancel(run_id: &str) -> Result<Call> {
        run_call(
            "runs.cancel",
            Method::POST,
            "/api/v2/runs",
            run_id,
            "/cancel",
            true,
        )
    }

    pub(super) fn replay(run_id: &str, options: &ReplayOptions) -> Result<Call> {
        let call = run_call(
            "runs.replay",
            Method::POST,
            "/api/v1/runs",
            run_id,
            "/replay",
            false,
        )?;
        if options.is_empty() {
            return Ok(call);
        }
        call.json(&ReplayBody::new(options)?)
    }

    pub(super) fn reschedule(run_id: &str, delay: &str) -> Result<Call> {
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

    pub(super) fn update_metadata(run_id: &str, body: &UpdateMetadata) -> Result<Call> {
        require_object(body.metadata.as_ref(), "body.metadata")?;
        let none = |ops: &Option<Vec<RawJson>>| ops.as_ref().is_none_or(Vec::is_empty);
        if body.metadata.is_none()
            && none(&body.operations)
            && none(&body.parent_operations)
            && none(&body.root_operations)
        {
            return Err(Error::invalid(
                "body",
                "changes nothing: give `metadata` or operations",
            ));
        }
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

    pub(super) fn metadata(run_id: &str) -> Result<Call> {
        run_call(
            "runs.metadata",
            Method::GET,
            "/api/v1/runs",
            run_id,
            "/metadata",
            false,
        )
    }

    pub(super) fn add_tags(run_id: &str, tags: &[&str]) -> Result<Call> {
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

    pub(super) fn result(run_id: &str) -> Result<Call> {
        run_call(
            "runs.result",
            Method::GET,
            "/api/v1/runs",
            run_id,
            "/result",
            false,
        )
    }

    pub(super) fn events(run_id: &str) -> Result<Call> {
        run_call(
            "runs.events",
            Method::GET,
            "/api/v1/runs",
            run_id,
            "/events",
            true,
        )
    }

    pub(super) fn trace(run_id: &str) -> Result<Call> {
        run_call(
            "runs.trace",
            Method::GET,
            "/api/v1/runs",
            run_id,
            "/trace",
            true,
        )
    }
}
