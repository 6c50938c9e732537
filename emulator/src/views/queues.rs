//! Queues as the API shows them, with live counts from the runs.

use serde_json::{json, Value};

use crate::model::queues::{Queue, QueueKind};
use crate::state::State;
use crate::util::iso;

/// `QueueObject` (the server's `toQueueItem`), with live counts from the runs.
pub fn queue_json(st: &State, q: &Queue) -> Value {
    let (queued, running) = st.queue_counts(q);
    let overridden = q.overridden_ms.is_some();
    json!({
        "id": q.id,
        "name": q.display_name(),
        "type": match q.kind { QueueKind::Task => "task", QueueKind::Custom => "custom" },
        "running": running,
        "queued": queued,
        "paused": q.paused,
        "concurrencyLimit": q.concurrency_limit,
        "concurrency": {
            "current": q.concurrency_limit,
            "base": q.concurrency_base,
            "override": if overridden { json!(q.concurrency_limit) } else { Value::Null },
            "overriddenBy": null,
            "overriddenAt": q.overridden_ms.map(iso),
        },
        "releaseConcurrencyOnWaitpoint": true,
        "concurrencyLimitOverridePercent": q.override_percent,
    })
}
