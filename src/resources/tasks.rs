//! Triggering tasks: one run (`trigger`) or many (`batch_trigger`, the two-phase v3 flow).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::payload::{self, KeyOptions, Packet};
use super::{one_or_many, require};
use crate::client::Client;
use crate::config::{Resolved, RetryPolicy, TokenKind};
use crate::encode;
use crate::error::{Error, Result};
use crate::jwt;
use crate::transport::{self, Access, Body, Call, Reply};

/// Trigger calls. Get one with [`Client::tasks`] or [`crate::tasks`].
#[derive(Clone, Debug)]
pub struct Tasks {
    client: Client,
}

/// A time to live: a duration string (`"10m"`) or a number of seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Ttl {
    /// A duration like `"1h"`.
    Duration(String),
    /// Seconds.
    Seconds(u64),
}

/// Options of [`Tasks::trigger`] (API.md §6.1), named as in the official SDK. From JSON they
/// use the official camelCase names (`{"idempotencyKey":"k","tags":["a"],"delay":"5m"}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerOptions {
    /// Deduplicates triggers: the same key returns the same run. Hashed like the official SDK.
    pub idempotency_key: Option<String>,
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
    /// Run metadata.
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// The queue name.
    pub queue: Option<String>,
    /// Concurrency key.
    pub concurrency_key: Option<String>,
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
    /// [`crate::Config::external_deployment_id`], then env `TRIGGER_EXTERNAL_DEPLOYMENT_ID`, then,
    /// when `TRIGGER_AUTOMATIC_SKEW_VERSION_PROTECTION` is `1` or `true`, the CI's commit SHA.
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
    /// Sets [`TriggerOptions::idempotency_key`].
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
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
    /// Sets [`TriggerOptions::metadata`]; anything but a JSON object is ignored.
    pub fn metadata(mut self, metadata: serde_json::Value) -> Self {
        if let serde_json::Value::Object(map) = metadata {
            self.metadata = Some(map);
        }
        self
    }
    /// Sets [`TriggerOptions::queue`].
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
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

#[derive(Serialize)]
struct QueueRef<'a> {
    name: &'a str,
}

/// `options` of a trigger body or a batch item, in the official SDK's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireOptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<QueueRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency_key: Option<&'a str>,
    payload_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_size: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
    #[serde(rename = "idempotencyKeyTTL", skip_serializing_if = "Option::is_none")]
    idempotency_key_ttl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key_options: Option<KeyOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delay: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<&'a Ttl>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_duration: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    machine: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock_to_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_deployment_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    debounce: Option<&'a Debounce>,
    /// Batch items carry `payloadSize` last, as the official SDK appends it.
    #[serde(rename = "payloadSize", skip_serializing_if = "Option::is_none")]
    item_payload_size: Option<usize>,
}

impl<'a> WireOptions<'a> {
    fn new(
        opts: &'a TriggerOptions,
        packet: &Packet,
        ctx: &'a Resolved,
        key: (Option<String>, Option<KeyOptions>),
        ttl: Option<&'a str>,
    ) -> WireOptions<'a> {
        WireOptions {
            queue: opts.queue.as_deref().map(|name| QueueRef { name }),
            concurrency_key: opts.concurrency_key.as_deref(),
            payload_type: packet.data_type,
            payload_size: Some(packet.size),
            idempotency_key: key.0,
            idempotency_key_ttl: ttl,
            idempotency_key_options: key.1,
            delay: opts.delay.as_deref(),
            ttl: opts.ttl.as_ref(),
            tags: &opts.tags,
            max_attempts: opts.max_attempts,
            metadata: opts.metadata.as_ref(),
            max_duration: opts.max_duration,
            machine: opts.machine.as_deref(),
            priority: opts.priority,
            region: opts.region.as_deref(),
            lock_to_version: opts.version.as_deref().or(ctx.lock_to_version.as_deref()),
            external_deployment_id: opts
                .external_deployment_id
                .as_deref()
                .map(str::trim)
                .or(ctx.external_deployment_id.as_deref()),
            debounce: opts.debounce.as_ref(),
            item_payload_size: None,
        }
    }
}

#[derive(Serialize)]
struct TriggerBody<'a> {
    payload: &'a str,
    options: WireOptions<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TriggerResponse {
    id: String,
    #[serde(default)]
    is_cached: bool,
}

/// What a trigger returns: the run id and a public access token for it.
#[derive(Clone, PartialEq, Eq)]
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

/// One item of a batch trigger. From JSON: `{"task":"t","payload":…,"options":{…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// The task id.
    pub task: String,
    /// The payload (a JSON string is sent as `text/plain`, anything else as superjson).
    #[serde(default)]
    pub payload: serde_json::Value,
    /// Per-item trigger options.
    #[serde(default)]
    pub options: TriggerOptions,
}

impl BatchItem {
    /// An item for `task` with `payload`.
    pub fn new(task: impl Into<String>, payload: &impl Serialize) -> Result<BatchItem> {
        let payload = serde_json::to_value(payload)
            .map_err(|e| Error::invalid("payload", format!("cannot be serialized: {e}")))?;
        Ok(BatchItem {
            task: task.into(),
            payload,
            options: TriggerOptions::default(),
        })
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
    pub idempotency_key: Option<String>,
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
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sets [`BatchTriggerOptions::idempotency_key_ttl`].
    pub fn idempotency_key_ttl(mut self, ttl: impl Into<String>) -> Self {
        self.idempotency_key_ttl = Some(ttl.into());
        self
    }
}

/// What a batch trigger returns.
#[derive(Clone, PartialEq, Eq)]
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
    payload: &'a str,
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
    let key = cfg.token.as_ref()?.0.as_str();
    let root_key = matches!(cfg.kind, TokenKind::SecretKey(_)) && !key.contains("_sk_");
    if !root_key {
        return None;
    }
    jwt::handle_token(key, reply.jwt_claims.as_deref()?, scope, cfg.clock.now())
}

impl Tasks {
    pub(crate) fn new(client: Client) -> Tasks {
        Tasks { client }
    }

    /// Triggers one run of `task_id` (`POST /api/v1/tasks/{id}/trigger`).
    ///
    /// A string payload is sent as `text/plain`; any other value as superjson (`{"json": …}`).
    /// Payloads of 128 KiB or more are uploaded first and sent by reference.
    pub fn trigger(
        &self,
        task_id: &str,
        payload: &(impl Serialize + ?Sized),
        options: &TriggerOptions,
    ) -> Result<RunHandle> {
        require("task_id", task_id)?;
        let packet = payload::offload(&self.client, task_id, payload::serialize(payload)?)?;
        let ctx = self.client.resolved();
        let key = payload::idempotency_key(options.idempotency_key.as_deref());
        let body = TriggerBody {
            payload: &packet.data,
            options: WireOptions::new(
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
    /// index so resending is safe. Fails with [`Error::BatchNotSealed`] if the server never
    /// seals the batch.
    pub fn batch_trigger(
        &self,
        items: &[BatchItem],
        options: &BatchTriggerOptions,
    ) -> Result<BatchHandle> {
        if items.is_empty() {
            return Err(Error::invalid("items", "a batch needs at least one item"));
        }
        if let Some(i) = items.iter().position(|it| it.task.trim().is_empty()) {
            return Err(Error::invalid(
                "items",
                format!("item {i} has an empty task id"),
            ));
        }
        let mut task_ids: Vec<&str> = items.iter().map(|it| it.task.as_str()).collect();
        task_ids.sort_unstable();
        task_ids.dedup();
        let batch_key = options.idempotency_key.as_deref().filter(|k| !k.is_empty());
        let (key, key_options) = payload::idempotency_key(batch_key);
        let create = CreateBatchBody {
            run_count: items.len(),
            task_identifiers: task_ids,
            idempotency_key: key,
            idempotency_key_options: key_options,
        };
        // Serialize (and offload) every payload before the batch exists, as the official SDK.
        let packets = items
            .iter()
            .map(|it| payload::offload(&self.client, &it.task, payload::serialize(&it.payload)?))
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
        batch_key: Option<&str>,
        options: &BatchTriggerOptions,
    ) -> Result<Vec<u8>> {
        let ctx = self.client.resolved();
        let mut body = Vec::with_capacity(items.len() * 160);
        for (index, (item, packet)) in items.iter().zip(packets).enumerate() {
            let key = match (item.options.idempotency_key.as_deref(), batch_key) {
                (Some(own), _) if !own.is_empty() => payload::idempotency_key(Some(own)),
                (_, Some(batch)) => (
                    Some(encode::sha256_hex(format!("{batch}-{index}").as_bytes())),
                    None,
                ),
                _ => (None, None),
            };
            let ttl = item
                .options
                .idempotency_key_ttl
                .as_deref()
                .or(options.idempotency_key_ttl.as_deref());
            let mut wire = WireOptions::new(&item.options, packet, ctx, key, ttl);
            wire.item_payload_size = wire.payload_size.take();
            let line = ItemLine {
                index,
                task: &item.task,
                payload: &packet.data,
                options: wire,
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
            let response: StreamResponse = self.client.execute(&call)?.json()?;
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
            cfg.clock.sleep(transport::backoff(cfg, &policy, attempt));
            attempt += 1;
        }
    }
}
