//! Wire parity with the official SDK 4.8.3 (the items of the wire-parity issue) and the
//! hardening rules: what goes on the wire, byte for byte, and what comes back.

mod common;

use common::*;
use mockito::Matcher;
use serde_json::json;
use triggerdev::{
    idempotency_keys, Client, Config, CreateSchedule, Env, Error, IdempotencyKeyScope,
    ListRunsParams, RawJson, ReplayOptions, RequestOptions, RetryPolicy, RunEnvironment, RunStatus,
    TriggerOptions, UpdateMetadata,
};

const RUN: &str = r#"{"id":"run_1","status":"COMPLETED","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z"}"#;

fn client_env(url: &str, env: &Env, config: Config) -> Client {
    Client::with_env(
        config
            .access_token(DEV_KEY)
            .base_url(url)
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        env,
    )
}

#[test]
fn realtime_streams_v2_is_sent_unless_the_caller_opts_out() {
    let mut server = mockito::Server::new();
    let v2 = server
        .mock("GET", "/api/v3/runs/run_1")
        .match_header("x-trigger-realtime-streams-version", "v2")
        .with_body(RUN)
        .expect(1)
        .create();
    client(&server.url()).runs().retrieve("run_1").unwrap();
    v2.assert();
    let v1 = server
        .mock("GET", "/api/v3/runs/run_1")
        .match_header("x-trigger-realtime-streams-version", "v1")
        .with_body(RUN)
        .expect(3)
        .create();
    let url = server.url();
    client_env(
        &url,
        &Env::default(),
        Config::new().v2_realtime_streams(false),
    )
    .runs()
    .retrieve("run_1")
    .unwrap();
    for var in ["TRIGGER_V2_REALTIME_STREAMS", "TRIGGER_REALTIME_STREAMS_V2"] {
        let env = Env::from_pairs([(var, "false")]);
        client_env(&url, &env, Config::new())
            .runs()
            .retrieve("run_1")
            .unwrap();
    }
    v1.assert();
}

#[test]
fn trigger_takes_concurrency_accepts_test_and_hashes_key_parts() {
    let mut server = mockito::Server::new();
    let key = triggerdev_hash("user-42");
    let mock = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::Exact(format!(
            r#"{{"payload":"{{\"json\":{{\"z\":1,\"a\":2}}}}","options":{{"queue":{{"name":"q"}},"concurrency":["openai","db"],"concurrencyKey":"ck","payloadType":"application/super+json","payloadSize":22,"idempotencyKey":"{key}","idempotencyKeyOptions":{{"key":"user-42","scope":"run"}},"metadata":{{"z":0,"a":1}}}}}}"#
        )))
        .with_body(r#"{"id":"run_1"}"#)
        .create();
    let options: TriggerOptions = serde_json::from_str(
        r#"{"queue":"q","concurrency":["openai","db"],"concurrencyKey":"ck","test":true,
            "idempotencyKey":["user","42"],"metadata":{"z":0,"a":1}}"#,
    )
    .unwrap();
    // The caller's JSON goes out as written: keys keep their order.
    let payload = RawJson::from_text(r#"{"z":1,"a":2}"#).unwrap();
    client(&server.url())
        .tasks()
        .trigger("t", &payload, &options)
        .unwrap();
    mock.assert();
}

fn triggerdev_hash(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn concurrency_names_are_checked_before_sending() {
    let c = client("http://127.0.0.1:9");
    let err = c
        .tasks()
        .trigger(
            "t",
            &json!({}),
            &TriggerOptions::new()
                .concurrency("a")
                .concurrency("b")
                .concurrency("c"),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `options.concurrency`: takes at most two named limits"
    );
    let err = c
        .tasks()
        .trigger(
            "t",
            &json!({}),
            &TriggerOptions::new().concurrency("no spaces"),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`options.concurrency`: limit `no spaces`"),
        "{err}"
    );
}

#[test]
fn a_trigger_without_payload_sends_no_payload_member() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::Exact(
            r#"{"options":{"payloadType":"application/json","payloadSize":0}}"#.into(),
        ))
        .with_body(r#"{"id":"run_1"}"#)
        .create();
    client(&server.url())
        .tasks()
        .trigger_without_payload("t", &TriggerOptions::new())
        .unwrap();
    mock.assert();
}

#[test]
fn created_idempotency_keys_keep_their_scope_and_reset_hashes_the_key() {
    let hash = idempotency_keys::create(["order", "7"], IdempotencyKeyScope::Global);
    assert_eq!(hash, triggerdev_hash("order-7"));
    let mut server = mockito::Server::new();
    let trigger = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::PartialJson(json!({"options": {
            "idempotencyKey": hash, "idempotencyKeyOptions": {"key": "order-7", "scope": "global"}}})))
        .with_body(r#"{"id":"run_1"}"#)
        .create();
    let c = client(&server.url());
    c.tasks()
        .trigger(
            "t",
            &json!({}),
            &TriggerOptions::new().idempotency_key(hash.as_str()),
        )
        .unwrap();
    trigger.assert();
    let reset = with_common_headers(
        server.mock(
            "POST",
            format!("/api/v1/idempotencyKeys/{}/reset", triggerdev_hash("k1")).as_str(),
        ),
        DEV_KEY,
    )
    .match_body(Matcher::Exact(r#"{"taskIdentifier":"t"}"#.into()))
    .with_body(r#"{"id":"run_9"}"#)
    .create();
    assert_eq!(c.idempotency_keys().reset("t", "k1").unwrap(), "run_9");
    reset.assert();
}

#[test]
fn replay_sends_its_options_with_the_payload_as_superjson() {
    let mut server = mockito::Server::new();
    let with_body = with_common_headers(server.mock("POST", "/api/v1/runs/run_1/replay"), DEV_KEY)
        .match_body(Matcher::Exact(
            r#"{"payload":"{\"json\":{\"b\":1,\"a\":2}}","tags":["again"],"machine":"small-2x","maxAttempts":2,"payloadType":"application/super+json"}"#.into(),
        ))
        .with_body(r#"{"id":"run_2"}"#)
        .create();
    let c = client(&server.url());
    let options = ReplayOptions::new()
        .payload(RawJson::from_text(r#"{"b":1,"a":2}"#).unwrap())
        .tag("again")
        .machine("small-2x")
        .max_attempts(2);
    assert_eq!(c.runs().replay("run_1", &options).unwrap(), "run_2");
    with_body.assert();
    // Without options no body at all, as before.
    let bare = server
        .mock("POST", "/api/v1/runs/run_1/replay")
        .match_header("content-length", "0")
        .match_body(Matcher::Exact(String::new()))
        .with_body(r#"{"id":"run_3"}"#)
        .create();
    assert_eq!(
        c.runs().replay("run_1", &ReplayOptions::new()).unwrap(),
        "run_3"
    );
    bare.assert();
}

#[test]
fn schedules_take_a_window() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/api/v1/schedules")
        .match_body(Matcher::Exact(
            r#"{"task":"t","cron":"0 * * * *","deduplicationKey":"d","window":"30m"}"#.into(),
        ))
        .with_body(r#"{"id":"sched_1","type":"IMPERATIVE","task":"t","active":true,"generator":{"type":"CRON","expression":"0 * * * *"},"window":"30m"}"#)
        .create();
    let s = client(&server.url())
        .schedules()
        .create(&CreateSchedule::new("t", "0 * * * *", "d").window("30m"))
        .unwrap();
    assert_eq!(s.window.as_deref(), Some("30m"));
    mock.assert();
}

#[test]
fn list_filters_take_a_scalar_status_and_queue_objects() {
    let params: ListRunsParams = serde_json::from_str(
        r#"{"status":"COMPLETED","queue":[{"type":"task","name":"send"},{"type":"custom","name":"shared"},"task/raw"]}"#,
    )
    .unwrap();
    assert_eq!(params.status, [RunStatus::Completed]);
    assert_eq!(params.queue, ["task/send", "shared", "task/raw"]);
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v1/runs")
        .match_query(Matcher::Exact(
            "filter%5Bstatus%5D=COMPLETED&filter%5Bqueue%5D=task%2Fsend%2Cshared%2Ctask%2Fraw"
                .into(),
        ))
        .with_body(r#"{"data":[],"pagination":{}}"#)
        .create();
    client(&server.url()).runs().list(&params).unwrap();
    mock.assert();
}

#[test]
fn metadata_operations_go_out_as_written() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("PUT", "/api/v1/runs/run_1/metadata")
        .match_body(Matcher::Exact(
            r#"{"operations":[{"type":"set","key":"z","value":{"y":1,"x":2}}]}"#.into(),
        ))
        .with_body(r#"{"metadata":{"z":{"x":2,"y":1}}}"#)
        .create();
    let op = RawJson::from_text(r#"{"type":"set","key":"z","value":{"y":1,"x":2}}"#).unwrap();
    client(&server.url())
        .runs()
        .update_metadata("run_1", &UpdateMetadata::operations([op]))
        .unwrap();
    mock.assert();
}

#[test]
fn a_success_with_a_wrong_typed_member_is_a_decode_error() {
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v2/runs/run_1/cancel")
        .with_body(r#"{"id":123}"#)
        .create();
    let err = client(&server.url()).runs().cancel("run_1").unwrap_err();
    match err {
        Error::Decode {
            status,
            message,
            body,
        } => {
            assert_eq!((status, body.as_str()), (200, r#"{"id":123}"#));
            assert!(message.contains("invalid type: integer `123`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_non_json_error_says_its_status_once() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(400)
        .with_body("Bad Request: plain text")
        .create();
    let err = client(&server.url()).runs().retrieve("run_1").unwrap_err();
    assert_eq!(err.to_string(), "400 Bad Request: plain text");
    server
        .mock("GET", "/api/v3/runs/run_2")
        .with_status(404)
        .create();
    let err = client(&server.url()).runs().retrieve("run_2").unwrap_err();
    assert_eq!(err.to_string(), "404 Not Found");
}

#[test]
fn poll_giving_up_is_its_own_error_and_run_environment_is_nameable() {
    // RunEnvironment is re-exported: a user can name a field's type.
    let env: Option<RunEnvironment> = None;
    assert!(env.is_none());
    let err = Error::PollLimitReached {
        run_id: "run_1".into(),
        polls: 500,
    };
    assert_eq!(
        err.to_string(),
        "run run_1 was still not finished after 500 retrievals"
    );
    assert!(!matches!(err, Error::Timeout { .. }));
}

// ---------------------------------------------------------------------------------------------
// Hardening

#[test]
fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
    let remote = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url("http://api.example.com"),
        &Env::default(),
    );
    let err = remote.runs().retrieve("run_1").unwrap_err();
    match &err {
        Error::InvalidArgument { argument, reason } => {
            assert_eq!(*argument, "base_url");
            assert!(reason.contains("unencrypted"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Loopback needs no opt-in (every mockito test here is one); the opt-in allows the rest.
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(RUN)
        .create();
    let local = server.url().replace("127.0.0.1", "localhost");
    client(&local).runs().retrieve("run_1").unwrap();
    // 0.0.0.0 is not loopback to the SDK, yet Linux connects it to this host: with a closed
    // port the call fails without a name lookup or a packet leaving the machine.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let allowed = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(format!("http://0.0.0.0:{closed}"))
            .dangerously_allow_insecure_http(true)
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    );
    assert!(matches!(
        allowed.runs().retrieve("run_1").unwrap_err(),
        Error::Connection { .. }
    ));
}

#[test]
fn debug_output_redacts_tokens_and_header_values() {
    let config = Config::new()
        .access_token("tr_prod_supersecret")
        .request_options(RequestOptions::new().header("x-api-key", "hunter2"));
    let client = Client::with_env(config.clone(), &Env::default());
    for text in [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{:?}", client.config()),
    ] {
        assert!(!text.contains("supersecret"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("x-api-key"), "{text}");
    }
    triggerdev::auth::with_auth(config, || {
        let current = format!("{:?}", triggerdev::auth::current());
        assert!(
            !current.contains("hunter2") && !current.contains("supersecret"),
            "{current}"
        );
    });
}

#[test]
fn values_that_look_like_credentials_are_never_echoed() {
    let mistyped = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url("tr_prod_0123456789abcdef"),
        &Env::default(),
    );
    let err = mistyped.runs().retrieve("run_1").unwrap_err().to_string();
    assert!(!err.contains("0123456789abcdef"), "{err}");
    assert!(err.contains("base_url"), "{err}");
    let err = client("http://127.0.0.1:9")
        .envvars()
        .list("proj_1", "tr_dev_secretvalue")
        .unwrap_err()
        .to_string();
    assert!(!err.contains("secretvalue"), "{err}");
    assert!(err.starts_with("invalid argument `env`"), "{err}");
}

#[test]
fn a_very_long_id_blames_the_id_not_the_base_url() {
    let long = "r".repeat(70_000);
    let err = client("http://127.0.0.1:9")
        .runs()
        .retrieve(&long)
        .unwrap_err();
    match err {
        Error::InvalidArgument { argument, reason } => {
            assert_eq!(argument, "run_id");
            assert!(reason.contains("70000 bytes"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Many filters: the params are blamed.
    let params = ListRunsParams::new().tag("t".repeat(70_000));
    let err = client("http://127.0.0.1:9")
        .runs()
        .list(&params)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                argument: "params",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_response_over_the_cap_says_so() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(RUN)
        .expect(2)
        .create();
    let small = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .max_response_bytes(16),
        &Env::default(),
    );
    let err = small.runs().retrieve("run_1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "response too large: the body exceeds the limit of 16 bytes"
    );
    // Another client of the same process keeps the default cap.
    client(&server.url()).runs().retrieve("run_1").unwrap();
}
