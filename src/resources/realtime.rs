//! Realtime run subscriptions: runs as they change, over the realtime feeds
//! (`/realtime/v1/runs/{id}`, `/realtime/v1/runs?tags=…`, `/realtime/v1/batches/{id}`), and
//! waiting for a run to finish without polling.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use ureq::http::Method;

use super::batches::Batches;
use super::payload;
use super::require;
use super::runs::{Run, Runs};
use super::tasks::{Tasks, TriggerOptions};
use crate::cancel::{CancelToken, Watch};
use crate::client::Client;
use crate::config::RequestOptions;
use crate::credentials::Access;
use crate::encode;
use crate::error::{Error, Result};
use crate::streaming::shape::{Row, Shape};
use crate::transport::Call;

/// How long a long poll may take: the server holds a live request about 20 s (±15 %), so the
/// client's own timeout, if shorter, is raised to this.
const LONG_POLL_TIMEOUT: Duration = Duration::from_secs(45);

/// Options of [`crate::Runs::subscribe`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SubscribeRunOptions {
    /// Columns the server leaves out (`payload`, `output`, `metadata`, ...; `id`, `status`,
    /// `taskIdentifier`, `createdAt` cannot be). Default: none.
    #[serde(default)]
    pub skip_columns: Vec<String>,
    /// End the subscription after the run finished (`finishedAt` set: completed, failed or
    /// canceled). Default: true, as the official `subscribeToRun`.
    #[serde(default = "yes")]
    pub stop_on_completion: bool,
}

fn yes() -> bool {
    true
}

impl Default for SubscribeRunOptions {
    fn default() -> SubscribeRunOptions {
        SubscribeRunOptions {
            skip_columns: Vec::new(),
            stop_on_completion: true,
        }
    }
}

impl SubscribeRunOptions {
    /// The defaults: every column, ending when the run finishes.
    pub fn new() -> SubscribeRunOptions {
        SubscribeRunOptions::default()
    }

    /// Sets [`SubscribeRunOptions::skip_columns`].
    pub fn skip_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.skip_columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`SubscribeRunOptions::stop_on_completion`].
    pub fn stop_on_completion(mut self, yes: bool) -> Self {
        self.stop_on_completion = yes;
        self
    }
}

/// Options of [`crate::Runs::subscribe_tagged`] and [`crate::Batches::subscribe`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SubscribeRunsOptions {
    /// Tag feeds only: runs created at most this long ago (`"1h"`, `"2d"`; the server's default
    /// is 24 h, and it caps the value).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Columns the server leaves out. Default: none.
    #[serde(default)]
    pub skip_columns: Vec<String>,
}

impl SubscribeRunsOptions {
    /// The defaults.
    pub fn new() -> SubscribeRunsOptions {
        SubscribeRunsOptions::default()
    }

    /// Sets [`SubscribeRunsOptions::created_at`].
    pub fn created_at(mut self, period: impl Into<String>) -> Self {
        self.created_at = Some(period.into());
        self
    }

    /// Sets [`SubscribeRunsOptions::skip_columns`].
    pub fn skip_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.skip_columns = columns.into_iter().map(Into::into).collect();
        self
    }
}

// The subscribing calls of `Runs`, `Batches` and `Tasks` are here, beside the subscription
// they open, so that those modules do not depend on this one (which decodes rows into `Run`).
impl Runs {
    /// Subscribes to a run's changes (`GET /realtime/v1/runs/{id}`, the realtime feed): an
    /// iterator of [`Run`] snapshots, one each time the run changes, ending after the run
    /// finished (see [`crate::RunSubscription`]). No request is made until the first `next`.
    ///
    /// ```no_run
    /// # let client = triggerdev::Client::new(triggerdev::Config::new().access_token("tr_dev_..."));
    /// use triggerdev::SubscribeRunOptions;
    ///
    /// for run in client.runs().subscribe("run_1234", &SubscribeRunOptions::new())? {
    ///     let run = run?;
    ///     println!("{} is {:?}", run.id, run.status);
    /// }
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id; [`Error::UnsupportedCredential`] with a
    /// personal access token. The iterator yields the API errors of [`Error`] (a public token
    /// without `read:runs:{id}` gets 403), once, before it ends.
    pub fn subscribe(
        &self,
        run_id: &str,
        options: &SubscribeRunOptions,
    ) -> Result<RunSubscription> {
        require("run_id", run_id)?;
        let params = skip(&options.skip_columns).into_iter().collect();
        RunSubscription::open(
            &self.client,
            "runs.subscribeToRun",
            format!("/realtime/v1/runs/{}", encode::path_segment(run_id)),
            params,
            options.stop_on_completion,
        )
    }

    /// Subscribes to the runs that carry every one of `tags` (`GET /realtime/v1/runs?tags=…`):
    /// a snapshot each time one of them changes, created up to `options.created_at` ago. Never
    /// ends on its own: stop it with [`crate::RunSubscription::stopper`] or by dropping it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] without tags or with an empty one;
    /// [`Error::UnsupportedCredential`] with a personal access token.
    pub fn subscribe_tagged(
        &self,
        tags: &[&str],
        options: &SubscribeRunsOptions,
    ) -> Result<RunSubscription> {
        if tags.is_empty() || tags.iter().any(|t| t.trim().is_empty()) {
            return Err(Error::invalid("tags", "must be one or more non-empty tags"));
        }
        let mut params = vec![("tags", tags.join(","))];
        if let Some(period) = &options.created_at {
            params.push(("createdAt", period.clone()));
        }
        params.extend(skip(&options.skip_columns));
        RunSubscription::open(
            &self.client,
            "runs.subscribeToRunsWithTag",
            "/realtime/v1/runs".to_owned(),
            params,
            false,
        )
    }

    /// Waits for a run to finish, for at most `timeout`, over the realtime feed (one request,
    /// then a long poll held until the run changes: no polling interval): returns the run as it
    /// finished (completed, failed or canceled). [`Runs::poll`] is the fallback for servers
    /// without the feed.
    ///
    /// ```no_run
    /// # let client = triggerdev::Client::new(triggerdev::Config::new().access_token("tr_dev_..."));
    /// let run = client.runs().wait("run_1234", std::time::Duration::from_secs(300))?;
    /// println!("{:?}: {:?}", run.status, run.output);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WaitTimeout`] (with the run as last seen) when `timeout` passes first;
    /// [`Error::Cancelled`]; the errors of [`Runs::subscribe`].
    pub fn wait(&self, run_id: &str, timeout: Duration) -> Result<Run> {
        if timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be more than zero"));
        }
        let runs = self.client.with_deadline(Some(timeout)).runs();
        let mut last: Option<Run> = None;
        for run in runs.subscribe(run_id, &SubscribeRunOptions::new())? {
            match run {
                Ok(run) if run.finished_at.is_some() => return Ok(run),
                Ok(run) => last = Some(run),
                Err(Error::WaitTimeout { timeout, .. }) => {
                    return Err(Error::WaitTimeout {
                        timeout,
                        last_run: last.map(Box::new),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Connection {
            message: format!("the realtime feed of run {run_id} ended before the run finished"),
        })
    }
}

impl Batches {
    /// Subscribes to the runs of a batch (`GET /realtime/v1/batches/{id}`): a snapshot each
    /// time one of them changes. Never ends on its own: stop it with
    /// [`crate::RunSubscription::stopper`] or by dropping it.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] for an empty id or a `created_at` (tag feeds only);
    /// [`crate::Error::UnsupportedCredential`] with a personal access token.
    pub fn subscribe(
        &self,
        batch_id: &str,
        options: &SubscribeRunsOptions,
    ) -> Result<RunSubscription> {
        require("batch_id", batch_id)?;
        if options.created_at.is_some() {
            return Err(crate::Error::invalid(
                "options.created_at",
                "applies to tag subscriptions only",
            ));
        }
        RunSubscription::open(
            &self.client,
            "runs.subscribeToBatch",
            format!("/realtime/v1/batches/{}", encode::path_segment(batch_id)),
            skip(&options.skip_columns).into_iter().collect(),
            false,
        )
    }
}

impl Tasks {
    /// Triggers one run of `task_id` (as [`Tasks::trigger`]) and subscribes to it (as
    /// [`crate::Runs::subscribe`], leaving out the payload as the official
    /// `triggerAndSubscribe` does): the run's snapshots until it finishes.
    ///
    /// # Errors
    ///
    /// As [`Tasks::trigger`]; the subscription yields the errors of [`crate::Runs::subscribe`].
    pub fn trigger_and_subscribe(
        &self,
        task_id: &str,
        payload: &(impl Serialize + ?Sized),
        options: &TriggerOptions,
    ) -> Result<RunSubscription> {
        let handle = self.trigger(task_id, payload, options)?;
        let without_payload = SubscribeRunOptions::new().skip_columns(["payload"]);
        self.client.runs().subscribe(&handle.id, &without_payload)
    }
}

/// Stops a [`RunSubscription`] from any thread: a blocked `next` returns `None` within 50 ms.
#[derive(Clone, Debug)]
pub struct RunStopper {
    signal: CancelToken,
}

impl RunStopper {
    /// Stops the subscription (idempotent).
    pub fn stop(&self) {
        self.signal.cancel();
    }
}

/// Runs as they change, from a realtime feed: an iterator of [`Run`] snapshots (the fields the
/// feed carries: status, the `is_*` flags, timestamps, tags, cost, payload, output, metadata
/// and error, decoded). A snapshot is yielded each time the run changes; the feed of one run
/// ends after its run finished (unless `stop_on_completion(false)`), tag and batch feeds never
/// end on their own. Dropped connections, 429 and 5xx answers are retried (the same request, so
/// nothing is lost or repeated); another error is yielded once and ends the iteration. Stopped
/// from any thread with [`RunSubscription::stopper`]; its waits also end with the client's
/// cancel token, the thread's interrupt check, and a deadline ([`crate::Runs::wait`]).
pub struct RunSubscription {
    client: Client,
    shape: Shape,
    stop_on_completion: bool,
    pending: VecDeque<Run>,
    stop: CancelToken,
    done: bool,
    /// Decoded `application/store` values, per run and field, with the column they came from.
    packets: HashMap<(String, &'static str), (Value, Value)>,
}

impl std::fmt::Debug for RunSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunSubscription")
            .field("live", &self.shape.is_live())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl RunSubscription {
    pub(crate) fn open(
        client: &Client,
        operation: &'static str,
        path: String,
        params: Vec<(&'static str, String)>,
        stop_on_completion: bool,
    ) -> Result<RunSubscription> {
        crate::credentials::check(
            client.resolved(),
            operation,
            Access::SecretKey { jwt: true },
        )?;
        // Long polls outlast a short per-request timeout.
        let client = if client.resolved().timeout < LONG_POLL_TIMEOUT {
            client.with_options(RequestOptions::new().timeout(LONG_POLL_TIMEOUT))
        } else {
            client.clone()
        };
        Ok(RunSubscription {
            client,
            shape: Shape::new(operation, path, params),
            stop_on_completion,
            pending: VecDeque::new(),
            stop: CancelToken::new(),
            done: false,
            packets: HashMap::new(),
        })
    }

    /// A handle that stops this subscription from another thread.
    pub fn stopper(&self) -> RunStopper {
        RunStopper {
            signal: self.stop.clone(),
        }
    }

    fn finish(&mut self, error: Option<Error>) -> Option<Result<Run>> {
        self.done = true;
        error.filter(|_| !self.stop.is_cancelled()).map(Err)
    }

    /// A row as a run, its stored payload and output downloaded.
    fn run(&mut self, row: &Row) -> Result<Run> {
        let mut object = run_object(row)?;
        for (field, type_field) in [("payload", "payloadType"), ("output", "outputType")] {
            if row.get(type_field).and_then(Value::as_str) != Some("application/store") {
                continue;
            }
            let Some(path) = row.get(field).filter(|v| !v.is_null()).cloned() else {
                continue;
            };
            let id = object["id"].as_str().unwrap_or_default().to_owned();
            let key = (id.clone(), field);
            let value = match self.packets.get(&key) {
                Some((seen, value)) if *seen == path => value.clone(),
                _ => {
                    let value = self.download(&id, field, &path)?;
                    self.packets.insert(key, (path, value.clone()));
                    value
                }
            };
            object.insert(field.to_owned(), value);
        }
        serde_json::from_value(Value::Object(object)).map_err(|e| Error::Decode {
            status: 200,
            message: format!("unable to read a realtime row as a run: {e}"),
            body: Value::Object(row.clone()).to_string(),
        })
    }

    /// `GET /api/v1/runs/{id}/packets/{field}` → a presigned URL → the packet, decoded.
    fn download(&self, run_id: &str, field: &'static str, path: &Value) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Presigned {
            presigned_url: String,
        }
        let call = Call::new(
            "runs.retrieve",
            Method::GET,
            format!(
                "/api/v1/runs/{}/packets/{field}",
                encode::path_segment(run_id)
            ),
            Access::SecretKey { jwt: true },
        );
        let url = match self.client.execute(&call) {
            Ok(reply) => reply.json::<Presigned>()?.presigned_url,
            // Older servers: the packet by its storage path.
            Err(Error::NotFound(_)) => {
                let path = path.as_str().unwrap_or_default();
                let call = Call::new(
                    "runs.retrieve",
                    Method::GET,
                    format!("/api/v1/packets/{}", encode::path_segment(path)),
                    Access::SecretKey { jwt: true },
                );
                self.client
                    .execute(&call)?
                    .json::<Presigned>()?
                    .presigned_url
            }
            Err(e) => return Err(e),
        };
        payload::download(&self.client, &url).ok_or_else(|| Error::Connection {
            message: format!("the stored {field} of run {run_id} could not be downloaded"),
        })
    }
}

impl Iterator for RunSubscription {
    type Item = Result<Run>;

    fn next(&mut self) -> Option<Result<Run>> {
        loop {
            if let Some(run) = self.pending.pop_front() {
                if self.stop_on_completion && run.finished_at.is_some() {
                    self.done = true;
                    self.pending.clear();
                }
                return Some(Ok(run));
            }
            if self.done || self.stop.is_cancelled() {
                return self.finish(None);
            }
            let client = self.client.clone();
            let cfg = client.resolved();
            let stop = self.stop.clone();
            let watch =
                Watch::new(cfg.cancel.as_ref(), cfg.deadline, &*cfg.clock).stopped_by(&stop);
            let rows = match self.shape.next_rows(&client, &watch) {
                Ok(rows) => rows,
                Err(e) => return self.finish(Some(e)),
            };
            for row in rows {
                match self.run(&row) {
                    Ok(run) => self.pending.push_back(run),
                    Err(e) => return self.finish(Some(e)),
                }
            }
        }
    }
}

/// The columns every row must have (`docs/wire.md#realtime-rows`).
const REQUIRED: [&str; 6] = [
    "id",
    "taskIdentifier",
    "friendlyId",
    "status",
    "createdAt",
    "updatedAt",
];

/// A row as the JSON object of a [`Run`] (the official realtime run's fields), without the
/// stored payload or output, which need a download.
fn run_object(row: &Row) -> Result<Map<String, Value>> {
    let invalid = |why: String| Error::Decode {
        status: 200,
        message: format!("unable to parse a realtime row: {why}"),
        body: Value::Object(row.clone()).to_string(),
    };
    for column in REQUIRED {
        if row.get(column).is_none_or(Value::is_null) {
            return Err(invalid(format!("`{column}` is missing")));
        }
    }
    for column in [
        "number",
        "usageDurationMs",
        "costInCents",
        "baseCostInCents",
    ] {
        if row.get(column).is_some_and(Value::is_null) {
            return Err(invalid(format!("`{column}` is null")));
        }
    }
    let text = |column: &str| row.get(column).and_then(Value::as_str);
    let status = run_status(text("status").unwrap_or_default());
    let mut run = Map::new();
    run.insert("id".into(), row["friendlyId"].clone());
    run.insert("taskIdentifier".into(), row["taskIdentifier"].clone());
    run.insert("status".into(), json!(status));
    for (field, column) in [
        ("createdAt", "createdAt"),
        ("updatedAt", "updatedAt"),
        ("startedAt", "startedAt"),
        ("delayedUntil", "delayUntil"),
        ("expiredAt", "expiredAt"),
        ("finishedAt", "completedAt"),
    ] {
        if let Some(at) = text(column) {
            run.insert(field.into(), json!(iso_timestamp(at)));
        }
    }
    let number = |column: &str| row.get(column).cloned().unwrap_or(json!(0));
    run.insert("durationMs".into(), number("usageDurationMs"));
    run.insert("costInCents".into(), number("costInCents"));
    run.insert("baseCostInCents".into(), number("baseCostInCents"));
    run.insert(
        "isTest".into(),
        json!(row.get("isTest").and_then(Value::as_bool).unwrap_or(false)),
    );
    let tags = match row.get("runTags") {
        Some(Value::Array(tags)) => {
            Value::Array(tags.iter().filter(|t| !t.is_null()).cloned().collect())
        }
        _ => json!([]),
    };
    run.insert("tags".into(), tags);
    for (field, type_field) in [
        ("payload", "payloadType"),
        ("output", "outputType"),
        ("metadata", "metadataType"),
    ] {
        if let (Some(data), Some(kind)) = (text(field), text(type_field)) {
            if let Some(value) = decode_data(data, kind) {
                run.insert(field.into(), value);
            }
        }
    }
    if let Some(error) = row.get("error").and_then(run_error) {
        run.insert("error".into(), error);
    }
    let flag = |statuses: &[&str]| json!(statuses.contains(&status));
    let failed = [
        "FAILED",
        "CRASHED",
        "SYSTEM_FAILURE",
        "EXPIRED",
        "TIMED_OUT",
    ];
    run.insert(
        "isQueued".into(),
        flag(&["QUEUED", "PENDING_VERSION", "DELAYED"]),
    );
    run.insert("isWaiting".into(), flag(&["WAITING"]));
    run.insert("isExecuting".into(), flag(&["EXECUTING", "DEQUEUED"]));
    run.insert("isFailed".into(), flag(&failed));
    run.insert("isSuccess".into(), flag(&["COMPLETED"]));
    run.insert(
        "isCompleted".into(),
        json!(status == "COMPLETED" || failed.contains(&status)),
    );
    run.insert("isCancelled".into(), flag(&["CANCELED"]));
    Ok(run)
}

/// The engine status of a row as the API's run status.
fn run_status(engine: &str) -> &'static str {
    match engine {
        "PENDING" => "QUEUED",
        "WAITING_FOR_DEPLOY" | "PENDING_VERSION" => "PENDING_VERSION",
        "PAUSED" | "WAITING_TO_RESUME" => "WAITING",
        "EXECUTING" | "RETRYING_AFTER_FAILURE" => "EXECUTING",
        "COMPLETED_SUCCESSFULLY" => "COMPLETED",
        "COMPLETED_WITH_ERRORS" | "INTERRUPTED" => "FAILED",
        "DELAYED" => "DELAYED",
        "DEQUEUED" => "DEQUEUED",
        "CANCELED" => "CANCELED",
        "SYSTEM_FAILURE" => "SYSTEM_FAILURE",
        "CRASHED" => "CRASHED",
        "EXPIRED" => "EXPIRED",
        "TIMED_OUT" => "TIMED_OUT",
        _ => "QUEUED",
    }
}

/// A feed timestamp (UTC without a zone: `2025-01-01 00:00:05.000`) in ISO 8601 with `Z`.
fn iso_timestamp(at: &str) -> String {
    let at = at.replacen(' ', "T", 1);
    if at.ends_with('Z') || at.rfind(['+', '-']).is_some_and(|i| i > 10) {
        at
    } else {
        at + "Z"
    }
}

/// A payload, output or metadata column by its type; `None` when there is nothing.
fn decode_data(data: &str, kind: &str) -> Option<Value> {
    if data.is_empty() {
        return None;
    }
    match kind {
        "application/store" => Some(json!(data)), // replaced by the download
        "application/super+json" | "application/json" | "text/plain" => {
            payload::decode_packet(data.as_bytes(), kind)
        }
        _ => Some(json!(data)),
    }
}

/// The `error` column (a `TaskRunError`) as the API's run error.
fn run_error(error: &Value) -> Option<Value> {
    let object = error.as_object()?;
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    Some(match text("type") {
        Some("BUILT_IN_ERROR") => json!({
            "name": text("name"),
            "message": text("message").unwrap_or_default(),
            "stackTrace": text("stackTrace"),
        }),
        Some("STRING_ERROR" | "CUSTOM_ERROR") => {
            json!({"message": text("raw").unwrap_or_default()})
        }
        Some("INTERNAL_ERROR") => json!({
            "message": format!("trigger.dev internal error ({})", text("code").unwrap_or("UNKNOWN")),
        }),
        _ => json!({"message": text("message").unwrap_or_default()}),
    })
}

/// The query of a feed's own parameters.
pub(crate) fn skip(columns: &[String]) -> Option<(&'static str, String)> {
    (!columns.is_empty()).then(|| ("skipColumns", columns.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: Value) -> Row {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_row_becomes_the_official_realtime_run() {
        let r = row(json!({
            "id": "internal_1", "friendlyId": "run_1", "taskIdentifier": "t",
            "status": "COMPLETED_SUCCESSFULLY", "createdAt": "2025-01-01 00:00:05.000",
            "updatedAt": "2025-01-01T00:00:06.000", "completedAt": "2025-01-01 00:00:07.5",
            "usageDurationMs": 1200, "costInCents": 0.5, "isTest": false,
            "runTags": ["a", null, "b"], "payload": "{\"n\":1}", "payloadType": "application/json",
            "output": "{\"json\":{\"ok\":true}}", "outputType": "application/super+json",
            "metadata": "hello", "metadataType": "text/plain", "number": 3
        }));
        let run = Value::Object(run_object(&r).unwrap());
        assert_eq!(run["id"], "run_1");
        assert_eq!(run["status"], "COMPLETED");
        assert_eq!(run["createdAt"], "2025-01-01T00:00:05.000Z");
        assert_eq!(run["updatedAt"], "2025-01-01T00:00:06.000Z");
        assert_eq!(run["finishedAt"], "2025-01-01T00:00:07.5Z");
        assert_eq!(run["durationMs"], 1200);
        assert_eq!(run["baseCostInCents"], 0);
        assert_eq!(run["tags"], json!(["a", "b"]));
        assert_eq!(run["payload"], json!({"n": 1}));
        assert_eq!(run["output"], json!({"ok": true}));
        assert_eq!(run["metadata"], json!("hello"));
        assert_eq!(
            (
                run["isCompleted"].clone(),
                run["isSuccess"].clone(),
                run["isCancelled"].clone()
            ),
            (json!(true), json!(true), json!(false))
        );
        assert!(run.get("number").is_none(), "not exposed");
    }

    #[test]
    fn statuses_and_errors_map_as_the_official_client_maps_them() {
        assert_eq!(run_status("PENDING"), "QUEUED");
        assert_eq!(run_status("WAITING_TO_RESUME"), "WAITING");
        assert_eq!(run_status("INTERRUPTED"), "FAILED");
        assert_eq!(run_status("SOMETHING_NEW"), "QUEUED");
        assert_eq!(
            run_error(&json!({"type": "STRING_ERROR", "raw": "boom"})),
            Some(json!({"message": "boom"}))
        );
        assert_eq!(
            run_error(&json!({"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"})),
            Some(json!({"message": "trigger.dev internal error (TASK_RUN_CANCELLED)"}))
        );
        let canceled = row(
            json!({"id": "i", "friendlyId": "run_c", "taskIdentifier": "t",
            "status": "CANCELED", "createdAt": "2025-01-01 00:00:00", "updatedAt": "2025-01-01 00:00:01"}),
        );
        let run = run_object(&canceled).unwrap();
        assert_eq!(
            (run["isCompleted"].clone(), run["isCancelled"].clone()),
            (json!(false), json!(true)),
            "a cancelled run is not completed"
        );
    }

    #[test]
    fn a_row_without_a_required_column_or_with_a_null_number_is_refused() {
        let missing = row(
            json!({"id": "i", "friendlyId": "run_1", "status": "PENDING",
            "createdAt": "x", "updatedAt": "y"}),
        );
        let e = run_object(&missing).unwrap_err();
        assert!(e.to_string().contains("`taskIdentifier` is missing"), "{e}");
        let null = row(
            json!({"id": "i", "friendlyId": "run_1", "taskIdentifier": "t",
            "status": "PENDING", "createdAt": "x", "updatedAt": "y", "costInCents": null}),
        );
        assert!(run_object(&null)
            .unwrap_err()
            .to_string()
            .contains("`costInCents` is null"));
    }
}
