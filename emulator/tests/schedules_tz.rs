//! Schedules fire at wall-clock times of their time zone (chrono-tz + croner), checked with a
//! frozen emulator clock; the timezone list and the clock controls.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::Emulator;

fn ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

fn schedule(api: &Api, cron: &str, tz: &str, key: &str) -> Value {
    let r = api.post(
        "/api/v1/schedules",
        json!({"task": "report", "cron": cron, "deduplicationKey": key, "timezone": tz}),
    );
    assert_eq!(r.status, 200, "{tz}: {}", r.text());
    r.json()
}

#[test]
fn next_run_is_local_wall_clock_time_in_utc() {
    let emu = Emulator::start().unwrap();
    let api = Api::new(&emu, emu.seed().dev_key());
    emu.freeze_clock_at(ms("2025-01-15T10:00:00Z"));
    // Winter: Paris is UTC+1, so 09:00 Paris is 08:00Z; today's is past.
    let s = schedule(&api, "0 9 * * *", "Europe/Paris", "paris");
    assert_eq!(s["nextRun"], "2025-01-16T08:00:00.000Z");
    assert_eq!(s["timezone"], "Europe/Paris");
    let ny = schedule(&api, "0 9 * * *", "America/New_York", "ny");
    assert_eq!(ny["nextRun"], "2025-01-15T14:00:00.000Z");
    let kolkata = schedule(&api, "30 9 * * 1-5", "Asia/Kolkata", "in");
    assert_eq!(kolkata["nextRun"], "2025-01-16T04:00:00.000Z");
    let utc = schedule(&api, "0 9 * * *", "UTC", "utc");
    assert_eq!(utc["nextRun"], "2025-01-16T09:00:00.000Z");

    // Summer: UTC+2. Retrieve recomputes from the clock.
    emu.freeze_clock_at(ms("2025-07-01T06:30:00Z"));
    let id = s["id"].as_str().unwrap();
    let s = api.get(&format!("/api/v1/schedules/{id}")).json();
    assert_eq!(s["nextRun"], "2025-07-01T07:00:00.000Z");

    // The spring change (2025-03-30): the day before is UTC+1, the day itself UTC+2.
    emu.freeze_clock_at(ms("2025-03-29T12:00:00Z"));
    assert_eq!(
        api.get(&format!("/api/v1/schedules/{id}")).json()["nextRun"],
        "2025-03-30T07:00:00.000Z"
    );
    // 02:30 does not exist in Paris on that day: like Vixie cron, croner fires when the clocks
    // jump (03:00 local, 01:00Z).
    let gap = schedule(&api, "30 2 * * *", "Europe/Paris", "gap");
    assert_eq!(gap["nextRun"], "2025-03-30T01:00:00.000Z");

    // Firing a schedule lists the upcoming times in its zone.
    emu.freeze_clock_at(ms("2025-01-15T10:00:00Z"));
    let run = emu.fire_schedule(id).unwrap();
    let payload = &emu.run(&run).unwrap()["payload"];
    assert_eq!(payload["timezone"], "Europe/Paris");
    assert_eq!(payload["timestamp"], "2025-01-15T10:00:00.000Z");
    let upcoming = payload["upcoming"].as_array().unwrap();
    assert_eq!(upcoming.len(), 10);
    assert_eq!(upcoming[0], "2025-01-16T08:00:00.000Z");
    assert_eq!(upcoming[1], "2025-01-17T08:00:00.000Z");

    // Updating the zone moves nextRun.
    let r = api.put(
        &format!("/api/v1/schedules/{id}"),
        json!({"task": "report", "cron": "0 9 * * *", "timezone": "Asia/Tokyo"}),
    );
    assert_eq!(r.json()["nextRun"], "2025-01-16T00:00:00.000Z");
}

#[test]
fn every_listed_timezone_is_accepted() {
    let emu = Emulator::start().unwrap();
    emu.freeze_clock_at(ms("2025-01-15T10:00:00Z"));
    let api = Api::new(&emu, emu.seed().dev_key());
    let zones = Api::anonymous(&emu).get("/api/v1/timezones").json()["timezones"]
        .as_array()
        .unwrap()
        .clone();
    assert!(zones.len() > 400);
    for (i, z) in zones.iter().enumerate() {
        let s = schedule(&api, "0 0 * * *", z.as_str().unwrap(), &format!("k{i}"));
        assert!(s["nextRun"].is_string(), "{z}");
    }
    // Zones chrono-tz knows are accepted even when the list leaves them out; others are not.
    schedule(&api, "0 0 * * *", "America/Argentina/Buenos_Aires", "ba");
    let r = api.post(
        "/api/v1/schedules",
        json!({"task": "t", "cron": "0 0 * * *", "deduplicationKey": "x", "timezone": "Europe/Atlantis"}),
    );
    assert_eq!(r.status, 422);
    assert!(
        r.error()
            .starts_with("Invalid IANA timezone: 'Europe/Atlantis'."),
        "{}",
        r.error()
    );
}

#[test]
fn the_clock_can_be_frozen_set_and_released() {
    let emu = Emulator::start().unwrap();
    let r = admin(
        &emu,
        "POST",
        "/__emulator/clock",
        Some(json!({"now": "2025-01-15T10:00:00Z"})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"now": "2025-01-15T10:00:00.000Z", "nowMs": ms("2025-01-15T10:00:00Z"), "frozen": true})
    );
    // Frozen means frozen, and advance still moves it.
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(emu.now_ms(), ms("2025-01-15T10:00:00Z"));
    emu.advance(Duration::from_secs(60));
    let c = admin(&emu, "GET", "/__emulator/clock", None).json();
    assert_eq!(c["now"], "2025-01-15T10:01:00.000Z");
    assert_eq!(emu.state()["now"], "2025-01-15T10:01:00.000Z");
    // Released, it runs on from there.
    let r = admin(
        &emu,
        "POST",
        "/__emulator/clock",
        Some(json!({"frozen": false})),
    );
    assert_eq!(r.json()["frozen"], false);
    let now = emu.now_ms();
    assert!(now >= ms("2025-01-15T10:01:00Z"), "{now}");
    assert!(now < ms("2025-01-15T11:00:00Z"), "{now}");
    for bad in [
        json!({"now": "soon"}),
        json!({"frozen": "yes"}),
        json!({"now": true}),
    ] {
        assert_eq!(
            admin(&emu, "POST", "/__emulator/clock", Some(bad)).status,
            400
        );
    }
    // Reset brings back the real clock.
    emu.freeze_clock_at(0);
    emu.reset();
    assert!(emu.now_ms() > ms("2025-01-01T00:00:00Z"));
}
