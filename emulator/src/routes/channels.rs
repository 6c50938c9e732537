//! Session channels under `/realtime/v1/sessions/{id}/{in|out}` and the named channels
//! `/realtime/v1/sessions/{id}/channels/{name}/{in|out}`: append, records (drain), SSE, the
//! writer-init PUT and HEAD. (The test writes records as the task would through
//! `admin/sessions.rs`.)

use serde_json::{json, Value};

use super::sessions::{require_session, session_ids};
use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::sessions::{
    data_record_body, metered_bytes, random_part_id, valid_channel_name, ChannelKey, Io, NewRecord,
    SessionOptions, MAX_RECORD_BYTES,
};
use crate::route::{ok, Ctx, R};
use crate::sse::SseStream;
use crate::views::sessions::drained_record_json;

fn params_error(path: &str, message: &str) -> HttpResponse {
    HttpResponse::json(
        400,
        &json!({"error": "Params Error", "details": [{"path": [path], "message": message}]}),
    )
}

fn text(status: u16, msg: &str) -> HttpResponse {
    HttpResponse::new(status, "text/plain; charset=utf-8", msg.as_bytes().to_vec())
}

/// What the URL addresses.
struct Target {
    url_key: String,
    channel: Option<String>,
    io: Io,
    /// Index of the session row, if there is one.
    idx: Option<usize>,
}

fn target(c: &Ctx, named: bool) -> Result<Target, HttpResponse> {
    let url_key = c.param(0).to_string();
    let (channel, io) = if named {
        let name = c.param(1).to_string();
        if !valid_channel_name(&name) {
            return Err(params_error(
                "channel",
                "Channel names must match ^[A-Za-z0-9._-]{1,128}$",
            ));
        }
        (Some(name), c.param(2))
    } else {
        (None, c.param(1))
    };
    let io = Io::parse(io).ok_or_else(|| {
        params_error(
            "io",
            &format!("Invalid enum value. Expected 'out' | 'in', received '{io}'"),
        )
    })?;
    let idx = c.st.sessions.find(&c.env_id(), &url_key);
    Ok(Target {
        url_key,
        channel,
        io,
        idx,
    })
}

impl Target {
    /// Scope ids that grant this channel: each session form, and for a named channel also
    /// `<form>:channels:<name>` and `<form>:channels:<name>:<io>`.
    fn scope_ids(&self, c: &Ctx) -> Vec<String> {
        let s = self.idx.map(|i| &c.st.sessions.list[i]);
        let forms = session_ids(&self.url_key, s);
        let mut ids = forms.clone();
        if let Some(n) = &self.channel {
            for f in &forms {
                ids.push(format!("{f}:channels:{n}"));
                ids.push(format!("{f}:channels:{n}:{}", self.io.as_str()));
            }
        }
        ids
    }

    fn key(&self, c: &Ctx) -> ChannelKey {
        let key = match self.idx {
            Some(i) => c.st.sessions.list[i].key().to_string(),
            None => self.url_key.clone(),
        };
        ChannelKey {
            env_id: c.env_id(),
            key,
            channel: self.channel.clone(),
            io: self.io,
        }
    }

    /// Loader routes 404 only for a `session_…` id without a row; an externalId without a row
    /// reads an empty channel (the transport may subscribe before the session exists).
    fn require_row_for_friendly_id(&self) -> Result<(), HttpResponse> {
        if self.idx.is_none() && self.url_key.starts_with("session_") {
            return Err(error(404, "Not found").with_header("x-should-retry", "false"));
        }
        Ok(())
    }
}

fn do_append(c: &mut Ctx, named: bool) -> R {
    let t = target(c, named)?;
    require_session(c, "write", &t.scope_ids(c))?;
    let idx = t.idx.ok_or_else(|| error(404, "Resource not found"))?;
    let now = c.now;
    let s = &c.st.sessions.list[idx];
    if s.closed_ms.is_some() {
        // The recorded (4.5.12) server's answer; the 4.8.3 docs describe a 409 with
        // `code: "session_closed"` and `closedReason` instead (the SDK handles both).
        return Err(HttpResponse::json(
            400,
            &json!({"ok": false, "error": "Cannot append to a closed session"}),
        ));
    }
    if s.expires_ms.is_some_and(|e| e < now) {
        return Err(HttpResponse::json(
            400,
            &json!({"ok": false, "error": "Cannot append to an expired session"}),
        ));
    }
    // `.out` is the task's channel: only a secret key may write it.
    if t.io == Io::Out && !c.who.is_secret_key() {
        return Err(HttpResponse::json(
            403,
            &json!({"ok": false, "error": "Appending to the out channel requires secret key authentication"}),
        ));
    }
    // Best effort, as on the server: the record is kept even if no run can be started.
    // Appends to named channels do not wake a run.
    if t.channel.is_none() {
        let _ = c.st.ensure_session_run(idx);
    }
    let part = String::from_utf8_lossy(&c.req.body).into_owned();
    let client_part = c.req.header("x-part-id").map(String::from);
    let part_id = client_part.clone().unwrap_or_else(random_part_id);
    let body = data_record_body(&json!(part), &part_id);
    let metered = metered_bytes(&body);
    if metered > MAX_RECORD_BYTES {
        return Err(HttpResponse::json(
            413,
            &json!({"ok": false, "error": format!("Record too large: {metered} bytes exceeds the {MAX_RECORD_BYTES} byte limit")}),
        ));
    }
    let key = t.key(c);
    let (seq, _) = c.st.sessions.append(
        &key,
        NewRecord {
            body,
            headers: Vec::new(),
            part_id: client_part,
            trim_to: None,
        },
        now,
    );
    ok(json!({"ok": true, "seq": seq}))
}

/// `POST /realtime/v1/sessions/{id}/{io}/append` (raw body ≤ 1 MiB, `X-Part-Id` dedupes).
pub fn append(c: &mut Ctx) -> R {
    do_append(c, false)
}

/// `POST /realtime/v1/sessions/{id}/channels/{name}/{io}/append`
pub fn append_named(c: &mut Ctx) -> R {
    do_append(c, true)
}

fn do_records(c: &mut Ctx, named: bool) -> R {
    let t = target(c, named)?;
    let after = match c.q("afterEventId") {
        None => None,
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            Some(v.parse::<u64>().unwrap_or(u64::MAX))
        }
        Some(_) => {
            return Err(HttpResponse::json(
                400,
                &json!({"error": "Query Error", "details": [{"path": ["afterEventId"], "message": "Invalid"}]}),
            ))
        }
    };
    t.require_row_for_friendly_id()?;
    require_session(c, "read", &t.scope_ids(c))?;
    let key = t.key(c);
    let start = after.map_or(0, |a| a.saturating_add(1));
    let records: Vec<Value> =
        c.st.sessions
            .channels
            .get(&key)
            .map(|ch| {
                ch.records_from(start)
                    .iter()
                    .filter(|r| !r.is_command())
                    .map(drained_record_json)
                    .collect()
            })
            .unwrap_or_default();
    ok(json!({ "records": records }))
}

/// `GET /realtime/v1/sessions/{id}/{io}/records[?afterEventId=n]`: non-blocking drain.
pub fn records(c: &mut Ctx) -> R {
    do_records(c, false)
}

/// `GET /realtime/v1/sessions/{id}/channels/{name}/{io}/records`
pub fn records_named(c: &mut Ctx) -> R {
    do_records(c, true)
}

/// `Last-Event-ID` the way the server reads it: the part before the first `-` as a JS
/// `Number`; `n` resumes at `n + 1`, anything else (e.g. the comma `id:` line) starts at 0.
pub(crate) fn start_after_last_event_id(v: &str) -> u64 {
    let head = v.split('-').next().unwrap_or("").trim();
    if head.is_empty() {
        return 1; // Number("") is 0, so the server resumes at 1.
    }
    match head.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => n as u64 + 1,
        _ => 0,
    }
}

/// `Timeout-Seconds`: an integer 1–600 (plain-text 400s, as the server).
pub(crate) fn timeout_seconds(c: &Ctx) -> Result<Option<u64>, HttpResponse> {
    let Some(raw) = c.req.header("timeout-seconds").filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let t = raw.trim();
    let n: f64 = if t.is_empty() {
        0.0
    } else {
        t.parse().unwrap_or(f64::NAN)
    };
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(text(400, "Invalid timeout seconds"));
    }
    if n < 1.0 {
        return Err(text(400, "Timeout seconds must be greater than 0"));
    }
    if n > 600.0 {
        return Err(text(400, "Timeout seconds must be less than 600"));
    }
    Ok(Some(n as u64))
}

fn do_subscribe(c: &mut Ctx, named: bool) -> R {
    let t = target(c, named)?;
    t.require_row_for_friendly_id()?;
    require_session(c, "read", &t.scope_ids(c))?;
    if c.req.method == "HEAD" {
        return Ok(
            HttpResponse::new(200, "text/plain", Vec::new()).with_header("x-last-chunk-index", "0")
        );
    }
    let timeout = timeout_seconds(c)?;
    let defaults = c.options.sessions.clone();
    let opts: SessionOptions = c.st.sessions.overrides.clone().unwrap_or(defaults.clone());
    let timeout_ms = timeout.unwrap_or(opts.sse_timeout_secs) as i64 * 1000;
    let key = t.key(c);
    let fault = c
        .faults
        .decide_stream(&c.req.method, &c.req.path, &c.req.query);
    let latest = c
        .req
        .header("x-trigger-stream-start")
        .is_some_and(|v| v.eq_ignore_ascii_case("latest"));
    let last_event_id = c.req.header("last-event-id").map(String::from);
    let peek = t.io == Io::Out && c.req.header("x-peek-settled") == Some("1");
    let epoch = c.st.sessions.end_epoch;
    let ch = c.st.sessions.channel_mut(&key);
    let start = match last_event_id {
        Some(v) => start_after_last_event_id(&v),
        None if latest => ch.next_seq,
        None => 0,
    };
    // S2 `clamp=true`: never start beyond the tail.
    let cursor = start.min(ch.next_seq);
    let settled = peek && ch.settled();
    let uid = ch.uid;
    c.stream = Some(Box::new(SseStream {
        hub: c.hub.clone(),
        key,
        uid,
        cursor,
        deadline_ms: c.now + timeout_ms,
        epoch,
        fault,
        drain_only: settled,
        defaults,
    }));
    let mut head = HttpResponse::new(200, "text/event-stream", Vec::new())
        .with_header("cache-control", "no-cache")
        .with_header("x-stream-version", "v2")
        .with_header("access-control-expose-headers", "*");
    if settled {
        head = head.with_header("x-session-settled", "true");
    }
    Ok(head)
}

/// `GET|HEAD /realtime/v1/sessions/{id}/{io}`: SSE (see `src/sse.rs`), or HEAD's chunk index.
pub fn subscribe(c: &mut Ctx) -> R {
    do_subscribe(c, false)
}

/// `GET|HEAD /realtime/v1/sessions/{id}/channels/{name}/{io}`
pub fn subscribe_named(c: &mut Ctx) -> R {
    do_subscribe(c, true)
}

fn do_init(c: &mut Ctx, named: bool) -> R {
    let t = target(c, named)?;
    require_session(c, "write", &t.scope_ids(c))?;
    if t.io == Io::Out && !c.who.is_secret_key() {
        return Err(text(
            403,
            "Initializing the out channel requires secret key authentication",
        ));
    }
    if t.idx.is_none() && t.url_key.starts_with("session_") {
        return Err(text(404, "Session not found"));
    }
    if t.idx
        .is_some_and(|i| c.st.sessions.list[i].closed_ms.is_some())
    {
        return Err(text(400, "Cannot initialize a channel on a closed session"));
    }
    let key = t.key(c);
    c.st.sessions.channel_mut(&key);
    Ok(HttpResponse::json(202, &json!({"version": "v2"}))
        .with_header("x-s2-access-token", "emulator-s2-access-token")
        .with_header("x-s2-stream-name", key.stream_name())
        .with_header("x-s2-basin", "emulator")
        .with_header("x-s2-flush-interval-ms", "100")
        .with_header("x-s2-max-retries", "10")
        .with_header("x-s2-endpoint", format!("{}/__emulator/s2/v1", c.base_url)))
}

/// `PUT /realtime/v1/sessions/{id}/{io}`: writer init (202 `{"version":"v2"}` + S2 headers).
pub fn init(c: &mut Ctx) -> R {
    do_init(c, false)
}

/// `PUT /realtime/v1/sessions/{id}/channels/{name}/{io}`
pub fn init_named(c: &mut Ctx) -> R {
    do_init(c, true)
}
