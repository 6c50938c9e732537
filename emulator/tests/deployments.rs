//! Deployments: the seeded current deployment, list filters and cursor pages, retrieve,
//! current, latest, promote, the admin route, and the auth rules.

mod common;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::{Emulator, NewDeployment};

// Dev envs have no deployments (as on the server): these tests work in prod.
fn prod(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().prod_key())
}

/// Adds a deployment to prod unless `body` names another env.
fn add(emu: &Emulator, mut body: Value) -> (String, String) {
    if body.get("env").is_none() {
        body["env"] = json!("prod");
    }
    let r = admin(emu, "POST", "/__emulator/deployments", Some(body));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    (
        v["id"].as_str().unwrap().to_string(),
        v["version"].as_str().unwrap().to_string(),
    )
}

#[test]
fn every_env_but_dev_starts_with_a_deterministic_current_deployment() {
    let emu = Emulator::start().unwrap();
    // Dev runs on dev workers: no deployments, and `current` is the route builder's 404.
    let dev = Api::new(&emu, emu.seed().dev_key());
    let r = dev.get("/api/v1/deployments/current");
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "Not found"}));
    assert_eq!(r.header("x-should-retry"), Some("false"));
    assert_eq!(
        dev.get("/api/v1/deployments").json(),
        json!({"data": [], "pagination": {}})
    );
    let api = prod(&emu);
    let r = api.get("/api/v1/deployments/current");
    assert_eq!(r.status, 200, "{}", r.text());
    let cur = r.json();
    let id = cur["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("deployment_"), "{id}");
    let short = cur["shortCode"].as_str().unwrap().to_string();
    assert_eq!(short.len(), 8);
    assert_eq!(
        cur,
        json!({
            "id": id, "createdAt": "2025-01-01T00:00:00.000Z", "shortCode": short,
            "version": "20250101.1", "runtime": "node", "runtimeVersion": "22.12.0",
            "status": "DEPLOYED", "deployedAt": "2025-01-01T00:01:00.000Z", "git": null,
        })
    );
    // The same in another emulator; different in another env.
    let other = Emulator::start().unwrap();
    assert_eq!(prod(&other).get("/api/v1/deployments/current").json(), cur);
    let stg = Api::new(&emu, emu.seed().staging_key())
        .get("/api/v1/deployments/current")
        .json();
    assert_ne!(stg["id"], cur["id"]);
    assert_eq!(stg["version"], "20250101.1");
    // Retrieve has the detail shape.
    let d = api.get(&format!("/api/v1/deployments/{id}")).json();
    assert_eq!(d["id"], id);
    assert_eq!(d["status"], "DEPLOYED");
    assert_eq!(d["version"], "20250101.1");
    assert_eq!(d["shortCode"], short);
    assert_eq!(d["contentHash"].as_str().unwrap().len(), 32);
    assert_eq!(d["imagePlatform"], "linux/amd64");
    assert!(d["worker"]["id"].as_str().unwrap().starts_with("worker_"));
    assert_eq!(d["worker"]["version"], "20250101.1");
    assert_eq!(d["errorData"], Value::Null);
    let r = api.get("/api/v1/deployments/deployment_nope");
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "Deployment not found"}));
    // A branch env added later gets one too.
    let branch_env = emu.add_branch("preview", "late").unwrap();
    let late = Api::new(&emu, emu.seed().preview_key()).with("x-trigger-branch", "late");
    assert_eq!(late.get("/api/v1/deployments/current").status, 200);
    assert!(emu
        .deployments()
        .iter()
        .any(|d| d["envId"] == branch_env && d["isCurrent"] == true));
}

#[test]
fn list_filters_and_cursor_pages() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(chrono_ms("2025-06-10T12:00:00Z"));
    let api = prod(&emu);
    let mut ids = Vec::new();
    for day in 1..=7 {
        let (id, _) = add(
            &emu,
            json!({"createdAt": format!("2025-06-0{day}T08:00:00Z"),
                   "status": if day == 4 { "FAILED" } else { "DEPLOYED" }}),
        );
        ids.push(id);
    }
    ids.reverse(); // newest first, then the seeded one
    let seeded = prod(&emu).get("/api/v1/deployments/current").json()["id"].clone();
    let all = api.get("/api/v1/deployments").json();
    let got: Vec<Value> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    let mut want: Vec<Value> = ids.iter().map(|i| json!(i)).collect();
    want.push(seeded.clone());
    assert_eq!(got, want);
    assert_eq!(all["pagination"], json!({}));
    let failed = &all["data"][3];
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["error"]["message"], "Build failed");
    assert_eq!(failed["deployedAt"], Value::Null);
    assert_eq!(all["data"][0]["version"], "20250607.1");

    // Pages of 5 (the server raises smaller sizes to 5).
    let p1 = api.get("/api/v1/deployments?page%5Bsize%5D=2").json();
    assert_eq!(p1["data"].as_array().unwrap().len(), 5);
    let next = p1["pagination"]["next"].as_str().unwrap().to_string();
    assert_eq!(next, ids[4]);
    let p2 = api
        .get(&format!(
            "/api/v1/deployments?page%5Bsize%5D=5&page%5Bafter%5D={next}"
        ))
        .json();
    let p2ids: Vec<Value> = p2["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(p2ids, vec![json!(ids[5]), json!(ids[6]), seeded]);
    assert_eq!(p2["pagination"], json!({}));
    for bad in ["page%5Bsize%5D=0", "page%5Bsize%5D=101", "status=NOPE"] {
        let r = api.get(&format!("/api/v1/deployments?{bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.error(), "Query Error");
    }

    // Filters: status, period (from the emulator clock), from/to.
    let f = api.get("/api/v1/deployments?status=FAILED").json();
    assert_eq!(f["data"].as_array().unwrap().len(), 1);
    let week = api.get("/api/v1/deployments?period=7d").json();
    // From 2025-06-03T12:00Z: June 4 to 7.
    assert_eq!(week["data"].as_array().unwrap().len(), 4, "{week}");
    let range = api
        .get("/api/v1/deployments?from=2025-06-02T00:00:00Z&to=2025-06-03T23:00:00Z")
        .json();
    assert_eq!(range["data"].as_array().unwrap().len(), 2);
    // `to` alone is ignored, as on the server.
    let to_only = api
        .get("/api/v1/deployments?to=2025-06-02T00:00:00Z")
        .json();
    assert_eq!(to_only["data"].as_array().unwrap().len(), 8);
    assert_eq!(api.get("/api/v1/deployments?period=soon").status, 400);
    assert_eq!(api.get("/api/v1/deployments?from=yesterday").status, 400);
}

fn chrono_ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn promote_latest_and_rollbacks() {
    let emu = Emulator::start().unwrap();
    let api = prod(&emu);
    let seeded = api.get("/api/v1/deployments/current").json();
    let (newer, v_newer) = add(&emu, json!({"version": "20250301.1"}));
    let (building, _) = add(&emu, json!({"version": "20250302.1", "status": "BUILDING"}));

    // Latest is the newest, whatever its status.
    let latest = api.get("/api/v1/deployments/latest").json();
    assert_eq!(latest["id"], building);
    assert_eq!(latest["status"], "BUILDING");
    assert!(latest.get("contentHash").is_some());
    assert_eq!(
        latest["imageReference"],
        Value::Null,
        "not built yet: no image"
    );

    let r = api.post_empty(&format!("/api/v1/deployments/{v_newer}/promote"));
    assert_eq!(r.status, 200, "{}", r.text());
    let short = r.json()["shortCode"].clone();
    assert_eq!(
        r.json(),
        json!({"id": newer, "version": v_newer, "shortCode": short})
    );
    assert_eq!(api.get("/api/v1/deployments/current").json()["id"], newer);

    let cases = [
        (
            "20250301.1",
            "Deployment is already the current deployment.",
        ),
        // Only DEPLOYED deployments have a worker, and the server checks that first.
        (
            "20250302.1",
            "Deployment is not associated with a worker and cannot be promoted.",
        ),
        (
            "20250101.1",
            "Cannot promote a deployment that is older than the current deployment.",
        ),
    ];
    for (v, msg) in cases {
        let r = api.post_empty(&format!("/api/v1/deployments/{v}/promote"));
        assert_eq!(r.status, 400, "{v}");
        assert_eq!(r.error(), msg);
    }
    let r = api.post_empty("/api/v1/deployments/19990101.1/promote");
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Deployment not found");
    // Rolling back needs allowRollbacks=true.
    let r = api.post_empty("/api/v1/deployments/20250101.1/promote?allowRollbacks=true");
    assert_eq!(r.status, 200);
    assert_eq!(
        api.get("/api/v1/deployments/current").json()["id"],
        seeded["id"]
    );

    // The Rust method: auto version, promote at once; versions compare numerically.
    let id = emu
        .add_deployment(NewDeployment {
            env_id: "prod".into(),
            version: Some("20250301.10".into()),
            promote: true,
            tasks: vec!["alpha".into()],
            git: Some(json!({"commitSha": "abc123", "branchName": "main"})),
            ..Default::default()
        })
        .unwrap();
    let cur = api.get("/api/v1/deployments/current").json();
    assert_eq!(cur["id"], id);
    assert_eq!(cur["git"]["branchName"], "main");
    let d = api.get(&format!("/api/v1/deployments/{id}")).json();
    assert_eq!(d["worker"]["tasks"][0]["slug"], "alpha");
    assert_eq!(d["commitSHA"], "abc123");
    let r = api.post_empty("/api/v1/deployments/20250301.9/promote");
    assert_eq!(r.status, 404);
    assert!(emu
        .add_deployment(NewDeployment {
            env_id: "prod".into(),
            version: Some("20250301.10".into()),
            ..Default::default()
        })
        .is_err());
    assert!(emu
        .add_deployment(NewDeployment {
            env_id: "prod".into(),
            status: Some("BROKEN".into()),
            ..Default::default()
        })
        .is_err());
    // Default versions are YYYYMMDD.N of the creation day.
    emu.freeze_clock_at(chrono_ms("2026-02-03T10:00:00Z"));
    let (_, v1) = add(&emu, json!({}));
    let (_, v2) = add(&emu, json!({}));
    assert_eq!((v1.as_str(), v2.as_str()), ("20260203.1", "20260203.2"));
    let dump = emu.deployments();
    // One current deployment per env but dev: stg, prod, preview and its branch.
    assert_eq!(dump.iter().filter(|d| d["isCurrent"] == true).count(), 4);
}

#[test]
fn deployment_auth_rules() {
    let emu = Emulator::start().unwrap();
    let pat = Api::new(&emu, emu.seed().pat());
    for path in [
        "/api/v1/deployments",
        "/api/v1/deployments/current",
        "/api/v1/deployments/latest",
        "/api/v1/deployments/deployment_x",
    ] {
        let r = pat.get(path);
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.error(), "Invalid API key");
    }
    assert_eq!(
        pat.post_empty("/api/v1/deployments/20250101.1/promote")
            .status,
        401
    );
    // JWTs: list needs read:deployments[:list], current read:deployments[:current].
    let jwt_api =
        |emu: &Emulator, scopes: &[&str]| env_jwt_api(emu, "prod", emu.seed().prod_key(), scopes);
    let all = jwt_api(&emu, &["read:deployments"]);
    assert_eq!(all.get("/api/v1/deployments").status, 200);
    assert_eq!(all.get("/api/v1/deployments/current").status, 200);
    let list_only = jwt_api(&emu, &["read:deployments:list"]);
    assert_eq!(list_only.get("/api/v1/deployments").status, 200);
    let r = list_only.get("/api/v1/deployments/current");
    assert_eq!(r.status, 403);
    assert_eq!(r.json(), scope_error());
    let current_only = jwt_api(&emu, &["read:deployments:current"]);
    assert_eq!(current_only.get("/api/v1/deployments/current").status, 200);
    assert_eq!(current_only.get("/api/v1/deployments").status, 403);
    // Retrieve, latest and promote take secret keys only.
    assert_eq!(all.get("/api/v1/deployments/latest").status, 401);
    assert_eq!(
        all.post_empty("/api/v1/deployments/20250101.1/promote")
            .status,
        401
    );
}
