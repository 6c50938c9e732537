//! The run models: a run as retrieved and as listed, its status and its error. Apart from the
//! calls because [`crate::Error::WaitTimeout`] holds a [`Run`]: this module depends on nothing
//! that depends on `error`.

use serde::{Deserialize, Serialize};

use crate::raw_json::RawJson;

/// The status of a run (the `2025-07-16` API vocabulary). Statuses this SDK does not know decode
/// as [`RunStatus::Unknown`] instead of failing (`docs/design.md#unknown-run-status`).
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
            /// Metadata, as the API sent it.
            #[serde(default)]
            pub metadata: Option<RawJson>,
            /// Where the run executes (a region name, or the worker group's id).
            #[serde(default)]
            pub region: Option<String>,
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
        /// Nesting depth (0 for a run no other run triggered).
        #[serde(default)]
        pub depth: u32,
        /// The kind of task: `STANDARD`, `SCHEDULED`, `AGENT`, ...
        #[serde(default)]
        pub task_kind: Option<String>,
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
        /// The payload, as the API sent it (decode it with [`RawJson::parse`]).
        #[serde(default)]
        pub payload: Option<RawJson>,
        /// Where a large payload can be downloaded.
        #[serde(default)]
        pub payload_presigned_url: Option<String>,
        /// The output, as the API sent it.
        #[serde(default)]
        pub output: Option<RawJson>,
        /// Where a large output can be downloaded.
        #[serde(default)]
        pub output_presigned_url: Option<String>,
        /// The error of a failed run.
        #[serde(default)]
        pub error: Option<RunError>,
        /// The schedule that triggered the run.
        #[serde(default)]
        pub schedule: Option<RawJson>,
        /// Root, parent and child runs.
        #[serde(default)]
        pub related_runs: Option<RawJson>,
        /// Attempts so far.
        #[serde(default)]
        pub attempt_count: u32,
    }
}
