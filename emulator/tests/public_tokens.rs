//! `POST /api/v1/auth/public-tokens` and `POST /api/v1/auth/jwt/claims` against
//! `docs/wire.md#public-tokens`, and additional API keys (`tr_<env>_sk_…`) with their own
//! scopes.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use triggerdev_emulator::keys::{DEV_ADDITIONAL_KEY, DEV_ADDITIONAL_KEY_SCOPES};
use triggerdev_emulator::{AdditionalKeySeed, Emulator, Options, Seed};

const FULL_KEY: &str = "tr_dev_sk_fullAccessKey00000000000";
const NARROW_KEY: &str = "tr_dev_sk_narrowKey000000000000000";

fn with_keys() -> Emulator {
    let mut seed = Seed::default();
    let dev = seed.projects[0]
        .envs
        .iter_mut()
        .find(|e| e.slug == "dev")
        .unwrap();
    dev.additional_keys.push(AdditionalKeySeed {
        key: FULL_KEY.to_string(),
        scopes: vec!["admin".into()],
    });
    dev.additional_keys.push(AdditionalKeySeed {
        key: NARROW_KEY.to_string(),
        scopes: vec!["read:runs:run_1".into(), "write:sessions:s1".into()],
    });
    Emulator::start_with(Options {
        seed,
        ..Default::default()
    })
    .unwrap()
}

fn mint_with(api: &Api, body: serde_json::Value) -> Resp {
    api.post("/api/v1/auth/public-tokens", body)
}

#[test]
fn body_and_expiry_errors_match_the_server() {
    let emu = Emulator::start().unwrap();
    let dev = Api::new(&emu, emu.seed().dev_key());
    for body in [
        json!({"scopes": []}),
        json!({}),
        json!({"scopes": "read:runs"}),
        json!({"scopes": [1]}),
        json!({"scopes": ["read:runs"], "oneTimeUse": "yes"}),
        json!({"scopes": ["read:runs"], "expirationTime": true}),
        json!({"scopes": ["read:runs"], "realtime": {"skipColumns": "x"}}),
    ] {
        let r = mint_with(&dev, body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.error(), "Invalid request body", "{body}");
        assert!(r.json()["issues"].is_array(), "{body}");
    }
    let r = dev.send(
        "POST",
        "/api/v1/auth/public-tokens",
        Some(b"not json"),
        "application/json",
    );
    assert_eq!(r.json(), json!({"error": "Invalid request body"}));
    for (exp, msg) in [
        (json!("whenever"), "Invalid expiration time"),
        (json!("+5m ago"), "Invalid expiration time"),
        (json!("-1h"), "Expiration time must be in the future"),
        (
            json!("5 minutes ago"),
            "Expiration time must be in the future",
        ),
        (json!(1), "Expiration time must be in the future"),
        (json!("31d"), "Expiration time cannot exceed 30 days"),
    ] {
        let r = mint_with(
            &dev,
            json!({"scopes": ["read:runs"], "expirationTime": exp}),
        );
        assert_eq!(r.status, 400, "{exp}");
        assert_eq!(r.error(), msg, "{exp}");
    }
    // Claims: sub, pub, scopes, otu only when asked, realtime when given, 15 m by default.
    let r = mint_with(
        &dev,
        json!({"scopes": ["read:runs", ""], "oneTimeUse": true, "realtime": {"skipColumns": ["payload"]}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let c = jwt_payload(r.json()["token"].as_str().unwrap());
    assert_eq!(c["scopes"], json!(["read:runs", ""]));
    assert_eq!(c["otu"], true);
    assert_eq!(c["realtime"], json!({"skipColumns": ["payload"]}));
    assert_eq!(c["iss"], "https://id.trigger.dev");
    assert_eq!(c["aud"], "https://api.trigger.dev");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 900);
    let c = jwt_payload(
        mint_with(&dev, json!({"scopes": ["a:b"], "oneTimeUse": false})).json()["token"]
            .as_str()
            .unwrap(),
    );
    assert!(c.get("otu").is_none());
    // Expiry is checked on the emulator clock: "30d" is fine, then the token lapses.
    let r = mint_with(
        &dev,
        json!({"scopes": ["read:runs"], "expirationTime": "1h"}),
    );
    let t = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(Api::new(&emu, &t).get("/api/v1/runs").status, 200);
    emu.advance(Duration::from_secs(3600));
    assert_eq!(Api::new(&emu, &t).get("/api/v1/runs").status, 401);
    // Neither a JWT nor a PAT may mint.
    assert_eq!(
        mint_with(&Api::new(&emu, &t), json!({"scopes": ["a:b"]})).status,
        401
    );
    assert_eq!(
        mint_with(
            &Api::new(&emu, emu.seed().pat()),
            json!({"scopes": ["a:b"]})
        )
        .status,
        401
    );
}

#[test]
fn additional_keys_may_only_mint_within_their_scopes() {
    let emu = with_keys();
    assert_eq!(
        DEV_ADDITIONAL_KEY_SCOPES,
        [
            "read:runs",
            "trigger:tasks",
            "read:sessions",
            "write:sessions"
        ]
    );
    let ak = Api::new(&emu, DEV_ADDITIONAL_KEY);
    for scopes in [
        json!(["read:runs"]),
        json!([
            "read:runs:run_9",
            "trigger:tasks:t",
            "read:sessions:chat",
            "write:sessions"
        ]),
    ] {
        let r = mint_with(&ak, json!({ "scopes": scopes }));
        assert_eq!(r.status, 200, "{scopes}: {}", r.text());
        // Signed with the env's root key, so every JWT route accepts it.
        let c = jwt_payload(r.json()["token"].as_str().unwrap());
        assert_eq!(c["sub"], emu.seed().env_id("dev"));
    }
    let r = mint_with(
        &ak,
        json!({"scopes": ["read:runs", "write:runs", "admin", "read", "read:all", "admin:sessions:s1"]}),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({
            "error": "Requested scopes exceed the API key's access",
            "code": "scopes_exceed_key_access",
            "deniedScopes": ["write:runs", "admin", "read", "read:all", "admin:sessions:s1"],
        })
    );
    // The scope check comes before the expiry check.
    let r = mint_with(
        &ak,
        json!({"scopes": ["write:runs"], "expirationTime": "garbage"}),
    );
    assert_eq!(r.status, 403);

    // An id-scoped key grants only those ids.
    let narrow = Api::new(&emu, NARROW_KEY);
    assert_eq!(
        mint_with(
            &narrow,
            json!({"scopes": ["read:runs:run_1", "write:sessions:s1"]})
        )
        .status,
        200
    );
    let r = mint_with(
        &narrow,
        json!({"scopes": ["read:runs", "write:sessions:s2"]}),
    );
    assert_eq!(
        r.json()["deniedScopes"],
        json!(["read:runs", "write:sessions:s2"])
    );
    // A full-access (admin) key mints anything.
    let full = Api::new(&emu, FULL_KEY);
    assert_eq!(mint_with(&full, json!({"scopes": ["admin"]})).status, 200);
}

#[test]
fn additional_keys_are_secret_keys_with_scopes() {
    let emu = with_keys();
    let ak = Api::new(&emu, DEV_ADDITIONAL_KEY);
    let full = Api::new(&emu, FULL_KEY);
    let narrow = Api::new(&emu, NARROW_KEY);
    // Scopes are enforced where the emulator checks JWT scopes.
    assert_eq!(ak.get("/api/v1/runs").status, 200);
    let id = ak.trigger("t", json!({}));
    assert_eq!(narrow.get("/api/v1/runs").status, 403);
    assert_eq!(
        narrow
            .post("/api/v1/tasks/t/trigger", json!({"payload": "x"}))
            .status,
        403
    );
    assert_eq!(full.get(&format!("/api/v3/runs/{id}")).status, 200);
    // Legacy routes take only full-access keys.
    assert_eq!(ak.post_empty("/api/v1/auth/jwt/claims").status, 401);
    let r = full.post_empty("/api/v1/auth/jwt/claims");
    assert_eq!(
        r.json(),
        json!({"sub": emu.seed().env_id("dev"), "pub": true})
    );
    assert_eq!(full.get("/api/v1/schedules").status, 200);
    assert_eq!(ak.get("/api/v1/schedules").status, 401);
    // Unknown or malformed additional keys are just invalid keys.
    for bad in [
        format!("tr_dev_sk_{}", "0".repeat(24)),
        "tr_dev_sk_short".into(),
    ] {
        assert_eq!(
            Api::new(&emu, &bad).get("/api/v1/runs").status,
            401,
            "{bad}"
        );
    }
    // Seeds with malformed additional keys are rejected.
    let mut seed = Seed::default();
    seed.projects[0].envs[0]
        .additional_keys
        .push(AdditionalKeySeed {
            key: "tr_dev_sk_nope".into(),
            scopes: vec![],
        });
    assert!(seed.validate().is_err());
    // The seed round-trips through JSON, additional keys included.
    let text = serde_json::to_string(emu.seed()).unwrap();
    assert!(text.contains("additionalKeys"));
    assert_eq!(&Seed::from_json(&text).unwrap(), emu.seed());
}
