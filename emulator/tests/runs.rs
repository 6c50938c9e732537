//! Run listing (cursor pages, filters, project route), retrieve, cancel, replay, reschedule,
//! tags, metadata, result, and the admin run controls.

mod common;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::{ControlError, Emulator};

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cursor_pagination_walks_newest_first() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let created: Vec<String> = (0..7).map(|_| api.trigger("t", json!({}))).collect();
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    let p1 = api.get("/api/v1/runs?page%5Bsize%5D=3").json();
    assert_eq!(ids(&p1), newest_first[0..3]);
    assert!(p1["pagination"].get("previous").is_none());
    let next = p1["pagination"]["next"].as_str().unwrap().to_string();
    let p2 = api
        .get(&format!(
            "/api/v1/runs?page%5Bsize%5D=3&page%5Bafter%5D={next}"
        ))
        .json();
    assert_eq!(ids(&p2), newest_first[3..6]);
    let prev = p2["pagination"]["previous"].as_str().unwrap().to_string();
    let next = p2["pagination"]["next"].as_str().unwrap().to_string();
    let p3 = api
        .get(&format!(
            "/api/v1/runs?page%5Bsize%5D=3&page%5Bafter%5D={next}"
        ))
        .json();
    assert_eq!(ids(&p3), newest_first[6..7]);
    assert!(p3["pagination"].get("next").is_none());
    // Going back from page 2 gives page 1; `before` wins over `after`.
    let back = api
        .get(&format!(
            "/api/v1/runs?page%5Bsize%5D=3&page%5Bafter%5D={next}&page%5Bbefore%5D={prev}"
        ))
        .json();
    assert_eq!(ids(&back), newest_first[0..3]);
    assert!(back["pagination"].get("previous").is_none());
    assert!(back["pagination"]["next"].is_string());
    // Default page size is 25; every item has the list shape.
    let all = api.get("/api/v1/runs").json();
    assert_eq!(ids(&all).len(), 7);
    let item = &all["data"][0];
    assert_eq!(
        item["env"],
        json!({"id": emu.seed().env_id("dev"), "name": "dev", "user": "Local Developer"})
    );
    // The fields the server adds to list items; dev runs get a 10-minute TTL by default.
    assert_eq!(item["depth"], 0);
    assert_eq!(item["taskKind"], "STANDARD");
    assert_eq!(item["region"], "us-east-1");
    assert_eq!(item["ttl"], "10m");
    assert_eq!(all["pagination"], json!({}));

    for bad in ["0", "101", "abc"] {
        let r = api.get(&format!("/api/v1/runs?page%5Bsize%5D={bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.error(), "Query Error");
    }
    assert_eq!(
        api.get("/api/v1/runs?page%5Bafter%5D=run_unknown").status,
        400
    );
}

#[test]
fn list_filters() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let a = api.trigger(
        "alpha",
        json!({"tags": ["x"], "lockToVersion": "v1", "machine": "micro"}),
    );
    let b = api.trigger("beta", json!({"tags": ["y"], "queue": {"name": "q1"}}));
    let c = api.trigger("gamma", json!({"test": true}));
    emu.complete_run(&b, json!(1)).unwrap();
    let q = |query: &str| {
        let r = api.get(&format!("/api/v1/runs?{query}"));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        let mut v = ids(&r.json());
        v.sort();
        v
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(q("filter%5Bstatus%5D=COMPLETED"), vec![b.clone()]);
    assert_eq!(q("filter%5Bstatus%5D=QUEUED%2CCOMPLETED").len(), 3);
    assert_eq!(
        q("filter%5BtaskIdentifier%5D=alpha%2Cgamma"),
        sorted(vec![&a, &c])
    );
    assert_eq!(q("filter%5Btag%5D=y"), vec![b.clone()]);
    assert_eq!(q("filter%5Bversion%5D=v1"), vec![a.clone()]);
    assert_eq!(q("filter%5BisTest%5D=true"), vec![c.clone()]);
    assert_eq!(q("filter%5Bqueue%5D=q1"), vec![b.clone()]);
    assert_eq!(q("filter%5Bqueue%5D=task%2Falpha"), vec![a.clone()]);
    assert_eq!(q("filter%5Bmachine%5D=micro"), vec![a.clone()]);
    let now = emu.now_ms();
    assert_eq!(
        q(&format!("filter%5BcreatedAt%5D%5Bfrom%5D={}", now + 60_000)).len(),
        0
    );
    assert_eq!(
        q(&format!("filter%5BcreatedAt%5D%5Bto%5D={}", now + 60_000)).len(),
        3
    );
    assert_eq!(q("filter%5BcreatedAt%5D%5Bperiod%5D=1d").len(), 3);
    assert_eq!(api.get("/api/v1/runs?filter%5Bstatus%5D=BOGUS").status, 400);
    assert_eq!(api.get("/api/v1/runs?filter%5BisTest%5D=maybe").status, 400);
    // Other envs see none of these runs.
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(ids(&prod.get("/api/v1/runs").json()).len(), 0);
    assert_eq!(prod.get(&format!("/api/v3/runs/{a}")).status, 404);
}

#[test]
fn project_runs_for_pats() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let id = dev(&emu).trigger("t", json!({}));
    Api::new(&emu, seed.prod_key()).trigger("t", json!({}));
    let pat = Api::new(&emu, seed.pat());
    let base = format!("/api/v1/projects/{}/runs", seed.project_ref());
    let r = pat.get(&format!("{base}?filter%5Benv%5D=dev"));
    assert_eq!(ids(&r.json()), vec![id]);
    // Only the first matching env is used.
    let r = pat.get(&format!("{base}?filter%5Benv%5D=prod%2Cdev"));
    assert_eq!(ids(&r.json()).len(), 1);
    // Like the real server: no filter[env] → 500; the slug is `stg`, so `staging` matches nothing.
    assert_eq!(pat.get(&base).status, 500);
    assert_eq!(
        pat.get(&format!("{base}?filter%5Benv%5D=staging")).status,
        500
    );
    assert_eq!(pat.get(&format!("{base}?filter%5Benv%5D=stg")).status, 200);
    let r = pat.get("/api/v1/projects/proj_nope/runs?filter%5Benv%5D=dev");
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Project not found");
}

#[test]
fn retrieve_cancel_replay() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let r = api.get("/api/v3/runs/run_missing");
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Not found");
    assert_eq!(r.header("x-should-retry"), Some("true"));

    let id = api.trigger("t", json!({"tags": ["a"]}));
    let r = api.post_empty(&format!("/api/v2/runs/{id}/cancel"));
    assert_eq!(r.json(), json!({"id": id}));
    let run = api.get(&format!("/api/v3/runs/{id}")).json();
    assert_eq!(run["status"], "CANCELED");
    assert_eq!(run["isCancelled"], true);
    assert_eq!(run["isCompleted"], true);
    // As on the server: a canceled run counts as failed, carries the cancel as its error, and
    // one that never started has no finishedAt.
    assert_eq!(run["isFailed"], true);
    assert_eq!(run["error"], json!({"message": "Canceled by user"}));
    assert!(run.get("finishedAt").is_none(), "{run}");
    // A run canceled while executing has one.
    let started = api.trigger("t", json!({}));
    emu.start_run(&started).unwrap();
    api.post_empty(&format!("/api/v2/runs/{started}/cancel"));
    assert!(api.get(&format!("/api/v3/runs/{started}")).json()["finishedAt"].is_string());
    // Finished runs stay as they are.
    let done = api.trigger("t", json!({}));
    emu.complete_run(&done, json!({"ok": true})).unwrap();
    assert_eq!(
        api.post_empty(&format!("/api/v2/runs/{done}/cancel"))
            .status,
        200
    );
    assert_eq!(
        api.get(&format!("/api/v3/runs/{done}")).json()["status"],
        "COMPLETED"
    );
    let r = api.post_empty("/api/v2/runs/run_missing/cancel");
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Resource not found");

    let r = api.post_empty(&format!("/api/v1/runs/{id}/replay"));
    assert_eq!(r.status, 200);
    let new_id = r.json()["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);
    let replayed = api.get(&format!("/api/v3/runs/{new_id}")).json();
    assert_eq!(replayed["status"], "QUEUED");
    assert_eq!(replayed["payload"], json!({"n": 1}));
    assert_eq!(replayed["tags"], json!(["a"]));
    assert_eq!(
        api.post_empty("/api/v1/runs/run_missing/replay").status,
        404
    );
}

#[test]
fn reschedule_only_delayed_runs() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let queued = api.trigger("t", json!({}));
    let r = api.post(
        &format!("/api/v1/runs/{queued}/reschedule"),
        json!({"delay": "1h"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Cannot reschedule a run that is not delayed");
    let delayed = api.trigger("t", json!({"delay": "1h"}));
    let r = api.post(
        &format!("/api/v1/runs/{delayed}/reschedule"),
        json!({"delay": "bogus"}),
    );
    assert_eq!(r.status, 400);
    let r = api.post(
        &format!("/api/v1/runs/{delayed}/reschedule"),
        json!({"delay": "2999-01-01T00:00:00.000Z"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["delayedUntil"], "2999-01-01T00:00:00.000Z");
    assert_eq!(r.json()["id"], delayed);
    assert_eq!(
        api.post("/api/v1/runs/run_x/reschedule", json!({"delay": "1h"}))
            .status,
        404
    );
}

#[test]
fn tags_and_metadata() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let id = api.trigger(
        "t",
        json!({"tags": ["a"], "metadata": {"keep": 1, "count": 1, "list": [1]}}),
    );
    let tags = format!("/api/v1/runs/{id}/tags");
    assert_eq!(
        api.post(&tags, json!({"tags": ["a", "b", "c"]})).json()["message"],
        "Successfully set 2 new tags."
    );
    assert_eq!(
        api.post(&tags, json!({"tags": "b"})).json()["message"],
        "No new tags to add"
    );
    let many: Vec<String> = (0..8).map(|i| format!("x{i}")).collect();
    let r = api.post(&tags, json!({ "tags": many }));
    assert_eq!(r.status, 422);
    assert_eq!(
        api.get(&format!("/api/v3/runs/{id}")).json()["tags"],
        json!(["a", "b", "c"])
    );

    let meta = format!("/api/v1/runs/{id}/metadata");
    let r = api.put(
        &meta,
        json!({"operations": [
            {"type": "set", "key": "s", "value": "v"},
            {"type": "increment", "key": "count", "value": 2},
            {"type": "append", "key": "list", "value": 2},
            {"type": "append", "key": "fresh", "value": "f"},
            {"type": "remove", "key": "list", "value": 1},
            {"type": "delete", "key": "keep"},
            {"type": "update", "value": {"u": true}},
            {"type": "set", "key": "$.nested.deep", "value": 5},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = json!({"s": "v", "count": 3, "list": [2], "fresh": ["f"], "u": true, "nested": {"deep": 5}});
    assert_eq!(r.json()["metadata"], expected);
    assert_eq!(
        api.get(&format!("/api/v3/runs/{id}")).json()["metadata"],
        expected
    );
    // A metadata object replaces everything.
    let r = api.put(&meta, json!({"metadata": {"only": 1}}));
    assert_eq!(r.json(), json!({"metadata": {"only": 1}}));
    let r = api.get(&meta).json();
    assert_eq!(r["metadata"], "{\"only\":1}");
    assert_eq!(
        api.put(&meta, json!({"operations": [{"type": "explode"}]}))
            .status,
        400
    );
    assert_eq!(
        api.put("/api/v1/runs/run_x/metadata", json!({})).status,
        404
    );
}

#[test]
fn results_and_admin_controls() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let ok_run = api.trigger("t", json!({}));
    let bad_run = api.trigger("t", json!({}));
    let result = |id: &str| api.get(&format!("/api/v1/runs/{id}/result"));
    let r = result(&ok_run);
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Run either doesn't exist or is not finished");

    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/runs/{ok_run}/start"),
        None,
    );
    assert_eq!(r.status, 200);
    let run = api.get(&format!("/api/v3/runs/{ok_run}")).json();
    assert_eq!(run["status"], "EXECUTING");
    assert_eq!(run["isExecuting"], true);
    assert!(run["startedAt"].is_string());
    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/runs/{ok_run}/complete"),
        Some(json!({"output": {"sum": 3}})),
    );
    assert_eq!(r.status, 200);
    // As on the server (whose result route reads attempt rows the current engine never
    // writes): a finished run's result is a 404 too; its output is in the retrieve response.
    let r = result(&ok_run);
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Run either doesn't exist or is not finished");
    let run = api.get(&format!("/api/v3/runs/{ok_run}")).json();
    assert_eq!(run["output"], json!({"sum": 3}));
    assert_eq!(run["isSuccess"], true);
    assert!(run["finishedAt"].is_string());

    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/runs/{bad_run}/fail"),
        Some(json!({"error": {"message": "boom", "name": "TypeError"}})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(result(&bad_run).status, 404);
    let run = api.get(&format!("/api/v3/runs/{bad_run}")).json();
    assert_eq!(run["status"], "FAILED");
    assert_eq!(run["isFailed"], true);
    assert_eq!(run["error"]["message"], "boom");

    // Finished runs cannot be moved again; unknown runs are 404.
    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/runs/{ok_run}/complete"),
        None,
    );
    assert_eq!(r.status, 409);
    assert_eq!(
        admin(&emu, "POST", "/__emulator/runs/run_x/start", None).status,
        404
    );
    assert_eq!(
        emu.complete_run("run_x", json!(null)),
        Err(ControlError::RunNotFound)
    );
    assert_eq!(
        emu.fail_run(&ok_run, json!("late")),
        Err(ControlError::RunFinished)
    );
    // Only a canceled run has a result: the cancellation error.
    let canceled = api.trigger("t", json!({}));
    api.post_empty(&format!("/api/v2/runs/{canceled}/cancel"));
    assert_eq!(
        result(&canceled).json(),
        json!({"ok": false, "id": canceled, "taskIdentifier": "t",
               "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"}})
    );
    let crash = api.trigger("t", json!({}));
    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/runs/{crash}/fail"),
        Some(json!({"status": "CRASHED"})),
    );
    assert_eq!(r.json()["status"], "CRASHED");
}

#[test]
fn state_dump_requests_log_and_reset() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu).with("x-trigger-branch", "default");
    let id = api.trigger("t", json!({"tags": ["z"]}));
    let state = admin(&emu, "GET", "/__emulator/state", None).json();
    assert_eq!(state["runs"][0]["id"], id);
    assert_eq!(state["requestCount"], 1);
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/api/v1/tasks/t/trigger");
    assert_eq!(log[0]["headers"]["x-trigger-branch"], "default");
    assert_eq!(log[0]["body"]["options"]["tags"], json!(["z"]));
    assert_eq!(log[0]["status"], 200);
    api.get("/api/v1/runs?filter%5Bstatus%5D=QUEUED");
    let log = admin(&emu, "GET", "/__emulator/requests", None).json();
    assert_eq!(log["requests"][1]["query"]["filter[status]"], "QUEUED");
    assert_eq!(log["count"], 2);

    assert_eq!(admin(&emu, "POST", "/__emulator/reset", None).status, 200);
    assert!(emu.runs().is_empty());
    assert!(emu.requests().is_empty());
    assert_eq!(api.get(&format!("/api/v3/runs/{id}")).status, 404);
    let seed = admin(&emu, "GET", "/__emulator/seed", None).json();
    assert_eq!(seed["projects"][0]["ref"], "proj_emulator");
}
