//! Schedules as the API shows them (the environment part differs per route, as on the server).

use serde_json::{json, Map, Value};

use super::runs::DEV_USER_NAME;
use crate::cron::{describe, zone, Cron};
use crate::model::schedules::Schedule;
use crate::state::State;
use crate::util::{hashed, hashed_hex, iso};

/// How much of a schedule's environment a route shows (the server's routes differ).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ScheduleEnvs {
    /// Create and update: `id`, `shortcode`, `type`, `userName` (dev).
    Written,
    /// List: `id`, `type`, `slug`, `userName` (dev).
    Listed,
    /// Retrieve, activate, deactivate: `id`, `type`.
    Bare,
}

/// The spread the scheduler adds to a schedule's ticks (`nextRunEffectiveAt` − `nextRun`):
/// a fixed offset under a minute, derived from the schedule id.
fn schedule_spread_ms(id: &str) -> i64 {
    let h = hashed_hex(&["spread", id], 8);
    i64::from_str_radix(&h, 16).unwrap_or(0) % 60_000
}

/// `ScheduleObject`. An inactive schedule has no next run.
pub fn schedule_json(st: &State, s: &Schedule, now: i64, envs: ScheduleEnvs) -> Value {
    let env = st.env(&s.env_id);
    let tz = zone(&s.timezone).unwrap_or(chrono_tz::Tz::UTC);
    let next = Cron::parse(&s.cron)
        .ok()
        .filter(|_| s.active)
        .and_then(|c| c.next_after(now, tz));
    let env_type = env.map(|e| e.env_type.as_str()).unwrap_or("DEVELOPMENT");
    let mut e = Map::new();
    e.insert("id".into(), json!(s.env_id));
    if envs == ScheduleEnvs::Written {
        e.insert(
            "shortcode".into(),
            json!(hashed(&["shortcode", &s.env_id], 8)),
        );
    }
    e.insert("type".into(), json!(env_type));
    if envs == ScheduleEnvs::Listed {
        e.insert(
            "slug".into(),
            json!(env.map(|e| e.slug.as_str()).unwrap_or("")),
        );
    }
    if envs != ScheduleEnvs::Bare && env_type == "DEVELOPMENT" {
        e.insert("userName".into(), json!(DEV_USER_NAME));
    }
    json!({
        "id": s.id,
        "type": "IMPERATIVE",
        "task": s.task,
        "active": s.active,
        "deduplicationKey": s.deduplication_key,
        "externalId": s.external_id,
        "generator": {"type": "CRON", "expression": s.cron, "description": describe(&s.cron)},
        "timezone": s.timezone,
        "nextRun": next.map(iso),
        "nextRunEffectiveAt": next.map(|t| iso(t + schedule_spread_ms(&s.id))),
        "environments": [Value::Object(e)],
    })
}
