//! The API's JSON shapes, built from the domain (`model`, `state`): one module per area.
//!
//! Views use the domain and the foundation only; routes and the admin API use them, never the
//! other way round.

use serde_json::{Map, Value};

pub mod batches;
pub mod bulk;
pub mod concurrency_limits;
pub mod deployments;
pub mod envvars;
pub mod queues;
pub mod realtime;
pub mod run_events;
pub mod runs;
pub mod schedules;
pub mod sessions;
pub mod waitpoints;

/// Inserts `v` under `k` when there is one (absent fields are left out, not null).
pub fn put(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v);
    }
}
