//! `/__emulator/…` controls for queues, deployments, bulk actions and the clock.

use serde_json::{json, Value};

use super::admin::control_error;
use super::{ok, Ctx, R};
use crate::auth::error;
use crate::surface::NewDeployment;
use crate::util::{iso, parse_iso};

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

/// `POST /__emulator/deployments` body `{"env"?, "version"?, "status"?, "createdAt"?, "git"?,
/// "error"?, "tasks"?: [slug], "runtime"?, "promote"?: bool}` → `{id, version}`.
pub fn add_deployment(c: &mut Ctx) -> R {
    let body = c.body_object_or_empty()?;
    let env_id =
        c.st.resolve_env(body.get("env").and_then(Value::as_str))
            .map_err(control_error)?;
    let created_ms = match body.get("createdAt") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => {
            Some(parse_iso(s).ok_or_else(|| error(400, &format!("Invalid createdAt {s}")))?)
        }
        Some(_) => return Err(error(400, "createdAt must be an ISO date or ms")),
    };
    let tasks = body
        .get("tasks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let id =
        c.st.add_deployment(NewDeployment {
            env_id,
            version: opt_str(body.get("version")),
            status: opt_str(body.get("status")),
            created_ms,
            git: body.get("git").filter(|g| g.is_object()).cloned(),
            error: body.get("error").filter(|g| g.is_object()).cloned(),
            tasks,
            runtime: opt_str(body.get("runtime")),
            promote: body.get("promote") == Some(&Value::Bool(true)),
        })
        .map_err(control_error)?;
    let version =
        c.st.surface
            .deployments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.version.clone());
    ok(json!({"id": id, "version": version}))
}

/// `POST /__emulator/bulk-actions/defer` body `{"defer": bool}`: deferred bulk actions stay
/// PENDING until processed or aborted.
pub fn defer_bulk_actions(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let defer = body
        .get("defer")
        .and_then(Value::as_bool)
        .ok_or_else(|| error(400, "Expected {\"defer\": true|false}"))?;
    c.st.surface.bulk_defer = defer;
    ok(json!({ "defer": defer }))
}

/// `POST /__emulator/bulk-actions/{id}/process`: applies a PENDING bulk action.
pub fn process_bulk_action(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    c.st.process_bulk_action(&id).map_err(control_error)?;
    ok(json!({"id": id, "status": "COMPLETED"}))
}

fn clock(c: &Ctx) -> R {
    let now = c.st.now_ms();
    ok(json!({"now": iso(now), "nowMs": now, "frozen": c.st.frozen_ms.is_some()}))
}

/// `GET /__emulator/clock`
pub fn get_clock(c: &mut Ctx) -> R {
    clock(c)
}

/// `POST /__emulator/clock` body `{"now"?: ISO | ms, "frozen"?: bool}`: sets the emulator clock
/// to `now` and (by default) stops it there; `{"frozen": false}` lets it run on from where it is.
pub fn set_clock(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let at = match body.get("now") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| error(400, "now must be ms or an ISO date"))?,
        ),
        Some(Value::String(s)) => {
            Some(parse_iso(s).ok_or_else(|| error(400, &format!("Invalid date {s}")))?)
        }
        Some(_) => return Err(error(400, "now must be ms or an ISO date")),
    };
    let frozen = match body.get("frozen") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(error(400, "frozen must be a boolean")),
    };
    c.st.set_clock(at, frozen);
    clock(c)
}
