//! Waitpoint tokens: create (idempotency, tags, timeout), retrieve, list (filters, cursor
//! pages), complete (secret key or scoped JWT), the HTTP callback, and timeouts on the clock.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::Emulator;

const T0: &str = "2025-03-01T10:00:00.000Z";

fn ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

fn frozen() -> Emulator {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(ms(T0));
    emu
}

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

fn create(api: &Api, body: Value) -> Value {
    let r = api.post("/api/v1/waitpoints/tokens", body);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn create_and_retrieve() {
    let emu = frozen();
    let api = dev(&emu);
    let r = api.post(
        "/api/v1/waitpoints/tokens",
        json!({"timeout": "1h", "idempotencyKey": "wp-idem", "idempotencyKeyTTL": "1d",
               "tags": ["wp", "user:1"]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("waitpoint_"), "{id}");
    let url = created["url"].as_str().unwrap().to_string();
    let prefix = format!("{}/api/v1/waitpoints/tokens/{id}/callback/", emu.base_url());
    assert!(url.starts_with(&prefix), "{url}");
    let hash = &url[prefix.len()..];
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(created, json!({"id": id, "isCached": false, "url": url}));
    // A public token for completing it, valid 24 h.
    let claims = jwt_payload(r.header("x-trigger-jwt").unwrap());
    assert_eq!(claims["scopes"], json!([format!("write:waitpoints:{id}")]));
    assert_eq!(claims["sub"], emu.seed().env_id("dev"));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        86_400
    );
    assert_eq!(
        r.header("x-trigger-jwt-claims"),
        Some(
            json!({"sub": emu.seed().env_id("dev"), "pub": true})
                .to_string()
                .as_str()
        )
    );

    let got = api.get(&format!("/api/v1/waitpoints/tokens/{id}"));
    assert_eq!(got.status, 200);
    assert_eq!(
        got.json(),
        json!({
            "id": id, "url": url, "status": "WAITING", "type": "MANUAL",
            "idempotencyKey": "wp-idem", "userProvidedIdempotencyKey": true,
            "idempotencyKeyExpiresAt": "2025-03-02T10:00:00.000Z",
            "timeoutAt": "2025-03-01T11:00:00.000Z",
            "completedAfter": "2025-03-01T11:00:00.000Z",
            "tags": ["wp", "user:1"], "createdAt": T0,
            "outputType": "application/json", "outputIsError": false,
        })
    );
    let r = api.get("/api/v1/waitpoints/tokens/waitpoint_nope");
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "Waitpoint not found"}));
    // Another env cannot see it.
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(
        prod.get(&format!("/api/v1/waitpoints/tokens/{id}")).status,
        404
    );

    // A bare token: no key, no timeout; an empty body counts as {} (the spec's form).
    let bare = api.send(
        "POST",
        "/api/v1/waitpoints/tokens",
        Some(b""),
        "application/json",
    );
    assert_eq!(bare.status, 200, "{}", bare.text());
    let bare = api
        .get(&format!(
            "/api/v1/waitpoints/tokens/{}",
            bare.json()["id"].as_str().unwrap()
        ))
        .json();
    // The server generates a key when none is given; retrieve shows it (the list does not).
    assert_eq!(bare["idempotencyKey"].as_str().unwrap().len(), 24);
    for k in [
        "idempotencyKeyExpiresAt",
        "timeoutAt",
        "completedAt",
        "output",
    ] {
        assert!(bare.get(k).is_none(), "{k}: {bare}");
    }
    assert_eq!(bare["userProvidedIdempotencyKey"], false);
    assert_eq!(bare["tags"], json!([]));
    // Tags: a string is one tag; more than 10 is refused.
    let one = create(&api, json!({"tags": "solo"}));
    let one = api
        .get(&format!(
            "/api/v1/waitpoints/tokens/{}",
            one["id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(one["tags"], json!(["solo"]));
    let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let r = api.post("/api/v1/waitpoints/tokens", json!({"tags": many}));
    assert_eq!(r.status, 422);
    assert_eq!(
        r.error(),
        "Waitpoints can only have 10 tags, you're trying to set 11."
    );
    let r = api.post("/api/v1/waitpoints/tokens", json!({"idempotencyKey": 5}));
    assert_eq!(r.status, 400);
    assert_eq!(emu.waitpoints().len(), 3);
}

#[test]
fn idempotency_keys_within_their_ttl() {
    let emu = frozen();
    let api = dev(&emu);
    let first = create(
        &api,
        json!({"idempotencyKey": "k", "idempotencyKeyTTL": "1h"}),
    );
    let again = create(
        &api,
        json!({"idempotencyKey": "k", "idempotencyKeyTTL": "1h"}),
    );
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["isCached"], true);
    assert_eq!(again["url"], first["url"]);
    // Keys are per env.
    let prod = create(
        &Api::new(&emu, emu.seed().prod_key()),
        json!({"idempotencyKey": "k"}),
    );
    assert_eq!(prod["isCached"], false);
    // After the TTL the same key makes a new token; the old one keeps the key as inactive.
    emu.advance(Duration::from_secs(3601));
    let fresh = create(&api, json!({"idempotencyKey": "k"}));
    assert_eq!(fresh["isCached"], false);
    assert_ne!(fresh["id"], first["id"]);
    let old = api
        .get(&format!(
            "/api/v1/waitpoints/tokens/{}",
            first["id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(old["idempotencyKey"], "k");
    assert_eq!(old["inactiveIdempotencyKey"], "k");
    let listed = api
        .get("/api/v1/waitpoints/tokens?filter%5BidempotencyKey%5D=k")
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    // Without a TTL (or with one the server does not understand) the key never expires.
    emu.advance(Duration::from_secs(400 * 86_400));
    let cached = create(&api, json!({"idempotencyKey": "k"}));
    assert_eq!(cached["id"], fresh["id"]);
    let odd = create(
        &api,
        json!({"idempotencyKey": "k2", "idempotencyKeyTTL": "1 hour"}),
    );
    emu.advance(Duration::from_secs(7200));
    assert_eq!(
        create(&api, json!({"idempotencyKey": "k2"}))["id"],
        odd["id"]
    );
}

#[test]
fn complete_with_a_key_or_a_scoped_jwt() {
    let emu = frozen();
    let api = dev(&emu);
    let id = create(&api, json!({}))["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/waitpoints/tokens/{id}/complete");
    emu.advance(Duration::from_secs(5));
    let r = api.post(&path, json!({"data": {"status": "approved", "n": 2}}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"success": true}));
    let got = api.get(&format!("/api/v1/waitpoints/tokens/{id}")).json();
    assert_eq!(got["status"], "COMPLETED");
    assert_eq!(got["completedAt"], "2025-03-01T10:00:05.000Z");
    // Stored as the server's stringifyIO does: superjson text.
    assert_eq!(got["outputType"], "application/super+json");
    let output: Value = serde_json::from_str(got["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"json": {"status": "approved", "n": 2}}));
    assert_eq!(got["outputIsError"], false);
    // Completing again succeeds and changes nothing.
    emu.advance(Duration::from_secs(5));
    let r = api.post(&path, json!({"data": "other"}));
    assert_eq!(r.json(), json!({"success": true}));
    assert_eq!(
        api.get(&format!("/api/v1/waitpoints/tokens/{id}")).json(),
        got
    );

    // A string is stored as text/plain; no data stores no output.
    let s = create(&api, json!({}))["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/waitpoints/tokens/{s}/complete"),
        json!({"data": "yes"}),
    );
    let got = api.get(&format!("/api/v1/waitpoints/tokens/{s}")).json();
    assert_eq!(
        (got["output"].clone(), got["outputType"].clone()),
        (json!("yes"), json!("text/plain"))
    );
    let n = create(&api, json!({}))["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/waitpoints/tokens/{n}/complete"),
        json!({}),
    );
    let got = api.get(&format!("/api/v1/waitpoints/tokens/{n}")).json();
    assert_eq!(got["status"], "COMPLETED");
    assert!(got.get("output").is_none());

    // JWTs: write:waitpoints:<id>, write:waitpoints, admin. Others get the scope 403.
    for scopes in [
        vec!["write:waitpoints:ID"],
        vec!["write:waitpoints"],
        vec!["admin"],
        vec!["write:all"],
    ] {
        let w = create(&api, json!({}))["id"].as_str().unwrap().to_string();
        let scopes: Vec<String> = scopes.iter().map(|s| s.replace("ID", &w)).collect();
        let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
        let r = jwt_api(&emu, &refs).post(
            &format!("/api/v1/waitpoints/tokens/{w}/complete"),
            json!({"data": 1}),
        );
        assert_eq!(r.status, 200, "{scopes:?}: {}", r.text());
    }
    let w = create(&api, json!({}))["id"].as_str().unwrap().to_string();
    for scopes in [
        &["write:waitpoints:waitpoint_other"][..],
        &["read:waitpoints"],
        &["write:runs"],
    ] {
        let r = jwt_api(&emu, scopes).post(
            &format!("/api/v1/waitpoints/tokens/{w}/complete"),
            json!({"data": 1}),
        );
        assert_eq!(r.status, 403, "{scopes:?}");
        assert_eq!(r.json(), scope_error());
    }
    // The token the create response carries works.
    let r = api.post("/api/v1/waitpoints/tokens", json!({}));
    let w2 = r.json()["id"].as_str().unwrap().to_string();
    let token = r.header("x-trigger-jwt").unwrap().to_string();
    let r = Api::new(&emu, &token).post(
        &format!("/api/v1/waitpoints/tokens/{w2}/complete"),
        json!({"data": {"ok": true}}),
    );
    assert_eq!(r.status, 200);
    let r = api.post(
        "/api/v1/waitpoints/tokens/waitpoint_nope/complete",
        json!({}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Waitpoint not found");
    assert_eq!(
        Api::new(&emu, emu.seed().pat())
            .post(&path, json!({}))
            .status,
        401
    );
}

#[test]
fn the_callback_url_completes_without_auth() {
    let emu = frozen();
    let api = dev(&emu);
    let made = create(&api, json!({}));
    let id = made["id"].as_str().unwrap().to_string();
    let url = made["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches(emu.base_url()).to_string();
    let anon = Api::anonymous(&emu);
    // The hash must match.
    let bad = path[..path.len() - 4].to_string() + "0000";
    let r = anon.post(&bad, json!({"a": 1}));
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid URL, hash doesn't match");
    // Content-Length is required.
    let r = request(emu.base_url(), "POST", &path, &[], None);
    assert_eq!(r.status, 411);
    assert_eq!(r.error(), "Content-Length header is required");
    let r = anon.post(&path, json!({"status": "approved"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"success": true}));
    let got = api.get(&format!("/api/v1/waitpoints/tokens/{id}")).json();
    assert_eq!(got["status"], "COMPLETED");
    assert_eq!(
        got["output"],
        json!({"json": {"status": "approved"}}).to_string()
    );
    // Already completed: a no-op success.
    assert_eq!(
        anon.post(&path, json!({"x": 2})).json(),
        json!({"success": true})
    );
    assert_eq!(
        api.get(&format!("/api/v1/waitpoints/tokens/{id}")).json(),
        got
    );
    // A body that is not JSON counts as {}.
    let other = create(&api, json!({}));
    let p2 = other["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(emu.base_url())
        .to_string();
    assert_eq!(
        anon.send("POST", &p2, Some(b"not json"), "text/plain")
            .status,
        200
    );
    let got = api
        .get(&format!(
            "/api/v1/waitpoints/tokens/{}",
            other["id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(got["output"], r#"{"json":{}}"#);
    let r = anon.post(
        "/api/v1/waitpoints/tokens/waitpoint_nope/callback/00",
        json!({}),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn timeouts_follow_the_emulator_clock() {
    let emu = frozen();
    let api = dev(&emu);
    let by_duration = create(&api, json!({"timeout": "1h"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let by_date = create(&api, json!({"timeout": "2025-03-01T10:30:00Z"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let past = create(&api, json!({"timeout": "2020-01-01T00:00:00Z"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let get = |id: &str| api.get(&format!("/api/v1/waitpoints/tokens/{id}")).json();
    assert!(
        get(&past).get("timeoutAt").is_none(),
        "a past date means no timeout"
    );
    assert_eq!(get(&by_date)["timeoutAt"], "2025-03-01T10:30:00.000Z");

    emu.advance(Duration::from_secs(30 * 60));
    assert_eq!(get(&by_date)["status"], "TIMED_OUT");
    assert_eq!(get(&by_duration)["status"], "WAITING");
    emu.advance(Duration::from_secs(30 * 60));
    let t = get(&by_duration);
    assert_eq!(t["status"], "TIMED_OUT");
    assert_eq!(t["completedAt"], "2025-03-01T11:00:00.000Z");
    assert_eq!(t["outputIsError"], true);
    assert_eq!(t["outputType"], "application/json");
    let out: Value = serde_json::from_str(t["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        out,
        json!({"code": "TRIGGER_WAITPOINT_TIMEOUT",
               "message": "Waitpoint timed out at 2025-03-01T11:00:00.000Z"})
    );
    // Completing a timed-out token is a no-op.
    let r = api.post(
        &format!("/api/v1/waitpoints/tokens/{by_duration}/complete"),
        json!({"data": 1}),
    );
    assert_eq!(r.json(), json!({"success": true}));
    assert_eq!(get(&by_duration)["status"], "TIMED_OUT");
    assert_eq!(get(&past)["status"], "WAITING");
    // The state dump shows them too.
    let dump = emu.waitpoints();
    assert_eq!(dump.len(), 3);
    assert_eq!(dump[0]["envId"], emu.seed().env_id("dev"));
    assert_eq!(dump[0]["status"], "TIMED_OUT");
}

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn list_filters_and_cursor_pages() {
    let emu = frozen();
    let api = dev(&emu);
    let mut made = Vec::new();
    for i in 0..5 {
        let tags = if i % 2 == 0 {
            json!(["even", "z"])
        } else {
            json!(["odd"])
        };
        made.push(
            create(
                &api,
                json!({"tags": tags, "timeout": if i == 4 { json!("1m") } else { json!(null) }}),
            )["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        emu.advance(Duration::from_secs(3600));
    }
    api.post(
        &format!("/api/v1/waitpoints/tokens/{}/complete", made[1]),
        json!({"data": 1}),
    );
    let newest: Vec<String> = made.iter().rev().cloned().collect();

    // Item shape: no output fields; tags sorted.
    let all = api.get("/api/v1/waitpoints/tokens").json();
    assert_eq!(ids(&all), newest);
    assert_eq!(all["pagination"], json!({}));
    let item = &all["data"][2];
    assert_eq!(item["tags"], json!(["even", "z"]));
    assert!(item.get("output").is_none() && item.get("type").is_none());
    assert_eq!(item["status"], "WAITING");

    // Pages of 2, forward then back.
    let p1 = api.get("/api/v1/waitpoints/tokens?page%5Bsize%5D=2").json();
    assert_eq!(ids(&p1), newest[..2]);
    let next = p1["pagination"]["next"].as_str().unwrap();
    assert!(p1["pagination"].get("previous").is_none());
    let p2 = api
        .get(&format!(
            "/api/v1/waitpoints/tokens?page%5Bsize%5D=2&page%5Bafter%5D={next}"
        ))
        .json();
    assert_eq!(ids(&p2), newest[2..4]);
    let p3 = api
        .get(&format!(
            "/api/v1/waitpoints/tokens?page%5Bsize%5D=2&page%5Bafter%5D={}",
            p2["pagination"]["next"].as_str().unwrap()
        ))
        .json();
    assert_eq!(ids(&p3), newest[4..]);
    assert!(p3["pagination"].get("next").is_none());
    let back = api
        .get(&format!(
            "/api/v1/waitpoints/tokens?page%5Bsize%5D=2&page%5Bbefore%5D={}",
            p3["pagination"]["previous"].as_str().unwrap()
        ))
        .json();
    assert_eq!(ids(&back), newest[2..4]);

    // Filters.
    let q = |qs: &str| ids(&api.get(&format!("/api/v1/waitpoints/tokens?{qs}")).json());
    assert_eq!(q("filter%5Bstatus%5D=COMPLETED"), vec![made[1].clone()]);
    assert_eq!(q("filter%5Bstatus%5D=TIMED_OUT"), vec![made[4].clone()]);
    assert_eq!(
        q("filter%5Bstatus%5D=WAITING%2CCOMPLETED"),
        vec![
            made[3].clone(),
            made[2].clone(),
            made[1].clone(),
            made[0].clone()
        ]
    );
    assert_eq!(
        q("filter%5Btags%5D=odd"),
        vec![made[3].clone(), made[1].clone()]
    );
    assert_eq!(q("filter%5Btags%5D=odd%2Cz").len(), 5);
    // Now is T0 + 5 h; the last two were made at +3 h and +4 h.
    assert_eq!(q("filter%5BcreatedAt%5D%5Bperiod%5D=150m"), newest[..2]);
    assert_eq!(
        q("filter%5BcreatedAt%5D%5Bfrom%5D=2025-03-01T11:00:00Z&filter%5BcreatedAt%5D%5Bto%5D=2025-03-01T12:00:00Z"),
        vec![made[2].clone(), made[1].clone()]
    );
    let from_ms = ms("2025-03-01T13:00:00Z");
    assert_eq!(
        q(&format!("filter%5BcreatedAt%5D%5Bfrom%5D={from_ms}")),
        newest[..2]
    );

    let r = api.get("/api/v1/waitpoints/tokens?filter%5Bstatus%5D=WAITING%2CPENDING");
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Query Error");
    assert_eq!(
        r.json()["details"][0]["message"],
        "Invalid status values: PENDING"
    );
    for bad in [
        "page%5Bsize%5D=0",
        "page%5Bsize%5D=101",
        "page%5Bafter%5D=waitpoint_nope",
    ] {
        assert_eq!(
            api.get(&format!("/api/v1/waitpoints/tokens?{bad}")).status,
            400,
            "{bad}"
        );
    }
    // Per env.
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(ids(&prod.get("/api/v1/waitpoints/tokens").json()).len(), 0);
}

#[test]
fn waitpoint_auth_rules() {
    let emu = Emulator::start().unwrap();
    let id = create(&dev(&emu), json!({}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pat = Api::new(&emu, emu.seed().pat());
    let jwt = jwt_api(&emu, &["admin"]);
    let get_path = format!("/api/v1/waitpoints/tokens/{id}");
    for api in [&pat, &jwt] {
        assert_eq!(api.get("/api/v1/waitpoints/tokens").status, 401);
        assert_eq!(api.get(&get_path).status, 401);
        let r = api.post("/api/v1/waitpoints/tokens", json!({}));
        assert_eq!(r.status, 401);
        assert_eq!(r.error(), "Invalid API key");
    }
    // Create needs Content-Length (its body limit is 10 KiB).
    let auth = format!("Bearer {}", emu.seed().dev_key());
    let chunked = format!(
        "POST /api/v1/waitpoints/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
    );
    assert_eq!(parse(&raw(emu.base_url(), chunked.as_bytes())).status, 413);
    let big = format!("{{\"idempotencyKey\":\"{}\"}}", "k".repeat(11 * 1024));
    let r = dev(&emu).send(
        "POST",
        "/api/v1/waitpoints/tokens",
        Some(big.as_bytes()),
        "application/json",
    );
    assert_eq!(r.status, 413);
}
