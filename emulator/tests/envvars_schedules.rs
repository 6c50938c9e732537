//! Environment variables (SK and PAT rules, branches) and schedules (offset pages, validation).

mod common;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::{Emulator, REDACTED};

#[test]
fn envvar_crud_with_a_secret_key() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().dev_key());
    let base = "/api/v1/projects/proj_emulator/envvars/dev";
    assert_eq!(api.get(base).json(), json!([]));
    assert_eq!(
        api.post(base, json!({"name": "A", "value": "1"})).json(),
        json!({"success": true})
    );
    api.post(
        base,
        json!({"name": "S", "value": "hidden", "isSecret": true}),
    );
    // Create overwrites.
    api.post(base, json!({"name": "A", "value": "2"}));
    assert_eq!(
        api.get(base).json(),
        json!([{"name": "A", "value": "2", "isSecret": false}, {"name": "S", "value": REDACTED, "isSecret": true}])
    );
    assert_eq!(
        api.get(&format!("{base}/A")).json(),
        json!({"name": "A", "value": "2", "isSecret": false})
    );
    assert_eq!(api.get(&format!("{base}/S")).json()["value"], REDACTED);
    assert_eq!(
        emu.envvars(&emu.seed().env_id("dev"))["S"]["value"],
        "hidden"
    );

    assert_eq!(
        api.put(&format!("{base}/A"), json!({"value": "3"})).status,
        200
    );
    assert_eq!(
        api.post(&format!("{base}/A"), json!({"value": "4"})).status,
        200
    );
    assert_eq!(api.get(&format!("{base}/A")).json()["value"], "4");
    let r = api.put(&format!("{base}/NOPE"), json!({"value": "x"}));
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Environment variable not found");

    assert_eq!(
        api.delete(&format!("{base}/A")).json(),
        json!({"success": true})
    );
    assert_eq!(api.get(&format!("{base}/A")).status, 404);
    assert_eq!(api.delete(&format!("{base}/A")).status, 404);
    let r = api.post(base, json!({"name": "", "value": 1}));
    assert_eq!(r.status, 400);
    assert!(r.json()["variableErrors"].is_array());
}

#[test]
fn envvar_import_refuses_existing_names_unless_override() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().prod_key());
    let base = "/api/v1/projects/proj_emulator/envvars/prod";
    api.post(base, json!({"name": "KEEP", "value": "old"}));
    // As on the server: one name already set fails the whole upload, and nothing is written.
    let r = api.post(
        &format!("{base}/import"),
        json!({"variables": {"KEEP": "new", "ADDED": "a"}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "error": "Some of the variables are already set for these environments. Set override to true to override them.",
            "variableErrors": [{"key": "KEEP", "error": "Variable already set in Production."}],
        })
    );
    let value = |n: &str| api.get(&format!("{base}/{n}")).json()["value"].clone();
    assert_eq!(value("KEEP"), "old");
    assert_eq!(api.get(&format!("{base}/ADDED")).status, 404);
    let r = api.post(
        &format!("{base}/import"),
        json!({"variables": {"ADDED": "a"}}),
    );
    assert_eq!(r.json(), json!({"success": true}));
    assert_eq!(value("ADDED"), "a");
    api.post(
        &format!("{base}/import"),
        json!({"variables": {"KEEP": "new"}, "override": true, "isSecret": true}),
    );
    assert_eq!(value("KEEP"), REDACTED);
    assert_eq!(
        api.post(&format!("{base}/import"), json!({"variables": "KEEP=1"}))
            .status,
        400
    );
    // The message names the environment.
    let dev = Api::new(&emu, emu.seed().dev_key());
    let dev_base = "/api/v1/projects/proj_emulator/envvars/dev";
    dev.post(dev_base, json!({"name": "D", "value": "1"}));
    let r = dev.post(
        &format!("{dev_base}/import"),
        json!({"variables": {"D": "2"}}),
    );
    assert_eq!(
        r.json()["variableErrors"][0]["error"],
        "Variable already set in Development."
    );
}

#[test]
fn envvar_key_must_match_project_and_env() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let dev = Api::new(&emu, seed.dev_key());
    let r = dev.get("/api/v1/projects/proj_other/envvars/dev");
    assert_eq!(r.status, 400);
    assert!(r
        .error()
        .starts_with("Invalid project ref for this API key"));
    let r = dev.get("/api/v1/projects/proj_emulator/envvars/prod");
    assert_eq!(r.status, 400);
    assert!(r.error().starts_with("Invalid environment slug"));
    // The path slug `staging` is the stg env.
    let stg = Api::new(&emu, seed.staging_key());
    assert_eq!(
        stg.get("/api/v1/projects/proj_emulator/envvars/staging")
            .status,
        200
    );
    // A preview key reaches its branch env through the header.
    let branch = Api::new(&emu, seed.preview_key()).with("x-trigger-branch", seed.preview_branch());
    assert_eq!(
        branch
            .post(
                "/api/v1/projects/proj_emulator/envvars/preview",
                json!({"name": "B", "value": "1"})
            )
            .status,
        200
    );
}

#[test]
fn envvars_with_a_pat_and_preview_branches() {
    let emu = Emulator::start().unwrap();
    let seed = emu.seed();
    let pat = Api::new(&emu, seed.pat());
    let base = "/api/v1/projects/proj_emulator/envvars";
    assert_eq!(
        pat.post(
            &format!("{base}/staging"),
            json!({"name": "X", "value": "1"})
        )
        .status,
        200
    );
    assert_eq!(pat.get(&format!("{base}/staging/X")).json()["value"], "1");
    let r = pat.get("/api/v1/projects/proj_nope/envvars/dev");
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Project not found");
    assert_eq!(pat.get(&format!("{base}/qa")).status, 404);

    // Without a header the preview root env is used; with one, the branch env.
    pat.post(
        &format!("{base}/preview"),
        json!({"name": "ROOT", "value": "r"}),
    );
    let branch = pat.clone().with("x-trigger-branch", "feature-xyz");
    branch.post(
        &format!("{base}/preview"),
        json!({"name": "BR", "value": "b"}),
    );
    let names = |r: Value| -> Vec<String> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(pat.get(&format!("{base}/preview")).json()),
        vec!["ROOT"]
    );
    assert_eq!(
        names(branch.get(&format!("{base}/preview")).json()),
        vec!["BR"]
    );
    let r = pat
        .clone()
        .with("x-trigger-branch", "ghost")
        .get(&format!("{base}/preview"));
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Branch not found");
    // The branch header is irrelevant to prod.
    assert_eq!(
        pat.clone()
            .with("x-trigger-branch", "ghost")
            .get(&format!("{base}/prod"))
            .status,
        200
    );
    // A public JWT is never accepted here.
    let token = Api::new(&emu, seed.dev_key())
        .post("/api/v1/tasks/t/trigger", json!({"payload": "x"}))
        .header("x-trigger-jwt")
        .unwrap()
        .to_string();
    assert_eq!(
        Api::new(&emu, &token).get(&format!("{base}/dev")).status,
        401
    );
}

#[test]
fn envvars_with_a_pat_and_dev_branches() {
    let emu = Emulator::start().unwrap();
    let pat = Api::new(&emu, emu.seed().pat());
    let dev = "/api/v1/projects/proj_emulator/envvars/dev";
    pat.post(dev, json!({"name": "ROOT", "value": "r"}));
    // On `dev` a branch is a dev branch: an unknown one is 404, as the server answers.
    let r = pat.clone().with("x-trigger-branch", "feature-xyz").get(dev);
    assert_eq!((r.status, r.error()), (404, "Branch not found".to_string()));
    // `default` is the root dev env; a known dev branch is its own env.
    let root = pat.clone().with("x-trigger-branch", "default").get(dev);
    assert_eq!(root.json()[0]["name"], "ROOT");
    emu.add_branch("dev", "feature-dev").unwrap();
    let branch = pat.clone().with("x-trigger-branch", "feature-dev");
    assert_eq!(branch.get(dev).json(), json!([]));
    branch.post(dev, json!({"name": "BR", "value": "b"}));
    assert_eq!(branch.get(dev).json()[0]["name"], "BR");
    assert_eq!(
        pat.get(dev).json().as_array().unwrap().len(),
        1,
        "the root is separate"
    );
    // A secret key of the dev env switches to the branch too, or gets 401.
    let key = Api::new(&emu, emu.seed().dev_key());
    assert_eq!(
        key.clone()
            .with("x-trigger-branch", "feature-dev")
            .get(dev)
            .json()[0]["name"],
        "BR"
    );
    let r = key.with("x-trigger-branch", "nope").get(dev);
    assert_eq!(
        (r.status, r.error()),
        (401, "No matching branch env".to_string())
    );
    // Staging has no branches: the header is ignored.
    let r = pat
        .with("x-trigger-branch", "feature-xyz")
        .get("/api/v1/projects/proj_emulator/envvars/staging");
    assert_eq!(r.status, 200);
}

#[test]
fn schedules_lifecycle() {
    let emu = Emulator::start().unwrap();
    // Winter, so London is on UTC (nextRun is computed in the schedule's time zone).
    emu.freeze_clock_at(1_736_935_200_000); // 2025-01-15T10:00:00Z
    let api = Api::new(&emu, emu.seed().dev_key());
    let body = json!({"task": "nightly", "cron": "0 2 * * *", "deduplicationKey": "d1", "externalId": "u1", "timezone": "Europe/London"});
    let r = api.post("/api/v1/schedules", body.clone());
    assert_eq!(r.status, 200, "{}", r.text());
    let s = r.json();
    let id = s["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("sched_"));
    assert_eq!(s["type"], "IMPERATIVE");
    assert_eq!(s["active"], true);
    assert_eq!(s["generator"]["type"], "CRON");
    assert_eq!(s["generator"]["expression"], "0 2 * * *");
    assert_eq!(s["generator"]["description"], "At 02:00");
    assert_eq!(s["timezone"], "Europe/London");
    assert_eq!(s["nextRun"], "2025-01-16T02:00:00.000Z");
    // Create and update show the env's shortcode and (dev) user; the spread tick is under a minute
    // after `nextRun`.
    let env = &s["environments"][0];
    assert_eq!(env["id"], emu.seed().env_id("dev"));
    assert_eq!(env["type"], "DEVELOPMENT");
    assert_eq!(env["userName"], "Local Developer");
    assert_eq!(env["shortcode"].as_str().unwrap().len(), 8);
    let effective = s["nextRunEffectiveAt"].as_str().unwrap();
    assert!(
        ("2025-01-16T02:00:00.000Z".."2025-01-16T02:01:00.000Z").contains(&effective),
        "{effective}"
    );

    // The same deduplicationKey updates in place.
    let mut again = body.clone();
    again["cron"] = json!("*/5 * * * *");
    let s2 = api.post("/api/v1/schedules", again).json();
    assert_eq!(s2["id"], id);
    assert_eq!(s2["generator"]["description"], "Every 5 minutes");
    assert_eq!(emu.schedules().len(), 1);

    let path = format!("/api/v1/schedules/{id}");
    let got = api.get(&path).json();
    assert_eq!(got["id"], id);
    // Retrieve shows the bare env, list adds its slug and user.
    assert_eq!(
        got["environments"],
        json!([{"id": emu.seed().env_id("dev"), "type": "DEVELOPMENT"}])
    );
    assert_eq!(
        api.get("/api/v1/schedules").json()["data"][0]["environments"],
        json!([{"id": emu.seed().env_id("dev"), "type": "DEVELOPMENT", "slug": "dev",
                "userName": "Local Developer"}])
    );
    // An inactive schedule has no next run.
    let off = api.post_empty(&format!("{path}/deactivate")).json();
    assert_eq!(off["active"], false);
    assert_eq!(off["nextRun"], Value::Null);
    assert_eq!(off["nextRunEffectiveAt"], Value::Null);
    let on = api.post_empty(&format!("{path}/activate")).json();
    assert_eq!(on["active"], true);
    assert_eq!(on["nextRun"], "2025-01-15T10:05:00.000Z");
    let r = api.put(&path, json!({"task": "nightly2", "cron": "0 3 * * *"}));
    assert_eq!(r.json()["task"], "nightly2");
    assert_eq!(r.json()["externalId"], "u1");
    assert_eq!(api.put(&path, json!({"cron": "0 3 * * *"})).status, 400);
    assert_eq!(api.delete(&path).json(), json!({"id": id}));
    let r = api.get(&path);
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Schedule not found");
    // Schedules belong to the key's env.
    let sid = api.post("/api/v1/schedules", body).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        Api::new(&emu, emu.seed().prod_key())
            .get(&format!("/api/v1/schedules/{sid}"))
            .status,
        404
    );
}

#[test]
fn schedule_validation() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().dev_key());
    // A bad cron expression or time zone is a 422 (the server's words), a malformed body a 400.
    let bad = [
        (
            json!({"task": "t", "cron": "0 2 * *", "deduplicationKey": "d"}),
            422,
        ),
        (
            json!({"task": "t", "cron": "61 * * * *", "deduplicationKey": "d"}),
            422,
        ),
        (
            json!({"task": "t", "cron": "* * * * *", "deduplicationKey": "d", "timezone": "Mars/Olympus"}),
            422,
        ),
        (json!({"task": "t", "cron": "* * * * *"}), 400),
        (json!({"cron": "* * * * *", "deduplicationKey": "d"}), 400),
    ];
    for (b, status) in bad {
        let r = api.post("/api/v1/schedules", b.clone());
        assert_eq!(r.status, status, "{b}");
        assert!(r.json()["error"].is_string());
    }
    let r = api.post(
        "/api/v1/schedules",
        json!({"task": "t", "cron": "* * * * *", "deduplicationKey": "d", "timezone": "Mars/Olympus"}),
    );
    assert_eq!(
        r.error(),
        format!(
            "Invalid IANA timezone: 'Mars/Olympus'. View the list of valid timezones at {}/timezones",
            emu.base_url()
        )
    );
    // A task declared as not scheduled cannot have schedules; undeclared tasks can.
    emu.add_task("plain", "STANDARD").unwrap();
    emu.add_task("cron-job", "SCHEDULED").unwrap();
    let r = api.post(
        "/api/v1/schedules",
        json!({"task": "plain", "cron": "* * * * *", "deduplicationKey": "d"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        r.error(),
        "Task with identifier plain is not a scheduled task."
    );
    assert!(emu.schedules().is_empty());
    for task in ["cron-job", "undeclared"] {
        let r = api.post(
            "/api/v1/schedules",
            json!({"task": task, "cron": "* * * * *", "deduplicationKey": task}),
        );
        assert_eq!(r.status, 200, "{task}");
    }
    assert!(emu.add_task("x", "WEIRD").is_err());
    let pat = Api::new(&emu, emu.seed().pat());
    let r = pat.get("/api/v1/schedules");
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "Invalid or Missing API Key");
}

#[test]
fn schedule_offset_pagination() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().dev_key());
    for i in 0..5 {
        api.post(
            "/api/v1/schedules",
            json!({"task": "t", "cron": "* * * * *", "deduplicationKey": format!("d{i}")}),
        );
    }
    let p = api.get("/api/v1/schedules?perPage=2&page=3").json();
    assert_eq!(
        p["pagination"],
        json!({"currentPage": 3, "totalPages": 3, "count": 5})
    );
    assert_eq!(p["data"].as_array().unwrap().len(), 1);
    assert_eq!(p["data"][0]["deduplicationKey"], "d0");
    let p = api.get("/api/v1/schedules").json();
    assert_eq!(
        p["pagination"],
        json!({"currentPage": 1, "totalPages": 1, "count": 5})
    );
    assert_eq!(p["data"][0]["deduplicationKey"], "d4");
    let p = api.get("/api/v1/schedules?perPage=500").json();
    assert_eq!(p["data"].as_array().unwrap().len(), 5);
    assert_eq!(api.get("/api/v1/schedules?page=0").status, 400);
    let empty = Api::new(&emu, emu.seed().prod_key())
        .get("/api/v1/schedules")
        .json();
    assert_eq!(
        empty["pagination"],
        json!({"currentPage": 1, "totalPages": 0, "count": 0})
    );
}

#[test]
fn timezones_need_no_auth() {
    let emu = Emulator::start().unwrap();
    let anon = Api::anonymous(&emu);
    let all = anon.get("/api/v1/timezones").json();
    let zones = all["timezones"].as_array().unwrap();
    assert_eq!(zones[0], "UTC");
    assert!(zones.contains(&json!("America/New_York")));
    let no_utc = anon.get("/api/v1/timezones?excludeUtc=true").json();
    assert!(!no_utc["timezones"]
        .as_array()
        .unwrap()
        .contains(&json!("UTC")));
    assert_eq!(
        no_utc["timezones"].as_array().unwrap().len(),
        zones.len() - 1
    );
}

#[test]
fn firing_a_schedule_makes_a_scheduled_run() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().dev_key());
    let s = api
        .post("/api/v1/schedules", json!({"task": "cron-task", "cron": "0 * * * *", "deduplicationKey": "d", "externalId": "ext"}))
        .json();
    let sid = s["id"].as_str().unwrap();
    let r = admin(
        &emu,
        "POST",
        &format!("/__emulator/schedules/{sid}/fire"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let run_id = r.json()["id"].as_str().unwrap().to_string();
    let second = emu.fire_schedule(sid).unwrap();
    let run = api.get(&format!("/api/v3/runs/{run_id}")).json();
    assert_eq!(run["taskIdentifier"], "cron-task");
    assert_eq!(run["schedule"]["id"], sid);
    assert_eq!(run["schedule"]["externalId"], "ext");
    assert_eq!(run["schedule"]["generator"]["expression"], "0 * * * *");
    assert_eq!(run["payload"]["scheduleId"], sid);
    assert_eq!(run["payload"]["upcoming"].as_array().unwrap().len(), 10);
    let second = api.get(&format!("/api/v3/runs/{second}")).json();
    assert_eq!(second["payload"]["lastTimestamp"], run["createdAt"]);
    let listed = api
        .get(&format!("/api/v1/runs?filter%5Bschedule%5D={sid}"))
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        admin(&emu, "POST", "/__emulator/schedules/sched_x/fire", None).status,
        404
    );
}
