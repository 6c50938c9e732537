//! The whole world at once: the state dump, the seed, the request log, reset, branch envs,
//! the packet store, and a deliberate panic.

use serde_json::{json, Value};

use crate::auth::error;
use crate::http::HttpResponse;
use crate::hub::Shared;
use crate::route::{ok, Ctx, R};
use crate::state::Packet;

/// `GET /__emulator/state`
pub fn dump(c: &mut Ctx) -> R {
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
