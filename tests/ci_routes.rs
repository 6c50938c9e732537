//! The routes CI needs, on the wire (mockito): branches (create, list, archive), an
//! environment's secret key for a PAT, and whoami; then end to end against the emulator.

mod common;

use common::*;
use mockito::{Matcher, Mock, Server};
use serde_json::json;
use triggerdev::{
    BranchEnv, Client, Config, CreateBranch, Env, EnvKind, Error, RequestOptions, RetryPolicy,
    TokenKind,
};
use triggerdev_emulator::Emulator;

const PREVIEW_KEY: &str = "tr_preview_test_key_789";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln";

fn with_body(mock: Mock, token: &str, body: &str) -> Mock {
    with_common_headers(mock, token)
        .match_header("content-length", body.len().to_string().as_str())
        .match_body(Matcher::Exact(body.to_owned()))
}

fn client_for(url: &str, config: Config) -> Client {
    Client::with_env(
        config
            .base_url(url)
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    )
}

fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST"]
        .iter()
        .map(|m| server.mock(m, Matcher::Any).expect(0).create())
        .collect()
}

fn assert_unsupported(err: Error, operation: &str, kind: TokenKind) {
    match err {
        Error::UnsupportedCredential {
            operation: o,
            kind: k,
            ..
        } => assert_eq!((o, k), (operation, kind)),
        other => panic!("expected UnsupportedCredential, got {other:?}"),
    }
}

#[test]
fn create_posts_env_branch_and_git_and_decodes_the_id() {
    let mut server = Server::new();
    let body =
        r#"{"env":"preview","branch":"pr-42","git":{"commitSha":"abc","pullRequestNumber":42}}"#;
    let mock = with_body(
        server.mock("POST", "/api/v1/projects/proj_a%2Fb/branches"),
        PAT,
        body,
    )
    .with_body(r#"{"id":"env_123"}"#)
    .expect(1)
    .create();
    let git = json!({"commitSha": "abc", "pullRequestNumber": 42});
    let created = pat_client(&server.url())
        .branches()
        .create(
            "proj_a/b",
            &CreateBranch::new(BranchEnv::Preview, "pr-42").git(git.as_object().unwrap().clone()),
        )
        .unwrap();
    mock.assert();
    assert_eq!(created.id, "env_123");
}

#[test]
fn create_with_the_preview_key_sends_no_branch_header() {
    let mut server = Server::new();
    let body = r#"{"env":"preview","branch":"pr-1"}"#;
    let mock = with_body(
        server.mock("POST", "/api/v1/projects/proj_x/branches"),
        PREVIEW_KEY,
        body,
    )
    .match_header("x-trigger-branch", Matcher::Missing)
    .with_body(r#"{"id":"env_1"}"#)
    .expect(1)
    .create();
    let c = client_for(
        &server.url(),
        Config::new()
            .access_token(PREVIEW_KEY)
            .preview_branch("pr-1"),
    );
    let created = c
        .branches()
        .create("proj_x", &CreateBranch::new(BranchEnv::Preview, "pr-1"))
        .unwrap();
    mock.assert();
    assert_eq!(created.id, "env_1");
}

#[test]
fn list_gets_the_branches_and_decodes_them() {
    let mut server = Server::new();
    let answer = json!({"branches": [
        {"id": "env_1", "name": "pr-1", "createdAt": "2026-01-01T00:00:00.000Z",
         "updatedAt": "2026-01-02T00:00:00.000Z", "git": {"commitSha": "abc"}, "isPaused": false},
        {"id": "env_2", "name": "pr-2", "createdAt": "2026-01-03T00:00:00.000Z",
         "updatedAt": "2026-01-03T00:00:00.000Z", "isPaused": true}
    ]});
    let mock = with_common_headers(server.mock("GET", "/api/v1/projects/proj_x/branches"), PAT)
        .with_body(answer.to_string())
        .expect(1)
        .create();
    let branches = pat_client(&server.url()).branches().list("proj_x").unwrap();
    mock.assert();
    assert_eq!(branches.len(), 2);
    assert_eq!(
        (
            branches[0].id.as_str(),
            branches[0].name.as_str(),
            branches[0].is_paused
        ),
        ("env_1", "pr-1", false)
    );
    assert_eq!(branches[0].created_at, "2026-01-01T00:00:00.000Z");
    assert_eq!(branches[0].git.as_ref().unwrap()["commitSha"], "abc");
    assert_eq!(
        (branches[1].git.is_none(), branches[1].is_paused),
        (true, true)
    );
}

#[test]
fn archive_posts_env_and_branch_and_decodes_the_branch_id() {
    let mut server = Server::new();
    let mock = with_body(
        server.mock("POST", "/api/v1/projects/proj_x/branches/archive"),
        PAT,
        r#"{"env":"development","branch":"alice"}"#,
    )
    .with_body(
        r#"{"success":true,"branch":{"id":"env_9","branchName":"alice"},"project":{"id":"p"}}"#,
    )
    .expect(1)
    .create();
    let archived = pat_client(&server.url())
        .branches()
        .archive("proj_x", BranchEnv::Development, "alice")
        .unwrap();
    mock.assert();
    assert_eq!(archived.branch.id, "env_9");
}

#[test]
fn environment_gets_the_key_and_hides_it_from_debug() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", "/api/v1/projects/proj_x/prod"), PAT)
        .with_body(r#"{"apiKey":"tr_prod_secret_value","name":"My project","apiUrl":"https://api.example","projectId":"cl_1","defaultRuntime":null}"#)
        .expect(1)
        .create();
    let env = pat_client(&server.url())
        .projects()
        .environment("proj_x", "prod")
        .unwrap();
    mock.assert();
    assert_eq!(
        (
            env.api_key.as_str(),
            env.name.as_str(),
            env.api_url.as_str(),
            env.project_id.as_str()
        ),
        (
            "tr_prod_secret_value",
            "My project",
            "https://api.example",
            "cl_1"
        )
    );
    assert_eq!(env.default_runtime, None);
    let shown = format!("{env:?}");
    assert!(!shown.contains("tr_prod_secret_value"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    let config = env.config();
    assert!(!format!("{config:?}").contains("tr_prod_secret_value"));
    let client = Client::with_env(config, &Env::default());
    assert_eq!(
        client.token_kind(),
        Some(TokenKind::SecretKey(EnvKind::Production))
    );
    assert_eq!(client.base_url(), "https://api.example");
}

#[test]
fn environment_of_preview_sends_the_preview_branch() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", "/api/v1/projects/proj_x/preview"), PAT)
        .match_header("x-trigger-branch", "pr-7")
        .with_body(r#"{"apiKey":"tr_preview_k","name":"n","apiUrl":"u","projectId":"p"}"#)
        .expect(1)
        .create();
    let c = client_for(
        &server.url(),
        Config::new().access_token(PAT).preview_branch("pr-7"),
    );
    let env = c.projects().environment("proj_x", "preview").unwrap();
    mock.assert();
    assert_eq!(env.api_key, "tr_preview_k");
}

#[test]
fn whoami_sends_the_project_ref_and_decodes_the_user() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", "/api/v2/whoami?projectRef=proj_x"), PAT)
        .with_body(r#"{"userId":"u_1","email":"a@b.c","dashboardUrl":"https://cloud","project":{"name":"P","url":"https://cloud/p","orgTitle":"Org"}}"#)
        .expect(1)
        .create();
    let me = pat_client(&server.url())
        .projects()
        .whoami(Some("proj_x"))
        .unwrap();
    mock.assert();
    assert_eq!(
        (
            me.user_id.as_str(),
            me.email.as_str(),
            me.dashboard_url.as_str()
        ),
        ("u_1", "a@b.c", "https://cloud")
    );
    let p = me.project.unwrap();
    assert_eq!(
        (p.name.as_str(), p.url.as_str(), p.org_title.as_str()),
        ("P", "https://cloud/p", "Org")
    );

    let bare = with_common_headers(server.mock("GET", "/api/v2/whoami"), PAT)
        .match_query(Matcher::Exact(String::new()))
        .with_body(r#"{"userId":"u_1","email":"a@b.c","dashboardUrl":"https://cloud"}"#)
        .expect(1)
        .create();
    let me = pat_client(&server.url()).projects().whoami(None).unwrap();
    bare.assert();
    assert_eq!(me.project, None);
}

#[test]
fn bad_arguments_are_refused_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let c = pat_client(&server.url());
    let invalid = |e: Error| match e {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    assert_eq!(invalid(c.branches().list("").unwrap_err()), "project_ref");
    assert_eq!(
        invalid(
            c.branches()
                .create("p", &CreateBranch::new(BranchEnv::Preview, " "))
                .unwrap_err()
        ),
        "branch"
    );
    assert_eq!(
        invalid(
            c.branches()
                .archive("p", BranchEnv::Preview, "")
                .unwrap_err()
        ),
        "branch"
    );
    assert_eq!(
        invalid(c.projects().environment("p", "production").unwrap_err()),
        "env"
    );
    assert_eq!(
        invalid(c.projects().whoami(Some("")).unwrap_err()),
        "project_ref"
    );
    assert_eq!(invalid("main".parse::<BranchEnv>().unwrap_err()), "env");
    for m in none {
        m.assert();
    }
}

#[test]
fn wrong_credentials_are_refused_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let dev = client(&server.url());
    let dev_kind = TokenKind::SecretKey(EnvKind::Development);
    assert_unsupported(
        dev.branches().list("p").unwrap_err(),
        "branches.list",
        dev_kind,
    );
    assert_unsupported(
        dev.branches()
            .create("p", &CreateBranch::new(BranchEnv::Preview, "b"))
            .unwrap_err(),
        "branches.create",
        dev_kind,
    );
    assert_unsupported(
        dev.branches()
            .archive("p", BranchEnv::Preview, "b")
            .unwrap_err(),
        "branches.archive",
        dev_kind,
    );
    assert_unsupported(
        dev.projects().whoami(None).unwrap_err(),
        "projects.whoami",
        dev_kind,
    );
    assert_unsupported(
        dev.projects().environment("p", "prod").unwrap_err(),
        "projects.environment",
        dev_kind,
    );
    let public = client_for(&server.url(), Config::new().access_token(JWT));
    assert_unsupported(
        public.projects().environment("p", "dev").unwrap_err(),
        "projects.environment",
        TokenKind::PublicAccessToken,
    );
    let preview = client_for(&server.url(), Config::new().access_token(PREVIEW_KEY));
    assert_unsupported(
        preview.branches().list("p").unwrap_err(),
        "branches.list",
        TokenKind::SecretKey(EnvKind::Preview),
    );
    for m in none {
        m.assert();
    }
}

fn emulator_client(emu: &Emulator, token: &str) -> Client {
    client_for(emu.base_url(), Config::new().access_token(token))
}

#[test]
fn a_pipeline_with_only_a_pat_against_the_emulator() {
    let emu = Emulator::start().unwrap();
    let ci = emulator_client(&emu, emu.seed().pat());
    let project = "proj_emulator";

    let me = ci.projects().whoami(Some(project)).unwrap();
    assert_eq!(me.project.unwrap().name, "Emulator project");
    assert!(ci
        .projects()
        .whoami(Some("proj_other"))
        .unwrap()
        .project
        .is_none());

    // Exchange the PAT for the prod key, and trigger with it.
    let prod = ci.projects().environment(project, "prod").unwrap();
    assert_eq!(prod.api_key, emu.seed().prod_key());
    assert_eq!(prod.api_url, emu.base_url());
    let prod_client = Client::with_env(prod.config(), &Env::default());
    let run = prod_client
        .tasks()
        .trigger("hello", &json!({}), &Default::default())
        .unwrap();
    assert!(run.id.starts_with("run_"));

    // A preview branch: create, see it listed, archive it, gone; archiving again is refused.
    let created = ci
        .branches()
        .create(project, &CreateBranch::new(BranchEnv::Preview, "pr-42"))
        .unwrap();
    let again = ci
        .branches()
        .create(project, &CreateBranch::new(BranchEnv::Preview, "pr-42"))
        .unwrap();
    assert_eq!(created, again, "creating is an upsert");
    let names: Vec<String> = ci
        .branches()
        .list(project)
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["feature-xyz", "pr-42"]);
    let archived = ci
        .branches()
        .archive(project, BranchEnv::Preview, "pr-42")
        .unwrap();
    assert_eq!(archived.branch.id, created.id);
    let names: Vec<String> = ci
        .branches()
        .list(project)
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["feature-xyz"]);
    match ci
        .branches()
        .archive(project, BranchEnv::Preview, "pr-42")
        .unwrap_err()
    {
        Error::BadRequest(e) => assert_eq!(e.message, "Branch already archived"),
        other => panic!("expected BadRequest, got {other:?}"),
    }
    match ci
        .branches()
        .archive(project, BranchEnv::Preview, "nope")
        .unwrap_err()
    {
        Error::NotFound(e) => assert_eq!(e.message, "Branch not found"),
        other => panic!("expected NotFound, got {other:?}"),
    }

    // The preview key of an archived branch is no longer reachable by its name.
    let on_branch = client_for(
        emu.base_url(),
        Config::new()
            .access_token(emu.seed().pat())
            .preview_branch("pr-42"),
    );
    match on_branch
        .projects()
        .environment(project, "preview")
        .unwrap_err()
    {
        Error::NotFound(e) => assert_eq!(e.message, "Branch not found"),
        other => panic!("expected NotFound, got {other:?}"),
    }

    // A dev branch with the PAT; the dev branch env is made.
    ci.branches()
        .create(project, &CreateBranch::new(BranchEnv::Development, "alice"))
        .unwrap();
    ci.branches()
        .archive(project, BranchEnv::Development, "alice")
        .unwrap();
}

#[test]
fn the_preview_key_may_create_preview_branches_only() {
    let emu = Emulator::start().unwrap();
    let key = emulator_client(&emu, emu.seed().preview_key());
    let created = key
        .branches()
        .create(
            "proj_emulator",
            &CreateBranch::new(BranchEnv::Preview, "pr-9"),
        )
        .unwrap();
    match key
        .branches()
        .create(
            "proj_emulator",
            &CreateBranch::new(BranchEnv::Development, "bob"),
        )
        .unwrap_err()
    {
        Error::BadRequest(e) => assert_eq!(e.message, "API keys can only create Preview branches."),
        other => panic!("expected BadRequest, got {other:?}"),
    }
    let archived = key
        .branches()
        .archive("proj_emulator", BranchEnv::Preview, "pr-9")
        .unwrap();
    assert_eq!(archived.branch.id, created.id);
    // A secret key gets itself back from the environment route.
    let prod = emulator_client(&emu, emu.seed().prod_key());
    let env = prod
        .projects()
        .environment("proj_emulator", "prod")
        .unwrap();
    assert_eq!(env.api_key, emu.seed().prod_key());
}
