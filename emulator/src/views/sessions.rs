//! Sessions as the API shows them, their channels' records (SSE frames and drained), and the
//! sessions part of the state dump.

use serde_json::{json, Map, Value};

use crate::model::sessions::{Channel, ChannelKey, Record, Session};
use crate::state::State;
use crate::util::iso;

/// `SessionItem` (`triggerConfig` only on single-session answers, as the server does).
pub fn session_json(s: &Session, with_config: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("externalId".into(), json!(s.external_id));
    m.insert("type".into(), json!(s.kind));
    m.insert("taskIdentifier".into(), json!(s.task));
    if with_config {
        m.insert("triggerConfig".into(), s.trigger_config.clone());
    }
    m.insert("currentRunId".into(), json!(s.current_run_id));
    m.insert("tags".into(), json!(s.tags));
    m.insert("metadata".into(), s.metadata.clone().unwrap_or(Value::Null));
    m.insert("closedAt".into(), json!(s.closed_ms.map(iso)));
    m.insert("closedReason".into(), json!(s.closed_reason));
    m.insert("expiresAt".into(), json!(s.expires_ms.map(iso)));
    m.insert("createdAt".into(), json!(iso(s.created_ms)));
    m.insert("updatedAt".into(), json!(iso(s.updated_ms)));
    Value::Object(m)
}

fn headers_json(headers: &[(String, String)]) -> Value {
    Value::Array(headers.iter().map(|(k, v)| json!([k, v])).collect())
}

/// A record inside an SSE `batch` frame.
pub fn record_json(r: &Record) -> Value {
    let mut m = Map::new();
    m.insert("body".into(), json!(r.body));
    m.insert("seq_num".into(), json!(r.seq));
    m.insert("timestamp".into(), json!(r.timestamp));
    if !r.headers.is_empty() {
        m.insert("headers".into(), headers_json(&r.headers));
    }
    Value::Object(m)
}

/// A record in `GET …/records` (the body decoded; control records have empty data and id).
pub fn drained_record_json(r: &Record) -> Value {
    let parsed: Option<Value> = serde_json::from_str(&r.body).ok();
    let field = |k: &str, default: Value| {
        parsed
            .as_ref()
            .and_then(|p| p.get(k))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(default)
    };
    let mut m = Map::new();
    m.insert("data".into(), field("data", json!("")));
    m.insert("id".into(), field("id", json!("")));
    m.insert("seqNum".into(), json!(r.seq));
    if !r.headers.is_empty() {
        m.insert("headers".into(), headers_json(&r.headers));
    }
    Value::Object(m)
}

/// S2's tail: the next seq to be written and the last record's timestamp.
pub fn tail_json(ch: &Channel) -> Value {
    json!({"seq_num": ch.next_seq, "timestamp": ch.last_timestamp})
}

/// The `sessions` part of the state dump: each row with its status, runs and channels.
pub fn sessions_dump(st: &State) -> Value {
    let now = st.now_ms();
    let channels_of = |env: &str, key: &str| -> Vec<Value> {
        let mut v: Vec<(&ChannelKey, &Channel)> = st
            .sessions
            .channels
            .iter()
            .filter(|(k, _)| k.env_id == env && k.key == key)
            .collect();
        v.sort_by(|a, b| (&a.0.channel, a.0.io.as_str()).cmp(&(&b.0.channel, b.0.io.as_str())));
        v.into_iter()
            .map(|(k, c)| {
                let records: Vec<Value> = c
                    .records
                    .iter()
                    .map(|r| {
                        let mut j = record_json(r);
                        j["data"] = drained_record_json(r)["data"].clone();
                        j
                    })
                    .collect();
                json!({
                    "channel": k.channel,
                    "io": k.io.as_str(),
                    "stream": k.stream_name(),
                    "tail": tail_json(c),
                    "subscribers": c.subscribers,
                    "records": records,
                })
            })
            .collect()
    };
    let list: Vec<Value> = st
        .sessions
        .list
        .iter()
        .map(|s| {
            let mut v = session_json(s, true);
            v["envId"] = json!(s.env_id);
            v["status"] = json!(s.status(now));
            v["runIds"] = json!(s.run_ids);
            v["channels"] = json!(channels_of(&s.env_id, s.key()));
            v
        })
        .collect();
    Value::Array(list)
}
