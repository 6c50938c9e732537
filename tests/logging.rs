//! Observable retries: through the `log` facade, one DEBUG line per request (method, path,
//! status, time, attempt) and one INFO line per retry (reason, wait), never a secret.

mod common;

use std::sync::Mutex;

use common::{client_with, FakeClock, DEV_KEY};

/// What the logger of this test binary received: (level, target, text).
static LINES: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

/// `text` with the digits of its timings replaced, so that lines compare exactly.
fn without_ms(text: &str) -> String {
    let mut out = String::new();
    let mut words = text.split(' ').peekable();
    while let Some(word) = words.next() {
        if words.peek() == Some(&"ms") && word.chars().all(|c| c.is_ascii_digit()) {
            out.push('N');
        } else {
            out.push_str(word);
        }
        out.push(' ');
    }
    out.trim_end().to_owned()
}

#[test]
fn a_retried_call_logs_each_request_and_each_retry_without_secrets() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let mut server = mockito::Server::new();
    let unavailable = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(503)
        .with_body(r#"{"error":"Service Unavailable"}"#)
        .expect(1)
        .create();
    let ok = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(r#"{"id":"run_1","status":"QUEUED","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z"}"#)
        .expect(1)
        .create();
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    client.runs().retrieve("run_1").unwrap();
    unavailable.assert();
    ok.assert();

    let lines: Vec<(log::Level, String)> = LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, target, _)| target == "triggerdev")
        .map(|(level, _, text)| (*level, without_ms(text)))
        .collect();
    assert_eq!(
        lines,
        [
            (
                log::Level::Debug,
                "GET /api/v3/runs/run_1 -> 503 in N ms (attempt 1)".to_owned()
            ),
            (
                log::Level::Info,
                "retrying GET /api/v3/runs/run_1 in N ms after 503 Service Unavailable (attempt 2 of 5 next)"
                    .to_owned()
            ),
            (
                log::Level::Debug,
                "GET /api/v3/runs/run_1 -> 200 in N ms (attempt 2)".to_owned()
            ),
        ]
    );
    // The retry's wait is the policy's first delay (the fake clock's random() is 0).
    assert!(LINES
        .lock()
        .unwrap()
        .iter()
        .any(|(_, _, t)| t.contains(" in 1000 ms after ")));
    // (ureq's own TRACE lines hex-dump the raw request, Authorization included: README says
    // to keep `ureq_proto` at DEBUG; the C ABI and the bindings pass on `triggerdev` lines only.)
    for (level, target, text) in LINES.lock().unwrap().iter() {
        if target.starts_with("triggerdev") {
            assert!(
                !text.contains(DEV_KEY) && !text.contains("Bearer"),
                "{level} {target}: {text}"
            );
        }
    }
}
