//! Concurrency limits as the API shows them, with live counts from the runs.

use serde_json::{json, Value};

use crate::model::concurrency_limits::{Bound, ConcurrencyLimit};
use crate::state::State;
use crate::util::iso;

fn bound_json(b: &Bound) -> Value {
    json!({
        "current": b.current(),
        "base": b.base,
        "override": b.overridden,
        "overriddenAt": b.overridden_ms.map(iso),
    })
}

/// `Limit`: `{id, name, perKey, total, running, queued, paused}`.
pub fn limit_json(st: &State, l: &ConcurrencyLimit) -> Value {
    let (queued, running) = st.limit_counts(l, None);
    json!({
        "id": l.id,
        "name": l.name,
        "perKey": bound_json(&l.per_key),
        "total": bound_json(&l.total),
        "running": running,
        "queued": queued,
        "paused": l.paused,
    })
}

/// `KeyLimit`: the limit as it applies to `key` (a lapsed override is gone).
pub fn key_limit_json(st: &State, l: &ConcurrencyLimit, key: &str, now: i64) -> Value {
    let (_, running) = st.limit_counts(l, Some(key));
    let own = l.key_override(key, now);
    json!({
        "name": l.name,
        "concurrencyKey": key,
        "perKey": {
            "current": own.map(|k| k.per_key).or(l.per_key.current()),
            "base": l.per_key.current(),
            "override": own.map(|k| k.per_key),
            "expiresAt": own.map(|k| iso(k.expires_ms)),
        },
        "running": running,
        "paused": l.paused,
    })
}
