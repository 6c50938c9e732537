//! Session test controls: write channel records as the task would, list sessions, end open SSE
//! windows, and the SSE options.

use serde_json::{json, Value};

use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::sessions::{
    data_record_body, random_part_id, valid_channel_name, ChannelKey, Io, NewRecord, SessionOptions,
};
use crate::route::{control_error, ok, Ctx, R};
use crate::rules::error::ControlError;
use crate::state::State;
use crate::views::sessions::sessions_dump;

fn header_pairs(v: Option<&Value>) -> Result<Vec<(String, String)>, ControlError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let bad = || ControlError::Invalid("headers must be an array of [name, value] pairs".into());
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(bad()),
        })
        .collect()
}

/// One admin record description → the record to append.
pub(crate) fn record(
    st: &State,
    env_id: &str,
    session_key: &str,
    v: &Value,
) -> Result<NewRecord, ControlError> {
    let o = v
        .as_object()
        .ok_or_else(|| ControlError::Invalid("a record must be an object".into()))?;
    let mut headers = header_pairs(o.get("headers"))?;
    if let Some(control) = o.get("control") {
        let control = control
            .as_str()
            .ok_or_else(|| ControlError::Invalid("control must be a string".into()))?;
        let mut h = vec![("trigger-control".to_string(), control.to_string())];
        match o.get("publicAccessToken") {
            Some(Value::Bool(true)) => {
                let scopes = vec![
                    format!("read:sessions:{session_key}"),
                    format!("write:sessions:{session_key}"),
                ];
                let claims = crate::jwt::public_claims(env_id, &scopes, st.now_ms() / 1000);
                let key = st
                    .env(env_id)
                    .map(|e| e.signing_key.clone())
                    .unwrap_or_default();
                h.push((
                    "public-access-token".into(),
                    crate::jwt::sign(&claims, &key),
                ));
            }
            Some(Value::String(t)) => h.push(("public-access-token".into(), t.clone())),
            _ => {}
        }
        if let Some(n) = o.get("sessionInEventId").filter(|v| !v.is_null()) {
            let n = n
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| n.to_string());
            h.push(("session-in-event-id".into(), n));
        }
        if let Some(n) = o.get("lastEventId").filter(|v| !v.is_null()) {
            let n = n
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| n.to_string());
            h.push(("last-event-id".into(), n));
        }
        h.append(&mut headers);
        return Ok(NewRecord {
            body: String::new(),
            headers: h,
            part_id: None,
            trim_to: None,
        });
    }
    if let Some(cmd) = o.get("command") {
        let cmd = cmd
            .as_str()
            .ok_or_else(|| ControlError::Invalid("command must be a string".into()))?;
        let trim_to = o.get("trimTo").and_then(Value::as_u64);
        let body = match (o.get("body").and_then(Value::as_str), trim_to) {
            (Some(b), _) => b.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => String::new(),
        };
        let mut h = vec![(String::new(), cmd.to_string())];
        h.append(&mut headers);
        return Ok(NewRecord {
            body,
            headers: h,
            part_id: None,
            trim_to: trim_to.filter(|_| cmd == "trim"),
        });
    }
    if let Some(raw) = o.get("body") {
        let raw = raw
            .as_str()
            .ok_or_else(|| ControlError::Invalid("body must be a string".into()))?;
        return Ok(NewRecord {
            body: raw.to_string(),
            headers,
            part_id: None,
            trim_to: None,
        });
    }
    let part = o
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(random_part_id);
    let data = o.get("data").cloned().unwrap_or(Value::Null);
    Ok(NewRecord {
        body: data_record_body(&data, &part),
        headers,
        part_id: Some(part),
        trim_to: None,
    })
}

/// Appends records to a session channel as the task would (no auth, no closed check).
/// `records` is one record or `{"records": [...]}` / an array; each record is
/// `{"data", "id"?, "headers"?}`, `{"control": "turn-complete", "publicAccessToken"?: true|"tok",
/// "sessionInEventId"?, "lastEventId"?}`, `{"command": "trim"|"fence", "trimTo"?, "body"?}` or
/// `{"body": "<raw>", "headers"?}`. Returns the seqs.
pub fn append_records(
    st: &mut State,
    session: &str,
    channel: Option<&str>,
    io: &str,
    records: &Value,
) -> Result<Vec<u64>, ControlError> {
    let io = Io::parse(io).ok_or_else(|| ControlError::Invalid("io must be in or out".into()))?;
    if let Some(n) = channel.filter(|n| !valid_channel_name(n)) {
        return Err(ControlError::Invalid(format!("invalid channel name {n}")));
    }
    let s = st
        .sessions
        .list
        .iter()
        .find(|s| s.id == session || s.external_id.as_deref() == Some(session))
        .ok_or(ControlError::SessionNotFound)?;
    let key = ChannelKey {
        env_id: s.env_id.clone(),
        key: s.key().to_string(),
        channel: channel.map(String::from),
        io,
    };
    let list: Vec<&Value> = match records {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.contains_key("records") => o["records"]
            .as_array()
            .ok_or_else(|| ControlError::Invalid("records must be an array".into()))?
            .iter()
            .collect(),
        v => vec![v],
    };
    let mut new = Vec::new();
    for v in list {
        new.push(record(st, &key.env_id, &key.key, v)?);
    }
    let now = st.now_ms();
    Ok(new
        .into_iter()
        .map(|r| st.sessions.append(&key, r, now).0)
        .collect())
}

fn append_route(c: &mut Ctx, named: bool) -> R {
    let body = c.body_json()?;
    let session = c.param(0).to_string();
    let (channel, io) = if named {
        (Some(c.param(1).to_string()), c.param(2).to_string())
    } else {
        (None, c.param(1).to_string())
    };
    let seqs =
        append_records(c.st, &session, channel.as_deref(), &io, &body).map_err(control_error)?;
    ok(json!({ "seqs": seqs }))
}

/// `POST /__emulator/sessions/{id}/{io}/records`
pub fn append(c: &mut Ctx) -> R {
    append_route(c, false)
}

/// `POST /__emulator/sessions/{id}/channels/{name}/{io}/records`
pub fn append_named(c: &mut Ctx) -> R {
    append_route(c, true)
}

/// `GET /__emulator/sessions`: the sessions part of the state dump.
pub fn list(c: &mut Ctx) -> R {
    ok(json!({ "sessions": sessions_dump(c.st) }))
}

/// `POST /__emulator/sessions/end-streams`: every open SSE window ends with `[DONE]` (after
/// delivering what it has).
pub fn end_streams(c: &mut Ctx) -> R {
    c.st.sessions.end_epoch += 1;
    let open: usize =
        c.st.sessions
            .channels
            .values()
            .map(|ch| ch.subscribers)
            .sum();
    ok(json!({ "ended": open }))
}

pub fn options_json(o: &SessionOptions) -> Value {
    json!({
        "sseTimeoutSeconds": o.sse_timeout_secs,
        "sseLingerMs": o.sse_linger.map(|d| d.as_millis() as u64),
        "ssePingMs": o.sse_ping_interval.as_millis() as u64,
    })
}

/// `GET /__emulator/sessions/config`
pub fn get_config(c: &mut Ctx) -> R {
    let o =
        c.st.sessions
            .overrides
            .clone()
            .unwrap_or_else(|| c.options.sessions.clone());
    ok(options_json(&o))
}

/// `POST /__emulator/sessions/config` `{"sseTimeoutSeconds"?, "sseLingerMs"?: n|null, "ssePingMs"?}`:
/// overrides the start-up options until reset; fields left out keep their current value.
pub fn set_config(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let mut o =
        c.st.sessions
            .overrides
            .clone()
            .unwrap_or_else(|| c.options.sessions.clone());
    let num = |k: &str| -> Result<Option<u64>, HttpResponse> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| error(400, &format!("{k} must be a non-negative integer"))),
        }
    };
    if let Some(t) = num("sseTimeoutSeconds")? {
        o.sse_timeout_secs = t;
    }
    if body.contains_key("sseLingerMs") {
        o.sse_linger = num("sseLingerMs")?.map(std::time::Duration::from_millis);
    }
    if let Some(p) = num("ssePingMs")? {
        o.sse_ping_interval = std::time::Duration::from_millis(p);
    }
    c.st.sessions.overrides = Some(o.clone());
    ok(options_json(&o))
}
