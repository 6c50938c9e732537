//! Realtime run feeds over the shape protocol, run streams and input streams: each protocol
//! case with its exact status, headers and body. No test sleeps: the emulator clock is frozen,
//! held live requests are awaited with `wait_realtime_held` (the readiness signal) and ended
//! by a change or by `advance`.

mod common;
#[path = "common/sse.rs"]
mod sse;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use sse::End;
use triggerdev_emulator::{Emulator, FaultRule, Options, SessionOptions};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const HANG_GUARD: Duration = Duration::from_secs(30);

fn frozen() -> Emulator {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    emu
}

/// A key client speaking the 1.0 dialect, as the SDK does.
fn feed_api(emu: &Emulator, token: &str) -> Api {
    Api::new(emu, token)
        .with("x-trigger-electric-version", "1.0.0-beta.1")
        .with("x-trigger-api-version", "2025-07-16")
}

fn dev(emu: &Emulator) -> Api {
    feed_api(emu, emu.seed().dev_key())
}

fn up_to_date() -> Value {
    json!({"headers": {"control": "up-to-date"}})
}

fn must_refetch() -> Value {
    json!({"headers": {"control": "must-refetch"}})
}

/// The messages of a feed answer.
fn messages(r: &Resp) -> Vec<Value> {
    r.json().as_array().cloned().unwrap_or_default()
}

/// The expected `electric-schema` (every column).
fn full_schema() -> Value {
    let t = |ty: &str| json!({ "type": ty });
    let arr = json!({"type": "text", "dims": 1});
    json!({
        "id": t("text"), "taskIdentifier": t("text"), "friendlyId": t("text"),
        "status": t("text"), "ttl": t("text"), "payload": t("text"), "payloadType": t("text"),
        "metadata": t("text"), "metadataType": t("text"), "output": t("text"),
        "outputType": t("text"), "createdAt": t("timestamp"), "updatedAt": t("timestamp"),
        "startedAt": t("timestamp"), "delayUntil": t("timestamp"), "queuedAt": t("timestamp"),
        "expiredAt": t("timestamp"), "completedAt": t("timestamp"), "number": t("int4"),
        "usageDurationMs": t("int4"), "costInCents": t("float8"),
        "baseCostInCents": t("float8"), "isTest": t("bool"), "runTags": arr.clone(),
        "realtimeStreams": arr, "error": t("jsonb"),
    })
}

fn first_row(r: &Resp) -> Value {
    messages(r)[0]["value"].clone()
}

#[test]
fn the_first_request_is_a_snapshot_of_the_run_with_every_column_encoded() {
    let emu = frozen();
    let api = dev(&emu);
    let id = api.trigger(
        "send-email",
        json!({"tags": ["a", "b\"q"], "metadata": {"step": 1}}),
    );
    let r = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let row = first_row(&r);
    let internal = row["id"].as_str().unwrap().to_string();
    assert!(
        internal.starts_with("cm") && internal.len() == 25,
        "{internal}"
    );
    assert_eq!(
        r.header("electric-handle"),
        Some(format!("run-{internal}-1").as_str())
    );
    assert_eq!(
        r.header("electric-offset"),
        Some(format!("{T0}_1").as_str())
    );
    assert_eq!(r.header("electric-up-to-date"), Some(""));
    assert_eq!(r.header("electric-cursor"), None, "only live answers");
    let schema: Value = serde_json::from_str(r.header("electric-schema").unwrap()).unwrap();
    assert_eq!(schema, full_schema());
    assert_eq!(
        r.json(),
        json!([
            {
                "key": format!("\"public\".\"TaskRun\"/\"{internal}\""),
                "value": {
                    "id": internal, "taskIdentifier": "send-email", "friendlyId": id,
                    "status": "PENDING", "ttl": "10m",
                    "payload": "{\"json\":{\"n\":1}}", "payloadType": "application/super+json",
                    "metadata": "{\"step\":1}", "metadataType": "application/json",
                    "output": null, "outputType": null,
                    "createdAt": "2026-01-01T00:00:00.000", "updatedAt": "2026-01-01T00:00:00.000",
                    "startedAt": null, "delayUntil": null, "queuedAt": "2026-01-01T00:00:00.000",
                    "expiredAt": null, "completedAt": null, "number": row["number"],
                    "usageDurationMs": "0", "costInCents": "0", "baseCostInCents": "0",
                    "isTest": "f", "runTags": "{\"a\",\"b\\\"q\"}", "realtimeStreams": "{}",
                    "error": null,
                },
                "headers": {"operation": "insert"},
            },
            up_to_date(),
        ])
    );
    // The same request again opens another shape with the same rows.
    let again = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    assert_eq!(
        again.header("electric-handle"),
        Some(format!("run-{internal}-2").as_str())
    );
    assert_eq!(messages(&again), messages(&r));
}

#[test]
fn a_live_poll_without_a_change_is_held_until_the_hold_ends_then_answers_up_to_date() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(20));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let handle = snap.header("electric-handle").unwrap().to_string();
    let offset = snap.header("electric-offset").unwrap().to_string();
    let path = format!(
        "/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={offset}"
    );
    let live = std::thread::spawn({
        let api = api.clone();
        move || api.get(&path)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    assert_eq!(emu.realtime()["held"], 1);
    emu.advance(Duration::from_secs(19));
    assert_eq!(emu.realtime_held(), 1, "still held before the hold ends");
    emu.advance(Duration::from_secs(1));
    let r = live.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!([up_to_date()]));
    assert_eq!(r.header("electric-handle"), Some(handle.as_str()));
    assert_eq!(r.header("electric-offset"), Some(offset.as_str()));
    assert_eq!(
        r.header("electric-cursor"),
        Some(((T0 + 20_000) / 20_000).to_string().as_str())
    );
    assert_eq!(r.header("electric-schema"), None, "not on live answers");
    assert_eq!(emu.realtime_held(), 0);
}

#[test]
fn a_change_wakes_a_held_live_poll_with_the_updated_row() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(60));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let handle = snap.header("electric-handle").unwrap().to_string();
    let path =
        format!("/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={T0}_1");
    let live = std::thread::spawn({
        let api = api.clone();
        move || api.get(&path)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    emu.advance(Duration::from_secs(5));
    let started = admin(&emu, "POST", &format!("/__emulator/runs/{id}/start"), None);
    assert_eq!(started.status, 200);
    let r = live.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let t5 = T0 + 5000;
    assert_eq!(
        r.header("electric-offset"),
        Some(format!("{t5}_2").as_str())
    );
    let m = messages(&r);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["headers"], json!({"operation": "update"}));
    assert_eq!(m[0]["value"]["status"], "EXECUTING");
    assert_eq!(m[0]["value"]["startedAt"], "2026-01-01T00:00:05.000");
    assert_eq!(m[0]["value"]["updatedAt"], "2026-01-01T00:00:05.000");
    assert_eq!(m[1], up_to_date());

    // Completion: a non-live catch-up from the same offset sees only the newest row, with the
    // output and `completedAt`; the schema comes again on a non-live answer.
    emu.advance(Duration::from_secs(2));
    emu.complete_run(&id, json!({"ok": true})).unwrap();
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?handle={handle}&log=full&offset={T0}_1"
    ));
    assert_eq!(r.status, 200);
    assert!(r.header("electric-schema").is_some());
    assert_eq!(
        r.header("electric-offset"),
        Some(format!("{}_3", T0 + 7000).as_str())
    );
    let row = first_row(&r);
    assert_eq!(messages(&r).len(), 2);
    assert_eq!(row["status"], "COMPLETED_SUCCESSFULLY");
    assert_eq!(row["output"], "{\"ok\":true}");
    assert_eq!(row["outputType"], "application/json");
    assert_eq!(row["completedAt"], "2026-01-01T00:00:07.000");
    assert_eq!(row["usageDurationMs"], "2000");

    // Failures carry a TaskRunError.
    let other = api.trigger("t", json!({}));
    emu.fail_run(&other, json!({"name": "TypeError", "message": "boom"}))
        .unwrap();
    let r = api.get(&format!("/realtime/v1/runs/{other}?log=full&offset=-1"));
    let row = first_row(&r);
    assert_eq!(row["status"], "COMPLETED_WITH_ERRORS");
    let error: Value = serde_json::from_str(row["error"].as_str().unwrap()).unwrap();
    assert_eq!(
        error,
        json!({"type": "BUILT_IN_ERROR", "name": "TypeError", "message": "boom", "stackTrace": ""})
    );
    // A canceled run that never started has `completedAt` too (the feed ends on it).
    let canceled = api.trigger("t", json!({}));
    assert_eq!(
        api.post_empty(&format!("/api/v2/runs/{canceled}/cancel"))
            .status,
        200
    );
    let row = first_row(&api.get(&format!("/realtime/v1/runs/{canceled}?log=full&offset=-1")));
    assert_eq!(row["status"], "CANCELED");
    assert_eq!(row["completedAt"], "2026-01-01T00:00:07.000");
    assert_eq!(
        row["error"],
        json!(json!({"type": "STRING_ERROR", "raw": "Canceled by user"}).to_string())
    );
}

#[test]
fn metadata_updates_and_new_tags_show_up_in_the_feed() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(60));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let handle = snap.header("electric-handle").unwrap().to_string();
    let path =
        format!("/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={T0}_1");
    let live = std::thread::spawn({
        let api = api.clone();
        let path = path.clone();
        move || api.get(&path)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    let r = api.put(
        &format!("/api/v1/runs/{id}/metadata"),
        json!({"metadata": {"progress": 0.5}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = live.join().unwrap();
    assert_eq!(first_row(&r)["metadata"], "{\"progress\":0.5}");

    let r = api.post(
        &format!("/api/v1/runs/{id}/tags"),
        json!({"tags": ["late"]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={T0}_2"
    ));
    assert_eq!(first_row(&r)["runTags"], "{\"late\"}");
}

#[test]
fn a_rotated_or_unknown_handle_gets_409_must_refetch_with_the_new_handle() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(60));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let old = snap.header("electric-handle").unwrap().to_string();

    // A held request is answered 409 as soon as its shape is rotated.
    let path =
        format!("/realtime/v1/runs/{id}?cursor=&handle={old}&live=true&log=full&offset={T0}_1");
    let live = std::thread::spawn({
        let api = api.clone();
        let path = path.clone();
        move || api.get(&path)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    let rotated = admin(&emu, "POST", "/__emulator/realtime/rotate", None).json();
    let new = rotated["rotated"][0]["to"].as_str().unwrap().to_string();
    assert_eq!(rotated["rotated"][0]["from"], old.as_str());
    let r = live.join().unwrap();
    assert_eq!(r.status, 409);
    assert_eq!(r.json(), json!([must_refetch()]));
    assert_eq!(r.header("electric-handle"), Some(new.as_str()));

    // Later requests with the old handle get the same answer.
    let r = api.get(&path);
    assert_eq!(
        (r.status, r.header("electric-handle")),
        (409, Some(new.as_str()))
    );

    // The restart: offset -1 with the new handle (and the expired one) is a snapshot.
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?expired_handle={old}&handle={new}&log=full&offset=-1"
    ));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("electric-handle"), Some(new.as_str()));
    assert_eq!(
        r.header("electric-offset"),
        Some(format!("{T0}_1").as_str())
    );
    assert_eq!(messages(&r)[0]["headers"]["operation"], "insert");

    // A handle the emulator never gave: 409 with a fresh one.
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?handle=nope&log=full&offset={T0}_1"
    ));
    assert_eq!(r.status, 409);
    assert!(r.header("electric-handle").unwrap().starts_with("run-cm"));
    // An offset the shape never reached (e.g. from before a reset): 409 too.
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?handle={new}&log=full&offset={T0}_9"
    ));
    assert_eq!(r.status, 409);
    // A handle of another feed: 400.
    let other = api.trigger("t", json!({}));
    let r = api.get(&format!(
        "/realtime/v1/runs/{other}?handle={new}&log=full&offset={T0}_1"
    ));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        "The specified shape definition and handle do not match"
    );
    let r = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=zz"));
    assert_eq!((r.status, r.error()), (400, "Invalid offset".to_string()));
}

#[test]
fn must_refetch_in_a_200_resends_every_row_at_once() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(60));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let handle = snap.header("electric-handle").unwrap().to_string();
    let n = admin(
        &emu,
        "POST",
        "/__emulator/realtime/must-refetch",
        Some(json!({ "handle": handle })),
    );
    assert_eq!(n.json(), json!({"shapes": 1}));
    // A live request is answered at once, not held.
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={T0}_1"
    ));
    assert_eq!(r.status, 200);
    let m = messages(&r);
    assert_eq!(m.len(), 3);
    assert_eq!(m[0], must_refetch());
    assert_eq!(m[1]["headers"]["operation"], "insert");
    assert_eq!(m[1]["value"]["friendlyId"], id.as_str());
    assert_eq!(m[2], up_to_date());
    assert_eq!(r.header("electric-handle"), Some(handle.as_str()));
    assert_eq!(
        r.header("electric-offset"),
        Some(format!("{T0}_1").as_str())
    );
}

#[test]
fn tag_feeds_match_every_tag_within_the_window_and_wake_on_new_runs() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(60));
    let api = dev(&emu);
    let old = api.trigger("t", json!({"tags": ["a", "b"]}));
    emu.advance(Duration::from_secs(2 * 3600));
    let both = api.trigger("t", json!({"tags": ["a", "b"]}));
    let _only_a = api.trigger("t", json!({"tags": ["a"]}));
    let more = api.trigger("t", json!({"tags": ["b", "c", "a"]}));
    // Another env's run never shows.
    let prod = feed_api(&emu, emu.seed().prod_key());
    let _prod_run = prod.trigger("t", json!({"tags": ["a", "b"]}));

    let r = api.get("/realtime/v1/runs?createdAt=1h&log=full&offset=-1&tags=a%2Cb");
    assert_eq!(r.status, 200, "{}", r.text());
    let handle = r.header("electric-handle").unwrap().to_string();
    assert!(handle.starts_with("runs_"), "{handle}");
    let ids: Vec<Value> = messages(&r)
        .iter()
        .filter_map(|m| m.get("value").map(|v| v["friendlyId"].clone()))
        .collect();
    assert_eq!(ids, [json!(both), json!(more)]);
    // Without createdAt the window is 24 h.
    let r = api.get("/realtime/v1/runs?log=full&offset=-1&tags=a%2Cb");
    assert_eq!(messages(&r).len(), 4, "old, both, more, up-to-date");
    assert_eq!(first_row(&r)["friendlyId"], old.as_str());

    // A new matching run wakes a held request as an insert.
    let offset = format!("{}_2", T0 + 2 * 3600 * 1000);
    let path = format!(
        "/realtime/v1/runs?createdAt=1h&cursor=&handle={handle}&live=true&log=full&offset={offset}&tags=a%2Cb"
    );
    let live = std::thread::spawn({
        let api = api.clone();
        move || api.get(&path)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    let newest = api.trigger("t", json!({"tags": ["a", "b"]}));
    let r = live.join().unwrap();
    let m = messages(&r);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["headers"]["operation"], "insert");
    assert_eq!(m[0]["value"]["friendlyId"], newest.as_str());
}

/// A sealed batch of `n` runs of task `t`; returns (batch id, run ids).
fn batch_of(api: &Api, n: usize) -> (String, Vec<String>) {
    let r = api.post(
        "/api/v3/batches",
        json!({"runCount": n, "taskIdentifiers": ["t"]}),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let lines: Vec<String> = (0..n)
        .map(|i| {
            json!({"index": i, "task": "t", "payload": "{\"json\":{}}",
                "options": {"payloadType": "application/super+json"}})
            .to_string()
        })
        .collect();
    let r = api.send(
        "POST",
        &format!("/api/v3/batches/{id}/items"),
        Some((lines.join("\n") + "\n").as_bytes()),
        "application/x-ndjson",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let runs = api.get(&format!("/api/v1/batches/{id}")).json()["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    (id, runs)
}

#[test]
fn batch_feeds_carry_the_batch_runs_and_their_changes() {
    let emu = frozen();
    let api = dev(&emu);
    let (batch, runs) = batch_of(&api, 2);
    assert_eq!(runs.len(), 2, "batch retrieve lists its runs");
    let _outside = api.trigger("t", json!({}));
    let r = api.get(&format!("/realtime/v1/batches/{batch}?log=full&offset=-1"));
    assert_eq!(r.status, 200, "{}", r.text());
    let handle = r.header("electric-handle").unwrap().to_string();
    assert!(handle.starts_with(&format!("batch_{batch}_")), "{handle}");
    let ids: Vec<Value> = messages(&r)
        .iter()
        .filter_map(|m| m.get("value").map(|v| v["friendlyId"].clone()))
        .collect();
    assert_eq!(ids, [json!(runs[0]), json!(runs[1])]);
    emu.complete_run(&runs[1], json!(1)).unwrap();
    let r = api.get(&format!(
        "/realtime/v1/batches/{batch}?cursor=&handle={handle}&live=true&log=full&offset={T0}_2"
    ));
    let m = messages(&r);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["value"]["friendlyId"], runs[1].as_str());
    assert_eq!(m[0]["value"]["status"], "COMPLETED_SUCCESSFULLY");
    let r = api.get("/realtime/v1/batches/batch_missing?log=full&offset=-1");
    assert_eq!((r.status, r.json()), (404, json!({"error": "Not found"})));
}

#[test]
fn public_tokens_need_the_run_tag_or_batch_scope() {
    let emu = frozen();
    let api = dev(&emu);
    let tagged = api.trigger("t", json!({"tags": ["team-a"]}));
    let other = api.trigger("t", json!({}));
    let (batch, _) = batch_of(&api, 1);
    let feed = |scopes: &[&str], path: &str| -> Resp {
        jwt_api(&emu, scopes)
            .with("x-trigger-electric-version", "1.0.0-beta.1")
            .get(path)
    };
    let run_path = |id: &str| format!("/realtime/v1/runs/{id}?log=full&offset=-1");
    let tag_path = |t: &str| format!("/realtime/v1/runs?log=full&offset=-1&tags={t}");
    let batch_path = |b: &str| format!("/realtime/v1/batches/{b}?log=full&offset=-1");

    let own = format!("read:runs:{tagged}");
    assert_eq!(feed(&[&own], &run_path(&tagged)).status, 200);
    let r = feed(&[&own], &run_path(&other));
    assert_eq!((r.status, r.json()), (403, scope_error()));
    assert_eq!(feed(&["read:tags:team-a"], &run_path(&tagged)).status, 200);
    assert_eq!(feed(&["read:tags:team-a"], &run_path(&other)).status, 403);
    assert_eq!(feed(&["read:runs"], &run_path(&other)).status, 200);

    assert_eq!(feed(&["read:tags:team-a"], &tag_path("team-a")).status, 200);
    assert_eq!(feed(&["read:tags"], &tag_path("team-a")).status, 200);
    let r = feed(&["read:tags:team-a"], &tag_path("team-b"));
    assert_eq!((r.status, r.json()), (403, scope_error()));
    assert_eq!(feed(&[&own], &tag_path("team-a")).status, 403);

    let b = format!("read:batch:{batch}");
    assert_eq!(feed(&[&b], &batch_path(&batch)).status, 200);
    assert_eq!(feed(&["read:runs"], &batch_path(&batch)).status, 200);
    let r = feed(&[&own], &batch_path(&batch));
    assert_eq!((r.status, r.json()), (403, scope_error()));

    // Secret keys read everything; a missing run is 404 before any scope check.
    assert_eq!(api.get(&run_path(&other)).status, 200);
    let r = feed(&[&own], &run_path("run_missing"));
    assert_eq!((r.status, r.json()), (404, json!({"error": "Not found"})));
    let r = Api::anonymous(&emu).get(&run_path(&other));
    assert_eq!(r.status, 401);
}

#[test]
fn skip_columns_leaves_columns_out_of_rows_and_schema_but_never_the_required_ones() {
    let emu = frozen();
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?log=full&offset=-1&skipColumns=payload%2Coutput%2Cid%2Cstatus"
    ));
    let row = first_row(&r);
    assert!(row.get("payload").is_none() && row.get("output").is_none());
    assert_eq!(row["status"], "PENDING");
    assert!(row["id"].is_string());
    let schema: Value = serde_json::from_str(r.header("electric-schema").unwrap()).unwrap();
    let mut expected = full_schema();
    expected.as_object_mut().unwrap().remove("payload");
    expected.as_object_mut().unwrap().remove("output");
    assert_eq!(schema, expected);
}

#[test]
fn a_public_tokens_skip_columns_claim_removes_columns_on_top_of_the_querys() {
    let emu = frozen();
    let id = dev(&emu).trigger("t", json!({}));
    let now = now_secs();
    let token = mint(
        emu.seed().dev_key(),
        json!({"sub": emu.seed().env_id("dev"), "pub": true, "scopes": [format!("read:runs:{id}")],
            "iat": now, "exp": now + 600, "realtime": {"skipColumns": ["payload", "status"]}}),
    );
    let r = feed_api(&emu, &token).get(&format!(
        "/realtime/v1/runs/{id}?log=full&offset=-1&skipColumns=output"
    ));
    assert_eq!(r.status, 200);
    let row = first_row(&r);
    assert!(row.get("payload").is_none() && row.get("output").is_none());
    assert_eq!(row["status"], "PENDING", "status cannot be skipped");
    let schema: Value = serde_json::from_str(r.header("electric-schema").unwrap()).unwrap();
    let mut expected = full_schema();
    expected.as_object_mut().unwrap().remove("payload");
    expected.as_object_mut().unwrap().remove("output");
    assert_eq!(schema, expected);
}

#[test]
fn without_the_electric_version_header_the_server_speaks_the_pre_1_0_dialect() {
    let emu = frozen();
    let api = Api::new(&emu, emu.seed().dev_key());
    let id = api.trigger("t", json!({}));
    let r = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("electric-handle"), None);
    assert_eq!(r.header("electric-offset"), None);
    let shape = r.header("electric-shape-id").unwrap().to_string();
    assert_eq!(
        r.header("electric-chunk-last-offset"),
        Some(format!("{T0}_1").as_str())
    );
    // It reads `shape_id`, not `handle`.
    let r = api.get(&format!(
        "/realtime/v1/runs/{id}?log=full&offset={T0}_1&shape_id={shape}"
    ));
    assert_eq!((r.status, r.json()), (200, json!([up_to_date()])));
}

#[test]
fn faults_hit_live_polls_a_429_and_a_drop_after_the_change() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(60));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let handle = snap.header("electric-handle").unwrap().to_string();
    let live =
        format!("/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={T0}_1");
    let mut too_many = FaultRule::status(429)
        .path("/realtime/v1/")
        .query("live=true")
        .times(1);
    too_many.body = Some(json!({"error": "Too many concurrent requests"}));
    emu.add_fault(too_many);
    // Non-live requests pass.
    assert_eq!(
        api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"))
            .status,
        200
    );
    let r = api.get(&live);
    assert_eq!(
        (r.status, r.json()),
        (429, json!({"error": "Too many concurrent requests"}))
    );

    // A drop after the handler: the hold ends with the change, then the connection is cut;
    // the same request again gets the change.
    emu.add_fault(
        FaultRule::drop_connection()
            .path("/realtime/v1/")
            .query("live=true")
            .after_handler()
            .times(1),
    );
    let cut = std::thread::spawn({
        let api = api.clone();
        let live = live.clone();
        move || raw_get(&api, &live)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    emu.start_run(&id).unwrap();
    let bytes = cut.join().unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains("EXECUTING"),
        "the answer was cut before its body"
    );
    let r = api.get(&live);
    assert_eq!(r.status, 200);
    assert_eq!(first_row(&r)["status"], "EXECUTING");
    let log = emu.requests();
    let faulted: Vec<&Value> = log.iter().filter(|e| e["fault"] == true).collect();
    assert_eq!(faulted.len(), 2);
    assert!(faulted
        .iter()
        .all(|e| e["rawQuery"].as_str().unwrap().contains("live=true")));
}

/// The raw bytes of a GET (for a cut connection, whatever arrived).
fn raw_get(api: &Api, path: &str) -> Vec<u8> {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nx-trigger-electric-version: 1.0.0-beta.1\r\nConnection: close\r\n\r\n",
        host_port(&api.base),
        api.token.as_deref().unwrap()
    );
    raw(&api.base, req.as_bytes())
}

#[test]
fn stored_payloads_have_a_packet_url() {
    let emu = frozen();
    let api = dev(&emu);
    let id = api.trigger("t", json!({"payloadType": "application/store"}));
    // `trigger` sends a superjson string as the payload; with the store type it is the path.
    let r = api.get(&format!("/api/v1/runs/{id}/packets/payload"));
    assert_eq!(r.status, 200, "{}", r.text());
    let url = r.json()["presignedUrl"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/__emulator/packets/", emu.base_url())),
        "{url}"
    );
    let r = api.get(&format!("/api/v1/runs/{id}/packets/output"));
    assert_eq!((r.status, r.error()), (404, "Packet not found".to_string()));
}

fn draining() -> Emulator {
    Emulator::start_with(Options {
        sessions: SessionOptions {
            sse_linger: Some(Duration::ZERO),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn v2_run_streams_send_s2_batches_and_resume_after_last_event_id() {
    let emu = draining();
    let api = Api::new(&emu, emu.seed().dev_key()).with("x-trigger-realtime-streams-version", "v2");
    let id = api.trigger("t", json!({}));
    let seqs = emu
        .append_run_stream(
            &id,
            "llm",
            json!([{"data": {"t": "a"}, "id": "p0"}, {"command": "fence"}, {"data": "b", "id": "p2"}]),
        )
        .unwrap();
    assert_eq!(seqs, [0, 1, 2]);
    let token = emu.seed().dev_key().to_string();
    let mut s = sse::open(
        emu.base_url(),
        &format!("/realtime/v1/streams/{id}/llm"),
        &token,
        &[],
    );
    assert_eq!(s.status, 200);
    assert_eq!(s.header("x-stream-version"), Some("v2"));
    let (events, end) = s.rest();
    assert_eq!(end, End::Clean);
    let batch = events.iter().find(|e| e.is("batch")).unwrap().json();
    let records = batch["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0]["body"],
        json!({"data": {"t": "a"}, "id": "p0"}).to_string()
    );
    assert_eq!(records[1]["headers"], json!([["", "fence"]]));
    assert!(events.last().unwrap().is_done());

    let mut s = sse::open(
        emu.base_url(),
        &format!("/realtime/v1/streams/{id}/llm"),
        &token,
        &[("Last-Event-ID", "1")],
    );
    let (events, _) = s.rest();
    let batch = events.iter().find(|e| e.is("batch")).unwrap().json();
    assert_eq!(batch["records"].as_array().unwrap().len(), 1);
    assert_eq!(batch["records"][0]["seq_num"], 2);

    // The run's `realtimeStreams` column lists the key.
    let r = dev(&emu).get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    assert_eq!(first_row(&r)["realtimeStreams"], "{\"llm\"}");
    let bad = Api::new(&emu, &token)
        .with("Timeout-Seconds", "0")
        .get(&format!("/realtime/v1/streams/{id}/llm"));
    assert_eq!(bad.status, 400);
    let missing = Api::new(&emu, &token).get("/realtime/v1/streams/run_missing/llm");
    assert_eq!(missing.status, 404);
}

#[test]
fn v1_run_streams_send_id_and_data_and_end_after_inactivity() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().dev_key());
    let id = api.trigger("t", json!({}));
    emu.append_run_stream(
        &id,
        "out",
        json!([{"data": {"a": 1}}, {"command": "fence"}, {"data": "text"}]),
    )
    .unwrap();
    let token = emu.seed().dev_key().to_string();
    let path = format!("/realtime/v1/streams/{id}/out");
    // The stream ends one second (emulator clock, which runs) after its last record.
    let mut s = sse::open(emu.base_url(), &path, &token, &[("Timeout-Seconds", "1")]);
    assert_eq!(s.status, 200);
    assert_eq!(s.header("x-stream-version"), None);
    let (events, end) = s.rest();
    assert_eq!(end, End::Clean);
    let got: Vec<(String, String)> = events
        .iter()
        .map(|e| (e.id.clone().unwrap(), e.data.clone()))
        .collect();
    assert_eq!(got.len(), 2);
    assert!(
        got[0].0.ends_with("-0") && got[1].0.ends_with("-2"),
        "{got:?}"
    );
    assert_eq!(got[0].1, "{\"a\":1}");
    assert_eq!(got[1].1, "text");
    let mut s = sse::open(
        emu.base_url(),
        &path,
        &token,
        &[("Timeout-Seconds", "1"), ("Last-Event-ID", &got[0].0)],
    );
    let data: Vec<String> = s.rest().0.into_iter().map(|e| e.data).collect();
    assert_eq!(data, ["text"]);
}

#[test]
fn input_stream_sends_are_recorded() {
    let emu = frozen();
    let api = Api::new(&emu, emu.seed().dev_key());
    let id = api.trigger("t", json!({}));
    let r = api.post(
        &format!("/realtime/v1/streams/{id}/input/approval"),
        json!({"data": "yes"}),
    );
    assert_eq!((r.status, r.json()), (200, json!({"ok": true})));
    assert_eq!(
        emu.realtime()["inputs"],
        json!([{"envId": emu.seed().env_id("dev"), "runId": id, "streamId": "approval",
            "data": "yes", "at": "2026-01-01T00:00:00.000Z"}])
    );
    let r = api.post(
        "/realtime/v1/streams/run_missing/input/approval",
        json!({"data": 1}),
    );
    assert_eq!((r.status, r.error()), (404, "Run not found".to_string()));
    let r = api.post(
        &format!("/realtime/v1/streams/{id}/input/approval"),
        json!({}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn a_reset_ends_held_polls_with_409() {
    let emu = frozen();
    emu.set_realtime_hold(Duration::from_secs(600));
    let api = dev(&emu);
    let id = api.trigger("t", json!({}));
    let snap = api.get(&format!("/realtime/v1/runs/{id}?log=full&offset=-1"));
    let handle = snap.header("electric-handle").unwrap().to_string();
    let path =
        format!("/realtime/v1/runs/{id}?cursor=&handle={handle}&live=true&log=full&offset={T0}_1");
    let live = std::thread::spawn({
        let api = api.clone();
        move || api.get(&path)
    });
    assert!(emu.wait_realtime_held(1, HANG_GUARD));
    emu.reset();
    let r = live.join().unwrap();
    assert_eq!(r.status, 409);
    assert_eq!(
        r.header("electric-handle"),
        Some(format!("{handle}-next").as_str())
    );
    assert_eq!(emu.realtime_held(), 0);
}
