//! Realtime: the run feeds over the shape protocol (`GET /realtime/v1/runs/{id}`,
//! `/realtime/v1/runs?tags=…`, `/realtime/v1/batches/{id}`), run streams
//! (`GET /realtime/v1/streams/{runId}/{key}`, SSE v1 or v2), input streams
//! (`POST /realtime/v1/streams/{runId}/input/{id}`) and the packet URL of a stored payload
//! (`GET /api/v1/runs/{id}/packets/{field}`). `docs/wire.md#realtime-shape-protocol`.
//!
//! A feed request names a shape by handle and tells how far it has read by offset. The first
//! request (`offset=-1`) gets every row; later ones the rows changed since their offset. A
//! live request with nothing new is held (the dispatcher waits without the lock) until a run
//! changes or the hold ends on the emulator clock. A rotated or unknown handle gets 409 with
//! `must-refetch` and the handle to restart with.

use serde_json::{json, Value};

use super::channels::{start_after_last_event_id, timeout_seconds};
use super::query::list_param;
use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::realtime::{parse_offset, run_stream_key, Feed, InputSend, Row};
use crate::model::runs::Run;
use crate::route::{ok, Ctx, Hold, R};
use crate::sse::{RunStreamV1, SseStream};
use crate::state::State;
use crate::util::{parse_duration_ms, percent_encode};
use crate::views::realtime::{change, control, row_key, run_row, schema, skippable};

/// The tag feed's default window, and the longest one asked for that is honoured.
const DEFAULT_CREATED_AT_MS: i64 = 24 * 3_600_000;
const MAX_CREATED_AT_MS: i64 = 30 * 24 * 3_600_000;
/// A v1 run stream ends after this long without a record (without `Timeout-Seconds`).
const V1_IDLE_MS: i64 = 15_000;

/// Who may read a run: a key, or a token with `read` on the run, its task, a tag or its batch.
fn read_needs(r: &Run) -> Vec<(&str, &str, Option<&str>)> {
    let mut needs = vec![
        ("read", "runs", Some(r.id.as_str())),
        ("read", "tasks", Some(r.task.as_str())),
    ];
    for t in &r.tags {
        needs.push(("read", "tags", Some(t.as_str())));
    }
    if let Some(b) = &r.batch_id {
        needs.push(("read", "batch", Some(b.as_str())));
    }
    needs
}

/// `GET /realtime/v1/runs/{id}`
pub fn run(c: &mut Ctx) -> R {
    let r =
        c.st.env_run(c.who.env_id(), c.param(0))
            .ok_or_else(|| error(404, "Not found"))?;
    c.require(&read_needs(r))?;
    let feed = Feed::Run(r.id.clone());
    serve(c, feed)
}

/// `GET /realtime/v1/runs?tags=a,b&createdAt=1h`
pub fn tagged(c: &mut Ctx) -> R {
    let tags = c.q("tags").map(list_param).unwrap_or_default();
    let mut needs = vec![("read", "runs", None)];
    needs.extend(tags.iter().map(|t| ("read", "tags", Some(t.as_str()))));
    c.require(&needs)?;
    let window = match c.q("createdAt") {
        None => DEFAULT_CREATED_AT_MS,
        Some(v) => parse_duration_ms(v)
            .ok_or_else(|| error(400, "Invalid createdAt"))?
            .min(MAX_CREATED_AT_MS),
    };
    let since_ms = c.now - window;
    serve(c, Feed::Tags { tags, since_ms })
}

/// `GET /realtime/v1/batches/{id}`
pub fn batch(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    if c.st.batch(c.who.env_id(), &id).is_none() {
        return Err(error(404, "Not found"));
    }
    c.require(&[("read", "batch", Some(id.as_str())), ("read", "runs", None)])?;
    serve(c, Feed::Batch(id))
}

/// Same feed, whatever window a tag feed was opened with (the shape keeps its own).
fn same_feed(a: &Feed, b: &Feed) -> bool {
    match (a, b) {
        (Feed::Tags { tags: x, .. }, Feed::Tags { tags: y, .. }) => x == y,
        _ => a == b,
    }
}

/// How the request speaks the protocol.
#[derive(Clone, Copy)]
struct Dialect {
    /// `x-trigger-electric-version` sent: `handle` / `electric-handle` / `electric-offset`;
    /// else the pre-1.0 `shape_id` / `electric-shape-id` / `electric-chunk-last-offset`.
    electric_1: bool,
    /// Not API version `2025-07-16`: `DEQUEUED` is shown as `EXECUTING`.
    old_api: bool,
}

impl Dialect {
    fn handle_header(self) -> &'static str {
        if self.electric_1 {
            "electric-handle"
        } else {
            "electric-shape-id"
        }
    }
    fn offset_header(self) -> &'static str {
        if self.electric_1 {
            "electric-offset"
        } else {
            "electric-chunk-last-offset"
        }
    }
}

/// 409: the shape is gone or was rotated; restart with `handle`.
fn must_refetch(handle: &str, d: Dialect) -> HttpResponse {
    HttpResponse::json(409, &json!([control("must-refetch")]))
        .with_header(d.handle_header(), handle)
}

fn serve(c: &mut Ctx, feed: Feed) -> R {
    let d = Dialect {
        electric_1: c.req.header("x-trigger-electric-version").is_some(),
        old_api: c.req.header("x-trigger-api-version") != Some("2025-07-16"),
    };
    let env_id = c.env_id();
    // The token's `realtime.skipColumns` claim removes columns on top of the query's.
    let mut skip = skippable(c.q("skipColumns").unwrap_or(""));
    for column in skippable(&c.who.skip_columns().join(",")) {
        if !skip.contains(&column) {
            skip.push(column);
        }
    }
    let live = c.q("live") == Some("true");
    let offset = c.q("offset").unwrap_or("-1").to_string();
    let after = match offset.as_str() {
        "-1" => None,
        o => Some(parse_offset(o).ok_or_else(|| error(400, "Invalid offset"))?),
    };
    let param = if d.electric_1 { "handle" } else { "shape_id" };
    let asked = c.q(param).filter(|h| !h.is_empty()).map(String::from);
    // What the asked handle names: (same feed, replaced by, newest seq).
    let known = asked
        .as_ref()
        .and_then(|h| c.st.realtime.shapes.get(h))
        .map(|s| {
            let same = s.env_id == env_id && same_feed(&s.feed, &feed);
            (same, s.replaced_by.clone(), s.seq)
        });
    let rt = &mut c.st.realtime;
    let handle = match (asked, known) {
        (Some(_), Some((false, _, _))) => {
            return Err(error(
                400,
                "The specified shape definition and handle do not match",
            ))
        }
        (Some(_), Some((true, Some(next), _))) => {
            return Err(must_refetch(&current(c.st, &next), d))
        }
        // An offset the shape never gave (e.g. from before a reset).
        (Some(_), Some((true, None, seq))) if after.is_some_and(|a| a > seq) => {
            return Err(must_refetch(&rt.open(&env_id, feed, skip), d))
        }
        (Some(h), Some(_)) => h,
        (_, None) if after.is_none() => rt.open(&env_id, feed, skip),
        (Some(_), None) => return Err(must_refetch(&rt.open(&env_id, feed, skip), d)),
        (None, _) => {
            return Err(error(
                400,
                "A handle is required with an offset other than -1",
            ))
        }
    };
    refresh(c.st, &handle);
    let shape = &c.st.realtime.shapes[&handle];
    let pending = shape.must_refetch || after.is_none_or(|a| shape.changed_since(a));
    if !live || pending {
        return Ok(answer(c.st, &handle, after, live, d));
    }
    let hold =
        c.st.realtime
            .hold_override
            .unwrap_or(c.options.realtime.hold);
    c.st.realtime.held += 1;
    c.hold = Some(Box::new(LivePoll {
        instance: c.st.realtime.instance,
        handle,
        after: after.unwrap_or(0),
        deadline_ms: c.now + hold.as_millis() as i64,
        dialect: d,
        answered: false,
    }));
    Ok(HttpResponse::json(200, &json!([])))
}

/// The newest handle of a rotated shape.
fn current(st: &State, handle: &str) -> String {
    let mut h = handle.to_string();
    while let Some(next) = st
        .realtime
        .shapes
        .get(&h)
        .and_then(|s| s.replaced_by.clone())
    {
        h = next;
    }
    h
}

/// Brings a shape's rows up to date with the runs it selects.
fn refresh(st: &mut State, handle: &str) {
    let Some(shape) = st.realtime.shapes.get(handle) else {
        return;
    };
    let (env_id, feed, skip) = (shape.env_id.clone(), shape.feed.clone(), shape.skip.clone());
    let no_streams = Vec::new();
    let row = |r: &Run| -> (String, Row) {
        let streams = st.realtime.streams.get(&r.id).unwrap_or(&no_streams);
        (row_key(&r.id), run_row(r, streams, &skip))
    };
    let rows: Vec<(String, Row)> = match &feed {
        Feed::Run(id) => st.env_run(&env_id, id).map(row).into_iter().collect(),
        Feed::Tags { tags, since_ms } => st
            .runs
            .iter()
            .filter(|r| {
                r.env_id == env_id
                    && r.created_ms >= *since_ms
                    && tags.iter().all(|t| r.tags.contains(t))
            })
            .map(row)
            .collect(),
        Feed::Batch(id) => st
            .runs
            .iter()
            .filter(|r| r.env_id == env_id && r.batch_id.as_deref() == Some(id.as_str()))
            .map(row)
            .collect(),
    };
    let now = st.now_ms();
    if let Some(shape) = st.realtime.shapes.get_mut(handle) {
        for (key, row) in rows {
            shape.record(&key, row, now);
        }
    }
}

/// A 200: the rows changed after `after` (every row for the snapshot or after a
/// `must-refetch`), then `up-to-date`, with the protocol headers.
fn answer(
    st: &mut State,
    handle: &str,
    after: Option<u64>,
    live: bool,
    d: Dialect,
) -> HttpResponse {
    let now = st.now_ms();
    let Some(shape) = st.realtime.shapes.get_mut(handle) else {
        return must_refetch(&format!("{handle}-next"), d);
    };
    let refetch = std::mem::take(&mut shape.must_refetch);
    let mut messages = Vec::new();
    if refetch {
        messages.push(control("must-refetch"));
    }
    let since = if refetch { None } else { after };
    for ch in shape.changes(since) {
        messages.push(change(ch.key, ch.row, ch.insert, d.old_api));
    }
    messages.push(control("up-to-date"));
    let mut resp = HttpResponse::json(200, &Value::Array(messages))
        .with_header(d.handle_header(), handle)
        .with_header(d.offset_header(), shape.offset());
    resp = if live {
        // Electric's cursor only busts caches; any value that moves with time will do.
        resp.with_header("electric-cursor", (now / 20_000).to_string())
    } else {
        resp.with_header("electric-schema", schema(&shape.skip))
    };
    resp.with_header("electric-up-to-date", "")
}

/// A held live request.
struct LivePoll {
    /// The world it was held in (a reset makes another).
    instance: u64,
    handle: String,
    after: u64,
    deadline_ms: i64,
    dialect: Dialect,
    answered: bool,
}

impl LivePoll {
    fn done(&mut self, st: &mut State) {
        if !std::mem::replace(&mut self.answered, true) && st.realtime.instance == self.instance {
            st.realtime.held = st.realtime.held.saturating_sub(1);
        }
    }
}

impl Hold for LivePoll {
    fn deadline_ms(&self) -> i64 {
        self.deadline_ms
    }

    fn poll(&mut self, st: &mut State) -> Option<HttpResponse> {
        let shape = st
            .realtime
            .shapes
            .get(&self.handle)
            .filter(|_| st.realtime.instance == self.instance);
        let Some(shape) = shape else {
            self.done(st);
            return Some(must_refetch(&format!("{}-next", self.handle), self.dialect));
        };
        if let Some(next) = &shape.replaced_by {
            let next = current(st, next);
            self.done(st);
            return Some(must_refetch(&next, self.dialect));
        }
        refresh(st, &self.handle);
        let shape = &st.realtime.shapes[&self.handle];
        if !shape.must_refetch && !shape.changed_since(self.after) {
            return None;
        }
        self.done(st);
        Some(answer(
            st,
            &self.handle,
            Some(self.after),
            true,
            self.dialect,
        ))
    }

    fn expire(&mut self, st: &mut State) -> HttpResponse {
        self.done(st);
        answer(st, &self.handle, Some(self.after), true, self.dialect)
    }
}

/// `GET /realtime/v1/streams/{runId}/{key}`: the run stream as SSE, v2 (S2 batches) for runs
/// triggered with realtime streams v2, else v1 (`id: <ms>-<seq>` / `data: <chunk>`).
pub fn stream(c: &mut Ctx) -> R {
    let r =
        c.st.env_run(c.who.env_id(), c.param(0))
            .ok_or_else(|| error(404, "Run not found"))?;
    c.require(&read_needs(r))?;
    let v2 = r.realtime_streams_version == "v2";
    let key = run_stream_key(&r.env_id, &r.id, c.param(1));
    let timeout = timeout_seconds(c)?;
    let fault = c
        .faults
        .decide_stream(&c.req.method, &c.req.path, &c.req.query);
    let latest = c
        .req
        .header("x-trigger-stream-start")
        .is_some_and(|v| v.eq_ignore_ascii_case("latest"));
    let last_event_id = c.req.header("last-event-id").map(String::from);
    let epoch = c.st.sessions.end_epoch;
    let ch = c.st.sessions.channel_mut(&key);
    let tail = ch.next_seq;
    let uid = ch.uid;
    let start = match (&last_event_id, v2) {
        (Some(v), true) => start_after_last_event_id(v),
        // v1 ids are `<ms>-<seq>`.
        (Some(v), false) => v
            .rsplit('-')
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .map_or(0, |s| s + 1),
        (None, _) if latest => tail,
        (None, _) => 0,
    }
    .min(tail);
    let head = HttpResponse::new(200, "text/event-stream", Vec::new())
        .with_header("cache-control", "no-cache");
    if v2 {
        let defaults = c.options.sessions.clone();
        let opts = c.st.sessions.overrides.clone().unwrap_or(defaults.clone());
        let timeout_ms = timeout.unwrap_or(opts.sse_timeout_secs) as i64 * 1000;
        c.stream = Some(Box::new(SseStream {
            hub: c.hub.clone(),
            key,
            uid,
            cursor: start,
            deadline_ms: c.now + timeout_ms,
            epoch,
            fault,
            drain_only: false,
            defaults,
        }));
        Ok(head.with_header("x-stream-version", "v2"))
    } else {
        c.stream = Some(Box::new(RunStreamV1 {
            hub: c.hub.clone(),
            key,
            uid,
            cursor: start,
            idle_ms: timeout.map_or(V1_IDLE_MS, |s| s as i64 * 1000),
            epoch,
            fault,
        }));
        Ok(head)
    }
}

/// `POST /realtime/v1/streams/{runId}/input/{id}` body `{"data": any}` → `{"ok":true}`; the
/// value is recorded (`GET /__emulator/realtime`).
pub fn send_input(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let Some(data) = body.get("data").cloned() else {
        return Err(error(400, "Invalid request body: data is required"));
    };
    let r =
        c.st.env_run(c.who.env_id(), c.param(0))
            .ok_or_else(|| error(404, "Run not found"))?;
    c.require(&[
        ("write", "runs", Some(r.id.as_str())),
        ("write", "inputStreams", Some(r.id.as_str())),
    ])?;
    let send = InputSend {
        env_id: r.env_id.clone(),
        run_id: r.id.clone(),
        stream: c.param(1).to_string(),
        data,
        at_ms: c.now,
    };
    c.st.realtime.inputs.push(send);
    ok(json!({"ok": true}))
}

/// `GET /api/v1/runs/{id}/packets/{payload|output}`: where a stored (`application/store`)
/// payload can be downloaded.
pub fn packet_url(c: &mut Ctx) -> R {
    let r =
        c.st.env_run(c.who.env_id(), c.param(0))
            .ok_or_else(|| error(404, "Run not found"))?;
    c.require(&read_needs(r))?;
    let path = match (c.param(1), &r.payload) {
        ("payload", Some(Value::String(p))) if r.payload_type == "application/store" => p,
        ("payload" | "output", _) => return Err(error(404, "Packet not found")),
        _ => return Err(error(400, "Invalid packet field")),
    };
    ok(json!({
        "presignedUrl": format!("{}/__emulator/packets/{}", c.base_url, percent_encode(path)),
    }))
}
