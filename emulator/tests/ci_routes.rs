//! The routes CI needs: branches (create, list, archive) with the server's credential rules,
//! an environment's secret key for a PAT (`GET /api/v1/projects/{ref}/{env}`) and whoami.

mod common;

use common::*;
use serde_json::json;
use triggerdev_emulator::Emulator;

const T0: i64 = 1_748_779_200_000; // 2025-06-01T12:00:00Z
const BRANCHES: &str = "/api/v1/projects/proj_emulator/branches";
const ARCHIVE: &str = "/api/v1/projects/proj_emulator/branches/archive";

fn assert_error(r: Resp, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.json(), json!({ "error": message }));
}

#[test]
fn a_pat_creates_lists_and_archives_preview_branches() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    let pat = Api::new(&emu, emu.seed().pat());
    let git = json!({"commitSha": "abc", "pullRequestNumber": 42});
    let r = pat.post(
        BRANCHES,
        json!({"env": "preview", "branch": "pr-42", "git": git}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    // An upsert: the same id again.
    let again = pat.post(BRANCHES, json!({"env": "preview", "branch": "pr-42"}));
    assert_eq!(again.json(), json!({ "id": id }));

    let list = pat.get(BRANCHES);
    assert_eq!(list.status, 200, "{}", list.text());
    let branches = list.json()["branches"].as_array().unwrap().clone();
    assert_eq!(branches.len(), 2);
    assert_eq!(branches[0]["name"], "feature-xyz");
    // Seeded branches have a fixed creation time, whenever the emulator started.
    assert_eq!(branches[0]["createdAt"], "2025-01-01T00:00:00.000Z");
    assert_eq!(
        branches[1],
        json!({"id": id, "name": "pr-42", "createdAt": "2025-06-01T12:00:00.000Z",
               "updatedAt": "2025-06-01T12:00:00.000Z", "git": git, "isPaused": false})
    );

    let archived = pat.post(ARCHIVE, json!({"branch": "pr-42"}));
    assert_eq!(archived.status, 200, "{}", archived.text());
    assert_eq!(archived.json()["success"], true);
    assert_eq!(archived.json()["branch"]["id"], id.as_str());
    assert_eq!(
        archived.json()["branch"]["archivedAt"],
        "2025-06-01T12:00:00.000Z"
    );
    assert_eq!(
        pat.get(BRANCHES).json()["branches"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_error(
        pat.post(ARCHIVE, json!({"branch": "pr-42"})),
        400,
        "Branch already archived",
    );
    assert_error(
        pat.post(ARCHIVE, json!({"branch": "nope"})),
        404,
        "Branch not found",
    );
    // The name may be created again: a new branch env.
    let new = pat.post(BRANCHES, json!({"env": "preview", "branch": "pr-42"}));
    assert_ne!(new.json()["id"], id.as_str());
}

#[test]
fn credential_rules_are_the_servers() {
    let emu = Emulator::start().unwrap();
    let preview = Api::new(&emu, emu.seed().preview_key());
    let dev = Api::new(&emu, emu.seed().dev_key());
    // The preview parent key may create and archive preview branches, nothing else.
    assert_eq!(
        preview
            .post(BRANCHES, json!({"env": "preview", "branch": "k"}))
            .status,
        200
    );
    assert_error(
        preview.post(BRANCHES, json!({"env": "development", "branch": "k"})),
        400,
        "API keys can only create Preview branches.",
    );
    assert_error(
        preview.post(ARCHIVE, json!({"env": "development", "branch": "k"})),
        403,
        "API keys must belong to the parent Preview environment.",
    );
    assert_eq!(preview.post(ARCHIVE, json!({"branch": "k"})).status, 200);
    // A branch's key (the parent key with a branch header) is not the parent.
    let on_branch =
        Api::new(&emu, emu.seed().preview_key()).with("x-trigger-branch", "feature-xyz");
    assert_error(
        on_branch.post(BRANCHES, json!({"env": "preview", "branch": "k2"})),
        403,
        "API keys must belong to the parent Preview environment.",
    );
    assert_error(
        dev.post(BRANCHES, json!({"env": "preview", "branch": "k"})),
        403,
        "API keys must belong to the parent Preview environment.",
    );
    // Listing takes a PAT only.
    assert_eq!(preview.get(BRANCHES).status, 401);
    assert_eq!(dev.get("/api/v2/whoami").status, 401);
    // A PAT reaches only its projects.
    let pat = Api::new(&emu, emu.seed().pat());
    assert_error(
        pat.get("/api/v1/projects/proj_other/branches"),
        404,
        "Project not found",
    );
    assert_error(
        pat.get("/api/v1/projects/proj_other/prod"),
        404,
        "Project not found",
    );
    // Dev branches: a PAT only, never `default`.
    assert_error(
        pat.post(BRANCHES, json!({"env": "development", "branch": "default"})),
        400,
        "Cannot create dev branch with name 'default'.",
    );
    assert_eq!(
        pat.post(BRANCHES, json!({"env": "development", "branch": "alice"}))
            .status,
        200
    );
    assert_eq!(
        pat.post(ARCHIVE, json!({"env": "development", "branch": "alice"}))
            .status,
        200
    );
}

#[test]
fn a_pat_gets_an_environment_key_and_a_key_gets_itself() {
    let emu = Emulator::start().unwrap();
    let pat = Api::new(&emu, emu.seed().pat());
    let r = pat.get("/api/v1/projects/proj_emulator/staging");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"apiKey": emu.seed().staging_key(), "name": "Emulator project",
               "apiUrl": emu.base_url(), "projectId": "proj_emulator", "defaultRuntime": null})
    );
    assert_error(
        pat.get("/api/v1/projects/proj_emulator/production"),
        400,
        "Invalid Params",
    );
    let branch = Api::new(&emu, emu.seed().pat()).with("x-trigger-branch", "feature-xyz");
    let r = branch.get("/api/v1/projects/proj_emulator/preview");
    assert_eq!(r.json()["apiKey"], emu.seed().preview_key());
    let gone = Api::new(&emu, emu.seed().pat()).with("x-trigger-branch", "gone");
    assert_error(
        gone.get("/api/v1/projects/proj_emulator/preview"),
        404,
        "Branch not found",
    );
    let dev = Api::new(&emu, emu.seed().dev_key());
    assert_eq!(
        dev.get("/api/v1/projects/proj_emulator/dev").json()["apiKey"],
        emu.seed().dev_key()
    );
    assert_eq!(dev.get("/api/v1/projects/proj_emulator/prod").status, 400);
}

#[test]
fn whoami_names_the_user_and_a_reachable_project() {
    let emu = Emulator::start().unwrap();
    let pat = Api::new(&emu, emu.seed().pat());
    let me = pat.get("/api/v2/whoami?projectRef=proj_emulator");
    assert_eq!(me.status, 200, "{}", me.text());
    let url = format!("{}/orgs/emulator/projects/proj_emulator", emu.base_url());
    assert_eq!(
        me.json(),
        json!({"userId": "user_emulator_1", "email": "user1@emulator.invalid",
               "dashboardUrl": emu.base_url(),
               "project": {"name": "Emulator project", "url": url, "orgTitle": "Emulator"}})
    );
    let other = pat.get("/api/v2/whoami?projectRef=proj_other").json();
    assert!(other.get("project").is_none(), "{other}");
}
