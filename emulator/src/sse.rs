//! The session-channel SSE stream (v2, S2 pass-through framing; run streams of v2 runs use it
//! too), and the v1 run stream ([`RunStreamV1`]).
//!
//! ```text
//! event: batch
//! id: <startSeq>,<endSeq>,<byteOffset>
//! data: {"records":[{"body":"{\"data\":…,\"id\":\"<partId>\"}","seq_num":0,"timestamp":ms}],"tail":{"seq_num":1,"timestamp":ms}}
//!
//! event: ping
//! data: {"timestamp":ms,"tail":{"seq_num":1,"timestamp":ms}}
//!
//! data: [DONE]
//! ```
//!
//! The stream first sends the backlog (records from its start seq), then one `ping` (the
//! caught-up signal: anything appended after the client has read it is delivered live), then
//! waits on the state's condition variable. The window ends with `data: [DONE]` when the
//! first of these happens:
//! - the emulator clock passes the window (`Timeout-Seconds`, else the configured default), so
//!   `advance` ends it at once;
//! - "end windows now" (`POST /__emulator/sessions/end-streams`, `Emulator::end_session_streams`);
//! - the configured linger: caught up and idle for that long (`Duration::ZERO` = drain and close);
//! - `X-Peek-Settled: 1` on a settled `.out` (drain and close, `X-Session-Settled: true`);
//! - a reset (the channel is gone).
//!
//! Stream faults (`sseDropAfter`, `sseErrorAfter`) count delivered records, command records
//! included; a batch is cut short so exactly that many records are delivered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::faults::StreamFault;
use crate::http::{StreamBody, StreamEnd, StreamWriter};
use crate::hub::Hub;
use crate::model::sessions::{ChannelKey, Record, SessionOptions};
use crate::views::sessions::{record_json, tail_json};

/// Records per `batch` frame, and the body bytes after which a frame is closed.
const MAX_BATCH_RECORDS: usize = 1000;
const MAX_BATCH_BYTES: usize = 1024 * 1024;
/// The longest a stream sleeps before re-checking the clock (the emulator clock also moves with
/// wall time, and a window must end when it passes even if nobody notifies).
const MAX_WAIT: Duration = Duration::from_millis(250);
/// The reason sent in an injected `event: error`.
pub const INJECTED_ERROR: &str = "Injected stream error";

pub struct SseStream {
    pub hub: Arc<Hub>,
    pub key: ChannelKey,
    /// The channel instance the stream registered with (a reset replaces it).
    pub uid: u64,
    /// Next seq to deliver.
    pub cursor: u64,
    /// End of the window on the emulator clock (Unix ms).
    pub deadline_ms: i64,
    pub epoch: u64,
    pub fault: Option<StreamFault>,
    /// Drain what is there and close (settled peek).
    pub drain_only: bool,
    /// Start-up options (the state may hold an override).
    pub defaults: SessionOptions,
}

/// Deregisters the subscriber however the stream ends.
struct Registration {
    hub: Arc<Hub>,
    key: ChannelKey,
    uid: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut shared = self.hub.lock();
        let st = &mut shared.state;
        if let Some(c) = st.sessions.channels.get_mut(&self.key) {
            if c.uid == self.uid {
                c.subscribers = c.subscribers.saturating_sub(1);
            }
        }
    }
}

fn frame(event: Option<&str>, id: Option<&str>, data: &str) -> Vec<u8> {
    let mut s = String::new();
    if let Some(e) = event {
        s.push_str("event: ");
        s.push_str(e);
        s.push('\n');
    }
    if let Some(i) = id {
        s.push_str("id: ");
        s.push_str(i);
        s.push('\n');
    }
    for line in data.split('\n') {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s.into_bytes()
}

fn ping(now: i64, tail: &Value) -> Vec<u8> {
    frame(
        Some("ping"),
        None,
        &json!({"timestamp": now, "tail": tail}).to_string(),
    )
}

/// What one look at the state found.
enum Step {
    Records(Vec<Record>, Value),
    Ping(i64, Value),
    Done,
    Gone,
}

impl StreamBody for SseStream {
    fn run(self: Box<Self>, out: &mut StreamWriter<'_>) -> StreamEnd {
        let this = *self;
        {
            let mut st = this.hub.lock();
            match st.state.sessions.channels.get_mut(&this.key) {
                Some(c) if c.uid == this.uid => c.subscribers += 1,
                _ => return StreamEnd::Abort,
            }
        }
        let _registration = Registration {
            hub: this.hub.clone(),
            key: this.key.clone(),
            uid: this.uid,
        };
        let mut cursor = this.cursor;
        let mut delivered = 0usize;
        let mut byte_offset = 0usize;
        let mut pinged = false;
        let mut last_activity = Instant::now();
        let mut next_ping = Instant::now();
        let limit = match this.fault {
            Some(StreamFault::DropAfter(n)) | Some(StreamFault::ErrorAfter(n)) => Some(n),
            None => None,
        };
        loop {
            if limit.is_some_and(|n| delivered >= n) {
                return match this.fault {
                    Some(StreamFault::ErrorAfter(_)) => {
                        let _ = out.chunk(&frame(Some("error"), None, INJECTED_ERROR));
                        StreamEnd::Finish
                    }
                    _ => StreamEnd::Abort,
                };
            }
            let step = {
                let mut st = this.hub.lock();
                loop {
                    if this.hub.is_shutdown() || out.stopping() {
                        return StreamEnd::Abort;
                    }
                    let opts = st
                        .state
                        .sessions
                        .overrides
                        .clone()
                        .unwrap_or_else(|| this.defaults.clone());
                    let now_ms = st.state.now_ms();
                    let Some(ch) = st
                        .state
                        .sessions
                        .channels
                        .get(&this.key)
                        .filter(|c| c.uid == this.uid)
                    else {
                        break Step::Gone;
                    };
                    // S2 `clamp=true`: a cursor before the first surviving record starts there.
                    let room = limit.map_or(usize::MAX, |n| n - delivered);
                    let mut bytes = 0;
                    let pending: Vec<Record> = ch
                        .records_from(cursor)
                        .iter()
                        .take(MAX_BATCH_RECORDS.min(room))
                        .take_while(|r| {
                            let first = bytes == 0;
                            bytes += r.body.len();
                            first || bytes <= MAX_BATCH_BYTES
                        })
                        .cloned()
                        .collect();
                    if !pending.is_empty() {
                        break Step::Records(pending, tail_json(ch));
                    }
                    let now = Instant::now();
                    if !pinged || now >= next_ping {
                        break Step::Ping(now_ms, tail_json(ch));
                    }
                    let lingered = opts
                        .sse_linger
                        .is_some_and(|l| now.duration_since(last_activity) >= l);
                    if this.drain_only
                        || lingered
                        || now_ms >= this.deadline_ms
                        || st.state.sessions.end_epoch != this.epoch
                    {
                        break Step::Done;
                    }
                    let mut wait = next_ping.saturating_duration_since(now).min(MAX_WAIT);
                    let left = Duration::from_millis((this.deadline_ms - now_ms).max(1) as u64);
                    wait = wait.min(left);
                    if let Some(l) = opts.sse_linger {
                        wait = wait.min(
                            (last_activity + l)
                                .saturating_duration_since(now)
                                .max(Duration::from_millis(1)),
                        );
                    }
                    st = this.hub.wait(st, wait);
                }
            };
            let written = match step {
                Step::Records(records, tail) => {
                    let first = records[0].seq;
                    let last = records[records.len() - 1].seq;
                    byte_offset += records.iter().map(|r| r.body.len()).sum::<usize>();
                    let data = json!({
                        "records": records.iter().map(record_json).collect::<Vec<_>>(),
                        "tail": tail,
                    });
                    let id = format!("{first},{},{byte_offset}", last + 1);
                    cursor = last + 1;
                    delivered += records.len();
                    last_activity = Instant::now();
                    out.chunk(&frame(Some("batch"), Some(&id), &data.to_string()))
                }
                Step::Ping(now_ms, tail) => {
                    pinged = true;
                    let opts_interval = {
                        let st = this.hub.lock();
                        st.state
                            .sessions
                            .overrides
                            .as_ref()
                            .unwrap_or(&this.defaults)
                            .sse_ping_interval
                    };
                    next_ping = Instant::now() + opts_interval.max(Duration::from_millis(10));
                    out.chunk(&ping(now_ms, &tail))
                }
                Step::Done | Step::Gone => {
                    return match out.chunk(&frame(None, None, "[DONE]")) {
                        Ok(()) => StreamEnd::Finish,
                        Err(_) => StreamEnd::Abort,
                    };
                }
            };
            if written.is_err() {
                return StreamEnd::Abort;
            }
        }
    }
}

/// A v1 run stream (the Redis-backed format): one `id: <ms>-<seq>` / `data: <chunk>` event per
/// data record (a JSON chunk as JSON text, a string as itself; command records are not sent).
/// It ends, without `[DONE]`, once `idle_ms` of emulator time pass without a record, when
/// streams are ended (`end_session_streams`) or on a reset. Stream faults count records.
pub struct RunStreamV1 {
    pub hub: Arc<Hub>,
    pub key: ChannelKey,
    pub uid: u64,
    /// Next seq to deliver.
    pub cursor: u64,
    pub idle_ms: i64,
    pub epoch: u64,
    pub fault: Option<StreamFault>,
}

/// The chunk text of a record: its `data` (strings as they are), or the raw body.
fn v1_text(r: &Record) -> String {
    match serde_json::from_str::<Value>(&r.body) {
        Ok(Value::Object(mut m)) if m.contains_key("data") => match m.remove("data") {
            Some(Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => String::new(),
        },
        _ => r.body.clone(),
    }
}

impl StreamBody for RunStreamV1 {
    fn run(self: Box<Self>, out: &mut StreamWriter<'_>) -> StreamEnd {
        let this = *self;
        let mut cursor = this.cursor;
        let mut delivered = 0usize;
        let mut last_ms = this.hub.lock().state.now_ms();
        let limit = match this.fault {
            Some(StreamFault::DropAfter(n)) | Some(StreamFault::ErrorAfter(n)) => Some(n),
            None => None,
        };
        loop {
            if limit.is_some_and(|n| delivered >= n) {
                return match this.fault {
                    Some(StreamFault::ErrorAfter(_)) => {
                        let _ = out.chunk(&frame(Some("error"), None, INJECTED_ERROR));
                        StreamEnd::Finish
                    }
                    _ => StreamEnd::Abort,
                };
            }
            let (records, now_ms) = {
                let mut st = this.hub.lock();
                loop {
                    if this.hub.is_shutdown() || out.stopping() {
                        return StreamEnd::Abort;
                    }
                    let now_ms = st.state.now_ms();
                    let Some(ch) = st
                        .state
                        .sessions
                        .channels
                        .get(&this.key)
                        .filter(|c| c.uid == this.uid)
                    else {
                        return StreamEnd::Finish;
                    };
                    let room = limit.map_or(usize::MAX, |n| n - delivered);
                    let pending: Vec<Record> =
                        ch.records_from(cursor).iter().take(room).cloned().collect();
                    if !pending.is_empty() {
                        break (pending, now_ms);
                    }
                    if now_ms >= last_ms + this.idle_ms || st.state.sessions.end_epoch != this.epoch
                    {
                        return StreamEnd::Finish;
                    }
                    let left = Duration::from_millis((last_ms + this.idle_ms - now_ms) as u64);
                    st = this.hub.wait(st, left.min(MAX_WAIT));
                }
            };
            last_ms = now_ms;
            for r in records {
                cursor = r.seq + 1;
                delivered += 1;
                if r.is_command() {
                    continue;
                }
                let id = format!("{}-{}", r.timestamp, r.seq);
                if out.chunk(&frame(None, Some(&id), &v1_text(&r))).is_err() {
                    return StreamEnd::Abort;
                }
            }
        }
    }
}
