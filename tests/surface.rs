//! Queues, deployments, waitpoint tokens, bulk actions, run metadata/events/trace and
//! idempotency keys on the wire (mockito): the exact request, the decoded response, the
//! credential rules checked before sending, and the argument checks.

mod common;

use std::sync::Arc;

use common::*;
use mockito::{Matcher, Mock, Server};
use serde_json::json;
use triggerdev::{
    idempotency_keys, BulkActionFilter, BulkActionKind, Client, Config, CreateBulkAction,
    CreateWaitpointToken, Env, Error, IdempotencyKeyScope, ListBulkActionsParams,
    ListDeploymentsParams, ListQueuesParams, ListWaitpointTokensParams, OneOrMany, QueueKind,
    QueueRef, RequestOptions, RetryPolicy, RunStatus, TokenKind, TriggerOptions,
};

/// A public access token (JWT-shaped); its signature is never checked by mockito.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln";

/// The headers every call of the official SDK carries (`docs/wire.md#rest-calls`), the realtime
/// streams version included.
fn on_wire(mock: Mock, token: &str) -> Mock {
    with_common_headers(mock, token).match_header("x-trigger-realtime-streams-version", "v2")
}

/// A POST whose JSON body is exactly `body` (bytes and length).
fn with_body(mock: Mock, body: &str) -> Mock {
    mock.match_header("content-length", body.len().to_string().as_str())
        .match_body(Matcher::Exact(body.to_owned()))
}

/// A POST that has no body at all.
fn no_body(mock: Mock) -> Mock {
    mock.match_header("content-length", "0")
        .match_body(Matcher::Exact(String::new()))
}

/// A client with `token`, no retries, a fake clock and an empty environment.
fn client_for(url: &str, token: &str, clock: Arc<FakeClock>) -> Client {
    Client::with_env(
        Config::new()
            .access_token(token)
            .base_url(url)
            .clock(clock)
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    )
}

/// Mocks for every method and path that must never be hit.
fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST", "PUT", "DELETE", "PATCH"]
        .iter()
        .map(|m| server.mock(m, Matcher::Any).expect(0).create())
        .collect()
}

fn assert_invalid(err: Error, argument: &str, reason: &str) {
    match err {
        Error::InvalidArgument {
            argument: a,
            reason: r,
        } => {
            assert_eq!((a, r.as_str()), (argument, reason));
        }
        other => panic!("expected InvalidArgument `{argument}`, got {other:?}"),
    }
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

fn sha256_hex(text: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Response bodies

fn queue_body(id: &str, name: &str, kind: &str) -> serde_json::Value {
    json!({
        "id": id, "name": name, "type": kind, "running": 1, "queued": 2, "paused": false,
        "concurrencyLimit": 10,
        "concurrency": {"current": 5, "base": 10, "override": 5,
                        "overriddenAt": "2026-01-01T00:00:00.000Z", "overriddenBy": "user_1"},
        "releaseConcurrencyOnWaitpoint": true
    })
}

fn offset_page(items: Vec<serde_json::Value>, current: u64, total: u64, count: u64) -> String {
    json!({"data": items, "pagination": {"currentPage": current, "totalPages": total, "count": count}})
        .to_string()
}

fn cursor_page(items: Vec<serde_json::Value>, next: Option<&str>) -> String {
    let mut pagination = json!({});
    if let Some(n) = next {
        pagination["next"] = json!(n);
    }
    json!({"data": items, "pagination": pagination}).to_string()
}

fn deployment_body(id: &str, version: &str) -> serde_json::Value {
    json!({
        "id": id, "createdAt": "2025-01-01T00:00:00.000Z", "shortCode": "sc_1",
        "version": version, "runtime": "node", "runtimeVersion": "22.0.0",
        "status": "DEPLOYED", "deployedAt": "2025-01-01T00:05:00.000Z",
        "git": {"commitSha": "abc123"}
    })
}

fn token_body(id: &str) -> serde_json::Value {
    json!({
        "id": id, "url": format!("https://api.example/api/v1/waitpoints/tokens/{id}/callback/h"),
        "status": "WAITING", "timeoutAt": "2026-01-01T01:00:00.000Z",
        "idempotencyKey": "wp-idem", "idempotencyKeyExpiresAt": "2026-01-02T00:00:00.000Z",
        "tags": ["wp"], "createdAt": "2026-01-01T00:00:00.000Z"
    })
}

fn bulk_body(id: &str) -> serde_json::Value {
    json!({
        "id": id, "name": "cancel old", "type": "CANCEL", "status": "COMPLETED",
        "counts": {"total": 3, "success": 2, "failure": 1},
        "createdAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:01.000Z"
    })
}

// ---------------------------------------------------------------------------------------------
// Queues

#[test]
fn queues_list_sends_per_page_then_page_and_decodes_the_page() {
    let mut server = Server::new();
    let mock = on_wire(
        server.mock("GET", "/api/v1/queues?perPage=5&page=2"),
        DEV_KEY,
    )
    .with_body(offset_page(
        vec![
            queue_body("queue_1", "my-task", "task"),
            queue_body("queue_2", "team/shared q", "custom"),
        ],
        2,
        3,
        12,
    ))
    .expect(1)
    .create();
    let params = ListQueuesParams {
        page: Some(2),
        per_page: Some(5),
    };
    let page = client(&server.url()).queues().list(&params).unwrap();
    mock.assert();
    assert_eq!(page.data.len(), 2);
    let q = &page.data[0];
    assert_eq!(
        (q.id.as_str(), q.name.as_str(), q.kind),
        ("queue_1", "my-task", QueueKind::Task)
    );
    assert_eq!((q.running, q.queued, q.paused), (1, 2, false));
    assert_eq!(q.concurrency_limit, Some(10.0));
    let c = q.concurrency.as_ref().unwrap();
    assert_eq!(
        (c.current, c.base, c.override_limit),
        (Some(5.0), Some(10.0), Some(5.0))
    );
    assert_eq!(c.overridden_at.as_deref(), Some("2026-01-01T00:00:00.000Z"));
    assert_eq!(c.overridden_by.as_deref(), Some("user_1"));
    assert_eq!(page.data[1].kind, QueueKind::Custom);
    assert_eq!(
        (
            page.pagination.current_page,
            page.pagination.total_pages,
            page.pagination.count
        ),
        (2, 3, 12)
    );
    assert!(page.has_next_page());
}

#[test]
fn queues_list_without_params_sends_no_query() {
    let mut server = Server::new();
    let mock = on_wire(server.mock("GET", "/api/v1/queues"), DEV_KEY)
        .with_body(offset_page(vec![], 1, 0, 0))
        .create();
    let page = client(&server.url())
        .queues()
        .list(&ListQueuesParams::default())
        .unwrap();
    mock.assert();
    assert!(page.data.is_empty());
    assert!(!page.has_next_page());
}

#[test]
fn queues_retrieve_names_ids_tasks_and_double_encoded_custom_queues() {
    let mut server = Server::new();
    let by_id = on_wire(
        server.mock("GET", "/api/v1/queues/queue_abc?type=id"),
        DEV_KEY,
    )
    .with_body(queue_body("queue_abc", "my-task", "task").to_string())
    .expect(1)
    .create();
    let by_task = on_wire(
        server.mock("GET", "/api/v1/queues/my-task?type=task"),
        DEV_KEY,
    )
    .with_body(queue_body("queue_abc", "my-task", "task").to_string())
    .expect(1)
    .create();
    let custom = on_wire(
        server.mock("GET", "/api/v1/queues/team%252Fshared%20q?type=custom"),
        DEV_KEY,
    )
    .with_body(queue_body("queue_c", "team/shared q", "custom").to_string())
    .expect(1)
    .create();
    let nested_task = on_wire(
        server.mock("GET", "/api/v1/queues/email%252Fsend?type=task"),
        DEV_KEY,
    )
    .with_body(queue_body("queue_e", "email/send", "task").to_string())
    .expect(1)
    .create();
    let c = client(&server.url());
    let q = c.queues().retrieve(&"queue_abc".into()).unwrap();
    assert_eq!(q.id, "queue_abc");
    let q = c.queues().retrieve(&QueueRef::task("my-task")).unwrap();
    assert_eq!(q.name, "my-task");
    let q = c
        .queues()
        .retrieve(&QueueRef::custom("team/shared q"))
        .unwrap();
    assert_eq!(
        (q.name.as_str(), q.kind),
        ("team/shared q", QueueKind::Custom)
    );
    let q = c.queues().retrieve(&QueueRef::task("email/send")).unwrap();
    assert_eq!(q.id, "queue_e");
    for m in [by_id, by_task, custom, nested_task] {
        m.assert();
    }
}

#[test]
fn queue_refs_read_the_official_json_forms() {
    let id: QueueRef = serde_json::from_str(r#""queue_1""#).unwrap();
    assert_eq!(id, QueueRef::Id("queue_1".into()));
    let task: QueueRef = serde_json::from_str(r#"{"type":"task","name":"t"}"#).unwrap();
    assert_eq!(task, QueueRef::task("t"));
    let custom: QueueRef = serde_json::from_str(r#"{"type":"custom","name":"c"}"#).unwrap();
    assert_eq!(custom, QueueRef::custom("c"));
    assert!(serde_json::from_str::<QueueRef>(r#"{"type":"id","name":"x"}"#).is_err());
}

#[test]
fn queues_pause_and_resume_post_type_and_action() {
    let mut server = Server::new();
    let pause = with_body(
        on_wire(
            server.mock("POST", "/api/v1/queues/team%252Fshared%20q/pause"),
            DEV_KEY,
        ),
        r#"{"type":"custom","action":"pause"}"#,
    )
    .with_body({
        let mut q = queue_body("queue_c", "team/shared q", "custom");
        q["paused"] = json!(true);
        q.to_string()
    })
    .expect(1)
    .create();
    let resume = with_body(
        on_wire(server.mock("POST", "/api/v1/queues/my-task/pause"), DEV_KEY),
        r#"{"type":"task","action":"resume"}"#,
    )
    .with_body(queue_body("queue_t", "my-task", "task").to_string())
    .expect(1)
    .create();
    let by_id = with_body(
        on_wire(server.mock("POST", "/api/v1/queues/queue_t/pause"), DEV_KEY),
        r#"{"type":"id","action":"pause"}"#,
    )
    .with_body(queue_body("queue_t", "my-task", "task").to_string())
    .expect(1)
    .create();
    let c = client(&server.url());
    assert!(
        c.queues()
            .pause(&QueueRef::custom("team/shared q"))
            .unwrap()
            .paused
    );
    assert!(
        !c.queues()
            .resume(&QueueRef::task("my-task"))
            .unwrap()
            .paused
    );
    c.queues().pause(&"queue_t".into()).unwrap();
    for m in [pause, resume, by_id] {
        m.assert();
    }
}

#[test]
fn queues_override_and_reset_the_concurrency_limit() {
    let mut server = Server::new();
    let over = with_body(
        on_wire(
            server.mock("POST", "/api/v1/queues/queue_1/concurrency/override"),
            DEV_KEY,
        ),
        r#"{"type":"id","concurrencyLimit":5}"#,
    )
    .with_body(queue_body("queue_1", "my-task", "task").to_string())
    .expect(1)
    .create();
    let reset = with_body(
        on_wire(
            server.mock(
                "POST",
                "/api/v1/queues/team%252Fshared%20q/concurrency/reset",
            ),
            DEV_KEY,
        ),
        r#"{"type":"custom"}"#,
    )
    .with_body({
        let mut q = queue_body("queue_c", "team/shared q", "custom");
        q["concurrency"] = json!({"current": 10, "base": 10, "override": null});
        q.to_string()
    })
    .expect(1)
    .create();
    let c = client(&server.url());
    let q = c
        .queues()
        .override_concurrency_limit(&"queue_1".into(), 5)
        .unwrap();
    assert_eq!(q.concurrency.unwrap().override_limit, Some(5.0));
    let q = c
        .queues()
        .reset_concurrency_limit(&QueueRef::custom("team/shared q"))
        .unwrap();
    let conc = q.concurrency.unwrap();
    assert_eq!((conc.current, conc.override_limit), (Some(10.0), None));
    over.assert();
    reset.assert();
}

#[test]
fn queues_iter_walks_three_offset_pages_lazily() {
    let mut server = Server::new();
    let p1 = on_wire(server.mock("GET", "/api/v1/queues?perPage=2"), DEV_KEY)
        .with_body(offset_page(
            vec![
                queue_body("q_1", "a", "task"),
                queue_body("q_2", "b", "task"),
            ],
            1,
            3,
            5,
        ))
        .expect(1)
        .create();
    let p2 = on_wire(
        server.mock("GET", "/api/v1/queues?perPage=2&page=2"),
        DEV_KEY,
    )
    .with_body(offset_page(
        vec![
            queue_body("q_3", "c", "task"),
            queue_body("q_4", "d", "custom"),
        ],
        2,
        3,
        5,
    ))
    .expect(1)
    .create();
    let p3 = on_wire(
        server.mock("GET", "/api/v1/queues?perPage=2&page=3"),
        DEV_KEY,
    )
    .with_body(offset_page(vec![queue_body("q_5", "e", "task")], 3, 3, 5))
    .expect(1)
    .create();
    let c = client(&server.url());
    let params = ListQueuesParams {
        per_page: Some(2),
        ..Default::default()
    };
    let mut iter = c.queues().iter(&params).unwrap();
    assert_eq!(iter.pages_fetched(), 0);
    assert!(!p1.matched(), "nothing is fetched before the first item");
    assert_eq!(iter.next().unwrap().unwrap().id, "q_1");
    assert_eq!(iter.next().unwrap().unwrap().id, "q_2");
    assert!(
        p1.matched() && !p2.matched(),
        "page 2 is fetched only when needed"
    );
    assert_eq!(iter.next().unwrap().unwrap().id, "q_3");
    assert_eq!(iter.pages_fetched(), 2);
    assert_eq!(iter.next().unwrap().unwrap().id, "q_4");
    assert!(!p3.matched());
    assert_eq!(iter.next().unwrap().unwrap().id, "q_5");
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
    assert_eq!(iter.pages_fetched(), 3);
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn queues_iter_stops_when_the_server_does_not_move_to_the_next_page() {
    // A server that answers page 1 to every request would otherwise loop forever.
    let mut server = Server::new();
    let p1 = server
        .mock("GET", "/api/v1/queues?perPage=1")
        .with_body(offset_page(vec![queue_body("q_1", "a", "task")], 1, 3, 3))
        .expect(1)
        .create();
    let p2 = server
        .mock("GET", "/api/v1/queues?perPage=1&page=2")
        .with_body(offset_page(vec![queue_body("q_1", "a", "task")], 1, 3, 3))
        .expect(1)
        .create();
    let params = ListQueuesParams {
        per_page: Some(1),
        ..Default::default()
    };
    let ids: Vec<String> = client(&server.url())
        .queues()
        .iter(&params)
        .unwrap()
        .map(|q| q.unwrap().id)
        .collect();
    assert_eq!(ids, ["q_1", "q_1"]);
    p1.assert();
    p2.assert();
}

// ---------------------------------------------------------------------------------------------
// Deployments

#[test]
fn deployments_list_sends_filters_then_cursor_paging() {
    let mut server = Server::new();
    let query = concat!(
        "status=DEPLOYED&period=7d&from=2025-01-01T00%3A00%3A00Z&to=2025-02-01T00%3A00%3A00Z",
        "&page%5Bsize%5D=5&page%5Bafter%5D=cur_d"
    );
    let mock = on_wire(
        server.mock("GET", format!("/api/v1/deployments?{query}").as_str()),
        DEV_KEY,
    )
    .with_body(cursor_page(
        vec![deployment_body("dep_1", "20250101.1")],
        Some("dep_1"),
    ))
    .expect(1)
    .create();
    let mut params = ListDeploymentsParams::new()
        .status("DEPLOYED")
        .period("7d")
        .limit(5)
        .cursor("cur_d");
    params.from = Some("2025-01-01T00:00:00Z".into());
    params.to = Some("2025-02-01T00:00:00Z".into());
    let page = client(&server.url()).deployments().list(&params).unwrap();
    mock.assert();
    let d = &page.data[0];
    assert_eq!(
        (d.id.as_str(), d.status.as_str(), d.version.as_str()),
        ("dep_1", "DEPLOYED", "20250101.1")
    );
    assert_eq!(d.short_code.as_deref(), Some("sc_1"));
    assert_eq!(d.created_at.as_deref(), Some("2025-01-01T00:00:00.000Z"));
    assert_eq!(d.deployed_at.as_deref(), Some("2025-01-01T00:05:00.000Z"));
    assert_eq!(d.runtime.as_deref(), Some("node"));
    assert_eq!(d.runtime_version.as_deref(), Some("22.0.0"));
    assert_eq!(d.git, Some(json!({"commitSha": "abc123"})));
    assert_eq!((d.error.as_ref(), d.worker.as_ref()), (None, None));
    assert_eq!(page.pagination.next.as_deref(), Some("dep_1"));
}

#[test]
fn deployment_list_params_read_the_official_json_names() {
    let p: ListDeploymentsParams = serde_json::from_str(
        r#"{"status":"FAILED","period":"1d","from":"a","to":"b","limit":3,"cursor":"c"}"#,
    )
    .unwrap();
    let mut expected = ListDeploymentsParams::new()
        .status("FAILED")
        .period("1d")
        .limit(3)
        .cursor("c");
    expected.from = Some("a".into());
    expected.to = Some("b".into());
    assert_eq!(p, expected);
    let after: ListDeploymentsParams = serde_json::from_str(r#"{"after":"c"}"#).unwrap();
    assert_eq!(after.cursor.as_deref(), Some("c"));
}

#[test]
fn deployments_iter_follows_cursors_over_three_pages_lazily() {
    let mut server = Server::new();
    let p1 = on_wire(
        server.mock(
            "GET",
            "/api/v1/deployments?status=DEPLOYED&page%5Bsize%5D=1",
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![deployment_body("dep_3", "3")], Some("c1")))
    .expect(1)
    .create();
    let p2 = on_wire(
        server.mock(
            "GET",
            "/api/v1/deployments?status=DEPLOYED&page%5Bsize%5D=1&page%5Bafter%5D=c1",
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![deployment_body("dep_2", "2")], Some("c2")))
    .expect(1)
    .create();
    let p3 = on_wire(
        server.mock(
            "GET",
            "/api/v1/deployments?status=DEPLOYED&page%5Bsize%5D=1&page%5Bafter%5D=c2",
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![deployment_body("dep_1", "1")], None))
    .expect(1)
    .create();
    let c = client(&server.url());
    let mut iter = c
        .deployments()
        .iter(&ListDeploymentsParams::new().status("DEPLOYED").limit(1))
        .unwrap();
    assert!(!p1.matched());
    assert_eq!(iter.next().unwrap().unwrap().id, "dep_3");
    assert!(!p2.matched(), "page 2 is fetched only when needed");
    assert_eq!(iter.next().unwrap().unwrap().id, "dep_2");
    assert!(!p3.matched());
    assert_eq!(iter.next().unwrap().unwrap().id, "dep_1");
    assert!(iter.next().is_none());
    assert_eq!(iter.pages_fetched(), 3);
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn deployments_retrieve_current_latest_and_promote() {
    let mut server = Server::new();
    let detail = json!({
        "id": "dep_1", "status": "DEPLOYED", "contentHash": "hash", "shortCode": "sc_1",
        "version": "20250101.1", "imageReference": "registry/x:1", "errorData": null,
        "worker": {"id": "worker_1", "version": "20250101.1", "tasks": []}
    });
    let retrieve = on_wire(server.mock("GET", "/api/v1/deployments/dep_1"), DEV_KEY)
        .with_body(detail.to_string())
        .expect(1)
        .create();
    let current = on_wire(server.mock("GET", "/api/v1/deployments/current"), DEV_KEY)
        .with_body(deployment_body("dep_1", "20250101.1").to_string())
        .expect(1)
        .create();
    let latest = on_wire(server.mock("GET", "/api/v1/deployments/latest"), DEV_KEY)
        .with_body(
            json!({"id": "dep_2", "status": "FAILED", "version": "20250102.1",
                   "contentHash": "h2", "shortCode": "sc_2", "imageReference": "r",
                   "errorData": {"name": "BuildError", "message": "boom"}})
            .to_string(),
        )
        .expect(1)
        .create();
    let promote = no_body(on_wire(
        server.mock("POST", "/api/v1/deployments/20250102.1/promote"),
        DEV_KEY,
    ))
    .with_body(r#"{"id":"dep_2","version":"20250102.1","shortCode":"sc_2"}"#)
    .expect(1)
    .create();
    let c = client(&server.url());
    let d = c.deployments().retrieve("dep_1").unwrap();
    assert_eq!(d.content_hash.as_deref(), Some("hash"));
    assert_eq!(d.image_reference.as_deref(), Some("registry/x:1"));
    assert_eq!(d.worker.unwrap()["id"], "worker_1");
    let d = c.deployments().retrieve_current().unwrap();
    assert_eq!((d.id.as_str(), d.version.as_str()), ("dep_1", "20250101.1"));
    let d = c.deployments().retrieve_latest().unwrap();
    assert_eq!(d.status, "FAILED");
    assert_eq!(
        d.error_data,
        Some(json!({"name": "BuildError", "message": "boom"}))
    );
    let p = c.deployments().promote("20250102.1").unwrap();
    assert_eq!(
        (p.id.as_str(), p.version.as_str(), p.short_code.as_deref()),
        ("dep_2", "20250102.1", Some("sc_2"))
    );
    for m in [retrieve, current, latest, promote] {
        m.assert();
    }
}

// ---------------------------------------------------------------------------------------------
// Waitpoint tokens

#[test]
fn waitpoint_create_sends_the_options_and_uses_x_trigger_jwt_as_is() {
    let mut server = Server::new();
    let mock = with_body(
        on_wire(server.mock("POST", "/api/v1/waitpoints/tokens"), DEV_KEY),
        r#"{"idempotencyKey":"wp-idem","idempotencyKeyTTL":"1d","timeout":"1h","tags":["wp"]}"#,
    )
    .with_header("x-trigger-jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzIjoxfQ.server")
    .with_header("x-trigger-jwt-claims", r#"{"sub":"env_1","pub":true}"#)
    .with_body(r#"{"id":"waitpoint_1","isCached":true,"url":"https://cb.example/x"}"#)
    .expect(1)
    .create();
    let created = client(&server.url())
        .waitpoints()
        .create_token(
            &CreateWaitpointToken::new()
                .timeout("1h")
                .idempotency_key("wp-idem")
                .idempotency_key_ttl("1d")
                .tag("wp"),
        )
        .unwrap();
    mock.assert();
    assert_eq!(created.id, "waitpoint_1");
    assert!(created.is_cached);
    assert_eq!(created.url, "https://cb.example/x");
    assert_eq!(
        created.public_access_token.as_deref(),
        Some("eyJhbGciOiJIUzI1NiJ9.eyJzIjoxfQ.server")
    );
    let debug = format!("{created:?}");
    assert!(
        !debug.contains("eyJ") && !debug.contains("cb.example"),
        "token and URL are redacted in Debug: {debug}"
    );
}

#[test]
fn waitpoint_create_without_options_sends_an_empty_object() {
    let mut server = Server::new();
    let mock = with_body(
        on_wire(server.mock("POST", "/api/v1/waitpoints/tokens"), DEV_KEY),
        "{}",
    )
    .with_header("x-trigger-jwt", "eyJ.a.b")
    .with_body(r#"{"id":"waitpoint_2","url":"u"}"#)
    .create();
    let created = client(&server.url())
        .waitpoints()
        .create_token(&CreateWaitpointToken::new())
        .unwrap();
    mock.assert();
    assert!(!created.is_cached, "isCached defaults to false");
}

#[test]
fn waitpoint_create_options_read_the_official_json_names() {
    let o: CreateWaitpointToken = serde_json::from_str(
        r#"{"timeout":"1h","idempotencyKey":"k","idempotencyKeyTTL":"1d","tags":"one"}"#,
    )
    .unwrap();
    assert_eq!(
        o,
        CreateWaitpointToken::new()
            .timeout("1h")
            .idempotency_key("k")
            .idempotency_key_ttl("1d")
            .tag("one")
    );
    let err =
        serde_json::from_str::<CreateWaitpointToken>(r#"{"idempotency_key":"k"}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown field `idempotency_key`"),
        "{err}"
    );
}

/// The header, the payload text and the signature check of a locally signed token.
fn signed_payload(token: &str, key: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    assert_eq!(b64url(parts[0]), br#"{"alg":"HS256"}"#);
    let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    let input = format!("{}.{}", parts[0], parts[1]);
    assert!(
        ring::hmac::verify(&hmac, input.as_bytes(), &b64url(parts[2])).is_ok(),
        "the HS256 signature verifies with the secret key"
    );
    String::from_utf8(b64url(parts[1])).unwrap()
}

#[test]
fn without_x_trigger_jwt_the_waitpoint_token_is_signed_from_the_claims() {
    let mut server = Server::new();
    server
        .mock("POST", "/api/v1/waitpoints/tokens")
        .with_header(
            "x-trigger-jwt-claims",
            r#"{"sub":"env_1","pub":true,"realtime":{"skipColumns":["payload"]}}"#,
        )
        .with_body(r#"{"id":"waitpoint_7","isCached":false,"url":"u"}"#)
        .create();
    let clock = FakeClock::new();
    let iat = clock.epoch_ms() as u64 / 1000;
    let created = client_for(&server.url(), DEV_KEY, clock)
        .waitpoints()
        .create_token(&CreateWaitpointToken::new())
        .unwrap();
    let token = created.public_access_token.unwrap();
    let payload = signed_payload(&token, DEV_KEY);
    // The claims header's keys first, then scopes, then iss, aud, exp (24 h), iat.
    assert_eq!(
        payload,
        format!(
            concat!(
                r#"{{"sub":"env_1","pub":true,"realtime":{{"skipColumns":["payload"]}},"#,
                r#""scopes":["write:waitpoints:waitpoint_7"],"iss":"https://id.trigger.dev","#,
                r#""aud":"https://api.trigger.dev","exp":{},"iat":{}}}"#
            ),
            iat + 24 * 3600,
            iat
        )
    );
}

#[test]
fn without_any_jwt_header_the_token_carries_only_the_scope() {
    let mut server = Server::new();
    server
        .mock("POST", "/api/v1/waitpoints/tokens")
        .with_body(r#"{"id":"waitpoint_8","url":"u"}"#)
        .create();
    let clock = FakeClock::new();
    let iat = clock.epoch_ms() as u64 / 1000;
    let created = client_for(&server.url(), DEV_KEY, clock)
        .waitpoints()
        .create_token(&CreateWaitpointToken::new())
        .unwrap();
    let payload = signed_payload(&created.public_access_token.unwrap(), DEV_KEY);
    assert_eq!(
        payload,
        format!(
            r#"{{"scopes":["write:waitpoints:waitpoint_8"],"iss":"https://id.trigger.dev","aud":"https://api.trigger.dev","exp":{},"iat":{}}}"#,
            iat + 86_400,
            iat
        )
    );
}

#[test]
fn an_additional_key_gets_no_locally_signed_waitpoint_token() {
    let additional = "tr_dev_sk_abcdefghijklmnopqrstuvwx";
    let mut server = Server::new();
    let mock = on_wire(server.mock("POST", "/api/v1/waitpoints/tokens"), additional)
        .with_header("x-trigger-jwt-claims", r#"{"sub":"env_1","pub":true}"#)
        .with_body(r#"{"id":"waitpoint_9","url":"u"}"#)
        .create();
    let created = client_for(&server.url(), additional, FakeClock::new())
        .waitpoints()
        .create_token(&CreateWaitpointToken::new())
        .unwrap();
    mock.assert();
    assert_eq!(created.id, "waitpoint_9");
    assert_eq!(created.public_access_token, None);
}

#[test]
fn waitpoint_list_sends_every_filter_in_the_official_order() {
    let mut server = Server::new();
    let query = concat!(
        "filter%5Bstatus%5D=WAITING%2CCOMPLETED&filter%5BidempotencyKey%5D=wp-idem",
        "&filter%5Btags%5D=wp%2Cother+tag&filter%5BcreatedAt%5D%5Bperiod%5D=1d",
        "&filter%5BcreatedAt%5D%5Bfrom%5D=1700000000000&filter%5BcreatedAt%5D%5Bto%5D=1700000100000",
        "&page%5Bsize%5D=5&page%5Bafter%5D=waitpoint_a&page%5Bbefore%5D=waitpoint_b"
    );
    let mock = on_wire(
        server.mock("GET", format!("/api/v1/waitpoints/tokens?{query}").as_str()),
        DEV_KEY,
    )
    .with_body(cursor_page(
        vec![token_body("waitpoint_1")],
        Some("waitpoint_1"),
    ))
    .expect(1)
    .create();
    let mut params = ListWaitpointTokensParams::new()
        .status("WAITING")
        .status("COMPLETED")
        .tag("wp")
        .tag("other tag")
        .limit(5);
    params.idempotency_key = Some("wp-idem".into());
    params.period = Some("1d".into());
    params.from = Some(1_700_000_000_000);
    params.to = Some(1_700_000_100_000);
    params.after = Some("waitpoint_a".into());
    params.before = Some("waitpoint_b".into());
    let page = client(&server.url())
        .waitpoints()
        .list_tokens(&params)
        .unwrap();
    mock.assert();
    let t = &page.data[0];
    assert_eq!(
        (t.id.as_str(), t.status.as_str()),
        ("waitpoint_1", "WAITING")
    );
    assert_eq!(t.tags, ["wp"]);
    assert_eq!(t.timeout_at.as_deref(), Some("2026-01-01T01:00:00.000Z"));
    assert_eq!(t.idempotency_key.as_deref(), Some("wp-idem"));
    assert_eq!(
        t.idempotency_key_expires_at.as_deref(),
        Some("2026-01-02T00:00:00.000Z")
    );
    assert_eq!(t.created_at, "2026-01-01T00:00:00.000Z");
    assert_eq!((t.output.as_ref(), t.output_is_error), (None, false));
    assert_eq!(page.pagination.next.as_deref(), Some("waitpoint_1"));
}

#[test]
fn waitpoint_list_params_read_one_or_many() {
    let p: ListWaitpointTokensParams =
        serde_json::from_str(r#"{"status":"WAITING","tags":["a","b"],"limit":2}"#).unwrap();
    assert_eq!(
        p,
        ListWaitpointTokensParams::new()
            .status("WAITING")
            .tag("a")
            .tag("b")
            .limit(2)
    );
}

#[test]
fn waitpoint_iter_follows_cursors_over_three_pages_lazily() {
    let mut server = Server::new();
    let base = "/api/v1/waitpoints/tokens?filter%5Bstatus%5D=WAITING&page%5Bsize%5D=2";
    let p1 = on_wire(server.mock("GET", base), DEV_KEY)
        .with_body(cursor_page(
            vec![token_body("waitpoint_6"), token_body("waitpoint_5")],
            Some("waitpoint_5"),
        ))
        .expect(1)
        .create();
    let p2 = on_wire(
        server.mock(
            "GET",
            format!("{base}&page%5Bafter%5D=waitpoint_5").as_str(),
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(
        vec![token_body("waitpoint_4"), token_body("waitpoint_3")],
        Some("waitpoint_3"),
    ))
    .expect(1)
    .create();
    let p3 = on_wire(
        server.mock(
            "GET",
            format!("{base}&page%5Bafter%5D=waitpoint_3").as_str(),
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![token_body("waitpoint_2")], None))
    .expect(1)
    .create();
    let c = client(&server.url());
    let mut iter = c
        .waitpoints()
        .iter_tokens(&ListWaitpointTokensParams::new().status("WAITING").limit(2))
        .unwrap();
    assert!(!p1.matched());
    let first: Vec<String> = iter.by_ref().take(2).map(|t| t.unwrap().id).collect();
    assert_eq!(first, ["waitpoint_6", "waitpoint_5"]);
    assert!(
        p1.matched() && !p2.matched(),
        "page 2 is fetched only when needed"
    );
    let rest: Vec<String> = iter.by_ref().map(|t| t.unwrap().id).collect();
    assert_eq!(rest, ["waitpoint_4", "waitpoint_3", "waitpoint_2"]);
    assert_eq!(iter.pages_fetched(), 3);
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn waitpoint_retrieve_decodes_the_output_by_its_type() {
    let mut server = Server::new();
    let mut completed = token_body("waitpoint_1");
    completed["status"] = json!("COMPLETED");
    completed["completedAt"] = json!("2026-01-01T00:30:00.000Z");
    completed["output"] = json!(r#"{"json":{"approved":true}}"#);
    completed["outputType"] = json!("application/super+json");
    completed["outputIsError"] = json!(false);
    let mock = on_wire(
        server.mock("GET", "/api/v1/waitpoints/tokens/waitpoint_1"),
        DEV_KEY,
    )
    .with_body(completed.to_string())
    .expect(1)
    .create();
    let t = client(&server.url())
        .waitpoints()
        .retrieve_token("waitpoint_1")
        .unwrap();
    mock.assert();
    assert_eq!(t.status, "COMPLETED");
    assert_eq!(t.completed_at.as_deref(), Some("2026-01-01T00:30:00.000Z"));
    assert_eq!(t.output.as_deref(), Some(r#"{"json":{"approved":true}}"#));
    assert_eq!(t.output_type.as_deref(), Some("application/super+json"));
    assert_eq!(t.output_value(), Some(json!({"approved": true})));
}

#[test]
fn output_value_decodes_superjson_json_and_text() {
    let token = |output: Option<&str>, kind: Option<&str>| {
        let mut body = token_body("waitpoint_1");
        if let Some(o) = output {
            body["output"] = json!(o);
        }
        if let Some(k) = kind {
            body["outputType"] = json!(k);
        }
        serde_json::from_value::<triggerdev::WaitpointToken>(body).unwrap()
    };
    let superjson = token(
        Some(r#"{"json":{"d":"1970-01-01T00:00:00.000Z"},"meta":{"values":{"d":["Date"]}}}"#),
        Some("application/super+json"),
    );
    assert_eq!(
        superjson.output_value(),
        Some(json!({"d": "1970-01-01T00:00:00.000Z"}))
    );
    assert_eq!(
        token(Some("[1,2]"), Some("application/json")).output_value(),
        Some(json!([1, 2]))
    );
    assert_eq!(
        token(Some("[1,2]"), None).output_value(),
        Some(json!([1, 2])),
        "no outputType is read as JSON"
    );
    assert_eq!(
        token(Some("approved"), Some("text/plain")).output_value(),
        Some(json!("approved"))
    );
    assert_eq!(
        token(Some("{not json"), Some("application/json")).output_value(),
        None
    );
    assert_eq!(token(None, Some("application/json")).output_value(), None);
    // A timed-out token: the error is the output.
    let mut timed_out = token(
        Some(r#"{"json":{"code":"TRIGGER_WAITPOINT_TIMEOUT","message":"Timed out"}}"#),
        Some("application/super+json"),
    );
    timed_out.output_is_error = true;
    assert_eq!(
        timed_out.output_value().unwrap()["code"],
        "TRIGGER_WAITPOINT_TIMEOUT"
    );
}

#[test]
fn waitpoint_complete_posts_the_data_as_given() {
    let mut server = Server::new();
    let object = with_body(
        on_wire(
            server.mock("POST", "/api/v1/waitpoints/tokens/waitpoint_1/complete"),
            DEV_KEY,
        ),
        r#"{"data":{"z":1,"approved":true}}"#,
    )
    .with_body(r#"{"success":true}"#)
    .expect(1)
    .create();
    let text = with_body(
        on_wire(
            server.mock("POST", "/api/v1/waitpoints/tokens/waitpoint_2/complete"),
            DEV_KEY,
        ),
        r#"{"data":"yes"}"#,
    )
    .with_body(r#"{"success":true}"#)
    .expect(1)
    .create();
    let c = client(&server.url());
    let data = triggerdev::RawJson::from_text(r#"{"z":1,"approved":true}"#).unwrap();
    c.waitpoints().complete_token("waitpoint_1", &data).unwrap();
    c.waitpoints().complete_token("waitpoint_2", "yes").unwrap();
    object.assert();
    text.assert();
}

#[test]
fn waitpoint_complete_with_a_public_token_sends_it_as_the_bearer() {
    let mut server = Server::new();
    let mock = on_wire(
        server.mock("POST", "/api/v1/waitpoints/tokens/waitpoint_1/complete"),
        JWT,
    )
    .with_body(r#"{"success":true}"#)
    .expect(1)
    .create();
    client_for(&server.url(), JWT, FakeClock::new())
        .waitpoints()
        .complete_token("waitpoint_1", &json!({"ok": 1}))
        .unwrap();
    mock.assert();
}

#[test]
fn waitpoint_idempotency_keys_longer_than_2048_are_refused_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let err = client(&server.url())
        .waitpoints()
        .create_token(&CreateWaitpointToken::new().idempotency_key("k".repeat(2049)))
        .unwrap_err();
    assert_invalid(
        err,
        "options.idempotencyKey",
        "must be 2048 characters or less",
    );
    for m in none {
        m.assert();
    }
    // Exactly 2048 is fine.
    let ok = server
        .mock("POST", "/api/v1/waitpoints/tokens")
        .match_body(Matcher::PartialJson(
            json!({"idempotencyKey": "k".repeat(2048)}),
        ))
        .with_header("x-trigger-jwt", "eyJ.a.b")
        .with_body(r#"{"id":"waitpoint_1","url":"u"}"#)
        .expect(1)
        .create();
    client(&server.url())
        .waitpoints()
        .create_token(&CreateWaitpointToken::new().idempotency_key("k".repeat(2048)))
        .unwrap();
    ok.assert();
}

#[test]
fn waitpoint_idempotency_key_limit_counts_characters_not_bytes() {
    // The server's schema (and the SDK's message) say 2048 *characters*: 2048 `é` (4096
    // bytes) is a valid key and must be sent.
    let key = "é".repeat(2048);
    let mut server = Server::new();
    let ok = server
        .mock("POST", "/api/v1/waitpoints/tokens")
        .match_body(Matcher::PartialJson(json!({"idempotencyKey": key})))
        .with_header("x-trigger-jwt", "eyJ.a.b")
        .with_body(r#"{"id":"waitpoint_1","url":"u"}"#)
        .expect(1)
        .create();
    let result = client(&server.url())
        .waitpoints()
        .create_token(&CreateWaitpointToken::new().idempotency_key(key.clone()));
    assert!(result.is_ok(), "{result:?}");
    ok.assert();
}

// ---------------------------------------------------------------------------------------------
// Bulk actions

#[test]
fn bulk_create_by_filter_sends_the_filter_name_and_action() {
    let mut server = Server::new();
    let mock = with_body(
        on_wire(server.mock("POST", "/api/v1/bulk-actions"), DEV_KEY),
        // As the official SDK sends `filter: {status: ["QUEUED"], tag: "old"}`.
        r#"{"filter":{"status":["QUEUED"],"tag":"old"},"name":"cancel old","action":"cancel"}"#,
    )
    .with_status(202)
    .with_body(r#"{"id":"bulk_1"}"#)
    .expect(1)
    .create();
    let filter = BulkActionFilter::new().status(RunStatus::Queued).tag("old");
    let id = client(&server.url())
        .bulk_actions()
        .create(&CreateBulkAction::by_filter(BulkActionKind::Cancel, filter).name("cancel old"))
        .unwrap();
    mock.assert();
    assert_eq!(id, "bulk_1");
}

#[test]
fn bulk_create_by_ids_sends_run_ids_and_target_region() {
    let mut server = Server::new();
    let mock = with_body(
        on_wire(server.mock("POST", "/api/v1/bulk-actions"), DEV_KEY),
        r#"{"runIds":["run_1","run_2"],"targetRegion":"eu-central-1","action":"replay"}"#,
    )
    .with_body(r#"{"id":"bulk_2"}"#)
    .expect(1)
    .create();
    let id = client(&server.url())
        .bulk_actions()
        .create(
            &CreateBulkAction::by_ids(BulkActionKind::Replay, ["run_1", "run_2"])
                .target_region("eu-central-1"),
        )
        .unwrap();
    mock.assert();
    assert_eq!(id, "bulk_2");
}

#[test]
fn bulk_filters_read_one_or_many_and_serialize_every_member_in_order() {
    let filter: BulkActionFilter = serde_json::from_str(
        r#"{"region":"eu","machine":"micro","batch":"batch_1",
            "isTest":false,"schedule":"sched_1","tag":"old","bulkAction":"bulk_0","period":"1d",
            "to":2,"from":1,"version":"v1","taskIdentifier":"t","status":"QUEUED"}"#,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&filter).unwrap(),
        concat!(
            r#"{"status":["QUEUED"],"taskIdentifier":["t"],"version":["v1"],"from":1,"to":2,"#,
            r#""period":"1d","bulkAction":"bulk_0","tag":"old","schedule":"sched_1","#,
            r#""isTest":false,"batch":"batch_1","#,
            r#""machine":["micro"],"region":["eu"]}"#
        )
    );
    let body: CreateBulkAction =
        serde_json::from_str(r#"{"filter":{"status":["QUEUED"],"tag":"old"},"action":"cancel"}"#)
            .unwrap();
    assert_eq!(
        body,
        CreateBulkAction::by_filter(
            BulkActionKind::Cancel,
            BulkActionFilter::new().status(RunStatus::Queued).tag("old")
        )
    );
}

#[test]
fn a_bulk_filter_tag_goes_out_as_given() {
    let tag = |json: &str| {
        let filter: BulkActionFilter = serde_json::from_str(json).unwrap();
        serde_json::to_string(&filter).unwrap()
    };
    assert_eq!(tag(r#"{"tag":"old"}"#), r#"{"tag":"old"}"#);
    assert_eq!(tag(r#"{"tag":["old"]}"#), r#"{"tag":["old"]}"#);
    assert_eq!(tag(r#"{"tag":["a","b"]}"#), r#"{"tag":["a","b"]}"#);
    assert_eq!(tag(r#"{"tag":[]}"#), r#"{}"#);
    // The builder: one tag is a string, a second makes an array.
    let built = |f: BulkActionFilter| serde_json::to_string(&f).unwrap();
    assert_eq!(built(BulkActionFilter::new().tag("a")), r#"{"tag":"a"}"#);
    assert_eq!(
        built(BulkActionFilter::new().tag("a").tag("b")),
        r#"{"tag":["a","b"]}"#
    );
    let mut filter = BulkActionFilter::new();
    filter.tag = OneOrMany::Many(vec!["a".into()]);
    assert_eq!(built(filter), r#"{"tag":["a"]}"#);
    // A wrong type is named at its place.
    let err = serde_json::from_str::<BulkActionFilter>(r#"{"tag":["a",1]}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid type: integer `1`, expected a string"),
        "{err}"
    );
}

#[test]
fn bulk_queue_filters_serialize_as_given() {
    let mut filter = BulkActionFilter::new();
    filter.queue = vec![
        triggerdev::RawJson::from_text(r#"{"type":"task","name":"t"}"#).unwrap(),
        triggerdev::RawJson::from_text(r#"{"type":"custom","name":"shared"}"#).unwrap(),
    ];
    assert_eq!(
        serde_json::to_string(&filter).unwrap(),
        r#"{"queue":[{"type":"task","name":"t"},{"type":"custom","name":"shared"}]}"#
    );
}

#[test]
fn bulk_queue_filters_read_one_or_many_from_json() {
    // The official SDK takes `queue: {type, name}` or a list of them; so does the C ABI's
    // body_json. Both fail with "data did not match any variant of untagged enum OneOrMany".
    let one: Result<BulkActionFilter, _> =
        serde_json::from_str(r#"{"queue":{"type":"task","name":"t"}}"#);
    assert!(one.is_ok(), "{one:?}");
    let many: Result<BulkActionFilter, _> =
        serde_json::from_str(r#"{"queue":[{"type":"task","name":"t"}]}"#);
    assert_eq!(
        serde_json::to_string(&many.unwrap()).unwrap(),
        r#"{"queue":[{"type":"task","name":"t"}]}"#
    );
    assert_eq!(
        serde_json::to_string(&one.unwrap()).unwrap(),
        r#"{"queue":[{"type":"task","name":"t"}]}"#
    );
}

#[test]
fn bulk_create_checks_the_body_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let c = client(&server.url());
    let create = |a: &CreateBulkAction| c.bulk_actions().create(a).unwrap_err();

    let mut neither = CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]);
    neither.run_ids = None;
    assert_invalid(
        create(&neither),
        "body",
        "give exactly one of `filter` and `runIds`",
    );
    let mut both = CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]);
    both.filter = Some(BulkActionFilter::new().tag("x"));
    assert_invalid(
        create(&both),
        "body",
        "give exactly one of `filter` and `runIds`",
    );
    assert_invalid(
        create(&CreateBulkAction::by_filter(
            BulkActionKind::Cancel,
            BulkActionFilter::new(),
        )),
        "body.filter",
        "give at least one filter",
    );
    assert_invalid(
        create(&CreateBulkAction::by_ids(
            BulkActionKind::Replay,
            Vec::<String>::new(),
        )),
        "body.runIds",
        "give at least one run id, none of them empty",
    );
    assert_invalid(
        create(&CreateBulkAction::by_ids(
            BulkActionKind::Replay,
            ["run_1", " "],
        )),
        "body.runIds",
        "give at least one run id, none of them empty",
    );
    assert_invalid(
        create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]).target_region("eu")),
        "body.targetRegion",
        "only a replay takes a target region",
    );
    assert_invalid(
        create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]).name("n".repeat(256))),
        "body.name",
        "must be at most 255 characters",
    );
    for m in none {
        m.assert();
    }
    // 255 characters (multi-byte) are fine.
    let ok = server
        .mock("POST", "/api/v1/bulk-actions")
        .match_body(Matcher::PartialJson(json!({"name": "é".repeat(255)})))
        .with_body(r#"{"id":"bulk_1"}"#)
        .expect(1)
        .create();
    c.bulk_actions()
        .create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]).name("é".repeat(255)))
        .unwrap();
    ok.assert();
}

#[test]
fn bulk_list_retrieve_and_abort() {
    let mut server = Server::new();
    let list = on_wire(
        server.mock(
            "GET",
            "/api/v1/bulk-actions?page%5Bsize%5D=5&page%5Bafter%5D=bulk_9&page%5Bbefore%5D=bulk_1",
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![bulk_body("bulk_5")], None))
    .expect(1)
    .create();
    let retrieve = on_wire(server.mock("GET", "/api/v1/bulk-actions/bulk_5"), DEV_KEY)
        .with_body(bulk_body("bulk_5").to_string())
        .expect(1)
        .create();
    let abort = no_body(on_wire(
        server.mock("POST", "/api/v1/bulk-actions/bulk_5/abort"),
        DEV_KEY,
    ))
    .with_body(r#"{"id":"bulk_5"}"#)
    .expect(1)
    .create();
    let c = client(&server.url());
    let page = c
        .bulk_actions()
        .list(&ListBulkActionsParams {
            limit: Some(5),
            after: Some("bulk_9".into()),
            before: Some("bulk_1".into()),
        })
        .unwrap();
    assert_eq!(page.data[0].id, "bulk_5");
    assert!(!page.has_next_page());
    let b = c.bulk_actions().retrieve("bulk_5").unwrap();
    assert_eq!(b.name.as_deref(), Some("cancel old"));
    assert_eq!(
        (b.kind.as_str(), b.status.as_str()),
        ("CANCEL", "COMPLETED")
    );
    assert_eq!(
        (b.counts.total, b.counts.success, b.counts.failure),
        (3, 2, 1)
    );
    assert_eq!(b.created_at, "2026-01-01T00:00:00.000Z");
    assert_eq!(b.completed_at.as_deref(), Some("2026-01-01T00:00:01.000Z"));
    assert_eq!(c.bulk_actions().abort("bulk_5").unwrap(), "bulk_5");
    for m in [list, retrieve, abort] {
        m.assert();
    }
}

#[test]
fn bulk_iter_follows_cursors_over_three_pages_lazily() {
    let mut server = Server::new();
    let p1 = on_wire(
        server.mock("GET", "/api/v1/bulk-actions?page%5Bsize%5D=1"),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![bulk_body("bulk_3")], Some("bulk_3")))
    .expect(1)
    .create();
    let p2 = on_wire(
        server.mock(
            "GET",
            "/api/v1/bulk-actions?page%5Bsize%5D=1&page%5Bafter%5D=bulk_3",
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![bulk_body("bulk_2")], Some("bulk_2")))
    .expect(1)
    .create();
    let p3 = on_wire(
        server.mock(
            "GET",
            "/api/v1/bulk-actions?page%5Bsize%5D=1&page%5Bafter%5D=bulk_2",
        ),
        DEV_KEY,
    )
    .with_body(cursor_page(vec![bulk_body("bulk_1")], None))
    .expect(1)
    .create();
    let c = client(&server.url());
    let params = ListBulkActionsParams {
        limit: Some(1),
        ..Default::default()
    };
    let mut iter = c.bulk_actions().iter(&params).unwrap();
    assert!(!p1.matched());
    assert_eq!(iter.next().unwrap().unwrap().id, "bulk_3");
    assert!(!p2.matched());
    assert_eq!(iter.next().unwrap().unwrap().id, "bulk_2");
    assert!(!p3.matched());
    assert_eq!(iter.next().unwrap().unwrap().id, "bulk_1");
    assert!(iter.next().is_none());
    assert_eq!(iter.pages_fetched(), 3);
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn a_cursor_that_does_not_move_ends_the_iteration() {
    let mut server = Server::new();
    let p1 = server
        .mock("GET", "/api/v1/bulk-actions")
        .with_body(cursor_page(vec![bulk_body("bulk_1")], Some("same")))
        .expect(1)
        .create();
    let p2 = server
        .mock("GET", "/api/v1/bulk-actions?page%5Bafter%5D=same")
        .with_body(cursor_page(vec![bulk_body("bulk_2")], Some("same")))
        .expect(1)
        .create();
    let ids: Vec<String> = client(&server.url())
        .bulk_actions()
        .iter(&Default::default())
        .unwrap()
        .map(|b| b.unwrap().id)
        .collect();
    assert_eq!(ids, ["bulk_1", "bulk_2"]);
    p1.assert();
    p2.assert();
}

// ---------------------------------------------------------------------------------------------
// Runs: metadata, events, trace

#[test]
fn runs_metadata_decodes_the_stored_string() {
    let mut server = Server::new();
    let mock = on_wire(server.mock("GET", "/api/v1/runs/run_1/metadata"), DEV_KEY)
        .with_body(
            r#"{"metadata":"{\"user\":\"ada\",\"n\":[1,2]}","metadataType":"application/json"}"#,
        )
        .expect(1)
        .create();
    let none = server
        .mock("GET", "/api/v1/runs/run_2/metadata")
        .with_body(r#"{"metadataType":"application/json"}"#)
        .create();
    let empty = server
        .mock("GET", "/api/v1/runs/run_3/metadata")
        .with_body(r#"{"metadata":""}"#)
        .create();
    let object = server
        .mock("GET", "/api/v1/runs/run_4/metadata")
        .with_body(r#"{"metadata":{"already":"decoded"}}"#)
        .expect(2)
        .create();
    let c = client(&server.url());
    let m = c.runs().metadata("run_1").unwrap();
    assert_eq!(m.metadata, json!({"user": "ada", "n": [1, 2]}));
    assert_eq!(m.metadata_type.as_deref(), Some("application/json"));
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({"metadata": {"user": "ada", "n": [1, 2]}, "metadataType": "application/json"})
    );
    let m = c.runs().metadata("run_2").unwrap();
    assert_eq!(m.metadata, serde_json::Value::Null);
    assert_eq!(
        c.runs().metadata("run_3").unwrap().metadata,
        serde_json::Value::Null
    );
    assert_eq!(
        c.runs().metadata("run_4").unwrap().metadata,
        json!({"already": "decoded"})
    );
    assert_eq!(c.runs().metadata("run_4").unwrap().metadata_type, None);
    for m in [mock, none, empty, object] {
        m.assert();
    }
}

#[test]
fn runs_metadata_that_is_not_json_is_a_decode_error() {
    let mut server = Server::new();
    let body = r#"{"metadata":"not json","metadataType":"application/json"}"#;
    server
        .mock("GET", "/api/v1/runs/run_1/metadata")
        .with_body(body)
        .expect(1)
        .create();
    let err = client(&server.url()).runs().metadata("run_1").unwrap_err();
    match err {
        Error::Decode {
            status,
            message,
            body: raw,
        } => {
            assert_eq!(status, 200);
            assert_eq!(raw, body);
            assert!(
                message.starts_with("the stored metadata is not JSON: expected ident"),
                "{message}"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[test]
fn runs_events_and_trace_decode_the_spans() {
    let mut server = Server::new();
    let events = on_wire(server.mock("GET", "/api/v1/runs/run_1/events"), DEV_KEY)
        .with_body(
            json!({"events": [
                {"spanId": "s1", "parentId": null, "runId": "run_1", "message": "my-task",
                 "startTime": "1700000000000000000", "duration": 1500000.0, "isError": false,
                 "isPartial": false, "isCancelled": false, "level": "TRACE", "kind": "SERVER",
                 "attemptNumber": null, "taskSlug": "my-task", "events": [],
                 "style": {"icon": "task", "variant": "success"}},
                {"spanId": "s2", "parentId": "s1", "runId": "run_1", "message": "Attempt 1",
                 "isError": true, "attemptNumber": 1,
                 "events": [{"name": "exception", "properties": {"exception": {"message": "boom"}}}]}
            ]})
            .to_string(),
        )
        .expect(1)
        .create();
    let trace = on_wire(server.mock("GET", "/api/v1/runs/run_1/trace"), DEV_KEY)
        .with_body(
            json!({"trace": {"traceId": "0af7651916cd43dd8448eb211c80319c",
                   "rootSpan": {"id": "s1", "runId": "run_1", "data": {"message": "my-task"},
                                "children": [{"id": "s2", "parentId": "s1", "children": []}]}}})
            .to_string(),
        )
        .expect(1)
        .create();
    let c = client(&server.url());
    let e = c.runs().events("run_1").unwrap();
    assert_eq!(e.events.len(), 2);
    let root = &e.events[0];
    assert_eq!(
        (
            root.span_id.as_str(),
            root.parent_id.as_deref(),
            root.run_id.as_deref()
        ),
        ("s1", None, Some("run_1"))
    );
    assert_eq!(root.message, "my-task");
    assert_eq!(root.start_time.as_deref(), Some("1700000000000000000"));
    assert_eq!(root.duration, 1_500_000.0);
    assert_eq!(
        (root.level.as_deref(), root.kind.as_deref()),
        (Some("TRACE"), Some("SERVER"))
    );
    assert_eq!(root.task_slug.as_deref(), Some("my-task"));
    assert_eq!(
        root.style,
        Some(json!({"icon": "task", "variant": "success"}))
    );
    let attempt = &e.events[1];
    assert!(attempt.is_error && !attempt.is_partial && !attempt.is_cancelled);
    assert_eq!(attempt.attempt_number, Some(1));
    assert_eq!(attempt.events[0]["name"], "exception");
    let t = c.runs().trace("run_1").unwrap();
    assert_eq!(t.trace_id, "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(t.root_span["children"][0]["id"], "s2");
    events.assert();
    trace.assert();
}

#[test]
fn a_missing_run_on_events_and_trace_is_retried_as_the_server_asks_then_not_found() {
    let mut server = Server::new();
    let events = server
        .mock("GET", "/api/v1/runs/run_x/events")
        .with_status(404)
        .with_header("x-should-retry", "true")
        .with_body(r#"{"error":"Run not found"}"#)
        .expect(5)
        .create();
    let clock = FakeClock::new();
    let c = client_with(&server.url(), DEV_KEY, clock.clone());
    match c.runs().events("run_x").unwrap_err() {
        Error::NotFound(e) => assert_eq!((e.status, e.message.as_str()), (404, "Run not found")),
        other => panic!("{other:?}"),
    }
    events.assert();
    assert_eq!(
        clock.sleeps(),
        [1000, 1600, 2560, 4096].map(std::time::Duration::from_millis)
    );
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

#[test]
fn idempotency_keys_create_hashes_the_parts_joined_with_dashes_and_a_trigger_sends_the_scope() {
    let key = idempotency_keys::create(["surface-user", "42"], IdempotencyKeyScope::Global);
    assert_eq!(key, sha256_hex("surface-user-42"));
    let attempt = idempotency_keys::create("surface-attempt-key", IdempotencyKeyScope::Attempt);
    assert_eq!(attempt, sha256_hex("surface-attempt-key"));
    let run = idempotency_keys::create(vec!["surface-run".to_string()], IdempotencyKeyScope::Run);
    assert_eq!(run, sha256_hex("surface-run"));

    let mut server = Server::new();
    let global = on_wire(server.mock("POST", "/api/v1/tasks/t/trigger"), DEV_KEY)
        .match_body(Matcher::PartialJson(json!({"options": {
            "idempotencyKey": key,
            "idempotencyKeyOptions": {"key": "surface-user-42", "scope": "global"}
        }})))
        .with_body(r#"{"id":"run_1"}"#)
        .expect(1)
        .create();
    let by_attempt = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::PartialJson(json!({"options": {
            "idempotencyKey": attempt,
            "idempotencyKeyOptions": {"key": "surface-attempt-key", "scope": "attempt"}
        }})))
        .with_body(r#"{"id":"run_2"}"#)
        .expect(1)
        .create();
    let c = client(&server.url());
    c.tasks()
        .trigger(
            "t",
            &json!({}),
            &TriggerOptions::new().idempotency_key(key.as_str()),
        )
        .unwrap();
    c.tasks()
        .trigger(
            "t",
            &json!({}),
            &TriggerOptions::new().idempotency_key(attempt.as_str()),
        )
        .unwrap();
    global.assert();
    by_attempt.assert();
    assert_eq!(IdempotencyKeyScope::Attempt.as_str(), "attempt");
}

#[test]
fn idempotency_keys_reset_posts_the_hash_and_the_task() {
    let mut server = Server::new();
    let k1 = "6ab9f1eb8f7d3388f4f9d586f66e99fd54080df2c446f0e58668b09c08a16dd0";
    let plain = with_body(
        on_wire(
            server.mock(
                "POST",
                format!("/api/v1/idempotencyKeys/{k1}/reset").as_str(),
            ),
            DEV_KEY,
        ),
        r#"{"taskIdentifier":"t"}"#,
    )
    .with_body(r#"{"id":"idem_1"}"#)
    .expect(2)
    .create();
    let parts_hash = sha256_hex("a-b");
    let parts = with_body(
        on_wire(
            server.mock(
                "POST",
                format!("/api/v1/idempotencyKeys/{parts_hash}/reset").as_str(),
            ),
            DEV_KEY,
        ),
        r#"{"taskIdentifier":"email/send"}"#,
    )
    .with_body(r#"{"id":"idem_2"}"#)
    .expect(1)
    .create();
    let c = client(&server.url());
    assert_eq!(c.idempotency_keys().reset("t", "k1").unwrap(), "idem_1");
    // A 64-character key is taken as already hashed.
    assert_eq!(c.idempotency_keys().reset("t", k1).unwrap(), "idem_1");
    assert_eq!(
        c.idempotency_keys()
            .reset("email/send", ["a", "b"])
            .unwrap(),
        "idem_2"
    );
    plain.assert();
    parts.assert();
}

// ---------------------------------------------------------------------------------------------
// Credentials, before anything is sent

type Op = (&'static str, fn(&Client) -> triggerdev::Result<()>);

/// The first item of an iterator (its first page's request).
fn first<T, P>(iter: triggerdev::Result<triggerdev::PageIter<T, P>>) -> triggerdev::Result<()> {
    iter?.next().expect("a first item or error").map(drop)
}

/// Every new operation, as the Rust API calls it.
fn operations() -> Vec<Op> {
    vec![
        ("queues.list", |c| {
            c.queues().list(&Default::default()).map(drop)
        }),
        ("queues.list", |c| {
            first(c.queues().iter(&Default::default()))
        }),
        ("queues.retrieve", |c| {
            c.queues().retrieve(&QueueRef::task("t")).map(drop)
        }),
        ("queues.pause", |c| {
            c.queues().pause(&QueueRef::task("t")).map(drop)
        }),
        ("queues.resume", |c| {
            c.queues().resume(&QueueRef::task("t")).map(drop)
        }),
        ("queues.overrideConcurrencyLimit", |c| {
            c.queues()
                .override_concurrency_limit(&QueueRef::task("t"), 2)
                .map(drop)
        }),
        ("queues.resetConcurrencyLimit", |c| {
            c.queues()
                .reset_concurrency_limit(&QueueRef::task("t"))
                .map(drop)
        }),
        ("deployments.list", |c| {
            c.deployments().list(&Default::default()).map(drop)
        }),
        ("deployments.list", |c| {
            first(c.deployments().iter(&Default::default()))
        }),
        ("deployments.retrieve", |c| {
            c.deployments().retrieve("dep_1").map(drop)
        }),
        ("deployments.retrieveCurrent", |c| {
            c.deployments().retrieve_current().map(drop)
        }),
        ("deployments.retrieveLatest", |c| {
            c.deployments().retrieve_latest().map(drop)
        }),
        ("deployments.promote", |c| {
            c.deployments().promote("1").map(drop)
        }),
        ("wait.createToken", |c| {
            c.waitpoints().create_token(&Default::default()).map(drop)
        }),
        ("wait.listTokens", |c| {
            c.waitpoints().list_tokens(&Default::default()).map(drop)
        }),
        ("wait.listTokens", |c| {
            first(c.waitpoints().iter_tokens(&Default::default()))
        }),
        ("wait.retrieveToken", |c| {
            c.waitpoints().retrieve_token("waitpoint_1").map(drop)
        }),
        ("wait.completeToken", |c| {
            c.waitpoints().complete_token("waitpoint_1", &1)
        }),
        ("runs.bulk.create", |c| {
            c.bulk_actions()
                .create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]))
                .map(drop)
        }),
        ("runs.bulk.list", |c| {
            c.bulk_actions().list(&Default::default()).map(drop)
        }),
        ("runs.bulk.list", |c| {
            first(c.bulk_actions().iter(&Default::default()))
        }),
        ("runs.bulk.retrieve", |c| {
            c.bulk_actions().retrieve("bulk_1").map(drop)
        }),
        ("runs.bulk.abort", |c| {
            c.bulk_actions().abort("bulk_1").map(drop)
        }),
        ("runs.metadata", |c| c.runs().metadata("run_1").map(drop)),
        ("runs.events", |c| c.runs().events("run_1").map(drop)),
        ("runs.trace", |c| c.runs().trace("run_1").map(drop)),
        ("idempotencyKeys.reset", |c| {
            c.idempotency_keys().reset("t", "k1").map(drop)
        }),
    ]
}

/// The operations a public access token may call (the server's table,
/// `docs/wire.md#credential-table`, and the emulator's rules).
const JWT_ALLOWED: [&str; 7] = [
    "queues.retrieve",
    "deployments.list",
    "deployments.retrieveCurrent",
    "wait.completeToken",
    "runs.events",
    "runs.trace",
    "idempotencyKeys.reset",
];

#[test]
fn a_pat_is_refused_by_every_new_operation_before_any_request() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let pat = pat_client(&server.url());
    for (name, op) in operations() {
        match op(&pat) {
            Err(Error::UnsupportedCredential {
                operation,
                kind,
                expected,
            }) => {
                assert_eq!(operation, name);
                assert_eq!(kind, TokenKind::PersonalAccessToken);
                assert_eq!(
                    expected, "a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)",
                    "{name}"
                );
            }
            other => panic!("{name} with a PAT: expected UnsupportedCredential, got {other:?}"),
        }
    }
    for m in none {
        m.assert();
    }
}

#[test]
fn a_public_token_reaches_only_the_routes_that_take_one() {
    for (name, op) in operations() {
        let mut server = Server::new();
        let c = client_for(&server.url(), JWT, FakeClock::new());
        if JWT_ALLOWED.contains(&name) {
            let any: Vec<Mock> = ["GET", "POST"]
                .iter()
                .map(|m| {
                    on_wire(server.mock(m, Matcher::Any), JWT)
                        .with_status(418)
                        .create()
                })
                .collect();
            let err = op(&c).unwrap_err();
            assert!(
                matches!(err, Error::Status(ref e) if e.status == 418),
                "{name} with a public token: {err:?}"
            );
            assert!(any.iter().any(|m| m.matched()), "{name} was not sent");
        } else {
            let none = nothing_sent(&mut server);
            match op(&c).unwrap_err() {
                Error::UnsupportedCredential {
                    operation,
                    kind,
                    expected,
                } => {
                    assert_eq!((operation, kind), (name, TokenKind::PublicAccessToken));
                    assert_eq!(
                        expected,
                        "a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)"
                    );
                }
                other => panic!("{name} with a public token: expected refusal, got {other:?}"),
            }
            for m in none {
                m.assert();
            }
        }
    }
}

#[test]
fn refusals_say_what_to_use() {
    let err = client_for("http://127.0.0.1:9", JWT, FakeClock::new())
        .bulk_actions()
        .abort("bulk_1")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "runs.bulk.abort does not accept a public access token (JWT); use a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)"
    );
    let err = pat_client("http://127.0.0.1:9")
        .queues()
        .pause(&QueueRef::task("t"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "queues.pause does not accept a personal access token (tr_pat_); use a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)"
    );
}

#[test]
fn idempotency_keys_create_needs_no_credentials_and_sends_nothing() {
    // No client at all: it is a pure function.
    let a = idempotency_keys::create("surface-no-request", IdempotencyKeyScope::Global);
    let b = idempotency_keys::create("surface-no-request", IdempotencyKeyScope::Global);
    assert_eq!(a, b);
    assert_eq!(a.len(), 64);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
}

// ---------------------------------------------------------------------------------------------
// Invalid arguments name the argument; nothing is sent

#[test]
fn empty_ids_and_bad_params_are_invalid_arguments() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let c = client(&server.url());
    let empty = "must not be empty";

    assert_invalid(c.queues().retrieve(&"".into()).unwrap_err(), "queue", empty);
    assert_invalid(
        c.queues().pause(&QueueRef::custom("  ")).unwrap_err(),
        "queue",
        empty,
    );
    assert_invalid(
        c.queues().resume(&QueueRef::task("")).unwrap_err(),
        "queue",
        empty,
    );
    assert_invalid(
        c.queues()
            .override_concurrency_limit(&"".into(), 1)
            .unwrap_err(),
        "queue",
        empty,
    );
    assert_invalid(
        c.queues().reset_concurrency_limit(&"".into()).unwrap_err(),
        "queue",
        empty,
    );
    let too_many = ListQueuesParams {
        per_page: Some(101),
        ..Default::default()
    };
    assert_invalid(
        c.queues().list(&too_many).unwrap_err(),
        "params.perPage",
        "must be at most 100",
    );
    assert_invalid(
        c.queues().iter(&too_many).unwrap_err(),
        "params.perPage",
        "must be at most 100",
    );

    assert_invalid(
        c.deployments().retrieve("").unwrap_err(),
        "deployment_id",
        empty,
    );
    assert_invalid(c.deployments().promote(" ").unwrap_err(), "version", empty);
    let too_many = ListDeploymentsParams::new().limit(101);
    assert_invalid(
        c.deployments().list(&too_many).unwrap_err(),
        "params.limit",
        "must be at most 100",
    );
    assert_invalid(
        c.deployments().iter(&too_many).unwrap_err(),
        "params.limit",
        "must be at most 100",
    );

    assert_invalid(
        c.waitpoints().retrieve_token("").unwrap_err(),
        "token_id",
        empty,
    );
    assert_invalid(
        c.waitpoints().complete_token("", &1).unwrap_err(),
        "token_id",
        empty,
    );

    assert_invalid(
        c.bulk_actions().retrieve("").unwrap_err(),
        "bulk_action_id",
        empty,
    );
    assert_invalid(
        c.bulk_actions().abort("").unwrap_err(),
        "bulk_action_id",
        empty,
    );

    assert_invalid(c.runs().metadata("").unwrap_err(), "run_id", empty);
    assert_invalid(c.runs().events(" ").unwrap_err(), "run_id", empty);
    assert_invalid(c.runs().trace("").unwrap_err(), "run_id", empty);

    assert_invalid(
        c.idempotency_keys().reset("", "k1").unwrap_err(),
        "task_id",
        empty,
    );
    assert_invalid(
        c.idempotency_keys().reset("t", "").unwrap_err(),
        "key",
        empty,
    );
    assert_invalid(
        c.idempotency_keys()
            .reset("t", Vec::<String>::new())
            .unwrap_err(),
        "key",
        empty,
    );
    for m in none {
        m.assert();
    }
}

// ---------------------------------------------------------------------------------------------
// A 200 whose body is not what the API documents is a decode error with the raw body

#[test]
fn wrongly_typed_success_bodies_are_decode_errors_with_the_raw_body() {
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        fn(&Client) -> Error,
    );
    let cases: Vec<Case> = vec![
        ("GET", "/api/v1/queues/queue_1?type=id", r#"{"id":123}"#, |c| {
            c.queues().retrieve(&"queue_1".into()).unwrap_err()
        }),
        ("GET", "/api/v1/queues", r#"{"data":[],"pagination":{"currentPage":"x","totalPages":1,"count":0}}"#, |c| {
            c.queues().list(&Default::default()).unwrap_err()
        }),
        ("POST", "/api/v1/queues/t/pause", r#"{"id":"q","name":"t","type":"fifo"}"#, |c| {
            c.queues().pause(&QueueRef::task("t")).unwrap_err()
        }),
        ("GET", "/api/v1/deployments/current", r#"{"id":"d","status":"DEPLOYED","version":1}"#, |c| {
            c.deployments().retrieve_current().unwrap_err()
        }),
        ("GET", "/api/v1/deployments", r#"{"data":[]}"#, |c| {
            c.deployments().list(&Default::default()).unwrap_err()
        }),
        ("POST", "/api/v1/deployments/1/promote", r#"{"id":"d"}"#, |c| {
            c.deployments().promote("1").unwrap_err()
        }),
        ("POST", "/api/v1/waitpoints/tokens", r#"{"id":"waitpoint_1"}"#, |c| {
            c.waitpoints().create_token(&Default::default()).unwrap_err()
        }),
        ("GET", "/api/v1/waitpoints/tokens/waitpoint_1", r#"{"id":"waitpoint_1","status":"WAITING","createdAt":"x","tags":"a"}"#, |c| {
            c.waitpoints().retrieve_token("waitpoint_1").unwrap_err()
        }),
        ("POST", "/api/v1/waitpoints/tokens/waitpoint_1/complete", r#""ok""#, |c| {
            c.waitpoints().complete_token("waitpoint_1", &1).unwrap_err()
        }),
        ("POST", "/api/v1/bulk-actions", r#"{"id":null}"#, |c| {
            c.bulk_actions()
                .create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]))
                .unwrap_err()
        }),
        ("GET", "/api/v1/bulk-actions/bulk_1", r#"{"id":"bulk_1","type":"CANCEL","status":"PENDING","createdAt":"x","counts":{"total":-1}}"#, |c| {
            c.bulk_actions().retrieve("bulk_1").unwrap_err()
        }),
        ("POST", "/api/v1/bulk-actions/bulk_1/abort", "<html>proxy</html>", |c| {
            c.bulk_actions().abort("bulk_1").unwrap_err()
        }),
        ("GET", "/api/v1/runs/run_1/metadata", r#"{"metadata":"{\"a\":"}"#, |c| {
            c.runs().metadata("run_1").unwrap_err()
        }),
        ("GET", "/api/v1/runs/run_1/events", r#"{"events":{}}"#, |c| {
            c.runs().events("run_1").unwrap_err()
        }),
        ("GET", "/api/v1/runs/run_1/trace", r#"{"traceId":"t","rootSpan":{}}"#, |c| {
            c.runs().trace("run_1").unwrap_err()
        }),
        ("POST", "/api/v1/idempotencyKeys/6ab9f1eb8f7d3388f4f9d586f66e99fd54080df2c446f0e58668b09c08a16dd0/reset", r#"{"id":7}"#, |c| {
            c.idempotency_keys().reset("t", "k1").unwrap_err()
        }),
    ];
    for (method, path, body, call) in cases {
        let mut server = Server::new();
        let mock = server.mock(method, path).with_body(body).expect(1).create();
        match call(&client(&server.url())) {
            Error::Decode {
                status,
                body: raw,
                message,
            } => {
                assert_eq!(status, 200, "{path}");
                assert_eq!(raw, body, "{path}");
                assert!(!message.is_empty(), "{path}");
            }
            other => panic!("{method} {path}: expected Decode, got {other:?}"),
        }
        mock.assert();
    }
}

#[test]
fn a_complete_response_without_success_true_is_a_decode_error() {
    // The official schema is `{success: z.literal(true)}`.
    for body in [r#"{"success":"yes"}"#, r#"{}"#, r#"{"success":false}"#] {
        let mut server = Server::new();
        server
            .mock("POST", "/api/v1/waitpoints/tokens/waitpoint_1/complete")
            .with_body(body)
            .create();
        let result = client(&server.url())
            .waitpoints()
            .complete_token("waitpoint_1", &1);
        assert!(
            matches!(result, Err(Error::Decode { body: ref raw, .. }) if raw == body),
            "{body}: {result:?}"
        );
    }
}

#[test]
fn a_queue_with_a_numeric_id_names_the_type_error() {
    let mut server = Server::new();
    server
        .mock("GET", "/api/v1/queues/queue_1?type=id")
        .with_body(r#"{"id":123}"#)
        .create();
    let err = client(&server.url())
        .queues()
        .retrieve(&"queue_1".into())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not decode the 200 response: invalid type: integer `123`, expected a string at line 1 column 9"
    );
    assert_eq!(err.status(), Some(200));
}

/// A clock one second later at every reading.
struct TickingClock(std::sync::Mutex<std::time::SystemTime>);

impl triggerdev::Clock for TickingClock {
    fn now(&self) -> std::time::SystemTime {
        let mut now = self.0.lock().unwrap();
        *now += std::time::Duration::from_secs(1);
        *now
    }
    fn sleep(&self, _: std::time::Duration) {}
}

#[test]
fn a_locally_signed_token_reads_the_clock_once_for_iat_and_exp() {
    let mut server = Server::new();
    let claims = server
        .mock("POST", "/api/v1/auth/jwt/claims")
        .with_body(r#"{"sub":"env_1","pub":true}"#)
        .create();
    let start = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let client = Client::with_env(
        triggerdev::Config::new()
            .access_token(DEV_KEY)
            .base_url(server.url())
            .clock(Arc::new(TickingClock(std::sync::Mutex::new(start)))),
        &triggerdev::Env::default(),
    );
    let token = client
        .auth()
        .create_public_token(
            &triggerdev::PublicTokenOptions::new(triggerdev::TokenScopes::new())
                .expiration_time("15m"),
        )
        .unwrap();
    claims.assert();
    let payload: serde_json::Value =
        serde_json::from_str(&signed_payload(&token, DEV_KEY)).unwrap();
    let (iat, exp) = (
        payload["iat"].as_u64().unwrap(),
        payload["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 900, "{payload}");
}
