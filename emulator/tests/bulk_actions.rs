//! Bulk actions: cancel and replay by run ids or filters, `filter[bulkAction]` on the run list,
//! list (cursor pages), retrieve, abort (with deferred actions), and the auth rules.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::Emulator;

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

fn create(api: &Api, body: Value) -> String {
    let r = api.post("/api/v1/bulk-actions", body);
    assert_eq!(r.status, 202, "{}", r.text());
    let v = r.json();
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    v["id"].as_str().unwrap().to_string()
}

fn run_ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn cancel_by_filter() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(1_750_000_000_000);
    let api = dev(&emu);
    let old1 = api.trigger("sync", json!({"tags": ["old"]}));
    let old2 = api.trigger("sync", json!({"tags": ["old", "x"]}));
    let done = api.trigger("sync", json!({"tags": ["old"]}));
    emu.complete_run(&done, json!(1)).unwrap();
    let keep = api.trigger("sync", json!({"tags": ["new"]}));
    let running = api.trigger("other", json!({"tags": ["old"]}));
    emu.start_run(&running).unwrap();
    // Another env's runs are never touched.
    let prod_run = Api::new(&emu, emu.seed().prod_key()).trigger("sync", json!({"tags": ["old"]}));

    emu.advance(Duration::from_secs(2));
    let id = create(
        &api,
        json!({"filter": {"status": ["QUEUED"], "tag": "old"}, "name": "cancel old", "action": "cancel"}),
    );
    assert!(id.starts_with("bulk_"), "{id}");
    for r in [&old1, &old2] {
        assert_eq!(emu.run(r).unwrap()["status"], "CANCELED");
    }
    for (r, s) in [
        (&done, "COMPLETED"),
        (&keep, "QUEUED"),
        (&running, "EXECUTING"),
    ] {
        assert_eq!(emu.run(r).unwrap()["status"], s);
    }
    assert_eq!(emu.run(&prod_run).unwrap()["status"], "QUEUED");

    let got = api.get(&format!("/api/v1/bulk-actions/{id}"));
    assert_eq!(got.status, 200);
    assert_eq!(
        got.json(),
        json!({
            "id": id, "name": "cancel old", "type": "CANCEL", "status": "COMPLETED",
            "counts": {"total": 2, "success": 2, "failure": 0},
            "createdAt": "2025-06-15T15:06:42.000Z", "completedAt": "2025-06-15T15:06:42.000Z",
        })
    );
    // The touched runs carry the bulk action: the run list finds them.
    let listed = api
        .get(&format!("/api/v1/runs?filter%5BbulkAction%5D={id}"))
        .json();
    assert_eq!(run_ids(&listed), sorted(vec![old1.clone(), old2.clone()]));
    assert_eq!(emu.run(&old1).unwrap()["bulkActionIds"], json!([id]));

    // Filters by task and queue; finished runs count as failures (and are still touched).
    let by_task = create(
        &api,
        json!({"action": "cancel", "filter": {"taskIdentifier": ["sync"], "queue": {"type": "task", "name": "sync"}}}),
    );
    let v = api.get(&format!("/api/v1/bulk-actions/{by_task}")).json();
    assert_eq!(v["counts"], json!({"total": 4, "success": 1, "failure": 3}));
    assert_eq!(emu.run(&keep).unwrap()["status"], "CANCELED");
    let listed = api
        .get(&format!("/api/v1/runs?filter%5BbulkAction%5D={by_task}"))
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 4);
    // Another bulk action's runs can be selected with `bulkAction`.
    let again = create(
        &api,
        json!({"action": "cancel", "filter": {"bulkAction": id}}),
    );
    let v = api.get(&format!("/api/v1/bulk-actions/{again}")).json();
    assert_eq!(v["counts"], json!({"total": 2, "success": 0, "failure": 2}));
    assert!(v.get("name").is_none());
}

#[test]
fn replay_by_run_ids() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu).with("x-trigger-realtime-streams-version", "v2");
    let a = api.trigger("a", json!({"tags": ["t"], "machine": "large-1x"}));
    let b = api.trigger("b", json!({}));
    emu.fail_run(&b, json!("boom")).unwrap();
    let id = create(
        &api,
        json!({"runIds": [a, b, "run_unknown", a], "targetRegion": "eu-central-1", "action": "replay"}),
    );
    let v = api.get(&format!("/api/v1/bulk-actions/{id}")).json();
    assert_eq!(v["type"], "REPLAY");
    assert_eq!(v["status"], "COMPLETED");
    assert_eq!(v["counts"], json!({"total": 2, "success": 2, "failure": 0}));
    // New runs like replay makes: same task, payload, tags, options; the target region.
    let replays: Vec<Value> = emu
        .runs()
        .into_iter()
        .filter(|r| r["replayedFrom"].is_string())
        .collect();
    assert_eq!(replays.len(), 2);
    let ra = replays.iter().find(|r| r["replayedFrom"] == a).unwrap();
    let src = emu.run(&a).unwrap();
    assert_eq!(ra["taskIdentifier"], "a");
    assert_eq!(ra["status"], "QUEUED");
    assert_eq!(ra["payload"], src["payload"]);
    assert_eq!(ra["tags"], json!(["t"]));
    assert_eq!(ra["machine"], "large-1x");
    assert_eq!(ra["region"], "eu-central-1");
    assert_eq!(ra["realtimeStreamsVersion"], "v2");
    assert_eq!(ra["bulkActionIds"], json!([id]));
    // The originals are left alone; the run list filter finds the new runs.
    assert_eq!(emu.run(&a).unwrap()["bulkActionIds"], json!([]));
    let listed = api
        .get(&format!("/api/v1/runs?filter%5BbulkAction%5D={id}"))
        .json();
    let want: Vec<String> = replays
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(run_ids(&listed), sorted(want));
    let dump = &emu.bulk_actions()[0];
    assert_eq!(dump["runIds"], json!([a, b]));
    assert_eq!(dump["targetRegion"], "eu-central-1");
    assert_eq!(dump["newRunIds"].as_array().unwrap().len(), 2);
}

#[test]
fn invalid_bodies() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let run = api.trigger("t", json!({}));
    let cases = [
        json!({"action": "delete", "runIds": [run]}),
        json!({"action": "cancel"}),
        json!({"action": "cancel", "runIds": [run], "filter": {"tag": "x"}}),
        json!({"action": "cancel", "filter": {}}),
        json!({"action": "cancel", "filter": {"tag": ""}}),
        json!({"action": "cancel", "runIds": []}),
        json!({"action": "cancel", "runIds": [run], "targetRegion": "eu"}),
        json!({"action": "cancel", "filter": {"status": ["NOPE"]}}),
        json!({"action": "cancel", "filter": {"queue": {"name": "q"}}}),
        json!({"action": "replay", "runIds": [run], "name": "n".repeat(256)}),
    ];
    for body in cases {
        let r = api.post("/api/v1/bulk-actions", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text());
    }
    let many: Vec<String> = (0..501).map(|i| format!("run_{i}")).collect();
    let r = api.post(
        "/api/v1/bulk-actions",
        json!({"action": "cancel", "runIds": many}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        "Too many runIds (501). Maximum is 500. Use a filter to select more runs."
    );
    let r = api.post_empty("/api/v1/bulk-actions");
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Request body is empty");
    assert!(emu.bulk_actions().is_empty());
    assert_eq!(emu.run(&run).unwrap()["status"], "QUEUED");
}

#[test]
fn deferred_actions_can_be_aborted_or_processed() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let run = api.trigger("t", json!({}));
    emu.set_bulk_actions_deferred(true);
    let pending = create(&api, json!({"action": "cancel", "runIds": [run]}));
    let v = api.get(&format!("/api/v1/bulk-actions/{pending}")).json();
    assert_eq!(v["status"], "PENDING");
    assert_eq!(v["counts"], json!({"total": 1, "success": 0, "failure": 0}));
    assert!(v.get("completedAt").is_none());
    assert_eq!(emu.run(&run).unwrap()["status"], "QUEUED");

    let r = api.post_empty(&format!("/api/v1/bulk-actions/{pending}/abort"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"id": pending}));
    assert_eq!(
        api.get(&format!("/api/v1/bulk-actions/{pending}")).json()["status"],
        "ABORTED"
    );
    assert_eq!(emu.run(&run).unwrap()["status"], "QUEUED");
    let r = api.post_empty(&format!("/api/v1/bulk-actions/{pending}/abort"));
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error(),
        format!("Bulk action group already aborted: {pending}")
    );

    // Processing (admin) applies it.
    let second = create(&api, json!({"action": "cancel", "runIds": [run]}));
    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/bulk-actions/{second}/process"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(emu.run(&run).unwrap()["status"], "CANCELED");
    let r = api.post_empty(&format!("/api/v1/bulk-actions/{second}/abort"));
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error(),
        format!("Bulk action group already completed: {second}")
    );
    assert_eq!(
        admin(
            &emu,
            "POST",
            &format!("/__emulator/bulk-actions/{second}/process"),
            None
        )
        .status,
        400
    );
    assert_eq!(
        admin(
            &emu,
            "POST",
            "/__emulator/bulk-actions/bulk_nope/process",
            None
        )
        .status,
        404
    );
    // Back to applying at once, over HTTP.
    let r = admin(
        &emu,
        "POST",
        "/__emulator/bulk-actions/defer",
        Some(json!({"defer": false})),
    );
    assert_eq!(r.status, 200);
    let third = create(&api, json!({"action": "replay", "runIds": [run]}));
    assert_eq!(
        api.get(&format!("/api/v1/bulk-actions/{third}")).json()["status"],
        "COMPLETED"
    );
    let r = api.post_empty("/api/v1/bulk-actions/bulk_nope/abort");
    assert_eq!(r.status, 404);
    assert_eq!(api.get("/api/v1/bulk-actions/bulk_nope").status, 404);
}

#[test]
fn list_pages_newest_first() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(1_750_000_000_000);
    let api = dev(&emu);
    let run = api.trigger("t", json!({}));
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(create(
            &api,
            json!({"action": "replay", "runIds": [run], "name": format!("n{i}")}),
        ));
        if i != 2 {
            emu.advance(Duration::from_secs(1));
        }
    }
    let newest: Vec<String> = made.iter().rev().cloned().collect();
    let page_ids = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = api.get("/api/v1/bulk-actions").json();
    assert_eq!(page_ids(&all), newest);
    assert_eq!(all["pagination"], json!({}));

    let mut seen = Vec::new();
    let mut path = "/api/v1/bulk-actions?page%5Bsize%5D=2".to_string();
    let mut prevs = Vec::new();
    loop {
        let v = api.get(&path).json();
        seen.extend(page_ids(&v));
        prevs.push(v["pagination"]["previous"].clone());
        match v["pagination"]["next"].as_str() {
            Some(next) => {
                path = format!("/api/v1/bulk-actions?page%5Bsize%5D=2&page%5Bafter%5D={next}")
            }
            None => break,
        }
    }
    assert_eq!(seen, newest);
    assert_eq!(prevs[0], Value::Null);
    // The last page's `previous` goes back one page.
    let back = api
        .get(&format!(
            "/api/v1/bulk-actions?page%5Bsize%5D=2&page%5Bbefore%5D={}",
            prevs[2].as_str().unwrap()
        ))
        .json();
    assert_eq!(page_ids(&back), newest[2..4]);
    // Cursors are opaque, like the server's.
    let r = api.get("/api/v1/bulk-actions?page%5Bafter%5D=garbage");
    assert_eq!(r.status, 400);
    let r = api.get("/api/v1/bulk-actions?page%5Bafter%5D=a&page%5Bbefore%5D=b");
    assert_eq!(r.status, 400);
    assert_eq!(
        api.get("/api/v1/bulk-actions?page%5Bsize%5D=101").status,
        400
    );
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(prod.get("/api/v1/bulk-actions").json()["data"], json!([]));
    assert_eq!(
        prod.get(&format!("/api/v1/bulk-actions/{}", made[0]))
            .status,
        404
    );
}

#[test]
fn bulk_action_auth_rules() {
    let emu = Emulator::start().unwrap();
    let run = dev(&emu).trigger("t", json!({}));
    let id = create(&dev(&emu), json!({"action": "cancel", "runIds": [run]}));
    let pat = Api::new(&emu, emu.seed().pat());
    let jwt = jwt_api(&emu, &["admin"]);
    for api in [&pat, &jwt] {
        let r = api.post(
            "/api/v1/bulk-actions",
            json!({"action": "cancel", "runIds": [run]}),
        );
        assert_eq!(r.status, 401);
        assert_eq!(r.error(), "Invalid API key");
        assert_eq!(api.get("/api/v1/bulk-actions").status, 401);
        assert_eq!(api.get(&format!("/api/v1/bulk-actions/{id}")).status, 401);
        assert_eq!(
            api.post_empty(&format!("/api/v1/bulk-actions/{id}/abort"))
                .status,
            401
        );
    }
}
