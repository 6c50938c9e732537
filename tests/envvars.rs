//! envvars.* on the wire, and the preview-branch rules that matter most there.

mod common;

use common::*;
use mockito::Matcher;
use triggerdev::{
    Client, Config, CreateEnvVar, Env, Error, ImportEnvVars, RequestOptions, RetryPolicy,
};

const BASE: &str = "/api/v1/projects/proj_1/envvars";

#[test]
fn list_returns_the_bare_array() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(server.mock("GET", format!("{BASE}/dev").as_str()), DEV_KEY)
        .with_body(r#"[{"name":"A","value":"1","isSecret":false},{"name":"S","value":"<redacted>","isSecret":true}]"#)
        .create();
    let vars = client(&server.url())
        .envvars()
        .list("proj_1", "dev")
        .unwrap();
    mock.assert();
    assert_eq!(vars.len(), 2);
    assert_eq!((vars[0].name.as_str(), vars[0].value.as_str()), ("A", "1"));
    assert!(vars[1].is_secret);
    assert!(
        !format!("{:?}", vars[0]).contains("\"1\""),
        "values are redacted in Debug"
    );
}

#[test]
fn retrieve_create_update_del_and_upload() {
    let mut server = mockito::Server::new();
    // Other environments than the key's go through a personal access token.
    let retrieve = with_common_headers(
        server.mock("GET", format!("{BASE}/prod/API_URL").as_str()),
        PAT,
    )
    .with_body(r#"{"name":"API_URL","value":"https://x","isSecret":false}"#)
    .create();
    let create = with_common_headers(server.mock("POST", format!("{BASE}/staging").as_str()), PAT)
        .match_body(Matcher::Exact(
            r#"{"name":"TOKEN","value":"s3cret","isSecret":true}"#.into(),
        ))
        .with_body(r#"{"success":true}"#)
        .create();
    let update = with_common_headers(
        server.mock("PUT", format!("{BASE}/dev/TOKEN").as_str()),
        DEV_KEY,
    )
    .match_body(Matcher::Exact(r#"{"value":"new"}"#.into()))
    .with_body(r#"{"success":true}"#)
    .create();
    let del = with_common_headers(
        server.mock("DELETE", format!("{BASE}/dev/TOKEN").as_str()),
        DEV_KEY,
    )
    .with_body(r#"{"success":true}"#)
    .create();
    let upload = with_common_headers(
        server.mock("POST", format!("{BASE}/dev/import").as_str()),
        DEV_KEY,
    )
    .match_body(Matcher::Exact(
        r#"{"variables":{"Z":"1","A":"two words"},"parentVariables":{"P":"9"},"isSecret":false,"override":true}"#.into(),
    ))
    .with_body(r#"{"success":true}"#)
    .create();

    let c = client(&server.url());
    let pat = pat_client(&server.url());
    let var = pat.envvars().retrieve("proj_1", "prod", "API_URL").unwrap();
    assert_eq!(var.value, "https://x");
    pat.envvars()
        .create(
            "proj_1",
            "staging",
            &CreateEnvVar::new("TOKEN", "s3cret").secret(true),
        )
        .unwrap();
    c.envvars().update("proj_1", "dev", "TOKEN", "new").unwrap();
    c.envvars().del("proj_1", "dev", "TOKEN").unwrap();
    let body = ImportEnvVars::from_dotenv("Z=1\nA=\"two words\"\n")
        .unwrap()
        .override_existing(true)
        .secret(false)
        .parent_variables([("P", "9")]);
    c.envvars().upload("proj_1", "dev", &body).unwrap();
    for m in [retrieve, create, update, del, upload] {
        m.assert();
    }
}

#[test]
fn a_secret_key_of_another_environment_is_refused_before_sending() {
    // The server would serve the key's own environment whatever the path says: a tr_dev_ key
    // on `prod` reads and writes dev.
    let mut server = mockito::Server::new();
    let any = server
        .mock("GET", Matcher::Any)
        .with_body("[]")
        .expect(0)
        .create();
    let cases = [
        (
            "tr_dev_key",
            "prod",
            "a personal access token, or the prod environment's secret key (tr_prod_)",
        ),
        (
            "tr_prod_key",
            "dev",
            "a personal access token, or the dev environment's secret key (tr_dev_)",
        ),
        (
            "tr_stg_key",
            "preview",
            "a personal access token, or the preview environment's secret key (tr_preview_)",
        ),
        (
            "tr_dev_sk_0123456789abcdefghijklmn",
            "staging",
            "a personal access token, or the staging environment's secret key (tr_stg_)",
        ),
    ];
    for (key, env, expected) in cases {
        let c = client_env(&server.url(), key, None, &Env::default());
        let err = c.envvars().list("proj_1", env).unwrap_err();
        match &err {
            Error::UnsupportedCredential {
                operation,
                expected: e,
                ..
            } => assert_eq!((*operation, *e), ("envvars.list", expected)),
            other => panic!("{key} on {env}: {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("envvars.list does not accept a secret key (tr_"),
            "{err}"
        );
    }
    any.assert();
    // The key's own environment, and a personal access token anywhere, are sent.
    let ok = server
        .mock("GET", format!("{BASE}/staging").as_str())
        .with_body("[]")
        .expect(2)
        .create();
    for token in ["tr_stg_key", PAT] {
        client_env(&server.url(), token, None, &Env::default())
            .envvars()
            .list("proj_1", "staging")
            .unwrap();
    }
    ok.assert();
}

#[test]
fn a_missing_variable_is_not_found() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", format!("{BASE}/dev/NOPE").as_str())
        .with_status(404)
        .with_body(r#"{"error":"Environment variable not found"}"#)
        .create();
    let err = client(&server.url())
        .envvars()
        .retrieve("proj_1", "dev", "NOPE")
        .unwrap_err();
    assert_eq!(err.to_string(), "404 Environment variable not found");
    assert!(matches!(err, Error::NotFound(_)));
}

#[test]
fn bad_slugs_names_and_bodies_fail_before_sending() {
    let c = client("http://127.0.0.1:9");
    let err = c.envvars().list("proj_1", "production").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `env`: `production` is not one of dev, staging, prod, preview"
    );
    let err = c.envvars().list("", "dev").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `project_ref`: must not be empty"
    );
    let err = c.envvars().retrieve("proj_1", "dev", "").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `name`: must not be empty"
    );
    let err = c
        .envvars()
        .upload(
            "proj_1",
            "dev",
            &ImportEnvVars::new(Vec::<(String, String)>::new()),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `body.variables`: give at least one variable"
    );
    let err = ImportEnvVars::from_dotenv("GOOD=1\nbad line\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `text`: line 2: expected KEY=value"
    );
}

#[test]
fn a_pat_works_for_envvars() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", format!("{BASE}/prod").as_str())
        .match_header("authorization", format!("Bearer {PAT}").as_str())
        .with_body("[]")
        .create();
    assert!(pat_client(&server.url())
        .envvars()
        .list("proj_1", "prod")
        .unwrap()
        .is_empty());
    mock.assert();
}

fn client_env(url: &str, token: &str, branch: Option<&str>, env: &Env) -> Client {
    let mut cfg = Config::new()
        .access_token(token)
        .base_url(url)
        .request_options(RequestOptions::new().retry(RetryPolicy::none()));
    if let Some(b) = branch {
        cfg = cfg.preview_branch(b);
    }
    Client::with_env(cfg, env)
}

#[test]
fn an_explicit_branch_is_sent_on_every_call() {
    let mut server = mockito::Server::new();
    let preview = server
        .mock("PUT", format!("{BASE}/preview/DATABASE_URL").as_str())
        .match_header("x-trigger-branch", "feature-xyz")
        .match_body(Matcher::Exact(r#"{"value":"postgres://preview"}"#.into()))
        .with_body(r#"{"success":true}"#)
        .create();
    let dev = server
        .mock("GET", format!("{BASE}/dev").as_str())
        .match_header("x-trigger-branch", "feature-xyz")
        .with_body("[]")
        .create();
    let c = client_env(&server.url(), PAT, Some("feature-xyz"), &Env::default());
    c.envvars()
        .update("proj_1", "preview", "DATABASE_URL", "postgres://preview")
        .unwrap();
    c.envvars().list("proj_1", "dev").unwrap();
    preview.assert();
    dev.assert();
}

#[test]
fn a_branch_from_env_vars_is_sent_only_where_it_matters() {
    let env = Env::from_pairs([("VERCEL_GIT_COMMIT_REF", "feature-env")]);
    let mut server = mockito::Server::new();
    // On the preview environment, with a token that may reach it.
    let preview = server
        .mock("GET", format!("{BASE}/preview").as_str())
        .match_header("x-trigger-branch", "feature-env")
        .with_body("[]")
        .expect(1)
        .create();
    // Not on dev with a tr_dev_ key (the trap of docs/design.md#branch-header).
    let dev = server
        .mock("GET", format!("{BASE}/dev").as_str())
        .match_header("x-trigger-branch", Matcher::Missing)
        .with_body("[]")
        .expect(1)
        .create();
    client_env(&server.url(), PAT, None, &env)
        .envvars()
        .list("proj_1", "preview")
        .unwrap();
    let c = client_env(&server.url(), DEV_KEY, None, &env);
    c.envvars().list("proj_1", "dev").unwrap();
    preview.assert();
    dev.assert();

    // A tr_preview_ key sends it everywhere.
    let runs = server
        .mock("GET", "/api/v1/runs")
        .match_header("x-trigger-branch", "feature-env")
        .with_body(r#"{"data":[],"pagination":{}}"#)
        .create();
    let c = client_env(&server.url(), "tr_preview_key", None, &env);
    c.runs().list(&Default::default()).unwrap();
    runs.assert();
}

#[test]
fn branch_env_vars_follow_the_official_precedence() {
    let env = Env::from_pairs([
        ("TRIGGER_PREVIEW_BRANCH", "first"),
        ("VERCEL_GIT_COMMIT_REF", "second"),
        ("TRIGGER_DEV_BRANCH", "third"),
    ]);
    assert_eq!(
        client_env("http://x", DEV_KEY, None, &env).preview_branch(),
        Some("first")
    );
    let env = Env::from_pairs([
        ("VERCEL_GIT_COMMIT_REF", "second"),
        ("TRIGGER_DEV_BRANCH", "third"),
    ]);
    assert_eq!(
        client_env("http://x", DEV_KEY, None, &env).preview_branch(),
        Some("second")
    );
    let env = Env::from_pairs([("TRIGGER_DEV_BRANCH", "third")]);
    assert_eq!(
        client_env("http://x", DEV_KEY, None, &env).preview_branch(),
        Some("third")
    );
    let env = Env::from_pairs([("TRIGGER_DEV_BRANCH", "default")]);
    assert_eq!(
        client_env("http://x", DEV_KEY, None, &env).preview_branch(),
        None
    );
    // An explicit empty branch turns the env fallbacks off.
    let env = Env::from_pairs([("TRIGGER_PREVIEW_BRANCH", "first")]);
    assert_eq!(
        client_env("http://x", DEV_KEY, Some(""), &env).preview_branch(),
        None
    );
}
