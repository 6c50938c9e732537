//! Credential rules: secret keys, PATs, preview/dev branches, public JWTs and their scopes.

mod common;

use common::*;
use serde_json::json;
use triggerdev_emulator::Emulator;

#[test]
fn missing_and_unknown_keys_get_401() {
    let emu = Emulator::start().unwrap();
    let anon = Api::anonymous(&emu);
    // No Authorization header: the route builder's problem document.
    let r = anon.get("/api/v1/runs");
    assert_eq!(r.status, 401);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(
        r.json(),
        json!({
            "title": "Unauthorized",
            "status": 401,
            "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401",
            "detail": "No authorization header provided",
            "error": "No authorization header provided",
        })
    );
    let r = Api::new(&emu, "tr_dev_not_a_real_key").get("/api/v1/runs");
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid API key");
    // Legacy routes use a capital K, the claims route a small one.
    let r = anon.get("/api/v1/schedules");
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid or Missing API Key");
    let r = anon.post("/api/v1/auth/jwt/claims", json!({}));
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid or Missing API key");
    // A non-bearer scheme is no credential.
    let r = Api::anonymous(&emu)
        .with("Authorization", &format!("Basic {}", emu.seed().dev_key()))
        .get("/api/v1/runs");
    assert_eq!(r.status, 401);
    // Timezones need no auth at all.
    assert_eq!(anon.get("/api/v1/timezones").status, 200);
}

#[test]
fn pat_and_secret_key_routes_do_not_mix() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let pat = Api::new(&emu, seed.pat());
    let sk = Api::new(&emu, seed.dev_key());
    for path in ["/api/v1/runs", "/api/v3/runs/run_x", "/api/v1/schedules"] {
        assert_eq!(pat.get(path).status, 401, "{path}");
    }
    let r = pat.post("/api/v1/tasks/t/trigger", json!({"payload": "x"}));
    assert_eq!(r.status, 401);
    let project_runs = format!(
        "/api/v1/projects/{}/runs?filter%5Benv%5D=dev",
        seed.project_ref()
    );
    let r = sk.get(&project_runs);
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid or Missing PAT");
    assert_eq!(pat.get(&project_runs).status, 200);
    let r = Api::new(&emu, "tr_pat_unknown").get(&project_runs);
    assert_eq!(r.status, 401);
}

#[test]
fn preview_keys_need_a_known_branch() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let preview = Api::new(&emu, seed.preview_key());
    let r = preview.get("/api/v1/runs");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.error(),
        "x-trigger-branch header required for preview env"
    );
    let r = preview
        .clone()
        .with("x-trigger-branch", "nope")
        .get("/api/v1/runs");
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "No matching branch env");

    let branch = preview
        .clone()
        .with("x-trigger-branch", seed.preview_branch());
    let id = branch.trigger("t", json!({}));
    // `refs/heads/` is stripped, so this is the same branch env.
    let same = preview
        .clone()
        .with("x-trigger-branch", "refs/heads/feature-xyz");
    assert_eq!(same.get(&format!("/api/v3/runs/{id}")).status, 200);

    // Branches made through the admin API work at once, and are separate envs.
    let r = admin(
        &emu,
        "POST",
        "/__emulator/branches",
        Some(json!({"name": "other"})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let other = preview.clone().with("x-trigger-branch", "other");
    assert_eq!(other.get(&format!("/api/v3/runs/{id}")).status, 404);
    assert_eq!(
        other.get("/api/v1/runs").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        branch.get("/api/v1/runs").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn dev_keys_take_default_or_known_branches_and_others_ignore_the_header() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let dev = Api::new(&emu, seed.dev_key());
    let id = dev.trigger("t", json!({}));
    let r = dev
        .clone()
        .with("x-trigger-branch", "default")
        .get(&format!("/api/v3/runs/{id}"));
    assert_eq!(r.status, 200);
    let r = dev
        .clone()
        .with("x-trigger-branch", "feature")
        .get("/api/v1/runs");
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "No matching branch env");
    emu.add_branch("dev", "feature").unwrap();
    let r = dev
        .clone()
        .with("x-trigger-branch", "feature")
        .get("/api/v1/runs");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 0);
    // prod and staging ignore the header.
    for key in [seed.prod_key(), seed.staging_key()] {
        let r = Api::new(&emu, key)
            .with("x-trigger-branch", "whatever")
            .get("/api/v1/runs");
        assert_eq!(r.status, 200);
    }
}

#[test]
fn trigger_returns_a_verifiable_handle_token() {
    let emu = Emulator::start().unwrap();
    let dev = Api::new(&emu, emu.seed().dev_key());
    let r = dev.post("/api/v1/tasks/t/trigger", json!({"payload": "hi"}));
    assert_eq!(r.status, 200);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let token = r.header("x-trigger-jwt").unwrap().to_string();
    let claims = jwt_payload(&token);
    assert_eq!(claims["sub"], emu.seed().env_id("dev"));
    assert_eq!(claims["pub"], true);
    assert_eq!(claims["iss"], "https://id.trigger.dev");
    assert_eq!(claims["aud"], "https://api.trigger.dev");
    assert_eq!(
        claims["scopes"],
        json!([
            format!("read:runs:{id}"),
            format!("write:inputStreams:{id}")
        ])
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let header_claims: serde_json::Value =
        serde_json::from_str(r.header("x-trigger-jwt-claims").unwrap()).unwrap();
    assert_eq!(
        header_claims,
        json!({"sub": emu.seed().env_id("dev"), "pub": true, "scopes": claims["scopes"]})
    );
    // The server's token equals one minted with the dev key: check by re-signing.
    let (input, _) = token.rsplit_once('.').unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, emu.seed().dev_key().as_bytes());
    let sig = b64url_encode(ring::hmac::sign(&key, input.as_bytes()).as_ref());
    assert_eq!(format!("{input}.{sig}"), token);

    let jwt = Api::new(&emu, &token);
    assert_eq!(jwt.get(&format!("/api/v3/runs/{id}")).status, 200);
    let other = dev.trigger("t", json!({}));
    let r = jwt.get(&format!("/api/v3/runs/{other}"));
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"error":"Unauthorized","code":"unauthorized","param":"access_token","type":"authorization"})
    );
    assert_eq!(jwt.get("/api/v1/runs").status, 403);
    assert_eq!(
        jwt.post_empty(&format!("/api/v2/runs/{id}/cancel")).status,
        403
    );
    // Not accepted at all on key-only and legacy routes.
    for (m, p) in [
        ("POST", format!("/api/v1/runs/{id}/replay")),
        ("GET", format!("/api/v1/runs/{id}/result")),
        ("GET", "/api/v1/schedules".to_string()),
        (
            "GET",
            "/api/v1/projects/proj_emulator/envvars/dev".to_string(),
        ),
    ] {
        let r = jwt.send(m, &p, Some(b"{}"), "application/json");
        assert_eq!(r.status, 401, "{m} {p}");
    }
}

#[test]
fn public_tokens_are_verified_and_scoped() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let dev = Api::new(&emu, seed.dev_key());
    let env = seed.env_id("dev");
    let now = now_secs();
    let token = |scopes: serde_json::Value| {
        mint(
            seed.dev_key(),
            json!({"sub": env, "pub": true, "scopes": scopes, "iat": now, "exp": now + 600}),
        )
    };
    let id = dev.trigger("alpha", json!({"tags": ["vip"]}));

    // read:runs (type level) lists and reads everything.
    let reader = Api::new(&emu, &token(json!(["read:runs"])));
    assert_eq!(reader.get("/api/v1/runs").status, 200);
    assert_eq!(reader.get(&format!("/api/v3/runs/{id}")).status, 200);
    // read:tasks:<t> lists only when filtering by that task; read:tags reads tagged runs.
    let by_task = Api::new(&emu, &token(json!(["read:tasks:alpha"])));
    assert_eq!(by_task.get("/api/v1/runs").status, 403);
    assert_eq!(
        by_task
            .get("/api/v1/runs?filter%5BtaskIdentifier%5D=alpha")
            .status,
        200
    );
    assert_eq!(
        by_task
            .get("/api/v1/runs?filter%5BtaskIdentifier%5D=alpha,beta")
            .status,
        403
    );
    let by_tag = Api::new(&emu, &token(json!(["read:tags:vip"])));
    assert_eq!(by_tag.get(&format!("/api/v3/runs/{id}")).status, 200);
    // admin is a wildcard.
    let adm = Api::new(&emu, &token(json!(["admin"])));
    assert_eq!(
        adm.post_empty(&format!("/api/v2/runs/{id}/cancel")).status,
        200
    );

    // Trigger scopes: trigger:tasks:<id> only; write:* does not grant trigger.
    let trig = Api::new(&emu, &token(json!(["trigger:tasks:alpha", "write:all"])));
    assert_eq!(
        trig.post("/api/v1/tasks/alpha/trigger", json!({"payload": "x"}))
            .status,
        200
    );
    assert_eq!(
        trig.post("/api/v1/tasks/beta/trigger", json!({"payload": "x"}))
            .status,
        403
    );

    // Bad signature, wrong key, expired, not public → 401.
    let good = token(json!(["read:runs"]));
    let tampered = tampered(&good);
    let prod_signed = mint(
        seed.prod_key(),
        json!({"sub": env, "pub": true, "exp": now + 60}),
    );
    let expired = mint(
        seed.dev_key(),
        json!({"sub": env, "pub": true, "exp": now - 1}),
    );
    let private = mint(seed.dev_key(), json!({"sub": env, "exp": now + 60}));
    for t in [tampered, prod_signed, expired, private] {
        let r = Api::new(&emu, &t).get("/api/v1/runs");
        assert_eq!(r.status, 401, "{t}");
        assert_eq!(r.error(), "Invalid Public Access Token");
    }
    // Tokens expire on the emulator clock too.
    emu.advance(std::time::Duration::from_secs(601));
    assert_eq!(Api::new(&emu, &good).get("/api/v1/runs").status, 401);
}

#[test]
fn branch_tokens_are_signed_with_the_parent_key() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let branch = Api::new(&emu, seed.preview_key()).with("x-trigger-branch", seed.preview_branch());
    let r = branch.post("/api/v1/tasks/t/trigger", json!({"payload": "x"}));
    assert_eq!(r.status, 200);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let token = r.header("x-trigger-jwt").unwrap();
    assert_ne!(jwt_payload(token)["sub"], seed.env_id("preview"));
    // The JWT names its env itself; no branch header is needed.
    assert_eq!(
        Api::new(&emu, token)
            .get(&format!("/api/v3/runs/{id}"))
            .status,
        200
    );
}

#[test]
fn server_minted_public_tokens() {
    let emu = Emulator::start().unwrap();
    let dev = Api::new(&emu, emu.seed().dev_key());
    let r = dev.post(
        "/api/v1/auth/public-tokens",
        json!({"scopes": ["read:runs"], "expirationTime": "1h"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let claims = jwt_payload(&token);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(claims["scopes"], json!(["read:runs"]));
    assert_eq!(Api::new(&emu, &token).get("/api/v1/runs").status, 200);
    // Default lifetime is 15 minutes; an absolute Unix time is accepted too.
    let r = dev.post(
        "/api/v1/auth/public-tokens",
        json!({"scopes": ["admin"], "oneTimeUse": true}),
    );
    let claims = jwt_payload(r.json()["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    assert_eq!(claims["otu"], true);
    let at = now_secs() + 120;
    let r = dev.post(
        "/api/v1/auth/public-tokens",
        json!({"scopes": ["admin"], "expirationTime": at}),
    );
    assert_eq!(jwt_payload(r.json()["token"].as_str().unwrap())["exp"], at);
    for bad in [
        json!({"scopes": []}),
        json!({"scopes": ["read:runs"], "expirationTime": "-1h"}),
        json!({"scopes": ["read:runs"], "expirationTime": "31d"}),
        json!({"scopes": ["read:runs"], "expirationTime": "whenever"}),
    ] {
        assert_eq!(
            dev.post("/api/v1/auth/public-tokens", bad.clone()).status,
            400,
            "{bad}"
        );
    }
    assert_eq!(
        Api::new(&emu, emu.seed().pat())
            .post("/api/v1/auth/public-tokens", json!({"scopes": ["a"]}))
            .status,
        401
    );
    assert_eq!(
        Api::new(&emu, &token)
            .post("/api/v1/auth/public-tokens", json!({"scopes": ["a"]}))
            .status,
        401
    );
    // The claims endpoint is for local minting.
    let r = dev.post_empty("/api/v1/auth/jwt/claims");
    assert_eq!(
        r.json(),
        json!({"sub": emu.seed().env_id("dev"), "pub": true})
    );
}
