//! Sessions, session channels and public access tokens, end to end against the emulator: the
//! scope table row by row, expiry, both URL forms, resuming a stream with nothing lost or
//! repeated, appends recorded once, and a closed session that is never retried.

mod common;

use std::time::Duration;

use common::{emulator_client as client, no_retry as no_retry_client};
use serde_json::json;
use triggerdev::{
    Client, Error, ListRunsParams, ListSessionsParams, PublicTokenOptions, ScopeResource,
    StartSession, SubscribeOptions, TokenKind, TokenScopes, TriggerTokenOptions, UpdateSession,
};
use triggerdev_emulator::{Emulator, FaultRule, SessionOptions};

/// An emulator whose SSE windows close as soon as they have sent what there is.
fn draining_emulator() -> Emulator {
    let emu = Emulator::start().unwrap();
    emu.set_session_options(SessionOptions {
        sse_linger: Some(Duration::ZERO),
        ..SessionOptions::default()
    });
    emu
}

fn start(c: &Client, external: &str) -> triggerdev::StartedSession {
    c.sessions()
        .start(
            &StartSession::new("chat", "chat-agent", json!({"model": "small"}))
                .external_id(external),
        )
        .unwrap()
}

fn drain_window() -> SubscribeOptions {
    SubscribeOptions::new().stop_at_end_of_window(true)
}

#[test]
fn start_gives_the_session_token_and_caches_by_external_id() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let started = start(&c, "chat-1");
    assert!(started.session.id.starts_with("session_"));
    assert_eq!(started.session.external_id.as_deref(), Some("chat-1"));
    assert!(started.run_id.starts_with("run_"));
    assert!(!started.is_cached);
    // The body's token (session scopes), never the run-scoped x-trigger-jwt header.
    let scopes = token_scopes(&started.public_access_token);
    assert_eq!(scopes, ["read:sessions:chat-1", "write:sessions:chat-1"]);
    let again = start(&c, "chat-1");
    assert!(again.is_cached);
    assert_eq!(again.session.id, started.session.id);
    // The wire: the official body, with the config's deployment id unset (no context here).
    let request = emu
        .requests()
        .into_iter()
        .find(|r| r["path"] == "/api/v1/sessions" && r["method"] == "POST")
        .unwrap();
    assert_eq!(
        request["rawBody"],
        r#"{"type":"chat","externalId":"chat-1","taskIdentifier":"chat-agent","triggerConfig":{"basePayload":{"model":"small"}}}"#
    );
    assert_eq!(
        request["headers"]["x-trigger-realtime-streams-version"],
        "v2"
    );
}

/// The `scopes` claim of a JWT (decoded without checking the signature).
fn token_scopes(token: &str) -> Vec<String> {
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&b64url(payload)).unwrap();
    serde_json::from_value(claims["scopes"].clone()).unwrap()
}

fn b64url(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes() {
        bits = bits << 6 | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[test]
fn list_retrieve_update_close_by_either_id() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    let started = start(&c, "chat-2");
    for _ in 0..4 {
        c.sessions()
            .start(&StartSession::new("chat", "chat-agent", json!({})))
            .unwrap();
    }
    let page = c
        .sessions()
        .list(&ListSessionsParams::new().kind("chat").limit(2))
        .unwrap();
    assert_eq!(page.data.len(), 2);
    assert!(page.pagination.next.is_some());
    let all: Vec<_> = c
        .sessions()
        .iter(&ListSessionsParams::new().limit(2))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 5, "three pages of two, lazily");

    let by_id = c.sessions().retrieve(&started.session.id).unwrap();
    let by_external = c.sessions().retrieve("chat-2").unwrap();
    assert_eq!(by_id, by_external);

    let updated = c
        .sessions()
        .update(
            "chat-2",
            &UpdateSession::new()
                .tags(["vip"])
                .metadata(json!({"plan": "pro"})),
        )
        .unwrap();
    assert_eq!(updated.tags, ["vip"]);
    assert_eq!(updated.metadata, Some(json!({"plan": "pro"})));

    let closed = c
        .sessions()
        .close(&started.session.id, Some("done"))
        .unwrap();
    assert_eq!(closed.closed_reason.as_deref(), Some("done"));
    // Closing again is idempotent.
    c.sessions().close("chat-2", None).unwrap();
}

#[test]
fn the_scope_table_row_by_row() {
    let emu = draining_emulator();
    let key = client(&emu, emu.seed().dev_key());
    let started = start(&key, "chat-3");
    key.sessions()
        .open("chat-3")
        .unwrap()
        .output()
        .append(&json!({"text": "welcome"}))
        .unwrap();

    let mint = |scopes: TokenScopes| {
        key.auth()
            .create_public_token(&PublicTokenOptions::new(scopes))
            .unwrap()
    };
    let read = client(
        &emu,
        &mint(TokenScopes::new().read(ScopeResource::Sessions, "chat-3")),
    );
    let write = client(
        &emu,
        &mint(TokenScopes::new().write(ScopeResource::Sessions, "chat-3")),
    );
    assert_eq!(read.token_kind(), Some(TokenKind::PublicAccessToken));

    // read:sessions:{id}: retrieve (both URL forms), list its runs, subscribe and drain both.
    assert_eq!(
        read.sessions().retrieve("chat-3").unwrap().id,
        started.session.id
    );
    assert_eq!(
        read.sessions().retrieve(&started.session.id).unwrap().id,
        started.session.id
    );
    let runs = read
        .runs()
        .list(&ListRunsParams::new().session("chat-3"))
        .unwrap();
    assert_eq!(runs.data[0].id, started.run_id);
    let session = read.sessions().open(&started.session.id).unwrap();
    assert_eq!(session.output().records(None).unwrap().len(), 1);
    assert!(session.input().records(None).unwrap().is_empty());
    let out: Vec<_> = session
        .output()
        .subscribe(&drain_window())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // An appended record's data is the text that was posted.
    assert_eq!(out[0].data, Some(json!(r#"{"text":"welcome"}"#)));
    let denied = |e: Error| matches!(e, Error::PermissionDenied(_));
    assert!(denied(session.input().append("hi").unwrap_err()));

    // write:sessions:{id}: append to .in, nothing else.
    let w = write.sessions().open("chat-3").unwrap();
    assert!(w.input().append("hello").unwrap().ok);
    assert!(denied(w.output().records(None).unwrap_err()));
    assert!(denied(write.sessions().retrieve("chat-3").unwrap_err()));

    // Neither: .out append, update, close — refused before sending.
    let before = emu.request_count();
    for c in [&read, &write] {
        let unsupported =
            |r: Result<_, Error>| matches!(r, Err(Error::UnsupportedCredential { .. }));
        assert!(unsupported(
            c.sessions()
                .open("chat-3")
                .unwrap()
                .output()
                .append("x")
                .map(drop)
        ));
        assert!(unsupported(
            c.sessions()
                .update("chat-3", &UpdateSession::new())
                .map(drop)
        ));
        assert!(unsupported(c.sessions().close("chat-3", None).map(drop)));
    }
    assert_eq!(emu.request_count(), before, "nothing was sent");

    // The session token from start carries both scopes.
    let own = client(&emu, &started.public_access_token);
    own.sessions()
        .open("chat-3")
        .unwrap()
        .input()
        .append("again")
        .unwrap();
    assert_eq!(
        own.sessions().retrieve("chat-3").unwrap().id,
        started.session.id
    );
}

#[test]
fn tokens_expire_on_the_server_clock() {
    let emu = Emulator::start().unwrap();
    let key = client(&emu, emu.seed().dev_key());
    start(&key, "chat-4");
    let token = key
        .auth()
        .create_public_token(
            &PublicTokenOptions::new(TokenScopes::new().read(ScopeResource::Sessions, "chat-4"))
                .expiration_time("15m"),
        )
        .unwrap();
    let reader = client(&emu, &token);
    reader.sessions().retrieve("chat-4").unwrap();
    emu.advance(Duration::from_secs(16 * 60));
    let err = reader.sessions().retrieve("chat-4").unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
}

#[test]
fn the_default_lifetime_is_one_hour_and_bad_expiries_fail_before_sending() {
    let emu = Emulator::start().unwrap();
    let key = client(&emu, emu.seed().dev_key());
    let token = key
        .auth()
        .create_public_token(&PublicTokenOptions::new(
            TokenScopes::new().read_all(ScopeResource::Runs),
        ))
        .unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&b64url(token.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    let before = emu.request_count();
    for bad in ["31d", "soon", "-1h"] {
        let err = key
            .auth()
            .create_public_token(
                &PublicTokenOptions::new(TokenScopes::new().read_all(ScopeResource::Runs))
                    .expiration_time(bad),
            )
            .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::InvalidArgument {
                    argument: "options.expirationTime",
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
    }
    let err = key
        .auth()
        .create_public_token(&PublicTokenOptions::new(
            TokenScopes::new().read(ScopeResource::Runs, ""),
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `options.scopes`: scope resource ids must not be empty"
    );
    assert_eq!(emu.request_count(), before);
    // A PAT cannot mint.
    let pat = client(&emu, emu.seed().pat());
    assert!(matches!(
        pat.auth()
            .create_public_token(&PublicTokenOptions::default()),
        Err(Error::UnsupportedCredential { .. })
    ));
}

#[test]
fn trigger_tokens_trigger_once_unless_multiple_use() {
    let emu = Emulator::start().unwrap();
    let key = client(&emu, emu.seed().dev_key());
    let once = key
        .auth()
        .create_trigger_public_token(&["send-email"], &TriggerTokenOptions::new())
        .unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&b64url(once.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(claims["otu"], true);
    assert_eq!(claims["scopes"], json!(["trigger:tasks:send-email"]));
    let frontend = client(&emu, &once);
    frontend
        .tasks()
        .trigger("send-email", &json!({}), &Default::default())
        .unwrap();
    let other = frontend
        .tasks()
        .trigger("other-task", &json!({}), &Default::default())
        .unwrap_err();
    assert!(matches!(other, Error::PermissionDenied(_)), "{other:?}");

    let batch = key
        .auth()
        .create_batch_trigger_public_token(
            &["send-email"],
            &TriggerTokenOptions::new().multiple_use(true),
        )
        .unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&b64url(batch.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(claims["otu"], false);
    assert_eq!(claims["scopes"], json!(["batchTrigger:tasks:send-email"]));
}

#[test]
fn an_additional_key_asks_the_server_and_hears_which_scopes_it_lacks() {
    let emu = Emulator::start().unwrap();
    let ak = client(&emu, triggerdev_emulator::keys::DEV_ADDITIONAL_KEY);
    let token = ak
        .auth()
        .create_public_token(&PublicTokenOptions::new(
            TokenScopes::new().read(ScopeResource::Sessions, "chat-5"),
        ))
        .unwrap();
    assert_eq!(token_scopes(&token), ["read:sessions:chat-5"]);
    let minted = emu
        .requests()
        .into_iter()
        .find(|r| r["path"] == "/api/v1/auth/public-tokens")
        .unwrap();
    assert_eq!(
        minted["rawBody"],
        r#"{"scopes":["read:sessions:chat-5"],"expirationTime":"3600s"}"#
    );
    let err = ak
        .auth()
        .create_public_token(&PublicTokenOptions::new(
            TokenScopes::new().write_all(ScopeResource::Runs),
        ))
        .unwrap_err();
    let api = match &err {
        Error::PermissionDenied(api) => api,
        other => panic!("{other:?}"),
    };
    assert_eq!(api.code.as_deref(), Some("scopes_exceed_key_access"));
    assert_eq!(api.denied_scopes(), ["write:runs"]);
    // Without scopes an additional key cannot mint.
    let err = ak
        .auth()
        .create_public_token(&PublicTokenOptions::default())
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            argument: "options.scopes",
            ..
        }
    ));
}

#[test]
fn a_retried_append_is_recorded_once() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    start(&c, "chat-6");
    // The first attempt is handled, then its answer is lost: the retry carries the same part id.
    emu.add_fault(
        FaultRule::status(503)
            .times(1)
            .path("/realtime/v1/sessions/chat-6/in/append")
            .after_handler(),
    );
    let input = c.sessions().open("chat-6").unwrap().input();
    let appended = input.append(&json!({"n": 1})).unwrap();
    assert!(appended.ok);
    let records = input.records(None).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let appends: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/realtime/v1/sessions/chat-6/in/append")
        .collect();
    assert_eq!(appends.len(), 2);
    let part = &appends[0]["headers"]["x-part-id"];
    assert_eq!(part.as_str().unwrap().len(), 21);
    assert_eq!(&appends[1]["headers"]["x-part-id"], part);
    assert_eq!(appends[0]["rawBody"], r#"{"n":1}"#);
    // A string goes as its text.
    input.append("plain text").unwrap();
    let last = emu.requests().into_iter().last().unwrap();
    assert_eq!(last["rawBody"], "plain text");
}

#[test]
fn an_out_append_posts_to_the_append_route() {
    // Not the official `PUT …/out` then a write to the stream store
    // (`docs/design.md#session-output-appends`): one POST with the record and its part id.
    let mut server = mockito::Server::new();
    let append = common::with_common_headers(
        server.mock("POST", "/realtime/v1/sessions/chat-1/out/append"),
        common::DEV_KEY,
    )
    .match_header(
        "x-part-id",
        mockito::Matcher::Regex("^[A-Za-z0-9_-]{21}$".into()),
    )
    .match_body(mockito::Matcher::Exact(r#"{"text":"hi"}"#.into()))
    .with_body(r#"{"ok":true,"seq":3}"#)
    .expect(1)
    .create();
    let init = server
        .mock("PUT", "/realtime/v1/sessions/chat-1/out")
        .expect(0)
        .create();
    let appended = common::client(&server.url())
        .sessions()
        .open("chat-1")
        .unwrap()
        .output()
        .append(&json!({"text": "hi"}))
        .unwrap();
    assert!(appended.ok);
    append.assert();
    init.assert();
}

#[test]
fn a_closed_session_is_a_terminal_error_never_retried() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    start(&c, "chat-7");
    c.sessions().close("chat-7", Some("bye")).unwrap();
    let before = emu.request_count();
    let err = c
        .sessions()
        .open("chat-7")
        .unwrap()
        .input()
        .append("late")
        .unwrap_err();
    let api = match &err {
        Error::SessionClosed(api) => api,
        other => panic!("{other:?}"),
    };
    // The server's 400 without a code.
    assert_eq!(api.status, 400);
    assert_eq!(api.code, None);
    assert_eq!(api.message, "Cannot append to a closed session");
    assert_eq!(emu.request_count(), before + 1, "not retried");
}

#[test]
fn a_closed_session_409_with_its_code_is_not_retried_either() {
    // The 4.8.3 docs' answer: a 409 (a status the client otherwise retries) with the code.
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    start(&c, "chat-7b");
    emu.add_fault(FaultRule {
        body: Some(
            json!({"ok": false, "error": "Cannot append to a closed session",
                          "code": "session_closed", "closedReason": "done"}),
        ),
        ..FaultRule::status(409).path("/realtime/v1/sessions/chat-7b/in/append")
    });
    let before = emu.request_count();
    let err = c
        .sessions()
        .open("chat-7b")
        .unwrap()
        .input()
        .append("late")
        .unwrap_err();
    match &err {
        Error::SessionClosed(api) => {
            assert_eq!(
                (api.status, api.code.as_deref()),
                (409, Some("session_closed"))
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.request_count(), before + 1, "not retried");
}

/// Appends `n` records to `.out` as the task would; returns their seqs.
fn task_writes(emu: &Emulator, session: &str, n: usize) -> Vec<u64> {
    (0..n)
        .map(|i| emu.append_session_out(session, json!({"i": i})).unwrap())
        .collect()
}

#[test]
fn a_dropped_stream_resumes_after_the_last_record_with_none_lost_or_repeated() {
    let emu = draining_emulator();
    let c = client(&emu, emu.seed().dev_key());
    let started = start(&c, "chat-8");
    task_writes(&emu, "chat-8", 10);
    emu.add_fault(FaultRule::sse_drop_after(3).times(1));
    emu.add_fault(FaultRule::sse_error_after(4).times(1));
    let records: Vec<_> = c
        .sessions()
        .open(&started.session.id)
        .unwrap()
        .output()
        .subscribe(&drain_window())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let seen: Vec<u64> = records
        .iter()
        .map(|r| r.data.as_ref().unwrap()["i"].as_u64().unwrap())
        .collect();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    // Three connections: the dropped one, the one cut by `event: error`, and the last; the
    // later ones resumed with Last-Event-ID = the last seq_num, never the SSE id line.
    let connects: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r["path"] == format!("/realtime/v1/sessions/{}/out", started.session.id))
        .collect();
    assert_eq!(connects.len(), 3);
    assert!(connects[0]["headers"]["last-event-id"].is_null());
    assert_eq!(
        connects[1]["headers"]["last-event-id"],
        records[2].seq_num.to_string()
    );
    assert_eq!(
        connects[2]["headers"]["last-event-id"],
        records[6].seq_num.to_string()
    );
    assert_eq!(connects[0]["headers"]["accept"], "text/event-stream");
    // The backoff went through the client's clock: 100 ms, then 200 ms, jitter 0 → full.
    assert!(connects[1]["headers"]["x-trigger-request-idempotency-key"].is_null());
}

#[test]
fn command_records_are_skipped_and_turn_complete_refreshes_the_token() {
    let emu = draining_emulator();
    let key = client(&emu, emu.seed().dev_key());
    let started = start(&key, "chat-9");
    emu.append_session_out("chat-9", json!("first")).unwrap();
    emu.append_session_records(
        "chat-9",
        None,
        "out",
        json!({"command": "fence", "body": "f"}),
    )
    .unwrap();
    emu.advance(Duration::from_secs(5)); // so the refreshed token differs
    emu.session_turn_complete("chat-9").unwrap();
    let reader = client(&emu, &started.public_access_token);
    let mut sub = reader
        .sessions()
        .open("chat-9")
        .unwrap()
        .output()
        .subscribe(&drain_window())
        .unwrap();
    let first = sub.next().unwrap().unwrap();
    assert_eq!(first.data, Some(json!("first")));
    let control = sub.next().unwrap().unwrap();
    assert!(control.is_turn_complete());
    assert_eq!(control.data, None);
    let refreshed = control.public_access_token().unwrap().to_owned();
    assert_ne!(refreshed, started.public_access_token);
    assert!(sub.next().is_none());
    // The cursor advanced past the command record too.
    assert_eq!(sub.last_seq(), Some(control.seq_num));
}

#[test]
fn last_seq_counts_the_records_handed_out_so_a_new_subscription_resumes_after_them() {
    let emu = draining_emulator();
    let key = client(&emu, emu.seed().dev_key());
    start(&key, "chat-10");
    for n in 0..7 {
        emu.append_session_out("chat-10", json!(n)).unwrap();
    }
    emu.append_session_records(
        "chat-10",
        None,
        "out",
        json!({"command": "fence", "body": "f"}),
    )
    .unwrap();
    let output = key.sessions().open("chat-10").unwrap().output();
    let mut sub = output.subscribe(&drain_window()).unwrap();
    assert_eq!(sub.last_seq(), None);
    let firsts: Vec<_> = sub.by_ref().take(3).map(Result::unwrap).collect();
    // One batch holds all eight records; only the three handed out count.
    assert_eq!(sub.last_seq(), Some(firsts[2].seq_num));
    let resumed: Vec<_> = output
        .subscribe(&drain_window().last_event_id(sub.last_seq().unwrap()))
        .unwrap()
        .map(|r| r.unwrap().data.unwrap())
        .collect();
    assert_eq!(resumed, [json!(3), json!(4), json!(5), json!(6)]);
    // Past the last data record, the trailing command record counts too.
    let rest: Vec<_> = sub.by_ref().map(Result::unwrap).collect();
    assert_eq!(rest.len(), 4);
    assert_eq!(sub.last_seq(), Some(rest[3].seq_num + 1));
}

#[test]
fn a_subscription_can_start_at_the_tail_and_be_stopped_from_another_thread() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, emu.seed().dev_key());
    start(&c, "chat-10");
    task_writes(&emu, "chat-10", 3);
    let mut sub = c
        .sessions()
        .open("chat-10")
        .unwrap()
        .output()
        .subscribe(&SubscribeOptions::new().from_latest(true))
        .unwrap();
    let stopper = sub.stopper();
    let reader = std::thread::spawn(move || sub.next());
    // Readiness: wait until the stream is open on the server, then write one record live.
    while emu.session_subscribers("chat-10") == 0 {
        std::thread::yield_now();
    }
    emu.append_session_out("chat-10", json!("live")).unwrap();
    let got = reader.join().unwrap().unwrap().unwrap();
    assert_eq!(
        got.data,
        Some(json!("live")),
        "only what came after the tail"
    );

    let mut sub = c
        .sessions()
        .open("chat-10")
        .unwrap()
        .output()
        .subscribe(&SubscribeOptions::new().from_latest(true))
        .unwrap();
    let stopper2 = sub.stopper();
    let blocked = std::thread::spawn(move || sub.next());
    while emu.session_subscribers("chat-10") == 0 {
        std::thread::yield_now();
    }
    stopper2.stop();
    assert!(
        blocked.join().unwrap().is_none(),
        "stopped, no record, no error"
    );
    stopper.stop();
}

#[test]
fn named_channels_have_their_own_records_and_names_are_checked() {
    let emu = draining_emulator();
    let c = client(&emu, emu.seed().dev_key());
    start(&c, "chat-11");
    let session = c.sessions().open("chat-11").unwrap();
    let side = session.channel("tool-calls").unwrap();
    side.input().append(&json!({"call": 1})).unwrap();
    assert_eq!(side.input().records(None).unwrap().len(), 1);
    let path = emu.requests().into_iter().last().unwrap()["path"].clone();
    assert_eq!(
        path,
        "/realtime/v1/sessions/chat-11/channels/tool-calls/in/records"
    );
    assert!(session.input().records(None).unwrap().is_empty());
    let err = session.channel("bad name").unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            argument: "channel",
            ..
        }
    ));
    // A named-channel token reads that channel only.
    let token = c
        .auth()
        .create_public_token(&PublicTokenOptions::new(
            TokenScopes::new().read_channel("chat-11", "tool-calls"),
        ))
        .unwrap();
    let scoped = client(&emu, &token);
    let s = scoped.sessions().open("chat-11").unwrap();
    assert_eq!(
        s.channel("tool-calls")
            .unwrap()
            .input()
            .records(None)
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        s.input().records(None).unwrap_err(),
        Error::PermissionDenied(_)
    ));
}

#[test]
fn a_subscription_to_a_failing_server_gives_up_after_the_retry_policys_attempts() {
    let emu = draining_emulator();
    let c = client(&emu, emu.seed().dev_key());
    start(&c, "chat-5xx");
    let path = "/realtime/v1/sessions/chat-5xx/out";
    emu.add_fault(FaultRule::status(503).path(path));
    let connects = |emu: &Emulator| {
        emu.requests()
            .into_iter()
            .filter(|r| r["path"] == path)
            .count()
    };
    // The default policy: 5 attempts, then the last error is the iterator's last item.
    let output = c.sessions().open("chat-5xx").unwrap().output();
    let items: Vec<_> = output
        .subscribe(&SubscribeOptions::new())
        .unwrap()
        .collect();
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0] {
        Err(Error::Server(api)) => assert_eq!(api.status, 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(connects(&emu), 5);
    // No retries: one attempt.
    let once = no_retry_client(&c)
        .sessions()
        .open("chat-5xx")
        .unwrap()
        .output()
        .subscribe(&SubscribeOptions::new())
        .unwrap()
        .next();
    assert!(matches!(once, Some(Err(Error::Server(_)))), "{once:?}");
    assert_eq!(connects(&emu), 6);
    // Failures that end before the attempts run out are ridden over.
    emu.clear_faults();
    emu.append_session_out("chat-5xx", json!("hi")).unwrap();
    emu.add_fault(FaultRule::status(502).times(4).path(path));
    let records: Vec<_> = output
        .subscribe(&drain_window())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].data, Some(json!("hi")));
}
