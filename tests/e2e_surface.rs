//! End to end against the local emulator: queues, deployments, waitpoint tokens, bulk actions,
//! run metadata/events/trace and idempotency keys, as stateful flows.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::{clock_now as clock, emulator_client as client, no_retry};
use serde_json::{json, Value};
use triggerdev::{
    idempotency_keys, BulkActionFilter, BulkActionKind, Client, Config, CreateBulkAction,
    CreateWaitpointToken, Env, Error, IdempotencyKeyScope, ListBulkActionsParams,
    ListDeploymentsParams, ListQueuesParams, ListRunsParams, ListWaitpointTokensParams, QueueKind,
    QueueRef, RunStatus, TokenKind, TriggerOptions, UpdateMetadata,
};
use triggerdev_emulator::{ControlError, Emulator, NewDeployment};

fn dev(emu: &Emulator) -> Client {
    client(emu, emu.seed().dev_key())
}

/// Dev envs have no deployments (as on the server): the deployment tests use prod.
fn prod(emu: &Emulator) -> Client {
    client(emu, emu.seed().prod_key())
}

fn trigger(c: &Client, task: &str, options: &TriggerOptions) -> String {
    c.tasks().trigger(task, &json!({}), options).unwrap().id
}

fn status(c: &Client, run: &str) -> RunStatus {
    c.runs().retrieve(run).unwrap().status
}

/// A public access token for the dev env with `scopes`, signed as the server signs them
/// (HS256 with the env's root key), valid for an hour of the emulator clock.
fn public_token(emu: &Emulator, scopes: &[&str]) -> String {
    env_public_token(emu, "dev", emu.seed().dev_key(), scopes)
}

/// A public access token for the env `slug`, whose root key is `key`.
fn env_public_token(emu: &Emulator, slug: &str, key: &str, scopes: &[&str]) -> String {
    let now = emu.now_ms() / 1000;
    let claims = json!({
        "sub": emu.seed().env_id(slug), "pub": true, "scopes": scopes,
        "iss": "https://id.trigger.dev", "aud": "https://api.trigger.dev",
        "exp": now + 3600, "iat": now,
    });
    let mut token = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    let signature = ring::hmac::sign(&key, token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
    token
}

fn jwt_payload(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn ms(iso: &str) -> i64 {
    // Days since the epoch for the few dates used here (UTC midnight + hours).
    let (date, time) = iso.split_once('T').unwrap();
    let mut parts = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let hours: i64 = time[..2].parse().unwrap();
    (days * 86_400 + hours * 3600) * 1000
}

// ---------------------------------------------------------------------------------------------
// Queues

#[test]
fn a_paused_queue_holds_its_runs_queued_until_it_is_resumed() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let first = trigger(&c, "held", &TriggerOptions::new());
    let second = trigger(&c, "held", &TriggerOptions::new());

    let q = c.queues().retrieve(&QueueRef::task("held")).unwrap();
    assert_eq!((q.name.as_str(), q.kind), ("held", QueueKind::Task));
    assert_eq!((q.queued, q.running, q.paused), (2, 0, false));

    let paused = c.queues().pause(&QueueRef::task("held")).unwrap();
    assert!(paused.paused);
    assert_eq!(paused.id, q.id);
    match emu.start_run(&first) {
        Err(ControlError::QueuePaused(name)) => assert_eq!(name, "task/held"),
        other => panic!("a paused queue must refuse to start a run: {other:?}"),
    }
    assert_eq!(status(&c, &first), RunStatus::Queued);
    // The queue says so when retrieved by id, too.
    let by_id = c.queues().retrieve(&q.id.as_str().into()).unwrap();
    assert!(by_id.paused);
    assert_eq!(by_id.queued, 2);

    let resumed = c.queues().resume(&QueueRef::task("held")).unwrap();
    assert!(!resumed.paused);
    emu.start_run(&first).unwrap();
    assert_eq!(status(&c, &first), RunStatus::Executing);
    let q = c.queues().retrieve(&QueueRef::task("held")).unwrap();
    assert_eq!((q.queued, q.running), (1, 1));
    emu.start_run(&second).unwrap();
    assert_eq!(status(&c, &second), RunStatus::Executing);
}

#[test]
fn a_custom_queue_name_with_a_slash_and_a_space_round_trips() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    // Custom queues are declared by workers; the emulator's admin API stands in for one.
    emu.add_queue("dev", "team/shared q", None).unwrap();
    let run = trigger(
        &c,
        "shared-work",
        &TriggerOptions::new().queue("team/shared q"),
    );
    let q = c
        .queues()
        .retrieve(&QueueRef::custom("team/shared q"))
        .unwrap();
    assert_eq!(
        (q.name.as_str(), q.kind, q.queued),
        ("team/shared q", QueueKind::Custom, 1)
    );
    assert!(
        c.queues()
            .pause(&QueueRef::custom("team/shared q"))
            .unwrap()
            .paused
    );
    assert_eq!(
        emu.start_run(&run),
        Err(ControlError::QueuePaused("team/shared q".into()))
    );
    // The wire path is the doubly encoded name.
    let paths: Vec<String> = emu
        .requests()
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_owned))
        .filter(|p| p.starts_with("/api/v1/queues/"))
        .collect();
    assert_eq!(
        paths,
        [
            "/api/v1/queues/team%252Fshared%20q",
            "/api/v1/queues/team%252Fshared%20q/pause"
        ]
    );
}

#[test]
fn override_then_reset_the_concurrency_limit() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let queue_id = emu.add_queue("dev", "limited", Some(3)).unwrap();
    let runs: Vec<String> = (0..2)
        .map(|_| trigger(&c, "limited-task", &TriggerOptions::new().queue("limited")))
        .collect();

    let q = c
        .queues()
        .override_concurrency_limit(&QueueRef::custom("limited"), 1)
        .unwrap();
    assert_eq!(q.id, queue_id);
    assert_eq!(q.concurrency_limit, Some(1.0));
    let conc = q.concurrency.unwrap();
    assert_eq!(
        (conc.current, conc.base, conc.override_limit),
        (Some(1.0), Some(3.0), Some(1.0))
    );
    assert!(conc.overridden_at.is_some());

    emu.start_run(&runs[0]).unwrap();
    assert_eq!(
        emu.start_run(&runs[1]),
        Err(ControlError::QueueFull("limited".into(), 1))
    );
    assert_eq!(status(&c, &runs[1]), RunStatus::Queued);

    let q = c
        .queues()
        .reset_concurrency_limit(&queue_id.as_str().into())
        .unwrap();
    assert_eq!(q.concurrency_limit, Some(3.0));
    let conc = q.concurrency.unwrap();
    assert_eq!(
        (conc.current, conc.override_limit, conc.overridden_at),
        (Some(3.0), None, None)
    );
    emu.start_run(&runs[1]).unwrap();
    assert_eq!(status(&c, &runs[1]), RunStatus::Executing);

    let c = no_retry(&c);
    match c
        .queues()
        .override_concurrency_limit(&QueueRef::custom("limited"), 101)
        .unwrap_err()
    {
        Error::BadRequest(e) => assert_eq!(
            e.message,
            "Concurrency limit (101) cannot exceed the environment limit (100)"
        ),
        other => panic!("{other:?}"),
    }
    match c
        .queues()
        .reset_concurrency_limit(&QueueRef::custom("limited"))
        .unwrap_err()
    {
        Error::BadRequest(e) => assert_eq!(e.message, "Queue is not overridden"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_queues_are_not_found_with_the_server_wording() {
    let emu = Emulator::start().unwrap();
    let c = no_retry(&dev(&emu));
    match c.queues().retrieve(&QueueRef::task("nope")).unwrap_err() {
        Error::NotFound(e) => assert_eq!((e.status, e.message.as_str()), (404, "queue-not-found")),
        other => panic!("{other:?}"),
    }
    match c.queues().pause(&"queue_nope".into()).unwrap_err() {
        Error::NotFound(e) => assert_eq!(e.message, "queue-not-found"),
        other => panic!("{other:?}"),
    }
    match c
        .queues()
        .override_concurrency_limit(&QueueRef::custom("nope"), 1)
        .unwrap_err()
    {
        Error::NotFound(e) => assert_eq!(e.message, "Queue not found"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn queues_list_pages_by_name_and_the_iterator_sees_each_once() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    for task in ["e", "c", "a", "d", "b"] {
        trigger(&c, task, &TriggerOptions::new());
    }
    let params = ListQueuesParams {
        per_page: Some(2),
        ..Default::default()
    };
    let page = c.queues().list(&params).unwrap();
    assert_eq!(
        page.data
            .iter()
            .map(|q| q.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(
        (
            page.pagination.current_page,
            page.pagination.total_pages,
            page.pagination.count
        ),
        (1, 3, 5)
    );
    let third = c
        .queues()
        .list(&ListQueuesParams {
            page: Some(3),
            per_page: Some(2),
        })
        .unwrap();
    assert_eq!(third.data[0].name, "e");
    assert!(!third.has_next_page());

    let mut iter = c.queues().iter(&params).unwrap();
    let names: Vec<String> = iter.by_ref().map(|q| q.unwrap().name).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(iter.pages_fetched(), 3);
}

#[test]
fn a_public_token_with_read_queues_retrieves_but_cannot_pause() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    trigger(&c, "visible", &TriggerOptions::new());
    let reader = no_retry(&client(&emu, &public_token(&emu, &["read:queues"])));
    assert_eq!(reader.token_kind(), Some(TokenKind::PublicAccessToken));
    let q = reader
        .queues()
        .retrieve(&QueueRef::task("visible"))
        .unwrap();
    assert_eq!(q.queued, 1);
    let before = emu.request_count();
    assert!(matches!(
        reader.queues().pause(&QueueRef::task("visible")),
        Err(Error::UnsupportedCredential {
            operation: "queues.pause",
            ..
        })
    ));
    assert_eq!(emu.request_count(), before, "refused before sending");
    // Without the scope the server refuses.
    let other = no_retry(&client(&emu, &public_token(&emu, &["read:runs"])));
    assert!(matches!(
        other.queues().retrieve(&QueueRef::task("visible")),
        Err(Error::PermissionDenied(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Deployments

#[test]
fn deployments_current_latest_and_promote() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(ms("2025-06-10T12:00:00Z"));
    // Dev has no deployments: `current` is a 404 there.
    assert!(matches!(
        no_retry(&dev(&emu)).deployments().retrieve_current(),
        Err(Error::NotFound(_))
    ));
    let c = prod(&emu);
    let seeded = c.deployments().retrieve_current().unwrap();
    assert_eq!(
        (seeded.version.as_str(), seeded.status.as_str()),
        ("20250101.1", "DEPLOYED")
    );
    assert_eq!(
        seeded.created_at.as_deref(),
        Some("2025-01-01T00:00:00.000Z")
    );
    assert_eq!(c.deployments().retrieve_latest().unwrap().id, seeded.id);

    let newer = emu
        .add_deployment(NewDeployment {
            env_id: "prod".into(),
            version: Some("20250601.1".into()),
            created_ms: Some(ms("2025-06-01T00:00:00Z")),
            tasks: vec!["send-email".into()],
            ..Default::default()
        })
        .unwrap();
    let failed = emu
        .add_deployment(NewDeployment {
            env_id: "prod".into(),
            version: Some("20250602.1".into()),
            status: Some("FAILED".into()),
            created_ms: Some(ms("2025-06-02T00:00:00Z")),
            ..Default::default()
        })
        .unwrap();

    // Latest is the newest of any status; current has not moved.
    let latest = c.deployments().retrieve_latest().unwrap();
    assert_eq!(
        (latest.id.as_str(), latest.status.as_str()),
        (failed.as_str(), "FAILED")
    );
    assert_eq!(latest.error_data.unwrap()["message"], "Build failed");
    assert_eq!(c.deployments().retrieve_current().unwrap().id, seeded.id);

    let detail = c.deployments().retrieve(&newer).unwrap();
    assert_eq!(detail.version, "20250601.1");
    assert_eq!(detail.worker.unwrap()["tasks"][0]["slug"], "send-email");

    let promoted = c.deployments().promote("20250601.1").unwrap();
    assert_eq!(
        (promoted.id.as_str(), promoted.version.as_str()),
        (newer.as_str(), "20250601.1")
    );
    assert!(promoted.short_code.is_some());
    let current = c.deployments().retrieve_current().unwrap();
    assert_eq!(
        (current.id.as_str(), current.version.as_str()),
        (newer.as_str(), "20250601.1")
    );
    assert!(emu
        .deployments()
        .iter()
        .any(|d| d["id"] == newer.as_str() && d["isCurrent"] == true));

    let c = no_retry(&c);
    let bad = |version: &str| match c.deployments().promote(version).unwrap_err() {
        Error::BadRequest(e) => e.message,
        other => panic!("promote {version}: {other:?}"),
    };
    assert_eq!(
        bad("20250601.1"),
        "Deployment is already the current deployment."
    );
    assert_eq!(
        bad("20250101.1"),
        "Cannot promote a deployment that is older than the current deployment."
    );
    assert_eq!(
        bad("20250602.1"),
        "Deployment is not associated with a worker and cannot be promoted."
    );
    assert!(matches!(
        c.deployments().promote("19990101.1"),
        Err(Error::NotFound(ref e)) if e.message == "Deployment not found"
    ));
    assert!(matches!(
        c.deployments().retrieve("deployment_nope"),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn deployments_list_filters_and_iterates_three_pages() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(ms("2025-06-20T00:00:00Z"));
    let c = prod(&emu);
    for day in 1..=11 {
        emu.add_deployment(NewDeployment {
            env_id: "prod".into(),
            version: Some(format!("202506{day:02}.1")),
            created_ms: Some(ms(&format!("2025-06-{day:02}T00:00:00Z"))),
            status: (day == 5).then(|| "FAILED".to_string()),
            ..Default::default()
        })
        .unwrap();
    }
    // Newest first; the server raises the page size to at least 5.
    let page = c
        .deployments()
        .list(&ListDeploymentsParams::new().limit(2))
        .unwrap();
    assert_eq!(page.data.len(), 5);
    assert_eq!(page.data[0].version, "20250611.1");
    assert_eq!(
        page.pagination.next.as_deref(),
        Some(page.data[4].id.as_str())
    );

    let mut iter = c
        .deployments()
        .iter(&ListDeploymentsParams::new().limit(5))
        .unwrap();
    let versions: Vec<String> = iter.by_ref().map(|d| d.unwrap().version).collect();
    assert_eq!(versions.len(), 12);
    assert_eq!(versions.first().map(String::as_str), Some("20250611.1"));
    assert_eq!(versions.last().map(String::as_str), Some("20250101.1"));
    assert_eq!(iter.pages_fetched(), 3);

    let failed = c
        .deployments()
        .list(&ListDeploymentsParams::new().status("FAILED"))
        .unwrap();
    assert_eq!(
        failed
            .data
            .iter()
            .map(|d| d.version.as_str())
            .collect::<Vec<_>>(),
        ["20250605.1"]
    );
    assert!(failed.data[0].error.is_some());
    // The last 10 days of the emulator clock (frozen on the 20th): the 10th and the 11th.
    let recent = c
        .deployments()
        .list(&ListDeploymentsParams::new().period("10d"))
        .unwrap();
    assert_eq!(
        recent
            .data
            .iter()
            .map(|d| d.version.as_str())
            .collect::<Vec<_>>(),
        ["20250611.1", "20250610.1"]
    );
}

#[test]
fn a_public_token_reads_current_and_lists_deployments_only() {
    let emu = Emulator::start().unwrap();
    let token = env_public_token(&emu, "prod", emu.seed().prod_key(), &["read:deployments"]);
    let reader = no_retry(&client(&emu, &token));
    assert_eq!(
        reader.deployments().retrieve_current().unwrap().version,
        "20250101.1"
    );
    assert_eq!(
        reader
            .deployments()
            .list(&Default::default())
            .unwrap()
            .data
            .len(),
        1
    );
    let before = emu.request_count();
    for result in [
        reader.deployments().retrieve_latest().map(drop),
        reader.deployments().promote("20250101.1").map(drop),
        reader.deployments().retrieve("deployment_x").map(drop),
    ] {
        assert!(
            matches!(
                result,
                Err(Error::UnsupportedCredential {
                    kind: TokenKind::PublicAccessToken,
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert_eq!(emu.request_count(), before);
    // A token scoped to the list only cannot read the current deployment.
    let lister = no_retry(&client(
        &emu,
        &env_public_token(
            &emu,
            "prod",
            emu.seed().prod_key(),
            &["read:deployments:list"],
        ),
    ));
    assert!(lister.deployments().list(&Default::default()).is_ok());
    assert!(matches!(
        lister.deployments().retrieve_current(),
        Err(Error::PermissionDenied(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Waitpoint tokens

#[test]
fn waitpoint_create_list_complete_with_its_own_token_and_retrieve() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let created = c
        .waitpoints()
        .create_token(
            &CreateWaitpointToken::new()
                .timeout("1h")
                .idempotency_key("approve-42")
                .idempotency_key_ttl("1d")
                .tag("approval"),
        )
        .unwrap();
    assert!(created.id.starts_with("waitpoint_"));
    assert!(!created.is_cached);
    assert!(created.url.starts_with(&format!(
        "{}/api/v1/waitpoints/tokens/{}/callback/",
        emu.base_url(),
        created.id
    )));
    let token = created.public_access_token.clone().unwrap();
    let claims = jwt_payload(&token);
    assert_eq!(
        claims["scopes"],
        json!([format!("write:waitpoints:{}", created.id)])
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        24 * 3600
    );

    // The same idempotency key gives the same token.
    let again = c
        .waitpoints()
        .create_token(&CreateWaitpointToken::new().idempotency_key("approve-42"))
        .unwrap();
    assert_eq!(again.id, created.id);
    assert!(again.is_cached);
    let other = c
        .waitpoints()
        .create_token(&CreateWaitpointToken::new().tag("other"))
        .unwrap();

    // List with filters.
    let approval = c
        .waitpoints()
        .list_tokens(
            &ListWaitpointTokensParams::new()
                .status("WAITING")
                .tag("approval"),
        )
        .unwrap();
    assert_eq!(
        approval
            .data
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        [created.id.as_str()]
    );
    assert_eq!(approval.data[0].tags, ["approval"]);
    assert_eq!(
        approval.data[0].idempotency_key.as_deref(),
        Some("approve-42")
    );
    assert!(approval.data[0].timeout_at.is_some());
    let mut by_key = ListWaitpointTokensParams::new();
    by_key.idempotency_key = Some("approve-42".into());
    assert_eq!(c.waitpoints().list_tokens(&by_key).unwrap().data.len(), 1);
    assert!(c
        .waitpoints()
        .list_tokens(&ListWaitpointTokensParams::new().status("COMPLETED"))
        .unwrap()
        .data
        .is_empty());

    // Whoever approves needs the token alone.
    let approver = client(&emu, &token);
    assert_eq!(approver.token_kind(), Some(TokenKind::PublicAccessToken));
    approver
        .waitpoints()
        .complete_token(&created.id, &json!({"approved": true, "by": "ada"}))
        .unwrap();

    let done = c.waitpoints().retrieve_token(&created.id).unwrap();
    assert_eq!(done.status, "COMPLETED");
    assert!(done.completed_at.is_some());
    assert!(!done.output_is_error);
    assert_eq!(done.output_type.as_deref(), Some("application/super+json"));
    assert_eq!(
        done.output_value(),
        Some(json!({"approved": true, "by": "ada"}))
    );
    let completed = c
        .waitpoints()
        .list_tokens(&ListWaitpointTokensParams::new().status("COMPLETED"))
        .unwrap();
    assert_eq!(
        completed
            .data
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        [created.id.as_str()]
    );
    // Completing again is a no-op; the first data stays.
    c.waitpoints().complete_token(&created.id, "late").unwrap();
    assert_eq!(
        c.waitpoints()
            .retrieve_token(&created.id)
            .unwrap()
            .output_value(),
        Some(json!({"approved": true, "by": "ada"}))
    );
    // A string completes as text.
    c.waitpoints()
        .complete_token(&other.id, "approved")
        .unwrap();
    let text = c.waitpoints().retrieve_token(&other.id).unwrap();
    assert_eq!(text.output_type.as_deref(), Some("text/plain"));
    assert_eq!(text.output.as_deref(), Some("approved"));
    assert_eq!(text.output_value(), Some(json!("approved")));
}

#[test]
fn a_token_scoped_to_another_waitpoint_is_permission_denied() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let a = c.waitpoints().create_token(&Default::default()).unwrap();
    let b = c.waitpoints().create_token(&Default::default()).unwrap();
    let with_a = no_retry(&client(&emu, a.public_access_token.as_deref().unwrap()));
    match with_a
        .waitpoints()
        .complete_token(&b.id, &json!({"x": 1}))
        .unwrap_err()
    {
        Error::PermissionDenied(e) => assert_eq!(e.status, 403),
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert_eq!(
        c.waitpoints().retrieve_token(&b.id).unwrap().status,
        "WAITING"
    );
    // The token cannot read or list either: those take secret keys only.
    let before = emu.request_count();
    assert!(matches!(
        with_a.waitpoints().retrieve_token(&a.id),
        Err(Error::UnsupportedCredential {
            operation: "wait.retrieveToken",
            ..
        })
    ));
    assert!(matches!(
        with_a.waitpoints().create_token(&Default::default()),
        Err(Error::UnsupportedCredential {
            operation: "wait.createToken",
            ..
        })
    ));
    assert_eq!(emu.request_count(), before);
    // An unknown token is not found.
    assert!(matches!(
        no_retry(&c).waitpoints().retrieve_token("waitpoint_nope"),
        Err(Error::NotFound(ref e)) if e.message == "Waitpoint not found"
    ));
}

#[test]
fn a_token_past_its_timeout_is_timed_out_with_the_error_as_output() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let t = c
        .waitpoints()
        .create_token(&CreateWaitpointToken::new().timeout("1h"))
        .unwrap();
    emu.advance(Duration::from_secs(2 * 3600));
    let timed_out = c.waitpoints().retrieve_token(&t.id).unwrap();
    assert_eq!(timed_out.status, "TIMED_OUT");
    assert!(timed_out.output_is_error);
    assert_eq!(
        timed_out.output_value().unwrap()["code"],
        "TRIGGER_WAITPOINT_TIMEOUT"
    );
    let listed = c
        .waitpoints()
        .list_tokens(&ListWaitpointTokensParams::new().status("TIMED_OUT"))
        .unwrap();
    assert_eq!(listed.data[0].id, t.id);
}

#[test]
fn waitpoint_iterator_walks_three_pages_newest_first() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let ids: Vec<String> = (0..5)
        .map(|i| {
            c.waitpoints()
                .create_token(&CreateWaitpointToken::new().tag(format!("t{i}")))
                .unwrap()
                .id
        })
        .collect();
    let mut iter = c
        .waitpoints()
        .iter_tokens(&ListWaitpointTokensParams::new().limit(2))
        .unwrap();
    let seen: Vec<String> = iter.by_ref().map(|t| t.unwrap().id).collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    assert_eq!(iter.pages_fetched(), 3);
}

// ---------------------------------------------------------------------------------------------
// Bulk actions

#[test]
fn bulk_cancel_by_filter_cancels_exactly_the_matching_runs() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let old: Vec<String> = (0..3)
        .map(|_| trigger(&c, "sweep", &TriggerOptions::new().tag("old")))
        .collect();
    let fresh: Vec<String> = (0..2)
        .map(|_| trigger(&c, "sweep", &TriggerOptions::new().tag("new")))
        .collect();
    let finished = trigger(&c, "sweep", &TriggerOptions::new().tag("old"));
    emu.complete_run(&finished, json!(1)).unwrap();

    let filter = BulkActionFilter::new().status(RunStatus::Queued).tag("old");
    let id = c
        .bulk_actions()
        .create(&CreateBulkAction::by_filter(BulkActionKind::Cancel, filter).name("cancel old"))
        .unwrap();
    assert!(id.starts_with("bulk_"), "{id}");
    let b = c.bulk_actions().retrieve(&id).unwrap();
    assert_eq!(
        (b.kind.as_str(), b.status.as_str()),
        ("CANCEL", "COMPLETED")
    );
    assert_eq!(b.name.as_deref(), Some("cancel old"));
    assert_eq!(
        (b.counts.total, b.counts.success, b.counts.failure),
        (3, 3, 0)
    );
    assert!(b.completed_at.is_some());
    for run in &old {
        assert_eq!(status(&c, run), RunStatus::Canceled, "{run}");
    }
    for run in &fresh {
        assert_eq!(status(&c, run), RunStatus::Queued, "{run}");
    }
    assert_eq!(status(&c, &finished), RunStatus::Completed);

    // The run list's bulk action filter lists exactly them.
    let listed: BTreeSet<String> = c
        .runs()
        .iter(&ListRunsParams::new().bulk_action(id.as_str()))
        .unwrap()
        .map(|r| r.unwrap().id)
        .collect();
    assert_eq!(listed, old.iter().cloned().collect());
    // The request went out as the SDK serialized it.
    let sent = emu
        .requests()
        .into_iter()
        .find(|r| r["method"] == "POST" && r["path"] == "/api/v1/bulk-actions")
        .unwrap();
    assert_eq!(
        sent["body"],
        json!({"filter": {"status": ["QUEUED"], "tag": "old"}, "name": "cancel old", "action": "cancel"})
    );
}

#[test]
fn bulk_replay_by_ids_creates_new_runs() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let a = c
        .tasks()
        .trigger(
            "replayed",
            &json!({"n": 1}),
            &TriggerOptions::new().tag("r"),
        )
        .unwrap()
        .id;
    let b = trigger(&c, "replayed", &TriggerOptions::new());
    emu.complete_run(&a, json!("done")).unwrap();
    let before: BTreeSet<String> = emu
        .runs()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();

    let id = c
        .bulk_actions()
        .create(
            &CreateBulkAction::by_ids(BulkActionKind::Replay, [a.as_str(), b.as_str()])
                .target_region("eu-central-1"),
        )
        .unwrap();
    let action = c.bulk_actions().retrieve(&id).unwrap();
    assert_eq!(
        (action.kind.as_str(), action.status.as_str()),
        ("REPLAY", "COMPLETED")
    );
    assert_eq!((action.counts.total, action.counts.success), (2, 2));

    let after: BTreeSet<String> = emu
        .runs()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let new: BTreeSet<String> = after.difference(&before).cloned().collect();
    assert_eq!(new.len(), 2);
    let dump = emu
        .bulk_actions()
        .into_iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap();
    let new_ids: BTreeSet<String> = dump["newRunIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(new_ids, new);
    assert_eq!(dump["targetRegion"], "eu-central-1");
    for run in &new {
        let r = c.runs().retrieve(run).unwrap();
        assert_eq!(r.task_identifier, "replayed");
        assert_eq!(r.status, RunStatus::Queued);
    }
    let replay_of_a = new
        .iter()
        .find(|r| {
            c.runs().retrieve(r).unwrap().payload.map(|p| p.to_value()) == Some(json!({"n": 1}))
        })
        .expect("one new run replays a's payload");
    assert_eq!(c.runs().retrieve(replay_of_a).unwrap().tags, ["r"]);
    // The run list's bulk action filter lists the new runs.
    let listed: BTreeSet<String> = c
        .runs()
        .list(&ListRunsParams::new().bulk_action(id.as_str()))
        .unwrap()
        .data
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, new);
}

#[test]
fn a_deferred_bulk_action_can_be_aborted() {
    let emu = Emulator::start().unwrap();
    emu.set_bulk_actions_deferred(true);
    let c = dev(&emu);
    let run = trigger(&c, "keep", &TriggerOptions::new());
    let id = c
        .bulk_actions()
        .create(&CreateBulkAction::by_ids(
            BulkActionKind::Cancel,
            [run.as_str()],
        ))
        .unwrap();
    assert_eq!(c.bulk_actions().retrieve(&id).unwrap().status, "PENDING");
    assert_eq!(c.bulk_actions().abort(&id).unwrap(), id);
    let aborted = c.bulk_actions().retrieve(&id).unwrap();
    assert_eq!(aborted.status, "ABORTED");
    assert_eq!(status(&c, &run), RunStatus::Queued, "nothing was applied");
    assert!(
        emu.process_bulk_action(&id).is_err(),
        "an aborted action stays aborted"
    );

    // Aborting again is a conflict (the SDK retries 409s first, as the official one does).
    let clock = clock();
    let retrying = Client::with_env(
        Config::new()
            .access_token(emu.seed().dev_key())
            .base_url(emu.base_url())
            .clock(clock.clone()),
        &Env::default(),
    );
    match retrying.bulk_actions().abort(&id).unwrap_err() {
        Error::Conflict(e) => {
            assert_eq!(
                e.message,
                format!("Bulk action group already aborted: {id}")
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.sleeps().len(), 4, "5 attempts");

    // A processed one completes and cannot be aborted.
    let second = c
        .bulk_actions()
        .create(&CreateBulkAction::by_ids(
            BulkActionKind::Cancel,
            [run.as_str()],
        ))
        .unwrap();
    emu.process_bulk_action(&second).unwrap();
    assert_eq!(
        c.bulk_actions().retrieve(&second).unwrap().status,
        "COMPLETED"
    );
    assert_eq!(status(&c, &run), RunStatus::Canceled);
    assert!(matches!(
        no_retry(&c).bulk_actions().abort(&second),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        no_retry(&c).bulk_actions().retrieve("bulk_nope"),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn bulk_list_and_iterator_walk_three_pages_newest_first() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let run = trigger(&c, "t", &TriggerOptions::new());
    let ids: Vec<String> = (0..5)
        .map(|i| {
            c.bulk_actions()
                .create(
                    &CreateBulkAction::by_ids(BulkActionKind::Replay, [run.as_str()])
                        .name(format!("replay {i}")),
                )
                .unwrap()
        })
        .collect();
    let params = ListBulkActionsParams {
        limit: Some(2),
        ..Default::default()
    };
    let first = c.bulk_actions().list(&params).unwrap();
    assert_eq!(first.data.len(), 2);
    assert!(first.has_next_page());
    let mut iter = c.bulk_actions().iter(&params).unwrap();
    let seen: Vec<String> = iter.by_ref().map(|b| b.unwrap().id).collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    assert_eq!(iter.pages_fetched(), 3);
}

#[test]
fn bulk_validation_errors_from_the_server_are_bad_requests() {
    let emu = Emulator::start().unwrap();
    let c = no_retry(&dev(&emu));
    // A filter the SDK cannot judge empty but the server finds nothing to filter by.
    let mut filter = BulkActionFilter::new();
    filter.tag = vec![" ".into()].into();
    match c
        .bulk_actions()
        .create(&CreateBulkAction::by_filter(BulkActionKind::Cancel, filter))
        .unwrap_err()
    {
        Error::BadRequest(e) => assert_eq!(
            e.message,
            "Validation error: At least one filter must be provided at \"filter\""
        ),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Runs: metadata, events, trace

#[test]
fn run_metadata_events_and_trace() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let handle = c
        .tasks()
        .trigger(
            "traced",
            &json!({}),
            &TriggerOptions::new().metadata(json!({"user": "ada", "step": 1})),
        )
        .unwrap();
    let m = c.runs().metadata(&handle.id).unwrap();
    assert_eq!(m.metadata, json!({"user": "ada", "step": 1}));
    assert_eq!(m.metadata_type.as_deref(), Some("application/json"));
    c.runs()
        .update_metadata(
            &handle.id,
            &UpdateMetadata::operations(vec![
                json!({"type": "increment", "key": "step", "value": 1}),
            ]),
        )
        .unwrap();
    assert_eq!(c.runs().metadata(&handle.id).unwrap().metadata["step"], 2);
    let none = trigger(&c, "traced", &TriggerOptions::new());
    assert_eq!(c.runs().metadata(&none).unwrap().metadata, Value::Null);

    let events = c.runs().events(&handle.id).unwrap();
    assert_eq!(
        events.events.len(),
        1,
        "the run span only, before any attempt"
    );
    let root = &events.events[0];
    assert_eq!(root.run_id.as_deref(), Some(handle.id.as_str()));
    assert_eq!(root.message, "traced");
    assert!(root.is_partial);

    emu.start_run(&handle.id).unwrap();
    emu.complete_run(&handle.id, json!({"ok": true})).unwrap();
    let events = c.runs().events(&handle.id).unwrap();
    assert_eq!(events.events.len(), 2);
    let attempt = &events.events[1];
    assert_eq!(
        attempt.parent_id.as_deref(),
        Some(events.events[0].span_id.as_str())
    );
    assert_eq!(attempt.attempt_number, Some(1));
    assert!(!attempt.is_partial && !attempt.is_error);

    let trace = c.runs().trace(&handle.id).unwrap();
    assert_eq!(trace.trace_id.len(), 32);
    assert_eq!(trace.root_span["id"], events.events[0].span_id.as_str());
    assert_eq!(trace.root_span["data"]["output"], json!({"ok": true}));
    assert_eq!(trace.root_span["children"].as_array().unwrap().len(), 1);

    // The run's own public token reads events and trace, not metadata.
    let reader = no_retry(&client(
        &emu,
        handle.public_access_token.as_deref().unwrap(),
    ));
    assert_eq!(reader.runs().events(&handle.id).unwrap(), events);
    assert_eq!(reader.runs().trace(&handle.id).unwrap(), trace);
    assert!(matches!(
        reader.runs().metadata(&handle.id),
        Err(Error::UnsupportedCredential {
            operation: "runs.metadata",
            ..
        })
    ));
    // Another run's token is refused by the server.
    assert!(matches!(
        reader.runs().events(&none),
        Err(Error::PermissionDenied(_))
    ));
}

#[test]
fn events_of_a_missing_run_are_not_found_after_the_retries() {
    let emu = Emulator::start().unwrap();
    let clock = clock();
    let c = Client::with_env(
        Config::new()
            .access_token(emu.seed().dev_key())
            .base_url(emu.base_url())
            .clock(clock.clone()),
        &Env::default(),
    );
    assert!(matches!(
        c.runs().trace("run_nope"),
        Err(Error::NotFound(_))
    ));
    assert_eq!(clock.sleeps().len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

#[test]
fn idempotency_keys_create_then_trigger_then_reset() {
    let emu = Emulator::start().unwrap();
    let c = dev(&emu);
    let key = idempotency_keys::create(["e2e-order", "42"], IdempotencyKeyScope::Global);
    assert_eq!(emu.request_count(), 0, "creating a key sends nothing");
    let options = TriggerOptions::new().idempotency_key(key.as_str());
    let first = c.tasks().trigger("charge", &json!({}), &options).unwrap();
    let cached = c.tasks().trigger("charge", &json!({}), &options).unwrap();
    assert_eq!(first.id, cached.id);
    assert!(cached.is_cached);
    assert_eq!(
        c.runs()
            .retrieve(&first.id)
            .unwrap()
            .idempotency_key
            .as_deref(),
        Some(key.as_str())
    );
    let sent = emu
        .requests()
        .into_iter()
        .find(|r| r["path"] == "/api/v1/tasks/charge/trigger")
        .unwrap();
    assert_eq!(sent["body"]["options"]["idempotencyKey"], key.as_str());
    assert_eq!(
        sent["body"]["options"]["idempotencyKeyOptions"],
        json!({"key": "e2e-order-42", "scope": "global"})
    );

    // Reset by the original parts: the hash is the same.
    c.idempotency_keys()
        .reset("charge", ["e2e-order", "42"])
        .unwrap();
    let reset = emu
        .requests()
        .into_iter()
        .find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/api/v1/idempotencyKeys/"))
        })
        .unwrap();
    assert_eq!(
        reset["path"],
        format!("/api/v1/idempotencyKeys/{key}/reset")
    );
    assert_eq!(reset["body"], json!({"taskIdentifier": "charge"}));
    let second = c.tasks().trigger("charge", &json!({}), &options).unwrap();
    assert_ne!(second.id, first.id);
    assert!(!second.is_cached);
    // With nothing holding the key any more, a reset is not found.
    c.idempotency_keys().reset("charge", key.as_str()).unwrap();
    assert!(matches!(
        no_retry(&c)
            .idempotency_keys()
            .reset("charge", key.as_str()),
        Err(Error::NotFound(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Every request carries x-trigger-realtime-streams-version: v2

#[test]
fn every_request_carries_the_v2_realtime_streams_header() {
    let emu = Emulator::start().unwrap();
    emu.set_bulk_actions_deferred(true);
    let c = dev(&emu);
    let run = trigger(&c, "streams", &TriggerOptions::new());
    c.queues().list(&Default::default()).unwrap();
    c.queues().retrieve(&QueueRef::task("streams")).unwrap();
    c.queues().pause(&QueueRef::task("streams")).unwrap();
    c.queues().resume(&QueueRef::task("streams")).unwrap();
    c.queues()
        .override_concurrency_limit(&QueueRef::task("streams"), 2)
        .unwrap();
    c.queues()
        .reset_concurrency_limit(&QueueRef::task("streams"))
        .unwrap();
    let p = prod(&emu);
    p.deployments().list(&Default::default()).unwrap();
    let current = p.deployments().retrieve_current().unwrap();
    p.deployments().retrieve(&current.id).unwrap();
    p.deployments().retrieve_latest().unwrap();
    emu.add_deployment(NewDeployment {
        env_id: "prod".into(),
        version: Some("29990101.1".into()),
        ..Default::default()
    })
    .unwrap();
    p.deployments().promote("29990101.1").unwrap();
    assert!(matches!(
        no_retry(&c)
            .idempotency_keys()
            .reset("streams", "never-used"),
        Err(Error::NotFound(_))
    ));
    let t = c.waitpoints().create_token(&Default::default()).unwrap();
    c.waitpoints().list_tokens(&Default::default()).unwrap();
    c.waitpoints().complete_token(&t.id, &1).unwrap();
    c.waitpoints().retrieve_token(&t.id).unwrap();
    let b = c
        .bulk_actions()
        .create(&CreateBulkAction::by_ids(
            BulkActionKind::Replay,
            [run.as_str()],
        ))
        .unwrap();
    c.bulk_actions().list(&Default::default()).unwrap();
    c.bulk_actions().retrieve(&b).unwrap();
    c.bulk_actions().abort(&b).unwrap();
    c.runs().metadata(&run).unwrap();
    c.runs().events(&run).unwrap();
    c.runs().trace(&run).unwrap();
    let replay = c
        .bulk_actions()
        .create(&CreateBulkAction::by_ids(
            BulkActionKind::Replay,
            [run.as_str()],
        ))
        .unwrap();
    emu.process_bulk_action(&replay).unwrap();

    let requests = emu.requests();
    assert_eq!(requests.len(), 25);
    for r in &requests {
        assert_eq!(
            r["headers"]["x-trigger-realtime-streams-version"], "v2",
            "{} {}",
            r["method"], r["path"]
        );
        assert_eq!(r["headers"]["x-trigger-api-version"], "2025-07-16");
    }
    // The triggered run, and the one the bulk replay made from it, use the v2 streams.
    for r in emu.runs() {
        assert_eq!(r["realtimeStreamsVersion"], "v2", "{}", r["id"]);
    }
    assert_eq!(emu.runs().len(), 2);
}
