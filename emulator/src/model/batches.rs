//! v3 (two-phase) batches: a batch is created, then sealed by its items.

use std::collections::BTreeMap;

use serde_json::Value;

/// A v3 (two-phase) batch.
#[derive(Debug, Clone)]
pub struct Batch {
    pub id: String,
    pub env_id: String,
    pub run_count: usize,
    pub task_identifiers: Vec<String>,
    pub idempotency_key: Option<String>,
    /// index -> run id (`None` when the item failed).
    pub items: BTreeMap<usize, Option<String>>,
    pub errors: Vec<Value>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub completed_ms: Option<i64>,
    /// From the create request's `x-trigger-realtime-streams-version`; given to the batch's runs.
    pub realtime_streams_version: String,
}

impl Batch {
    pub fn sealed(&self) -> bool {
        self.items.len() >= self.run_count
    }

    /// As on the server: `PENDING` until sealed and then until every run it created has
    /// finished (`COMPLETED`); `PARTIAL_FAILED` once sealed when some items failed.
    pub fn status(&self, runs_finished: bool) -> &'static str {
        if !self.sealed() {
            "PENDING"
        } else if !self.errors.is_empty() {
            "PARTIAL_FAILED"
        } else if runs_finished {
            "COMPLETED"
        } else {
            "PENDING"
        }
    }

    pub fn run_ids(&self) -> Vec<String> {
        self.items.values().flatten().cloned().collect()
    }
}
