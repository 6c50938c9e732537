//! Triggering tasks: one run (`trigger`) or many (`batch_trigger`, the two-phase v3 flow).
//! `trigger_and_subscribe` is in `realtime.rs`, beside the subscription it opens.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::payload::{self, Packet};
use super::{one_or_many, require};
use crate::cancel::Watch;
use crate::client::Client;
use crate::config::{Resolved, RetryPolicy};
use crate::credentials::{self, Access};
use crate::encode;
use crate::error::{Error, Result};
use crate::idempotency_keys::{self, IdempotencyKey, KeyOptions};
use crate::jwt;
use crate::raw_json::RawJson;
use crate::shown::Shown;
use crate::transport::{self, Body, Call, Reply};

/// Trigger calls. Get one with [`Client::tasks`] or [`crate::tasks`].
#[derive(Clone, Debug)]
pub struct Tasks {
    pub(super) client: Client,
}

/// A time to live: a duration string (`"10m"`) or a number of seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "must be a duration like \"10m\" or a number of seconds"
)]
pub enum Ttl {
    /// A duration like `"1h"`.
    Duration(String),
    /// Seconds.
    Seconds(u64),
}

/// Options of [`Tasks::trigger`] (`docs/wire.md#trigger-options`), named as in the official SDK.
/// From JSON they use the official camelCase names
/// (`{"idempotencyKey":"k","tags":["a"],"delay":"5m"}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerOptions {
    /// Deduplicates triggers: the same key returns the same run. A string or a list of parts,
    /// hashed like the official SDK (a 64-character key is sent as is).
    pub idempotency_key: Option<IdempotencyKey>,
    /// How long the idempotency key lasts (`^\d+[smhd]$`; the server's default is 30 days).
    #[serde(rename = "idempotencyKeyTTL")]
    pub idempotency_key_ttl: Option<String>,
    /// Start no earlier than this: a duration (`"5m"`) or an ISO-8601 time.
    pub delay: Option<String>,
    /// Expire the run if it has not started within this time.
    pub ttl: Option<Ttl>,
    /// Tags (at most 10, each at most 128 characters).
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub tags: Vec<String>,
    /// Run metadata: a JSON object, sent as given.
    pub metadata: Option<RawJson>,
    /// The queue name.
    pub queue: Option<String>,
    /// Named concurrency limits the run holds instead of the task's (at most two names of
    /// 1–122 letters, digits, `_` or `-`).
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub concurrency: Vec<String>,
    /// Concurrency key.
    pub concurrency_key: Option<String>,
    /// Accepted for compatibility and never sent: the official SDK takes the test flag from
    /// the running task only.
    pub test: Option<bool>,
    /// Maximum attempts.
    pub max_attempts: Option<u32>,
    /// Maximum duration, seconds.
    pub max_duration: Option<u64>,
    /// Machine preset (`micro`, `small-1x`, `small-2x`, `medium-1x`, `medium-2x`, `large-1x`,
    /// `large-2x`).
    pub machine: Option<String>,
    /// Queue-time offset, seconds.
    pub priority: Option<i64>,
    /// Lock the run to this worker version (sent as `lockToVersion`). Falls back to env
    /// `TRIGGER_VERSION` on the ambient API and on clients that inherit context.
    pub version: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// The deployment this run belongs to (at most 128 characters, trimmed). Falls back to
    /// [`crate::Config::external_deployment_id`], then (on the ambient API and on clients that
    /// inherit context) env `TRIGGER_EXTERNAL_DEPLOYMENT_ID`, then, when
    /// `TRIGGER_AUTOMATIC_SKEW_VERSION_PROTECTION` is `1` or `true`, the CI's commit SHA.
    pub external_deployment_id: Option<String>,
    /// Debounces triggers that share a key.
    pub debounce: Option<Debounce>,
}

/// `debounce` of [`TriggerOptions`]: triggers with the same `key` within `delay` collapse into
/// one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Debounce {
    /// The debounce key (at most 512 characters).
    pub key: String,
    /// The window, like `"5s"` or `"1m"`.
    pub delay: String,
    /// `leading` or `trailing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The longest a run may be pushed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<String>,
}

impl Debounce {
    /// Debounce on `key` over `delay`.
    pub fn new(key: impl Into<String>, delay: impl Into<String>) -> Debounce {
        Debounce {
            key: key.into(),
            delay: delay.into(),
            mode: None,
            max_delay: None,
        }
    }
}

impl TriggerOptions {
    /// No options.
    pub fn new() -> TriggerOptions {
        TriggerOptions::default()
    }
    /// Sets [`TriggerOptions::idempotency_key`]: a string, or parts (`["user", "42"]`).
    pub fn idempotency_key(mut self, key: impl Into<IdempotencyKey>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sets [`TriggerOptions::idempotency_key_ttl`].
    pub fn idempotency_key_ttl(mut self, ttl: impl Into<String>) -> Self {
        self.idempotency_key_ttl = Some(ttl.into());
        self
    }
    /// Sets [`TriggerOptions::delay`].
    pub fn delay(mut self, delay: impl Into<String>) -> Self {
        self.delay = Some(delay.into());
        self
    }
    /// Sets [`TriggerOptions::ttl`].
    pub fn ttl(mut self, ttl: Ttl) -> Self {
        self.ttl = Some(ttl);
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Sets [`TriggerOptions::metadata`] (a JSON object: anything else fails the trigger with
    /// [`Error::InvalidArgument`]).
    pub fn metadata(mut self, metadata: impl Into<RawJson>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }
    /// Sets [`TriggerOptions::queue`].
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }
    /// Adds a named concurrency limit to [`TriggerOptions::concurrency`].
    pub fn concurrency(mut self, limit: impl Into<String>) -> Self {
        self.concurrency.push(limit.into());
        self
    }
    /// Sets [`TriggerOptions::concurrency_key`].
    pub fn concurrency_key(mut self, key: impl Into<String>) -> Self {
        self.concurrency_key = Some(key.into());
        self
    }
    /// Sets [`TriggerOptions::max_attempts`].
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n);
        self
    }
    /// Sets [`TriggerOptions::max_duration`] (whole seconds).
    pub fn max_duration(mut self, d: Duration) -> Self {
        self.max_duration = Some(d.as_secs());
        self
    }
    /// Sets [`TriggerOptions::machine`].
    pub fn machine(mut self, machine: impl Into<String>) -> Self {
        self.machine = Some(machine.into());
        self
    }
    /// Sets [`TriggerOptions::priority`].
    pub fn priority(mut self, seconds: i64) -> Self {
        self.priority = Some(seconds);
        self
    }
    /// Sets [`TriggerOptions::version`].
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
    /// Sets [`TriggerOptions::region`].
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// Sets [`TriggerOptions::external_deployment_id`].
    pub fn external_deployment_id(mut self, id: impl Into<String>) -> Self {
        self.external_deployment_id = Some(id.into());
        self
    }
    /// Sets [`TriggerOptions::debounce`].
    pub fn debounce(mut self, debounce: Debounce) -> Self {
        self.debounce = Some(debounce);
        self
    }
}

/// Which request the options go in: the two put their keys in different orders.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `POST /api/v1/tasks/{id}/trigger`.
    Trigger,
    /// A line of `POST /api/v3/batches/{id}/items`.
    BatchItem,
}

/// `options` of a trigger body or a batch item, in the official SDK's key order for each.
struct WireOptions<'a> {
    shape: Shape,
    opts: &'a TriggerOptions,
    packet: &'a Packet,
    key: Option<String>,
    key_options: Option<KeyOptions>,
    ttl: Option<&'a str>,
    lock_to_version: Option<&'a str>,
    external_deployment_id: Option<&'a str>,
}

impl<'a> WireOptions<'a> {
    fn new(
        shape: Shape,
        opts: &'a TriggerOptions,
        packet: &'a Packet,
        ctx: &'a Resolved,
        (key, key_options): (Option<String>, Option<KeyOptions>),
        ttl: Option<&'a str>,
    ) -> WireOptions<'a> {
        WireOptions {
            shape,
            opts,
            packet,
            key,
            key_options,
            ttl,
            lock_to_version: opts.version.as_deref().or(ctx.lock_to_version.as_deref()),
            external_deployment_id: opts
                .external_deployment_id
                .as_deref()
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .or(ctx.external_deployment_id.as_deref()),
        }
    }
}

impl Serialize for WireOptions<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        fn put<M: SerializeMap, T: Serialize + ?Sized>(
            m: &mut M,
            key: &str,
            value: Option<&T>,
        ) -> std::result::Result<(), M::Error> {
            match value {
                Some(v) => m.serialize_entry(key, v),
                None => Ok(()),
            }
        }
        let o = self.opts;
        let trigger = self.shape == Shape::Trigger;
        let mut m = s.serialize_map(None)?;
        put(
            &mut m,
            "queue",
            o.queue.as_deref().map(|name| QueueRef { name }).as_ref(),
        )?;
        put(
            &mut m,
            "concurrency",
            Some(&o.concurrency).filter(|c| !c.is_empty()),
        )?;
        put(&mut m, "concurrencyKey", o.concurrency_key.as_deref())?;
        m.serialize_entry("payloadType", self.packet.data_type)?;
        if trigger {
            m.serialize_entry("payloadSize", &self.packet.size)?;
            self.put_key(&mut m)?;
        }
        put(&mut m, "delay", o.delay.as_deref())?;
        put(&mut m, "ttl", o.ttl.as_ref())?;
        put(&mut m, "tags", Some(&o.tags).filter(|t| !t.is_empty()))?;
        put(&mut m, "maxAttempts", o.max_attempts.as_ref())?;
        put(&mut m, "metadata", o.metadata.as_ref())?;
        put(&mut m, "maxDuration", o.max_duration.as_ref())?;
        if !trigger {
            self.put_key(&mut m)?;
        }
        put(&mut m, "machine", o.machine.as_deref())?;
        put(&mut m, "priority", o.priority.as_ref())?;
        put(&mut m, "region", o.region.as_deref())?;
        put(&mut m, "lockToVersion", self.lock_to_version)?;
        put(&mut m, "externalDeploymentId", self.external_deployment_id)?;
        put(&mut m, "debounce", o.debounce.as_ref())?;
        // Batch items get their size appended, and only when they have a payload.
        if !trigger && self.packet.data.as_deref().is_some_and(|d| !d.is_empty()) {
            m.serialize_entry("payloadSize", &self.packet.size)?;
        }
        m.end()
    }
}

impl WireOptions<'_> {
    fn put_key<M: serde::ser::SerializeMap>(&self, m: &mut M) -> std::result::Result<(), M::Error> {
        if let Some(key) = &self.key {
            m.serialize_entry("idempotencyKey", key)?;
        }
        if let Some(ttl) = self.ttl {
            m.serialize_entry("idempotencyKeyTTL", ttl)?;
        }
        if let Some(options) = &self.key_options {
            m.serialize_entry("idempotencyKeyOptions", options)?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct QueueRef<'a> {
    name: &'a str,
}

/// Checks the options the official SDK checks before sending: the error is the option at
/// fault (`metadata`, `concurrency`) and why.
fn check_options(opts: &TriggerOptions) -> Result<(), (&'static str, String)> {
    if opts.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        return Err(("metadata", "must be a JSON object".to_owned()));
    }
    if opts.concurrency.len() > 2 {
        return Err(("concurrency", "takes at most two named limits".to_owned()));
    }
    let valid = |name: &str| {
        (1..=122).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if let Some(bad) = opts.concurrency.iter().find(|n| !valid(n)) {
        return Err((
            "concurrency",
            format!(
                "limit {} must be 1-122 letters, digits, \"_\" or \"-\"",
                Shown(bad)
            ),
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct TriggerBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a str>,
    options: WireOptions<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TriggerResponse {
    id: String,
    #[serde(default)]
    is_cached: bool,
}

/// What a trigger returns: the run id and a public access token for it. Serializes (for the
/// C ABI) as `{"id","isCached","publicAccessToken"}`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunHandle {
    /// The run id (`run_…`).
    pub id: String,
    /// True when an idempotency key matched an existing run.
    pub is_cached: bool,
    /// A public access token (JWT) that can read this run, from the `x-trigger-jwt` header.
    pub public_access_token: Option<String>,
}

impl std::fmt::Debug for RunHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHandle")
            .field("id", &self.id)
            .field("is_cached", &self.is_cached)
            .field(
                "public_access_token",
                &self.public_access_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// One item of a batch trigger. From JSON: `{"task":"t","payload":…,"options":{…}}`; an item
/// without `payload` has none (the official `undefined`), `"payload":null` sends `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// The task id.
    pub task: String,
    /// The payload (a JSON string is sent as `text/plain`, anything else as superjson).
    #[serde(
        default,
        deserialize_with = "crate::json::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub payload: Option<RawJson>,
    /// Per-item trigger options.
    #[serde(default)]
    pub options: TriggerOptions,
}

impl BatchItem {
    /// An item for `task` with `payload`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the payload cannot be serialized.
    pub fn new(task: impl Into<String>, payload: &(impl Serialize + ?Sized)) -> Result<BatchItem> {
        let payload =
            RawJson::new(payload).map_err(|e| Error::invalid("payload", e.to_string()))?;
        Ok(BatchItem {
            task: task.into(),
            payload: Some(payload),
            options: TriggerOptions::default(),
        })
    }

    /// An item for `task` without a payload.
    pub fn without_payload(task: impl Into<String>) -> BatchItem {
        BatchItem {
            task: task.into(),
            payload: None,
            options: TriggerOptions::default(),
        }
    }

    /// Sets the item's options.
    pub fn options(mut self, options: TriggerOptions) -> BatchItem {
        self.options = options;
        self
    }
}

/// Options of [`Tasks::batch_trigger`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct BatchTriggerOptions {
    /// Deduplicates the batch; items without their own key get `sha256("<key>-<index>")`.
    pub idempotency_key: Option<IdempotencyKey>,
    /// How long the keys last; also the default TTL of item keys.
    #[serde(rename = "idempotencyKeyTTL")]
    pub idempotency_key_ttl: Option<String>,
}

impl BatchTriggerOptions {
    /// No options.
    pub fn new() -> BatchTriggerOptions {
        BatchTriggerOptions::default()
    }
    /// Sets [`BatchTriggerOptions::idempotency_key`].
    pub fn idempotency_key(mut self, key: impl Into<IdempotencyKey>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sets [`BatchTriggerOptions::idempotency_key_ttl`].
    pub fn idempotency_key_ttl(mut self, ttl: impl Into<String>) -> Self {
        self.idempotency_key_ttl = Some(ttl.into());
        self
    }
}

/// What a batch trigger returns. Serializes (for the C ABI) as
/// `{"batchId","runCount","isCached","publicAccessToken"}`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchHandle {
    /// The batch id (`batch_…`).
    pub batch_id: String,
    /// Number of runs in the batch.
    pub run_count: u64,
    /// True when the batch idempotency key matched an existing batch (items were not sent).
    pub is_cached: bool,
    /// A public access token (JWT) that can read the batch.
    pub public_access_token: Option<String>,
}

impl std::fmt::Debug for BatchHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchHandle")
            .field("batch_id", &self.batch_id)
            .field("run_count", &self.run_count)
            .field("is_cached", &self.is_cached)
            .field(
                "public_access_token",
                &self.public_access_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBatchBody<'a> {
    run_count: usize,
    task_identifiers: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key_options: Option<KeyOptions>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBatchResponse {
    id: String,
    run_count: u64,
    #[serde(default)]
    is_cached: bool,
}

#[derive(Serialize)]
struct ItemLine<'a> {
    index: usize,
    task: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a str>,
    options: WireOptions<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamResponse {
    #[serde(default)]
    items_accepted: u64,
    #[serde(default)]
    items_deduplicated: u64,
    sealed: bool,
    enqueued_count: Option<u64>,
    expected_count: Option<u64>,
}

/// The handle's public access token: `x-trigger-jwt` as sent, else (as the official SDK) one
/// signed here from `x-trigger-jwt-claims` with the root secret key, scoped to `scope`, valid
/// for an hour. Additional keys (`tr_<env>_sk_…`) cannot sign, so they get none.
fn public_token(client: &Client, reply: &Reply, scope: String) -> Option<String> {
    if let Some(jwt) = &reply.jwt {
        return Some(jwt.clone());
    }
    let cfg = client.resolved();
    let key = credentials::signing_key(cfg)?;
    let claims = reply.jwt_claims.as_deref()?;
    jwt::token_from_claims(
        key,
        claims,
        scope,
        cfg.clock.now(),
        Duration::from_secs(3600),
    )
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Triggering tasks.
    pub fn tasks(&self) -> Tasks {
        Tasks {
            client: self.clone(),
        }
    }
}

impl Tasks {
    /// Triggers one run of `task_id` (`POST /api/v1/tasks/{id}/trigger`).
    ///
    /// A string payload is sent as `text/plain`; any other value as superjson (`{"json": …}`),
    /// serialized as given (a [`RawJson`] goes as written). Payloads of 128 KiB or more are
    /// uploaded first and sent by reference.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::TriggerOptions;
    ///
    /// let options = TriggerOptions::new().idempotency_key(["welcome", "ada"]).delay("5m");
    /// let handle = client.tasks().trigger("send-email", &serde_json::json!({"to": "ada"}), &options)?;
    /// assert!(handle.id.starts_with("run_"));
    /// assert!(!handle.is_cached);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty task id, metadata that is not an object or a bad
    /// `concurrency` name; [`Error::UnsupportedCredential`] with a personal access token;
    /// [`Error::NotFound`] for an unknown task; the API errors of [`Error`] otherwise.
    pub fn trigger(
        &self,
        task_id: &str,
        payload: &(impl Serialize + ?Sized),
        options: &TriggerOptions,
    ) -> Result<RunHandle> {
        self.trigger_packet(task_id, payload::serialize(payload)?, options)
    }

    /// Triggers one run of `task_id` with no payload at all (the official SDK's `undefined`:
    /// no `payload` member, `payloadType: application/json`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let handle = client.tasks().trigger_without_payload("nightly-report", &Default::default())?;
    /// assert!(handle.id.starts_with("run_"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Tasks::trigger`].
    pub fn trigger_without_payload(
        &self,
        task_id: &str,
        options: &TriggerOptions,
    ) -> Result<RunHandle> {
        self.trigger_packet(task_id, Packet::none(), options)
    }

    fn trigger_packet(
        &self,
        task_id: &str,
        packet: Packet,
        options: &TriggerOptions,
    ) -> Result<RunHandle> {
        require("task_id", task_id)?;
        check_options(options).map_err(|(option, reason)| {
            let argument = match option {
                "metadata" => "options.metadata",
                _ => "options.concurrency",
            };
            Error::invalid(argument, reason)
        })?;
        let packet = payload::offload(&self.client, "tasks.trigger", packet)?;
        let ctx = self.client.resolved();
        let key = idempotency_keys::wire(options.idempotency_key.as_ref());
        let body = TriggerBody {
            payload: packet.data.as_deref(),
            options: WireOptions::new(
                Shape::Trigger,
                options,
                &packet,
                ctx,
                key,
                options.idempotency_key_ttl.as_deref(),
            ),
        };
        let path = format!("/api/v1/tasks/{}/trigger", encode::path_segment(task_id));
        let call = Call::new(
            "tasks.trigger",
            Method::POST,
            path,
            Access::SecretKey { jwt: true },
        )
        .json(&body)?;
        let reply = self.client.execute(&call)?;
        let response: TriggerResponse = reply.json()?;
        let token = public_token(&self.client, &reply, format!("read:runs:{}", response.id));
        Ok(RunHandle {
            id: response.id,
            is_cached: response.is_cached,
            public_access_token: token,
        })
    }

    /// Triggers many runs in one batch: creates the batch (`POST /api/v3/batches`), then sends
    /// the items as NDJSON (`POST /api/v3/batches/{id}/items`), which the server deduplicates by
    /// index so resending is safe.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::{BatchItem, BatchTriggerOptions};
    ///
    /// let items = [
    ///     BatchItem::new("send-email", &serde_json::json!({"to": "ada"}))?,
    ///     BatchItem::new("send-email", &serde_json::json!({"to": "alan"}))?,
    /// ];
    /// let batch = client.tasks().batch_trigger(&items, &BatchTriggerOptions::new())?;
    /// assert_eq!(batch.run_count, 2);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty batch or an item with an empty task id;
    /// [`Error::BatchNotSealed`] if the server never seals the batch; the API errors of
    /// [`Error`] otherwise.
    pub fn batch_trigger(
        &self,
        items: &[BatchItem],
        options: &BatchTriggerOptions,
    ) -> Result<BatchHandle> {
        if items.is_empty() {
            return Err(Error::invalid("items", "a batch needs at least one item"));
        }
        for (i, item) in items.iter().enumerate() {
            if item.task.trim().is_empty() {
                return Err(Error::invalid(
                    "items",
                    format!("item {i} has an empty task id"),
                ));
            }
            check_options(&item.options).map_err(|(option, reason)| {
                Error::invalid("items", format!("item {i}: `{option}` {reason}"))
            })?;
        }
        let mut task_ids: Vec<&str> = items.iter().map(|it| it.task.as_str()).collect();
        task_ids.sort_unstable();
        task_ids.dedup();
        let batch_key = options.idempotency_key.as_ref();
        let (key, key_options) = idempotency_keys::wire(batch_key);
        let create = CreateBatchBody {
            run_count: items.len(),
            task_identifiers: task_ids,
            idempotency_key: key,
            idempotency_key_options: key_options,
        };
        // Serialize (and offload) every payload before the batch exists, as the official SDK.
        let packets = items
            .iter()
            .map(|it| {
                let packet = match &it.payload {
                    Some(p) => payload::serialize(p)?,
                    None => Packet::none(),
                };
                payload::offload(&self.client, "tasks.batchTrigger", packet)
            })
            .collect::<Result<Vec<Packet>>>()?;

        let call = Call::new(
            "tasks.batchTrigger",
            Method::POST,
            "/api/v3/batches".to_owned(),
            Access::SecretKey { jwt: true },
        )
        .json(&create)?;
        let reply = self.client.execute(&call)?;
        let batch: CreateBatchResponse = reply.json()?;
        let token = public_token(&self.client, &reply, format!("read:batch:{}", batch.id));
        let handle = BatchHandle {
            batch_id: batch.id,
            run_count: batch.run_count,
            is_cached: batch.is_cached,
            public_access_token: token,
        };
        if handle.is_cached {
            return Ok(handle);
        }
        let body = self.ndjson(items, &packets, batch_key, options)?;
        self.stream_items(&handle.batch_id, body)?;
        Ok(handle)
    }

    fn ndjson(
        &self,
        items: &[BatchItem],
        packets: &[Packet],
        batch_key: Option<&IdempotencyKey>,
        options: &BatchTriggerOptions,
    ) -> Result<Vec<u8>> {
        let ctx = self.client.resolved();
        let mut body = Vec::with_capacity(items.len() * 160);
        for (index, (item, packet)) in items.iter().zip(packets).enumerate() {
            let own = item.options.idempotency_key.as_ref();
            let key = match idempotency_keys::wire(own) {
                (Some(k), o) => (Some(k), o),
                // `sha256("<batch key>-<index>")`, without options, as the official SDK.
                (None, _) => match batch_key.map(|k| idempotency_keys::item_key(k, index)) {
                    Some(k) => (k, None),
                    None => (None, None),
                },
            };
            let ttl = item
                .options
                .idempotency_key_ttl
                .as_deref()
                .or(options.idempotency_key_ttl.as_deref());
            let line = ItemLine {
                index,
                task: &item.task,
                payload: packet.data.as_deref(),
                options: WireOptions::new(Shape::BatchItem, &item.options, packet, ctx, key, ttl),
            };
            serde_json::to_writer(&mut body, &line)
                .map_err(|e| Error::invalid("items", format!("item {index}: {e}")))?;
            body.push(b'\n');
        }
        Ok(body)
    }

    /// Phase 2, with its own retry rules: 5 attempts (fewer if the client allows fewer), factor
    /// 2, 1–30 s, randomized; an unsealed batch is sent again.
    fn stream_items(&self, batch_id: &str, body: Vec<u8>) -> Result<()> {
        let cfg = self.client.resolved();
        let policy = RetryPolicy {
            max_attempts: cfg.retry.max_attempts.clamp(1, 5),
            factor: 2.0,
            min_delay: Duration::from_millis(1000),
            max_delay: Duration::from_millis(30_000),
            randomize: true,
            ..cfg.retry.clone()
        };
        let mut call = Call::new(
            "tasks.batchTrigger",
            Method::POST,
            format!("/api/v3/batches/{}/items", encode::path_segment(batch_id)),
            Access::SecretKey { jwt: true },
        );
        call.request_key = false;
        call.body = Body::Raw {
            content_type: "application/x-ndjson",
            bytes: body,
        };
        call.retry = Some(policy.clone());
        let mut attempt = 1;
        loop {
            let response: StreamResponse = self.client.execute(&call)?.decoded()?;
            if response.sealed {
                return Ok(());
            }
            if attempt >= policy.max_attempts {
                return Err(Error::BatchNotSealed {
                    batch_id: batch_id.to_owned(),
                    enqueued_count: response.enqueued_count.unwrap_or(0),
                    expected_count: response.expected_count.unwrap_or(0),
                    items_accepted: response.items_accepted,
                    items_deduplicated: response.items_deduplicated,
                });
            }
            Watch::new(cfg.cancel.as_ref(), cfg.deadline, &*cfg.clock)
                .sleep(transport::backoff(cfg, &policy, attempt))?;
            attempt += 1;
        }
    }
}
