//! Deployments the test adds (a deploy would make them).

use serde_json::{json, Value};

use crate::auth::error;
use crate::model::deployments::NewDeployment;
use crate::route::{control_error, ok, Ctx, R};
use crate::util::parse_iso;

fn opt_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(String::from)
}

/// `POST /__emulator/deployments` body `{"env"?, "version"?, "status"?, "createdAt"?, "git"?,
/// "error"?, "tasks"?: [slug], "runtime"?, "promote"?: bool}` → `{id, version}`.
pub fn add(c: &mut Ctx) -> R {
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
        c.st.deployments
            .list
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.version.clone());
    ok(json!({"id": id, "version": version}))
}
