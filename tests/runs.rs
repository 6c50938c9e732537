//! runs.* on the wire.

mod common;

use std::time::Duration;

use common::*;
use mockito::Matcher;
use serde_json::json;
use triggerdev::{
    Error, ListRunsParams, PollOptions, RawJson, RunOutcome, RunStatus, UpdateMetadata,
};

fn run_item(id: &str, status: &str) -> serde_json::Value {
    json!({
        "id": id, "status": status, "taskIdentifier": "my-task",
        "isQueued": false, "isExecuting": false, "isWaiting": false, "isCompleted": status == "COMPLETED",
        "isSuccess": status == "COMPLETED", "isFailed": false, "isCancelled": false, "isTest": false,
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:01.000Z",
        "tags": ["a"], "costInCents": 0.5, "baseCostInCents": 0.1, "durationMs": 1200,
        "env": {"id": "env_1", "name": "dev"}
    })
}

fn page(items: Vec<serde_json::Value>, next: Option<&str>) -> String {
    let mut pagination = json!({});
    if let Some(n) = next {
        pagination["next"] = json!(n);
    }
    json!({ "data": items, "pagination": pagination }).to_string()
}

#[test]
fn list_sends_every_filter_in_the_official_order() {
    let mut server = mockito::Server::new();
    let query = concat!(
        "filter%5Bstatus%5D=COMPLETED%2CFAILED&filter%5BtaskIdentifier%5D=a%2Cb&filter%5Bversion%5D=v1",
        "&filter%5BbulkAction%5D=bulk_1&filter%5Btag%5D=x+y&filter%5Bschedule%5D=sched_1",
        "&filter%5BisTest%5D=false&filter%5BcreatedAt%5D%5Bfrom%5D=1700000000000",
        "&filter%5BcreatedAt%5D%5Bto%5D=1700000100000&filter%5BcreatedAt%5D%5Bperiod%5D=1d",
        "&filter%5Bbatch%5D=batch_1&filter%5Bqueue%5D=task%2Fq1%2Cshared&filter%5Bmachine%5D=micro",
        "&filter%5Bregion%5D=eu&page%5Bsize%5D=10&page%5Bafter%5D=cur1"
    );
    let mock = with_common_headers(
        server.mock("GET", format!("/api/v1/runs?{query}").as_str()),
        DEV_KEY,
    )
    .with_body(page(vec![run_item("run_1", "COMPLETED")], Some("cur2")))
    .create();
    let params = ListRunsParams::new()
        .status(RunStatus::Completed)
        .status(RunStatus::Failed)
        .task_identifier("a")
        .task_identifier("b")
        .version("v1")
        .bulk_action("bulk_1")
        .tag("x y")
        .schedule("sched_1")
        .is_test(false)
        .from(1_700_000_000_000)
        .to(1_700_000_100_000)
        .period("1d")
        .batch("batch_1")
        .task_queue("q1")
        .custom_queue("shared")
        .machine("micro")
        .region("eu")
        .limit(10)
        .after("cur1");
    let page = client(&server.url()).runs().list(&params).unwrap();
    mock.assert();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].id, "run_1");
    assert_eq!(page.data[0].status, RunStatus::Completed);
    assert_eq!(page.data[0].env.as_ref().unwrap().name, "dev");
    assert_eq!(page.pagination.next.as_deref(), Some("cur2"));
    assert!(page.has_next_page());
}

#[test]
fn list_params_read_the_official_json_names() {
    let params: ListRunsParams =
        serde_json::from_str(r#"{"status":["COMPLETED"],"taskIdentifier":["t"],"limit":10}"#)
            .unwrap();
    assert_eq!(params.status, vec![RunStatus::Completed]);
    assert_eq!(params.task_identifier, vec!["t".to_string()]);
    assert_eq!(params.limit, Some(10));
}

#[test]
fn list_with_a_pat_goes_through_the_project_route() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock(
            "GET",
            "/api/v1/projects/proj_1/runs?filter%5Bstatus%5D=COMPLETED&filter%5Benv%5D=dev%2Cprod&page%5Bsize%5D=10",
        )
        .match_header("authorization", format!("Bearer {PAT}").as_str())
        .with_body(page(vec![run_item("run_9", "COMPLETED")], None))
        .create();
    let client = pat_client(&server.url());
    let params = ListRunsParams::new()
        .project_ref("proj_1")
        .env("dev")
        .env("prod")
        .status(RunStatus::Completed)
        .limit(10);
    let page = client.runs().list(&params).unwrap();
    mock.assert();
    assert_eq!(page.data[0].id, "run_9");
    assert!(!page.has_next_page());
}

#[test]
fn list_with_a_pat_needs_a_project_ref_and_an_env() {
    let client = pat_client("http://127.0.0.1:9");
    let err = client
        .runs()
        .list(&ListRunsParams::new().limit(10))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingProjectRef {
                operation: "runs.list"
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "runs.list with a personal access token needs a project ref"
    );
    let err = client
        .runs()
        .list(&ListRunsParams::new().project_ref("proj_1"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `params.env`: listing a project's runs needs an environment (dev, staging or prod)"
    );
}

#[test]
fn list_rejects_a_page_size_over_100() {
    let err = client("http://127.0.0.1:9")
        .runs()
        .list(&ListRunsParams::new().limit(101))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `params.limit`: 101 is over the maximum of 100"
    );
}

#[test]
fn iter_fetches_pages_lazily_and_follows_cursors() {
    let mut server = mockito::Server::new();
    let first = server
        .mock("GET", "/api/v1/runs?filter%5Btag%5D=t&page%5Bsize%5D=2")
        .with_body(page(
            vec![run_item("run_1", "QUEUED"), run_item("run_2", "QUEUED")],
            Some("c2"),
        ))
        .expect(1)
        .create();
    let second = server
        .mock(
            "GET",
            "/api/v1/runs?filter%5Btag%5D=t&page%5Bsize%5D=2&page%5Bafter%5D=c2",
        )
        .with_body(page(vec![run_item("run_3", "EXECUTING")], None))
        .expect(1)
        .create();
    let client = client(&server.url());
    let mut iter = client
        .runs()
        .iter(&ListRunsParams::new().tag("t").limit(2))
        .unwrap();
    assert_eq!(
        iter.pages_fetched(),
        0,
        "nothing is fetched before the first item"
    );
    assert_eq!(iter.next().unwrap().unwrap().id, "run_1");
    assert_eq!(iter.next().unwrap().unwrap().id, "run_2");
    assert_eq!(iter.pages_fetched(), 1);
    first.assert();
    let third = iter.next().unwrap().unwrap();
    assert_eq!(
        (third.id.as_str(), &third.status),
        ("run_3", &RunStatus::Executing)
    );
    assert!(iter.next().is_none());
    assert_eq!(iter.pages_fetched(), 2);
    second.assert();
}

#[test]
fn iter_stops_after_an_error() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v1/runs")
        .with_status(401)
        .with_body(r#"{"error":"Invalid API key"}"#)
        .create();
    let client = client(&server.url());
    let mut iter = client.runs().iter(&ListRunsParams::new()).unwrap();
    assert!(matches!(iter.next(), Some(Err(Error::Authentication(_)))));
    assert!(iter.next().is_none());
}

#[test]
fn retrieve_decodes_the_run_and_keeps_unknown_statuses() {
    let mut server = mockito::Server::new();
    let mut body = run_item("run_1", "COMPLETED");
    body["depth"] = json!(1);
    body["triggerFunction"] = json!("trigger");
    body["payload"] = json!({"a": 1});
    body["output"] = json!("done");
    body["attemptCount"] = json!(2);
    body["relatedRuns"] = json!({});
    body["schedule"] = json!({"id": "sched_1", "generator": {"type": "CRON", "expression": "* * * * *", "description": ""}});
    let mock = with_common_headers(server.mock("GET", "/api/v3/runs/run_1"), DEV_KEY)
        .with_body(body.to_string())
        .create();
    let unknown = server
        .mock("GET", "/api/v3/runs/run_2")
        .with_body(run_item("run_2", "FROZEN_SOLID").to_string())
        .create();
    let client = client(&server.url());
    let run = client.runs().retrieve("run_1").unwrap();
    mock.assert();
    assert_eq!(run.id, "run_1");
    assert!(run.is_completed && run.is_success);
    assert_eq!(
        run.payload.as_ref().map(RawJson::to_value),
        Some(json!({"a": 1}))
    );
    assert_eq!(
        run.output.as_ref().map(RawJson::to_value),
        Some(json!("done"))
    );
    assert_eq!(run.attempt_count, 2);
    assert_eq!(run.depth, 1);
    assert_eq!(run.tags, vec!["a".to_string()]);
    let run2 = client.runs().retrieve("run_2").unwrap();
    unknown.assert();
    assert_eq!(run2.status, RunStatus::Unknown("FROZEN_SOLID".into()));
    assert_eq!(run2.status.as_str(), "FROZEN_SOLID");
}

#[test]
fn cancel_and_replay_post_with_an_empty_body() {
    let mut server = mockito::Server::new();
    let cancel = with_common_headers(server.mock("POST", "/api/v2/runs/run_1/cancel"), DEV_KEY)
        .match_header("content-length", "0")
        .match_body(Matcher::Exact(String::new()))
        .with_body(r#"{"id":"run_1"}"#)
        .create();
    let replay = with_common_headers(server.mock("POST", "/api/v1/runs/run_1/replay"), DEV_KEY)
        .match_header("content-length", "0")
        .with_body(r#"{"id":"run_2"}"#)
        .create();
    let client = client(&server.url());
    assert_eq!(client.runs().cancel("run_1").unwrap(), "run_1");
    assert_eq!(
        client.runs().replay("run_1", &Default::default()).unwrap(),
        "run_2"
    );
    cancel.assert();
    replay.assert();
}

#[test]
fn reschedule_sends_the_delay_and_returns_the_run() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(
        server.mock("POST", "/api/v1/runs/run_1/reschedule"),
        DEV_KEY,
    )
    .match_body(Matcher::Exact(r#"{"delay":"1h"}"#.into()))
    .with_body(run_item("run_1", "DELAYED").to_string())
    .create();
    let run = client(&server.url())
        .runs()
        .reschedule("run_1", "1h")
        .unwrap();
    mock.assert();
    assert_eq!(run.status, RunStatus::Delayed);
}

#[test]
fn reschedule_of_a_run_that_is_not_delayed_is_unprocessable() {
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v1/runs/run_1/reschedule")
        .with_status(422)
        .with_body(r#"{"error":"Cannot reschedule a run that is not delayed"}"#)
        .create();
    let err = client(&server.url())
        .runs()
        .reschedule("run_1", "1h")
        .unwrap_err();
    match err {
        Error::Unprocessable(api) => {
            assert_eq!(api.status, 422);
            assert_eq!(api.message, "Cannot reschedule a run that is not delayed");
        }
        other => panic!("expected Unprocessable, got {other:?}"),
    }
}

#[test]
fn an_update_metadata_that_changes_nothing_fails_before_sending() {
    let client = client("http://127.0.0.1:9");
    let empty = UpdateMetadata::default();
    assert_eq!(
        client
            .runs()
            .update_metadata("run_1", &empty)
            .unwrap_err()
            .to_string(),
        "invalid argument `body`: changes nothing: give `metadata` or operations"
    );
}

#[test]
fn update_metadata_puts_the_body_and_returns_the_metadata() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(server.mock("PUT", "/api/v1/runs/run_1/metadata"), DEV_KEY)
        .match_body(Matcher::Json(
            json!({"operations":[{"type":"set","key":"progress","value":0.5}]}),
        ))
        .with_body(r#"{"metadata":{"progress":0.5}}"#)
        .create();
    let metadata = client(&server.url())
        .runs()
        .update_metadata(
            "run_1",
            &UpdateMetadata::operations(vec![json!({"type":"set","key":"progress","value":0.5})]),
        )
        .unwrap();
    mock.assert();
    assert_eq!(metadata, json!({"progress": 0.5}));
}

#[test]
fn add_tags_posts_the_tags_and_returns_the_message() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(server.mock("POST", "/api/v1/runs/run_1/tags"), DEV_KEY)
        .match_body(Matcher::Exact(r#"{"tags":["a","b"]}"#.into()))
        .with_body(r#"{"message":"Successfully set 2 new tags."}"#)
        .create();
    let message = client(&server.url())
        .runs()
        .add_tags("run_1", &["a", "b"])
        .unwrap();
    mock.assert();
    assert_eq!(message, "Successfully set 2 new tags.");
    let err = client(&server.url())
        .runs()
        .add_tags("run_1", &[])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            argument: "tags",
            ..
        }
    ));
}

#[test]
fn outcome_reads_the_run_and_says_how_it_ended() {
    let mut server = mockito::Server::new();
    let mut done = run_item("run_1", "COMPLETED");
    done["output"] = json!({"sent": true, "count": 3});
    let mut failed = run_item("run_2", "FAILED");
    failed["isCompleted"] = json!(true);
    failed["isFailed"] = json!(true);
    failed["error"] = json!({"name": "Error", "message": "Boom", "stackTrace": "at run"});
    let mut canceled = run_item("run_3", "CANCELED");
    canceled["isCompleted"] = json!(true);
    canceled["isFailed"] = json!(true);
    canceled["isCancelled"] = json!(true);
    canceled["error"] = json!({"message": "Canceled by user"});
    let running = run_item("run_4", "EXECUTING");
    for (id, body) in [
        ("run_1", &done),
        ("run_2", &failed),
        ("run_3", &canceled),
        ("run_4", &running),
    ] {
        with_common_headers(
            server.mock("GET", format!("/api/v3/runs/{id}").as_str()),
            DEV_KEY,
        )
        .with_body(body.to_string())
        .expect(1)
        .create();
    }
    let client = client(&server.url());
    match client.runs().outcome("run_1").unwrap() {
        RunOutcome::Succeeded { output } => {
            assert_eq!(
                output.unwrap().to_value(),
                json!({"sent": true, "count": 3})
            )
        }
        other => panic!("{other:?}"),
    }
    let failed = client.runs().outcome("run_2").unwrap();
    match &failed {
        RunOutcome::Failed { status, error } => {
            assert_eq!(*status, RunStatus::Failed);
            let error = error.as_ref().unwrap();
            assert_eq!(
                (error.message.as_str(), error.name.as_deref()),
                ("Boom", Some("Error"))
            );
        }
        other => panic!("{other:?}"),
    }
    // In JSON (the C ABI's form) it is tagged by `outcome`.
    assert_eq!(
        serde_json::to_value(&failed).unwrap(),
        json!({"outcome": "failed", "status": "FAILED",
               "error": {"message": "Boom", "name": "Error", "stackTrace": "at run"}})
    );
    assert!(matches!(
        client.runs().outcome("run_3").unwrap(),
        RunOutcome::Failed { status: RunStatus::Canceled, error: Some(ref e) } if e.message == "Canceled by user"
    ));
    let pending = client.runs().outcome("run_4").unwrap();
    assert_eq!(
        pending,
        RunOutcome::NotFinished {
            status: RunStatus::Executing
        }
    );
    assert_eq!(
        serde_json::to_value(&pending).unwrap(),
        json!({"outcome": "notFinished", "status": "EXECUTING"})
    );
}

/// The deprecated route still works where a server answers it.
#[test]
#[allow(deprecated)]
fn result_returns_the_outcome_or_none_while_unfinished() {
    let mut server = mockito::Server::new();
    let done = with_common_headers(server.mock("GET", "/api/v1/runs/run_1/result"), DEV_KEY)
        .with_body(r#"{"ok":true,"id":"run_1","output":"{\"x\":1}","outputType":"application/json","taskIdentifier":"t"}"#)
        .create();
    let pending = server
        .mock("GET", "/api/v1/runs/run_2/result")
        .with_status(404)
        .with_body(r#"{"error":"Run either doesn't exist or is not finished"}"#)
        .create();
    let client = client(&server.url());
    let result = client.runs().result("run_1").unwrap().unwrap();
    assert!(result.ok);
    assert_eq!(result.output_type.as_deref(), Some("application/json"));
    assert_eq!(client.runs().result("run_2").unwrap(), None);
    done.assert();
    pending.assert();
}

#[test]
fn poll_retrieves_until_the_run_is_completed() {
    let mut server = mockito::Server::new();
    // mockito serves a mock until it has its expected hits, then the next matching one.
    let running = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(run_item("run_1", "EXECUTING").to_string())
        .expect(2)
        .create();
    let done = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(run_item("run_1", "COMPLETED").to_string())
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let run = client
        .runs()
        .poll(
            "run_1",
            &PollOptions::new().interval(Duration::from_millis(250)),
        )
        .unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    running.assert();
    done.assert();
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250); 2]);
}

#[test]
fn poll_gives_up_at_its_timeout_with_the_run_as_last_retrieved() {
    let mut server = mockito::Server::new();
    let running = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(run_item("run_1", "EXECUTING").to_string())
        .expect(3)
        .create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let options = PollOptions::new()
        .interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(25));
    let err = client.runs().poll("run_1", &options).unwrap_err();
    running.assert();
    // Retrieved at 0, 10 and 20 s; the last wait is cut at the deadline.
    assert_eq!(
        clock.sleeps(),
        [10, 10, 5].map(Duration::from_secs).to_vec()
    );
    match &err {
        Error::WaitTimeout { timeout, last_run } => {
            assert_eq!(*timeout, Duration::from_secs(25));
            let last = last_run.as_ref().expect("the last run");
            assert_eq!(
                (last.id.as_str(), &last.status),
                ("run_1", &RunStatus::Executing)
            );
        }
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "gave up waiting after 25s: run run_1 is Executing"
    );
}

#[test]
fn poll_options_are_checked_before_sending() {
    let client = client("http://127.0.0.1:9");
    let day_and_a_bit = PollOptions::new().interval(Duration::from_secs(86_401));
    let never = PollOptions::new().timeout(Duration::ZERO);
    assert_eq!(
        client
            .runs()
            .poll("run_1", &day_and_a_bit)
            .unwrap_err()
            .to_string(),
        "invalid argument `options.interval`: must be at most a day (86400 s)"
    );
    assert_eq!(
        client.runs().poll("run_1", &never).unwrap_err().to_string(),
        "invalid argument `options.timeout`: must be more than zero"
    );
}

#[test]
#[allow(deprecated)]
fn empty_run_ids_fail_before_sending() {
    let client = client("http://127.0.0.1:9");
    for err in [
        client.runs().retrieve("").unwrap_err(),
        client.runs().cancel(" ").unwrap_err(),
        client.runs().replay("", &Default::default()).unwrap_err(),
        client.runs().result("").unwrap_err(),
        client.runs().outcome("").unwrap_err(),
    ] {
        assert_eq!(
            err.to_string(),
            "invalid argument `run_id`: must not be empty"
        );
    }
}

#[test]
fn poll_gives_up_after_500_retrievals() {
    let mut server = mockito::Server::new();
    let running = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(run_item("run_1", "EXECUTING").to_string())
        .expect(500)
        .create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let err = client
        .runs()
        .poll(
            "run_1",
            &PollOptions::new().interval(Duration::from_millis(10)),
        )
        .unwrap_err();
    running.assert();
    match err {
        Error::PollLimitReached { run_id, polls } => {
            assert_eq!((run_id.as_str(), polls), ("run_1", 500))
        }
        other => panic!("expected PollLimitReached, got {other:?}"),
    }
    assert_eq!(clock.sleeps().len(), 499);
}

#[test]
fn retrieve_downloads_presigned_payload_and_output() {
    let mut server = mockito::Server::new();
    let mut body = run_item("run_1", "COMPLETED");
    body["payloadPresignedUrl"] = json!(format!("{}/packets/payload?sig=1", server.url()));
    body["outputPresignedUrl"] = json!(format!("{}/packets/output?sig=2", server.url()));
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(body.to_string())
        .create();
    let payload = server
        .mock("GET", "/packets/payload?sig=1")
        .match_header("authorization", Matcher::Missing)
        .with_header("content-type", "application/super+json")
        .with_body(r#"{"json":{"big":true}}"#)
        .create();
    let output = server
        .mock("GET", "/packets/output?sig=2")
        .match_header("authorization", Matcher::Missing)
        .with_status(403)
        .create();
    let run = client(&server.url()).runs().retrieve("run_1").unwrap();
    payload.assert();
    output.assert();
    assert_eq!(
        run.payload.as_ref().map(RawJson::to_value),
        Some(json!({"big": true}))
    );
    assert_eq!(
        run.output, None,
        "a failed download leaves the output missing"
    );
}

#[test]
fn a_results_output_is_decoded_as_its_output_type_says() {
    let result = |output: serde_json::Value, kind: Option<&str>| -> triggerdev::RunResult {
        serde_json::from_value(
            json!({"ok": true, "id": "run_1", "output": output, "outputType": kind}),
        )
        .unwrap()
    };
    let superjson = result(
        json!(r#"{"json":{"sent":true}}"#),
        Some("application/super+json"),
    );
    assert_eq!(superjson.output_value(), Some(json!({"sent": true})));
    assert_eq!(
        result(json!("[1,2]"), None).output_value(),
        Some(json!([1, 2]))
    );
    assert_eq!(
        result(json!("hi"), Some("text/plain")).output_value(),
        Some(json!("hi"))
    );
    assert_eq!(
        result(json!("{"), Some("application/json")).output_value(),
        None
    );
    assert_eq!(
        result(json!({"a": 1}), None).output_value(),
        Some(json!({"a": 1}))
    );
    let failed: triggerdev::RunResult =
        serde_json::from_value(json!({"ok": false, "id": "run_1", "error": {"message": "boom"}}))
            .unwrap();
    assert_eq!(failed.output_value(), None);
}
