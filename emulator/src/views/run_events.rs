//! A run's lifecycle as OTel-style spans (the run span plus one span per attempt), derived
//! from its state: `GET /api/v1/runs/{id}/events` and `GET /api/v1/runs/{id}/trace`.

use serde_json::{json, Map, Value};

use super::put;
use crate::model::runs::Run;
use crate::util::{hashed_hex, iso};

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

/// `GET /api/v1/runs/{id}/spans/{spanId}`: one span of the run's lifecycle, if it has that id.
pub fn run_span(r: &Run, span_id: &str) -> Option<Value> {
    let s = spans(r).into_iter().find(|s| s.id == span_id)?;
    Some(json!({
        "spanId": s.id,
        "parentId": s.parent,
        "runId": r.id,
        "message": s.message,
        "isError": s.is_error,
        "isPartial": s.is_partial,
        "isCancelled": s.is_cancelled,
        "level": "TRACE",
        "startTime": iso(s.start_ms),
        "durationMs": s.duration_ns as f64 / 1e6,
        "properties": {},
        "events": s.events,
        "entityType": if s.attempt.is_some() { "attempt" } else { "span" },
    }))
}
