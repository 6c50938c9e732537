//! The retry policy (`docs/wire.md#retries`), with an injected clock: nothing here sleeps.

mod common;

use std::time::Duration;

use common::*;
use mockito::Matcher;
use serde_json::json;
use triggerdev::{Client, Config, Env, Error, RequestOptions, RetryPolicy, TriggerOptions};

fn ms(clock: &FakeClock) -> Vec<u128> {
    clock.sleeps().iter().map(|d| d.as_millis()).collect()
}

#[test]
fn five_attempts_with_the_default_backoff_then_the_error() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(500)
        .with_body(r#"{"error":"Something went wrong"}"#)
        .expect(5)
        .create();
    let clock = FakeClock::new();
    let err = client_with(&server.url(), DEV_KEY, clock.clone())
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    mock.assert();
    assert!(matches!(err, Error::Server(_)));
    assert_eq!(ms(&clock), [1000, 1600, 2560, 4096]);
}

#[test]
fn a_5xx_then_success_returns_the_success() {
    let mut server = mockito::Server::new();
    let fail = server
        .mock("POST", "/api/v2/runs/run_1/cancel")
        .with_status(503)
        .expect(2)
        .create();
    let ok = server
        .mock("POST", "/api/v2/runs/run_1/cancel")
        .with_body(r#"{"id":"run_1"}"#)
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let id = client_with(&server.url(), DEV_KEY, clock.clone())
        .runs()
        .cancel("run_1")
        .unwrap();
    assert_eq!(id, "run_1");
    fail.assert();
    ok.assert();
    assert_eq!(ms(&clock), [1000, 1600]);
}

/// A mock that records the `x-trigger-request-idempotency-key` of each request it serves.
fn recording_mock(
    server: &mut mockito::Server,
    status: usize,
    expect: usize,
    seen: &std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> mockito::Mock {
    let seen = seen.clone();
    server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_request(move |req| {
            let key = req.header("x-trigger-request-idempotency-key");
            seen.lock()
                .unwrap()
                .push(key[0].to_str().unwrap().to_owned());
            true
        })
        .with_status(status)
        .with_body(r#"{"id":"run_1"}"#)
        .expect(expect)
        .create()
}

#[test]
fn the_request_idempotency_key_is_made_once_and_reused_on_retries() {
    let mut server = mockito::Server::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let failing = recording_mock(&mut server, 500, 2, &seen);
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    // Once `failing` has its 2 hits, mockito serves the next matching mock.
    let ok = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .with_body(r#"{"id":"run_1"}"#)
        .expect(1)
        .create();
    client
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    failing.assert();
    ok.assert();
    let keys = seen.lock().unwrap().clone();
    // The matcher sees every request (3 here), each with the same key.
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");

    // A new logical call gets a new key.
    server.reset();
    let fresh = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let again = recording_mock(&mut server, 200, 1, &fresh);
    client
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    again.assert();
    assert_ne!(fresh.lock().unwrap()[0], keys[0]);
}

#[test]
fn x_should_retry_true_retries_a_4xx_and_false_stops_a_5xx() {
    let mut server = mockito::Server::new();
    let not_found = server
        .mock("GET", "/api/v3/runs/run_missing")
        .with_status(404)
        .with_header("x-should-retry", "true")
        .with_body(r#"{"error":"Run not found"}"#)
        .expect(5)
        .create();
    let no_retry = server
        .mock("GET", "/api/v3/runs/run_x")
        .with_status(500)
        .with_header("x-should-retry", "false")
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let err = client.runs().retrieve("run_missing").unwrap_err();
    assert_eq!(err.to_string(), "404 Run not found");
    not_found.assert();
    assert_eq!(ms(&clock), [1000, 1600, 2560, 4096]);
    let err = client.runs().retrieve("run_x").unwrap_err();
    assert!(matches!(err, Error::Server(_)));
    no_retry.assert();
}

#[test]
fn statuses_408_409_are_retried_and_other_4xx_are_not() {
    for (status, expected) in [
        (408, 2),
        (409, 2),
        (400, 1),
        (401, 1),
        (403, 1),
        (404, 1),
        (422, 1),
    ] {
        let mut server = mockito::Server::new();
        let mock = server
            .mock("POST", "/api/v1/runs/run_1/replay")
            .with_status(status)
            .expect(expected)
            .create();
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
        assert!(client.runs().replay("run_1", &Default::default()).is_err());
        mock.assert();
    }
}

#[test]
fn a_429_waits_until_the_rate_limit_resets() {
    let clock = FakeClock::new();
    let reset_ms = clock.epoch_ms() + 2500;
    let mut server = mockito::Server::new();
    let limited = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(429)
        .with_header("x-ratelimit-reset", &reset_ms.to_string())
        .with_body(r#"{"error":"Rate limit exceeded"}"#)
        .expect(1)
        .create();
    let ok = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(
            json!({"id":"run_1","status":"QUEUED","taskIdentifier":"t","createdAt":"2026-01-01T00:00:00Z"})
                .to_string(),
        )
        .expect(1)
        .create();
    let run = client_with(&server.url(), DEV_KEY, clock.clone())
        .runs()
        .retrieve("run_1")
        .unwrap();
    assert_eq!(run.id, "run_1");
    limited.assert();
    ok.assert();
    assert_eq!(ms(&clock), [2500]);
}

#[test]
fn a_429_reset_in_seconds_or_retry_after_is_understood() {
    let clock = FakeClock::new();
    let reset_s = clock.epoch_ms() / 1000 + 3;
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v3/batches")
        .with_status(429)
        .with_header("x-ratelimit-reset", &reset_s.to_string())
        .expect(1)
        .create();
    server
        .mock("POST", "/api/v3/batches")
        .with_status(429)
        .with_header("retry-after", "4")
        .expect(1)
        .create();
    server
        .mock("POST", "/api/v3/batches")
        .with_status(202)
        .with_body(r#"{"id":"batch_1","runCount":1,"isCached":true}"#)
        .expect(1)
        .create();
    let handle = client_with(&server.url(), DEV_KEY, clock.clone())
        .tasks()
        .batch_trigger(
            &[triggerdev::BatchItem::new("t", &1).unwrap()],
            &triggerdev::BatchTriggerOptions::new().idempotency_key("k"),
        )
        .unwrap();
    assert!(handle.is_cached);
    assert_eq!(ms(&clock), [3000, 4000]);
}

#[test]
fn a_429_whose_reset_is_too_far_fails_at_once_with_the_wait() {
    let clock = FakeClock::new();
    let reset_ms = clock.epoch_ms() + 3_600_000;
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(429)
        .with_header("x-ratelimit-reset", &reset_ms.to_string())
        .with_body(r#"{"error":"Rate limit exceeded"}"#)
        .expect(1)
        .create();
    let err = client_with(&server.url(), DEV_KEY, clock.clone())
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    mock.assert();
    match err {
        Error::RateLimited { error, reset_after } => {
            assert_eq!(error.message, "Rate limit exceeded");
            assert_eq!(reset_after, Some(Duration::from_secs(3600)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(clock.sleeps().is_empty());
}

#[test]
fn connection_errors_are_retried_then_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = FakeClock::new();
    let err = client_with(&format!("http://127.0.0.1:{port}"), DEV_KEY, clock.clone())
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(ms(&clock), [1000, 1600, 2560, 4096]);
}

#[test]
fn the_policy_can_be_changed_per_client_and_per_call() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(500)
        .expect(3 + 1)
        .create();
    let clock = FakeClock::new();
    let policy = RetryPolicy {
        max_attempts: 3,
        factor: 2.0,
        min_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(300),
        randomize: false,
        ..RetryPolicy::default()
    };
    let client = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .clock(clock.clone())
            .request_options(RequestOptions::new().retry(policy)),
        &Env::default(),
    );
    assert!(client.runs().retrieve("run_1").is_err());
    assert_eq!(ms(&clock), [100, 200]);
    // Per call: no retries at all.
    assert!(client
        .with_options(RequestOptions::new().retry(RetryPolicy::none()))
        .runs()
        .retrieve("run_1")
        .is_err());
    mock.assert();
    assert_eq!(ms(&clock), [100, 200], "the per-call policy made no retry");
}

#[test]
fn randomized_backoff_multiplies_by_one_to_two() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(500)
        .expect(2)
        .create();
    let clock = FakeClock::with_random(0.5);
    let client = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .clock(clock.clone())
            .request_options(RequestOptions::new().retry(RetryPolicy {
                max_attempts: 2,
                randomize: true,
                ..RetryPolicy::default()
            })),
        &Env::default(),
    );
    assert!(client.runs().retrieve("run_1").is_err());
    assert_eq!(ms(&clock), [1500]);
}

#[test]
fn additional_headers_are_added_but_never_replace_ours() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v3/runs/run_1")
        .match_header("x-custom", "yes")
        .match_header("x-trigger-source", "sdk")
        .match_header("authorization", Matcher::Exact(format!("Bearer {DEV_KEY}")))
        .with_status(404)
        .create();
    let client = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .request_options(
                RequestOptions::new()
                    .retry(RetryPolicy::none())
                    .header("x-custom", "yes")
                    .header("x-trigger-source", "other")
                    .header("authorization", "Bearer stolen"),
            ),
        &Env::default(),
    );
    assert!(matches!(
        client.runs().retrieve("run_1"),
        Err(Error::NotFound(_))
    ));
    mock.assert();
}

/// Reads one request head (the retrieve has no body) from `stream`.
fn read_request_head(stream: &mut std::net::TcpStream) {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "the client hung up");
        head.push(byte[0]);
    }
}

#[test]
fn a_pooled_connection_the_server_closed_is_not_reused() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (closed_tx, closed_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        let body = br#"{"id":"run_1","status":"QUEUED","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z","updatedAt":"2025-01-01T00:00:00.000Z","isTest":false,"tags":[],"attempts":[],"depth":0,"attemptCount":0,"costInCents":0,"baseCostInCents":0,"durationMs":0,"env":{"id":"e","name":"dev","user":null},"version":null,"idempotencyKey":null,"ttl":null,"isQueued":true,"isExecuting":false,"isCompleted":false,"isSuccess":false,"isFailed":false,"isCancelled":false,"relatedRuns":{}}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        for i in 0..2 {
            let (mut stream, _) = listener.accept().unwrap();
            read_request_head(&mut stream);
            stream.write_all(response.as_bytes()).unwrap();
            stream.write_all(body).unwrap();
            // A keep-alive response, then the server closes the connection anyway (an idle
            // timeout); the client learns it only from the socket.
            stream.shutdown(std::net::Shutdown::Both).unwrap();
            drop(stream);
            if i == 0 {
                closed_tx.send(()).unwrap();
            }
        }
    });
    let c = client(&url); // no retries: a stale connection would be a Connection error
    assert_eq!(c.runs().retrieve("run_1").unwrap().id, "run_1");
    closed_rx.recv().unwrap();
    assert_eq!(c.runs().retrieve("run_1").unwrap().id, "run_1");
    server.join().unwrap(); // the second call came on a second connection
}
