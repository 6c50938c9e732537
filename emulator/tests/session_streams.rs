//! Session channel SSE: framing, live delivery, deterministic window ends, resume after a
//! dropped connection and after `event: error`, tail start, and `Last-Event-ID` parsing.
//! No test sleeps: windows end by draining (linger 0), by `advance`, or by "end windows now",
//! and the first `ping` is the readiness signal before live appends.

mod common;
#[path = "common/sse.rs"]
mod sse;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use sse::{open, records, seqs, End};
use triggerdev_emulator::{Emulator, FaultRule, Options, SessionOptions};

/// An emulator whose windows drain and close at once (the server's `wait=0`).
fn draining() -> Emulator {
    Emulator::start_with(Options {
        sessions: SessionOptions {
            sse_linger: Some(Duration::ZERO),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap()
}

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

fn start(emu: &Emulator, external_id: &str) -> Value {
    let r = dev(emu).post(
        "/api/v1/sessions",
        json!({"type": "chat.agent", "externalId": external_id, "taskIdentifier": "chat",
               "triggerConfig": {"basePayload": {}}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn send_in(emu: &Emulator, session: &str, text: &str, part: &str) -> u64 {
    let r = dev(emu).with("X-Part-Id", part).send(
        "POST",
        &format!("/realtime/v1/sessions/{session}/in/append"),
        Some(text.as_bytes()),
        "application/json",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["seq"].as_u64().unwrap()
}

/// `n` data records on `.out`, `{"n": i}` each.
fn fill_out(emu: &Emulator, session: &str, n: usize) {
    let recs: Vec<Value> = (0..n)
        .map(|i| json!({"data": {"n": i}, "id": format!("part-{i}")}))
        .collect();
    emu.append_session_records(session, None, "out", Value::Array(recs))
        .unwrap();
}

#[test]
fn sse_framing_batch_ping_done_and_the_id_line() {
    let emu = draining();
    let s = start(&emu, "f1");
    let token = s["publicAccessToken"].as_str().unwrap();
    send_in(&emu, "f1", "hello", "p-1");
    send_in(&emu, "f1", "{\"json\":true}", "p-2");
    let mut sse = open(emu.base_url(), "/realtime/v1/sessions/f1/in", token, &[]);
    assert_eq!(sse.status, 200);
    assert_eq!(sse.header("content-type"), Some("text/event-stream"));
    assert_eq!(sse.header("x-stream-version"), Some("v2"));
    assert_eq!(sse.header("transfer-encoding"), Some("chunked"));
    let (events, end) = sse.rest();
    assert_eq!(end, End::Clean);
    assert_eq!(events.len(), 3, "{events:?}");

    let batch = &events[0];
    assert!(batch.is("batch"));
    let data = batch.json();
    let recs = data["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2);
    // `body` is a JSON string `{"data": <the posted string>, "id": <part id>}`.
    assert!(recs[0]["body"].is_string());
    assert_eq!(sse::body(&recs[0]), json!({"data": "hello", "id": "p-1"}));
    assert_eq!(
        sse::body(&recs[1]),
        json!({"data": "{\"json\":true}", "id": "p-2"})
    );
    assert_eq!(recs[0]["seq_num"], 0);
    assert_eq!(recs[1]["seq_num"], 1);
    assert!(recs[0]["timestamp"].as_i64().unwrap() > 0);
    assert!(
        recs[0].get("headers").is_none(),
        "no headers on plain data records"
    );
    assert_eq!(data["tail"]["seq_num"], 2);
    // The id line is startSeq,endSeq,byteOffset: not a resume cursor.
    let id = batch.id.as_deref().unwrap();
    let parts: Vec<&str> = id.split(',').collect();
    assert_eq!(parts.len(), 3, "{id}");
    assert_eq!((parts[0], parts[1]), ("0", "2"));
    assert!(parts[2].parse::<u64>().unwrap() > 0);

    let ping = &events[1];
    assert!(ping.is("ping"));
    assert!(ping.id.is_none());
    assert!(ping.json()["timestamp"].as_i64().unwrap() > 0);
    assert_eq!(ping.json()["tail"]["seq_num"], 2);
    assert!(events[2].is_done());
    assert_eq!(events[2].data, "[DONE]");

    // Control records carry their headers.
    emu.session_turn_complete("f1").unwrap();
    let mut sse = open(emu.base_url(), "/realtime/v1/sessions/f1/out", token, &[]);
    let (events, _) = sse.rest();
    let rec = &records(&events)[0];
    assert_eq!(rec["body"], "");
    assert_eq!(
        rec["headers"][0],
        json!(["trigger-control", "turn-complete"])
    );
    assert_eq!(rec["headers"][1][0], "public-access-token");
}

#[test]
fn timeout_seconds_is_validated_as_the_server_does() {
    let emu = draining();
    start(&emu, "t1");
    let key = emu.seed().dev_key();
    for (v, msg) in [
        ("abc", "Invalid timeout seconds"),
        ("1.5", "Invalid timeout seconds"),
        ("10abc", "Invalid timeout seconds"),
        ("0", "Timeout seconds must be greater than 0"),
        ("601", "Timeout seconds must be less than 600"),
    ] {
        let s = open(
            emu.base_url(),
            "/realtime/v1/sessions/t1/out",
            key,
            &[("Timeout-Seconds", v)],
        );
        assert_eq!(s.status, 400, "{v}");
        assert!(s.header("content-type").unwrap().starts_with("text/plain"));
        assert_eq!(s.text(), msg, "{v}");
    }
    for v in ["1", "600"] {
        let mut s = open(
            emu.base_url(),
            "/realtime/v1/sessions/t1/out",
            key,
            &[("Timeout-Seconds", v)],
        );
        assert_eq!(s.status, 200, "{v}");
        assert_eq!(s.rest().1, End::Clean);
    }
    // Unknown friendly ids 404; a token without read scope gets 403.
    assert_eq!(
        open(
            emu.base_url(),
            "/realtime/v1/sessions/session_x/out",
            key,
            &[]
        )
        .status,
        404
    );
    let other = start(&emu, "t2");
    let s = open(
        emu.base_url(),
        "/realtime/v1/sessions/t1/out",
        other["publicAccessToken"].as_str().unwrap(),
        &[],
    );
    assert_eq!(s.status, 403);
}

#[test]
fn live_records_arrive_and_the_window_ends_on_the_emulator_clock() {
    // Default options: the window lasts the full timeout, as on the server.
    let emu = Emulator::start().unwrap();
    let s = start(&emu, "live");
    let token = s["publicAccessToken"].as_str().unwrap();
    fill_out(&emu, "live", 1);
    let mut sse = open(emu.base_url(), "/realtime/v1/sessions/live/out", token, &[]);
    // Backlog, then the caught-up ping: from here on appends are delivered live.
    let first = sse.until(|e| e.is("ping"));
    assert_eq!(seqs(&first), [0]);
    assert_eq!(emu.session_subscribers("live"), 1);
    emu.append_session_out("live", json!({"n": "live-1"}))
        .unwrap();
    let got = sse.until(|e| e.is("batch"));
    assert_eq!(seqs(&got), [1]);
    assert_eq!(sse::body(&records(&got)[0])["data"], json!({"n": "live-1"}));
    emu.append_session_out("live", json!({"n": "live-2"}))
        .unwrap();
    assert_eq!(seqs(&sse.until(|e| e.is("batch"))), [2]);
    // The window (60 s by default) ends as soon as the clock passes it.
    emu.advance(Duration::from_secs(61));
    let (rest, end) = sse.rest();
    assert_eq!(end, End::Clean);
    assert!(rest.last().unwrap().is_done(), "{rest:?}");
    assert!(seqs(&rest).is_empty());
    assert_eq!(emu.session_subscribers("live"), 0);

    // Timeout-Seconds shortens it; advancing less than that keeps it open.
    let mut sse = open(
        emu.base_url(),
        "/realtime/v1/sessions/live/out",
        token,
        &[("Timeout-Seconds", "5"), ("Last-Event-ID", "2")],
    );
    sse.until(|e| e.is("ping"));
    emu.advance(Duration::from_secs(3));
    emu.append_session_out("live", json!("still open")).unwrap();
    assert_eq!(seqs(&sse.until(|e| e.is("batch"))), [3]);
    emu.advance(Duration::from_secs(3));
    let (rest, end) = sse.rest();
    assert_eq!(end, End::Clean);
    assert!(rest.last().unwrap().is_done());

    // "End windows now" ends every open stream, after it has sent what is pending.
    let mut a = open(
        emu.base_url(),
        "/realtime/v1/sessions/live/out",
        token,
        &[("X-Trigger-Stream-Start", "latest")],
    );
    let mut b = open(emu.base_url(), "/realtime/v1/sessions/live/in", token, &[]);
    a.until(|e| e.is("ping"));
    b.until(|e| e.is("ping"));
    assert_eq!(emu.session_subscribers("live"), 2);
    let r = admin(&emu, "POST", "/__emulator/sessions/end-streams", None);
    assert_eq!(r.json()["ended"], 2);
    for s in [&mut a, &mut b] {
        let (rest, end) = s.rest();
        assert_eq!(end, End::Clean);
        assert!(rest.last().unwrap().is_done());
    }
    assert_eq!(emu.session_subscribers("live"), 0);
    // A reset ends streams too.
    let mut c = open(emu.base_url(), "/realtime/v1/sessions/live/out", token, &[]);
    c.until(|e| e.is("ping"));
    emu.reset();
    let (rest, end) = c.rest();
    assert_eq!(end, End::Clean);
    assert!(rest.last().unwrap().is_done());
}

#[test]
fn resume_after_a_dropped_connection_loses_and_repeats_nothing() {
    let emu = draining();
    let s = start(&emu, "drop");
    let token = s["publicAccessToken"].as_str().unwrap();
    fill_out(&emu, "drop", 5);
    let r = admin(
        &emu,
        "POST",
        "/__emulator/faults",
        Some(json!({"sseDropAfter": 2, "count": 1, "path": "/realtime/v1/sessions/drop/out"})),
    );
    assert_eq!(r.status, 200);
    // Records and drains do not consume the stream rule.
    assert_eq!(
        dev(&emu)
            .get("/realtime/v1/sessions/drop/out/records")
            .json()["records"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let mut sse = open(emu.base_url(), "/realtime/v1/sessions/drop/out", token, &[]);
    assert_eq!(sse.status, 200);
    let (first, end) = sse.rest();
    assert_eq!(end, End::Cut, "the connection is cut mid-body");
    assert!(!first.iter().any(|e| e.is_done()), "no [DONE] after a drop");
    assert_eq!(seqs(&first), [0, 1], "exactly 2 records before the drop");
    // Resume with the last seq received (not the id line).
    let last = seqs(&first).last().copied().unwrap().to_string();
    let mut sse = open(
        emu.base_url(),
        "/realtime/v1/sessions/drop/out",
        token,
        &[("Last-Event-ID", &last)],
    );
    let (rest, end) = sse.rest();
    assert_eq!(end, End::Clean);
    assert!(rest.last().unwrap().is_done());
    assert_eq!(seqs(&rest), [2, 3, 4]);
    let all: Vec<Value> = records(&first)
        .iter()
        .chain(records(&rest).iter())
        .map(sse::body)
        .collect();
    let ids: Vec<&str> = all.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["part-0", "part-1", "part-2", "part-3", "part-4"]);
    // The rule fired once and is gone.
    assert_eq!(emu.state()["faults"], json!([]));

    // A drop mid-backlog cuts a batch short; dropAfter 0 cuts before any record.
    emu.add_fault(FaultRule::sse_drop_after(0).times(1));
    let (ev, end) = open(emu.base_url(), "/realtime/v1/sessions/drop/out", token, &[]).rest();
    assert_eq!((seqs(&ev).len(), end), (0, End::Cut));
    emu.add_fault(FaultRule::sse_drop_after(4).times(1));
    let (ev, end) = open(
        emu.base_url(),
        "/realtime/v1/sessions/drop/out",
        token,
        &[("Last-Event-ID", "1")],
    )
    .rest();
    assert_eq!(
        (seqs(&ev), end),
        (vec![2, 3, 4], End::Clean),
        "fewer records than the limit: normal end"
    );
}

#[test]
fn resume_after_an_error_event() {
    let emu = draining();
    let s = start(&emu, "err");
    let token = s["publicAccessToken"].as_str().unwrap();
    for i in 0..4 {
        send_in(&emu, "err", &format!("m{i}"), &format!("in-{i}"));
    }
    emu.add_fault(
        FaultRule::sse_error_after(3)
            .times(1)
            .path("/realtime/v1/sessions/err/in"),
    );
    // A rule for another path does not fire here.
    emu.add_fault(
        FaultRule::sse_drop_after(0)
            .times(1)
            .path("/realtime/v1/sessions/other/"),
    );
    let mut sse = open(emu.base_url(), "/realtime/v1/sessions/err/in", token, &[]);
    let (first, end) = sse.rest();
    assert_eq!(end, End::Clean, "the error event ends the body normally");
    assert_eq!(seqs(&first), [0, 1, 2]);
    let last = first.last().unwrap();
    assert!(last.is("error"), "{first:?}");
    assert_eq!(last.data, "Injected stream error");
    assert!(!first.iter().any(|e| e.is_done()));
    let mut sse = open(
        emu.base_url(),
        "/realtime/v1/sessions/err/in",
        token,
        &[("Last-Event-ID", "2")],
    );
    let (rest, end) = sse.rest();
    assert_eq!(end, End::Clean);
    assert_eq!(seqs(&rest), [3]);
    assert_eq!(sse::body(&records(&rest)[0])["data"], "m3");
    assert!(rest.last().unwrap().is_done());
    assert_eq!(emu.state()["faults"].as_array().unwrap().len(), 1);
}

#[test]
fn last_event_id_parsing_and_tail_start() {
    let emu = draining();
    let s = start(&emu, "tail");
    let token = s["publicAccessToken"].as_str().unwrap();
    fill_out(&emu, "tail", 4);
    let read = |headers: &[(&str, &str)]| {
        let (ev, end) = open(
            emu.base_url(),
            "/realtime/v1/sessions/tail/out",
            token,
            headers,
        )
        .rest();
        assert_eq!(end, End::Clean);
        seqs(&ev)
    };
    assert_eq!(read(&[]), [0, 1, 2, 3]);
    assert_eq!(read(&[("Last-Event-ID", "1")]), [2, 3]);
    assert_eq!(read(&[("Last-Event-ID", "3")]), Vec::<u64>::new());
    assert_eq!(
        read(&[("Last-Event-ID", "99")]),
        Vec::<u64>::new(),
        "clamped to the tail"
    );
    assert_eq!(
        read(&[("Last-Event-ID", "2-7")]),
        [3],
        "leading digits, as the server"
    );
    // Echoing the SSE id line silently restarts from the beginning.
    assert_eq!(read(&[("Last-Event-ID", "0,2,57")]), [0, 1, 2, 3]);
    // Tail start: nothing old; Last-Event-ID wins over it.
    assert_eq!(
        read(&[("X-Trigger-Stream-Start", "latest")]),
        Vec::<u64>::new()
    );
    assert_eq!(
        read(&[("X-Trigger-Stream-Start", "latest"), ("Last-Event-ID", "2")]),
        [3]
    );
}

#[test]
fn tail_start_delivers_only_what_comes_after_the_connect() {
    let emu = Emulator::start().unwrap();
    let s = start(&emu, "late");
    let token = s["publicAccessToken"].as_str().unwrap();
    fill_out(&emu, "late", 3);
    let mut sse = open(
        emu.base_url(),
        "/realtime/v1/sessions/late/out",
        token,
        &[("X-Trigger-Stream-Start", "latest")],
    );
    let before = sse.until(|e| e.is("ping"));
    assert!(seqs(&before).is_empty());
    assert_eq!(before[0].json()["tail"]["seq_num"], 3);
    emu.append_session_out("late", json!("new")).unwrap();
    let got = sse.until(|e| e.is("batch"));
    assert_eq!(seqs(&got), [3]);
    assert_eq!(emu.end_session_streams(), 1);
    let (rest, end) = sse.rest();
    assert_eq!(end, End::Clean);
    assert!(rest.last().unwrap().is_done());
}

#[test]
fn named_channel_streams_and_admin_config() {
    let emu = Emulator::start().unwrap();
    let s = start(&emu, "nc");
    // Configure windows at runtime: drain and close.
    let r = admin(
        &emu,
        "POST",
        "/__emulator/sessions/config",
        Some(json!({"sseLingerMs": 0, "sseTimeoutSeconds": 30})),
    );
    assert_eq!(
        r.json(),
        json!({"sseTimeoutSeconds": 30, "sseLingerMs": 0, "ssePingMs": 5000})
    );
    emu.append_session_records(
        "nc",
        Some("tools"),
        "out",
        json!([{"data": 1}, {"data": 2}]),
    )
    .unwrap();
    emu.append_session_out("nc", json!("default channel"))
        .unwrap();
    let t = Api::new(
        &emu,
        &mint(
            emu.seed().dev_key(),
            json!({"sub": emu.seed().env_id("dev"), "pub": true, "exp": emu.now_ms() / 1000 + 60,
               "scopes": ["read:sessions:nc:channels:tools:out"]}),
        ),
    );
    let tok = t.token.clone().unwrap();
    let (ev, end) = open(
        emu.base_url(),
        "/realtime/v1/sessions/nc/channels/tools/out",
        &tok,
        &[],
    )
    .rest();
    assert_eq!(end, End::Clean);
    assert_eq!(seqs(&ev), [0, 1]);
    assert_eq!(
        records(&ev)
            .iter()
            .map(|r| sse::body(r)["data"].clone())
            .collect::<Vec<_>>(),
        [json!(1), json!(2)]
    );
    assert_eq!(
        open(
            emu.base_url(),
            "/realtime/v1/sessions/nc/channels/tools/in",
            &tok,
            &[]
        )
        .status,
        403
    );
    assert_eq!(
        open(emu.base_url(), "/realtime/v1/sessions/nc/out", &tok, &[]).status,
        403
    );
    let bad = open(
        emu.base_url(),
        "/realtime/v1/sessions/nc/channels/no%20pe/out",
        &tok,
        &[],
    );
    assert_eq!(bad.status, 400);
    // The session-wide token reads the named channel too.
    let (ev, _) = open(
        emu.base_url(),
        "/realtime/v1/sessions/nc/channels/tools/out",
        s["publicAccessToken"].as_str().unwrap(),
        &[],
    )
    .rest();
    assert_eq!(seqs(&ev), [0, 1]);
    // Reset drops the override.
    emu.reset();
    assert_eq!(emu.session_options(), SessionOptions::default());
}

#[test]
fn expired_tokens_stop_working_on_the_emulator_clock() {
    let emu = draining();
    let s = start(&emu, "exp");
    let token = s["publicAccessToken"].as_str().unwrap();
    assert_eq!(
        Api::new(&emu, token).get("/api/v1/sessions/exp").status,
        200
    );
    // A tampered token fails while the real one is still valid.
    let r = Api::new(&emu, &tampered(token)).get("/api/v1/sessions/exp");
    assert_eq!(r.status, 401);
    emu.advance(Duration::from_secs(3601));
    let r = Api::new(&emu, token).get("/api/v1/sessions/exp");
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid Public Access Token");
    assert_eq!(
        open(emu.base_url(), "/realtime/v1/sessions/exp/out", token, &[]).status,
        401
    );
    let r = Api::new(&emu, token).send(
        "POST",
        "/realtime/v1/sessions/exp/in/append",
        Some(b"x"),
        "application/json",
    );
    assert_eq!(r.status, 401);
}

#[test]
fn dropping_the_emulator_ends_open_streams() {
    let emu = Emulator::start().unwrap();
    let s = start(&emu, "bye");
    let token = s["publicAccessToken"].as_str().unwrap().to_string();
    let mut a = open(emu.base_url(), "/realtime/v1/sessions/bye/out", &token, &[]);
    let mut b = open(emu.base_url(), "/realtime/v1/sessions/bye/in", &token, &[]);
    a.until(|e| e.is("ping"));
    b.until(|e| e.is("ping"));
    // Drop joins every connection thread; the streams must not keep it waiting for their window.
    drop(emu);
    for s in [&mut a, &mut b] {
        let (rest, end) = s.rest();
        assert_eq!(end, End::Cut);
        assert!(!rest.iter().any(|e| e.is_done()));
    }
}
