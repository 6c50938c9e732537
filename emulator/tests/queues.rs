//! Queues: list (offset pages), retrieve by id / task / custom name, pause and resume (which
//! holds runs in QUEUED), concurrency override and reset, and their auth rules.

mod common;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::{ControlError, Emulator};

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

fn queue_by_name(emu: &Emulator, name: &str) -> Value {
    emu.queues()
        .into_iter()
        .find(|q| q["queueName"] == name)
        .unwrap_or_else(|| panic!("no queue {name}"))
}

#[test]
fn task_and_custom_queues_appear_with_live_counts() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let a1 = api.trigger("alpha", json!({}));
    api.trigger("alpha", json!({}));
    // Custom queues are declared (by workers on the server, with `add_queue` here): a trigger
    // naming an unknown one is accepted and creates nothing.
    emu.add_queue("dev", "team/shared q", None).unwrap();
    api.trigger("beta", json!({"queue": {"name": "team/shared q"}}));
    let stray = api.trigger("gamma", json!({"queue": {"name": "no-such-queue"}}));
    assert_eq!(emu.run(&stray).unwrap()["status"], "QUEUED");
    assert!(emu
        .queues()
        .iter()
        .all(|q| q["queueName"] != "no-such-queue"));
    let r = api.get("/api/v1/queues/no-such-queue?type=custom");
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "queue-not-found"}));
    emu.start_run(&a1).unwrap();

    let alpha = queue_by_name(&emu, "task/alpha");
    let id = alpha["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("queue_"), "{id}");
    let r = api.get(&format!("/api/v1/queues/{id}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({
            "id": id, "name": "alpha", "type": "task", "running": 1, "queued": 1, "paused": false,
            "concurrencyLimit": null,
            "concurrency": {"current": null, "base": null, "override": null,
                            "overriddenBy": null, "overriddenAt": null},
            "releaseConcurrencyOnWaitpoint": true,
            "concurrencyLimitOverridePercent": null,
        })
    );
    // The custom queue a trigger named; beta has no task queue of its own.
    let shared = queue_by_name(&emu, "team/shared q");
    assert_eq!(shared["type"], "custom");
    assert_eq!(shared["name"], "team/shared q");
    assert_eq!(shared["queued"], 1);
    assert!(emu.queues().iter().all(|q| q["queueName"] != "task/beta"));
    // Ids are deterministic: another emulator gives the same id to the same queue.
    let other = Emulator::start().unwrap();
    dev(&other).trigger("alpha", json!({}));
    assert_eq!(queue_by_name(&other, "task/alpha")["id"], id);
    // Finished runs leave the counts.
    emu.complete_run(&a1, json!(1)).unwrap();
    let r = api.get(&format!("/api/v1/queues/{id}")).json();
    assert_eq!(
        (r["running"].clone(), r["queued"].clone()),
        (json!(0), json!(1))
    );
    // Queues are per env.
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(prod.get(&format!("/api/v1/queues/{id}")).status, 404);
    assert_eq!(prod.get("/api/v1/queues").json()["data"], json!([]));
}

#[test]
fn list_pages_by_name() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    for t in ["delta", "alpha", "charlie", "bravo", "echo"] {
        api.trigger(t, json!({}));
    }
    emu.add_queue("dev", "zulu-shared", Some(3)).unwrap();
    let mut names = Vec::new();
    for page in 1..=3 {
        let r = api.get(&format!("/api/v1/queues?perPage=2&page={page}"));
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(
            v["pagination"],
            json!({"currentPage": page, "totalPages": 3, "count": 6})
        );
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 2);
        names.extend(data.iter().map(|q| q["name"].as_str().unwrap().to_string()));
    }
    assert_eq!(
        names,
        ["alpha", "bravo", "charlie", "delta", "echo", "zulu-shared"]
    );
    let past = api.get("/api/v1/queues?perPage=2&page=4").json();
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["pagination"]["currentPage"], 4);
    // Defaults: page 1, 25 per page.
    let all = api.get("/api/v1/queues").json();
    assert_eq!(all["data"].as_array().unwrap().len(), 6);
    assert_eq!(
        all["pagination"],
        json!({"currentPage": 1, "totalPages": 1, "count": 6})
    );
    let zulu = &all["data"][5];
    assert_eq!(zulu["type"], "custom");
    assert_eq!(zulu["concurrencyLimit"], 3);
    assert_eq!(zulu["concurrency"]["current"], 3);
    for bad in ["page=0", "perPage=x", "page=-1"] {
        let r = api.get(&format!("/api/v1/queues?{bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.error(), "Query Error");
    }
    // perPage is capped at 100.
    let r = api.get("/api/v1/queues?perPage=500").json();
    assert_eq!(r["pagination"]["totalPages"], 1);
}

#[test]
fn retrieve_by_id_task_and_double_encoded_custom_name() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    emu.add_queue("dev", "team/shared q", None).unwrap();
    api.trigger("my-task", json!({"queue": {"name": "team/shared q"}}));
    api.trigger("my-task", json!({}));
    let by_task = api.get("/api/v1/queues/my-task?type=task");
    assert_eq!(by_task.status, 200, "{}", by_task.text());
    assert_eq!(by_task.json()["name"], "my-task");
    assert_eq!(by_task.json()["queued"], 1);
    // `task/` prefixed names work too.
    let prefixed = api.get("/api/v1/queues/task%2Fmy-task?type=task").json();
    assert_eq!(prefixed["id"], by_task.json()["id"]);
    // The SDK sends custom names twice encoded: `team/shared q` → `team%252Fshared%20q`.
    let custom = api.get("/api/v1/queues/team%252Fshared%20q?type=custom");
    assert_eq!(custom.status, 200, "{}", custom.text());
    assert_eq!(custom.json()["name"], "team/shared q");
    assert_eq!(custom.json()["type"], "custom");
    // Once-encoded works as well, and an id needs no type.
    let once = api
        .get("/api/v1/queues/team%2Fshared%20q?type=custom")
        .json();
    assert_eq!(once["id"], custom.json()["id"]);
    let id = custom.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.get(&format!("/api/v1/queues/{id}?type=id")).json()["name"],
        "team/shared q"
    );
    assert_eq!(api.get(&format!("/api/v1/queues/{id}")).status, 200);
    // Not found, and a task id is not a queue id.
    for path in [
        "/api/v1/queues/queue_nope",
        "/api/v1/queues/my-task",
        "/api/v1/queues/other?type=task",
        "/api/v1/queues/team%252Fother?type=custom",
    ] {
        let r = api.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json(), json!({"error": "queue-not-found"}));
    }
    let r = api.get("/api/v1/queues/my-task?type=nope");
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Query Error");
}

#[test]
fn paused_queues_hold_their_runs() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let first = api.trigger("worker", json!({}));
    let second = api.trigger("worker", json!({}));
    let r = api.post(
        "/api/v1/queues/worker/pause",
        json!({"type": "task", "action": "pause"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["paused"], true);
    assert_eq!(r.json()["queued"], 2);

    // The admin start is refused, over HTTP and in Rust, and the run stays QUEUED.
    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/runs/{first}/start"),
        None,
    );
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error(),
        "Queue task/worker is paused: its runs stay QUEUED until it is resumed"
    );
    assert_eq!(
        emu.start_run(&second),
        Err(ControlError::QueuePaused("task/worker".into()))
    );
    assert_eq!(emu.run(&first).unwrap()["status"], "QUEUED");
    // Other queues are not affected.
    let other = api.trigger("other", json!({}));
    emu.start_run(&other).unwrap();

    // Resuming by id lets them start.
    let id = queue_by_name(&emu, "task/worker")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = api.post(
        &format!("/api/v1/queues/{id}/pause"),
        json!({"action": "resume"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["paused"], false);
    emu.start_run(&first).unwrap();
    assert_eq!(
        admin(
            &emu,
            "POST",
            &format!("/__emulator/runs/{second}/start"),
            None
        )
        .status,
        200
    );
    let q = api.get(&format!("/api/v1/queues/{id}")).json();
    assert_eq!(
        (q["running"].clone(), q["queued"].clone()),
        (json!(2), json!(0))
    );

    // Bad bodies and unknown queues.
    let r = api.post(
        &format!("/api/v1/queues/{id}/pause"),
        json!({"action": "stop"}),
    );
    assert_eq!(r.status, 400);
    let r = api.post(
        "/api/v1/queues/nope/pause",
        json!({"type": "custom", "action": "pause"}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "queue-not-found");
}

#[test]
fn concurrency_override_and_reset() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let runs: Vec<String> = (0..2).map(|_| api.trigger("lim", json!({}))).collect();
    let path = "/api/v1/queues/lim/concurrency";
    let before = emu.now_ms();
    let r = api.post(
        &format!("{path}/override"),
        json!({"type": "task", "concurrencyLimit": 1}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let q = r.json();
    assert_eq!(q["concurrencyLimit"], 1);
    assert_eq!(q["concurrency"]["current"], 1);
    assert_eq!(q["concurrency"]["base"], Value::Null);
    assert_eq!(q["concurrency"]["override"], 1);
    assert_eq!(q["concurrency"]["overriddenBy"], Value::Null);
    let at = q["concurrency"]["overriddenAt"].as_str().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .timestamp_millis();
    assert!(at >= before - 1000, "{at} vs {before}");

    // The limit holds the second run back.
    emu.start_run(&runs[0]).unwrap();
    assert_eq!(
        emu.start_run(&runs[1]),
        Err(ControlError::QueueFull("task/lim".into(), 1))
    );

    // A second override keeps the original base; percent is of the env limit (100).
    let q = api
        .post(
            &format!("{path}/override"),
            json!({"type": "task", "percent": 25}),
        )
        .json();
    assert_eq!(q["concurrencyLimit"], 25);
    assert_eq!(q["concurrencyLimitOverridePercent"], 25.0);
    emu.start_run(&runs[1]).unwrap();

    let r = api.post(
        &format!("{path}/override"),
        json!({"type": "task", "concurrencyLimit": 101}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        "Concurrency limit (101) cannot exceed the environment limit (100)"
    );
    for bad in [
        json!({"type": "task"}),
        json!({"type": "task", "concurrencyLimit": -1}),
        json!({"type": "task", "concurrencyLimit": 1, "percent": 5}),
        json!({"type": "task", "percent": 0}),
    ] {
        assert_eq!(
            api.post(&format!("{path}/override"), bad.clone()).status,
            400,
            "{bad}"
        );
    }

    // Reset goes back to the base; resetting again is an error.
    let r = api.post(&format!("{path}/reset"), json!({"type": "task"}));
    assert_eq!(r.status, 200);
    let q = r.json();
    assert_eq!(q["concurrencyLimit"], Value::Null);
    assert_eq!(q["concurrency"]["override"], Value::Null);
    assert_eq!(q["concurrency"]["overriddenAt"], Value::Null);
    assert_eq!(q["concurrencyLimitOverridePercent"], Value::Null);
    let r = api.post(&format!("{path}/reset"), json!({"type": "task"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Queue is not overridden");

    // A queue with a base limit gets it back after a reset.
    let id = emu.add_queue("dev", "shared", Some(4)).unwrap();
    let q = api
        .post(
            &format!("/api/v1/queues/{id}/concurrency/override"),
            json!({"concurrencyLimit": 9}),
        )
        .json();
    assert_eq!(
        (
            q["concurrency"]["base"].clone(),
            q["concurrencyLimit"].clone()
        ),
        (json!(4), json!(9))
    );
    let q = api
        .post(&format!("/api/v1/queues/{id}/concurrency/reset"), json!({}))
        .json();
    assert_eq!(q["concurrencyLimit"], 4);
    let r = api.post(
        "/api/v1/queues/nope/concurrency/reset",
        json!({"type": "custom"}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Queue not found");
}

#[test]
fn queue_auth_rules() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    api.trigger("t", json!({}));
    let pat = Api::new(&emu, emu.seed().pat());
    let reader = jwt_api(&emu, &["read:queues"]);
    let wrong = jwt_api(&emu, &["read:runs"]);
    let pause = json!({"type": "task", "action": "pause"});

    for (method, path) in [
        ("GET", "/api/v1/queues"),
        ("GET", "/api/v1/queues/t?type=task"),
        ("POST", "/api/v1/queues/t/pause"),
        ("POST", "/api/v1/queues/t/concurrency/override"),
        ("POST", "/api/v1/queues/t/concurrency/reset"),
    ] {
        let r = if method == "GET" {
            pat.get(path)
        } else {
            pat.post(path, pause.clone())
        };
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.error(), "Invalid API key");
    }
    // A JWT may retrieve with read:queues, and nothing else.
    assert_eq!(reader.get("/api/v1/queues/t?type=task").status, 200);
    let r = wrong.get("/api/v1/queues/t?type=task");
    assert_eq!(r.status, 403);
    assert_eq!(r.json(), scope_error());
    assert_eq!(reader.get("/api/v1/queues").status, 401);
    assert_eq!(reader.post("/api/v1/queues/t/pause", pause).status, 401);
    assert_eq!(Api::anonymous(&emu).get("/api/v1/queues").status, 401);
}

#[test]
fn admin_queues_and_state_dump() {
    let emu = Emulator::start().unwrap();
    let r = admin(
        &emu,
        "POST",
        "/__emulator/queues",
        Some(json!({"name": "nightly", "type": "task", "env": "prod", "concurrencyLimit": 2})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let state = emu.state();
    let q = &state["queues"][0];
    assert_eq!(q["id"], id);
    assert_eq!(q["queueName"], "task/nightly");
    assert_eq!(q["envId"], emu.seed().env_id("prod"));
    assert_eq!(q["concurrencyLimit"], 2);
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(
        prod.get("/api/v1/queues/nightly?type=task").json()["id"],
        id
    );
    assert_eq!(
        admin(
            &emu,
            "POST",
            "/__emulator/queues",
            Some(json!({"name": ""}))
        )
        .status,
        400
    );
    assert_eq!(
        admin(
            &emu,
            "POST",
            "/__emulator/queues",
            Some(json!({"name": "x", "env": "nowhere"}))
        )
        .status,
        400
    );
    emu.reset();
    assert!(emu.queues().is_empty());
}
