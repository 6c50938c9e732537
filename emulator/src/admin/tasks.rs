//! Tasks and queues, as a worker registering them would declare them.

use serde_json::{json, Value};

use crate::auth::error;
use crate::route::{control_error, ok, Ctx, R};

fn opt_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(String::from)
}

/// `POST /__emulator/queues` body `{"name", "type"?: "task"|"custom", "env"?, "concurrencyLimit"?}`.
/// A `task` queue named `t` is `task/t`; without `type`, a name starting with `task/` is a task
/// queue and anything else a custom one. `env` is an env id or a root slug (default `dev`).
pub fn add_queue(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let name = opt_str(body.get("name"))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| error(400, "name is required"))?;
    let name = match body.get("type").and_then(Value::as_str) {
        Some("task") if !name.starts_with("task/") => format!("task/{name}"),
        Some("task") | Some("custom") | None => name,
        Some(other) => return Err(error(400, &format!("Invalid type {other}"))),
    };
    let env_id =
        c.st.resolve_env(body.get("env").and_then(Value::as_str))
            .map_err(control_error)?;
    let limit = body.get("concurrencyLimit").and_then(Value::as_u64);
    let id =
        c.st.add_queue(&env_id, &name, limit)
            .map_err(control_error)?;
    ok(json!({"id": id, "envId": env_id, "name": name}))
}

/// `POST /__emulator/concurrency-limits` body `{"name", "env"?, "perKey"?, "total"?}`:
/// declares a named concurrency limit (or redeclares its bounds), as a worker's code would.
pub fn add_concurrency_limit(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let name = opt_str(body.get("name"))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| error(400, "name is required"))?;
    let env_id =
        c.st.resolve_env(body.get("env").and_then(Value::as_str))
            .map_err(control_error)?;
    let per_key = body.get("perKey").and_then(Value::as_u64);
    let total = body.get("total").and_then(Value::as_u64);
    let id =
        c.st.add_concurrency_limit(&env_id, &name, per_key, total)
            .map_err(control_error)?;
    ok(json!({"id": id, "envId": env_id, "name": name}))
}

/// `POST /__emulator/tasks` body `{"id", "kind"?: "STANDARD"|"SCHEDULED"|"AGENT"}` (default
/// `STANDARD`): declares a task, as a worker registering it would.
pub fn add_task(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let id = opt_str(body.get("id"))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| error(400, "id is required"))?;
    let kind = opt_str(body.get("kind")).unwrap_or_else(|| "STANDARD".into());
    c.st.declare_task(&id, &kind).map_err(control_error)?;
    ok(json!({"id": id, "kind": kind}))
}
