//! Batches as the API shows them.

use serde_json::{json, Map, Value};

use super::put;
use crate::model::batches::Batch;
use crate::model::runs::Run;
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

/// A finished run's `TaskRunExecutionResult`: its output as a JSON packet, or its error as a
/// `TaskRunError` (a cancel is the platform's `TASK_RUN_CANCELLED`); `None` while it runs.
fn execution_result(r: &Run) -> Option<Value> {
    if !r.is_final() {
        return None;
    }
    let mut m = Map::new();
    m.insert("ok".into(), json!(r.status == "COMPLETED"));
    m.insert("id".into(), json!(r.id));
    if r.status == "COMPLETED" {
        let output = r.output.clone().unwrap_or(Value::Null);
        m.insert("output".into(), json!(output.to_string()));
        m.insert("outputType".into(), json!("application/json"));
    } else if r.status == "CANCELED" {
        m.insert(
            "error".into(),
            json!({"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"}),
        );
    } else {
        let e = r.error.clone().unwrap_or_else(|| json!({}));
        let text = |k: &str, default: String| {
            e.get(k)
                .and_then(Value::as_str)
                .map_or(default, str::to_string)
        };
        m.insert(
            "error".into(),
            json!({
                "type": "BUILT_IN_ERROR",
                "name": text("name", "Error".into()),
                "message": text("message", format!("Run ended with status {}", r.status)),
                "stackTrace": text("stackTrace", String::new()),
            }),
        );
    }
    let ran = match (r.started_ms, r.finished_ms) {
        (Some(s), Some(f)) => (f - s).max(0),
        _ => 0,
    };
    m.insert("usage".into(), json!({"durationMs": ran}));
    m.insert("taskIdentifier".into(), json!(r.task));
    Some(Value::Object(m))
}

/// `GET /api/v1/batches/{id}/results`: `{id, items}`, the batch's finished runs in item order.
pub fn batch_results_json(st: &State, b: &Batch) -> Value {
    let items: Vec<Value> = b
        .run_ids()
        .iter()
        .filter_map(|id| st.run(id))
        .filter_map(execution_result)
        .collect();
    json!({"id": b.id, "items": items})
}
