//! Triggering, idempotency, delays/TTL, packets and two-phase batches.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use triggerdev_emulator::{Emulator, Options};

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

#[test]
fn trigger_stores_the_run_with_its_options() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let r = api.post(
        "/api/v1/tasks/my%2Ftask/trigger",
        json!({
            "payload": "{\"json\":{\"a\":1,\"d\":\"1970-01-01T00:00:00.000Z\"},\"meta\":{\"values\":{\"d\":[\"Date\"]}}}",
            "options": {
                "payloadType": "application/super+json", "tags": ["t1", "t2"], "metadata": {"m": 1},
                "queue": {"name": "q"}, "concurrencyKey": "ck", "maxAttempts": 3, "machine": "small-2x",
                "priority": 10, "lockToVersion": "20250101.1", "ttl": "10m", "maxDuration": 30
            }
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["isCached"], false);
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("run_"));

    let runs = emu.runs();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["taskIdentifier"], "my/task");
    assert_eq!(run["status"], "QUEUED");
    assert_eq!(run["tags"], json!(["t1", "t2"]));
    assert_eq!(run["metadata"], json!({"m": 1}));
    assert_eq!(run["queue"], "q");
    assert_eq!(run["machine"], "small-2x");
    assert_eq!(run["concurrencyKey"], "ck");
    assert_eq!(run["maxAttempts"], 3);
    assert_eq!(run["version"], "20250101.1");
    assert_eq!(run["ttl"], "10m");
    assert_eq!(run["envId"], emu.seed().env_id("dev"));

    let got = api.get(&format!("/api/v3/runs/{id}")).json();
    assert_eq!(
        got["payload"],
        json!({"a": 1, "d": "1970-01-01T00:00:00.000Z"})
    );
    assert_eq!(got["triggerFunction"], "trigger");
    assert_eq!(got["isQueued"], true);
    assert_eq!(got["attemptCount"], 0);
    assert!(got["createdAt"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn payload_types_decode_on_retrieve() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let cases = [
        (
            json!({"payload": "plain text", "options": {"payloadType": "text/plain"}}),
            json!("plain text"),
        ),
        (
            json!({"payload": "{\"x\":[1,2]}", "options": {"payloadType": "application/json"}}),
            json!({"x": [1, 2]}),
        ),
        (json!({"payload": {"raw": true}}), json!({"raw": true})),
    ];
    for (body, expected) in cases {
        let r = api.post("/api/v1/tasks/t/trigger", body);
        let id = r.json()["id"].as_str().unwrap().to_string();
        assert_eq!(
            api.get(&format!("/api/v3/runs/{id}")).json()["payload"],
            expected
        );
    }
    // No payload at all is fine too.
    let r = api.post("/api/v1/tasks/t/trigger", json!({}));
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(api
        .get(&format!("/api/v3/runs/{id}"))
        .json()
        .get("payload")
        .is_none());
}

#[test]
fn unknown_tasks_and_bad_options_create_nothing() {
    let emu = Emulator::start_with(Options {
        unknown_tasks: vec!["missing-task".into(), "gone".into()],
        ..Options::default()
    })
    .unwrap();
    let api = dev(&emu);
    for task in ["missing-task", "gone"] {
        let r = api.post(
            &format!("/api/v1/tasks/{task}/trigger"),
            json!({"payload": "x"}),
        );
        assert_eq!(r.status, 404);
        assert_eq!(r.error(), "Task not found");
    }
    let too_many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    for options in [
        json!({"tags": too_many}),
        json!({"tags": [""]}),
        json!({"delay": "soon"}),
        json!({"machine": "huge"}),
        json!({"ttl": "forever"}),
        json!("not an object"),
    ] {
        let r = api.post(
            "/api/v1/tasks/t/trigger",
            json!({"payload": "x", "options": options}),
        );
        assert_eq!(r.status, 400, "{options}: {}", r.text());
    }
    assert!(emu.runs().is_empty());
}

#[test]
fn idempotency_keys_return_the_cached_run() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let body =
        json!({"payload": "x", "options": {"idempotencyKey": "k1", "idempotencyKeyTTL": "1h"}});
    let a = api.post("/api/v1/tasks/t/trigger", body.clone()).json();
    let b = api.post("/api/v1/tasks/t/trigger", body.clone()).json();
    assert_eq!(a["isCached"], false);
    assert_eq!(b["isCached"], true);
    assert_eq!(a["id"], b["id"]);
    // Keys are per task.
    let c = api.post("/api/v1/tasks/other/trigger", body.clone()).json();
    assert_ne!(c["id"], a["id"]);
    // The idempotency-key header wins over the body.
    let d = api
        .clone()
        .with("idempotency-key", "k2")
        .post("/api/v1/tasks/t/trigger", body.clone())
        .json();
    assert_ne!(d["id"], a["id"]);
    assert_eq!(
        emu.run(d["id"].as_str().unwrap()).unwrap()["idempotencyKey"],
        "k2"
    );
    // Keys expire with their TTL.
    emu.advance(Duration::from_secs(3601));
    let e = api.post("/api/v1/tasks/t/trigger", body).json();
    assert_eq!(e["isCached"], false);
    assert_ne!(e["id"], a["id"]);
    assert_eq!(emu.runs().len(), 4);
    // Reset frees the key at once.
    let id = api.trigger("r", json!({"idempotencyKey": "rk"}));
    let r = api.post(
        "/api/v1/idempotencyKeys/rk/reset",
        json!({"taskIdentifier": "r"}),
    );
    assert_eq!(r.json(), json!({"id": "rk"}));
    assert_ne!(api.trigger("r", json!({"idempotencyKey": "rk"})), id);
    let r = api.post(
        "/api/v1/idempotencyKeys/nope/reset",
        json!({"taskIdentifier": "r"}),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn request_idempotency_header_dedupes_retries() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu).with(
        "x-trigger-request-idempotency-key",
        "5f7e0c1e-1111-4222-8333-444455556666",
    );
    let a = api.post("/api/v1/tasks/t/trigger", json!({"payload": "x"}));
    let b = api.post("/api/v1/tasks/t/trigger", json!({"payload": "x"}));
    assert_eq!(a.json(), b.json());
    assert_eq!(a.header("x-trigger-jwt"), b.header("x-trigger-jwt"));
    assert_eq!(emu.runs().len(), 1);
}

#[test]
fn delayed_runs_queue_when_due_and_ttls_expire() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let delayed = api.trigger("t", json!({"delay": "1h"}));
    let at = api.trigger("t", json!({"delay": "2999-01-01T00:00:00Z"}));
    let ttl = api.trigger("t", json!({"ttl": 60}));
    let r = api.get(&format!("/api/v3/runs/{delayed}")).json();
    assert_eq!(r["status"], "DELAYED");
    assert!(r["delayedUntil"].is_string());
    assert_eq!(
        api.get(&format!("/api/v3/runs/{at}")).json()["delayedUntil"],
        "2999-01-01T00:00:00.000Z"
    );

    let r = admin(
        &emu,
        "POST",
        "/__emulator/advance",
        Some(json!({"seconds": 3601})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        api.get(&format!("/api/v3/runs/{delayed}")).json()["status"],
        "QUEUED"
    );
    assert_eq!(
        api.get(&format!("/api/v3/runs/{at}")).json()["status"],
        "DELAYED"
    );
    let r = api.get(&format!("/api/v3/runs/{ttl}")).json();
    assert_eq!(r["status"], "EXPIRED");
    assert_eq!(r["isCompleted"], true);
    assert!(r["expiredAt"].is_string());
}

#[test]
fn ttls_are_shown_as_durations_and_dev_runs_get_ten_minutes() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let ttl = |id: &str| api.get(&format!("/api/v3/runs/{id}")).json()["ttl"].clone();
    // Seconds are normalised to the server's duration string.
    assert_eq!(ttl(&api.trigger("t", json!({"ttl": 3600}))), "1h");
    assert_eq!(ttl(&api.trigger("t", json!({"ttl": 5430}))), "1h30m30s");
    assert_eq!(ttl(&api.trigger("t", json!({"ttl": "2h"}))), "2h");
    // Dev runs without a TTL get 10 minutes (and expire after them); 0 means none at all.
    let plain = api.trigger("t", json!({}));
    assert_eq!(ttl(&plain), "10m");
    let none = api.trigger("t", json!({"ttl": 0}));
    assert_eq!(ttl(&none), serde_json::Value::Null);
    emu.advance(Duration::from_secs(601));
    assert_eq!(emu.run(&plain).unwrap()["status"], "EXPIRED");
    assert_eq!(emu.run(&none).unwrap()["status"], "QUEUED");
    // Other envs get no default.
    let prod = Api::new(&emu, emu.seed().prod_key());
    let p = prod.trigger("t", json!({}));
    assert_eq!(
        prod.get(&format!("/api/v3/runs/{p}")).json().get("ttl"),
        None
    );
}

#[test]
fn debounce_returns_the_waiting_run() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(1_740_823_200_000); // 2025-03-01T10:00:00Z
    let api = dev(&emu);
    let trigger = |payload: &str, debounce: serde_json::Value| {
        let r = api.post(
            "/api/v1/tasks/t/trigger",
            json!({"payload": payload, "options": {"payloadType": "text/plain", "debounce": debounce}}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["isCached"], false);
        r.json()["id"].as_str().unwrap().to_string()
    };
    let first = trigger("a", json!({"key": "k", "delay": "5s"}));
    let run = api.get(&format!("/api/v3/runs/{first}")).json();
    assert_eq!(run["status"], "DELAYED");
    assert_eq!(run["delayedUntil"], "2025-03-01T10:00:05.000Z");
    // The same key while the run waits: the same run, delayed again; the first payload stays.
    emu.advance(Duration::from_secs(2));
    assert_eq!(trigger("b", json!({"key": "k", "delay": "5s"})), first);
    let run = api.get(&format!("/api/v3/runs/{first}")).json();
    assert_eq!(run["delayedUntil"], "2025-03-01T10:00:07.000Z");
    assert_eq!(run["payload"], "a");
    // Another key is another run; once the run is queued, the key starts a new one.
    assert_ne!(trigger("c", json!({"key": "other", "delay": "5s"})), first);
    emu.advance(Duration::from_secs(10));
    assert_eq!(emu.run(&first).unwrap()["status"], "QUEUED");
    let again = trigger("d", json!({"key": "k", "delay": "5s"}));
    assert_ne!(again, first);
    // Trailing mode takes the latest payload; maxDelay caps the pushing back.
    let t = trigger(
        "1",
        json!({"key": "tr", "delay": "5s", "mode": "trailing", "maxDelay": "6s"}),
    );
    emu.advance(Duration::from_secs(4));
    assert_eq!(
        trigger("2", json!({"key": "tr", "delay": "5s", "mode": "trailing"})),
        t
    );
    let run = api.get(&format!("/api/v3/runs/{t}")).json();
    assert_eq!(run["payload"], "2");
    assert_eq!(run["delayedUntil"], "2025-03-01T10:00:18.000Z");
    let r = api.post(
        "/api/v1/tasks/t/trigger",
        json!({"payload": "x", "options": {"debounce": {"key": "k"}}}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn one_time_trigger_tokens_work_once() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let now = now_secs();
    let token = |otu: bool, iat: i64| {
        mint(
            seed.dev_key(),
            json!({"sub": seed.env_id("dev"), "pub": true, "otu": otu,
                   "scopes": ["trigger:tasks:t"], "iat": iat, "exp": now + 600}),
        )
    };
    let once = Api::new(&emu, &token(true, now));
    let body = json!({"payload": "x"});
    assert_eq!(
        once.post("/api/v1/tasks/t/trigger", body.clone()).status,
        200
    );
    let r = once.post("/api/v1/tasks/t/trigger", body.clone());
    assert_eq!(r.status, 422);
    assert_eq!(
        r.error(),
        "Cannot trigger t with a one-time use token as it has already been used."
    );
    // Another one-time token, and a multiple-use one, still work.
    assert_eq!(
        Api::new(&emu, &token(true, now - 1))
            .post("/api/v1/tasks/t/trigger", json!({"payload": "y"}))
            .status,
        200
    );
    let many = Api::new(&emu, &token(false, now));
    for _ in 0..2 {
        assert_eq!(
            many.post("/api/v1/tasks/t/trigger", body.clone()).status,
            200
        );
    }
    assert_eq!(emu.runs().len(), 4);
}

#[test]
fn packets_upload_and_offloaded_payloads() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let name = "trigger/my-task/1700000000000-abc/payload.json";
    let encoded = "trigger%2Fmy-task%2F1700000000000-abc%2Fpayload.json";
    let r = api.send(
        "PUT",
        &format!("/api/v2/packets/{encoded}"),
        Some(b""),
        "application/json",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let url = r.json()["presignedUrl"].as_str().unwrap().to_string();
    assert_eq!(r.json()["storagePath"], name);
    assert!(url.starts_with(emu.base_url()));
    let path = url.trim_start_matches(emu.base_url());
    // The upload is unauthenticated, like a presigned URL.
    let data = br#"{"json":{"big":true}}"#;
    let up = request(
        emu.base_url(),
        "PUT",
        path,
        &[("Content-Type", "application/super+json")],
        Some(data),
    );
    assert_eq!(up.status, 200);
    let r = api.post(
        "/api/v1/tasks/my-task/trigger",
        json!({"payload": name, "options": {"payloadType": "application/store"}}),
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    let run = api.get(&format!("/api/v3/runs/{id}")).json();
    assert_eq!(run["payloadPresignedUrl"], url);
    let down = request(emu.base_url(), "GET", path, &[], None);
    assert_eq!(down.body, data);
    assert_eq!(down.header("content-type"), Some("application/super+json"));
    // Without auth the packet API is closed.
    assert_eq!(
        Api::anonymous(&emu)
            .send(
                "PUT",
                &format!("/api/v2/packets/{encoded}"),
                Some(b""),
                "application/json"
            )
            .status,
        401
    );
    assert_eq!(
        request(emu.base_url(), "GET", "/__emulator/packets/none", &[], None).status,
        404
    );
}

fn ndjson(items: &[serde_json::Value]) -> Vec<u8> {
    let mut out = String::new();
    for i in items {
        out.push_str(&i.to_string());
        out.push('\n');
    }
    out.into_bytes()
}

fn item(i: usize, task: &str) -> serde_json::Value {
    json!({"index": i, "task": task, "payload": format!("{{\"json\":{{\"i\":{i}}}}}"),
           "options": {"payloadType": "application/super+json"}})
}

#[test]
fn batches_stream_items_and_dedupe_by_index() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let r = api.post(
        "/api/v3/batches",
        json!({"runCount": 3, "taskIdentifiers": ["a", "b"]}),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let body = r.json();
    assert_eq!(body["runCount"], 3);
    assert_eq!(body["isCached"], false);
    let id = body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("batch_"));
    let batch_token = r.header("x-trigger-jwt").unwrap().to_string();
    let claims = jwt_payload(&batch_token);
    assert_eq!(claims["scopes"], json!([format!("read:batch:{id}")]));

    let items_path = format!("/api/v3/batches/{id}/items");
    let r = api.send(
        "POST",
        &items_path,
        Some(&ndjson(&[item(0, "a"), item(1, "b")])),
        "application/x-ndjson",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"id": id, "itemsAccepted": 2, "itemsDeduplicated": 0, "sealed": false, "enqueuedCount": 2, "expectedCount": 3})
    );
    assert_eq!(
        api.get(&format!("/api/v2/batches/{id}")).json()["status"],
        "PENDING"
    );
    // Resending the whole stream is safe.
    let all = ndjson(&[item(0, "a"), item(1, "b"), item(2, "a")]);
    let r = api.send(
        "POST",
        &items_path,
        Some(&all),
        "application/ndjson; charset=utf-8",
    );
    // Sealed: the server answers with the batch's run count instead of the counts so far.
    assert_eq!(
        r.json(),
        json!({"id": id, "itemsAccepted": 1, "itemsDeduplicated": 2, "sealed": true, "runCount": 3})
    );
    assert_eq!(emu.runs().len(), 3);

    // A sealed batch stays PENDING until every run finished.
    let b = api.get(&format!("/api/v2/batches/{id}")).json();
    assert_eq!(b["status"], "PENDING");
    assert!(b["processingCompletedAt"].is_string());
    for run in b["runs"].as_array().unwrap() {
        emu.complete_run(run.as_str().unwrap(), json!(null))
            .unwrap();
    }
    let b = api.get(&format!("/api/v2/batches/{id}")).json();
    assert_eq!(b["status"], "COMPLETED");
    assert_eq!(b["runCount"], 3);
    assert_eq!(b["runs"].as_array().unwrap().len(), 3);
    assert!(b["processing"]["completedAt"].is_string());
    assert_eq!(b["processing"]["errors"], json!([]));
    let run_id = b["runs"][2].as_str().unwrap();
    let run = api.get(&format!("/api/v3/runs/{run_id}")).json();
    assert_eq!(run["batchId"], id);
    assert_eq!(run["triggerFunction"], "batchTrigger");
    assert_eq!(run["payload"], json!({"i": 2}));
    let listed = api
        .get(&format!("/api/v1/runs?filter%5Bbatch%5D={id}"))
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 3);
    // The batch token reads the batch.
    let tok = Api::new(&emu, r_jwt(&api));
    assert_eq!(tok.get(&format!("/api/v2/batches/{id}")).status, 403);
}

/// A token for a different batch, to prove batch scopes are per id.
fn r_jwt(api: &Api) -> &'static str {
    let r = api.post(
        "/api/v3/batches",
        json!({"runCount": 1, "taskIdentifiers": ["a"]}),
    );
    Box::leak(
        r.header("x-trigger-jwt")
            .unwrap()
            .to_string()
            .into_boxed_str(),
    )
}

#[test]
fn batch_errors_and_validation() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let id = api
        .post(
            "/api/v3/batches",
            json!({"runCount": 2, "taskIdentifiers": ["a"]}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v3/batches/{id}/items");
    let r = api.send(
        "POST",
        &path,
        Some(&ndjson(&[item(0, "a")])),
        "application/json",
    );
    assert_eq!(r.status, 415);
    let mut bad = ndjson(&[item(0, "a")]);
    bad.extend_from_slice(b"{not json\n");
    let r = api.send("POST", &path, Some(&bad), "application/x-ndjson");
    assert_eq!(r.status, 400);
    let r = api.send(
        "POST",
        &path,
        Some(&ndjson(&[item(5, "a")])),
        "application/x-ndjson",
    );
    assert_eq!(r.status, 422);
    assert!(emu.runs().is_empty(), "invalid streams create nothing");
    // An unknown task is recorded as an item error.
    let r = api.send(
        "POST",
        &path,
        Some(&ndjson(&[item(0, "a"), item(1, "missing-task")])),
        "application/x-ndjson",
    );
    assert_eq!(r.json()["sealed"], true);
    let b = api.get(&format!("/api/v2/batches/{id}")).json();
    assert_eq!(b["status"], "PARTIAL_FAILED");
    assert_eq!(b["processing"]["errors"][0]["index"], 1);
    assert_eq!(b["runs"].as_array().unwrap().len(), 1);

    let r = api.get("/api/v2/batches/batch_nope");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-should-retry"), Some("true"));
    let r = api.send(
        "POST",
        "/api/v3/batches/batch_nope/items",
        Some(b"{}\n"),
        "application/x-ndjson",
    );
    assert_eq!(r.status, 404);
    for body in [
        json!({"runCount": 0}),
        json!({"runCount": "2"}),
        json!({"runCount": 1, "taskIdentifiers": "a"}),
    ] {
        assert_eq!(api.post("/api/v3/batches", body).status, 400);
    }
    // Other envs cannot see the batch.
    assert_eq!(
        Api::new(&emu, emu.seed().prod_key())
            .get(&format!("/api/v2/batches/{id}"))
            .status,
        404
    );
}

#[test]
fn batch_idempotency_keys() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let body = json!({"runCount": 2, "taskIdentifiers": ["a"], "idempotencyKey": "bk",
                      "idempotencyKeyOptions": {"key": "bk", "scope": "global"}});
    let a = api.post("/api/v3/batches", body.clone()).json();
    let b = api.post("/api/v3/batches", body).json();
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["isCached"], false);
    assert_eq!(b["isCached"], true);
    assert_eq!(b["idempotencyKey"], "bk");
    assert_eq!(emu.batches().len(), 1);
    // Per-item keys reuse existing runs.
    let id = a["id"].as_str().unwrap();
    let items = ndjson(&[
        json!({"index": 0, "task": "a", "payload": "x", "options": {"idempotencyKey": "k0"}}),
        json!({"index": 1, "task": "a", "payload": "x", "options": {"idempotencyKey": "k0"}}),
    ]);
    let r = api.send(
        "POST",
        &format!("/api/v3/batches/{id}/items"),
        Some(&items),
        "application/x-ndjson",
    );
    assert_eq!(r.json()["itemsAccepted"], 2);
    assert_eq!(emu.runs().len(), 1);
}

#[test]
fn concurrent_triggers_make_exactly_one_run_each() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let api = api.clone();
                s.spawn(move || {
                    (0..25)
                        .map(|i| {
                            api.trigger(&format!("task-{t}"), json!({"tags": [format!("i{i}")]}))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 100);
    let mut stored: Vec<String> = emu
        .runs()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    stored.sort();
    assert_eq!(stored, unique);
    assert_eq!(emu.request_count(), 100);
}

#[test]
fn batch_results_list_the_finished_runs_in_item_order() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(1_748_779_200_000);
    let api = dev(&emu);
    let id = api.post("/api/v3/batches", json!({"runCount": 4})).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let items = ndjson(&[item(0, "a"), item(1, "b"), item(2, "c"), item(3, "d")]);
    let r = api.send(
        "POST",
        &format!("/api/v3/batches/{id}/items"),
        Some(&items),
        "application/x-ndjson",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let runs: Vec<String> = api.get(&format!("/api/v2/batches/{id}")).json()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let path = format!("/api/v1/batches/{id}/results");
    // Nothing finished yet.
    let r = api.get(&path);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"id": id, "items": []}));

    emu.start_run(&runs[0]).unwrap();
    emu.advance(Duration::from_millis(1500));
    emu.complete_run(&runs[0], json!({"sent": true})).unwrap();
    emu.fail_run(
        &runs[1],
        json!({"message": "boom", "name": "TypeError", "stackTrace": "at x"}),
    )
    .unwrap();
    assert_eq!(
        api.post_empty(&format!("/api/v2/runs/{}/cancel", runs[2]))
            .status,
        200
    );
    let r = api.get(&path);
    assert_eq!(
        r.json(),
        json!({"id": id, "items": [
            {"ok": true, "id": runs[0], "output": "{\"sent\":true}", "outputType": "application/json",
             "usage": {"durationMs": 1500}, "taskIdentifier": "a"},
            {"ok": false, "id": runs[1],
             "error": {"type": "BUILT_IN_ERROR", "name": "TypeError", "message": "boom", "stackTrace": "at x"},
             "usage": {"durationMs": 0}, "taskIdentifier": "b"},
            {"ok": false, "id": runs[2], "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
             "usage": {"durationMs": 0}, "taskIdentifier": "c"},
        ]})
    );
    // A missing batch, and other envs' batches, are 404; only secret keys reach the route.
    let r = api.get("/api/v1/batches/batch_nope/results");
    assert_eq!(r.status, 404);
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(prod.get(&path).status, 404);
    assert_eq!(jwt_api(&emu, &["read:all"]).get(&path).status, 401);
}
