//! Named concurrency limits: list (offset pages), retrieve (the limit and one key of it),
//! override and reset of the limit and of a key (with its ttl on the emulator clock), pause and
//! resume, every body check the server makes, 404 for an unknown name, and the auth rules.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::{ControlError, Emulator};

const T0: i64 = 1_748_779_200_000; // 2025-06-01T12:00:00Z

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

/// An emulator at T0 (frozen) with `openai` (2 per key, 10 in total) in dev.
fn setup() -> (Emulator, Api, String) {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    let id = emu
        .add_concurrency_limit("dev", "openai", Some(2), Some(10))
        .unwrap();
    let api = dev(&emu);
    (emu, api, id)
}

fn bound(current: Value, base: Value, over: Value, at: Value) -> Value {
    json!({"current": current, "base": base, "override": over, "overriddenAt": at})
}

fn assert_400(r: Resp, message: &str) {
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json(), json!({ "error": message }));
}

#[test]
fn a_declared_limit_is_retrieved_with_live_counts_of_the_runs_that_name_it() {
    let (emu, api, id) = setup();
    assert!(id.starts_with("climit_"), "{id}");
    let a = api.trigger(
        "llm",
        json!({"concurrency": ["openai"], "concurrencyKey": "t1"}),
    );
    api.trigger(
        "llm",
        json!({"concurrency": ["openai"], "concurrencyKey": "t2"}),
    );
    api.trigger("other", json!({}));
    emu.start_run(&a).unwrap();
    let r = api.get("/api/v1/concurrency-limits/openai");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({
            "id": id, "name": "openai",
            "perKey": bound(json!(2), json!(2), Value::Null, Value::Null),
            "total": bound(json!(10), json!(10), Value::Null, Value::Null),
            "running": 1, "queued": 1, "paused": false,
        })
    );
    // One key: its own running count, the limit's per-key bound.
    let r = api.get("/api/v1/concurrency-limits/openai?concurrencyKey=t1");
    assert_eq!(
        r.json(),
        json!({
            "name": "openai", "concurrencyKey": "t1",
            "perKey": {"current": 2, "base": 2, "override": null, "expiresAt": null},
            "running": 1, "paused": false,
        })
    );
    // Ids are deterministic, limits are per env, and a name with a slash is one segment.
    let other = Emulator::start().unwrap();
    assert_eq!(
        other
            .add_concurrency_limit("dev", "openai", None, None)
            .unwrap(),
        id
    );
    let prod = Api::new(&emu, emu.seed().prod_key());
    let r = prod.get("/api/v1/concurrency-limits/openai");
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"error": "Concurrency limit not found"}))
    );
    emu.add_concurrency_limit("dev", "task/my-task", None, Some(1))
        .unwrap();
    let r = api.get("/api/v1/concurrency-limits/task%2Fmy-task");
    assert_eq!(r.json()["name"], "task/my-task");
}

#[test]
fn list_pages_by_name() {
    let (emu, api, _) = setup();
    for name in ["zeta", "beta"] {
        emu.add_concurrency_limit("dev", name, None, Some(1))
            .unwrap();
    }
    let r = api.get("/api/v1/concurrency-limits?perPage=2&page=2");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let names: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["zeta"]);
    assert_eq!(
        v["pagination"],
        json!({"currentPage": 2, "totalPages": 2, "count": 3})
    );
    let v = api.get("/api/v1/concurrency-limits").json();
    assert_eq!(v["data"].as_array().unwrap().len(), 3);
    assert_eq!(v["data"][0]["name"], "beta");
    let r = api.get("/api/v1/concurrency-limits?perPage=0");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "Query Error");
}

#[test]
fn overriding_the_limit_sets_either_bound_until_reset() {
    let (emu, api, _) = setup();
    let r = api.post(
        "/api/v1/concurrency-limits/openai/override",
        json!({"perKey": 5, "total": 0}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let at = json!("2025-06-01T12:00:00.000Z");
    let v = r.json();
    assert_eq!(v["perKey"], bound(json!(5), json!(2), json!(5), at.clone()));
    assert_eq!(v["total"], bound(json!(0), json!(10), json!(0), at.clone()));
    // A later override of one bound keeps the other.
    emu.advance(Duration::from_secs(60));
    let v = api
        .post(
            "/api/v1/concurrency-limits/openai/override",
            json!({"total": 7}),
        )
        .json();
    assert_eq!(v["perKey"], bound(json!(5), json!(2), json!(5), at));
    assert_eq!(
        v["total"],
        bound(
            json!(7),
            json!(10),
            json!(7),
            json!("2025-06-01T12:01:00.000Z")
        )
    );
    let r = api.post("/api/v1/concurrency-limits/openai/reset", json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["perKey"],
        bound(json!(2), json!(2), Value::Null, Value::Null)
    );
    assert_eq!(
        v["total"],
        bound(json!(10), json!(10), Value::Null, Value::Null)
    );
    // An empty body resets too.
    assert_eq!(
        api.post_empty("/api/v1/concurrency-limits/openai/reset")
            .status,
        200
    );
}

#[test]
fn a_key_override_lasts_its_ttl_on_the_emulator_clock() {
    let (emu, api, _) = setup();
    // A numeric key is stored as text.
    let r = api.post(
        "/api/v1/concurrency-limits/openai/override",
        json!({"concurrencyKey": 42, "perKey": 0, "ttl": "1d"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = json!({
        "name": "openai", "concurrencyKey": "42",
        "perKey": {"current": 0, "base": 2, "override": 0, "expiresAt": "2025-06-02T12:00:00.000Z"},
        "running": 0, "paused": false,
    });
    assert_eq!(r.json(), expected);
    assert_eq!(
        api.get("/api/v1/concurrency-limits/openai?concurrencyKey=42")
            .json(),
        expected
    );
    // The limit itself is untouched.
    let v = api.get("/api/v1/concurrency-limits/openai").json();
    assert_eq!(v["perKey"]["override"], Value::Null);
    // Seconds, and the default of 7 days.
    let v = api
        .post(
            "/api/v1/concurrency-limits/openai/override",
            json!({"concurrencyKey": "tenant 42/x", "perKey": 1, "ttl": 90}),
        )
        .json();
    assert_eq!(v["perKey"]["expiresAt"], "2025-06-01T12:01:30.000Z");
    let v = api
        .post(
            "/api/v1/concurrency-limits/openai/override",
            json!({"concurrencyKey": "k7", "perKey": 1}),
        )
        .json();
    assert_eq!(v["perKey"]["expiresAt"], "2025-06-08T12:00:00.000Z");
    // The query names the key form-encoded.
    let v = api
        .get("/api/v1/concurrency-limits/openai?concurrencyKey=tenant+42%2Fx")
        .json();
    assert_eq!(v["perKey"]["override"], 1);
    // Past its ttl the override is gone.
    emu.advance(Duration::from_secs(91));
    let v = api
        .get("/api/v1/concurrency-limits/openai?concurrencyKey=tenant+42%2Fx")
        .json();
    assert_eq!(
        v["perKey"],
        json!({"current": 2, "base": 2, "override": null, "expiresAt": null})
    );
    // Reset of a key.
    let r = api.post(
        "/api/v1/concurrency-limits/openai/reset",
        json!({"concurrencyKey": 42}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["concurrencyKey"], "42");
    assert_eq!(r.json()["perKey"]["override"], Value::Null);
}

#[test]
fn override_bodies_are_checked_as_the_server_checks_them() {
    let (_emu, api, _) = setup();
    let path = "/api/v1/concurrency-limits/openai/override";
    let cases = [
        (json!({}), "Validation error: Provide at least one of `perKey` or `total`"),
        (
            json!({"perKey": 100001}),
            "Validation error: Expected an integer between 0 and 100000 at \"perKey\"",
        ),
        (
            json!({"total": -1}),
            "Validation error: Expected an integer between 0 and 100000 at \"total\"",
        ),
        (
            json!({"total": 1.5}),
            "Validation error: Expected an integer between 0 and 100000 at \"total\"",
        ),
        (
            json!({"total": 3, "ttl": "1d"}),
            "Validation error: ttl applies to a concurrency key override only at \"ttl\"",
        ),
        (
            json!({"concurrencyKey": "k", "total": 3, "perKey": 1}),
            "Validation error: A concurrency key override sets perKey only at \"total\"",
        ),
        (
            json!({"concurrencyKey": "k"}),
            "Validation error: Required at \"perKey\"",
        ),
        (
            json!({"concurrencyKey": "", "perKey": 1}),
            "Validation error: String must contain at least 1 character(s) at \"concurrencyKey\"",
        ),
        (
            json!({"concurrencyKey": "x".repeat(129), "perKey": 1}),
            "Validation error: String must contain at most 128 character(s) at \"concurrencyKey\"",
        ),
        (
            json!({"concurrencyKey": true, "perKey": 1}),
            "Validation error: Expected string or number at \"concurrencyKey\"",
        ),
        (
            json!({"concurrencyKey": "k", "perKey": 1, "ttl": 0}),
            "Validation error: Expected a duration like \"1d\" or a positive number of seconds at \"ttl\"",
        ),
        (
            json!({"concurrencyKey": "k", "perKey": 1, "ttl": "soon"}),
            "Validation error: Expected a duration like \"1d\" or a positive number of seconds at \"ttl\"",
        ),
        (
            json!({"concurrencyKey": "k", "perKey": 1, "ttl": "31d"}),
            "Validation error: The ttl must be at most 30 days at \"ttl\"",
        ),
    ];
    for (body, message) in cases {
        assert_400(api.post(path, body), message);
    }
    // The limits: 0, 100000, a 128-character key and 30 days pass.
    let r = api.post(path, json!({"perKey": 0, "total": 100000}));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = api.post(
        path,
        json!({"concurrencyKey": "x".repeat(128), "perKey": 100000, "ttl": "30d"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_400(
        api.post(
            "/api/v1/concurrency-limits/openai/reset",
            json!({"concurrencyKey": ""}),
        ),
        "Validation error: String must contain at least 1 character(s) at \"concurrencyKey\"",
    );
    let r = api.get(&format!(
        "/api/v1/concurrency-limits/openai?concurrencyKey={}",
        "x".repeat(129)
    ));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "Query Error");
}

#[test]
fn pause_and_resume() {
    let (_emu, api, _) = setup();
    let r = api.post(
        "/api/v1/concurrency-limits/openai/pause",
        json!({"action": "pause"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["paused"], true);
    let v = api
        .get("/api/v1/concurrency-limits/openai?concurrencyKey=k")
        .json();
    assert_eq!(v["paused"], true);
    let v = api
        .post(
            "/api/v1/concurrency-limits/openai/pause",
            json!({"action": "resume"}),
        )
        .json();
    assert_eq!(v["paused"], false);
    assert_400(
        api.post(
            "/api/v1/concurrency-limits/openai/pause",
            json!({"action": "stop"}),
        ),
        "Validation error: Invalid enum value. Expected 'pause' | 'resume' at \"action\"",
    );
}

#[test]
fn unknown_names_are_404_on_every_route() {
    let (_emu, api, _) = setup();
    let missing = json!({"error": "Concurrency limit not found"});
    let r = api.get("/api/v1/concurrency-limits/nope");
    assert_eq!((r.status, r.json()), (404, missing.clone()));
    let r = api.get("/api/v1/concurrency-limits/nope?concurrencyKey=k");
    assert_eq!((r.status, r.json()), (404, missing.clone()));
    for (route, body) in [
        ("override", json!({"total": 1})),
        ("reset", json!({})),
        ("pause", json!({"action": "pause"})),
    ] {
        let r = api.post(&format!("/api/v1/concurrency-limits/nope/{route}"), body);
        assert_eq!((r.status, r.json()), (404, missing.clone()), "{route}");
    }
}

#[test]
fn only_secret_keys_reach_the_routes() {
    let (emu, _api, _) = setup();
    let jwt = jwt_api(&emu, &["read:all"]);
    assert_eq!(jwt.get("/api/v1/concurrency-limits").status, 401);
    assert_eq!(
        Api::anonymous(&emu)
            .get("/api/v1/concurrency-limits/openai")
            .status,
        401
    );
}

#[test]
fn the_admin_api_declares_limits() {
    let emu = Emulator::start().unwrap();
    let r = admin(
        &emu,
        "POST",
        "/__emulator/concurrency-limits",
        Some(json!({"name": "openai", "perKey": 3})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["name"], "openai");
    let v = dev(&emu).get("/api/v1/concurrency-limits/openai").json();
    assert_eq!(v["perKey"]["current"], 3);
    assert_eq!(v["total"]["current"], Value::Null);
    let r = admin(
        &emu,
        "POST",
        "/__emulator/concurrency-limits",
        Some(json!({"perKey": 3})),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        emu.add_concurrency_limit("nowhere", "x", None, None),
        Err(ControlError::Invalid("No env nowhere".into()))
    );
}
