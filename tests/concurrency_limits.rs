//! Named concurrency limits on the wire (mockito): the exact request of every call, the decoded
//! responses, the argument checks made before sending, the credentials refused; then the same
//! calls end to end against the emulator.

mod common;

use common::*;
use mockito::{Matcher, Mock, Server};
use serde_json::json;
use triggerdev::{
    ConcurrencyKey, Error, ListConcurrencyLimitsParams, OverrideConcurrencyKey,
    OverrideConcurrencyLimit, TokenKind, Ttl,
};
use triggerdev_emulator::Emulator;

/// A public access token (JWT-shaped).
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln";

/// A POST whose JSON body is exactly `body`.
fn with_body(mock: Mock, body: &str) -> Mock {
    with_common_headers(mock, DEV_KEY)
        .match_header("content-length", body.len().to_string().as_str())
        .match_body(Matcher::Exact(body.to_owned()))
}

fn limit_body(name: &str) -> serde_json::Value {
    json!({
        "id": "climit_1", "name": name,
        "perKey": {"current": 5, "base": 2, "override": 5, "overriddenAt": "2026-01-01T00:00:00.000Z"},
        "total": {"current": 10, "base": 10, "override": null, "overriddenAt": null},
        "running": 3, "queued": 4
    })
}

fn key_body(key: &str) -> serde_json::Value {
    json!({
        "name": "openai", "concurrencyKey": key,
        "perKey": {"current": 0, "base": 2, "override": 0, "expiresAt": "2026-01-02T00:00:00.000Z"},
        "running": 1, "paused": true
    })
}

fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST"]
        .iter()
        .map(|m| server.mock(m, Matcher::Any).expect(0).create())
        .collect()
}

fn assert_invalid(err: Error, argument: &str, reason: &str) {
    match err {
        Error::InvalidArgument {
            argument: a,
            reason: r,
        } => assert_eq!((a, r.as_str()), (argument, reason)),
        other => panic!("expected InvalidArgument `{argument}`, got {other:?}"),
    }
}

#[test]
fn list_sends_per_page_then_page_and_decodes_the_page() {
    let mut server = Server::new();
    let body = json!({"data": [limit_body("openai")],
                      "pagination": {"currentPage": 2, "totalPages": 3, "count": 11}});
    let mock = with_common_headers(
        server.mock("GET", "/api/v1/concurrency-limits?perPage=5&page=2"),
        DEV_KEY,
    )
    .with_body(body.to_string())
    .expect(1)
    .create();
    let params = ListConcurrencyLimitsParams {
        page: Some(2),
        per_page: Some(5),
    };
    let page = client(&server.url())
        .concurrency_limits()
        .list(&params)
        .unwrap();
    mock.assert();
    let l = &page.data[0];
    assert_eq!((l.id.as_str(), l.name.as_str()), ("climit_1", "openai"));
    assert_eq!(
        (
            l.per_key.current,
            l.per_key.base,
            l.per_key.override_limit,
            l.per_key.overridden_at.as_deref()
        ),
        (Some(5), Some(2), Some(5), Some("2026-01-01T00:00:00.000Z"))
    );
    assert_eq!((l.total.current, l.total.override_limit), (Some(10), None));
    // `paused` is false when missing.
    assert_eq!((l.running, l.queued, l.paused), (3, 4, false));
    assert_eq!(page.pagination.count, 11);
    assert!(page.has_next_page());
}

#[test]
fn iter_follows_the_pages() {
    let mut server = Server::new();
    let page = |n: u64, name: &str| {
        json!({"data": [limit_body(name)],
               "pagination": {"currentPage": n, "totalPages": 2, "count": 2}})
        .to_string()
    };
    let first = with_common_headers(
        server.mock("GET", "/api/v1/concurrency-limits?perPage=1"),
        DEV_KEY,
    )
    .with_body(page(1, "a"))
    .expect(1)
    .create();
    let second = with_common_headers(
        server.mock("GET", "/api/v1/concurrency-limits?perPage=1&page=2"),
        DEV_KEY,
    )
    .with_body(page(2, "b"))
    .expect(1)
    .create();
    let params = ListConcurrencyLimitsParams {
        per_page: Some(1),
        ..Default::default()
    };
    let names: Vec<String> = client(&server.url())
        .concurrency_limits()
        .iter(&params)
        .unwrap()
        .map(|l| l.unwrap().name)
        .collect();
    assert_eq!(names, ["a", "b"]);
    first.assert();
    second.assert();
}

#[test]
fn retrieve_encodes_the_name_and_the_key() {
    let mut server = Server::new();
    let limit = with_common_headers(
        server.mock("GET", "/api/v1/concurrency-limits/task%2Fmy-task"),
        DEV_KEY,
    )
    .with_body(limit_body("task/my-task").to_string())
    .expect(1)
    .create();
    let key = with_common_headers(
        server.mock(
            "GET",
            "/api/v1/concurrency-limits/openai?concurrencyKey=tenant+42%2Fx",
        ),
        DEV_KEY,
    )
    .with_body(key_body("tenant 42/x").to_string())
    .expect(1)
    .create();
    let numeric = with_common_headers(
        server.mock("GET", "/api/v1/concurrency-limits/openai?concurrencyKey=42"),
        DEV_KEY,
    )
    .with_body(key_body("42").to_string())
    .expect(1)
    .create();
    let c = client(&server.url());
    let l = c.concurrency_limits().retrieve("task/my-task").unwrap();
    assert_eq!(l.name, "task/my-task");
    let k = c
        .concurrency_limits()
        .retrieve_key("openai", &"tenant 42/x".into())
        .unwrap();
    assert_eq!(k.concurrency_key, "tenant 42/x");
    assert_eq!(
        (
            k.per_key.current,
            k.per_key.base,
            k.per_key.override_limit,
            k.per_key.expires_at.as_deref()
        ),
        (Some(0), Some(2), Some(0), Some("2026-01-02T00:00:00.000Z"))
    );
    assert_eq!((k.running, k.paused), (1, true));
    let k = c
        .concurrency_limits()
        .retrieve_key("openai", &42.into())
        .unwrap();
    assert_eq!(k.concurrency_key, "42");
    limit.assert();
    key.assert();
    numeric.assert();
}

#[test]
fn override_sends_the_bounds_as_given() {
    let mut server = Server::new();
    let path = "/api/v1/concurrency-limits/openai/override";
    let both = with_body(server.mock("POST", path), r#"{"perKey":5,"total":20}"#)
        .with_body(limit_body("openai").to_string())
        .expect(1)
        .create();
    let zero = with_body(server.mock("POST", path), r#"{"total":0}"#)
        .with_body(limit_body("openai").to_string())
        .expect(1)
        .create();
    let c = client(&server.url());
    let l = c
        .concurrency_limits()
        .override_limit(
            "openai",
            &OverrideConcurrencyLimit::new().per_key(5).total(20),
        )
        .unwrap();
    assert_eq!(l.per_key.current, Some(5));
    c.concurrency_limits()
        .override_limit("openai", &OverrideConcurrencyLimit::new().total(0))
        .unwrap();
    both.assert();
    zero.assert();
}

#[test]
fn a_key_override_keeps_a_numeric_key_a_number() {
    let mut server = Server::new();
    let path = "/api/v1/concurrency-limits/openai/override";
    let numeric = with_body(
        server.mock("POST", path),
        r#"{"concurrencyKey":42,"perKey":0,"ttl":"1d"}"#,
    )
    .with_body(key_body("42").to_string())
    .expect(1)
    .create();
    let text = with_body(
        server.mock("POST", path),
        r#"{"concurrencyKey":"42","perKey":3,"ttl":3600}"#,
    )
    .with_body(key_body("42").to_string())
    .expect(1)
    .create();
    let c = client(&server.url());
    let k = c
        .concurrency_limits()
        .override_key(
            "openai",
            &OverrideConcurrencyKey::new(42, 0).ttl(Ttl::Duration("1d".into())),
        )
        .unwrap();
    assert_eq!(k.concurrency_key, "42");
    c.concurrency_limits()
        .override_key(
            "openai",
            &OverrideConcurrencyKey::new("42", 3).ttl(Ttl::Seconds(3600)),
        )
        .unwrap();
    numeric.assert();
    text.assert();
    // From JSON (the C ABI's form) the key keeps its type too.
    let o: OverrideConcurrencyKey =
        serde_json::from_str(r#"{"concurrencyKey":42,"perKey":0}"#).unwrap();
    assert_eq!(o.concurrency_key, ConcurrencyKey::Number(42.into()));
    let err = serde_json::from_str::<OverrideConcurrencyKey>(
        r#"{"concurrencyKey":"k","perKey":1,"total":2}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `total`"), "{err}");
}

#[test]
fn reset_pause_and_resume_send_their_bodies() {
    let mut server = Server::new();
    let base = "/api/v1/concurrency-limits/openai";
    let reset = with_body(server.mock("POST", format!("{base}/reset").as_str()), "{}")
        .with_body(limit_body("openai").to_string())
        .expect(1)
        .create();
    let reset_key = with_body(
        server.mock("POST", format!("{base}/reset").as_str()),
        r#"{"concurrencyKey":"tenant-42"}"#,
    )
    .with_body(key_body("tenant-42").to_string())
    .expect(1)
    .create();
    let pause = with_body(
        server.mock("POST", format!("{base}/pause").as_str()),
        r#"{"action":"pause"}"#,
    )
    .with_body({
        let mut paused = limit_body("openai");
        paused["paused"] = json!(true);
        paused.to_string()
    })
    .expect(1)
    .create();
    let resume = with_body(
        server.mock("POST", format!("{base}/pause").as_str()),
        r#"{"action":"resume"}"#,
    )
    .with_body(limit_body("openai").to_string())
    .expect(1)
    .create();
    let c = client(&server.url());
    let cl = c.concurrency_limits();
    assert_eq!(cl.reset("openai").unwrap().total.current, Some(10));
    let k = cl.reset_key("openai", &"tenant-42".into()).unwrap();
    assert_eq!(k.concurrency_key, "tenant-42");
    assert!(cl.pause("openai").unwrap().paused);
    assert!(!cl.resume("openai").unwrap().paused);
    for m in [reset, reset_key, pause, resume] {
        m.assert();
    }
}

#[test]
fn bad_arguments_are_refused_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let c = client(&server.url());
    let cl = c.concurrency_limits();
    assert_invalid(cl.retrieve(" ").unwrap_err(), "name", "must not be empty");
    assert_invalid(
        cl.retrieve_key("openai", &"".into()).unwrap_err(),
        "concurrency_key",
        "must not be empty",
    );
    assert_invalid(
        cl.reset_key("openai", &"é".repeat(129).into()).unwrap_err(),
        "concurrency_key",
        "has 129 characters; at most 128 are allowed",
    );
    assert_invalid(
        cl.override_limit("openai", &OverrideConcurrencyLimit::new())
            .unwrap_err(),
        "options",
        "must set perKey, total or both",
    );
    assert_invalid(
        cl.override_limit("openai", &OverrideConcurrencyLimit::new().total(100_001))
            .unwrap_err(),
        "options.total",
        "100001 is over the maximum of 100000",
    );
    assert_invalid(
        cl.override_key("openai", &OverrideConcurrencyKey::new("k", 100_001))
            .unwrap_err(),
        "options.perKey",
        "100001 is over the maximum of 100000",
    );
    assert_invalid(
        cl.override_key(
            "openai",
            &OverrideConcurrencyKey::new("k", 1).ttl(Ttl::Seconds(0)),
        )
        .unwrap_err(),
        "options.ttl",
        "must be positive",
    );
    assert_invalid(
        cl.list(&ListConcurrencyLimitsParams {
            per_page: Some(101),
            ..Default::default()
        })
        .unwrap_err(),
        "params.perPage",
        "must be at most 100",
    );
    for m in none {
        m.assert();
    }
}

#[test]
fn an_unknown_limit_is_not_found() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/api/v1/concurrency-limits/nope")
        .with_status(404)
        .with_body(r#"{"error":"Concurrency limit not found"}"#)
        .create();
    let err = client(&server.url())
        .concurrency_limits()
        .retrieve("nope")
        .unwrap_err();
    mock.assert();
    match err {
        Error::NotFound(e) => assert_eq!(e.message, "Concurrency limit not found"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn personal_and_public_tokens_are_refused_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    for (token, kind) in [
        (PAT, TokenKind::PersonalAccessToken),
        (JWT, TokenKind::PublicAccessToken),
    ] {
        let c = client_with(&server.url(), token, FakeClock::new());
        match c.concurrency_limits().pause("openai").unwrap_err() {
            Error::UnsupportedCredential {
                operation, kind: k, ..
            } => assert_eq!((operation, k), ("concurrencyLimits.pause", kind)),
            other => panic!("expected UnsupportedCredential, got {other:?}"),
        }
    }
    for m in none {
        m.assert();
    }
}

#[test]
fn every_call_against_the_emulator() {
    let emu = Emulator::start().unwrap();
    emu.add_concurrency_limit("dev", "openai", Some(2), Some(10))
        .unwrap();
    emu.add_concurrency_limit("dev", "task/my-task", None, Some(1))
        .unwrap();
    let c = no_retry(&emulator_client(&emu, emu.seed().dev_key()));
    let cl = c.concurrency_limits();
    let names: Vec<String> = cl
        .iter(&ListConcurrencyLimitsParams {
            per_page: Some(1),
            ..Default::default()
        })
        .unwrap()
        .map(|l| l.unwrap().name)
        .collect();
    assert_eq!(names, ["openai", "task/my-task"]);
    assert_eq!(cl.retrieve("task/my-task").unwrap().total.current, Some(1));
    let l = cl
        .override_limit("openai", &OverrideConcurrencyLimit::new().per_key(0))
        .unwrap();
    assert_eq!((l.per_key.current, l.per_key.base), (Some(0), Some(2)));
    assert!(l.per_key.overridden_at.is_some());
    let k = cl
        .override_key(
            "openai",
            &OverrideConcurrencyKey::new(42, 7).ttl(Ttl::Seconds(60)),
        )
        .unwrap();
    assert_eq!(
        (k.concurrency_key.as_str(), k.per_key.current),
        ("42", Some(7))
    );
    assert!(k.per_key.expires_at.is_some());
    let k = cl.retrieve_key("openai", &"42".into()).unwrap();
    assert_eq!(k.per_key.override_limit, Some(7));
    let k = cl.reset_key("openai", &42.into()).unwrap();
    assert_eq!(k.per_key.override_limit, None);
    assert_eq!(cl.reset("openai").unwrap().per_key.current, Some(2));
    assert!(cl.pause("openai").unwrap().paused);
    assert!(!cl.resume("openai").unwrap().paused);
    assert!(matches!(cl.retrieve("nope"), Err(Error::NotFound(_))));
    // The server's checks the SDK leaves to it: a ttl over 30 days.
    let err = cl
        .override_key(
            "openai",
            &OverrideConcurrencyKey::new("k", 1).ttl(Ttl::Duration("31d".into())),
        )
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
}
