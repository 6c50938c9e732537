//! Run streams and input streams: the exact requests and the protocol's edge cases against
//! mockito (v1 ids, v2 batches, command records, a record re-sent after a reconnect yielded
//! once, terminal statuses, a 503 then a resume with `Last-Event-ID`), and end to end against
//! the emulator, with connections dropped and cut mid-stream and nothing lost or repeated.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{client_with, emulator_client, FakeClock, DEV_KEY, PAT};
use mockito::{Matcher, Mock, Server};
use serde_json::{json, Value};
use triggerdev::{
    CancelToken, Client, Config, Env, Error, RequestOptions, RetryPolicy, StreamOptions,
};
use triggerdev_emulator::{Emulator, FaultRule, SessionOptions};

/// An S2 record of a v2 stream: `{"data":…,"id":…}` as its body.
fn record(seq: u64, id: &str, data: Value) -> Value {
    json!({"seq_num": seq, "timestamp": 1_700_000_000_000u64 + seq, "headers": [],
           "body": json!({"data": data, "id": id}).to_string()})
}

fn batch(records: &[Value]) -> String {
    format!(
        "event: batch\nid: 0,0,0\ndata: {}\n\n",
        json!({ "records": records })
    )
}

/// The run stream route, with the headers of the official client (the REST set plus
/// `Accept: text/event-stream`, no request key).
fn stream_mock(server: &mut Server) -> Mock {
    server
        .mock("GET", "/realtime/v1/streams/run_1/llm")
        .match_header("authorization", format!("Bearer {DEV_KEY}").as_str())
        .match_header("accept", "text/event-stream")
        .match_header("content-type", "application/json")
        .match_header("trigger-version", triggerdev::VERSION)
        .match_header("x-trigger-source", "sdk")
        .match_header("x-trigger-api-version", "2025-07-16")
        .match_header("x-trigger-realtime-streams-version", "v2")
        .match_header("x-trigger-request-idempotency-key", Matcher::Missing)
}

fn v2(mock: Mock, body: String) -> Mock {
    mock.with_header("content-type", "text/event-stream")
        .with_header("x-stream-version", "v2")
        .with_body(body)
}

fn client(url: &str) -> (Client, Arc<FakeClock>) {
    let clock = FakeClock::new();
    (client_with(url, DEV_KEY, clock.clone()), clock)
}

#[test]
fn v2_batches_yield_their_data_skipping_command_records_and_repeated_ids() {
    let mut server = Server::new();
    let body = batch(&[
        record(0, "p0", json!({"text": "Once"})),
        json!({"seq_num": 1, "headers": [["", "fence"]], "body": "fence-token"}),
        record(2, "p2", json!("upon")),
        record(3, "p2", json!("upon, again")),
        json!({"seq_num": 4, "headers": [], "body": "not json"}),
        json!({"seq_num": 5, "headers": [], "body": ""}),
    ]) + "event: ping\ndata: {\"timestamp\":1}\n\ndata: [DONE]\n\n";
    let mock = v2(
        stream_mock(&mut server)
            .match_header("timeout-seconds", "30")
            .match_header("last-event-id", Matcher::Missing)
            .match_header("x-trigger-stream-start", Matcher::Missing),
        body,
    )
    .expect(1)
    .create();
    let (client, clock) = client(&server.url());
    let mut stream = client
        .runs()
        .stream("run_1", "llm", &StreamOptions::new().timeout_seconds(30))
        .unwrap();
    let chunks: Vec<Value> = stream.by_ref().collect::<Result<_, _>>().unwrap();
    mock.assert();
    assert_eq!(
        chunks,
        [
            json!({"text": "Once"}),
            json!("upon"),
            json!("not json"),
            Value::Null
        ]
    );
    assert_eq!(stream.last_event_id(), Some("5"));
    assert!(stream.next().is_none(), "ended by the end of the body");
    assert!(clock.sleeps().is_empty(), "no reconnect");
}

#[test]
fn v1_events_yield_json_or_text_and_resume_from_start_index() {
    let mut server = Server::new();
    let body = "id: 1700000000000-3\ndata: {\"a\":1}\n\n: ping\n\nid: 1700000000001-4\ndata: plain text\n\n";
    let mock = stream_mock(&mut server)
        .match_header("last-event-id", "2")
        .match_header("timeout-seconds", Matcher::Missing)
        .with_header("content-type", "text/event-stream")
        .with_body(body)
        .expect(1)
        .create();
    let (client, _) = client(&server.url());
    let mut stream = client
        .runs()
        .stream("run_1", "llm", &StreamOptions::new().start_index(3))
        .unwrap();
    let first = stream.next().unwrap().unwrap();
    assert_eq!(first, json!({"a": 1}));
    assert_eq!(stream.last_event_id(), Some("1700000000000-3"));
    let rest: Vec<Value> = stream.by_ref().collect::<Result<_, _>>().unwrap();
    mock.assert();
    assert_eq!(rest, [json!("plain text")]);
    assert_eq!(stream.last_event_id(), Some("1700000000001-4"));
}

#[test]
fn from_latest_asks_for_the_tail_only_without_a_start_index() {
    let mut server = Server::new();
    let latest = v2(
        stream_mock(&mut server)
            .match_header("x-trigger-stream-start", "latest")
            .match_header("last-event-id", Matcher::Missing),
        batch(&[record(7, "p7", json!(7))]),
    )
    .expect(1)
    .create();
    let (client, _) = client(&server.url());
    let chunks: Vec<Value> = client
        .runs()
        .stream("run_1", "llm", &StreamOptions::new().from_latest(true))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    latest.assert();
    assert_eq!(chunks, [json!(7)]);
}

#[test]
fn a_record_the_server_sends_again_after_a_reconnect_is_yielded_once() {
    let mut server = Server::new();
    // The first connection delivers records 0 and 1, then fails (`event: error`).
    let first = v2(
        stream_mock(&mut server).match_header("last-event-id", Matcher::Missing),
        batch(&[record(0, "a", json!("a")), record(1, "b", json!("b"))])
            + "event: error\ndata: stream failed\n\n",
    )
    .expect(1)
    .create();
    // The server resumes, but sends record 1 again under a new seq (as S2 can after a retry).
    let second = v2(
        stream_mock(&mut server).match_header("last-event-id", "1"),
        batch(&[record(2, "b", json!("b")), record(3, "c", json!("c"))]),
    )
    .expect(1)
    .create();
    let (client, clock) = client(&server.url());
    let chunks: Vec<Value> = client
        .runs()
        .stream("run_1", "llm", &StreamOptions::new())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    first.assert();
    second.assert();
    assert_eq!(chunks, [json!("a"), json!("b"), json!("c")]);
    assert_eq!(clock.sleeps(), [Duration::from_millis(100)]);
}

#[test]
fn a_503_is_retried_and_the_stream_resumes_with_last_event_id() {
    let mut server = Server::new();
    let first = v2(
        stream_mock(&mut server).match_header("last-event-id", Matcher::Missing),
        batch(&[record(0, "a", json!(0))]) + "event: error\ndata: boom\n\n",
    )
    .expect(1)
    .create();
    let busy = stream_mock(&mut server)
        .match_header("last-event-id", "0")
        .with_status(503)
        .with_body(r#"{"error":"unavailable"}"#)
        .expect(1)
        .create();
    let resumed = v2(
        stream_mock(&mut server).match_header("last-event-id", "0"),
        batch(&[record(1, "b", json!(1))]),
    )
    .expect(1)
    .create();
    let (client, clock) = client(&server.url());
    let chunks: Vec<Value> = client
        .runs()
        .stream("run_1", "llm", &StreamOptions::new())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    first.assert();
    busy.assert();
    resumed.assert();
    assert_eq!(chunks, [json!(0), json!(1)]);
    // The back-off doubles while nothing is delivered.
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[test]
fn terminal_statuses_end_the_stream_with_the_typed_error_at_once() {
    for (status, check) in [
        (
            404,
            (|e: &Error| matches!(e, Error::NotFound(_))) as fn(&Error) -> bool,
        ),
        (400, |e| matches!(e, Error::BadRequest(_))),
        (403, |e| matches!(e, Error::PermissionDenied(_))),
        (410, |e| e.status() == Some(410)),
    ] {
        let mut server = Server::new();
        let mock = stream_mock(&mut server)
            .with_status(status)
            .with_body(r#"{"error":"Run not found"}"#)
            .expect(1)
            .create();
        let (client, clock) = client(&server.url());
        let mut stream = client
            .runs()
            .stream("run_1", "llm", &StreamOptions::new())
            .unwrap();
        let error = stream.next().unwrap().unwrap_err();
        assert!(check(&error), "{status}: {error:?}");
        assert_eq!(error.api_error().unwrap().message, "Run not found");
        assert!(stream.next().is_none());
        mock.assert();
        assert!(clock.sleeps().is_empty(), "{status} is not retried");
    }
}

#[test]
fn a_server_that_keeps_failing_ends_the_stream_after_the_retry_policys_attempts() {
    let mut server = Server::new();
    let mock = stream_mock(&mut server).with_status(500).expect(2).create();
    let client = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .clock(FakeClock::new())
            .request_options(RequestOptions::new().retry(RetryPolicy {
                max_attempts: 2,
                ..RetryPolicy::default()
            })),
        &Env::default(),
    );
    let mut stream = client
        .runs()
        .stream("run_1", "llm", &StreamOptions::new())
        .unwrap();
    assert!(matches!(stream.next(), Some(Err(Error::Server(_)))));
    assert!(stream.next().is_none());
    mock.assert();
}

#[test]
fn bad_arguments_and_credentials_fail_before_any_request() {
    let (client, _) = client("http://127.0.0.1:9");
    let runs = client.runs();
    let invalid = |r: Result<triggerdev::RunStream, Error>| match r {
        Err(Error::InvalidArgument { argument, .. }) => argument,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        invalid(runs.stream("", "llm", &StreamOptions::new())),
        "run_id"
    );
    assert_eq!(
        invalid(runs.stream("run_1", " ", &StreamOptions::new())),
        "key"
    );
    for t in [0, 601] {
        assert_eq!(
            invalid(runs.stream("run_1", "llm", &StreamOptions::new().timeout_seconds(t))),
            "options.timeoutSeconds"
        );
    }
    let pat = client_with("http://127.0.0.1:9", PAT, FakeClock::new());
    assert!(matches!(
        pat.runs().stream("run_1", "llm", &StreamOptions::new()),
        Err(Error::UnsupportedCredential { .. })
    ));
    let streams = client.streams();
    assert!(matches!(
        streams.send_input("run_1", "", &json!(1)),
        Err(Error::InvalidArgument {
            argument: "stream_id",
            ..
        })
    ));
}

#[test]
fn send_input_posts_the_value_under_data() {
    let mut server = Server::new();
    let mock = common::with_common_headers(
        server.mock("POST", "/realtime/v1/streams/run_1/input/approval"),
        DEV_KEY,
    )
    .match_body(Matcher::Exact(r#"{"data":"yes"}"#.into()))
    .with_body(r#"{"ok":true}"#)
    .expect(1)
    .create();
    let (client, _) = client(&server.url());
    let sent = client
        .streams()
        .send_input("run_1", "approval", "yes")
        .unwrap();
    mock.assert();
    assert!(sent.ok);
}

// End to end against the emulator.

/// An emulator whose v2 windows close once they have sent what there is.
fn draining() -> Emulator {
    let emu = Emulator::start().unwrap();
    emu.set_session_options(SessionOptions {
        sse_linger: Some(Duration::ZERO),
        ..SessionOptions::default()
    });
    emu
}

fn trigger(c: &Client) -> String {
    c.tasks()
        .trigger("write-story", &json!({}), &Default::default())
        .unwrap()
        .id
}

fn connects(emu: &Emulator, run: &str) -> Vec<Value> {
    emu.requests()
        .into_iter()
        .filter(|r| r["path"] == format!("/realtime/v1/streams/{run}/llm"))
        .collect()
}

#[test]
fn a_v2_stream_cut_and_failed_mid_way_resumes_with_nothing_lost_or_repeated() {
    let emu = draining();
    let c = emulator_client(&emu, emu.seed().dev_key());
    let run = trigger(&c);
    let records: Vec<Value> = (0..8)
        .map(|i| json!({"data": {"i": i}, "id": format!("part-{i}")}))
        .collect();
    emu.append_run_stream(&run, "llm", Value::Array(records))
        .unwrap();
    emu.add_fault(FaultRule::sse_drop_after(3).times(1));
    emu.add_fault(FaultRule::sse_error_after(2).times(1));
    let chunks: Vec<Value> = c
        .runs()
        .stream(&run, "llm", &StreamOptions::new())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let seen: Vec<u64> = chunks.iter().map(|c| c["i"].as_u64().unwrap()).collect();
    assert_eq!(seen, (0..8).collect::<Vec<_>>());
    let connects = connects(&emu, &run);
    assert_eq!(connects.len(), 3, "cut, failed, then the rest");
    assert!(connects[0]["headers"]["last-event-id"].is_null());
    assert_eq!(connects[1]["headers"]["last-event-id"], "2");
    assert_eq!(connects[2]["headers"]["last-event-id"], "4");
}

#[test]
fn a_v1_stream_resumes_after_a_drop_by_its_ids_and_ends_after_the_servers_timeout() {
    let emu = Emulator::start().unwrap();
    let c = Client::with_env(
        Config::new()
            .access_token(emu.seed().dev_key())
            .base_url(emu.base_url())
            .clock(common::clock_now())
            .v2_realtime_streams(false),
        &Env::default(),
    );
    let run = trigger(&c);
    emu.append_run_stream(
        &run,
        "llm",
        json!([{"data": {"n": 1}}, {"command": "fence"}, {"data": "two"}, {"data": [3]}]),
    )
    .unwrap();
    emu.add_fault(FaultRule::sse_drop_after(2).times(1));
    let chunks: Vec<Value> = c
        .runs()
        .stream(&run, "llm", &StreamOptions::new().timeout_seconds(1))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chunks, [json!({"n": 1}), json!("two"), json!([3])]);
    let connects = connects(&emu, &run);
    assert_eq!(connects.len(), 2);
    let resumed = connects[1]["headers"]["last-event-id"].as_str().unwrap();
    assert!(resumed.ends_with("-0"), "the v1 id of record 0: {resumed}");
}

#[test]
fn an_unknown_run_is_not_found_and_input_sends_are_recorded() {
    let emu = draining();
    let c = emulator_client(&emu, emu.seed().dev_key());
    let mut stream = c
        .runs()
        .stream("run_missing", "llm", &StreamOptions::new())
        .unwrap();
    assert!(matches!(stream.next(), Some(Err(Error::NotFound(_)))));
    assert!(stream.next().is_none());

    let run = trigger(&c);
    let sent = c
        .streams()
        .send_input(&run, "approval", &json!({"approved": true}))
        .unwrap();
    assert!(sent.ok);
    let inputs = &emu.realtime()["inputs"];
    assert_eq!(inputs[0]["runId"], run.as_str());
    assert_eq!(inputs[0]["streamId"], "approval");
    assert_eq!(inputs[0]["data"], json!({"approved": true}));
    assert!(matches!(
        c.streams().send_input("run_missing", "approval", &json!(1)),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_stream_waiting_for_records_is_stopped_or_cancelled_from_another_thread() {
    // The window stays open (no linger): `next` blocks until a record, a stop or a cancel.
    let emu = Emulator::start().unwrap();
    let c = emulator_client(&emu, emu.seed().dev_key());
    let run = trigger(&c);
    emu.append_run_stream(&run, "llm", json!({"data": "first"}))
        .unwrap();
    let mut stream = c.runs().stream(&run, "llm", &StreamOptions::new()).unwrap();
    assert_eq!(stream.next().unwrap().unwrap(), json!("first"));
    let stopper = stream.stopper();
    let blocked = std::thread::spawn(move || stream.next().map(|r| r.map_err(|e| e.to_string())));
    stopper.stop();
    assert_eq!(blocked.join().unwrap(), None, "stopped: no chunk, no error");

    let token = CancelToken::new();
    let cancellable = c.with_options(RequestOptions::new().cancel_token(token.clone()));
    let mut stream = cancellable
        .runs()
        .stream(&run, "llm", &StreamOptions::new())
        .unwrap();
    assert_eq!(stream.next().unwrap().unwrap(), json!("first"));
    let blocked = std::thread::spawn(move || stream.next());
    token.cancel();
    assert!(matches!(
        blocked.join().unwrap(),
        Some(Err(Error::Cancelled { interrupted: false }))
    ));
}
