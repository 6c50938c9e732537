//! The whole world at once: the state dump, the seed, the request log, reset, branch envs,
//! the packet store, and a deliberate panic.

use serde_json::{json, Map, Value};

use crate::auth::error;
use crate::faults::FaultRule;
use crate::http::HttpResponse;
use crate::hub::Shared;
use crate::model::runs::Packet;
use crate::route::{ok, Ctx, R};
use crate::state::State;
use crate::util::iso;
use crate::views::batches::batch_json;
use crate::views::bulk::bulk_action_json;
use crate::views::deployments::deployment_json;
use crate::views::envvars::envvars_dump;
use crate::views::queues::queue_json;
use crate::views::runs::run_dump;
use crate::views::schedules::{schedule_json, ScheduleEnvs};
use crate::views::sessions::sessions_dump;
use crate::views::waitpoints::waitpoint_json;

/// `GET /__emulator/state`
pub fn dump(c: &mut Ctx) -> R {
    ok(state_dump(c.st, &c.faults.rules, c.log.count, c.base_url))
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

/// Everything, for `GET /__emulator/state` and `Emulator::state`.
/// (`faults` and `request_count` come from beside the state.)
pub fn state_dump(st: &State, faults: &[FaultRule], request_count: u64, base_url: &str) -> Value {
    let now = st.now_ms();
    let runs: Vec<Value> = st
        .runs
        .iter()
        .map(|r| run_dump(st, r, now, base_url))
        .collect();
    let batches: Vec<Value> = st
        .batches
        .iter()
        .map(|b| {
            let mut v = batch_json(st, b);
            v["envId"] = json!(b.env_id);
            v["taskIdentifiers"] = json!(b.task_identifiers);
            v
        })
        .collect();
    let schedules: Vec<Value> = st
        .schedules
        .iter()
        .map(|s| schedule_json(st, s, now, ScheduleEnvs::Listed))
        .collect();
    let envvars: Map<String, Value> = st
        .envvars
        .iter()
        .map(|(env, vars)| (env.clone(), envvars_dump(vars)))
        .collect();
    let envs: Vec<Value> = st
        .envs
        .iter()
        .map(|e| {
            json!({
                "id": e.id, "projectRef": e.project_ref, "slug": e.slug, "type": e.env_type,
                "parent": e.parent, "branch": e.branch,
            })
        })
        .collect();
    let mut packets: Vec<&String> = st.packets.keys().collect();
    packets.sort();
    let resources = resources_dump(st, base_url);
    let mut dump = json!({
        "now": iso(now),
        "nowMs": now,
        "offsetMs": st.offset_ms,
        "envs": envs,
        "runs": runs,
        "batches": batches,
        "schedules": schedules,
        "envvars": envvars,
        "packets": packets,
        "sessions": sessions_dump(st),
        "requestCount": request_count,
        "faults": faults,
    });
    if let (Some(d), Value::Object(extra)) = (dump.as_object_mut(), resources) {
        d.extend(extra);
    }
    dump
}

/// Queues, deployments, waitpoint tokens and bulk actions, for the state dump.
fn resources_dump(st: &State, base_url: &str) -> Value {
    let queues: Vec<Value> = st
        .queues
        .list
        .iter()
        .map(|q| {
            let mut o = queue_json(st, q);
            o["envId"] = json!(q.env_id);
            o["queueName"] = json!(q.name);
            o
        })
        .collect();
    let deployments: Vec<Value> = st
        .deployments
        .list
        .iter()
        .map(|d| {
            let mut o = deployment_json(d);
            o["envId"] = json!(d.env_id);
            o["isCurrent"] = json!(st.deployments.is_current(d));
            o
        })
        .collect();
    let waitpoints: Vec<Value> = st
        .waitpoints
        .list
        .iter()
        .map(|w| {
            let mut o = waitpoint_json(st, w, base_url, true);
            o["envId"] = json!(w.env_id);
            o
        })
        .collect();
    let bulk: Vec<Value> = st
        .bulk_actions
        .list
        .iter()
        .map(|b| {
            let mut o = bulk_action_json(b);
            o["envId"] = json!(b.env_id);
            o["runIds"] = json!(b.run_ids);
            o["newRunIds"] = json!(b.new_run_ids);
            o["targetRegion"] = json!(b.target_region);
            o
        })
        .collect();
    json!({
        "queues": queues,
        "deployments": deployments,
        "waitpoints": waitpoints,
        "bulkActions": bulk,
        "bulkActionsDeferred": st.bulk_actions.defer,
    })
}
