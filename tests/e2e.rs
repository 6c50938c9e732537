//! End to end: the SDK against the local emulator, every operation and every error a user can
//! hit, and nothing lost when faults force retries.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{clock_now as clock, emulator_client as client, no_retry};
use serde_json::json;
use triggerdev::{
    BatchItem, BatchStatus, BatchTriggerOptions, Client, Config, CreateEnvVar, CreateSchedule, Env,
    Error, ImportEnvVars, ListRunsParams, ListSchedulesParams, PollOptions, RawJson,
    RequestOptions, RetryPolicy, RunOutcome, RunStatus, TriggerOptions, UpdateMetadata,
    UpdateSchedule,
};
use triggerdev_emulator::{Emulator, FaultRule};

#[test]
fn runs_trigger_list_retrieve_cancel_replay_reschedule_tags_metadata_result() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());

    let handle = c
        .tasks()
        .trigger(
            "email/send",
            &json!({"to": "ada"}),
            &TriggerOptions::new()
                .tag("welcome")
                .metadata(json!({"step": 1})),
        )
        .unwrap();
    assert!(handle.id.starts_with("run_"));
    assert!(handle
        .public_access_token
        .as_deref()
        .unwrap()
        .starts_with("eyJ"));

    let run = c.runs().retrieve(&handle.id).unwrap();
    assert_eq!(run.task_identifier, "email/send");
    assert_eq!(run.status, RunStatus::Queued);
    assert_eq!(
        run.payload.as_ref().map(RawJson::to_value),
        Some(json!({"to": "ada"}))
    );
    assert_eq!(run.tags, ["welcome"]);

    let text = c
        .tasks()
        .trigger("echo", "plain text", &TriggerOptions::new())
        .unwrap();
    assert_eq!(
        c.runs()
            .retrieve(&text.id)
            .unwrap()
            .payload
            .map(|p| p.to_value()),
        Some(json!("plain text"))
    );

    let page = c
        .runs()
        .list(&ListRunsParams::new().task_identifier("email/send"))
        .unwrap();
    assert_eq!(
        page.data.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [handle.id.as_str()]
    );

    let message = c.runs().add_tags(&handle.id, &["vip", "eu"]).unwrap();
    assert_eq!(message, "Successfully set 2 new tags.");
    assert_eq!(
        c.runs().retrieve(&handle.id).unwrap().tags,
        ["welcome", "vip", "eu"]
    );

    let metadata = c
        .runs()
        .update_metadata(
            &handle.id,
            &UpdateMetadata::operations(vec![
                json!({"type": "increment", "key": "step", "value": 2}),
            ]),
        )
        .unwrap();
    assert_eq!(metadata, json!({"step": 3}));

    assert_eq!(
        c.runs().outcome(&handle.id).unwrap(),
        RunOutcome::NotFinished {
            status: RunStatus::Queued
        },
        "not finished yet"
    );
    emu.complete_run(&handle.id, json!({"sent": true})).unwrap();
    match c.runs().outcome(&handle.id).unwrap() {
        RunOutcome::Succeeded { output } => {
            assert_eq!(output.map(|o| o.to_value()), Some(json!({"sent": true})))
        }
        other => panic!("{other:?}"),
    }
    let done = c
        .runs()
        .poll(
            &handle.id,
            &PollOptions::new().interval(Duration::from_millis(10)),
        )
        .unwrap();
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(
        done.output.as_ref().map(RawJson::to_value),
        Some(json!({"sent": true}))
    );

    assert_eq!(c.runs().cancel(&text.id).unwrap(), text.id);
    assert_eq!(
        c.runs().retrieve(&text.id).unwrap().status,
        RunStatus::Canceled
    );
    let replay = c.runs().replay(&text.id, &Default::default()).unwrap();
    assert_ne!(replay, text.id);
    assert_eq!(
        c.runs()
            .retrieve(&replay)
            .unwrap()
            .payload
            .map(|p| p.to_value()),
        Some(json!("plain text"))
    );

    let delayed = c
        .tasks()
        .trigger("later", &json!({}), &TriggerOptions::new().delay("1h"))
        .unwrap();
    assert_eq!(
        c.runs().retrieve(&delayed.id).unwrap().status,
        RunStatus::Delayed
    );
    let moved = c.runs().reschedule(&delayed.id, "2h").unwrap();
    assert_eq!(moved.status, RunStatus::Delayed);
    let err = c.runs().reschedule(&text.id, "2h").unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "400 Cannot reschedule a run that is not delayed"
    );
    // The canceled run: failed, with the cancel as its error.
    match c.runs().outcome(&text.id).unwrap() {
        RunOutcome::Failed { status, error } => {
            assert_eq!(status, RunStatus::Canceled);
            assert_eq!(error.unwrap().message, "Canceled by user");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_pages_and_the_lazy_iterator_see_every_run_once() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let mut ids = HashSet::new();
    for i in 0..23 {
        ids.insert(
            c.tasks()
                .trigger("many", &json!({"i": i}), &TriggerOptions::new())
                .unwrap()
                .id,
        );
    }
    let first = c.runs().list(&ListRunsParams::new().limit(10)).unwrap();
    assert_eq!(first.data.len(), 10);
    assert!(first.has_next_page());
    let mut iter = c.runs().iter(&ListRunsParams::new().limit(10)).unwrap();
    let seen: HashSet<String> = iter.by_ref().map(|r| r.unwrap().id).collect();
    assert_eq!(seen, ids);
    assert_eq!(iter.pages_fetched(), 3);
}

#[test]
fn idempotency_keys_return_the_same_run() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let opts = TriggerOptions::new().idempotency_key("order-42");
    let a = c
        .tasks()
        .trigger("charge", &json!({"n": 1}), &opts)
        .unwrap();
    let b = c
        .tasks()
        .trigger("charge", &json!({"n": 1}), &opts)
        .unwrap();
    assert_eq!(a.id, b.id);
    assert!(!a.is_cached && b.is_cached);
    assert_eq!(emu.runs().len(), 1);
}

#[test]
fn batch_trigger_creates_every_run_and_retrieve_reports_them() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let items: Vec<BatchItem> = (0..5)
        .map(|i| BatchItem::new(if i % 2 == 0 { "even" } else { "odd" }, &json!({"i": i})).unwrap())
        .collect();
    let handle = c
        .tasks()
        .batch_trigger(
            &items,
            &BatchTriggerOptions::new().idempotency_key("nightly"),
        )
        .unwrap();
    assert_eq!(handle.run_count, 5);
    let batch = c.batches().retrieve(&handle.batch_id).unwrap();
    assert_eq!(batch.runs.len(), 5);
    // Sealed, but its runs have not finished.
    assert_eq!(batch.status, BatchStatus::Pending);
    for run in &batch.runs {
        emu.complete_run(run, json!(null)).unwrap();
    }
    let batch = c.batches().retrieve(&handle.batch_id).unwrap();
    assert_eq!(batch.status, BatchStatus::Completed);
    let again = c
        .tasks()
        .batch_trigger(
            &items,
            &BatchTriggerOptions::new().idempotency_key("nightly"),
        )
        .unwrap();
    assert!(again.is_cached);
    assert_eq!(again.batch_id, handle.batch_id);
    assert_eq!(emu.runs().len(), 5, "the cached batch created no runs");
}

#[test]
fn large_payloads_are_offloaded_and_read_back() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let payload = json!({"blob": "z".repeat(200_000)});
    let handle = c
        .tasks()
        .trigger("big", &payload, &TriggerOptions::new())
        .unwrap();
    let stored = emu.run(&handle.id).unwrap();
    assert_eq!(stored["payloadType"], "application/store");
    let run = c.runs().retrieve(&handle.id).unwrap();
    assert!(run.payload_presigned_url.is_some());
    assert_eq!(
        run.payload.as_ref().map(RawJson::to_value),
        Some(payload),
        "downloaded from the presigned URL"
    );
}

#[test]
fn envvars_for_every_env_and_a_preview_branch() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let project = seed.project_ref();
    let pat = client(&emu, seed.pat());
    pat.envvars()
        .create(
            project,
            "prod",
            &CreateEnvVar::new("API_KEY", "k1").secret(true),
        )
        .unwrap();
    let listed = pat.envvars().list(project, "prod").unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].is_secret);
    assert_ne!(listed[0].value, "k1", "secret values come back redacted");

    let dev = client(&emu, seed.dev_key());
    dev.envvars()
        .upload(
            project,
            "dev",
            &ImportEnvVars::new([("A", "1"), ("B", "2")]),
        )
        .unwrap();
    let err = no_retry(&dev)
        .envvars()
        .upload(project, "dev", &ImportEnvVars::new([("A", "changed")]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "400 Some of the variables are already set for these environments. Set override to true to override them."
    );
    assert_eq!(
        dev.envvars().retrieve(project, "dev", "A").unwrap().value,
        "1",
        "no override"
    );
    dev.envvars()
        .upload(
            project,
            "dev",
            &ImportEnvVars::new([("A", "changed")]).override_existing(true),
        )
        .unwrap();
    assert_eq!(
        dev.envvars().retrieve(project, "dev", "A").unwrap().value,
        "changed"
    );
    dev.envvars().update(project, "dev", "B", "3").unwrap();
    assert_eq!(
        dev.envvars().retrieve(project, "dev", "B").unwrap().value,
        "3"
    );
    dev.envvars().del(project, "dev", "B").unwrap();
    let err = no_retry(&dev)
        .envvars()
        .retrieve(project, "dev", "B")
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let before = emu.requests().len();
    let err = no_retry(&dev).envvars().list(project, "prod").unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedCredential { .. }),
        "a dev key cannot read prod: {err:?}"
    );
    assert_eq!(emu.requests().len(), before, "refused before sending");

    let branch = Client::with_env(
        Config::new()
            .access_token(seed.pat())
            .base_url(emu.base_url())
            .preview_branch(seed.preview_branch()),
        &Env::default(),
    );
    branch
        .envvars()
        .create(
            project,
            "preview",
            &CreateEnvVar::new("DATABASE_URL", "postgres://branch"),
        )
        .unwrap();
    assert_eq!(branch.envvars().list(project, "preview").unwrap().len(), 1);
    assert!(
        pat.envvars().list(project, "preview").unwrap().is_empty(),
        "the root preview env is separate"
    );
    let unknown = Client::with_env(
        Config::new()
            .access_token(seed.pat())
            .base_url(emu.base_url())
            .preview_branch("no-such-branch")
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    );
    let err = unknown.envvars().list(project, "preview").unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[test]
fn schedules_lifecycle_and_timezones() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let created = c
        .schedules()
        .create(&CreateSchedule::new("report", "0 9 * * *", "report-9").external_id("u1"))
        .unwrap();
    let upserted = c
        .schedules()
        .create(&CreateSchedule::new("report", "0 10 * * *", "report-9"))
        .unwrap();
    assert_eq!(created.id, upserted.id, "the deduplication key upserts");
    assert_eq!(upserted.generator.expression, "0 10 * * *");
    let updated = c
        .schedules()
        .update(
            &created.id,
            &UpdateSchedule::new("report", "30 8 * * 1").timezone("Asia/Tokyo"),
        )
        .unwrap();
    assert_eq!(updated.timezone.as_deref(), Some("Asia/Tokyo"));
    assert!(!c.schedules().deactivate(&created.id).unwrap().active);
    assert!(c.schedules().activate(&created.id).unwrap().active);
    for i in 0..4 {
        c.schedules()
            .create(&CreateSchedule::new("other", "* * * * *", format!("k{i}")))
            .unwrap();
    }
    let page = c
        .schedules()
        .list(&ListSchedulesParams {
            page: Some(1),
            per_page: Some(2),
        })
        .unwrap();
    assert_eq!((page.data.len(), page.pagination.total_pages), (2, 3));
    let all: Vec<_> = c
        .schedules()
        .iter(&ListSchedulesParams {
            page: None,
            per_page: Some(2),
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 5);
    c.schedules().del(&created.id).unwrap();
    let err = no_retry(&c).schedules().retrieve(&created.id).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let zones = c.schedules().timezones(true).unwrap();
    assert!(zones.iter().any(|z| z == "Europe/Paris"));
    assert!(!zones.iter().any(|z| z == "UTC"));
}

#[test]
fn every_error_a_user_can_hit() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let dev = no_retry(&client(&emu, seed.dev_key()));

    let bad = no_retry(&client(&emu, "tr_dev_not_a_real_key"));
    let err = bad.runs().list(&ListRunsParams::new()).unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(err.status(), Some(401));

    let pat = client(&emu, seed.pat());
    let err = pat
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedCredential { .. }),
        "{err:?}"
    );

    let err = dev.runs().retrieve("run_doesnotexist").unwrap_err();
    assert_eq!(err.to_string(), "404 Not found");

    let err = dev
        .tasks()
        .trigger("missing-task", &json!({}), &TriggerOptions::new())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");

    let preview_without_branch = no_retry(&client(&emu, seed.preview_key()));
    let err = preview_without_branch
        .runs()
        .list(&ListRunsParams::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "401 x-trigger-branch header required for preview env"
    );

    let err = dev
        .runs()
        .list(&ListRunsParams::new().limit(101))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            argument: "params.limit",
            ..
        }
    ));

    emu.add_fault(FaultRule::status(409).times(1));
    let err = dev.runs().list(&ListRunsParams::new()).unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");

    emu.add_fault(
        FaultRule::status(429)
            .times(1)
            .rate_limit_reset_ms(60_000 * 10),
    );
    let err = client(&emu, seed.dev_key())
        .runs()
        .list(&ListRunsParams::new())
        .unwrap_err();
    match err {
        Error::RateLimited { reset_after, .. } => {
            assert!(reset_after.unwrap() > Duration::from_secs(60))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[test]
fn rate_limits_and_server_errors_are_retried_until_success() {
    let emu = Emulator::start().unwrap();
    let clock = clock();
    let c = Client::with_env(
        Config::new()
            .access_token(emu.seed().dev_key())
            .base_url(emu.base_url())
            .clock(clock.clone()),
        &Env::default(),
    );
    emu.add_fault(FaultRule::status(429).times(1).rate_limit_reset_ms(1500));
    emu.add_fault(FaultRule::status(503).times(2));
    let handle = c
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    assert!(c.runs().retrieve(&handle.id).is_ok());
    assert_eq!(emu.runs().len(), 1);
    assert_eq!(
        clock.sleeps().len(),
        3,
        "one rate-limit wait and two backoffs"
    );

    emu.add_fault(FaultRule::status(500).times(10));
    let err = c.runs().retrieve(&handle.id).unwrap_err();
    assert!(
        matches!(err, Error::Server(_)),
        "retries exhausted: {err:?}"
    );
    emu.clear_faults();
}

#[test]
fn nothing_is_lost_or_duplicated_when_faults_force_retries() {
    let emu = Emulator::start().unwrap();
    let c =
        client(&emu, emu.seed().dev_key()).with_options(RequestOptions::new().retry(RetryPolicy {
            max_attempts: 12,
            ..RetryPolicy::default()
        }));
    // Some requests fail before the handler; some reach it but their response is lost (a 500
    // after the run was stored, or a dropped connection): retries must not create duplicates.
    emu.add_fault(FaultRule::status(503).rate(0.3).path("/api/v1/tasks"));
    emu.add_fault(
        FaultRule::status(500)
            .after_handler()
            .rate(0.15)
            .path("/api/v1/tasks"),
    );
    emu.add_fault(FaultRule::drop_connection().rate(0.1).path("/api/v1/tasks"));
    let mut triggered = HashSet::new();
    for i in 0..40 {
        let handle = c
            .tasks()
            .trigger("work", &json!({"i": i}), &TriggerOptions::new())
            .unwrap();
        triggered.insert(handle.id);
    }
    emu.clear_faults();
    assert!(emu.request_count() > 50, "the faults forced retries");
    let runs = emu.runs();
    let stored: HashSet<String> = runs
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(runs.len(), 40, "no duplicates");
    assert_eq!(stored, triggered, "none missing");
}

#[test]
fn concurrent_clients_for_different_environments_stay_apart() {
    let emu = Emulator::start().unwrap();
    let dev = client(&emu, emu.seed().dev_key());
    let prod = client(&emu, emu.seed().prod_key());
    std::thread::scope(|s| {
        for c in [&dev, &prod] {
            s.spawn(move || {
                for i in 0..10 {
                    c.tasks()
                        .trigger("t", &json!({"i": i}), &TriggerOptions::new())
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(
        dev.runs().list(&ListRunsParams::new()).unwrap().data.len(),
        10
    );
    assert_eq!(
        prod.runs().list(&ListRunsParams::new()).unwrap().data.len(),
        10
    );
}

#[test]
fn a_handle_token_signed_locally_is_accepted_by_the_server() {
    // A proxy that drops `x-trigger-jwt` but keeps `x-trigger-jwt-claims` makes the SDK sign the
    // handle's token itself; the emulator verifies it like the real server (HS256, the env's key,
    // scopes).
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let dev = client(&emu, seed.dev_key());
    let run = dev
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    let other = dev
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();

    let mut proxy = mockito::Server::new();
    proxy
        .mock("POST", "/api/v1/tasks/t/trigger")
        .with_header(
            "x-trigger-jwt-claims",
            &format!(r#"{{"sub":"{}","pub":true}}"#, seed.env_id("dev")),
        )
        .with_body(format!(r#"{{"id":"{}"}}"#, run.id))
        .create();
    let via_proxy = Client::with_env(
        Config::new()
            .access_token(seed.dev_key())
            .base_url(proxy.url()),
        &Env::default(),
    );
    let handle = via_proxy
        .tasks()
        .trigger("t", &json!({}), &TriggerOptions::new())
        .unwrap();
    let token = handle.public_access_token.expect("a locally signed token");
    assert!(token.starts_with("eyJhbGciOiJIUzI1NiJ9."), "{token}");

    let public = no_retry(&client(&emu, &token));
    assert_eq!(public.runs().retrieve(&run.id).unwrap().id, run.id);
    let err = public.runs().retrieve(&other.id).unwrap_err();
    assert!(
        matches!(err, Error::PermissionDenied(_)),
        "scoped to its own run: {err:?}"
    );
}
