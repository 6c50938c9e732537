//! JSON shapes of queues, deployments, waitpoint tokens, bulk actions, and run events/traces.

use ring::hmac;
use serde_json::{json, Map, Value};

use crate::model::bulk::BulkAction;
use crate::model::deployments::Deployment;
use crate::model::queues::{Queue, QueueKind};
use crate::model::runs::Run;
use crate::model::waitpoints::Waitpoint;
use crate::state::State;
use crate::util::{hashed, hashed_hex, iso};

fn put(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v);
    }
}

/// `QueueObject` (the server's `toQueueItem`), with live counts from the runs.
pub fn queue_json(st: &State, q: &Queue) -> Value {
    let (queued, running) = st.queue_counts(q);
    let overridden = q.overridden_ms.is_some();
    json!({
        "id": q.id,
        "name": q.display_name(),
        "type": match q.kind { QueueKind::Task => "task", QueueKind::Custom => "custom" },
        "running": running,
        "queued": queued,
        "paused": q.paused,
        "concurrencyLimit": q.concurrency_limit,
        "concurrency": {
            "current": q.concurrency_limit,
            "base": q.concurrency_base,
            "override": if overridden { json!(q.concurrency_limit) } else { Value::Null },
            "overriddenBy": null,
            "overriddenAt": q.overridden_ms.map(iso),
        },
        "releaseConcurrencyOnWaitpoint": true,
        "concurrencyLimitOverridePercent": q.override_percent,
    })
}

/// The list / current shape (`ApiDeploymentListResponseItem`). As on the server, `deployedAt`
/// and `git` are null when unknown; `error` is only there for failed deployments.
pub fn deployment_json(d: &Deployment) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(d.id));
    m.insert("createdAt".into(), json!(iso(d.created_ms)));
    m.insert("shortCode".into(), json!(d.short_code));
    m.insert("version".into(), json!(d.version));
    m.insert("runtime".into(), json!(d.runtime));
    m.insert("runtimeVersion".into(), json!(d.runtime_version));
    m.insert("status".into(), json!(d.status));
    m.insert("deployedAt".into(), json!(d.deployed_ms.map(iso)));
    m.insert("git".into(), d.git.clone().unwrap_or(Value::Null));
    put(&mut m, "error", d.error.clone());
    Value::Object(m)
}

/// `GET /api/v1/deployments/{id}` shape.
pub fn deployment_detail_json(d: &Deployment) -> Value {
    let mut v = json!({
        "id": d.id,
        "status": d.status,
        "contentHash": d.content_hash,
        "shortCode": d.short_code,
        "version": d.version,
        // Only a built deployment (one with a worker) has an image.
        "imageReference": d.worker_id.as_ref().map(|_| format!("registry.emulator.local/{}:{}", d.env_id, d.version)),
        "imagePlatform": "linux/amd64",
        "commitSHA": d.git.as_ref().and_then(|g| g.get("commitSha")).cloned().unwrap_or(Value::Null),
        "externalBuildData": null,
        "errorData": d.error,
        "canceledReason": null,
    });
    if let Some(w) = &d.worker_id {
        v["worker"] = json!({
            "id": w,
            "version": d.version,
            "tasks": d.tasks.iter().map(|t| json!({
                "id": format!("task_{}", hashed_hex(&[&d.id, t], 20)),
                "slug": t,
                "filePath": format!("src/trigger/{t}.ts"),
                "exportName": t,
            })).collect::<Vec<_>>(),
        });
    }
    v
}

/// `GET /api/v1/deployments/latest` shape.
pub fn deployment_latest_json(d: &Deployment) -> Value {
    let full = deployment_detail_json(d);
    let mut m = Map::new();
    for k in [
        "id",
        "status",
        "contentHash",
        "shortCode",
        "version",
        "imageReference",
        "errorData",
    ] {
        m.insert(k.into(), full[k].clone());
    }
    Value::Object(m)
}

/// The hash in a token's callback URL: HMAC-SHA256 of the token id with the env's root key.
pub fn callback_hash(st: &State, w: &Waitpoint) -> String {
    let secret = st
        .env(&w.env_id)
        .map(|e| e.signing_key.clone())
        .unwrap_or_default();
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::sign(&key, w.id.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn callback_url(st: &State, w: &Waitpoint, base_url: &str) -> String {
    format!(
        "{base_url}/api/v1/waitpoints/tokens/{}/callback/{}",
        w.id,
        callback_hash(st, w)
    )
}

/// A token: the list shape, or with `full` the retrieve shape (adds `output*` and `type`).
/// Absent dates are left out (the client coerces present ones to dates).
pub fn waitpoint_json(st: &State, w: &Waitpoint, base_url: &str, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(w.id));
    m.insert("url".into(), json!(callback_url(st, w, base_url)));
    m.insert("status".into(), json!(w.status()));
    put(&mut m, "completedAt", w.completed_ms.map(|t| json!(iso(t))));
    put(&mut m, "timeoutAt", w.timeout_ms.map(|t| json!(iso(t))));
    put(
        &mut m,
        "completedAfter",
        w.timeout_ms.map(|t| json!(iso(t))),
    );
    put(
        &mut m,
        "idempotencyKey",
        w.idempotency_key
            .as_ref()
            .or(w.inactive_key.as_ref())
            .map(|k| json!(k)),
    );
    put(
        &mut m,
        "idempotencyKeyExpiresAt",
        w.idempotency_expires_ms.map(|t| json!(iso(t))),
    );
    let mut tags = w.tags.clone();
    if !full {
        tags.sort();
    }
    m.insert("tags".into(), json!(tags));
    m.insert("createdAt".into(), json!(iso(w.created_ms)));
    if full {
        // A token created without a key has one the server generated; only retrieve shows it.
        if !m.contains_key("idempotencyKey") {
            m.insert(
                "idempotencyKey".into(),
                json!(hashed(&["waitpoint-key", &w.id], 24)),
            );
        }
        m.insert("type".into(), json!("MANUAL"));
        m.insert(
            "userProvidedIdempotencyKey".into(),
            json!(w.idempotency_key.is_some() || w.inactive_key.is_some()),
        );
        put(
            &mut m,
            "inactiveIdempotencyKey",
            w.inactive_key.as_ref().map(|k| json!(k)),
        );
        put(&mut m, "output", w.output.as_ref().map(|o| json!(o)));
        m.insert("outputType".into(), json!(w.output_type));
        m.insert("outputIsError".into(), json!(w.output_is_error));
    }
    Value::Object(m)
}

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

/// The run's OTel trace id (32 hex), derived from its id.
pub fn trace_id(r: &Run) -> String {
    hashed_hex(&["trace", &r.id], 32)
}

fn span_id(r: &Run, what: &str) -> String {
    hashed_hex(&["span", &r.id, what], 16)
}

const FAILED: &[&str] = &[
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "TIMED_OUT",
    "EXPIRED",
];

/// One span of the run's lifecycle: the run itself, or one of its attempts.
struct Span {
    id: String,
    parent: Option<String>,
    message: String,
    start_ms: i64,
    /// Nanoseconds; 0 while partial.
    duration_ns: i64,
    is_error: bool,
    is_partial: bool,
    is_cancelled: bool,
    kind: &'static str,
    attempt: Option<u32>,
    events: Vec<Value>,
    icon: &'static str,
}

fn spans(r: &Run) -> Vec<Span> {
    let finished = r.is_final();
    // A run canceled before it started has no `finishedAt`; its span ends at the cancel.
    let end = r.finished_ms.or(finished.then_some(r.updated_ms));
    let ns = |from: i64| end.map(|e| (e - from).max(0) * 1_000_000).unwrap_or(0);
    let is_error = FAILED.contains(&r.status.as_str());
    let cancelled = r.status == "CANCELED";
    let mut end_events = Vec::new();
    if let (true, Some(t)) = (is_error, end) {
        let e = r.error.clone().unwrap_or_else(|| json!({}));
        end_events.push(json!({
            "name": "exception",
            "time": iso(t),
            "properties": {"exception": {
                "type": e.get("name").cloned().unwrap_or(json!("Error")),
                "message": e.get("message").cloned()
                    .unwrap_or_else(|| json!(format!("Run ended with status {}", r.status))),
                "stacktrace": e.get("stackTrace").cloned().unwrap_or(json!("")),
            }},
        }));
    }
    if let (true, Some(t)) = (cancelled, end) {
        end_events.push(json!({
            "name": "cancellation",
            "time": iso(t),
            "properties": {"reason": "Canceled by user"},
        }));
    }
    let root = span_id(r, "run");
    let mut out = vec![Span {
        id: root.clone(),
        parent: None,
        message: r.task.clone(),
        start_ms: r.created_ms,
        duration_ns: ns(r.created_ms),
        is_error,
        is_partial: !finished,
        is_cancelled: cancelled,
        kind: "SERVER",
        attempt: None,
        events: end_events.clone(),
        icon: "task",
    }];
    let start = r.started_ms.unwrap_or(r.created_ms);
    for n in 1..=r.attempt_count {
        let last = n == r.attempt_count;
        out.push(Span {
            id: span_id(r, &format!("attempt-{n}")),
            parent: Some(root.clone()),
            message: format!("Attempt {n}"),
            start_ms: start,
            duration_ns: if last { ns(start) } else { 0 },
            is_error: last && is_error,
            is_partial: last && !finished,
            is_cancelled: last && cancelled,
            kind: "INTERNAL",
            attempt: Some(n),
            events: if last { end_events.clone() } else { Vec::new() },
            icon: "attempt",
        });
    }
    out
}

fn variant(s: &Span) -> &'static str {
    if s.is_error {
        "failure"
    } else if s.is_cancelled {
        "cancelled"
    } else if s.is_partial {
        "primary"
    } else {
        "success"
    }
}

/// `GET /api/v1/runs/{id}/events`: the run span and one span per attempt (durations in ns).
pub fn run_events(r: &Run, env_type: &str) -> Value {
    let events: Vec<Value> = spans(r)
        .iter()
        .map(|s| {
            json!({
                "spanId": s.id,
                "parentId": s.parent,
                "runId": r.id,
                "idempotencyKey": r.idempotency_key,
                "message": s.message,
                "style": {"icon": s.icon, "variant": variant(s)},
                "startTime": (s.start_ms as i128 * 1_000_000).to_string(),
                "duration": s.duration_ns,
                "isError": s.is_error,
                "isPartial": s.is_partial,
                "isCancelled": s.is_cancelled,
                "level": "TRACE",
                "kind": s.kind,
                "attemptNumber": s.attempt,
                "environmentType": env_type,
                "taskSlug": r.task,
                "events": s.events,
            })
        })
        .collect();
    json!({ "events": events })
}

/// `GET /api/v1/runs/{id}/trace`: the run span with its attempts as children. Unlike the
/// events, a trace gives durations in milliseconds (a float), as the server does.
pub fn run_trace(r: &Run) -> Value {
    let all = spans(r);
    let node = |s: &Span, children: Vec<Value>| -> Value {
        let mut data = json!({
            "message": s.message,
            "taskSlug": r.task,
            "events": s.events,
            "startTime": iso(s.start_ms),
            "duration": s.duration_ns as f64 / 1e6,
            "isError": s.is_error,
            "isPartial": s.is_partial,
            "isCancelled": s.is_cancelled,
            "level": "TRACE",
            "queueName": r.queue_name(),
            "machinePreset": r.opts.machine.as_deref().unwrap_or("small-1x"),
            "properties": {},
        });
        if let Some(v) = &r.opts.version {
            data["workerVersion"] = json!(v);
        }
        if s.parent.is_none() && r.status == "COMPLETED" {
            data["output"] = r.output.clone().unwrap_or(Value::Null);
        }
        let mut m = Map::new();
        m.insert("id".into(), json!(s.id));
        put(&mut m, "parentId", s.parent.as_ref().map(|p| json!(p)));
        m.insert("runId".into(), json!(r.id));
        m.insert("data".into(), data);
        m.insert("children".into(), json!(children));
        Value::Object(m)
    };
    let children: Vec<Value> = all[1..].iter().map(|s| node(s, Vec::new())).collect();
    json!({"trace": {"traceId": trace_id(r), "rootSpan": node(&all[0], children)}})
}
