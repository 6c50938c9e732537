//! `/__emulator/…`: the test-control API (no auth).

use serde_json::{json, Value};

use super::{ok, Ctx, R};
use crate::auth::error;
use crate::control::ControlError;
use crate::faults::{FaultRule, FaultState, Faults};
use crate::http::HttpResponse;
use crate::hub::Shared;
use crate::state::Packet;

pub fn control_error(e: ControlError) -> HttpResponse {
    match e {
        ControlError::RunNotFound => error(404, "Run not found"),
        ControlError::ScheduleNotFound => error(404, "Schedule not found"),
        ControlError::RunFinished => error(409, "Run is already finished"),
        ControlError::SessionNotFound => error(404, "Session not found"),
        ControlError::Invalid(m) => error(400, &m),
        ControlError::QueuePaused(_) | ControlError::QueueFull(..) => error(409, &e.to_string()),
        ControlError::BulkActionNotFound => error(404, "Bulk action not found"),
    }
}

/// `GET /__emulator/state`
pub fn state(c: &mut Ctx) -> R {
    ok(c.st.dump(c.base_url, &c.faults.rules, c.log.count))
}

/// `GET /__emulator/seed`
pub fn seed(c: &mut Ctx) -> R {
    ok(serde_json::to_value(&c.st.seed).unwrap_or(Value::Null))
}

/// `GET /__emulator/requests`: the request log, oldest first.
pub fn requests(c: &mut Ctx) -> R {
    ok(json!({"count": c.log.count, "requests": c.log.requests}))
}

/// `DELETE /__emulator/requests`
pub fn clear_requests(c: &mut Ctx) -> R {
    c.log.requests.clear();
    ok(json!({"ok": true}))
}

/// `POST /__emulator/reset`: back to the seed, the start-up faults and the real clock.
pub fn reset(c: &mut Ctx) -> R {
    let fresh = Shared::new(c.options);
    *c.st = fresh.state;
    *c.faults = fresh.faults;
    *c.log = fresh.log;
    ok(json!({"ok": true}))
}

/// `POST /__emulator/advance` body `{"seconds": n}` or `{"ms": n}`.
pub fn advance(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let ms = match (body.get("seconds"), body.get("ms")) {
        (Some(s), _) => s.as_f64().map(|s| (s * 1000.0) as i64),
        (None, Some(m)) => m.as_f64().map(|m| m as i64),
        _ => None,
    }
    .filter(|ms| *ms >= 0)
    .ok_or_else(|| error(400, "Expected {\"seconds\": n} or {\"ms\": n} with n >= 0"))?;
    c.st.advance(ms);
    ok(json!({"now": crate::util::iso(c.st.now_ms()), "offsetMs": c.st.offset_ms}))
}

/// `POST /__emulator/runs/{id}/start`
pub fn start_run(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    c.st.start_run(&id).map_err(control_error)?;
    ok(json!({"id": id, "status": "EXECUTING"}))
}

/// `POST /__emulator/runs/{id}/complete` body `{"output": any}`.
pub fn complete_run(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    let body = c.body_object_or_empty()?;
    let output = body.get("output").cloned().unwrap_or(Value::Null);
    c.st.complete_run(&id, output).map_err(control_error)?;
    ok(json!({"id": id, "status": "COMPLETED"}))
}

/// `POST /__emulator/runs/{id}/fail` body `{"error": {"message": …}, "status"?: "CRASHED"|…}`.
pub fn fail_run(c: &mut Ctx) -> R {
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

/// `GET /__emulator/faults`
pub fn get_faults(c: &mut Ctx) -> R {
    ok(json!({"faults": c.faults.rules}))
}

/// `POST /__emulator/faults` body: one rule, an array of rules, or `{"rules": [...], "seed"?: n}`
/// (the last form replaces the rules and reseeds the RNG; the others append).
pub fn add_faults(c: &mut Ctx) -> R {
    let body = c.body_json()?;
    let parse = |v: Value| -> Result<Vec<FaultRule>, HttpResponse> {
        serde_json::from_value(v).map_err(|e| error(400, &format!("Invalid fault rule: {e}")))
    };
    match body {
        Value::Array(_) => {
            let rules = parse(body)?;
            c.faults.rules.extend(rules);
        }
        Value::Object(ref m) if m.contains_key("rules") => {
            let f: Faults = serde_json::from_value(body.clone())
                .map_err(|e| error(400, &format!("Invalid faults: {e}")))?;
            *c.faults = FaultState::new(&f);
        }
        Value::Object(_) => {
            let rule: FaultRule = serde_json::from_value(body)
                .map_err(|e| error(400, &format!("Invalid fault rule: {e}")))?;
            c.faults.rules.push(rule);
        }
        _ => {
            return Err(error(
                400,
                "Expected a fault rule object or an array of rules",
            ))
        }
    }
    ok(json!({"faults": c.faults.rules}))
}

/// `DELETE /__emulator/faults`
pub fn clear_faults(c: &mut Ctx) -> R {
    c.faults.rules.clear();
    ok(json!({"faults": []}))
}

/// `POST /__emulator/branches` body `{"name": "b", "env"?: "preview"|"dev", "project"?: ref}`.
pub fn add_branch(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| error(400, "name is required"))?
        .to_string();
    let env = body
        .get("env")
        .and_then(Value::as_str)
        .unwrap_or("preview")
        .to_string();
    let project = body
        .get("project")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| c.st.seed.project_ref().to_string());
    let id =
        c.st.add_branch(&project, &env, &name)
            .ok_or_else(|| error(404, "No such project/env"))?;
    ok(json!({"id": id, "branch": name, "env": env, "project": project}))
}

/// `PUT /__emulator/packets/{path}`: the "presigned" upload target.
pub fn put_packet(c: &mut Ctx) -> R {
    let path = c.param(0).to_string();
    let content_type = c
        .req
        .header("content-type")
        .unwrap_or("application/octet-stream")
        .to_string();
    c.st.packets.insert(
        path,
        Packet {
            content_type,
            data: c.req.body.clone(),
        },
    );
    ok(json!({"ok": true}))
}

/// `GET /__emulator/packets/{path}`: the stored bytes with their content type.
pub fn get_packet(c: &mut Ctx) -> R {
    let p =
        c.st.packets
            .get(c.param(0))
            .ok_or_else(|| error(404, "Packet not found"))?;
    Ok(HttpResponse::new(200, &p.content_type, p.data.clone()))
}

/// `POST /__emulator/panic`: panics while holding the state lock, to prove a handler panic
/// becomes a 500 and the emulator keeps serving.
pub fn panic(_c: &mut Ctx) -> R {
    panic!("deliberate panic requested through /__emulator/panic");
}
