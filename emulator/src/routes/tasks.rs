//! Triggering tasks, packet upload URLs, JWT claims and idempotency-key reset.

use serde_json::{json, Value};

use crate::auth::error;
use crate::http::{HttpRequest, HttpResponse};
use crate::model::run_options::{parse_debounce, parse_options, payload_type};
use crate::model::runs::NewRun;
use crate::route::{bad_request, ok, Ctx, R};
use crate::util::percent_encode;

/// `x-trigger-realtime-streams-version`: `v2` selects the v2 realtime streams, anything else
/// (or no header) the legacy `v1`, as the server decides it for triggers and batches.
pub fn streams_version(req: &HttpRequest) -> String {
    match req
        .header("x-trigger-realtime-streams-version")
        .map(str::trim)
    {
        Some("v2") => "v2",
        _ => "v1",
    }
    .to_string()
}

/// `POST /api/v1/tasks/{taskId}/trigger`
pub fn trigger(c: &mut Ctx) -> R {
    let task = c.param(0).to_string();
    c.require(&[("trigger", "tasks", Some(&task))])?;
    let body = c.body_object()?;
    if let Some(cached) = c.cached_response() {
        return Ok(cached);
    }
    if c.options.unknown_tasks.contains(&task) {
        return Err(error(404, "Task not found"));
    }
    let mut opts = parse_options(
        body.get("options"),
        c.req.header("idempotency-key"),
        c.req.header("idempotency-key-ttl"),
        c.now,
    )
    .map_err(bad_request)?;
    let ptype = payload_type(body.get("options"));
    let payload = body.get("payload").filter(|p| !p.is_null()).cloned();
    let env_id = c.env_id();
    if let Some(token) = c.who.one_time_token() {
        if c.st.spent_tokens.contains(token) {
            return Err(error(
                422,
                &format!(
                    "Cannot trigger {task} with a one-time use token as it has already been used."
                ),
            ));
        }
    }
    let debounce = parse_debounce(body.get("options"), c.now).map_err(bad_request)?;
    let existing = opts.idempotency_key.as_ref().and_then(|k| {
        c.st.idempotent_run(&env_id, &task, k, c.now)
            .map(|r| r.id.clone())
    });
    let debounced = match (&existing, &debounce) {
        (None, Some(d)) => c.st.debounce_run(&env_id, &task, d, &payload, &opts, c.now),
        _ => None,
    };
    let (id, cached) = match (existing, debounced) {
        (Some(id), _) => (id, true),
        // A debounced trigger answers with the waiting run, not as a cached one.
        (None, Some(id)) => (id, false),
        (None, None) => {
            if let Some(d) = &debounce {
                // The first trigger of a debounce key: a run delayed by the debounce delay.
                opts.delay_until_ms = Some(opts.delay_until_ms.unwrap_or(0).max(d.until_ms));
                opts.debounce = Some(d.clone());
            }
            let id = c.st.create_run(NewRun {
                env_id: &env_id,
                task: &task,
                payload,
                payload_type: ptype,
                opts,
                trigger_function: "trigger",
                batch_id: None,
            });
            (id, false)
        }
    };
    if let Some(token) = c.who.one_time_token() {
        let token = token.to_string();
        c.st.spent_tokens.insert(token);
    }
    if !cached {
        let version = streams_version(c.req);
        if let Some(r) = c.st.run_mut(&id) {
            r.realtime_streams_version = version;
        }
    }
    let resp = HttpResponse::json(200, &json!({"id": id, "isCached": cached}));
    let scopes = vec![
        format!("read:runs:{id}"),
        format!("write:inputStreams:{id}"),
    ];
    let resp = c.with_jwt(resp, &env_id, &scopes);
    c.remember(&resp);
    Ok(resp)
}

fn packet_url(c: &Ctx, filename: &str) -> String {
    format!(
        "{}/__emulator/packets/{}",
        c.base_url,
        percent_encode(filename)
    )
}

/// `PUT /api/v2/packets/{filename}`: where to upload an offloaded payload.
pub fn packet_upload(c: &mut Ctx) -> R {
    let filename = c.param(0).to_string();
    ok(json!({"presignedUrl": packet_url(c, &filename), "storagePath": filename}))
}

/// `GET /api/v1/packets/{filename}`: where to download a packet.
pub fn packet_download(c: &mut Ctx) -> R {
    let filename = c.param(0).to_string();
    ok(json!({"presignedUrl": packet_url(c, &filename)}))
}

/// `POST /api/v1/auth/jwt/claims`
pub fn jwt_claims(c: &mut Ctx) -> R {
    ok(json!({"sub": c.env_id(), "pub": true}))
}

/// `POST /api/v1/idempotencyKeys/{key}/reset` body `{"taskIdentifier"}`.
pub fn reset_idempotency_key(c: &mut Ctx) -> R {
    let key = c.param(0).to_string();
    let body = c.body_object()?;
    let task = body
        .get("taskIdentifier")
        .and_then(Value::as_str)
        .ok_or_else(|| error(400, "taskIdentifier is required"))?
        .to_string();
    c.require(&[
        ("write", "tasks", Some(&task)),
        ("trigger", "tasks", Some(&task)),
    ])?;
    let env_id = c.env_id();
    let mut found = false;
    for r in c.st.runs.iter_mut() {
        if r.env_id == env_id && r.task == task && r.idempotency_key.as_deref() == Some(&key) {
            r.idempotency_key = None;
            r.idempotency_expires_ms = None;
            found = true;
        }
    }
    if !found {
        return Err(error(
            404,
            &format!("No runs found with idempotency key: {key} and task: {task}"),
        ));
    }
    ok(json!({"id": key}))
}
