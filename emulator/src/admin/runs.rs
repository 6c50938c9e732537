//! What the worker and the scheduler would do to runs: start, complete and fail them, and fire
//! a schedule as if its cron ticked.

use serde_json::{json, Value};

use crate::route::{control_error, ok, Ctx, R};

/// `POST /__emulator/runs/{id}/start`
pub fn start(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    c.st.start_run(&id).map_err(control_error)?;
    ok(json!({"id": id, "status": "EXECUTING"}))
}

/// `POST /__emulator/runs/{id}/complete` body `{"output": any}`.
pub fn complete(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    let body = c.body_object_or_empty()?;
    let output = body.get("output").cloned().unwrap_or(Value::Null);
    c.st.complete_run(&id, output).map_err(control_error)?;
    ok(json!({"id": id, "status": "COMPLETED"}))
}

/// `POST /__emulator/runs/{id}/fail` body `{"error": {"message": …}, "status"?: "CRASHED"|…}`.
pub fn fail(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    let body = c.body_object_or_empty()?;
    let err = body.get("error").cloned().unwrap_or(Value::Null);
    let status = body.get("status").and_then(Value::as_str);
    c.st.fail_run(&id, err, status).map_err(control_error)?;
    let status = c.st.run(&id).map(|r| r.status.clone()).unwrap_or_default();
    ok(json!({"id": id, "status": status}))
}

/// `POST /__emulator/schedules/{id}/fire`: a run of the schedule's task, as if the cron ticked.
pub fn fire_schedule(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    let run = c.st.fire_schedule(&id).map_err(control_error)?;
    ok(json!({ "id": run }))
}
