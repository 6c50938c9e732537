//! Run events, trace and metadata GET; the realtime streams version triggers and batches record.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::Emulator;

const T0: i64 = 1_740_823_200_000; // 2025-03-01T10:00:00Z

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

#[test]
fn events_follow_the_run_lifecycle() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    let api = dev(&emu);
    let id = api.trigger("my-task", json!({}));
    let path = format!("/api/v1/runs/{id}/events");

    // Queued: only the run span, still partial.
    let r = api.get(&path);
    assert_eq!(r.status, 200, "{}", r.text());
    let events = r.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    let root = &events[0];
    let span = root["spanId"].as_str().unwrap().to_string();
    assert_eq!(span.len(), 16);
    assert_eq!(
        root,
        &json!({
            "spanId": span, "parentId": null, "runId": id, "idempotencyKey": null,
            "message": "my-task",
            "style": {"icon": "task", "variant": "primary"},
            "startTime": "1740823200000000000", "duration": 0,
            "isError": false, "isPartial": true, "isCancelled": false,
            "level": "TRACE", "kind": "SERVER", "attemptNumber": null,
            "environmentType": "DEVELOPMENT", "taskSlug": "my-task", "events": [],
        })
    );

    emu.advance(Duration::from_secs(1));
    emu.start_run(&id).unwrap();
    emu.advance(Duration::from_secs(2));
    emu.fail_run(&id, json!({"message": "boom", "name": "TypeError"}))
        .unwrap();
    let events = api.get(&path).json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2);
    let (root, attempt) = (&events[0], &events[1]);
    assert_eq!(root["spanId"], span, "span ids are stable");
    assert_eq!(root["isPartial"], false);
    assert_eq!(root["isError"], true);
    assert_eq!(root["duration"], 3_000_000_000i64);
    assert_eq!(root["style"]["variant"], "failure");
    assert_eq!(
        root["events"],
        json!([{"name": "exception", "time": "2025-03-01T10:00:03.000Z",
                "properties": {"exception": {"type": "TypeError", "message": "boom", "stacktrace": ""}}}])
    );
    assert_eq!(attempt["parentId"], span);
    assert_eq!(attempt["message"], "Attempt 1");
    assert_eq!(attempt["attemptNumber"], 1);
    assert_eq!(attempt["kind"], "INTERNAL");
    assert_eq!(attempt["startTime"], "1740823201000000000");
    assert_eq!(attempt["duration"], 2_000_000_000i64);

    // A cancelled run carries a cancellation event.
    let c = api.trigger("my-task", json!({}));
    api.post_empty(&format!("/api/v2/runs/{c}/cancel"));
    let ev = api.get(&format!("/api/v1/runs/{c}/events")).json();
    assert_eq!(ev["events"][0]["isCancelled"], true);
    assert_eq!(ev["events"][0]["events"][0]["name"], "cancellation");
}

#[test]
fn trace_has_the_spec_shape() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    let api = dev(&emu);
    let id = api.trigger(
        "traced",
        json!({"machine": "small-2x", "lockToVersion": "20250101.1"}),
    );
    emu.start_run(&id).unwrap();
    emu.advance(Duration::from_millis(1500));
    emu.complete_run(&id, json!({"ok": true})).unwrap();
    let r = api.get(&format!("/api/v1/runs/{id}/trace"));
    assert_eq!(r.status, 200, "{}", r.text());
    let trace = r.json()["trace"].clone();
    let trace_id = trace["traceId"].as_str().unwrap();
    assert_eq!(trace_id.len(), 32);
    assert!(trace_id.bytes().all(|b| b.is_ascii_hexdigit()));
    let root = &trace["rootSpan"];
    let root_id = root["id"].as_str().unwrap();
    assert!(
        root.get("parentId").is_none(),
        "the root span has no parent"
    );
    assert_eq!(root["runId"], id);
    assert_eq!(
        root["data"],
        json!({
            "message": "traced", "taskSlug": "traced", "events": [],
            // Trace durations are milliseconds (a float), unlike the events' nanoseconds.
            "startTime": "2025-03-01T10:00:00.000Z", "duration": 1500.0,
            "isError": false, "isPartial": false, "isCancelled": false, "level": "TRACE",
            "queueName": "task/traced", "machinePreset": "small-2x", "properties": {},
            "workerVersion": "20250101.1", "output": {"ok": true},
        })
    );
    let children = root["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["parentId"], root_id);
    assert_eq!(children[0]["data"]["message"], "Attempt 1");
    assert_eq!(children[0]["children"], json!([]));
    // The events list uses the same span ids.
    let events = api.get(&format!("/api/v1/runs/{id}/events")).json();
    assert_eq!(events["events"][0]["spanId"], root_id);
    assert_eq!(events["events"][1]["spanId"], children[0]["id"]);
    // A queued run: a partial root span without children.
    let q = api.trigger("traced", json!({}));
    let t = api.get(&format!("/api/v1/runs/{q}/trace")).json();
    assert_eq!(t["trace"]["rootSpan"]["data"]["isPartial"], true);
    assert_eq!(t["trace"]["rootSpan"]["children"], json!([]));
}

#[test]
fn events_and_trace_auth_and_missing_runs() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let id = api.trigger("secret-task", json!({"tags": ["vip"]}));
    for kind in ["events", "trace"] {
        let path = format!("/api/v1/runs/{id}/{kind}");
        // A missing run is a 404 the SDK retries (docs/wire.md#what-is-retried).
        let r = api.get(&format!("/api/v1/runs/run_missing/{kind}"));
        assert_eq!(r.status, 404);
        assert_eq!(r.header("x-should-retry"), Some("true"));
        assert_eq!(r.json(), json!({"error": "Not found"}));
        // Runs of other envs are missing too.
        let prod = Api::new(&emu, emu.seed().prod_key());
        assert_eq!(prod.get(&path).status, 404);
        // JWTs: read on the run, its task, or one of its tags.
        for scopes in [
            vec![format!("read:runs:{id}")],
            vec!["read:runs".to_string()],
            vec!["read:tasks:secret-task".to_string()],
            vec!["read:tags:vip".to_string()],
            vec!["read:all".to_string()],
        ] {
            let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
            assert_eq!(jwt_api(&emu, &refs).get(&path).status, 200, "{scopes:?}");
        }
        for scopes in [
            &["read:runs:run_other"][..],
            &["write:runs"],
            &["read:tasks:other"],
        ] {
            let r = jwt_api(&emu, scopes).get(&path);
            assert_eq!(r.status, 403, "{scopes:?}");
            assert_eq!(r.json(), scope_error());
        }
        let r = Api::new(&emu, emu.seed().pat()).get(&path);
        assert_eq!(r.status, 401);
        assert_eq!(r.error(), "Invalid API key");
    }
}

#[test]
fn metadata_get_answers_with_the_stored_text() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let with = api.trigger("t", json!({"metadata": {"a": {"b": [1, 2]}, "s": "x"}}));
    let without = api.trigger("t", json!({}));
    let r = api.get(&format!("/api/v1/runs/{with}/metadata"));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["metadataType"], "application/json");
    let text = v["metadata"].as_str().expect("metadata is a JSON string");
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"a": {"b": [1, 2]}, "s": "x"})
    );
    assert_eq!(v.as_object().unwrap().len(), 2);
    assert_eq!(
        api.get(&format!("/api/v1/runs/{without}/metadata")).json(),
        json!({"metadata": null, "metadataType": "application/json"})
    );
    let r = api.get("/api/v1/runs/run_missing/metadata");
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Run not found");
    // A legacy route: secret keys only.
    let r = jwt_api(&emu, &["admin"]).get(&format!("/api/v1/runs/{with}/metadata"));
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid or Missing API Key");
    assert_eq!(
        Api::new(&emu, emu.seed().pat())
            .get(&format!("/api/v1/runs/{with}/metadata"))
            .status,
        401
    );
}

#[test]
fn triggers_and_batches_record_the_realtime_streams_version() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let v2 = api
        .clone()
        .with("x-trigger-realtime-streams-version", "v2")
        .trigger("t", json!({}));
    let v1 = api
        .clone()
        .with("x-trigger-realtime-streams-version", "v1")
        .trigger("t", json!({}));
    let none = api.trigger("t", json!({}));
    let odd = api
        .clone()
        .with("x-trigger-realtime-streams-version", "v3")
        .trigger("t", json!({}));
    let version = |id: &str| emu.run(id).unwrap()["realtimeStreamsVersion"].clone();
    assert_eq!(version(&v2), "v2");
    for id in [&v1, &none, &odd] {
        assert_eq!(version(id), "v1");
    }
    // A cached (idempotent) trigger keeps the first run's version.
    let k = json!({"idempotencyKey": "k".repeat(64)});
    let first = api.trigger("t", k.clone());
    let again = api
        .clone()
        .with("x-trigger-realtime-streams-version", "v2")
        .trigger("t", k);
    assert_eq!(first, again);
    assert_eq!(version(&first), "v1");

    // Batches: the create request's header decides for every item (the items request is raw).
    let b2 = api.clone().with("x-trigger-realtime-streams-version", "v2");
    for (client, want) in [(&b2, "v2"), (&api, "v1")] {
        let batch = client
            .post(
                "/api/v3/batches",
                json!({"runCount": 2, "taskIdentifiers": ["t"]}),
            )
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let body = "{\"index\":0,\"task\":\"t\",\"payload\":\"x\"}\n{\"index\":1,\"task\":\"t\",\"payload\":\"y\"}\n";
        let r = api.send(
            "POST",
            &format!("/api/v3/batches/{batch}/items"),
            Some(body.as_bytes()),
            "application/x-ndjson",
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let runs: Vec<Value> = emu
            .runs()
            .into_iter()
            .filter(|r| r["batchId"] == batch)
            .collect();
        assert_eq!(runs.len(), 2);
        assert!(
            runs.iter().all(|r| r["realtimeStreamsVersion"] == want),
            "{want}"
        );
    }
    // A replay keeps its source's version.
    let r = api.post_empty(&format!("/api/v1/runs/{v2}/replay")).json();
    assert_eq!(version(r["id"].as_str().unwrap()), "v2");
}

#[test]
fn a_span_is_retrieved_by_the_id_events_and_trace_give_it() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    let api = dev(&emu);
    let id = api.trigger("my-task", json!({}));
    emu.advance(Duration::from_secs(1));
    emu.start_run(&id).unwrap();
    emu.advance(Duration::from_secs(2));
    emu.fail_run(&id, json!({"message": "boom", "name": "TypeError"}))
        .unwrap();
    let events = api.get(&format!("/api/v1/runs/{id}/events")).json()["events"].clone();
    let (root, attempt) = (
        events[0]["spanId"].as_str().unwrap(),
        events[1]["spanId"].as_str().unwrap(),
    );
    let r = api.get(&format!("/api/v1/runs/{id}/spans/{root}"));
    assert_eq!(r.status, 200, "{}", r.text());
    let span = r.json();
    assert_eq!(
        span,
        json!({
            "spanId": root, "parentId": null, "runId": id, "message": "my-task",
            "isError": true, "isPartial": false, "isCancelled": false, "level": "TRACE",
            "startTime": "2025-03-01T10:00:00.000Z", "durationMs": 3000.0,
            "properties": {}, "events": events[0]["events"], "entityType": "span",
        })
    );
    let span = api
        .get(&format!("/api/v1/runs/{id}/spans/{attempt}"))
        .json();
    assert_eq!(span["parentId"], root);
    assert_eq!(span["message"], "Attempt 1");
    assert_eq!(span["entityType"], "attempt");
    assert_eq!(span["startTime"], "2025-03-01T10:00:01.000Z");
    assert_eq!(span["durationMs"], 2000.0);

    let r = api.get(&format!("/api/v1/runs/{id}/spans/0000000000000000"));
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"error": "Span not found"}))
    );
    let r = api.get(&format!("/api/v1/runs/run_nope/spans/{root}"));
    assert_eq!(r.status, 404);
    // A JWT reads spans of the runs it may read.
    let r = jwt_api(&emu, &[&format!("read:runs:{id}")])
        .get(&format!("/api/v1/runs/{id}/spans/{root}"));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = jwt_api(&emu, &["read:runs:run_other"]).get(&format!("/api/v1/runs/{id}/spans/{root}"));
    assert_eq!(r.status, 403);
}
