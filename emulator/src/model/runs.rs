//! Runs: the record, the options that shape one, their statuses; and the packet store's
//! entries (offloaded payloads).

use serde_json::Value;

/// The region of runs that name none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The TTL the server gives dev runs that name none.
pub const DEV_DEFAULT_TTL: &str = "10m";

pub const FINAL_STATUSES: &[&str] = &[
    "COMPLETED",
    "CANCELED",
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "EXPIRED",
    "TIMED_OUT",
];

/// Every status the 2025-07-16 API version can report (also what `filter[status]` accepts, plus the old names).
pub const KNOWN_STATUSES: &[&str] = &[
    "PENDING_VERSION",
    "QUEUED",
    "DEQUEUED",
    "EXECUTING",
    "WAITING",
    "COMPLETED",
    "CANCELED",
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "DELAYED",
    "EXPIRED",
    "TIMED_OUT",
    "WAITING_FOR_DEPLOY",
    "REATTEMPTING",
    "FROZEN",
    "INTERRUPTED",
];

/// Options that shape a new run (from a trigger body or a batch item).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub tags: Vec<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
    pub idempotency_ttl_ms: i64,
    pub delay_until_ms: Option<i64>,
    /// The TTL as the server shows it: a duration string (`"1h"`), seconds normalised to one.
    pub ttl: Option<String>,
    pub ttl_ms: Option<i64>,
    /// A TTL was given (a number 0 means "none"): dev runs get no default TTL then.
    pub ttl_given: bool,
    pub version: Option<String>,
    pub is_test: bool,
    pub queue: Option<String>,
    pub machine: Option<String>,
    pub concurrency_key: Option<String>,
    pub max_attempts: Option<u64>,
    pub priority: Option<f64>,
    pub max_duration: Option<f64>,
    pub region: Option<String>,
    /// The debounce the run was created with (its key finds it again).
    pub debounce: Option<Debounce>,
    /// The options object as received, for the state dump.
    pub raw: Value,
}

/// `options.debounce`, with its times resolved when the run was triggered.
#[derive(Debug, Clone)]
pub struct Debounce {
    pub key: String,
    /// Now + `delay`.
    pub until_ms: i64,
    /// Now + `maxDelay`, the latest a later trigger may push the run to.
    pub max_until_ms: Option<i64>,
    /// `mode: "trailing"`: later triggers replace the payload.
    pub trailing: bool,
}

/// What `State::create_run` needs.
pub struct NewRun<'a> {
    pub env_id: &'a str,
    pub task: &'a str,
    pub payload: Option<Value>,
    pub payload_type: String,
    pub opts: RunOptions,
    pub trigger_function: &'a str,
    pub batch_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub seq: u64,
    pub env_id: String,
    pub task: String,
    pub status: String,
    /// As received: usually a string to be decoded according to `payload_type`.
    pub payload: Option<Value>,
    pub payload_type: String,
    pub opts: RunOptions,
    pub tags: Vec<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
    pub idempotency_expires_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub queued_ms: Option<i64>,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub delayed_until_ms: Option<i64>,
    pub expired_ms: Option<i64>,
    pub output: Option<Value>,
    pub error: Option<Value>,
    pub attempt_count: u32,
    pub trigger_function: String,
    pub batch_id: Option<String>,
    pub schedule_id: Option<String>,
    pub replayed_from: Option<String>,
    /// Bulk actions that touched the run (`filter[bulkAction]`).
    pub bulk_action_ids: Vec<String>,
    /// `v2` when the trigger sent `x-trigger-realtime-streams-version: v2`, else `v1`.
    pub realtime_streams_version: String,
}

impl Run {
    pub fn is_final(&self) -> bool {
        FINAL_STATUSES.contains(&self.status.as_str())
    }

    /// Cancels a run that has not finished. As on the server, the run gets the error
    /// `{"message":"Canceled by user"}`, and a run that never started gets no `finishedAt`.
    pub fn cancel(&mut self, now: i64) {
        self.status = "CANCELED".into();
        self.error = Some(serde_json::json!({"message": "Canceled by user"}));
        if self.started_ms.is_some() {
            self.finished_ms = Some(now);
        }
        self.updated_ms = now;
    }

    /// The region the run executes in: the one it asked for, or the default.
    pub fn region(&self) -> &str {
        self.opts.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    pub fn queue_name(&self) -> String {
        self.opts
            .queue
            .clone()
            .unwrap_or_else(|| format!("task/{}", self.task))
    }
}

/// An offloaded payload or output in the packet store (`PUT /__emulator/packets/{path}`).
#[derive(Debug, Clone)]
pub struct Packet {
    pub content_type: String,
    pub data: Vec<u8>,
}
