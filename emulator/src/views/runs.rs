//! Runs as the API shows them: list items, the retrieve shape, and the state-dump form.

use serde_json::{json, Map, Value};

use super::put;
use crate::cron::describe;
use crate::model::runs::Run;
use crate::state::State;
use crate::util::{iso, percent_encode};

/// The user name the server shows for a dev environment (its member's name).
pub const DEV_USER_NAME: &str = "Local Developer";

/// Fields shared by list items and retrieve responses (`CommonRunObject`).
pub fn run_common(r: &Run, now: i64) -> Map<String, Value> {
    let s = r.status.as_str();
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("status".into(), json!(s));
    m.insert("taskIdentifier".into(), json!(r.task));
    put(
        &mut m,
        "idempotencyKey",
        r.idempotency_key.as_ref().map(|k| json!(k)),
    );
    put(&mut m, "version", r.opts.version.as_ref().map(|v| json!(v)));
    m.insert(
        "isQueued".into(),
        json!(matches!(
            s,
            "QUEUED" | "PENDING_VERSION" | "DELAYED" | "DEQUEUED"
        )),
    );
    m.insert("isExecuting".into(), json!(s == "EXECUTING"));
    m.insert("isWaiting".into(), json!(s == "WAITING"));
    m.insert("isCompleted".into(), json!(r.is_final()));
    m.insert("isSuccess".into(), json!(s == "COMPLETED"));
    // The server counts a canceled run as failed too.
    m.insert(
        "isFailed".into(),
        json!(matches!(
            s,
            "FAILED" | "CRASHED" | "SYSTEM_FAILURE" | "EXPIRED" | "TIMED_OUT" | "CANCELED"
        )),
    );
    m.insert("isCancelled".into(), json!(s == "CANCELED"));
    m.insert("isTest".into(), json!(r.opts.is_test));
    m.insert("createdAt".into(), json!(iso(r.created_ms)));
    m.insert("updatedAt".into(), json!(iso(r.updated_ms)));
    put(&mut m, "startedAt", r.started_ms.map(|t| json!(iso(t))));
    put(&mut m, "finishedAt", r.finished_ms.map(|t| json!(iso(t))));
    put(
        &mut m,
        "delayedUntil",
        r.delayed_until_ms.map(|t| json!(iso(t))),
    );
    put(&mut m, "ttl", r.opts.ttl.as_ref().map(|t| json!(t)));
    put(&mut m, "expiredAt", r.expired_ms.map(|t| json!(iso(t))));
    m.insert("tags".into(), json!(r.tags));
    m.insert("costInCents".into(), json!(0));
    m.insert("baseCostInCents".into(), json!(0));
    let duration = r
        .started_ms
        .map(|s| r.finished_ms.unwrap_or(now) - s)
        .unwrap_or(0)
        .max(0);
    m.insert("durationMs".into(), json!(duration));
    put(&mut m, "metadata", r.metadata.clone());
    m.insert("region".into(), json!(r.region()));
    m
}

/// `ListRunResponseItem`.
pub fn run_list_item(st: &State, r: &Run, now: i64) -> Value {
    let mut m = run_common(r, now);
    let env = st.env(&r.env_id);
    let mut e = Map::new();
    e.insert("id".into(), json!(r.env_id));
    e.insert("name".into(), json!(env.map(|e| e.name()).unwrap_or("")));
    if env.is_some_and(|e| e.env_type == "DEVELOPMENT") {
        e.insert("user".into(), json!(DEV_USER_NAME));
    }
    m.insert("env".into(), Value::Object(e));
    m.insert("depth".into(), json!(0));
    m.insert("taskKind".into(), json!(st.task_kind(&r.task)));
    Value::Object(m)
}

/// Decodes a stored payload string the way the server does before returning it.
pub fn decode_packet(data: &Value, data_type: &str) -> Value {
    let Some(text) = data.as_str() else {
        return data.clone();
    };
    match data_type {
        "application/json" => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
        "application/super+json" => serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.get("json").cloned())
            .unwrap_or(Value::Null),
        _ => json!(text),
    }
}

/// `RetrieveRunResponse`.
pub fn run_retrieve(st: &State, r: &Run, now: i64, base_url: &str) -> Value {
    let mut m = run_common(r, now);
    m.insert("depth".into(), json!(0));
    m.insert("triggerFunction".into(), json!(r.trigger_function));
    put(&mut m, "batchId", r.batch_id.as_ref().map(|b| json!(b)));
    if let Some(p) = &r.payload {
        if r.payload_type == "application/store" {
            let path = p.as_str().unwrap_or_default();
            m.insert(
                "payloadPresignedUrl".into(),
                json!(format!(
                    "{base_url}/__emulator/packets/{}",
                    percent_encode(path)
                )),
            );
        } else {
            m.insert("payload".into(), decode_packet(p, &r.payload_type));
        }
    }
    put(&mut m, "output", r.output.clone());
    put(&mut m, "error", r.error.clone());
    if let Some(sid) = &r.schedule_id {
        if let Some(s) = st.schedules.iter().find(|s| &s.id == sid) {
            m.insert(
                "schedule".into(),
                json!({
                    "id": s.id,
                    "externalId": s.external_id,
                    "deduplicationKey": s.deduplication_key,
                    "generator": {"type": "CRON", "expression": s.cron, "description": describe(&s.cron)},
                }),
            );
        }
    }
    m.insert("relatedRuns".into(), json!({"children": []}));
    m.insert("attemptCount".into(), json!(r.attempt_count));
    m.insert("attempts".into(), json!([]));
    Value::Object(m)
}

/// The state-dump form of a run: the retrieve shape plus where it lives.
pub fn run_dump(st: &State, r: &Run, now: i64, base_url: &str) -> Value {
    let mut v = run_retrieve(st, r, now, base_url);
    if let Some(m) = v.as_object_mut() {
        m.insert("envId".into(), json!(r.env_id));
        m.insert("payloadType".into(), json!(r.payload_type));
        m.insert(
            "rawPayload".into(),
            r.payload.clone().unwrap_or(Value::Null),
        );
        m.insert("options".into(), r.opts.raw.clone());
        m.insert("queue".into(), json!(r.queue_name()));
        let o = &r.opts;
        put(m, "machine", o.machine.as_ref().map(|v| json!(v)));
        put(
            m,
            "concurrencyKey",
            o.concurrency_key.as_ref().map(|v| json!(v)),
        );
        put(m, "maxAttempts", o.max_attempts.map(|v| json!(v)));
        put(m, "priority", o.priority.map(|v| json!(v)));
        put(m, "maxDuration", o.max_duration.map(|v| json!(v)));
        put(m, "region", o.region.as_ref().map(|v| json!(v)));
        if let Some(src) = &r.replayed_from {
            m.insert("replayedFrom".into(), json!(src));
        }
        m.insert(
            "realtimeStreamsVersion".into(),
            json!(r.realtime_streams_version),
        );
        m.insert("bulkActionIds".into(), json!(r.bulk_action_ids));
    }
    v
}
