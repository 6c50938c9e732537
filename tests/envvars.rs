//! envvars.* on the wire, and the preview-branch rules that matter most there.

mod common;

use common::*;
use mockito::Matcher;
use triggerdev::{
    Client, Config, CreateEnvVar, Env, Error, ImportEnvVars, ListRunsParams, RequestOptions,
    RetryPolicy,
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

/// One call and the `x-trigger-branch` it must carry (`None`: no header at all).
struct Case {
    what: &'static str,
    token: &'static str,
    method: &'static str,
    path: &'static str,
    call: fn(&Client),
    branch: Option<&'static str>,
}

fn envvars_list(env: &'static str) -> fn(&Client) {
    match env {
        "dev" => |c| drop(c.envvars().list("proj_1", "dev").unwrap()),
        "staging" => |c| drop(c.envvars().list("proj_1", "staging").unwrap()),
        "prod" => |c| drop(c.envvars().list("proj_1", "prod").unwrap()),
        _ => |c| drop(c.envvars().list("proj_1", "preview").unwrap()),
    }
}

fn runs_list(c: &Client) {
    c.runs().list(&Default::default()).unwrap();
}

fn case(what: &'static str, token: &'static str, call: &str, branch: Option<&'static str>) -> Case {
    let (method, path, call): (_, _, fn(&Client)) = match call {
        "upload dev" => ("POST", "/api/v1/projects/proj_1/envvars/dev/import", |c| {
            c.envvars()
                .upload("proj_1", "dev", &ImportEnvVars::new([("A", "1")]))
                .unwrap()
        }),
        "envvars dev" => (
            "GET",
            "/api/v1/projects/proj_1/envvars/dev",
            envvars_list("dev"),
        ),
        "envvars staging" => (
            "GET",
            "/api/v1/projects/proj_1/envvars/staging",
            envvars_list("staging"),
        ),
        "envvars prod" => (
            "GET",
            "/api/v1/projects/proj_1/envvars/prod",
            envvars_list("prod"),
        ),
        "envvars preview" => (
            "GET",
            "/api/v1/projects/proj_1/envvars/preview",
            envvars_list("preview"),
        ),
        "runs" => ("GET", "/api/v1/runs", runs_list),
        "project runs" => ("GET", "/api/v1/projects/proj_1/runs", |c| {
            let params = ListRunsParams::new().project_ref("proj_1").env("dev");
            c.runs().list(&params).unwrap();
        }),
        other => panic!("no call {other}"),
    };
    Case {
        what,
        token,
        method,
        path,
        call,
        branch,
    }
}

/// Each case on its own server: the one request must carry exactly `branch`.
fn check_branches(config: Config, env: &Env, cases: &[Case]) {
    for case in cases {
        let mut server = mockito::Server::new();
        let body = if case.path.ends_with("runs") {
            r#"{"data":[],"pagination":{}}"#
        } else if case.method == "POST" {
            r#"{"success":true}"#
        } else {
            "[]"
        };
        let matcher = case
            .branch
            .map_or(Matcher::Missing, |b| Matcher::Exact(b.to_owned()));
        let mock = server
            .mock(
                case.method,
                Matcher::Regex(format!("^{}($|\\?)", case.path)),
            )
            .match_header("x-trigger-branch", matcher)
            .with_body(body)
            .expect(1)
            .create();
        let client = Client::with_env(
            config
                .clone()
                .access_token(case.token)
                .base_url(server.url())
                .request_options(RequestOptions::new().retry(RetryPolicy::none())),
            env,
        );
        (case.call)(&client);
        assert!(
            mock.matched(),
            "{}: expected branch {:?}",
            case.what,
            case.branch
        );
    }
}

const STG_KEY: &str = "tr_stg_key";
const PROD_KEY: &str = "tr_prod_key";
const PREVIEW_KEY: &str = "tr_preview_key";

#[test]
fn a_preview_branch_goes_only_to_the_preview_environment() {
    check_branches(
        Config::new().preview_branch("feature-xyz"),
        &Env::default(),
        &[
            // The Authentication page: no effect on dev, staging or prod (issue: a dev upload
            // with the branch got 404 `Branch not found`).
            case("PAT, dev upload", PAT, "upload dev", None),
            case("PAT, dev", PAT, "envvars dev", None),
            case("PAT, staging", PAT, "envvars staging", None),
            case("PAT, prod", PAT, "envvars prod", None),
            case("PAT, preview", PAT, "envvars preview", Some("feature-xyz")),
            case("dev key", DEV_KEY, "runs", None),
            case("dev key, dev envvars", DEV_KEY, "envvars dev", None),
            case("staging key", STG_KEY, "runs", None),
            case("prod key", PROD_KEY, "runs", None),
            case("preview key", PREVIEW_KEY, "runs", Some("feature-xyz")),
            case(
                "preview key, envvars",
                PREVIEW_KEY,
                "envvars preview",
                Some("feature-xyz"),
            ),
            // The SDK cannot tell the environment: the branch the caller set goes.
            case(
                "PAT, project runs",
                PAT,
                "project runs",
                Some("feature-xyz"),
            ),
        ],
    );
}

#[test]
fn a_dev_branch_goes_only_to_the_dev_environment() {
    check_branches(
        Config::new().dev_branch("dev-b"),
        &Env::default(),
        &[
            case("dev key", DEV_KEY, "runs", Some("dev-b")),
            case("dev key, envvars", DEV_KEY, "envvars dev", Some("dev-b")),
            case("PAT, dev", PAT, "envvars dev", Some("dev-b")),
            case("PAT, dev upload", PAT, "upload dev", Some("dev-b")),
            case("PAT, preview", PAT, "envvars preview", None),
            case("PAT, prod", PAT, "envvars prod", None),
            case("prod key", PROD_KEY, "runs", None),
            case("preview key", PREVIEW_KEY, "runs", None),
            case("PAT, project runs", PAT, "project runs", Some("dev-b")),
        ],
    );
    // Both set: each goes to its own environment; elsewhere the preview branch is preferred.
    check_branches(
        Config::new()
            .preview_branch("feature-xyz")
            .dev_branch("dev-b"),
        &Env::default(),
        &[
            case("dev key", DEV_KEY, "runs", Some("dev-b")),
            case("PAT, dev", PAT, "envvars dev", Some("dev-b")),
            case("PAT, preview", PAT, "envvars preview", Some("feature-xyz")),
            case("preview key", PREVIEW_KEY, "runs", Some("feature-xyz")),
            case(
                "PAT, project runs",
                PAT,
                "project runs",
                Some("feature-xyz"),
            ),
        ],
    );
}

#[test]
fn branches_from_env_vars_go_to_their_environment() {
    let env = Env::from_pairs([
        ("VERCEL_GIT_COMMIT_REF", "feature-env"),
        ("TRIGGER_DEV_BRANCH", "dev-env"),
    ]);
    check_branches(
        Config::new(),
        &env,
        &[
            case("PAT, preview", PAT, "envvars preview", Some("feature-env")),
            case("preview key", PREVIEW_KEY, "runs", Some("feature-env")),
            case("dev key", DEV_KEY, "runs", Some("dev-env")),
            case("PAT, dev", PAT, "envvars dev", Some("dev-env")),
            case("staging key", STG_KEY, "runs", None),
            case("PAT, prod", PAT, "envvars prod", None),
            // A leftover variable is not the caller asking.
            case("PAT, project runs", PAT, "project runs", None),
        ],
    );
    // Without TRIGGER_DEV_BRANCH, a leftover preview branch cannot turn tr_dev_ calls into
    // `401 No matching branch env` (docs/design.md#branch-header).
    check_branches(
        Config::new(),
        &Env::from_pairs([("VERCEL_GIT_COMMIT_REF", "feature-env")]),
        &[
            case("dev key", DEV_KEY, "runs", None),
            case("dev key, envvars", DEV_KEY, "envvars dev", None),
        ],
    );
    // `preview_branch("")` turns every branch variable off; `dev_branch("")` only its own.
    check_branches(
        Config::new().preview_branch(""),
        &env,
        &[
            case("dev key", DEV_KEY, "runs", None),
            case("preview key", PREVIEW_KEY, "runs", None),
        ],
    );
    check_branches(
        Config::new().dev_branch(""),
        &env,
        &[
            case("dev key", DEV_KEY, "runs", None),
            case("preview key", PREVIEW_KEY, "runs", Some("feature-env")),
        ],
    );
}

#[test]
fn branch_env_vars_follow_the_official_precedence() {
    let branches = |env: &[(&str, &str)], explicit: Option<&str>| {
        let c = client_env(
            "http://x",
            DEV_KEY,
            explicit,
            &Env::from_pairs(env.iter().copied()),
        );
        (
            c.preview_branch().map(str::to_owned),
            c.dev_branch().map(str::to_owned),
        )
    };
    let all = [
        ("TRIGGER_PREVIEW_BRANCH", "first"),
        ("VERCEL_GIT_COMMIT_REF", "second"),
        ("TRIGGER_DEV_BRANCH", "third"),
    ];
    let named = |p: Option<&str>, d: Option<&str>| (p.map(str::to_owned), d.map(str::to_owned));
    assert_eq!(branches(&all, None), named(Some("first"), Some("third")));
    assert_eq!(
        branches(&all[1..], None),
        named(Some("second"), Some("third"))
    );
    assert_eq!(branches(&all[2..], None), named(None, Some("third")));
    assert_eq!(
        branches(&[("TRIGGER_DEV_BRANCH", "default")], None),
        named(None, None)
    );
    assert_eq!(
        branches(&all, Some("mine")),
        named(Some("mine"), Some("third"))
    );
    // An explicit empty preview branch turns every branch variable off.
    assert_eq!(branches(&all, Some("")), named(None, None));
}
