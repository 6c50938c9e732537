//! Realtime test controls: the live hold, rotating shapes (a 409 for their clients),
//! `must-refetch`, what the feeds hold, and records a task would write to its run streams.

use std::time::Duration;

use serde_json::{json, Value};

use super::sessions::record;
use crate::model::realtime::run_stream_key;
use crate::route::{control_error, ok, Ctx, R};
use crate::rules::error::ControlError;
use crate::state::State;
use crate::views::realtime::realtime_dump;

/// The hold in force: the admin override, else the start-up option.
fn hold(c: &Ctx) -> Duration {
    c.st.realtime
        .hold_override
        .unwrap_or(c.options.realtime.hold)
}

/// `GET /__emulator/realtime`: `{holdMs, held, shapes, streams, inputs}`.
pub fn dump(c: &mut Ctx) -> R {
    ok(realtime_dump(&c.st.realtime, hold(c).as_millis()))
}

/// `POST /__emulator/realtime/config` body `{"holdMs": n}`: how long live requests are held
/// (emulator clock), until reset.
pub fn set_config(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let ms = body
        .get("holdMs")
        .and_then(Value::as_u64)
        .ok_or_else(|| control_error(ControlError::Invalid("holdMs must be a number".into())))?;
    c.st.realtime.hold_override = Some(Duration::from_millis(ms));
    ok(json!({"holdMs": ms}))
}

fn handle_arg(c: &Ctx) -> Result<Option<String>, crate::http::HttpResponse> {
    Ok(c.body_object_or_empty()?
        .get("handle")
        .and_then(Value::as_str)
        .map(String::from))
}

/// `POST /__emulator/realtime/rotate` body `{"handle"?}`: the shapes (all, or one) get new
/// handles; requests with the old ones get 409. → `{"rotated": [{"from", "to"}]}`.
pub fn rotate(c: &mut Ctx) -> R {
    let handle = handle_arg(c)?;
    let pairs = c.st.realtime.rotate(handle.as_deref());
    let rotated: Vec<Value> = pairs
        .iter()
        .map(|(from, to)| json!({"from": from, "to": to}))
        .collect();
    ok(json!({ "rotated": rotated }))
}

/// `POST /__emulator/realtime/must-refetch` body `{"handle"?}`: the next answer of the shapes
/// (all, or one) is a 200 starting with `must-refetch`, then every row. → `{"shapes": n}`.
pub fn must_refetch(c: &mut Ctx) -> R {
    let handle = handle_arg(c)?;
    let n = c.st.realtime.must_refetch(handle.as_deref());
    ok(json!({ "shapes": n }))
}

/// Appends records to a run's stream as the task would; returns their seqs. `records` as for
/// session channels: `{"data", "id"?}`, `{"command": "fence"}`, `{"body": "<raw>"}`, or an array.
pub fn append_stream(
    st: &mut State,
    run_id: &str,
    stream: &str,
    records: &Value,
) -> Result<Vec<u64>, ControlError> {
    let run = st.run(run_id).ok_or(ControlError::RunNotFound)?;
    let key = run_stream_key(&run.env_id, run_id, stream);
    let list: Vec<&Value> = match records {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut new = Vec::new();
    for v in list {
        new.push(record(st, &key.env_id, run_id, v)?);
    }
    st.realtime.note_stream(run_id, stream);
    let now = st.now_ms();
    Ok(new
        .into_iter()
        .map(|r| st.sessions.append(&key, r, now).0)
        .collect())
}

/// `POST /__emulator/runs/{id}/streams/{key}` body: a record or an array → `{"seqs": [...]}`.
pub fn append(c: &mut Ctx) -> R {
    let body = c.body_json()?;
    let (run, stream) = (c.param(0).to_string(), c.param(1).to_string());
    let seqs = append_stream(c.st, &run, &stream, &body).map_err(control_error)?;
    ok(json!({ "seqs": seqs }))
}
