//! Deferred bulk actions: keep new ones PENDING, then apply one.

use serde_json::{json, Value};

use crate::auth::error;
use crate::route::{control_error, ok, Ctx, R};

/// `POST /__emulator/bulk-actions/defer` body `{"defer": bool}`: deferred bulk actions stay
/// PENDING until processed or aborted.
pub fn defer(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let defer = body
        .get("defer")
        .and_then(Value::as_bool)
        .ok_or_else(|| error(400, "Expected {\"defer\": true|false}"))?;
    c.st.bulk_actions.defer = defer;
    ok(json!({ "defer": defer }))
}

/// `POST /__emulator/bulk-actions/{id}/process`: applies a PENDING bulk action.
pub fn process(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    c.st.process_bulk_action(&id).map_err(control_error)?;
    ok(json!({"id": id, "status": "COMPLETED"}))
}
