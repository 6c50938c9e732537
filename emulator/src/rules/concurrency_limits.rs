//! Named concurrency limits and runs: how many runs that name a limit (trigger option
//! `concurrency`) wait for it or hold it, and declaring limits.

use serde_json::Value;

use crate::model::concurrency_limits::{ConcurrencyLimit, MAX_BOUND};
use crate::model::runs::Run;
use crate::rules::error::ControlError;
use crate::state::State;

/// Whether the run names the limit (and has the key, when one is given).
fn holds(r: &Run, l: &ConcurrencyLimit, key: Option<&str>) -> bool {
    let names = match r.opts.raw.get("concurrency") {
        Some(Value::String(s)) => s == &l.name,
        Some(Value::Array(a)) => a.iter().any(|n| n.as_str() == Some(&l.name)),
        _ => false,
    };
    names
        && r.env_id == l.env_id
        && key.is_none_or(|k| r.opts.concurrency_key.as_deref() == Some(k))
}

impl State {
    /// `(queued, running)` runs that name the limit (with `key`, when given).
    pub fn limit_counts(&self, l: &ConcurrencyLimit, key: Option<&str>) -> (u64, u64) {
        let (mut queued, mut running) = (0, 0);
        for r in self.runs.iter().filter(|r| holds(r, l, key)) {
            match r.status.as_str() {
                "QUEUED" => queued += 1,
                "EXECUTING" | "DEQUEUED" => running += 1,
                _ => {}
            }
        }
        (queued, running)
    }

    /// Declares a limit in `env_id` (admin), as a worker's code would.
    pub fn add_concurrency_limit(
        &mut self,
        env_id: &str,
        name: &str,
        per_key: Option<u64>,
        total: Option<u64>,
    ) -> Result<String, ControlError> {
        if self.env(env_id).is_none() {
            return Err(ControlError::Invalid(format!("No env {env_id}")));
        }
        if name.is_empty() {
            return Err(ControlError::Invalid("name is required".into()));
        }
        if [per_key, total].iter().flatten().any(|n| *n > MAX_BOUND) {
            return Err(ControlError::Invalid(format!(
                "bounds must be at most {MAX_BOUND}"
            )));
        }
        Ok(self
            .concurrency_limits
            .declare(env_id, name, per_key, total))
    }
}
