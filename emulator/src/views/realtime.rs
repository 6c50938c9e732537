//! Runs as the realtime feeds show them: `TaskRun` rows with every value encoded as the
//! shape protocol sends it (`docs/wire.md#realtime-rows`), the column schema, and the messages.

use serde_json::{json, Map, Value};

use crate::model::realtime::{internal_id, Feed, Realtime, Row, Shape};
use crate::model::runs::Run;
use crate::util::iso;

/// The feed columns in order, with their `electric-schema` types.
const COLUMNS: &[(&str, &str)] = &[
    ("id", "text"),
    ("taskIdentifier", "text"),
    ("friendlyId", "text"),
    ("status", "text"),
    ("ttl", "text"),
    ("payload", "text"),
    ("payloadType", "text"),
    ("metadata", "text"),
    ("metadataType", "text"),
    ("output", "text"),
    ("outputType", "text"),
    ("createdAt", "timestamp"),
    ("updatedAt", "timestamp"),
    ("startedAt", "timestamp"),
    ("delayUntil", "timestamp"),
    ("queuedAt", "timestamp"),
    ("expiredAt", "timestamp"),
    ("completedAt", "timestamp"),
    ("number", "int4"),
    ("usageDurationMs", "int4"),
    ("costInCents", "float8"),
    ("baseCostInCents", "float8"),
    ("isTest", "bool"),
    ("runTags", "text[]"),
    ("realtimeStreams", "text[]"),
    ("error", "jsonb"),
];

/// Columns `skipColumns` cannot remove.
const KEPT: &[&str] = &["id", "taskIdentifier", "friendlyId", "status", "createdAt"];

/// The columns of `skipColumns=a,b` that may be skipped.
pub fn skippable(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty() && !KEPT.contains(c))
        .map(String::from)
        .collect()
}

/// The `electric-schema` header value without the skipped columns.
pub fn schema(skip: &[String]) -> String {
    let mut m = Map::new();
    for (name, ty) in COLUMNS {
        if skip.iter().any(|s| s == name) {
            continue;
        }
        let v = match ty.strip_suffix("[]") {
            Some(t) => json!({"type": t, "dims": 1}),
            None => json!({ "type": ty }),
        };
        m.insert((*name).to_string(), v);
    }
    Value::Object(m).to_string()
}

/// The row key: `"public"."TaskRun"/"<internal id>"`.
pub fn row_key(run_id: &str) -> String {
    format!("\"public\".\"TaskRun\"/\"{}\"", internal_id(run_id))
}

/// The engine status behind an API status (the feeds carry the engine's).
fn engine_status(status: &str) -> &str {
    match status {
        "QUEUED" => "PENDING",
        "WAITING" => "WAITING_TO_RESUME",
        "COMPLETED" => "COMPLETED_SUCCESSFULLY",
        "FAILED" => "COMPLETED_WITH_ERRORS",
        other => other,
    }
}

/// A timestamp as the native backend sends it: UTC without a zone suffix.
fn timestamp(ms: i64) -> Value {
    json!(iso(ms).trim_end_matches('Z'))
}

/// A Postgres text array literal (`{"a","b"}`).
fn pg_array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// The stored error as a `TaskRunError`: with a `name`, a built-in error; else a string error.
fn task_run_error(e: &Value) -> Value {
    let text = |k: &str| e.get(k).and_then(Value::as_str);
    let message = text("message")
        .map(String::from)
        .unwrap_or_else(|| e.to_string());
    let v = match text("name") {
        Some(name) => json!({"type": "BUILT_IN_ERROR", "name": name, "message": message,
            "stackTrace": text("stackTrace").unwrap_or("")}),
        None => json!({"type": "STRING_ERROR", "raw": message}),
    };
    json!(v.to_string())
}

/// A run as a feed row (every column; `skip` removes some). `streams` are the run's stream keys.
pub fn run_row(r: &Run, streams: &[String], skip: &[String]) -> Row {
    let text = |v: Option<&str>| v.map_or(Value::Null, |s| json!(s));
    let data = |v: &Option<Value>| match v {
        None => Value::Null,
        Some(Value::String(s)) => json!(s),
        Some(other) => json!(other.to_string()),
    };
    let duration = match (r.started_ms, r.finished_ms) {
        (Some(s), Some(f)) => (f - s).max(0),
        _ => 0,
    };
    // A finished run always has `completedAt` (a canceled run that never started too).
    let completed = r
        .finished_ms
        .or_else(|| r.is_final().then_some(r.updated_ms));
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !skip.iter().any(|s| s == k) {
            m.insert(k.to_string(), v);
        }
    };
    put("id", json!(internal_id(&r.id)));
    put("taskIdentifier", json!(r.task));
    put("friendlyId", json!(r.id));
    put("status", json!(engine_status(&r.status)));
    put("ttl", text(r.opts.ttl.as_deref()));
    put("payload", data(&r.payload));
    put(
        "payloadType",
        text(r.payload.as_ref().map(|_| r.payload_type.as_str())),
    );
    let json_text = |v: &Option<Value>| v.as_ref().map_or(Value::Null, |v| json!(v.to_string()));
    put("metadata", json_text(&r.metadata));
    put(
        "metadataType",
        text(r.metadata.as_ref().map(|_| "application/json")),
    );
    put("output", json_text(&r.output));
    put(
        "outputType",
        text(r.output.as_ref().map(|_| "application/json")),
    );
    put("createdAt", timestamp(r.created_ms));
    put("updatedAt", timestamp(r.updated_ms));
    let at = |t: Option<i64>| t.map_or(Value::Null, timestamp);
    put("startedAt", at(r.started_ms));
    put("delayUntil", at(r.delayed_until_ms));
    put("queuedAt", at(r.queued_ms));
    put("expiredAt", at(r.expired_ms));
    put("completedAt", at(completed));
    put("number", json!(r.seq.to_string()));
    put("usageDurationMs", json!(duration.to_string()));
    put("costInCents", json!("0"));
    put("baseCostInCents", json!("0"));
    put("isTest", json!(if r.opts.is_test { "t" } else { "f" }));
    put(
        "runTags",
        if r.tags.is_empty() {
            Value::Null
        } else {
            json!(pg_array(&r.tags))
        },
    );
    put("realtimeStreams", json!(pg_array(streams)));
    put(
        "error",
        r.error.as_ref().map_or(Value::Null, task_run_error),
    );
    m
}

/// A change message; `old_api` rewrites `DEQUEUED` to `EXECUTING` as the server does for
/// clients of another API version.
pub fn change(key: &str, row: &Row, insert: bool, old_api: bool) -> Value {
    let mut value = row.clone();
    if old_api && value.get("status").and_then(Value::as_str) == Some("DEQUEUED") {
        value.insert("status".into(), json!("EXECUTING"));
    }
    json!({
        "key": key,
        "value": value,
        "headers": {"operation": if insert { "insert" } else { "update" }},
    })
}

/// A control message (`up-to-date`, `must-refetch`).
pub fn control(name: &str) -> Value {
    json!({"headers": {"control": name}})
}

/// The realtime part of the admin API (`GET /__emulator/realtime`): the hold, held requests,
/// each shape, run stream keys and input stream sends.
pub fn realtime_dump(rt: &Realtime, hold_ms: u128) -> Value {
    let mut shapes: Vec<&Shape> = rt.shapes.values().collect();
    shapes.sort_by(|a, b| a.handle.cmp(&b.handle));
    let shapes: Vec<Value> = shapes
        .iter()
        .map(|s| {
            let feed = match &s.feed {
                Feed::Run(id) => json!({"run": id}),
                Feed::Tags { tags, since_ms } => {
                    json!({"tags": tags, "createdAfter": iso(*since_ms)})
                }
                Feed::Batch(id) => json!({"batch": id}),
            };
            json!({
                "handle": s.handle,
                "envId": s.env_id,
                "feed": feed,
                "skipColumns": s.skip,
                "offset": s.offset(),
                "rows": s.changes(None).len(),
                "replacedBy": s.replaced_by,
                "mustRefetch": s.must_refetch,
            })
        })
        .collect();
    let inputs: Vec<Value> = rt
        .inputs
        .iter()
        .map(|i| {
            json!({"envId": i.env_id, "runId": i.run_id, "streamId": i.stream,
                "data": i.data, "at": iso(i.at_ms)})
        })
        .collect();
    json!({
        "holdMs": hold_ms as u64,
        "held": rt.held,
        "shapes": shapes,
        "streams": rt.streams,
        "inputs": inputs,
    })
}
