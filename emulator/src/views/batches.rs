//! Batches as the API shows them.

use serde_json::{json, Map, Value};

use super::put;
use crate::model::batches::Batch;
use crate::state::State;
use crate::util::iso;

/// `GET /api/v2/batches/{id}` shape.
pub fn batch_json(st: &State, b: &Batch) -> Value {
    let finished = b
        .run_ids()
        .iter()
        .all(|id| st.run(id).is_none_or(|r| r.is_final()));
    let mut m = Map::new();
    m.insert("id".into(), json!(b.id));
    m.insert("status".into(), json!(b.status(finished)));
    put(
        &mut m,
        "idempotencyKey",
        b.idempotency_key.as_ref().map(|k| json!(k)),
    );
    m.insert("createdAt".into(), json!(iso(b.created_ms)));
    m.insert("updatedAt".into(), json!(iso(b.updated_ms)));
    m.insert("runCount".into(), json!(b.run_count));
    m.insert("runs".into(), json!(b.run_ids()));
    let mut processing = Map::new();
    put(
        &mut processing,
        "completedAt",
        b.completed_ms.map(|t| json!(iso(t))),
    );
    processing.insert("errors".into(), json!(b.errors));
    m.insert("processing".into(), Value::Object(processing));
    put(
        &mut m,
        "processingCompletedAt",
        b.completed_ms.map(|t| json!(iso(t))),
    );
    Value::Object(m)
}
