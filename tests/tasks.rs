//! tasks.trigger, tasks.batchTrigger and batches.retrieve on the wire.

mod common;

use common::*;
use mockito::Matcher;
use serde_json::json;
use triggerdev::{
    BatchItem, BatchStatus, BatchTriggerOptions, Client, Config, Env, Error, IdempotencyKey,
    RequestOptions, RetryPolicy, TriggerOptions, Ttl,
};

/// sha256("k1"), the value `docs/wire.md#idempotency-keys` gives for the official SDK.
const K1_HASH: &str = "6ab9f1eb8f7d3388f4f9d586f66e99fd54080df2c446f0e58668b09c08a16dd0";
/// sha256("bk"): a batch key.
const BK_HASH: &str = "7a7db4726ec27397cbbd002d9819a07656cce115b481522a6caa6e24d4725695";
/// sha256("bk-0") and sha256("bk-1"): per-item keys derived from batch key "bk".
const BK0_HASH: &str = "a73fe2fe46a52cda56e47f5b2ce6b80e368663ad6c41d55ee79becde49b1d51e";
const BK1_HASH: &str = "40d9b17c32010d1ac6aa6abbf9667b4fe47f794b34f34815add811d11f3c8723";
/// sha256("own"): an item's own key.
const OWN_HASH: &str = "5b3975651c3cab92d044c096dc30a1c2d9525497457472de48c51ecb363d1f4a";

#[test]
fn trigger_sends_the_official_body_and_returns_the_handle() {
    let body = format!(
        concat!(
            r#"{{"payload":"{{\"json\":{{\"a\":1}}}}","options":{{"queue":{{"name":"q"}},"concurrencyKey":"ck","#,
            r#""payloadType":"application/super+json","payloadSize":16,"#,
            r#""idempotencyKey":"{}","#,
            r#""idempotencyKeyTTL":"1h","idempotencyKeyOptions":{{"key":"k1","scope":"run"}},"#,
            r#""delay":"5m","ttl":"10m","tags":["t1","t2"],"maxAttempts":3,"metadata":{{"m":1}},"#,
            r#""maxDuration":300,"machine":"small-1x","priority":10,"region":"eu-central-1","#,
            r#""lockToVersion":"20250101.1"}}}}"#
        ),
        K1_HASH
    );
    let mut server = mockito::Server::new();
    let mock = with_common_headers(
        server.mock("POST", "/api/v1/tasks/my%2Ftask/trigger"),
        DEV_KEY,
    )
    .match_header("content-length", body.len().to_string().as_str())
    .match_header("x-trigger-branch", Matcher::Missing)
    .match_body(Matcher::Exact(body))
    .with_status(200)
    .with_header(
        "x-trigger-jwt",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnYifQ.sig",
    )
    .with_body(r#"{"id":"run_abc","isCached":false}"#)
    .create();

    let options = TriggerOptions::new()
        .queue("q")
        .concurrency_key("ck")
        .idempotency_key("k1")
        .idempotency_key_ttl("1h")
        .delay("5m")
        .ttl(Ttl::Duration("10m".into()))
        .tag("t1")
        .tag("t2")
        .max_attempts(3)
        .metadata(json!({"m": 1}))
        .max_duration(std::time::Duration::from_secs(300))
        .machine("small-1x")
        .priority(10)
        .region("eu-central-1")
        .version("20250101.1");
    let handle = client(&server.url())
        .tasks()
        .trigger("my/task", &json!({"a": 1}), &options)
        .unwrap();
    mock.assert();
    assert_eq!(handle.id, "run_abc");
    assert!(!handle.is_cached);
    assert_eq!(
        handle.public_access_token.as_deref(),
        Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnYifQ.sig")
    );
    assert!(
        !format!("{handle:?}").contains("eyJ"),
        "token redacted in Debug"
    );
}

#[test]
fn trigger_sends_strings_as_text_and_64_char_keys_verbatim() {
    let key = "f".repeat(64);
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/api/v1/tasks/hello/trigger")
        .match_body(Matcher::Exact(format!(
            r#"{{"payload":"hi there","options":{{"payloadType":"text/plain","payloadSize":8,"idempotencyKey":"{key}","ttl":60}}}}"#
        )))
        .with_body(r#"{"id":"run_1","isCached":true}"#)
        .create();
    let handle = client(&server.url())
        .tasks()
        .trigger(
            "hello",
            "hi there",
            &TriggerOptions::new()
                .idempotency_key(key.clone())
                .ttl(Ttl::Seconds(60)),
        )
        .unwrap();
    mock.assert();
    assert!(handle.is_cached);
    assert_eq!(handle.public_access_token, None);
}

#[test]
fn trigger_locks_to_trigger_version_only_when_context_is_inherited() {
    let env = Env::from_pairs([("TRIGGER_VERSION", "20240101.7")]);
    let mut server = mockito::Server::new();
    let locked = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::PartialJson(
            json!({"options": {"lockToVersion": "20240101.7"}}),
        ))
        .with_body(r#"{"id":"run_1"}"#)
        .expect(1)
        .create();
    let inherit = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .inherit_context(true),
        &env,
    );
    inherit
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    locked.assert();
    locked.remove();

    let unlocked = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::Exact(
            r#"{"payload":"{\"json\":{}}","options":{"payloadType":"application/super+json","payloadSize":11}}"#.into(),
        ))
        .with_body(r#"{"id":"run_2"}"#)
        .expect(1)
        .create();
    let isolated = Client::with_env(
        Config::new().access_token(DEV_KEY).base_url(server.url()),
        &env,
    );
    isolated
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    unlocked.assert();
}

#[test]
fn trigger_offloads_payloads_of_128_kib_through_the_packets_endpoint() {
    let mut server = mockito::Server::new();
    let big = "x".repeat(140_000);
    let payload = json!({ "blob": big });
    let serialized = format!(r#"{{"json":{}}}"#, serde_json::to_string(&payload).unwrap());
    let presigned = format!("{}/upload/abc?sig=1", server.url());
    let packets = with_common_headers(
        server.mock(
            "PUT",
            Matcher::Regex(
                r"^/api/v2/packets/trigger%2Fpacket_[1-9a-km-z]{21}%2Fpayload\.json$".into(),
            ),
        ),
        DEV_KEY,
    )
    .match_header("content-length", "0")
    .with_body(format!(
        r#"{{"presignedUrl":"{presigned}","storagePath":"packets/run/payload.json"}}"#
    ))
    .create();
    let upload = server
        .mock("PUT", "/upload/abc?sig=1")
        .match_header("authorization", Matcher::Missing)
        .match_header("content-type", "application/super+json")
        .match_body(Matcher::Exact(serialized.clone()))
        .with_status(200)
        .create();
    let trigger = server
        .mock("POST", "/api/v1/tasks/big%2Ftask/trigger")
        .match_body(Matcher::Exact(format!(
            r#"{{"payload":"packets/run/payload.json","options":{{"payloadType":"application/store","payloadSize":{}}}}}"#,
            serialized.len()
        )))
        .with_body(r#"{"id":"run_big"}"#)
        .create();
    let handle = client(&server.url())
        .tasks()
        .trigger("big/task", &payload, &TriggerOptions::new())
        .unwrap();
    packets.assert();
    upload.assert();
    trigger.assert();
    assert_eq!(handle.id, "run_big");
}

/// A mock of `method path` that records the request key of each request it sees.
fn keyed(
    server: &mut mockito::Server,
    method: &str,
    path: Matcher,
    seen: &std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> mockito::Mock {
    let seen = seen.clone();
    server.mock(method, path).match_request(move |req| {
        let key = req.header("x-trigger-request-idempotency-key");
        seen.lock()
            .unwrap()
            .push(key.first().map_or("", |k| k.to_str().unwrap()).to_owned());
        true
    })
}

#[test]
fn a_payload_upload_carries_its_own_request_key_and_nothing_else_of_ours() {
    let mut server = mockito::Server::new();
    let payload = json!({ "blob": "x".repeat(140_000) });
    let presigned = format!("{}/upload/abc?sig=1", server.url());
    let packet_keys = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let upload_keys = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let trigger_keys = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let packets = keyed(
        &mut server,
        "PUT",
        Matcher::Regex(r"^/api/v2/packets/".into()),
        &packet_keys,
    )
    .with_body(format!(
        r#"{{"presignedUrl":"{presigned}","storagePath":"packets/run/payload.json"}}"#
    ))
    .create();
    // The storage answers 500 once: the retry sends the same key.
    let mut upload = |status| {
        let mut mock = keyed(
            &mut server,
            "PUT",
            Matcher::Exact("/upload/abc?sig=1".into()),
            &upload_keys,
        )
        .match_header("content-type", "application/super+json");
        for name in [
            "authorization",
            "x-trigger-branch",
            "x-trigger-source",
            "trigger-version",
            "x-trigger-api-version",
            "x-trigger-realtime-streams-version",
        ] {
            mock = mock.match_header(name, Matcher::Missing);
        }
        mock.with_status(status).expect(1).create()
    };
    let failing = upload(500);
    let ok = upload(200);
    let trigger = keyed(
        &mut server,
        "POST",
        Matcher::Exact("/api/v1/tasks/t/trigger".into()),
        &trigger_keys,
    )
    .with_body(r#"{"id":"run_big"}"#)
    .create();
    let client = Client::new(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .preview_branch("feature-xyz")
            .clock(FakeClock::new()),
    );
    client
        .tasks()
        .trigger("t", &payload, &TriggerOptions::new())
        .unwrap();
    packets.assert();
    failing.assert();
    ok.assert();
    trigger.assert();
    let uploads = upload_keys.lock().unwrap().clone();
    // Each attempt passes the matchers of both mocks (the first mock exhausted): two or more.
    assert!(uploads.len() >= 2, "{uploads:?}");
    assert!(is_uuid_v4(&uploads[0]), "{uploads:?}");
    assert!(uploads.iter().all(|k| k == &uploads[0]), "{uploads:?}");
    // Its own logical call: another key than the packets call's and the trigger's.
    assert_ne!(uploads[0], packet_keys.lock().unwrap()[0]);
    assert_ne!(uploads[0], trigger_keys.lock().unwrap()[0]);
}

/// Whether `s` is a lowercase UUIDv4 (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
fn is_uuid_v4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && s.chars()
            .all(|c| c == '-' || matches!(c, '0'..='9' | 'a'..='f'))
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}

#[test]
fn trigger_rejects_an_empty_task_id_before_sending() {
    let err = client("http://127.0.0.1:9")
        .tasks()
        .trigger(" ", &json!({}), &TriggerOptions::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `task_id`: must not be empty"
    );
}

#[test]
fn trigger_options_read_the_official_json_names() {
    let opts: TriggerOptions = serde_json::from_str(
        r#"{"idempotencyKey":"k","idempotencyKeyTTL":"1d","tags":"one","delay":"5m","ttl":30,"maxAttempts":2}"#,
    )
    .unwrap();
    assert_eq!(opts.idempotency_key, Some(IdempotencyKey::Key("k".into())));
    assert_eq!(opts.idempotency_key_ttl.as_deref(), Some("1d"));
    assert_eq!(opts.tags, vec!["one".to_string()]);
    assert_eq!(opts.ttl, Some(Ttl::Seconds(30)));
    let err = serde_json::from_str::<TriggerOptions>(r#"{"idempotency_key":"k"}"#).unwrap_err();
    assert!(
        err.to_string().contains("unknown field `idempotency_key`"),
        "{err}"
    );
}

#[test]
fn batch_trigger_creates_the_batch_then_streams_ndjson_items() {
    let mut server = mockito::Server::new();
    let create = with_common_headers(server.mock("POST", "/api/v3/batches"), DEV_KEY)
        .match_body(Matcher::Exact(format!(
            r#"{{"runCount":3,"taskIdentifiers":["a-task","b-task"],"idempotencyKey":"{}","idempotencyKeyOptions":{{"key":"bk","scope":"run"}}}}"#,
            BK_HASH
        )))
        .with_status(202)
        .with_header("x-trigger-jwt", "eyJ.batch.jwt")
        .with_body(r#"{"id":"batch_1","runCount":3,"isCached":false}"#)
        .create();
    let lines = [
        format!(
            r#"{{"index":0,"task":"b-task","payload":"{{\"json\":{{\"n\":0}}}}","options":{{"payloadType":"application/super+json","idempotencyKey":"{BK0_HASH}","idempotencyKeyTTL":"2h","payloadSize":16}}}}"#
        ),
        format!(
            r#"{{"index":1,"task":"a-task","payload":"text","options":{{"payloadType":"text/plain","tags":["x"],"idempotencyKey":"{BK1_HASH}","idempotencyKeyTTL":"2h","payloadSize":4}}}}"#
        ),
        format!(
            r#"{{"index":2,"task":"b-task","payload":"{{\"json\":null}}","options":{{"payloadType":"application/super+json","idempotencyKey":"{OWN_HASH}","idempotencyKeyTTL":"2h","idempotencyKeyOptions":{{"key":"own","scope":"run"}},"payloadSize":13}}}}"#
        ),
    ];
    let ndjson = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2]);
    let items = server
        .mock("POST", "/api/v3/batches/batch_1/items")
        .match_header("content-type", "application/x-ndjson")
        .match_header("authorization", format!("Bearer {DEV_KEY}").as_str())
        .match_header("x-trigger-request-idempotency-key", Matcher::Missing)
        .match_body(Matcher::Exact(ndjson))
        .with_body(r#"{"id":"batch_1","itemsAccepted":3,"itemsDeduplicated":0,"sealed":true}"#)
        .create();

    let batch = vec![
        BatchItem::new("b-task", &json!({"n": 0})).unwrap(),
        BatchItem::new("a-task", &"text")
            .unwrap()
            .options(TriggerOptions::new().tag("x")),
        BatchItem::new("b-task", &())
            .unwrap()
            .options(TriggerOptions::new().idempotency_key("own")),
    ];
    let handle = client(&server.url())
        .tasks()
        .batch_trigger(
            &batch,
            &BatchTriggerOptions::new()
                .idempotency_key("bk")
                .idempotency_key_ttl("2h"),
        )
        .unwrap();
    create.assert();
    items.assert();
    assert_eq!(handle.batch_id, "batch_1");
    assert_eq!(handle.run_count, 3);
    assert!(!handle.is_cached);
    assert_eq!(handle.public_access_token.as_deref(), Some("eyJ.batch.jwt"));
}

#[test]
fn batch_trigger_skips_the_items_when_the_batch_is_cached() {
    let mut server = mockito::Server::new();
    let create = server
        .mock("POST", "/api/v3/batches")
        .with_status(202)
        .with_body(r#"{"id":"batch_1","runCount":1,"isCached":true}"#)
        .create();
    let items = server
        .mock("POST", "/api/v3/batches/batch_1/items")
        .expect(0)
        .create();
    let handle = client(&server.url())
        .tasks()
        .batch_trigger(
            &[BatchItem::new("t", &1).unwrap()],
            &BatchTriggerOptions::new().idempotency_key("same"),
        )
        .unwrap();
    create.assert();
    items.assert();
    assert!(handle.is_cached);
}

#[test]
fn batch_trigger_resends_unsealed_items_then_reports_not_sealed() {
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v3/batches")
        .with_status(202)
        .with_body(r#"{"id":"batch_9","runCount":2,"isCached":false}"#)
        .create();
    let items = server
        .mock("POST", "/api/v3/batches/batch_9/items")
        .with_body(r#"{"id":"batch_9","itemsAccepted":1,"itemsDeduplicated":1,"sealed":false,"enqueuedCount":1,"expectedCount":2}"#)
        .expect(5)
        .create();
    let clock = FakeClock::new();
    let client = client_with(&server.url(), DEV_KEY, clock.clone());
    let err = client
        .tasks()
        .batch_trigger(
            &[
                BatchItem::new("t", &1).unwrap(),
                BatchItem::new("t", &2).unwrap(),
            ],
            &BatchTriggerOptions::new(),
        )
        .unwrap_err();
    items.assert();
    match err {
        Error::BatchNotSealed {
            batch_id,
            enqueued_count,
            expected_count,
            items_accepted,
            items_deduplicated,
        } => {
            assert_eq!(batch_id, "batch_9");
            assert_eq!((enqueued_count, expected_count), (1, 2));
            assert_eq!((items_accepted, items_deduplicated), (1, 1));
        }
        other => panic!("expected BatchNotSealed, got {other:?}"),
    }
    // Factor 2 from 1 s, no jitter with the fake clock's random() = 0.
    let ms: Vec<u128> = clock.sleeps().iter().map(|d| d.as_millis()).collect();
    assert_eq!(ms, [1000, 2000, 4000, 8000]);
}

#[test]
fn batch_trigger_rejects_empty_batches_and_task_ids() {
    let c = client("http://127.0.0.1:9");
    let err = c
        .tasks()
        .batch_trigger(&[], &BatchTriggerOptions::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `items`: a batch needs at least one item"
    );
    let err = c
        .tasks()
        .batch_trigger(
            &[BatchItem::new("", &1).unwrap()],
            &BatchTriggerOptions::new(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `items`: item 0 has an empty task id"
    );
}

#[test]
fn batches_retrieve_decodes_the_batch() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(server.mock("GET", "/api/v2/batches/batch_1"), DEV_KEY)
        .with_body(
            r#"{"id":"batch_1","status":"PARTIAL_FAILED","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:01.000Z","runCount":2,"runs":["run_1"],"processing":{"completedAt":"2026-01-01T00:00:01.000Z","errors":[{"index":1,"taskIdentifier":"t","error":"boom","errorCode":"E1"}]},"processingCompletedAt":"x"}"#,
        )
        .create();
    let batch = client(&server.url()).batches().retrieve("batch_1").unwrap();
    mock.assert();
    assert_eq!(batch.status, BatchStatus::PartialFailed);
    assert_eq!(batch.runs, vec!["run_1".to_string()]);
    assert_eq!(batch.processing.errors[0].error, "boom");
    assert_eq!(batch.processing.errors[0].error_code.as_deref(), Some("E1"));
}

#[test]
fn batch_status_keeps_unknown_values() {
    let s: BatchStatus = serde_json::from_str(r#""SOMETHING_NEW""#).unwrap();
    assert_eq!(s, BatchStatus::Unknown("SOMETHING_NEW".into()));
}

#[test]
fn batch_items_with_personal_access_tokens_fail_before_sending() {
    let err = Client::with_env(
        Config::new()
            .access_token(PAT)
            .base_url("http://127.0.0.1:9")
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    )
    .tasks()
    .batch_trigger(
        &[BatchItem::new("t", &1).unwrap()],
        &BatchTriggerOptions::new(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedCredential {
                operation: "tasks.batchTrigger",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn without_x_trigger_jwt_the_handle_token_is_signed_from_the_claims() {
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .with_header("x-trigger-jwt-claims", r#"{"sub":"env_1","pub":true}"#)
        .with_body(r#"{"id":"run_42"}"#)
        .create();
    let clock = FakeClock::new();
    let handle = client_with(&server.url(), DEV_KEY, clock.clone())
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    let token = handle.public_access_token.unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(b64url(parts[0]), br#"{"alg":"HS256"}"#);
    let iat = clock.epoch_ms() / 1000;
    let payload: serde_json::Value = serde_json::from_slice(&b64url(parts[1])).unwrap();
    assert_eq!(
        payload,
        json!({"sub":"env_1","pub":true,"scopes":["read:runs:run_42"],
               "iss":"https://id.trigger.dev","aud":"https://api.trigger.dev",
               "iat": iat as u64, "exp": iat as u64 + 3600})
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, DEV_KEY.as_bytes());
    let input = format!("{}.{}", parts[0], parts[1]);
    assert!(ring::hmac::verify(&key, input.as_bytes(), &b64url(parts[2])).is_ok());

    // A personal access token cannot trigger at all; an additional key cannot sign.
    let additional = "tr_dev_sk_abcdefghijklmnopqrstuvwx";
    let handle = client_with(&server.url(), additional, FakeClock::new())
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    assert_eq!(handle.public_access_token, None);
}

/// Decodes unpadded base64url (test helper).
fn b64url(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes() {
        bits = bits << 6 | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[test]
fn external_deployment_id_and_debounce_go_after_lock_to_version() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::Exact(
            r#"{"payload":"x","options":{"payloadType":"text/plain","payloadSize":1,"region":"eu","lockToVersion":"v1","externalDeploymentId":"deploy-7","debounce":{"key":"user-1","delay":"5s","mode":"trailing"}}}"#.into(),
        ))
        .with_body(r#"{"id":"run_1"}"#)
        .create();
    let mut debounce = triggerdev::Debounce::new("user-1", "5s");
    debounce.mode = Some("trailing".into());
    client(&server.url())
        .tasks()
        .trigger(
            "t",
            "x",
            &TriggerOptions::new()
                .region("eu")
                .version("v1")
                .external_deployment_id(" deploy-7 ")
                .debounce(debounce),
        )
        .unwrap();
    mock.assert();
}

#[test]
fn external_deployment_id_falls_back_to_config_then_env() {
    let mut server = mockito::Server::new();
    let from_config = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::PartialJson(
            json!({"options": {"externalDeploymentId": "cfg"}}),
        ))
        .with_body(r#"{"id":"run_1"}"#)
        .expect(1)
        .create();
    let env = Env::from_pairs([
        ("TRIGGER_AUTOMATIC_SKEW_VERSION_PROTECTION", "true"),
        ("GITHUB_SHA", "abc123"),
    ]);
    let url = server.url();
    let with = |cfg: Config| Client::with_env(cfg.access_token(DEV_KEY).base_url(&url), &env);
    with(Config::new().external_deployment_id("cfg"))
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    from_config.assert();
    let from_env = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::PartialJson(
            json!({"options": {"externalDeploymentId": "abc123"}}),
        ))
        .with_body(r#"{"id":"run_2"}"#)
        .expect(1)
        .create();
    with(Config::new())
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    from_env.assert();
    // Without the skew-protection switch, commit SHAs are not used.
    let env = Env::from_pairs([("GITHUB_SHA", "abc123")]);
    let none = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::Exact(
            r#"{"payload":"{\"json\":{}}","options":{"payloadType":"application/super+json","payloadSize":11}}"#.into(),
        ))
        .with_body(r#"{"id":"run_3"}"#)
        .expect(1)
        .create();
    Client::with_env(
        Config::new().access_token(DEV_KEY).base_url(server.url()),
        &env,
    )
    .tasks()
    .trigger("t", &json!({}), &TriggerOptions::new())
    .unwrap();
    none.assert();
}
