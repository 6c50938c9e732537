//! schedules.* on the wire.

mod common;

use common::*;
use mockito::Matcher;
use serde_json::json;
use triggerdev::{CreateSchedule, Error, ListSchedulesParams, UpdateSchedule};

fn schedule(id: &str, active: bool) -> serde_json::Value {
    json!({
        "id": id, "type": "IMPERATIVE", "task": "daily", "active": active,
        "deduplicationKey": "dk", "externalId": "ext", "timezone": "Europe/Paris",
        "generator": {"type": "CRON", "expression": "0 9 * * *", "description": "At 09:00"},
        "nextRun": "2026-01-02T08:00:00.000Z",
        "environments": [{"id": "env_1", "type": "DEVELOPMENT", "userName": null}]
    })
}

fn offset_page(items: Vec<serde_json::Value>, current: u64, total: u64) -> String {
    json!({"data": items, "pagination": {"currentPage": current, "totalPages": total, "count": 3}})
        .to_string()
}

#[test]
fn create_sends_the_body_and_decodes_the_schedule() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(server.mock("POST", "/api/v1/schedules"), DEV_KEY)
        .match_body(Matcher::Exact(
            r#"{"task":"daily","cron":"0 9 * * *","deduplicationKey":"dk","externalId":"ext","timezone":"Europe/Paris"}"#.into(),
        ))
        .with_body(schedule("sched_1", true).to_string())
        .create();
    let s = client(&server.url())
        .schedules()
        .create(
            &CreateSchedule::new("daily", "0 9 * * *", "dk")
                .external_id("ext")
                .timezone("Europe/Paris"),
        )
        .unwrap();
    mock.assert();
    assert_eq!(s.id, "sched_1");
    assert_eq!(s.kind, "IMPERATIVE");
    assert_eq!(s.generator.expression, "0 9 * * *");
    assert_eq!(s.timezone.as_deref(), Some("Europe/Paris"));
}

#[test]
fn retrieve_update_activate_deactivate_del() {
    let mut server = mockito::Server::new();
    let retrieve = with_common_headers(server.mock("GET", "/api/v1/schedules/sched_1"), DEV_KEY)
        .with_body(schedule("sched_1", true).to_string())
        .create();
    let update = with_common_headers(server.mock("PUT", "/api/v1/schedules/sched_1"), DEV_KEY)
        .match_body(Matcher::Exact(
            r#"{"task":"daily","cron":"0 10 * * *","timezone":"UTC"}"#.into(),
        ))
        .with_body(schedule("sched_1", true).to_string())
        .create();
    let deactivate = with_common_headers(
        server.mock("POST", "/api/v1/schedules/sched_1/deactivate"),
        DEV_KEY,
    )
    .match_header("content-length", "0")
    .with_body(schedule("sched_1", false).to_string())
    .create();
    let activate = with_common_headers(
        server.mock("POST", "/api/v1/schedules/sched_1/activate"),
        DEV_KEY,
    )
    .with_body(schedule("sched_1", true).to_string())
    .create();
    let del = with_common_headers(server.mock("DELETE", "/api/v1/schedules/sched_1"), DEV_KEY)
        .with_body(r#"{"id":"sched_1"}"#)
        .create();
    let c = client(&server.url());
    assert!(c.schedules().retrieve("sched_1").unwrap().active);
    c.schedules()
        .update(
            "sched_1",
            &UpdateSchedule::new("daily", "0 10 * * *").timezone("UTC"),
        )
        .unwrap();
    assert!(!c.schedules().deactivate("sched_1").unwrap().active);
    assert!(c.schedules().activate("sched_1").unwrap().active);
    c.schedules().del("sched_1").unwrap();
    for m in [retrieve, update, deactivate, activate, del] {
        m.assert();
    }
}

#[test]
fn list_sends_per_page_then_page() {
    let mut server = mockito::Server::new();
    let mock = with_common_headers(
        server.mock("GET", "/api/v1/schedules?perPage=5&page=2"),
        DEV_KEY,
    )
    .with_body(offset_page(vec![schedule("sched_6", true)], 2, 3))
    .create();
    let page = client(&server.url())
        .schedules()
        .list(&ListSchedulesParams {
            page: Some(2),
            per_page: Some(5),
        })
        .unwrap();
    mock.assert();
    assert_eq!(page.pagination.current_page, 2);
    assert!(page.has_next_page());
}

#[test]
fn iter_walks_every_page_lazily() {
    let mut server = mockito::Server::new();
    let p1 = server
        .mock("GET", "/api/v1/schedules?perPage=1")
        .with_body(offset_page(vec![schedule("sched_1", true)], 1, 3))
        .expect(1)
        .create();
    let p2 = server
        .mock("GET", "/api/v1/schedules?perPage=1&page=2")
        .with_body(offset_page(vec![schedule("sched_2", true)], 2, 3))
        .expect(1)
        .create();
    // Pagination numbers as strings are coerced, as the official SDK does.
    let p3 = server
        .mock("GET", "/api/v1/schedules?perPage=1&page=3")
        .with_body(r#"{"data":[],"pagination":{"currentPage":"3","totalPages":"3","count":"2"}}"#)
        .expect(1)
        .create();
    let c = client(&server.url());
    let ids: Vec<String> = c
        .schedules()
        .iter(&ListSchedulesParams {
            page: None,
            per_page: Some(1),
        })
        .unwrap()
        .map(|s| s.unwrap().id)
        .collect();
    assert_eq!(ids, ["sched_1", "sched_2"]);
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn timezones_need_no_credentials() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v1/timezones?excludeUtc=true")
        .match_header("authorization", Matcher::Missing)
        .match_header("content-type", "application/json")
        .with_body(r#"{"timezones":["Europe/Paris","Asia/Tokyo"]}"#)
        .create();
    // A client without any token can list timezones.
    let anonymous = triggerdev::Client::with_env(
        triggerdev::Config::new().base_url(server.url()),
        &triggerdev::Env::default(),
    );
    let zones = anonymous.schedules().timezones(true).unwrap();
    mock.assert();
    assert_eq!(zones, ["Europe/Paris", "Asia/Tokyo"]);
}

#[test]
fn bad_input_fails_before_sending() {
    let c = client("http://127.0.0.1:9");
    let err = c
        .schedules()
        .create(&CreateSchedule::new("t", "* * * * *", ""))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `body.deduplicationKey`: must not be empty"
    );
    let err = c
        .schedules()
        .update("sched_1", &UpdateSchedule::new("", "* * * * *"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `body.task`: must not be empty"
    );
    let err = c.schedules().retrieve("").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `schedule_id`: must not be empty"
    );
    let err = c
        .schedules()
        .list(&ListSchedulesParams {
            page: None,
            per_page: Some(500),
        })
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            argument: "params.perPage",
            ..
        }
    ));
}
