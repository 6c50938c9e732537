//! Fault injection, and HTTP edge cases that must never crash the emulator.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use triggerdev_emulator::{Emulator, FaultRule, Faults};

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

fn trigger(api: &Api) -> Resp {
    api.post("/api/v1/tasks/t/trigger", json!({"payload": "x"}))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

#[test]
fn status_faults_fire_n_times_and_change_nothing() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let r = admin(
        &emu,
        "POST",
        "/__emulator/faults",
        Some(json!({"status": 503, "count": 2, "shouldRetry": true})),
    );
    assert_eq!(r.status, 200);
    for _ in 0..2 {
        let r = trigger(&api);
        assert_eq!(r.status, 503);
        assert_eq!(r.json(), json!({"error": "Service unavailable"}));
        assert_eq!(r.header("x-should-retry"), Some("true"));
    }
    assert!(
        emu.runs().is_empty(),
        "faulted requests must not create runs"
    );
    assert_eq!(trigger(&api).status, 200);
    assert_eq!(emu.runs().len(), 1);
    assert_eq!(
        admin(&emu, "GET", "/__emulator/faults", None).json()["faults"],
        json!([])
    );
    // The log shows what happened.
    let log = emu.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["fault"], true);
    assert_eq!(log[0]["status"], 503);
    assert_eq!(log[2]["fault"], false);
}

#[test]
fn rate_limit_faults_carry_an_epoch_ms_reset() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    emu.add_fault(
        FaultRule::status(429)
            .times(1)
            .rate_limit_reset_ms(1500)
            .should_retry(false),
    );
    let before = now_secs() * 1000;
    let r = api.get("/api/v1/runs");
    let after = (now_secs() + 1) * 1000;
    assert_eq!(r.status, 429);
    let reset: i64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset >= before + 1500 && reset <= after + 1500, "{reset}");
    assert_eq!(r.header("x-should-retry"), Some("false"));
    assert_eq!(api.get("/api/v1/runs").status, 200);
}

#[test]
fn dropped_connections_cut_the_response() {
    let emu = Emulator::start().unwrap();
    admin(
        &emu,
        "POST",
        "/__emulator/faults",
        Some(json!({"dropConnection": true, "count": 2})),
    );
    let auth = format!("Bearer {}", emu.seed().dev_key());
    let req = format!("GET /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n");
    // Keep-alive request: the server must close the socket, not leave the client hanging. A
    // read that ends in EOF (not in the generous read timeout) shows the server closed it.
    let mut s = TcpStream::connect(host_port(emu.base_url())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got)
        .expect("the server closes the connection (EOF), the client does not time out");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        !text.contains("\r\n\r\n"),
        "the head must be incomplete: {text}"
    );
    // A real client sees a transport error.
    let err = agent()
        .get(format!("{}/api/v1/runs", emu.base_url()))
        .header("Authorization", &auth)
        .call();
    assert!(err.is_err(), "{err:?}");
    // Then it is over.
    assert_eq!(dev(&emu).get("/api/v1/runs").status, 200);
}

#[test]
fn path_and_method_filters_and_admin_is_never_faulted() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let rule = FaultRule {
        method: Some("GET".into()),
        ..FaultRule::status(500).path("/api/v1/runs")
    };
    emu.add_fault(rule);
    assert_eq!(api.get("/api/v1/runs").status, 500);
    assert_eq!(api.get("/api/v1/runs?x=1").status, 500);
    assert_eq!(trigger(&api).status, 200);
    let id = emu.runs()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.post_empty(&format!("/api/v1/runs/{id}/replay")).status,
        200
    );
    assert_eq!(admin(&emu, "GET", "/__emulator/state", None).status, 200);
    assert_eq!(
        admin(&emu, "DELETE", "/__emulator/faults", None).status,
        200
    );
    assert_eq!(api.get("/api/v1/runs").status, 200);
}

#[test]
fn rate_faults_are_deterministic_per_seed() {
    let emu = Emulator::start().unwrap();
    let api = Api::anonymous(&emu);
    let pattern = || -> Vec<u16> {
        emu.set_faults(Faults {
            rules: vec![FaultRule::status(500).rate(0.5)],
            seed: 7,
        });
        (0..30)
            .map(|_| api.get("/api/v1/timezones").status)
            .collect()
    };
    let a = pattern();
    let b = pattern();
    assert_eq!(a, b);
    let failures = a.iter().filter(|s| **s == 500).count();
    assert!((5..=25).contains(&failures), "{failures} of 30");
    let r = admin(
        &emu,
        "POST",
        "/__emulator/faults",
        Some(json!({"rules": [{"rate": 0.0}], "seed": 1})),
    );
    assert_eq!(r.status, 200);
    assert!((0..10).all(|_| api.get("/api/v1/timezones").status == 200));
}

#[test]
fn after_handler_faults_prove_request_idempotency() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu).with(
        "x-trigger-request-idempotency-key",
        "7a1c1c9e-0000-4000-8000-000000000001",
    );
    emu.add_fault(FaultRule::status(503).times(1).after_handler());
    let first = trigger(&api);
    assert_eq!(first.status, 503);
    assert_eq!(emu.runs().len(), 1, "the handler ran");
    let retry = trigger(&api);
    assert_eq!(retry.status, 200);
    assert_eq!(retry.json()["id"], emu.runs()[0]["id"]);
    assert_eq!(emu.runs().len(), 1, "the retry was deduplicated");
    // Without the header a retry makes a second run.
    emu.add_fault(FaultRule::status(503).times(1).after_handler());
    trigger(&dev(&emu));
    trigger(&dev(&emu));
    assert_eq!(emu.runs().len(), 3);
}

#[test]
fn latency_faults_slow_requests_down() {
    let emu = Emulator::start().unwrap();
    admin(
        &emu,
        "POST",
        "/__emulator/faults",
        Some(json!([{"latencyMs": 150, "count": 1}])),
    );
    // Only a lower bound on time: a loaded machine can make any request slow, never fast.
    let t = Instant::now();
    assert_eq!(Api::anonymous(&emu).get("/api/v1/timezones").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    // The rule fired once and is gone; the log shows which request was slowed.
    assert_eq!(
        admin(&emu, "GET", "/__emulator/faults", None).json()["faults"],
        json!([])
    );
    assert_eq!(Api::anonymous(&emu).get("/api/v1/timezones").status, 200);
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["latencyMs"], 150);
    assert_eq!(log[0]["fault"], false, "latency alone is not a failure");
    assert_eq!(log[1]["latencyMs"], 0);
    // A standing latency rule applies to every matching request.
    emu.add_fault(FaultRule::latency(20).path("/api/v1/timezones"));
    for _ in 0..2 {
        Api::anonymous(&emu).get("/api/v1/timezones");
    }
    Api::new(&emu, emu.seed().dev_key()).get("/api/v1/runs");
    let log = emu.requests();
    let lat: Vec<&serde_json::Value> = log[2..].iter().map(|e| &e["latencyMs"]).collect();
    assert_eq!(lat, [&json!(20), &json!(20), &json!(0)]);
    assert_eq!(
        admin(
            &emu,
            "POST",
            "/__emulator/faults",
            Some(json!({"status": "x"}))
        )
        .status,
        400
    );
}

#[test]
fn bad_bodies_get_clear_errors() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let r = api.send(
        "POST",
        "/api/v1/tasks/t/trigger",
        Some(b"{nope"),
        "application/json",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Invalid JSON");
    let r = api.send(
        "POST",
        "/api/v1/tasks/t/trigger",
        Some(b""),
        "application/json",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error(), "Request body is empty");
    let r = api.send(
        "POST",
        "/api/v1/tasks/t/trigger",
        Some(&[0xff, 0xfe, 0x00]),
        "application/json",
    );
    assert_eq!(r.status, 400);
    let r = api.send(
        "POST",
        "/api/v1/tasks/t/trigger",
        Some(b"[1,2]"),
        "application/json",
    );
    assert_eq!(r.status, 400);
    let deep = "[".repeat(10_000);
    let r = api.send(
        "POST",
        "/api/v1/tasks/t/trigger",
        Some(deep.as_bytes()),
        "application/json",
    );
    assert_eq!(r.status, 400);

    // Over the 3 MiB trigger limit: 413, and the connection is still usable afterwards.
    let big = vec![b' '; 3 * 1024 * 1024 + 1];
    let r = api.send(
        "POST",
        "/api/v1/tasks/t/trigger",
        Some(&big),
        "application/json",
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.error(), "Request body too large");
    // Chunked bodies on trigger have no Content-Length, which the real server refuses with 413.
    let auth = format!("Bearer {}", emu.seed().dev_key());
    let chunked = format!(
        "POST /api/v1/tasks/t/trigger HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{\"a\":\r\n2\r\n1}}\r\n0\r\n\r\n"
    );
    assert_eq!(parse(&raw(emu.base_url(), chunked.as_bytes())).status, 413);
    assert!(emu.runs().is_empty());
}

#[test]
fn chunked_ndjson_items_are_accepted() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let id = api
        .post(
            "/api/v3/batches",
            json!({"runCount": 2, "taskIdentifiers": ["a"]}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let line0 = "{\"index\":0,\"task\":\"a\",\"payload\":\"x\"}\n";
    let line1 = "{\"index\":1,\"task\":\"a\",\"payload\":\"y\"}\n";
    let req = format!(
        "POST /api/v3/batches/{id}/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n{:x};ext=1\r\n{line0}\r\n{:x}\r\n{line1}\r\n0\r\nTrailer: v\r\n\r\n",
        emu.seed().dev_key(),
        line0.len(),
        line1.len()
    );
    let r = parse(&raw(emu.base_url(), req.as_bytes()));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["sealed"], true);
    assert_eq!(emu.runs().len(), 2);
}

#[test]
fn garbage_requests_never_crash_the_server() {
    let emu = Emulator::start().unwrap();
    let base = emu.base_url();
    for junk in [
        &b"HELLO\r\n\r\n"[..],
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET /x HTTP/1.1\r\nno-colon-header\r\n\r\n",
        b"POST /api/v1/tasks/t/trigger HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /api/v3/batches/b/items HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\xff\xfe\xfd\r\n\r\n",
    ] {
        let got = raw(base, junk);
        let r = parse(&got);
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(junk));
    }
    // Truncated request: the client just goes away.
    let mut s = TcpStream::connect(host_port(base)).unwrap();
    s.write_all(b"POST /api/v1/tasks/t/trigger HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    drop(s);
    // Oversized head.
    let huge = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(70_000));
    assert_eq!(parse(&raw(base, huge.as_bytes())).status, 431);

    let api = dev(&emu);
    let r = api.get("/api/v1/nothing-here");
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "Not found"}));
    let r = api.send("PATCH", "/api/v1/runs", None, "application/json");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
    assert_eq!(api.get("/api/v3/runs/%FF%FE%zz").status, 404);
    assert_eq!(api.get("/api/v3/runs/").status, 404);

    // A panicking handler becomes a 500 and poisons nothing.
    let r = admin(&emu, "POST", "/__emulator/panic", None);
    assert_eq!(r.status, 500);
    assert_eq!(trigger(&api).status, 200);
    assert_eq!(emu.runs().len(), 1);
}

#[test]
fn keep_alive_pipelining_and_expect_continue() {
    let emu = Emulator::start().unwrap();
    // ureq reuses one pooled connection for all of these.
    let agent = agent();
    let auth = format!("Bearer {}", emu.seed().dev_key());
    for i in 0..5 {
        let mut r = agent
            .post(format!("{}/api/v1/tasks/t{i}/trigger", emu.base_url()))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(r#"{"payload":"x"}"#)
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.body_mut().read_to_string().unwrap().contains("run_"));
    }
    assert_eq!(emu.runs().len(), 5);

    // Two pipelined requests in one write get two responses.
    let mut s = TcpStream::connect(host_port(emu.base_url())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /api/v1/timezones HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/timezones?excludeUtc=true HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&all)
            .matches("HTTP/1.1 200 OK")
            .count(),
        2
    );

    // Expect: 100-continue gets its interim response before the body is sent.
    let mut s = TcpStream::connect(host_port(emu.base_url())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let body = br#"{"payload":"x"}"#;
    write!(
        s,
        "POST /api/v1/tasks/t/trigger HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {auth}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(body).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert_eq!(parse(&rest).status, 200);
}

#[test]
fn dropping_the_emulator_closes_everything() {
    let emu = Emulator::start().unwrap();
    let addr = host_port(emu.base_url());
    // An idle keep-alive connection must not keep drop() waiting, and drop must close it.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    idle.write_all(b"GET /api/v1/timezones HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // A second connection that has sent half a request.
    let mut half = TcpStream::connect(&addr).unwrap();
    half.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    half.write_all(b"GET /api/v1/time").unwrap();
    // Returning from drop means the acceptor and every connection thread were joined.
    drop(emu);
    // Both sockets were closed by the server: reads end in EOF (or a reset), not the timeout.
    // The idle one gets the rest of its one response and nothing more.
    let mut rest = Vec::new();
    match idle.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{e}"
        ),
    }
    let mut whole = head.to_vec();
    whole.extend_from_slice(&rest);
    let text = String::from_utf8_lossy(&whole);
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
    assert_eq!(parse(&whole).status, 200);
    let mut buf = Vec::new();
    match half.read_to_end(&mut buf) {
        Ok(_) => assert!(buf.is_empty(), "{:?}", String::from_utf8_lossy(&buf)),
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{e}"
        ),
    }
}
