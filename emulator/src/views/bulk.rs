//! Bulk actions as the API shows them.

use serde_json::{json, Map, Value};

use super::put;
use crate::model::bulk::BulkAction;
use crate::util::iso;

/// `BulkActionObject`.
pub fn bulk_action_json(b: &BulkAction) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(b.id));
    put(&mut m, "name", b.name.as_ref().map(|n| json!(n)));
    m.insert("type".into(), json!(b.kind.as_str()));
    m.insert("status".into(), json!(b.status));
    m.insert(
        "counts".into(),
        json!({"total": b.run_ids.len(), "success": b.success, "failure": b.failure}),
    );
    m.insert("createdAt".into(), json!(iso(b.created_ms)));
    put(&mut m, "completedAt", b.completed_ms.map(|t| json!(iso(t))));
    Value::Object(m)
}
