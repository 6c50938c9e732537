//! Batch results (`batches().results`) and run spans (`runs().retrieve_span`) on the wire
//! (mockito): the exact request, every `TaskRunError` form decoded; then against the emulator.

mod common;

use common::*;
use mockito::{Matcher, Server};
use serde_json::json;
use triggerdev::{BatchItem, BatchTriggerOptions, Error, TaskRunError, TokenKind};
use triggerdev_emulator::Emulator;

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln";

#[test]
fn batch_results_decode_outputs_and_every_error_form() {
    let mut server = Server::new();
    let body = json!({"id": "batch_1", "items": [
        {"ok": true, "id": "run_1", "output": "{\"sent\":true}", "outputType": "application/json",
         "usage": {"durationMs": 1500}, "taskIdentifier": "send-email"},
        {"ok": false, "id": "run_2",
         "error": {"type": "BUILT_IN_ERROR", "name": "TypeError", "message": "boom", "stackTrace": "at x",
                   "causes": [{"message": "inner"}]},
         "retry": {"timestamp": 1, "delay": 2}, "skippedRetrying": true},
        {"ok": false, "id": "run_3", "error": {"type": "CUSTOM_ERROR", "raw": "{\"a\":1}"}},
        {"ok": false, "id": "run_4", "error": {"type": "STRING_ERROR", "raw": "nope"}},
        {"ok": false, "id": "run_5", "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"}},
        {"ok": false, "id": "run_6", "error": {"type": "INTERNAL_ERROR", "code": "MAX_DURATION_EXCEEDED",
                                               "message": "too long", "stackTrace": "s"}},
        {"ok": false, "id": "run_7", "error": {"type": "SOMETHING_NEW", "x": 1}},
    ]});
    let mock = with_common_headers(
        server.mock("GET", "/api/v1/batches/batch%2F1/results"),
        DEV_KEY,
    )
    .match_body(Matcher::Exact(String::new()))
    .with_body(body.to_string())
    .expect(1)
    .create();
    let results = client(&server.url()).batches().results("batch/1").unwrap();
    mock.assert();
    assert_eq!(results.id, "batch_1");
    let items = &results.items;
    assert!(items[0].ok);
    assert_eq!(items[0].output_value(), Some(json!({"sent": true})));
    assert_eq!(items[0].usage.as_ref().unwrap().duration_ms, 1500.0);
    assert_eq!(items[0].task_identifier.as_deref(), Some("send-email"));
    assert_eq!(
        items[1].error,
        Some(TaskRunError::BuiltInError {
            name: "TypeError".into(),
            message: "boom".into(),
            stack_trace: "at x".into(),
            causes: Some(json!([{"message": "inner"}])),
        })
    );
    assert_eq!(items[1].retry, Some(json!({"timestamp": 1, "delay": 2})));
    assert_eq!(items[1].skipped_retrying, Some(true));
    assert_eq!(items[1].output_value(), None);
    assert_eq!(
        items[2].error,
        Some(TaskRunError::CustomError {
            raw: "{\"a\":1}".into()
        })
    );
    assert_eq!(
        items[3].error,
        Some(TaskRunError::StringError { raw: "nope".into() })
    );
    assert_eq!(
        items[4].error,
        Some(TaskRunError::InternalError {
            code: "TASK_RUN_CANCELLED".into(),
            message: None,
            stack_trace: None,
        })
    );
    assert_eq!(
        items[5].error,
        Some(TaskRunError::InternalError {
            code: "MAX_DURATION_EXCEEDED".into(),
            message: Some("too long".into()),
            stack_trace: Some("s".into()),
        })
    );
    assert_eq!(items[6].error, Some(TaskRunError::Unknown));
}

#[test]
fn a_span_is_retrieved_by_run_and_span_id() {
    let mut server = Server::new();
    let body = json!({
        "spanId": "span_1", "parentId": null, "runId": "run_1", "message": "my-task",
        "isError": false, "isPartial": true, "isCancelled": false, "level": "TRACE",
        "startTime": "2026-01-01T00:00:00.000Z", "durationMs": 12.5,
        "properties": {"a": 1}, "events": [], "entityType": "span",
        "triggeredRuns": [{"friendlyId": "run_2"}]
    });
    let mock = with_common_headers(
        server.mock("GET", "/api/v1/runs/run_1/spans/span_1"),
        DEV_KEY,
    )
    .with_body(body.to_string())
    .expect(1)
    .create();
    let span = client(&server.url())
        .runs()
        .retrieve_span("run_1", "span_1")
        .unwrap();
    mock.assert();
    assert_eq!(
        (
            span.span_id.as_str(),
            span.parent_id.as_deref(),
            span.run_id.as_str()
        ),
        ("span_1", None, "run_1")
    );
    assert_eq!((span.is_partial, span.duration_ms), (true, 12.5));
    assert_eq!(span.level, "TRACE");
    assert_eq!(span.properties, Some(json!({"a": 1})));
    assert_eq!(span.triggered_runs, Some(json!([{"friendlyId": "run_2"}])));
    assert_eq!((span.ai, span.entity_type.as_deref()), (None, Some("span")));
}

#[test]
fn empty_ids_and_refused_credentials_send_nothing() {
    let mut server = Server::new();
    let none: Vec<_> = ["GET", "POST"]
        .iter()
        .map(|m| server.mock(m, Matcher::Any).expect(0).create())
        .collect();
    let c = client(&server.url());
    for err in [
        c.batches().results("").unwrap_err(),
        c.runs().retrieve_span("", "s").unwrap_err(),
        c.runs().retrieve_span("run_1", " ").unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::InvalidArgument { .. }),
            "expected InvalidArgument, got {err:?}"
        );
    }
    // Batch results take a secret key only.
    let jwt = client_with(&server.url(), JWT, FakeClock::new());
    match jwt.batches().results("batch_1").unwrap_err() {
        Error::UnsupportedCredential {
            operation, kind, ..
        } => assert_eq!(
            (operation, kind),
            ("batch.results", TokenKind::PublicAccessToken)
        ),
        other => panic!("expected UnsupportedCredential, got {other:?}"),
    }
    for m in none {
        m.assert();
    }
}

#[test]
fn results_and_spans_against_the_emulator() {
    let emu = Emulator::start().unwrap();
    let c = no_retry(&emulator_client(&emu, emu.seed().dev_key()));
    let items = [
        BatchItem::new("a", &json!({"i": 0})).unwrap(),
        BatchItem::new("b", &json!({"i": 1})).unwrap(),
        BatchItem::new("c", &json!({"i": 2})).unwrap(),
    ];
    let handle = c
        .tasks()
        .batch_trigger(&items, &BatchTriggerOptions::new())
        .unwrap();
    let runs = c.batches().retrieve(&handle.batch_id).unwrap().runs;
    emu.complete_run(&runs[0], json!({"sent": true})).unwrap();
    emu.fail_run(&runs[1], json!({"message": "boom", "name": "TypeError"}))
        .unwrap();
    let results = c.batches().results(&handle.batch_id).unwrap();
    assert_eq!(results.id, handle.batch_id);
    assert_eq!(results.items.len(), 2, "the unfinished run has no result");
    assert_eq!(results.items[0].output_value(), Some(json!({"sent": true})));
    assert!(matches!(
        &results.items[1].error,
        Some(TaskRunError::BuiltInError { name, message, .. }) if name == "TypeError" && message == "boom"
    ));
    assert!(matches!(
        c.batches().results("batch_nope"),
        Err(Error::NotFound(_))
    ));

    let events = c.runs().events(&runs[1]).unwrap().events;
    let span = c
        .runs()
        .retrieve_span(&runs[1], &events[1].span_id)
        .unwrap();
    assert_eq!(span.parent_id.as_deref(), Some(events[0].span_id.as_str()));
    assert_eq!((span.message.as_str(), span.is_error), ("Attempt 1", true));
    assert!(matches!(
        c.runs().retrieve_span(&runs[1], "0000000000000000"),
        Err(Error::NotFound(_))
    ));
}
