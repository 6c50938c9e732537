//! Ending waits: a cancel token fired from another thread, and the thread's interrupt check,
//! end a back-off, a poll's interval, a slow response and a silent subscription; a poll's
//! overall timeout is in tests/runs.rs.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::DEV_KEY;
use serde_json::json;
use triggerdev::{
    cancel, CancelToken, Client, Config, Env, Error, PollOptions, RequestOptions, RetryPolicy,
    SubscribeOptions,
};

/// A real-clock client of `url` carrying `token`, whose retries wait 30 s.
fn client(url: &str, token: &CancelToken) -> Client {
    let slow_retries = RetryPolicy {
        min_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(30),
        ..RetryPolicy::default()
    };
    Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(url)
            .request_options(
                RequestOptions::new()
                    .retry(slow_retries)
                    .cancel_token(token.clone()),
            ),
        &Env::default(),
    )
}

/// A server that reads one request, reports it on the channel, writes `head` and then never
/// answers further (until the client hangs up).
fn silent_server(head: &'static str) -> (String, mpsc::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (arrived, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let _ = socket.write_all(head.as_bytes());
        let _ = arrived.send(());
        // Hold the connection open until the client closes it.
        while matches!(socket.read(&mut buf), Ok(n) if n > 0) {}
    });
    (url, rx)
}

/// Waits (bounded, as a hang guard) until `mock` has been requested.
fn await_hit(mock: &mockito::Mock) {
    for _ in 0..5000 {
        if mock.matched() {
            return;
        }
        thread::sleep(Duration::from_millis(2));
    }
    panic!("the request never arrived");
}

#[test]
fn a_fired_token_fails_the_call_before_anything_is_sent() {
    let mut server = mockito::Server::new();
    let never = server.mock("GET", mockito::Matcher::Any).expect(0).create();
    let token = CancelToken::new();
    token.cancel();
    let err = client(&server.url(), &token)
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    assert!(
        matches!(err, Error::Cancelled { interrupted: false }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the call was cancelled");
    never.assert();
}

#[test]
fn a_token_fired_during_a_back_off_ends_the_call() {
    let mut server = mockito::Server::new();
    let failing = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(500)
        .with_body(r#"{"error":"boom"}"#)
        .expect(1)
        .create();
    let token = CancelToken::new();
    let c = client(&server.url(), &token);
    let call = thread::spawn(move || c.runs().retrieve("run_1"));
    await_hit(&failing);
    token.cancel(); // the call is now in its 30 s back-off
    let err = call.join().unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Cancelled { interrupted: false }),
        "{err:?}"
    );
    failing.assert();
}

#[test]
fn a_token_fired_while_a_response_is_slow_ends_the_call() {
    let (url, arrived) = silent_server("");
    let token = CancelToken::new();
    let c = client(&url, &token);
    let call = thread::spawn(move || c.runs().retrieve("run_1"));
    arrived.recv().unwrap();
    token.cancel();
    let err = call.join().unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Cancelled { interrupted: false }),
        "{err:?}"
    );
}

#[test]
fn a_token_fired_during_a_poll_interval_ends_the_poll() {
    let mut server = mockito::Server::new();
    let running = json!({"id": "run_1", "status": "EXECUTING", "taskIdentifier": "t",
                         "createdAt": "2025-01-01T00:00:00.000Z"});
    let retrieved = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(running.to_string())
        .expect(1)
        .create();
    let token = CancelToken::new();
    let c = client(&server.url(), &token);
    let options = PollOptions::new().interval(Duration::from_secs(60));
    let call = thread::spawn(move || c.runs().poll("run_1", &options));
    await_hit(&retrieved);
    token.cancel();
    let err = call.join().unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Cancelled { interrupted: false }),
        "{err:?}"
    );
    retrieved.assert();
}

#[test]
fn the_interrupt_check_of_the_calling_thread_ends_its_wait() {
    let (url, arrived) = silent_server("");
    let flag = Arc::new(AtomicBool::new(false));
    let setter = {
        let flag = flag.clone();
        thread::spawn(move || {
            arrived.recv().unwrap();
            flag.store(true, Ordering::SeqCst); // what a SIGINT handler would do
        })
    };
    let check = flag.clone();
    cancel::set_interrupt_check(Some(Box::new(move || check.load(Ordering::SeqCst))));
    let err = client(&url, &CancelToken::new())
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    cancel::set_interrupt_check(None);
    setter.join().unwrap();
    assert!(
        matches!(err, Error::Cancelled { interrupted: true }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the call was interrupted");
    // Removed: the flag no longer stops this thread's calls (the server is gone: a connection
    // error, not an interruption).
    let retry_once = RequestOptions::new().retry(RetryPolicy::none());
    let err = client(&url, &CancelToken::new())
        .with_options(retry_once)
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    assert!(!matches!(err, Error::Cancelled { .. }), "{err:?}");
}

#[test]
fn a_token_ends_a_silent_subscription_with_an_error_and_a_stop_without_one() {
    let sse = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n";
    for stop in [false, true] {
        let (url, arrived) = silent_server(sse);
        let token = CancelToken::new();
        let session = client(&url, &token).sessions().open("chat-1").unwrap();
        let mut sub = session
            .output()
            .subscribe(&SubscribeOptions::new())
            .unwrap();
        let stopper = sub.stopper();
        let firing = thread::spawn(move || {
            arrived.recv().unwrap();
            if stop {
                stopper.stop();
            } else {
                token.cancel();
            }
        });
        let next = sub.next();
        firing.join().unwrap();
        if stop {
            assert!(next.is_none(), "stopped: the subscription ends, {next:?}");
        } else {
            let err = next.unwrap().unwrap_err();
            assert!(
                matches!(err, Error::Cancelled { interrupted: false }),
                "{err:?}"
            );
            assert!(sub.next().is_none(), "and then ends");
        }
    }
}
