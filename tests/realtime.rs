//! Realtime run subscriptions over the shape protocol, against mockito: the exact requests
//! (parameters sorted, the lean header set, the live long poll), rows turned into runs, the end
//! after the run finished, 409 restarts that repeat nothing, retries that resume the same URL,
//! typed errors where the official client would stall, stopping, and `wait`.

mod common;

use std::time::Duration;

use common::{client_with, FakeClock, DEV_KEY};
use mockito::{Matcher, Mock, Server};
use serde_json::{json, Value};
use triggerdev::{Error, RunStatus, SubscribeRunOptions, SubscribeRunsOptions};

const SCHEMA: &str = r#"{"id":{"type":"text"},"friendlyId":{"type":"text"},"taskIdentifier":{"type":"text"},"status":{"type":"text"},"createdAt":{"type":"timestamp"},"updatedAt":{"type":"timestamp"},"completedAt":{"type":"timestamp"},"usageDurationMs":{"type":"int4"},"costInCents":{"type":"float8"},"isTest":{"type":"bool"},"runTags":{"type":"text","dims":1},"output":{"type":"text"},"outputType":{"type":"text"}}"#;

fn row(status: &str, extra: Value) -> Value {
    let mut value = json!({
        "id": "internal_1", "friendlyId": "run_1", "taskIdentifier": "send-email",
        "status": status, "createdAt": "2025-01-01 00:00:00.000",
        "updatedAt": "2025-01-01 00:00:01.000", "usageDurationMs": "0", "costInCents": "0",
        "isTest": "f", "runTags": "{\"a\",\"b\"}"
    });
    value
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    value
}

fn insert(value: Value) -> Value {
    json!({"key": "\"public\".\"TaskRun\"/\"internal_1\"", "value": value, "headers": {"operation": "insert"}})
}

fn update(value: Value) -> Value {
    json!({"key": "\"public\".\"TaskRun\"/\"internal_1\"", "value": value, "headers": {"operation": "update"}})
}

fn up_to_date() -> Value {
    json!({"headers": {"control": "up-to-date"}})
}

/// A shape response mock: the given query, status and protocol headers, the body as JSON.
fn shape(
    server: &mut Server,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> Mock {
    let mut mock = server
        .mock("GET", path)
        .match_query(Matcher::Exact(query.into()))
        .match_header("authorization", format!("Bearer {DEV_KEY}").as_str())
        .match_header("x-trigger-electric-version", "1.0.0-beta.1")
        .match_header("x-trigger-api-version", "2025-07-16")
        .match_header("content-type", Matcher::Missing)
        .match_header("x-trigger-source", Matcher::Missing)
        .match_header("x-trigger-request-idempotency-key", Matcher::Missing)
        .with_body(body.to_string());
    for (name, value) in headers {
        mock = mock.with_header(*name, value);
    }
    mock
}

/// The first answer of run_1's feed (`log=full&offset=-1`): handle h1, offset 0_1, `body`.
fn first_answer(server: &mut Server, body: Value) -> Mock {
    let headers = [
        ("electric-handle", "h1"),
        ("electric-offset", "0_1"),
        ("electric-schema", SCHEMA),
    ];
    shape(
        server,
        "/realtime/v1/runs/run_1",
        "log=full&offset=-1",
        &headers,
        body,
    )
}

/// A snapshot of run_1 after it finished.
fn completed() -> Value {
    json!([
        insert(row(
            "COMPLETED_SUCCESSFULLY",
            json!({"completedAt": "2025-01-01 00:00:02"})
        )),
        up_to_date()
    ])
}

#[test]
fn a_run_subscription_yields_each_change_and_ends_once_the_run_finished() {
    let mut server = Server::new();
    let snapshot = first_answer(
        &mut server,
        json!([insert(row("EXECUTING", json!({}))), up_to_date()]),
    )
    .expect(1)
    .create();
    let live = shape(
        &mut server,
        "/realtime/v1/runs/run_1",
        "cursor=&handle=h1&live=true&log=full&offset=0_1",
        &[
            ("electric-handle", "h1"),
            ("electric-offset", "0_2"),
            ("electric-cursor", "c1"),
        ],
        json!([
            update(
                json!({"id": "internal_1", "status": "COMPLETED_SUCCESSFULLY",
                          "completedAt": "2025-01-01 00:00:09.000", "usageDurationMs": "8000",
                          "output": "{\"sent\":true}", "outputType": "application/json"})
            ),
            up_to_date()
        ]),
    )
    .expect(1)
    .create();
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    let runs: Vec<_> = client
        .runs()
        .subscribe("run_1", &SubscribeRunOptions::new())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    snapshot.assert();
    live.assert();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0].id.as_str(), &runs[0].status),
        ("run_1", &RunStatus::Executing)
    );
    assert!(runs[0].is_executing && !runs[0].is_completed);
    assert_eq!(runs[0].tags, ["a", "b"]);
    assert_eq!(runs[0].created_at, "2025-01-01T00:00:00.000Z");
    let done = &runs[1];
    assert_eq!(done.status, RunStatus::Completed);
    assert!(done.is_completed && done.is_success);
    assert_eq!(
        done.finished_at.as_deref(),
        Some("2025-01-01T00:00:09.000Z")
    );
    assert_eq!(done.duration_ms, 8000.0);
    assert_eq!(
        done.output.as_ref().map(|o| o.to_value()),
        Some(json!({"sent": true}))
    );
    assert_eq!(
        done.task_identifier, "send-email",
        "merged from the earlier row"
    );
}

#[test]
fn tag_feeds_send_their_parameters_sorted_and_skip_columns() {
    let mut server = Server::new();
    let feed = shape(
        &mut server,
        "/realtime/v1/runs",
        "createdAt=1h&log=full&offset=-1&skipColumns=payload%2Coutput&tags=a%2Cb",
        &[
            ("electric-handle", "h"),
            ("electric-offset", "0_1"),
            ("electric-schema", SCHEMA),
        ],
        json!([insert(row("PENDING", json!({}))), up_to_date()]),
    )
    .create();
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    let options = SubscribeRunsOptions::new()
        .created_at("1h")
        .skip_columns(["payload", "output"]);
    let mut sub = client
        .runs()
        .subscribe_tagged(&["a", "b"], &options)
        .unwrap();
    let first = sub.next().unwrap().unwrap();
    feed.assert();
    assert_eq!(
        first.status,
        RunStatus::Queued,
        "PENDING is reported as QUEUED"
    );
    assert!(matches!(
        client.runs().subscribe_tagged(&[], &options).unwrap_err(),
        Error::InvalidArgument {
            argument: "tags",
            ..
        }
    ));
    assert!(matches!(
        client.batches().subscribe("batch_1", &options).unwrap_err(),
        Error::InvalidArgument {
            argument: "options.created_at",
            ..
        }
    ));
}

#[test]
fn a_409_restarts_with_the_new_handle_and_repeats_no_row() {
    let mut server = Server::new();
    let snapshot = first_answer(
        &mut server,
        json!([insert(row("EXECUTING", json!({}))), up_to_date()]),
    )
    .create();
    let rotated = server
        .mock("GET", "/realtime/v1/runs/run_1")
        .match_query(Matcher::Exact(
            "cursor=&handle=h1&live=true&log=full&offset=0_1".into(),
        ))
        .with_status(409)
        .with_header("electric-handle", "h2")
        .with_body(r#"[{"headers":{"control":"must-refetch"}}]"#)
        .create();
    // The new shape's snapshot sends the same row again: not yielded twice.
    let again = shape(
        &mut server,
        "/realtime/v1/runs/run_1",
        "expired_handle=h1&handle=h2&log=full&offset=-1",
        &[
            ("electric-handle", "h2"),
            ("electric-offset", "1_1"),
            ("electric-schema", SCHEMA),
        ],
        json!([insert(row("EXECUTING", json!({}))), up_to_date()]),
    )
    .create();
    let finished = shape(
        &mut server,
        "/realtime/v1/runs/run_1",
        "cursor=&expired_handle=h1&handle=h2&live=true&log=full&offset=1_1",
        &[("electric-handle", "h2"), ("electric-offset", "1_2"), ("electric-cursor", "c")],
        json!([update(json!({"id": "internal_1", "status": "CANCELED", "completedAt": "2025-01-01 00:00:05"})), up_to_date()]),
    )
    .create();
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    let statuses: Vec<RunStatus> = client
        .runs()
        .subscribe("run_1", &SubscribeRunOptions::new())
        .unwrap()
        .map(|r| r.unwrap().status)
        .collect();
    for m in [snapshot, rotated, again, finished] {
        m.assert();
    }
    assert_eq!(statuses, [RunStatus::Executing, RunStatus::Canceled]);
}

#[test]
fn rate_limits_and_server_errors_are_retried_with_the_same_request() {
    let mut server = Server::new();
    let busy = server
        .mock("GET", "/realtime/v1/runs/run_1")
        .match_query(Matcher::Exact("log=full&offset=-1".into()))
        .with_status(429)
        .with_body(r#"{"error":"Too many concurrent requests"}"#)
        .expect(1)
        .create();
    let broken = server
        .mock("GET", "/realtime/v1/runs/run_1")
        .match_query(Matcher::Exact("log=full&offset=-1".into()))
        .with_status(503)
        .expect(1)
        .create();
    let ok = first_answer(&mut server, completed()).create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let runs: Vec<_> = client
        .runs()
        .subscribe("run_1", &SubscribeRunOptions::new())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    busy.assert();
    broken.assert();
    ok.assert();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(100), Duration::from_millis(130)]
    );
}

#[test]
fn a_2xx_without_the_protocol_headers_or_with_a_bad_body_is_a_typed_error() {
    for (headers, body, message) in [
        (
            vec![("electric-offset", "0_1"), ("electric-schema", SCHEMA)],
            "[]",
            "lacks the electric-handle header",
        ),
        (
            vec![("electric-handle", "h"), ("electric-offset", "0_1")],
            "[]",
            "lacks the electric-schema header",
        ),
        (
            vec![
                ("electric-handle", "h"),
                ("electric-offset", "0_1"),
                ("electric-schema", SCHEMA),
            ],
            r#"{"not":"an array"}"#,
            "not a JSON array",
        ),
        (
            vec![
                ("electric-handle", "h"),
                ("electric-offset", "0_1"),
                ("electric-schema", SCHEMA),
            ],
            r#"[{"key":"k","value":{"friendlyId":"run_1","status":"PENDING"},"headers":{"operation":"insert"}},{"headers":{"control":"up-to-date"}}]"#,
            "`id` is missing",
        ),
    ] {
        let mut server = Server::new();
        let mut mock = server
            .mock("GET", "/realtime/v1/runs/run_1")
            .match_query(Matcher::Any)
            .with_body(body);
        for (name, value) in &headers {
            mock = mock.with_header(*name, value);
        }
        let _m = mock.create();
        let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
        let mut sub = client
            .runs()
            .subscribe("run_1", &SubscribeRunOptions::new())
            .unwrap();
        let err = sub.next().unwrap().unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
        assert!(err.to_string().contains(message), "{err}");
        assert!(sub.next().is_none(), "the error ends the subscription");
    }
}

#[test]
fn a_404_is_yielded_once_instead_of_a_silent_stall() {
    let mut server = Server::new();
    let missing = server
        .mock("GET", "/realtime/v1/runs/run_nope")
        .match_query(Matcher::Any)
        .with_status(404)
        .with_body(r#"{"error":"Run not found"}"#)
        .expect(1)
        .create();
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    let mut sub = client
        .runs()
        .subscribe("run_nope", &SubscribeRunOptions::new())
        .unwrap();
    assert!(matches!(sub.next(), Some(Err(Error::NotFound(_)))));
    assert!(sub.next().is_none());
    missing.assert();
}

#[test]
fn wait_returns_the_finished_run_or_times_out_with_the_last_one() {
    let mut server = Server::new();
    let _snapshot = first_answer(
        &mut server,
        json!([insert(row("EXECUTING", json!({}))), up_to_date()]),
    )
    .create();
    // The live poll keeps being refused: its back-offs move the fake clock to the deadline.
    let _busy = server
        .mock("GET", "/realtime/v1/runs/run_1")
        .match_query(Matcher::Exact(
            "cursor=&handle=h1&live=true&log=full&offset=0_1".into(),
        ))
        .with_status(429)
        .create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let err = client
        .runs()
        .wait("run_1", Duration::from_secs(30))
        .unwrap_err();
    match err {
        Error::WaitTimeout { timeout, last_run } => {
            assert_eq!(timeout, Duration::from_secs(30));
            assert_eq!(last_run.unwrap().status, RunStatus::Executing);
        }
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
    let slept: Duration = clock.sleeps().iter().sum();
    assert_eq!(
        slept,
        Duration::from_secs(30),
        "waited exactly to the deadline"
    );

    let mut server = Server::new();
    let _done = shape(
        &mut server,
        "/realtime/v1/runs/run_2",
        "log=full&offset=-1",
        &[
            ("electric-handle", "h"),
            ("electric-offset", "0_1"),
            ("electric-schema", SCHEMA),
        ],
        json!([
            insert(row(
                "COMPLETED_WITH_ERRORS",
                json!({"friendlyId": "run_2", "completedAt": "2025-01-01 00:00:03"})
            )),
            up_to_date()
        ]),
    )
    .create();
    let client = client_with(&server.url(), DEV_KEY, FakeClock::new());
    let run = client
        .runs()
        .wait("run_2", Duration::from_secs(30))
        .unwrap();
    assert_eq!(
        (run.id.as_str(), &run.status),
        ("run_2", &RunStatus::Failed)
    );
    assert!(run.is_failed && run.is_completed);
}

mod c_abi {
    //! The same feed through the C ABI: the subscription handle, its end, and wait.

    use std::ffi::{CStr, CString};
    use std::ptr;

    use super::*;
    use triggerdev::ffi::*;

    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    #[test]
    fn subscribe_next_until_the_end_and_wait() {
        let mut server = Server::new();
        let _snapshot = shape(
            &mut server,
            "/realtime/v1/runs/run_1",
            "log=full&offset=-1&skipColumns=payload",
            &[
                ("electric-handle", "h1"),
                ("electric-offset", "0_1"),
                ("electric-schema", SCHEMA),
            ],
            completed(),
        )
        .expect_at_least(1)
        .create();
        let _wait = first_answer(&mut server, completed()).create();
        let config = json!({"accessToken": DEV_KEY, "baseURL": server.url()}).to_string();
        let mut client = ptr::null_mut();
        let mut err = ptr::null_mut();
        unsafe {
            assert_eq!(
                trigger_client_new(c(&config).as_ptr(), &mut client, &mut err),
                trigger_result::Ok
            );
            let mut sub = ptr::null_mut();
            let options = c(r#"{"skipColumns":["payload"]}"#);
            assert_eq!(
                trigger_runs_subscribe(
                    client,
                    c("run_1").as_ptr(),
                    options.as_ptr(),
                    &mut sub,
                    &mut err
                ),
                trigger_result::Ok
            );
            let mut out = ptr::null_mut();
            assert_eq!(
                trigger_run_subscription_next(sub, &mut out, &mut err),
                trigger_result::Ok
            );
            let run: Value = serde_json::from_str(CStr::from_ptr(out).to_str().unwrap()).unwrap();
            trigger_string_free(out);
            assert_eq!(
                (run["id"].as_str(), run["status"].as_str()),
                (Some("run_1"), Some("COMPLETED"))
            );
            assert_eq!(run["isCompleted"], true);
            // The run finished: the subscription has ended.
            assert_eq!(
                trigger_run_subscription_next(sub, &mut out, &mut err),
                trigger_result::Ok
            );
            assert!(out.is_null());
            trigger_run_subscription_stop(sub);
            trigger_run_subscription_free(sub);

            let mut out = ptr::null_mut();
            assert_eq!(
                trigger_runs_wait(client, c("run_1").as_ptr(), 30_000, &mut out, &mut err),
                trigger_result::Ok
            );
            let run: Value = serde_json::from_str(CStr::from_ptr(out).to_str().unwrap()).unwrap();
            trigger_string_free(out);
            assert_eq!(run["finishedAt"], "2025-01-01T00:00:02Z");
            assert_eq!(
                trigger_runs_wait(client, c("run_1").as_ptr(), 0, &mut out, &mut err),
                trigger_result::InvalidArgument
            );
            trigger_error_free(err);
            trigger_client_free(client);
        }
    }
}
