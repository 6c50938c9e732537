//! The credential table, `configure`, `with_auth` scoping, and `Client` isolation.

mod common;

use std::sync::{Mutex, MutexGuard};

use common::*;
use mockito::Matcher;
use serde_json::json;
use triggerdev::{
    auth, BatchItem, BatchTriggerOptions, Client, Config, CreateEnvVar, CreateSchedule, Env,
    EnvKind, Error, ImportEnvVars, ListRunsParams, ListSchedulesParams, RequestOptions,
    RetryPolicy, TokenKind, TriggerOptions, UpdateSchedule,
};

/// Tests that touch the process-wide configuration run one at a time.
static GLOBAL: Mutex<()> = Mutex::new(());

fn global_lock() -> MutexGuard<'static, ()> {
    GLOBAL.lock().unwrap_or_else(|e| e.into_inner())
}

type Op = (&'static str, fn(&Client) -> triggerdev::Result<()>);

/// Every operation of the Authentication page's table, as the Rust API calls it.
fn operations() -> Vec<Op> {
    vec![
        ("tasks.trigger", |c| {
            c.tasks()
                .trigger("t", &json!({}), &TriggerOptions::new())
                .map(drop)
        }),
        ("tasks.batchTrigger", |c| {
            c.tasks()
                .batch_trigger(
                    &[BatchItem::new("t", &1).unwrap()],
                    &BatchTriggerOptions::new(),
                )
                .map(drop)
        }),
        ("runs.list", |c| {
            c.runs()
                .list(&ListRunsParams::new().project_ref("proj_1").env("dev"))
                .map(drop)
        }),
        ("runs.retrieve", |c| c.runs().retrieve("run_1").map(drop)),
        ("runs.cancel", |c| c.runs().cancel("run_1").map(drop)),
        ("runs.replay", |c| {
            c.runs().replay("run_1", &Default::default()).map(drop)
        }),
        ("envvars.list", |c| {
            c.envvars().list("proj_1", "dev").map(drop)
        }),
        ("envvars.retrieve", |c| {
            c.envvars().retrieve("proj_1", "dev", "A").map(drop)
        }),
        ("envvars.upload", |c| {
            c.envvars()
                .upload("proj_1", "dev", &ImportEnvVars::new([("A", "1")]))
                .map(drop)
        }),
        ("envvars.create", |c| {
            c.envvars()
                .create("proj_1", "dev", &CreateEnvVar::new("A", "1"))
        }),
        ("envvars.update", |c| {
            c.envvars().update("proj_1", "dev", "A", "2")
        }),
        ("envvars.del", |c| c.envvars().del("proj_1", "dev", "A")),
        ("schedules.list", |c| {
            c.schedules()
                .list(&ListSchedulesParams::default())
                .map(drop)
        }),
        ("schedules.create", |c| {
            c.schedules()
                .create(&CreateSchedule::new("t", "* * * * *", "dk"))
                .map(drop)
        }),
        ("schedules.retrieve", |c| {
            c.schedules().retrieve("sched_1").map(drop)
        }),
        ("schedules.update", |c| {
            c.schedules()
                .update("sched_1", &UpdateSchedule::new("t", "* * * * *"))
                .map(drop)
        }),
        ("schedules.activate", |c| {
            c.schedules().activate("sched_1").map(drop)
        }),
        ("schedules.deactivate", |c| {
            c.schedules().deactivate("sched_1").map(drop)
        }),
        ("schedules.del", |c| c.schedules().del("sched_1")),
    ]
}

/// Mocks answering 418 to any request, whatever its method and path.
fn any_request(server: &mut mockito::Server) -> Vec<mockito::Mock> {
    ["GET", "POST", "PUT", "DELETE"]
        .iter()
        .map(|m| server.mock(m, Matcher::Any).with_status(418).create())
        .collect()
}

#[test]
fn the_credential_table_is_enforced_before_any_request() {
    let pat_allowed = [
        "runs.list",
        "envvars.list",
        "envvars.retrieve",
        "envvars.upload",
        "envvars.create",
        "envvars.update",
        "envvars.del",
    ];
    for (name, op) in operations() {
        // Secret key: every operation reaches the server (which answers 418 here).
        let mut server = mockito::Server::new();
        let any = any_request(&mut server);
        let err = op(&client(&server.url())).unwrap_err();
        assert!(
            matches!(err, Error::Status(ref e) if e.status == 418),
            "{name} with a secret key: {err:?}"
        );
        assert!(any.iter().any(|m| m.matched()));

        // PAT: only the operations of the table's PAT column reach the server.
        let mut server = mockito::Server::new();
        let any = any_request(&mut server);
        let err = op(&pat_client(&server.url())).unwrap_err();
        if pat_allowed.contains(&name) {
            assert!(
                matches!(err, Error::Status(_)),
                "{name} with a PAT: {err:?}"
            );
            assert!(any.iter().any(|m| m.matched()));
        } else {
            match err {
                Error::UnsupportedCredential {
                    operation, kind, ..
                } => {
                    assert_eq!(operation, name);
                    assert_eq!(kind, TokenKind::PersonalAccessToken);
                }
                other => panic!("{name} with a PAT: expected UnsupportedCredential, got {other:?}"),
            }
            assert!(
                !any.iter().any(|m| m.matched()),
                "{name} with a PAT sent a request"
            );
        }
    }
}

#[test]
fn unsupported_credential_errors_say_what_to_use() {
    let err = pat_client("http://127.0.0.1:9")
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "runs.retrieve does not accept a personal access token (tr_pat_); use a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)"
    );
}

#[test]
fn token_kinds_come_from_prefixes() {
    for (token, kind) in [
        ("tr_dev_x", TokenKind::SecretKey(EnvKind::Development)),
        ("tr_stg_x", TokenKind::SecretKey(EnvKind::Staging)),
        ("tr_prod_x", TokenKind::SecretKey(EnvKind::Production)),
        ("tr_preview_x", TokenKind::SecretKey(EnvKind::Preview)),
        (
            "tr_dev_sk_abcdefghijklmnopqrstuvwx",
            TokenKind::SecretKey(EnvKind::Development),
        ),
        ("tr_pat_x", TokenKind::PersonalAccessToken),
        ("tr_oat_x", TokenKind::OrganizationAccessToken),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln",
            TokenKind::PublicAccessToken,
        ),
        ("something", TokenKind::Unknown),
    ] {
        assert_eq!(TokenKind::of(token), kind, "{token}");
    }
}

#[test]
fn env_supplies_the_token_and_url_when_config_does_not() {
    let env = Env::from_pairs([
        ("TRIGGER_SECRET_KEY", "tr_prod_from_env"),
        ("TRIGGER_ACCESS_TOKEN", "tr_pat_ignored"),
        ("TRIGGER_API_URL", "http://127.0.0.1:1234/"),
    ]);
    let c = Client::with_env(Config::new(), &env);
    assert_eq!(
        c.token_kind(),
        Some(TokenKind::SecretKey(EnvKind::Production))
    );
    assert_eq!(c.base_url(), "http://127.0.0.1:1234");
    let env = Env::from_pairs([("TRIGGER_ACCESS_TOKEN", "tr_pat_from_env")]);
    let c = Client::with_env(Config::new(), &env);
    assert_eq!(c.token_kind(), Some(TokenKind::PersonalAccessToken));
    assert_eq!(c.base_url(), "https://api.trigger.dev");
    // Explicit values win over the environment.
    let c = Client::with_env(
        Config::new().access_token("tr_dev_x").base_url("http://a"),
        &env,
    );
    assert_eq!(
        c.token_kind(),
        Some(TokenKind::SecretKey(EnvKind::Development))
    );
    assert_eq!(c.base_url(), "http://a");
}

#[test]
fn with_auth_overrides_compose_and_restore() {
    let _g = global_lock();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url("http://global"),
    );
    let outer = Config::new().base_url("http://outer");
    let inner = Config::new().access_token("tr_dev_inner");
    auth::with_auth(outer, || {
        let c = triggerdev::ambient();
        assert_eq!(c.base_url(), "http://outer");
        assert_eq!(
            c.token_kind(),
            Some(TokenKind::SecretKey(EnvKind::Production))
        );
        auth::with_auth(inner, || {
            let c = triggerdev::ambient();
            assert_eq!(c.base_url(), "http://outer", "the outer field is kept");
            assert_eq!(
                c.token_kind(),
                Some(TokenKind::SecretKey(EnvKind::Development))
            );
        });
        assert_eq!(
            triggerdev::ambient().token_kind(),
            Some(TokenKind::SecretKey(EnvKind::Production))
        );
    });
    let c = triggerdev::ambient();
    assert_eq!(c.base_url(), "http://global");
    assert_eq!(
        c.token_kind(),
        Some(TokenKind::SecretKey(EnvKind::Production))
    );
}

#[test]
fn override_clients_nest_field_by_field_without_touching_the_thread() {
    let _g = global_lock();
    let mut server = mockito::Server::new();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url("http://global")
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
    );
    let outer = auth::override_client(None, Config::new().base_url(server.url()));
    let inner = auth::override_client(Some(&outer), Config::new().access_token("tr_dev_inner"));
    // The thread's ambient configuration is untouched by either.
    assert_eq!(triggerdev::ambient().base_url(), "http://global");
    assert_eq!(outer.base_url(), server.url());
    assert_eq!(
        outer.token_kind(),
        Some(TokenKind::SecretKey(EnvKind::Production))
    );
    assert_eq!(inner.base_url(), server.url(), "the outer field is kept");
    let m = server
        .mock("GET", "/api/v3/runs/run_1")
        .match_header("authorization", "Bearer tr_dev_inner")
        .with_status(404)
        .with_body(r#"{"error":"Not found"}"#)
        .create();
    assert!(matches!(
        inner.runs().retrieve("run_1"),
        Err(Error::NotFound(_))
    ));
    m.assert();
    // Over a thread's override when no base is given.
    auth::with_auth(Config::new().base_url("http://thread"), || {
        let c = auth::override_client(None, Config::new().access_token("tr_dev_x"));
        assert_eq!(c.base_url(), "http://thread");
    });
}

#[test]
fn with_auth_restores_after_a_panic() {
    let _g = global_lock();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url("http://global"),
    );
    let result = std::panic::catch_unwind(|| {
        auth::with_auth(Config::new().base_url("http://inside"), || {
            assert_eq!(triggerdev::ambient().base_url(), "http://inside");
            panic!("boom");
        })
    });
    assert!(result.is_err());
    assert_eq!(triggerdev::ambient().base_url(), "http://global");
}

#[test]
fn guards_restore_even_out_of_order() {
    let _g = global_lock();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url("http://global"),
    );
    let a = auth::push(Config::new().base_url("http://a"));
    let b = auth::push(Config::new().base_url("http://b"));
    drop(a);
    assert_eq!(triggerdev::ambient().base_url(), "http://b");
    drop(b);
    assert_eq!(triggerdev::ambient().base_url(), "http://global");
}

#[test]
fn sixteen_threads_with_different_overrides_do_not_cross_talk() {
    let _g = global_lock();
    let mut server = mockito::Server::new();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url(server.url())
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
    );
    let mocks: Vec<mockito::Mock> = (0..16)
        .map(|i| {
            server
                .mock("POST", format!("/api/v2/runs/run_{i}/cancel").as_str())
                .match_header(
                    "authorization",
                    format!("Bearer tr_dev_thread_{i}").as_str(),
                )
                .with_body(format!(r#"{{"id":"run_{i}"}}"#))
                .expect(20)
                .create()
        })
        .collect();
    let barrier = std::sync::Barrier::new(16);
    std::thread::scope(|s| {
        for i in 0..16 {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                auth::with_auth(
                    Config::new().access_token(format!("tr_dev_thread_{i}")),
                    || {
                        for _ in 0..20 {
                            let id = triggerdev::runs().cancel(&format!("run_{i}")).unwrap();
                            assert_eq!(id, format!("run_{i}"));
                        }
                    },
                );
                // Outside the scope, this thread is back on the global config.
                assert_eq!(
                    triggerdev::ambient().token_kind(),
                    Some(TokenKind::SecretKey(EnvKind::Production))
                );
            });
        }
    });
    for m in mocks {
        m.assert();
    }
}

#[test]
fn spawned_threads_start_clean_and_current_carries_the_scope_across() {
    let _g = global_lock();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url("http://global"),
    );
    auth::with_auth(Config::new().base_url("http://scoped"), || {
        let snapshot = auth::current();
        std::thread::spawn(move || {
            assert_eq!(triggerdev::ambient().base_url(), "http://global");
            auth::with_auth(snapshot, || {
                assert_eq!(triggerdev::ambient().base_url(), "http://scoped");
            });
        })
        .join()
        .unwrap();
    });
}

#[test]
fn clients_are_isolated_from_configure_and_overrides() {
    let _g = global_lock();
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v3/runs/run_1")
        .match_header("authorization", "Bearer tr_dev_client_own")
        .with_status(404)
        .expect(2)
        .create();
    let client = Client::with_env(
        Config::new()
            .access_token("tr_dev_client_own")
            .base_url(server.url())
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::from_pairs([("TRIGGER_SECRET_KEY", "tr_prod_env_key")]),
    );
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_global")
            .base_url("http://global"),
    );
    assert!(matches!(
        client.runs().retrieve("run_1"),
        Err(Error::NotFound(_))
    ));
    auth::with_auth(
        Config::new()
            .access_token("tr_dev_override")
            .base_url("http://other"),
        || {
            assert!(matches!(
                client.runs().retrieve("run_1"),
                Err(Error::NotFound(_))
            ));
        },
    );
    mock.assert();
}

#[test]
fn configure_replaces_the_previous_global_config() {
    let _g = global_lock();
    triggerdev::configure(
        Config::new()
            .access_token("tr_prod_one")
            .base_url("http://one"),
    );
    triggerdev::configure(Config::new().access_token("tr_dev_two"));
    let c = triggerdev::ambient();
    assert_eq!(
        c.token_kind(),
        Some(TokenKind::SecretKey(EnvKind::Development))
    );
    assert_ne!(c.base_url(), "http://one");
    assert_eq!(
        format!("{:?}", auth::current()).matches("redacted").count(),
        1
    );
}

#[test]
fn clients_and_handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<triggerdev::Runs>();
    assert_send_sync::<triggerdev::Tasks>();
    assert_send_sync::<triggerdev::EnvVars>();
    assert_send_sync::<triggerdev::Schedules>();
    assert_send_sync::<triggerdev::Batches>();
    fn assert_send<T: Send>() {}
    assert_send::<triggerdev::RunsIter>();
}

#[test]
fn organization_tokens_and_public_tokens_follow_the_server_table() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln";
    let with = |token: &str| {
        Client::with_env(
            Config::new()
                .access_token(token)
                .base_url("http://127.0.0.1:9")
                .request_options(RequestOptions::new().retry(RetryPolicy::none())),
            &Env::default(),
        )
    };
    let unsupported =
        |r: triggerdev::Result<()>| matches!(r, Err(Error::UnsupportedCredential { .. }));
    let sent = |r: triggerdev::Result<()>| matches!(r, Err(Error::Connection { .. }));

    // An organization access token reaches envvars only.
    let oat = with("tr_oat_org_token");
    assert!(sent(oat.envvars().list("proj_1", "dev").map(drop)));
    assert!(unsupported(oat.runs().retrieve("run_1").map(drop)));
    assert!(unsupported(
        oat.schedules()
            .list(&ListSchedulesParams::default())
            .map(drop)
    ));

    // A public access token reaches trigger, runs and batches, but not replay, schedules or envvars.
    let public = with(jwt);
    assert!(sent(public.runs().retrieve("run_1").map(drop)));
    assert!(sent(
        public
            .tasks()
            .trigger("t", &json!({}), &TriggerOptions::new())
            .map(drop)
    ));
    assert!(sent(public.batches().retrieve("batch_1").map(drop)));
    assert!(unsupported(
        public.runs().replay("run_1", &Default::default()).map(drop)
    ));
    assert!(unsupported(
        public.schedules().retrieve("sched_1").map(drop)
    ));
    assert!(unsupported(
        public.envvars().list("proj_1", "dev").map(drop)
    ));
}
