//! Query and dashboards on the wire (mockito): the exact request of every call (body key
//! order included), the decoded answers, the argument checks made before sending; then the
//! same calls against the emulator.

mod common;

use common::*;
use mockito::{Matcher, Mock, Server};
use serde_json::json;
use triggerdev::{
    CreateDashboard, Error, QueryFormat, QueryOptions, QueryResults, QueryScope, UpdateDashboard,
};
use triggerdev_emulator::Emulator;

fn with_body(mock: Mock, body: &str) -> Mock {
    with_common_headers(mock, DEV_KEY)
        .match_header("content-length", body.len().to_string().as_str())
        .match_body(Matcher::Exact(body.to_owned()))
}

fn assert_invalid(err: Error, argument: &str, reason: &str) {
    match err {
        Error::InvalidArgument {
            argument: a,
            reason: r,
        } => assert_eq!((a, r.as_str()), (argument, reason)),
        other => panic!("expected InvalidArgument `{argument}`, got {other:?}"),
    }
}

#[test]
fn execute_sends_the_defaults_in_order_and_decodes_rows() {
    let mut server = Server::new();
    let mock = with_body(
        server.mock("POST", "/api/v1/query"),
        r#"{"query":"SELECT count() FROM runs","scope":"environment","format":"json"}"#,
    )
    .with_body(r#"{"format":"json","results":[{"count":7,"nested":{"a":[1]}}]}"#)
    .expect(1)
    .create();
    let results = client(&server.url())
        .query()
        .execute("SELECT count() FROM runs", &QueryOptions::new())
        .unwrap();
    mock.assert();
    let rows = results.rows().unwrap();
    assert_eq!(rows[0]["count"], 7);
    assert_eq!(rows[0]["nested"], json!({"a": [1]}));
    assert_eq!(results.csv(), None);
}

#[test]
fn execute_sends_every_option_in_the_official_order_and_decodes_csv() {
    let mut server = Server::new();
    let mock = with_body(
        server.mock("POST", "/api/v1/query"),
        r#"{"query":"SELECT * FROM runs","scope":"project","period":"7d","from":"2026-01-01T00:00:00.000Z","to":"2026-01-02T00:00:00.000Z","format":"csv"}"#,
    )
    .with_body(r#"{"format":"csv","results":"a,b\n1,2\n"}"#)
    .expect(1)
    .create();
    let options = QueryOptions::new()
        .format(QueryFormat::Csv)
        .to("2026-01-02T00:00:00.000Z")
        .from("2026-01-01T00:00:00.000Z")
        .period("7d")
        .scope(QueryScope::Project);
    let results = client(&server.url())
        .query()
        .execute("SELECT * FROM runs", &options)
        .unwrap();
    mock.assert();
    assert_eq!(results, QueryResults::Csv("a,b\n1,2\n".into()));
}

#[test]
fn execute_refuses_empty_arguments_before_sending() {
    let mut server = Server::new();
    let none = server.mock("POST", Matcher::Any).expect(0).create();
    let q = client(&server.url()).query();
    assert_invalid(
        q.execute("  ", &QueryOptions::new()).unwrap_err(),
        "query",
        "must not be empty",
    );
    assert_invalid(
        q.execute("SELECT 1", &QueryOptions::new().period(""))
            .unwrap_err(),
        "options.period",
        "must not be empty",
    );
    none.assert();
}

#[test]
fn schema_decodes_tables_and_columns() {
    let mut server = Server::new();
    let mock = with_common_headers(server.mock("GET", "/api/v1/query/schema"), DEV_KEY)
        .with_body(
            json!({"tables": [{"name": "runs", "timeColumn": "created_at", "columns": [
                {"name": "status", "type": "LowCardinality(String)", "allowedValues": ["COMPLETED"], "coreColumn": true},
                {"name": "tags", "type": "Array(String)"}
            ]}]})
            .to_string(),
        )
        .expect(1)
        .create();
    let schema = client(&server.url()).query().schema().unwrap();
    mock.assert();
    let t = &schema.tables[0];
    assert_eq!(
        (
            t.name.as_str(),
            t.time_column.as_deref(),
            t.description.as_deref()
        ),
        ("runs", Some("created_at"), None)
    );
    assert_eq!(t.columns[0].column_type, "LowCardinality(String)");
    assert_eq!(t.columns[0].allowed_values, Some(vec![json!("COMPLETED")]));
    assert_eq!(
        (t.columns[0].core_column, t.columns[1].core_column),
        (Some(true), None)
    );
}

#[test]
fn dashboards_list_and_retrieve_an_encoded_id() {
    let mut server = Server::new();
    let list = with_common_headers(server.mock("GET", "/api/v1/query/dashboards"), DEV_KEY)
        .with_body(
            json!({"dashboards": [{"key": "overview", "title": "Overview", "type": "builtIn",
                "widgets": [{"id": "w1", "title": "Runs", "query": "SELECT 1", "type": "table"}]}]})
            .to_string(),
        )
        .expect(1)
        .create();
    let one = with_common_headers(
        server.mock("GET", "/api/v1/query/dashboards/a%2Fb"),
        DEV_KEY,
    )
    .with_body(
        json!({"id": "a/b", "title": "T", "description": null, "revision": "rev_5",
                "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-02T00:00:00.000Z",
                "widgets": [{"id": "w1", "title": "Runs", "query": "SELECT 1",
                    "display": {"type": "title"}, "position": {"x": 0, "y": 0, "w": 1, "h": 1}}]})
        .to_string(),
    )
    .expect(1)
    .create();
    let c = client(&server.url());
    let all = c.query().dashboards().list().unwrap();
    assert_eq!(
        (all[0].key.as_str(), all[0].kind.as_deref()),
        ("overview", Some("builtIn"))
    );
    assert_eq!(all[0].widgets[0]["type"], "table");
    let d = c.query().dashboards().retrieve("a/b").unwrap();
    assert_eq!(
        (d.id.as_str(), d.revision.clone()),
        ("a/b", Some(json!("rev_5")))
    );
    assert_eq!(d.widgets[0]["display"]["type"], "title");
    assert_invalid(
        c.query().dashboards().retrieve("").unwrap_err(),
        "id",
        "must not be empty",
    );
    list.assert();
    one.assert();
}

#[test]
fn against_the_emulator() {
    let emu = Emulator::start().unwrap();
    let c = emulator_client(&emu, emu.seed().dev_key());
    let run = c
        .tasks()
        .trigger("hello", &json!({}), &Default::default())
        .unwrap();
    let rows = c
        .query()
        .execute("SELECT run_id, status FROM runs", &QueryOptions::new())
        .unwrap();
    assert_eq!(rows.rows().unwrap()[0]["run_id"], run.id.as_str());
    let csv = c
        .query()
        .execute(
            "SELECT count() FROM runs",
            &QueryOptions::new().format(QueryFormat::Csv),
        )
        .unwrap();
    assert_eq!(csv.csv(), Some("count\n1\n"));
    match c
        .query()
        .execute("SELECT nope FROM runs", &QueryOptions::new())
    {
        Err(Error::BadRequest(e)) => assert_eq!(e.message, "Unknown column: nope"),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.query().schema().unwrap().tables[0].columns.len(), 4);
    let list = c.query().dashboards().list().unwrap();
    assert_eq!(list[0].key, "overview");
    let d = c.query().dashboards().retrieve(&list[0].key).unwrap();
    assert_eq!((d.title.as_str(), d.widgets.len()), ("Overview", 1));
    assert!(matches!(
        c.query().dashboards().retrieve("nope"),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn dashboard_writes_send_the_bodies_as_given() {
    let mut server = Server::new();
    let dashboard = json!({"id": "d/1", "title": "T", "description": null, "revision": "rev_2",
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z", "widgets": []})
    .to_string();
    let create = with_body(
        server.mock("POST", "/api/v1/query/dashboards"),
        r#"{"title":"T","widgets":[{"id":"w","title":"Runs"}]}"#,
    )
    .with_body(&dashboard)
    .expect(1)
    .create();
    let update = with_body(
        server.mock("PATCH", "/api/v1/query/dashboards/d%2F1"),
        r#"{"title":"U","revision":"rev_1"}"#,
    )
    .with_body(&dashboard)
    .expect(1)
    .create();
    let del = with_common_headers(
        server.mock("DELETE", "/api/v1/query/dashboards/d%2F1"),
        DEV_KEY,
    )
    .with_body(r#"{"id":"d/1"}"#)
    .expect(1)
    .create();
    let d = client(&server.url()).query().dashboards();
    let mut new = CreateDashboard::new("T");
    new.widgets = Some(vec![json!({"id": "w", "title": "Runs"})]);
    assert_eq!(d.create(&new).unwrap().revision, Some(json!("rev_2")));
    let changes = UpdateDashboard::new().title("U").revision("rev_1");
    assert_eq!(d.update("d/1", &changes).unwrap().id, "d/1");
    assert_eq!(d.del("d/1").unwrap().id, "d/1");
    assert_invalid(
        d.create(&CreateDashboard::new(" ")).unwrap_err(),
        "dashboard.title",
        "must not be empty",
    );
    assert_invalid(
        d.update("", &changes).unwrap_err(),
        "id",
        "must not be empty",
    );
    create.assert();
    update.assert();
    del.assert();
}

#[test]
fn dashboard_revisions_against_the_emulator() {
    let emu = Emulator::start().unwrap();
    let d = emulator_client(&emu, emu.seed().dev_key())
        .query()
        .dashboards();
    let made = d.create(&CreateDashboard::new("Mine")).unwrap();
    assert_eq!(
        (made.title.as_str(), made.revision.clone()),
        ("Mine", Some(json!("rev_1")))
    );
    let changes = UpdateDashboard::new().title("Renamed").revision("rev_1");
    assert_eq!(
        d.update(&made.id, &changes).unwrap().revision,
        Some(json!("rev_2"))
    );
    match d.update(&made.id, &changes) {
        Err(Error::Conflict(e)) => assert_eq!(
            e.message,
            "Dashboard was modified: revision rev_1 is not the current rev_2"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.list().unwrap()[1].title, "Renamed");
    assert_eq!(d.del(&made.id).unwrap().id, made.id);
    assert!(matches!(d.retrieve(&made.id), Err(Error::NotFound(_))));
}
