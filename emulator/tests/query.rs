//! Query (the emulator's fixed grammar over its runs, JSON and CSV), the schema, and
//! dashboards with their revision check.

mod common;

use common::*;
use serde_json::json;
use triggerdev_emulator::Emulator;

const T0: i64 = 1_748_779_200_000; // 2025-06-01T12:00:00Z

fn setup() -> (Emulator, Api, Vec<String>) {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(T0);
    let api = Api::new(&emu, emu.seed().dev_key());
    let ids = vec![api.trigger("a", json!({})), api.trigger("b", json!({}))];
    (emu, api, ids)
}

#[test]
fn count_and_columns_newest_first_with_limit() {
    let (emu, api, ids) = setup();
    // A run in another env is outside the environment scope.
    Api::new(&emu, emu.seed().prod_key()).trigger("c", json!({}));
    let r = api.post(
        "/api/v1/query",
        json!({"query": "select COUNT() from runs", "scope": "environment", "format": "json"}),
    );
    assert_eq!(
        r.json(),
        json!({"format": "json", "results": [{"count": 2}]})
    );
    let r = api.post(
        "/api/v1/query",
        json!({"query": "SELECT count() FROM runs", "scope": "organization"}),
    );
    assert_eq!(r.json()["results"], json!([{"count": 3}]));
    let r = api.post(
        "/api/v1/query",
        json!({"query": "SELECT run_id, task_identifier FROM runs LIMIT 1"}),
    );
    assert_eq!(
        r.json()["results"],
        json!([{"run_id": ids[1], "task_identifier": "b"}])
    );
    let r = api.post(
        "/api/v1/query",
        json!({"query": "SELECT * FROM runs", "format": "csv"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"format": "csv", "results": format!(
            "run_id,task_identifier,status,created_at\n{},b,QUEUED,2025-06-01T12:00:00.000Z\n{},a,QUEUED,2025-06-01T12:00:00.000Z\n",
            ids[1], ids[0])})
    );
}

#[test]
fn time_window_bounds_created_at() {
    let (_emu, api, _) = setup();
    let count = |body: serde_json::Value| {
        api.post("/api/v1/query", body).json()["results"][0]["count"].clone()
    };
    let q = "SELECT count() FROM runs";
    assert_eq!(
        count(json!({"query": q, "from": "2025-06-01T12:00:00.001Z"})),
        0
    );
    assert_eq!(
        count(json!({"query": q, "to": "2025-06-01T12:00:00.000Z"})),
        2
    );
    assert_eq!(count(json!({"query": q, "period": "1h"})), 2);
}

#[test]
fn what_it_cannot_run_is_a_400() {
    let (_emu, api, _) = setup();
    for (q, msg) in [
        (
            "DELETE FROM runs",
            "The emulator does not support this query: DELETE FROM runs",
        ),
        ("SELECT * FROM tasks", "Unknown table: tasks"),
        ("SELECT payload FROM runs", "Unknown column: payload"),
        (
            "SELECT * FROM runs WHERE status = 'X'",
            "The emulator does not support this query: SELECT * FROM runs WHERE status = 'X'",
        ),
    ] {
        let r = api.post("/api/v1/query", json!({"query": q}));
        assert_eq!((r.status, r.json()), (400, json!({"error": msg})), "{q}");
    }
    let r = api.post(
        "/api/v1/query",
        json!({"query": "SELECT * FROM runs", "format": "xml"}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn schema_describes_the_runs_table() {
    let (_emu, api, _) = setup();
    let s = api.get("/api/v1/query/schema").json();
    assert_eq!(s["tables"][0]["name"], "runs");
    assert_eq!(s["tables"][0]["timeColumn"], "created_at");
    let names: Vec<&str> = s["tables"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["run_id", "task_identifier", "status", "created_at"]);
}

#[test]
fn dashboards_list_retrieve_and_revisions() {
    let (_emu, api, _) = setup();
    let list = api.get("/api/v1/query/dashboards").json();
    assert_eq!(list["dashboards"][0]["key"], "overview");
    assert_eq!(list["dashboards"][0]["type"], "builtIn");
    assert_eq!(list["dashboards"][0]["widgets"][0]["type"], "bignumber");
    assert_eq!(
        api.get("/api/v1/query/dashboards/overview").json()["revision"],
        "rev_1"
    );
    let d = api
        .post(
            "/api/v1/query/dashboards",
            json!({"title": "Mine", "widgets": []}),
        )
        .json();
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(
        (d["revision"].as_str(), d["createdAt"].as_str()),
        (Some("rev_1"), Some("2025-06-01T12:00:00.000Z"))
    );
    assert_eq!(
        api.get("/api/v1/query/dashboards").json()["dashboards"][1]["key"],
        id.as_str()
    );
    let path = format!("/api/v1/query/dashboards/{id}");
    let r = api.send(
        "PATCH",
        &path,
        Some(br#"{"title":"Renamed","revision":"rev_1"}"#),
        "application/json",
    );
    assert_eq!(
        (r.json()["title"].as_str(), r.json()["revision"].as_str()),
        (Some("Renamed"), Some("rev_2"))
    );
    let stale = api.send(
        "PATCH",
        &path,
        Some(br#"{"title":"X","revision":"rev_1"}"#),
        "application/json",
    );
    assert_eq!(
        (stale.status, stale.json()),
        (
            409,
            json!({"error": "Dashboard was modified: revision rev_1 is not the current rev_2"})
        )
    );
    assert_eq!(api.get(&path).json()["title"], "Renamed");
    assert_eq!(api.delete(&path).json(), json!({"id": id}));
    assert_eq!(api.get(&path).status, 404);
}
