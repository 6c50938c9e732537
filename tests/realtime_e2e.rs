//! Realtime end to end: run subscriptions, tag and batch feeds, `wait`, and
//! `trigger_and_subscribe` against the emulator's shape protocol, including 409 restarts,
//! `must-refetch`, faults on live polls and public tokens. Changes are made only once the
//! emulator reports the SDK's live request held (`wait_realtime_held`), so each change wakes a
//! hold and every status is seen in order; no test sleeps.

mod common;

use std::time::Duration;

use common::emulator_client as client;
use serde_json::{json, Value};
use triggerdev::{
    BatchItem, BatchTriggerOptions, Client, Config, Env, Error, Run, RunStatus,
    SubscribeRunOptions, SubscribeRunsOptions, TriggerOptions,
};
use triggerdev_emulator::{Emulator, FaultRule};

const HANG_GUARD: Duration = Duration::from_secs(30);

/// Runs `change` on another thread once the SDK's next live request is held.
fn when_held<'s, T: Send + 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    emu: &'s Emulator,
    change: impl FnOnce(&Emulator) -> T + Send + 's,
) -> std::thread::ScopedJoinHandle<'s, T> {
    scope.spawn(move || {
        assert!(
            emu.wait_realtime_held(1, HANG_GUARD),
            "no live request held"
        );
        change(emu)
    })
}

/// The realtime requests the emulator received: (path, raw query, status).
fn feed_requests(emu: &Emulator) -> Vec<(String, String, Value)> {
    emu.requests()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/realtime/"))
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["rawQuery"].as_str().unwrap().to_string(),
                r["status"].clone(),
            )
        })
        .collect()
}

fn next(sub: &mut triggerdev::RunSubscription) -> Run {
    sub.next().expect("a run").expect("no error")
}

#[test]
fn a_subscription_yields_each_status_in_order_and_ends_after_the_run_finished() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let id = c
        .tasks()
        .trigger(
            "email/send",
            &json!({"to": "ada"}),
            &TriggerOptions::new()
                .tag("welcome")
                .metadata(json!({"step": 1})),
        )
        .unwrap()
        .id;
    let mut sub = c
        .runs()
        .subscribe(&id, &SubscribeRunOptions::new())
        .unwrap();
    let first = next(&mut sub);
    assert_eq!(first.id, id);
    assert_eq!(first.task_identifier, "email/send");
    assert_eq!(first.status, RunStatus::Queued);
    assert!(first.is_queued && !first.is_completed);
    assert_eq!(first.tags, ["welcome"]);
    assert_eq!(
        first.payload.as_ref().map(|p| p.to_value()),
        Some(json!({"to": "ada"}))
    );
    assert_eq!(
        first.metadata.as_ref().map(|m| m.to_value()),
        Some(json!({"step": 1}))
    );
    assert_eq!(first.ttl, None, "not exposed by the feed");
    assert!(first.created_at.ends_with('Z'), "{}", first.created_at);

    let executing = std::thread::scope(|s| {
        when_held(s, &emu, |e| e.start_run(&id).unwrap());
        next(&mut sub)
    });
    assert_eq!(executing.status, RunStatus::Executing);
    assert!(executing.is_executing && executing.started_at.is_some());

    let done = std::thread::scope(|s| {
        when_held(s, &emu, |e| {
            e.complete_run(&id, json!({"ok": true})).unwrap()
        });
        next(&mut sub)
    });
    assert_eq!(done.status, RunStatus::Completed);
    assert!(done.is_completed && done.is_success && done.finished_at.is_some());
    assert_eq!(
        done.output.as_ref().map(|o| o.to_value()),
        Some(json!({"ok": true}))
    );
    assert!(sub.next().is_none(), "ends after the run finished");

    // One snapshot and two live polls; nothing after the run finished.
    let reqs = feed_requests(&emu);
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert_eq!(reqs[0].1, "log=full&offset=-1");
    assert!(reqs[1].1.contains("live=true") && reqs[2].1.contains("live=true"));
    assert!(reqs.iter().all(|r| r.2 == 200));
}

#[test]
fn wait_returns_the_finished_run_or_a_timeout_carrying_the_last_run() {
    let emu = Emulator::start().unwrap();
    // The real clock: `wait`'s deadline is wall time.
    let c = Client::with_env(
        Config::new()
            .access_token(emu.seed().dev_key())
            .base_url(emu.base_url()),
        &Env::default(),
    );
    let id = c
        .tasks()
        .trigger("t", &json!({}), &Default::default())
        .unwrap()
        .id;
    let run = std::thread::scope(|s| {
        when_held(s, &emu, |e| {
            e.fail_run(&id, json!({"name": "TypeError", "message": "boom"}))
                .unwrap()
        });
        c.runs().wait(&id, HANG_GUARD).unwrap()
    });
    assert_eq!(run.status, RunStatus::Failed);
    assert!(run.is_failed && run.is_completed && !run.is_success);
    let error = run.error.unwrap();
    assert_eq!(
        (error.name.as_deref(), error.message.as_str()),
        (Some("TypeError"), "boom")
    );

    // A run that never finishes: the typed timeout, with the run as last seen.
    let stuck = c
        .tasks()
        .trigger("t", &json!({}), &Default::default())
        .unwrap()
        .id;
    match c.runs().wait(&stuck, Duration::from_millis(300)) {
        Err(Error::WaitTimeout { timeout, last_run }) => {
            assert_eq!(timeout, Duration::from_millis(300));
            let last = last_run.expect("the last run");
            assert_eq!(
                (last.id.as_str(), last.status),
                (stuck.as_str(), RunStatus::Queued)
            );
        }
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
    assert!(matches!(
        c.runs().wait(&stuck, Duration::ZERO),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn a_tag_subscription_yields_matching_runs_as_they_come_and_stops_from_another_thread() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let trigger = |tags: &[&str]| {
        let mut o = TriggerOptions::new();
        for t in tags {
            o = o.tag(*t);
        }
        c.tasks().trigger("t", &json!({}), &o).unwrap().id
    };
    let a = trigger(&["org-1", "vip"]);
    let _other = trigger(&["org-1"]);
    let mut sub = c
        .runs()
        .subscribe_tagged(
            &["org-1", "vip"],
            &SubscribeRunsOptions::new().created_at("1h"),
        )
        .unwrap();
    assert_eq!(next(&mut sub).id, a);
    let (got, b) = std::thread::scope(|s| {
        let h = when_held(s, &emu, |_| trigger(&["vip", "org-1"]));
        let got = next(&mut sub);
        (got, h.join().unwrap())
    });
    assert_eq!(
        (got.id.as_str(), got.status),
        (b.as_str(), RunStatus::Queued)
    );
    let q = feed_requests(&emu);
    assert!(
        q[0].1.contains("createdAt=1h") && q[0].1.contains("tags=org-1%2Cvip"),
        "{q:?}"
    );

    // Stopped while its live request is held: `next` ends with None.
    let stopper = sub.stopper();
    let end = std::thread::scope(|s| {
        when_held(s, &emu, move |_| stopper.stop());
        sub.next()
    });
    assert!(end.is_none());
    assert!(matches!(
        c.runs().subscribe_tagged(&[], &SubscribeRunsOptions::new()),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn a_batch_subscription_yields_the_batch_runs_and_their_changes() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let items = [
        BatchItem::new("t", &json!({"i": 0})).unwrap(),
        BatchItem::new("t", &json!({"i": 1})).unwrap(),
    ];
    let batch = c
        .tasks()
        .batch_trigger(&items, &BatchTriggerOptions::new())
        .unwrap();
    let mut sub = c
        .batches()
        .subscribe(&batch.batch_id, &SubscribeRunsOptions::new())
        .unwrap();
    let first = [next(&mut sub), next(&mut sub)];
    let payloads: Vec<Value> = first
        .iter()
        .map(|r| r.payload.as_ref().unwrap().to_value())
        .collect();
    assert_eq!(payloads, [json!({"i": 0}), json!({"i": 1})]);
    let target = first[1].id.clone();
    let changed = std::thread::scope(|s| {
        when_held(s, &emu, |e| e.complete_run(&target, json!("done")).unwrap());
        next(&mut sub)
    });
    assert_eq!(
        (changed.id.as_str(), changed.status),
        (target.as_str(), RunStatus::Completed)
    );
    assert_eq!(changed.output.map(|o| o.to_value()), Some(json!("done")));
}

#[test]
fn trigger_and_subscribe_leaves_the_payload_out_and_ends_when_the_run_finishes() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let mut sub = c
        .tasks()
        .trigger_and_subscribe("t", &json!({"big": true}), &TriggerOptions::new())
        .unwrap();
    let first = next(&mut sub);
    assert_eq!(first.status, RunStatus::Queued);
    assert!(first.payload.is_none(), "skipColumns=payload");
    let id = first.id.clone();
    let last = std::thread::scope(|s| {
        when_held(s, &emu, |e| {
            let r = emu_cancel(e, &id);
            assert_eq!(r, 200);
        });
        next(&mut sub)
    });
    assert_eq!(last.status, RunStatus::Canceled);
    assert!(last.is_cancelled && !last.is_completed && last.finished_at.is_some());
    assert!(sub.next().is_none());
    let q = feed_requests(&emu);
    assert!(q[0].1.contains("skipColumns=payload"), "{q:?}");
}

/// Cancels through the API (what a user's other process would do); returns the status.
fn emu_cancel(emu: &Emulator, id: &str) -> u16 {
    let c = client(emu, emu.seed().dev_key());
    match c.runs().cancel(id) {
        Ok(_) => 200,
        Err(e) => panic!("cancel failed: {e}"),
    }
}

#[test]
fn a_rotated_shape_and_must_refetch_restart_without_repeating_a_run() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let id = c
        .tasks()
        .trigger("t", &json!({}), &Default::default())
        .unwrap()
        .id;
    let mut sub = c
        .runs()
        .subscribe(&id, &SubscribeRunOptions::new())
        .unwrap();
    assert_eq!(next(&mut sub).status, RunStatus::Queued);
    // Rotate while the live request is held, then change the run once the restarted
    // subscription is live again: the next yield is the change, not the queued run again.
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            assert!(emu.wait_realtime_held(1, HANG_GUARD));
            let rotated = emu.rotate_realtime_shapes(None);
            assert_eq!(rotated.len(), 1);
            // The 409 ends that hold; the restart's snapshot repeats the row (not yielded),
            // then a new live request is held.
            assert!(emu.wait_realtime_held(1, HANG_GUARD));
            emu.start_run(&id).unwrap();
        });
        next(&mut sub)
    });
    assert_eq!(got.status, RunStatus::Executing);
    let q = feed_requests(&emu);
    let conflict = q.iter().position(|r| r.2 == 409).expect("a 409");
    assert!(q[conflict + 1].1.contains("expired_handle="), "{q:?}");
    assert!(q[conflict + 1].1.contains("offset=-1"), "{q:?}");
    assert!(q[conflict + 2..]
        .iter()
        .all(|r| r.1.contains("expired_handle=")));

    let got = std::thread::scope(|s| {
        s.spawn(|| {
            assert!(emu.wait_realtime_held(1, HANG_GUARD));
            assert_eq!(emu.realtime_must_refetch(None), 1);
            assert!(emu.wait_realtime_held(1, HANG_GUARD));
            emu.complete_run(&id, json!(1)).unwrap();
        });
        next(&mut sub)
    });
    assert_eq!(
        got.status,
        RunStatus::Completed,
        "the refetch repeated nothing"
    );
    assert!(sub.next().is_none());
}

#[test]
fn faults_on_live_polls_are_retried_from_the_same_offset_losing_nothing() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let id = c
        .tasks()
        .trigger("t", &json!({}), &Default::default())
        .unwrap()
        .id;
    let mut sub = c
        .runs()
        .subscribe(&id, &SubscribeRunOptions::new())
        .unwrap();
    assert_eq!(next(&mut sub).status, RunStatus::Queued);
    let mut too_many = FaultRule::status(429)
        .path("/realtime/v1/")
        .query("live=true")
        .times(2);
    too_many.body = Some(json!({"error": "Too many concurrent requests"}));
    emu.add_fault(too_many);
    // The change ends the hold, then the connection is cut before the answer.
    emu.add_fault(
        FaultRule::drop_connection()
            .path("/realtime/v1/")
            .query("live=true")
            .after_handler()
            .times(1),
    );
    let got = std::thread::scope(|s| {
        when_held(s, &emu, |e| e.start_run(&id).unwrap());
        next(&mut sub)
    });
    assert_eq!(got.status, RunStatus::Executing);
    let q = feed_requests(&emu);
    let live: Vec<&(String, String, Value)> = q.iter().skip(1).collect();
    assert_eq!(
        live.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
        [json!(429), json!(429), Value::Null, json!(200)],
        "{q:?}"
    );
    assert!(
        live.iter().all(|r| r.1 == live[0].1),
        "the same URL each time: {q:?}"
    );
    let got = std::thread::scope(|s| {
        when_held(s, &emu, |e| e.complete_run(&id, json!(null)).unwrap());
        next(&mut sub)
    });
    assert_eq!(got.status, RunStatus::Completed);
    assert!(sub.next().is_none());
}

#[test]
fn errors_end_a_subscription_typed_once() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let handle = c
        .tasks()
        .trigger("t", &json!({}), &Default::default())
        .unwrap();
    let other = c
        .tasks()
        .trigger("t", &json!({}), &Default::default())
        .unwrap();

    // The run's public token reads that run, and no other.
    let token = handle.public_access_token.clone().unwrap();
    let public = client(&emu, &token);
    let mut sub = public
        .runs()
        .subscribe(&handle.id, &SubscribeRunOptions::new())
        .unwrap();
    assert_eq!(next(&mut sub).id, handle.id);
    let mut sub = public
        .runs()
        .subscribe(&other.id, &SubscribeRunOptions::new())
        .unwrap();
    assert!(matches!(sub.next(), Some(Err(Error::PermissionDenied(_)))));
    assert!(sub.next().is_none());

    let mut sub = c
        .runs()
        .subscribe("run_missing", &SubscribeRunOptions::new())
        .unwrap();
    match sub.next() {
        Some(Err(Error::NotFound(e))) => assert_eq!(e.message, "Not found"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(sub.next().is_none());

    // A 200 without the protocol headers (a proxy's page, say) is a typed error, not a stall.
    let mut fault = FaultRule::status(200).path("/realtime/v1/").times(1);
    fault.body = Some(json!({"hello": "proxy"}));
    emu.add_fault(fault);
    let mut sub = c
        .runs()
        .subscribe(&handle.id, &SubscribeRunOptions::new())
        .unwrap();
    match sub.next() {
        Some(Err(Error::Decode { message, .. })) => {
            assert!(message.contains("electric-handle"), "{message}")
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}
