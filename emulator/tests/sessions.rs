//! Sessions REST (create, list, retrieve, update, close), the session scope table, both URL
//! forms, expiry, and channel appends/drains/PUT/HEAD.

mod common;
#[path = "common/sse.rs"]
mod sse;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::Emulator;

fn dev(emu: &Emulator) -> Api {
    Api::new(emu, emu.seed().dev_key())
}

/// A public token signed with the dev key (what `auth.createPublicToken` mints locally).
fn token(emu: &Emulator, scopes: Value) -> String {
    let now = emu.now_ms() / 1000;
    mint(
        emu.seed().dev_key(),
        json!({"sub": emu.seed().env_id("dev"), "pub": true, "scopes": scopes, "exp": now + 900}),
    )
}

fn start(api: &Api, external_id: Option<&str>) -> Value {
    let mut body = json!({
        "type": "chat.agent",
        "taskIdentifier": "chat",
        "triggerConfig": {"basePayload": {"chatId": external_id}, "tags": ["t1"], "machine": "small-2x", "idleTimeoutInSeconds": 30},
        "tags": ["web"],
        "metadata": {"plan": "pro"},
    });
    if let Some(e) = external_id {
        body["externalId"] = json!(e);
    }
    let r = api.post("/api/v1/sessions", body);
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
    r.json()
}

fn patch(api: &Api, path: &str, body: Value) -> Resp {
    api.send(
        "PATCH",
        path,
        Some(body.to_string().as_bytes()),
        "application/json",
    )
}

fn append(api: &Api, path: &str, body: &str, part: Option<&str>) -> Resp {
    let api = match part {
        Some(p) => api.clone().with("X-Part-Id", p),
        None => api.clone(),
    };
    api.send("POST", path, Some(body.as_bytes()), "application/json")
}

/// A POST with a chunked body and so no Content-Length (which limited routes refuse with 413).
fn chunked_post(emu: &Emulator, path: &str, body: &str) -> Resp {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        emu.seed().dev_key(),
        body.len()
    );
    parse(&raw(emu.base_url(), req.as_bytes()))
}

#[test]
fn create_returns_the_session_its_first_run_and_a_session_token() {
    let emu = Emulator::start().unwrap();
    // Frozen: the token times below are compared to the second.
    emu.freeze_clock_at(1_767_225_600_000);
    let api = dev(&emu);
    let r = api.post(
        "/api/v1/sessions",
        json!({"type": "chat.agent", "externalId": "  chat-1 ", "taskIdentifier": "chat",
               "triggerConfig": {"basePayload": {"chatId": "chat-1"}, "queue": "q1", "maxAttempts": 3,
                                 "tags": ["a"], "idleTimeoutInSeconds": 60, "unknown": 1},
               "tags": ["web"], "metadata": {"k": 1}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let s = r.json();
    assert!(s["id"].as_str().unwrap().starts_with("session_"));
    assert_eq!(s["externalId"], "chat-1", "externalId is trimmed");
    assert_eq!(s["type"], "chat.agent");
    assert_eq!(s["taskIdentifier"], "chat");
    assert_eq!(s["isCached"], false);
    assert_eq!(s["tags"], json!(["web"]));
    assert_eq!(s["metadata"], json!({"k": 1}));
    assert_eq!(s["closedAt"], Value::Null);
    assert_eq!(s["closedReason"], Value::Null);
    assert_eq!(s["expiresAt"], Value::Null);
    assert!(
        s["triggerConfig"].get("unknown").is_none(),
        "unknown keys are stripped"
    );
    let run_id = s["runId"].as_str().unwrap().to_string();
    assert_eq!(s["currentRunId"], run_id.as_str());

    // The first run: QUEUED, the base payload plus idleTimeoutInSeconds and sessionId.
    let run = emu.run(&run_id).unwrap();
    assert_eq!(run["status"], "QUEUED");
    assert_eq!(run["taskIdentifier"], "chat");
    assert_eq!(
        run["payload"],
        json!({"chatId": "chat-1", "idleTimeoutInSeconds": 60, "sessionId": s["id"]})
    );
    assert_eq!(run["queue"], "q1");
    assert_eq!(run["maxAttempts"], 3);
    assert_eq!(run["tags"], json!(["a"]));

    // The session token: read+write on the externalId, 1 h on the emulator clock.
    let pat = s["publicAccessToken"].as_str().unwrap().to_string();
    let claims = jwt_payload(&pat);
    assert_eq!(
        claims["scopes"],
        json!(["read:sessions:chat-1", "write:sessions:chat-1"])
    );
    assert_eq!(claims["sub"], emu.seed().env_id("dev"));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    // As on the server, the token is only in the body (no x-trigger-jwt header).
    assert_eq!(r.header("x-trigger-jwt"), None);

    // Same externalId again: 200, cached, same session and run, a fresh token.
    emu.advance(Duration::from_secs(30));
    let r = api.post(
        "/api/v1/sessions",
        json!({"type": "chat.agent", "externalId": "chat-1", "taskIdentifier": "chat",
               "triggerConfig": {"basePayload": {"chatId": "chat-1", "v": 2}}}),
    );
    assert_eq!(r.status, 200);
    let again = r.json();
    assert_eq!(again["isCached"], true);
    assert_eq!(again["id"], s["id"]);
    assert_eq!(again["runId"], run_id.as_str());
    let fresh = again["publicAccessToken"].as_str().unwrap();
    assert_ne!(fresh, pat);
    assert_eq!(
        jwt_payload(fresh)["iat"].as_i64().unwrap(),
        claims["iat"].as_i64().unwrap() + 30
    );
    // The cached path refreshes triggerConfig only.
    assert_eq!(again["triggerConfig"]["basePayload"]["v"], 2);
    assert_eq!(again["tags"], json!(["web"]));

    // Once the run has finished, the next create starts a continuation run.
    emu.complete_run(&run_id, json!(null)).unwrap();
    let third = start(&api, Some("chat-1"));
    let next = third["runId"].as_str().unwrap();
    assert_ne!(next, run_id);
    let p = &emu.run(next).unwrap()["payload"];
    assert_eq!(p["continuation"], true);
    assert_eq!(p["previousRunId"], run_id.as_str());
    assert_eq!(
        emu.session("chat-1").unwrap()["runIds"],
        json!([run_id, next])
    );

    // Without an externalId the key is the friendly id.
    let anon = start(&api, None);
    let id = anon["id"].as_str().unwrap();
    assert_eq!(
        jwt_payload(anon["publicAccessToken"].as_str().unwrap())["scopes"],
        json!([
            format!("read:sessions:{id}"),
            format!("write:sessions:{id}")
        ])
    );
    assert_eq!(anon["externalId"], Value::Null);
}

#[test]
fn create_validates_like_the_server_and_checks_its_scopes() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let ok_body =
        json!({"type": "t", "taskIdentifier": "chat", "triggerConfig": {"basePayload": {}}});
    // Content-Length is required and the body is capped at 32 KB.
    assert_eq!(
        chunked_post(&emu, "/api/v1/sessions", &ok_body.to_string()).status,
        413
    );
    let mut big = ok_body.clone();
    big["metadata"] = json!({"x": "y".repeat(33 * 1024)});
    assert_eq!(api.post("/api/v1/sessions", big).status, 413);
    assert_eq!(
        api.send("POST", "/api/v1/sessions", Some(b""), "application/json")
            .error(),
        "Request body is empty"
    );
    for (patch, needle) in [
        (json!({"externalId": "session_abc"}), "reserved prefix"),
        (json!({"externalId": "a:channels:b"}), ":channels:"),
        (json!({"externalId": "   "}), "at least 1 character"),
        (json!({"type": ""}), "at \"type\""),
        (
            json!({"type": null}),
            "Expected string, received null at \"type\"",
        ),
        (
            json!({"tags": (0..11).map(|i| i.to_string()).collect::<Vec<_>>()}),
            "at most 10 element(s) at \"tags\"",
        ),
        (
            json!({"triggerConfig": {}}),
            "Required at \"triggerConfig.basePayload\"",
        ),
        (
            json!({"triggerConfig": {"basePayload": {}, "machine": "huge"}}),
            "triggerConfig.machine",
        ),
        (
            json!({"triggerConfig": {"basePayload": {}, "maxAttempts": 11}}),
            "less than or equal to 10",
        ),
        (
            json!({"triggerConfig": {"basePayload": {}, "idleTimeoutInSeconds": 0}}),
            "greater than 0",
        ),
        (json!({"expiresAt": "tomorrow"}), "Invalid date"),
    ] {
        let mut body = ok_body.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = api.post("/api/v1/sessions", body);
        assert_eq!(r.status, 400, "{patch}");
        assert!(r.error().starts_with("Validation error: "), "{}", r.error());
        assert!(r.error().contains(needle), "{patch}: {}", r.error());
    }
    assert!(emu.sessions().is_empty(), "invalid bodies create nothing");
    assert!(emu.runs().is_empty());

    // Credentials: a task scope or the type-level write:sessions; an id-scoped one is not enough.
    for (scopes, status) in [
        (json!(["write:tasks:chat"]), 201),
        (json!(["write:sessions"]), 201),
        (json!(["admin"]), 201),
        (json!(["write:tasks:other"]), 403),
        (json!(["write:sessions:s1"]), 403),
        (json!(["read:sessions"]), 403),
    ] {
        let r =
            Api::new(&emu, &token(&emu, scopes.clone())).post("/api/v1/sessions", ok_body.clone());
        assert_eq!(r.status, status, "{scopes}");
    }
    assert_eq!(
        Api::new(&emu, emu.seed().pat())
            .post("/api/v1/sessions", ok_body.clone())
            .status,
        401
    );
    // The seeded additional key has write:sessions.
    assert_eq!(
        Api::new(&emu, triggerdev_emulator::keys::DEV_ADDITIONAL_KEY)
            .post("/api/v1/sessions", ok_body.clone())
            .status,
        201
    );
    // Unknown tasks: 422, nothing created.
    let before = emu.sessions().len();
    let mut body = ok_body.clone();
    body["taskIdentifier"] = json!("missing-task");
    assert_eq!(api.post("/api/v1/sessions", body).status, 422);
    assert_eq!(emu.sessions().len(), before);
}

#[test]
fn closed_and_expired_sessions() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    start(&api, Some("c1"));
    // Close needs a body ({} from the SDK); it is idempotent and keeps the first reason.
    assert_eq!(
        api.send(
            "POST",
            "/api/v1/sessions/c1/close",
            Some(b""),
            "application/json"
        )
        .error(),
        "Request body is empty"
    );
    let r = api.post("/api/v1/sessions/c1/close", json!({"reason": "user left"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let closed_at = r.json()["closedAt"].clone();
    assert!(closed_at.is_string());
    assert_eq!(r.json()["closedReason"], "user left");
    emu.advance(Duration::from_secs(5));
    let r = api.post("/api/v1/sessions/c1/close", json!({"reason": "again"}));
    assert_eq!(r.json()["closedAt"], closed_at);
    assert_eq!(r.json()["closedReason"], "user left");
    assert_eq!(
        api.post(
            "/api/v1/sessions/c1/close",
            json!({"reason": "x".repeat(257)})
        )
        .status,
        400
    );
    assert_eq!(
        api.post("/api/v1/sessions/nope/close", json!({})).error(),
        "Session not found"
    );
    // A closed session cannot be re-created.
    let r = api.post(
        "/api/v1/sessions",
        json!({"type": "t", "externalId": "c1", "taskIdentifier": "chat", "triggerConfig": {"basePayload": {}}}),
    );
    assert_eq!(r.status, 409);
    assert!(r.error().contains("closed"));
    // Appending to it: the recorded server's 400 without a code.
    let r = append(&api, "/realtime/v1/sessions/c1/in/append", "hi", None);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"ok": false, "error": "Cannot append to a closed session"})
    );

    // Expiry runs on the emulator clock.
    let expires = iso_in(&emu, 60);
    let r = api.post(
        "/api/v1/sessions",
        json!({"type": "t", "externalId": "e1", "taskIdentifier": "chat",
               "triggerConfig": {"basePayload": {}}, "expiresAt": expires}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(emu.session("e1").unwrap()["status"], "ACTIVE");
    assert_eq!(
        append(&api, "/realtime/v1/sessions/e1/in/append", "hi", None).status,
        200
    );
    emu.advance(Duration::from_secs(61));
    assert_eq!(emu.session("e1").unwrap()["status"], "EXPIRED");
    let r = append(&api, "/realtime/v1/sessions/e1/in/append", "hi", None);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"ok": false, "error": "Cannot append to an expired session"})
    );
    let r = api.post(
        "/api/v1/sessions",
        json!({"type": "t", "externalId": "e1", "taskIdentifier": "chat", "triggerConfig": {"basePayload": {}}}),
    );
    assert_eq!(r.status, 409);
    assert!(r.error().contains("expired"));
    let list = api
        .get("/api/v1/sessions?filter%5Bstatus%5D=EXPIRED")
        .json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["externalId"], "e1");
    let list = api.get("/api/v1/sessions?filter%5Bstatus%5D=CLOSED").json();
    assert_eq!(list["data"][0]["externalId"], "c1");
}

/// An ISO date `secs` ahead of the emulator clock.
fn iso_in(emu: &Emulator, secs: i64) -> String {
    let ms = emu.now_ms() + secs * 1000;
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        (rem / 60_000) % 60,
        (rem / 1000) % 60,
        rem % 1000
    )
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[test]
fn list_filters_and_cursor_pages() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = api.post(
            "/api/v1/sessions",
            json!({"type": if i % 2 == 0 { "even" } else { "odd" }, "externalId": format!("s{i}"),
                   "taskIdentifier": if i == 4 { "other" } else { "chat" },
                   "triggerConfig": {"basePayload": {}}, "tags": [format!("tag{i}")]}),
        );
        assert_eq!(r.status, 201);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let names = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["externalId"].as_str().unwrap().to_string())
            .collect()
    };
    let all = api.get("/api/v1/sessions").json();
    assert_eq!(names(&all), ["s4", "s3", "s2", "s1", "s0"], "newest first");
    assert!(
        all["data"][0].get("triggerConfig").is_none(),
        "list rows omit triggerConfig"
    );
    assert_eq!(all["pagination"], json!({}));

    let p1 = api.get("/api/v1/sessions?page%5Bsize%5D=2").json();
    assert_eq!(names(&p1), ["s4", "s3"]);
    assert_eq!(p1["pagination"], json!({"next": ids[3]}));
    let p2 = api
        .get(&format!(
            "/api/v1/sessions?page%5Bsize%5D=2&page%5Bafter%5D={}",
            ids[3]
        ))
        .json();
    assert_eq!(names(&p2), ["s2", "s1"]);
    assert_eq!(
        p2["pagination"],
        json!({"next": ids[1], "previous": ids[2]})
    );
    let back = api
        .get(&format!(
            "/api/v1/sessions?page%5Bsize%5D=2&page%5Bbefore%5D={}",
            ids[2]
        ))
        .json();
    assert_eq!(names(&back), ["s4", "s3"]);
    for q in [
        format!("page%5Bafter%5D={}&page%5Bbefore%5D={}", ids[1], ids[3]),
        "page%5Bsize%5D=0".to_string(),
        "page%5Bsize%5D=101".to_string(),
        "page%5Bsize%5D=x".to_string(),
        "filter%5Bstatus%5D=ACTIVE,CLOSED".to_string(),
        "filter%5Bstatus%5D=IDLE".to_string(),
        "page%5Bafter%5D=session_unknown".to_string(),
    ] {
        let r = api.get(&format!("/api/v1/sessions?{q}"));
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.error(), "Query Error", "{q}");
    }
    for (q, want) in [
        ("filter%5Btype%5D=even", vec!["s4", "s2", "s0"]),
        ("filter%5Btype%5D=even,odd", vec![]),
        ("filter%5Btags%5D=tag1", vec!["s1"]),
        ("filter%5BtaskIdentifier%5D=other", vec!["s4"]),
        ("filter%5BexternalId%5D=s2", vec!["s2"]),
        (
            "filter%5Bstatus%5D=ACTIVE",
            vec!["s4", "s3", "s2", "s1", "s0"],
        ),
        ("filter%5Bstatus%5D=CLOSED", vec![]),
        (
            "filter%5BcreatedAt%5D%5Bperiod%5D=1h",
            vec!["s4", "s3", "s2", "s1", "s0"],
        ),
    ] {
        assert_eq!(
            names(&api.get(&format!("/api/v1/sessions?{q}")).json()),
            want,
            "{q}"
        );
    }
    emu.advance(Duration::from_secs(7200));
    assert!(names(
        &api.get("/api/v1/sessions?filter%5BcreatedAt%5D%5Bperiod%5D=1h")
            .json()
    )
    .is_empty());

    // Tokens: type-level read:sessions or read:tasks, or read:tasks:<id> for the filtered task.
    for (scopes, q, status) in [
        (json!(["read:sessions"]), "", 200),
        (json!(["read:tasks"]), "", 200),
        (json!(["read:sessions:s1"]), "", 403),
        (json!(["read:tasks:chat"]), "", 403),
        (
            json!(["read:tasks:chat"]),
            "?filter%5BtaskIdentifier%5D=chat",
            200,
        ),
        (
            json!(["read:tasks:chat"]),
            "?filter%5BtaskIdentifier%5D=other",
            403,
        ),
    ] {
        let r = Api::new(&emu, &token(&emu, scopes.clone())).get(&format!("/api/v1/sessions{q}"));
        assert_eq!(r.status, status, "{scopes} {q}");
    }
}

#[test]
fn update_needs_a_secret_key_and_keeps_the_external_id() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let s = start(&api, Some("u1"));
    let r = patch(
        &api,
        "/api/v1/sessions/u1",
        json!({"tags": ["a", "b"], "metadata": {"x": 1}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["tags"], json!(["a", "b"]));
    assert_eq!(r.json()["metadata"], json!({"x": 1}));
    assert!(r.json()["triggerConfig"].is_object());
    let r = patch(
        &api,
        "/api/v1/sessions/u1",
        json!({"metadata": null, "externalId": "u1"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["metadata"], Value::Null);
    assert_eq!(r.json()["tags"], json!(["a", "b"]), "omitted fields stay");
    for e in [json!("u2"), Value::Null] {
        let r = patch(&api, "/api/v1/sessions/u1", json!({ "externalId": e }));
        assert_eq!(r.status, 422, "{e}");
        assert!(r.error().contains("externalId cannot be changed"));
    }
    let anon = start(&api, None);
    let r = patch(
        &api,
        &format!("/api/v1/sessions/{}", anon["id"].as_str().unwrap()),
        json!({"externalId": "late"}),
    );
    assert_eq!(r.status, 422, "setting one later re-keys the session too");
    assert_eq!(
        patch(
            &api,
            "/api/v1/sessions/u1",
            json!({"tags": (0..11).map(|i| i.to_string()).collect::<Vec<_>>()})
        )
        .status,
        400
    );
    assert_eq!(
        patch(&api, "/api/v1/sessions/nope", json!({})).error(),
        "Session not found"
    );
    // The session's own token (read+write) may not update or close.
    let session_token = s["publicAccessToken"].as_str().unwrap();
    let t = Api::new(&emu, session_token);
    assert_eq!(
        patch(&t, "/api/v1/sessions/u1", json!({"tags": []})).status,
        403
    );
    assert_eq!(t.post("/api/v1/sessions/u1/close", json!({})).status, 403);
    // admin:sessions:<id> (either form) or admin may.
    let id = s["id"].as_str().unwrap();
    for scopes in [
        json!(["admin:sessions:u1"]),
        json!([format!("admin:sessions:{id}")]),
        json!(["admin"]),
    ] {
        let a = Api::new(&emu, &token(&emu, scopes.clone()));
        assert_eq!(
            patch(&a, "/api/v1/sessions/u1", json!({"tags": []})).status,
            200,
            "{scopes}"
        );
        assert_eq!(
            patch(&a, &format!("/api/v1/sessions/{id}"), json!({})).status,
            200,
            "{scopes}"
        );
    }
    let a = Api::new(&emu, &token(&emu, json!(["admin:sessions:other"])));
    assert_eq!(patch(&a, "/api/v1/sessions/u1", json!({})).status, 403);
    // The seeded additional key has read/write sessions scopes only: no admin.
    let ak = Api::new(&emu, triggerdev_emulator::keys::DEV_ADDITIONAL_KEY);
    assert_eq!(patch(&ak, "/api/v1/sessions/u1", json!({})).status, 403);
}

#[test]
fn the_session_scope_table_row_by_row() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let s = start(&api, Some("chat-7"));
    let run_id = s["runId"].as_str().unwrap().to_string();
    // Another session whose runs must not show up.
    start(&api, Some("other"));
    let base = "/realtime/v1/sessions/chat-7";
    // Some records on both channels.
    assert_eq!(
        append(&api, &format!("{base}/in/append"), "hello", Some("p1")).status,
        200
    );
    assert_eq!(
        append(&api, &format!("{base}/out/append"), "{\"t\":1}", Some("o1")).status,
        200
    );
    // Windows drain and close at once, so each read below ends by itself.
    let mut o = emu.session_options();
    o.sse_linger = Some(Duration::ZERO);
    emu.set_session_options(o);

    let read = Api::new(&emu, &token(&emu, json!(["read:sessions:chat-7"])));
    let write = Api::new(&emu, &token(&emu, json!(["write:sessions:chat-7"])));
    let both = Api::new(&emu, s["publicAccessToken"].as_str().unwrap());
    let neither = Api::new(&emu, &token(&emu, json!(["read:runs:run_x"])));

    // read:sessions:{id}: retrieve, list its runs, subscribe to and drain both channels.
    assert_eq!(read.get("/api/v1/sessions/chat-7").status, 200);
    let runs = read.get("/api/v1/runs?filter%5Bsession%5D=chat-7");
    assert_eq!(runs.status, 200, "{}", runs.text());
    assert_eq!(runs.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(runs.json()["data"][0]["id"], run_id.as_str());
    for io in ["in", "out"] {
        let r = read.get(&format!("{base}/{io}/records"));
        assert_eq!(r.status, 200, "{io}");
        assert_eq!(r.json()["records"].as_array().unwrap().len(), 1, "{io}");
        let mut sse = sse::open(
            emu.base_url(),
            &format!("{base}/{io}"),
            read.token.as_deref().unwrap(),
            &[],
        );
        assert_eq!(sse.status, 200, "{io}");
        let (events, end) = sse.rest();
        assert_eq!(end, sse::End::Clean);
        assert_eq!(sse::seqs(&events), [0], "{io}");
    }
    // ... but no appends, no update, no close.
    assert_eq!(
        append(&read, &format!("{base}/in/append"), "x", None).status,
        403
    );
    assert_eq!(
        append(&read, &format!("{base}/out/append"), "x", None).status,
        403
    );
    assert_eq!(
        patch(&read, "/api/v1/sessions/chat-7", json!({})).status,
        403
    );
    assert_eq!(
        read.post("/api/v1/sessions/chat-7/close", json!({})).status,
        403
    );
    // Without filter[session] a session token lists no runs.
    assert_eq!(read.get("/api/v1/runs").status, 403);
    assert_eq!(
        read.get("/api/v1/runs?filter%5Bsession%5D=other").status,
        403
    );

    // write:sessions:{id}: append to .in, nothing else.
    let r = append(
        &write,
        &format!("{base}/in/append"),
        "from the browser",
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"ok": true, "seq": 1}));
    assert_eq!(write.get("/api/v1/sessions/chat-7").status, 403);
    assert_eq!(write.get(&format!("{base}/in/records")).status, 403);
    let sse = sse::open(
        emu.base_url(),
        &format!("{base}/out"),
        write.token.as_deref().unwrap(),
        &[],
    );
    assert_eq!(sse.status, 403);

    // .out append needs a secret key: even the session token (read+write) gets 403.
    for t in [&write, &both] {
        let r = append(t, &format!("{base}/out/append"), "forged", None);
        assert_eq!(r.status, 403);
        assert_eq!(
            r.json(),
            json!({"ok": false, "error": "Appending to the out channel requires secret key authentication"})
        );
    }
    // ... an additional key is a secret key.
    let ak = Api::new(&emu, triggerdev_emulator::keys::DEV_ADDITIONAL_KEY);
    assert_eq!(
        append(&ak, &format!("{base}/out/append"), "ok", None).status,
        200
    );
    // Update and close: secret key only.
    assert_eq!(
        patch(&both, "/api/v1/sessions/chat-7", json!({})).status,
        403
    );
    assert_eq!(
        both.post("/api/v1/sessions/chat-7/close", json!({})).status,
        403
    );

    // Neither scope: nothing.
    assert_eq!(neither.get("/api/v1/sessions/chat-7").status, 403);
    assert_eq!(neither.get(&format!("{base}/in/records")).status, 403);
    assert_eq!(
        append(&neither, &format!("{base}/in/append"), "x", None).status,
        403
    );
    // Type-level scopes cover every session; read:all and admin cover everything.
    for scopes in [
        json!(["read:sessions"]),
        json!(["read:all"]),
        json!(["admin"]),
    ] {
        let t = Api::new(&emu, &token(&emu, scopes.clone()));
        assert_eq!(t.get("/api/v1/sessions/chat-7").status, 200, "{scopes}");
        assert_eq!(
            t.get(&format!("{base}/out/records")).status,
            200,
            "{scopes}"
        );
    }
    // The secret key does everything, and lists session runs with the filter too.
    let runs = api.get("/api/v1/runs?filter%5Bsession%5D=chat-7").json();
    assert_eq!(runs["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        api.get("/api/v1/runs?filter%5Bsession%5D=nope").json()["data"],
        json!([])
    );
}

#[test]
fn one_token_authorizes_both_url_forms() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let s = start(&api, Some("ext-1"));
    let id = s["id"].as_str().unwrap().to_string();
    let by_ext = Api::new(&emu, s["publicAccessToken"].as_str().unwrap());
    let by_id = Api::new(
        &emu,
        &token(
            &emu,
            json!([
                format!("read:sessions:{id}"),
                format!("write:sessions:{id}")
            ]),
        ),
    );
    for t in [&by_ext, &by_id] {
        for key in [id.as_str(), "ext-1"] {
            assert_eq!(
                t.get(&format!("/api/v1/sessions/{key}")).status,
                200,
                "{key}"
            );
            let r = append(
                t,
                &format!("/realtime/v1/sessions/{key}/in/append"),
                key,
                None,
            );
            assert_eq!(r.status, 200, "{key}");
            assert_eq!(
                t.get(&format!("/realtime/v1/sessions/{key}/in/records"))
                    .status,
                200
            );
        }
    }
    // Both forms land on one channel (keyed by the externalId).
    let recs = api
        .get(&format!("/realtime/v1/sessions/{id}/in/records"))
        .json()["records"]
        .clone();
    let data: Vec<&str> = recs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["data"].as_str().unwrap())
        .collect();
    assert_eq!(data, [id.as_str(), "ext-1", id.as_str(), "ext-1"]);
    // Another session's token opens neither form.
    let other = start(&api, Some("ext-2"));
    let t = Api::new(&emu, other["publicAccessToken"].as_str().unwrap());
    assert_eq!(t.get("/api/v1/sessions/ext-1").status, 403);
    assert_eq!(t.get(&format!("/api/v1/sessions/{id}")).status, 403);
    // Unknown sessions: 404 (after the scope check on append).
    assert_eq!(api.get("/api/v1/sessions/session_nope").status, 404);
    assert_eq!(api.get("/api/v1/sessions/nope").status, 404);
    let r = append(&api, "/realtime/v1/sessions/nope/in/append", "x", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "Resource not found");
    assert_eq!(
        append(&t, "/realtime/v1/sessions/nope/in/append", "x", None).status,
        403
    );
    // Reads by externalId need no row yet (the transport subscribes early); friendly ids do.
    let r = api.get("/realtime/v1/sessions/not-yet/out/records");
    assert_eq!(r.json(), json!({"records": []}));
    assert_eq!(
        api.get("/realtime/v1/sessions/session_nope/out/records")
            .status,
        404
    );
}

#[test]
fn appends_dedupe_by_part_id_and_drain_in_order() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    start(&api, Some("d1"));
    let path = "/realtime/v1/sessions/d1/in/append";
    // Content-Length is required on appends.
    assert_eq!(chunked_post(&emu, path, "hello").status, 413);
    let first = append(&api, path, "{\"text\":\"hi\"}", Some("part-A"));
    assert_eq!(first.json(), json!({"ok": true, "seq": 0}));
    // A retry with the same part id is recorded once and gets the same answer.
    for _ in 0..3 {
        assert_eq!(
            append(&api, path, "{\"text\":\"hi\"}", Some("part-A")).json(),
            first.json()
        );
    }
    assert_eq!(
        append(&api, path, "second", Some("part-B")).json()["seq"],
        1
    );
    assert_eq!(append(&api, path, "third", None).json()["seq"], 2);
    // The same part id on the other channel is a different record.
    assert_eq!(
        append(
            &api,
            "/realtime/v1/sessions/d1/out/append",
            "x",
            Some("part-A")
        )
        .json()["seq"],
        0
    );
    let r = api.get("/realtime/v1/sessions/d1/in/records").json();
    let recs = r["records"].as_array().unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs[0],
        json!({"data": "{\"text\":\"hi\"}", "id": "part-A", "seqNum": 0})
    );
    assert_eq!(
        recs[1],
        json!({"data": "second", "id": "part-B", "seqNum": 1})
    );
    assert_eq!(
        recs[2]["id"].as_str().unwrap().len(),
        7,
        "a generated part id"
    );
    let r = api
        .get("/realtime/v1/sessions/d1/in/records?afterEventId=0")
        .json();
    assert_eq!(r["records"].as_array().unwrap().len(), 2);
    assert_eq!(r["records"][0]["seqNum"], 1);
    for bad in ["-1", "1,2,3", "x"] {
        let r = api.get(&format!(
            "/realtime/v1/sessions/d1/in/records?afterEventId={bad}"
        ));
        assert_eq!(r.status, 400, "{bad}");
    }
    // Records over the 1 MiB S2 limit (after JSON wrapping) are refused.
    let big = "\"".repeat(600 * 1024);
    let r = append(&api, path, &big, None);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["ok"], false);
    // The default .in append wakes the session: a finished run is replaced.
    let run = emu.session("d1").unwrap()["currentRunId"]
        .as_str()
        .unwrap()
        .to_string();
    emu.complete_run(&run, json!(null)).unwrap();
    append(&api, path, "wake up", None);
    let s = emu.session("d1").unwrap();
    assert_ne!(s["currentRunId"], run.as_str());
    assert_eq!(s["runIds"].as_array().unwrap().len(), 2);
    // Bad io: 400 Params Error.
    assert_eq!(
        append(&api, "/realtime/v1/sessions/d1/sideways/append", "x", None).error(),
        "Params Error"
    );
}

#[test]
fn writer_init_put_and_head() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let s = start(&api, Some("w1"));
    let t = Api::new(&emu, s["publicAccessToken"].as_str().unwrap());
    let r = t.send(
        "PUT",
        "/realtime/v1/sessions/w1/in",
        None,
        "application/json",
    );
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json(), json!({"version": "v2"}));
    assert_eq!(r.header("x-s2-stream-name"), Some("sessions/w1/in"));
    for h in [
        "x-s2-access-token",
        "x-s2-basin",
        "x-s2-flush-interval-ms",
        "x-s2-max-retries",
        "x-s2-endpoint",
    ] {
        assert!(r.header(h).is_some(), "{h}");
    }
    let r = t.send(
        "PUT",
        "/realtime/v1/sessions/w1/out",
        None,
        "application/json",
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "Initializing the out channel requires secret key authentication"
    );
    let id = s["id"].as_str().unwrap();
    let r = api.send(
        "PUT",
        &format!("/realtime/v1/sessions/{id}/out"),
        None,
        "application/json",
    );
    assert_eq!(r.status, 202);
    assert_eq!(
        r.header("x-s2-stream-name"),
        Some("sessions/w1/out"),
        "canonical key"
    );
    let r = api.send(
        "PUT",
        "/realtime/v1/sessions/session_nope/in",
        None,
        "application/json",
    );
    assert_eq!((r.status, r.text().as_str()), (404, "Session not found"));
    let r = api.send(
        "HEAD",
        "/realtime/v1/sessions/w1/out",
        None,
        "application/json",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-last-chunk-index"), Some("0"));
    api.post("/api/v1/sessions/w1/close", json!({}));
    let r = api.send(
        "PUT",
        "/realtime/v1/sessions/w1/in",
        None,
        "application/json",
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "Cannot initialize a channel on a closed session")
    );
    // Named channel writers.
    let r = api.send(
        "PUT",
        "/realtime/v1/sessions/other/channels/tools/in",
        None,
        "application/json",
    );
    assert_eq!(r.status, 202);
    assert_eq!(
        r.header("x-s2-stream-name"),
        Some("sessions/other/channels/tools/in")
    );
}

#[test]
fn named_channels_have_their_own_records_and_scopes() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let s = start(&api, Some("n1"));
    let id = s["id"].as_str().unwrap().to_string();
    let ch = "/realtime/v1/sessions/n1/channels/tools.v1";
    // Names: ^[A-Za-z0-9._-]{1,128}$
    for bad in ["bad%20name", "a%2Fb", &"x".repeat(129)] {
        let r = api.get(&format!(
            "/realtime/v1/sessions/n1/channels/{bad}/in/records"
        ));
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.error(), "Params Error");
    }
    assert_eq!(
        api.get(&format!(
            "/realtime/v1/sessions/n1/channels/{}/in/records",
            "x".repeat(128)
        ))
        .status,
        200
    );

    let writer = Api::new(
        &emu,
        &token(&emu, json!(["write:sessions:n1:channels:tools.v1"])),
    );
    assert_eq!(
        append(&writer, &format!("{ch}/in/append"), "call", Some("c1")).json(),
        json!({"ok": true, "seq": 0})
    );
    assert_eq!(
        append(&writer, "/realtime/v1/sessions/n1/in/append", "x", None).status,
        403,
        "not the default channel"
    );
    assert_eq!(
        append(
            &writer,
            "/realtime/v1/sessions/n1/channels/other/in/append",
            "x",
            None
        )
        .status,
        403
    );
    // A friendly-id form of the channel scope works on the externalId URL too.
    let writer2 = Api::new(
        &emu,
        &token(
            &emu,
            json!([format!("write:sessions:{id}:channels:tools.v1")]),
        ),
    );
    assert_eq!(
        append(&writer2, &format!("{ch}/in/append"), "call2", None).status,
        200
    );
    assert_eq!(
        append(&writer, &format!("{ch}/out/append"), "x", None).status,
        403,
        ".out needs a secret key"
    );
    assert_eq!(
        append(&api, &format!("{ch}/out/append"), "result", None).status,
        200
    );

    // Channel records are separate from the session's own channels.
    assert_eq!(
        api.get("/realtime/v1/sessions/n1/in/records").json()["records"],
        json!([])
    );
    let recs = api.get(&format!("{ch}/in/records")).json()["records"].clone();
    assert_eq!(recs.as_array().unwrap().len(), 2);

    // Read scopes: the channel (both directions), the channel's .out only, or the session.
    let out_only = Api::new(
        &emu,
        &token(&emu, json!(["read:sessions:n1:channels:tools.v1:out"])),
    );
    assert_eq!(out_only.get(&format!("{ch}/out/records")).status, 200);
    assert_eq!(out_only.get(&format!("{ch}/in/records")).status, 403);
    let chan = Api::new(
        &emu,
        &token(&emu, json!(["read:sessions:n1:channels:tools.v1"])),
    );
    assert_eq!(chan.get(&format!("{ch}/out/records")).status, 200);
    assert_eq!(chan.get(&format!("{ch}/in/records")).status, 200);
    assert_eq!(chan.get("/realtime/v1/sessions/n1/out/records").status, 403);
    let session_wide = Api::new(&emu, s["publicAccessToken"].as_str().unwrap());
    assert_eq!(session_wide.get(&format!("{ch}/in/records")).status, 200);
    assert_eq!(
        append(&session_wide, &format!("{ch}/in/append"), "x", None).status,
        200
    );

    // A named-channel .in append does not wake a run.
    let run = s["runId"].as_str().unwrap();
    emu.complete_run(run, json!(null)).unwrap();
    append(&api, &format!("{ch}/in/append"), "x", None);
    assert_eq!(
        emu.session("n1").unwrap()["runIds"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The dump lists the channels.
    let chans = emu.session("n1").unwrap()["channels"].clone();
    let names: Vec<(Value, Value)> = chans
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["channel"].clone(), c["io"].clone()))
        .collect();
    assert!(names.contains(&(json!("tools.v1"), json!("in"))));
    assert!(names.contains(&(json!("tools.v1"), json!("out"))));
}

#[test]
fn admin_records_control_and_command_records() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    start(&api, Some("a1"));
    assert_eq!(
        emu.append_session_out("a1", json!({"type": "text-delta", "delta": "Hi"}))
            .unwrap(),
        0
    );
    let tc = emu.session_turn_complete("a1").unwrap();
    assert_eq!(tc, 1);
    let r = admin(
        &emu,
        "POST",
        "/__emulator/sessions/a1/out/records",
        Some(
            json!({"records": [{"command": "fence", "body": "f1"}, {"data": "raw text", "id": "my-part"}]}),
        ),
    );
    assert_eq!(r.json(), json!({"seqs": [2, 3]}));
    assert_eq!(
        admin(
            &emu,
            "POST",
            "/__emulator/sessions/nope/out/records",
            Some(json!({"data": 1}))
        )
        .status,
        404
    );
    let recs = api.get("/realtime/v1/sessions/a1/out/records").json()["records"].clone();
    let recs = recs.as_array().unwrap();
    assert_eq!(recs.len(), 3, "command records are skipped by the drain");
    assert_eq!(
        recs[0]["data"],
        json!({"type": "text-delta", "delta": "Hi"})
    );
    assert_eq!(recs[1]["data"], "");
    assert_eq!(recs[1]["id"], "");
    let headers = recs[1]["headers"].as_array().unwrap();
    assert_eq!(headers[0], json!(["trigger-control", "turn-complete"]));
    assert_eq!(headers[1][0], "public-access-token");
    // The refreshed token is a valid session token.
    let refreshed = headers[1][1].as_str().unwrap();
    assert_eq!(
        Api::new(&emu, refreshed).get("/api/v1/sessions/a1").status,
        200
    );
    assert_eq!(
        recs[2],
        json!({"data": "raw text", "id": "my-part", "seqNum": 3})
    );
    // A settled .out: X-Peek-Settled drains and closes at once, with X-Session-Settled.
    emu.session_turn_complete("a1").unwrap();
    let mut s = sse::open(
        emu.base_url(),
        "/realtime/v1/sessions/a1/out",
        emu.seed().dev_key(),
        &[("X-Peek-Settled", "1")],
    );
    assert_eq!(s.header("x-session-settled"), Some("true"));
    let (events, end) = s.rest();
    assert_eq!(end, sse::End::Clean);
    assert_eq!(
        sse::seqs(&events),
        [0, 1, 2, 3, 4],
        "command records are in the stream"
    );
    let fence = &sse::records(&events)[2];
    assert_eq!(fence["headers"], json!([["", "fence"]]));
    assert!(events.last().unwrap().is_done());

    // Trim drops old records; an older Last-Event-ID clamps forward.
    emu.append_session_records("a1", None, "out", json!({"command": "trim", "trimTo": 4}))
        .unwrap();
    let recs = api.get("/realtime/v1/sessions/a1/out/records").json()["records"].clone();
    assert_eq!(
        recs.as_array()
            .unwrap()
            .iter()
            .map(|r| r["seqNum"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [4]
    );
    emu.set_session_options(triggerdev_emulator::SessionOptions {
        sse_linger: Some(Duration::ZERO),
        ..Default::default()
    });
    let mut s = sse::open(
        emu.base_url(),
        "/realtime/v1/sessions/a1/out",
        emu.seed().dev_key(),
        &[("Last-Event-ID", "1")],
    );
    let (events, _) = s.rest();
    assert_eq!(sse::seqs(&events), [4, 5]);
}

#[test]
fn state_dump_lists_sessions_and_reset_clears_them() {
    let emu = Emulator::start().unwrap();
    let api = dev(&emu);
    let s = start(&api, Some("x1"));
    append(
        &api,
        "/realtime/v1/sessions/x1/in/append",
        "hello",
        Some("p"),
    );
    let dump = emu.state();
    let row = &dump["sessions"][0];
    assert_eq!(row["id"], s["id"]);
    assert_eq!(row["envId"], emu.seed().env_id("dev"));
    assert_eq!(row["status"], "ACTIVE");
    assert_eq!(row["runIds"], json!([s["runId"]]));
    let chan = &row["channels"][0];
    assert_eq!(chan["io"], "in");
    assert_eq!(chan["tail"]["seq_num"], 1);
    assert_eq!(chan["records"][0]["data"], "hello");
    assert_eq!(
        admin(&emu, "GET", "/__emulator/sessions", None).json()["sessions"],
        dump["sessions"]
    );
    // Other envs see nothing.
    let prod = Api::new(&emu, emu.seed().prod_key());
    assert_eq!(prod.get("/api/v1/sessions/x1").status, 404);
    assert_eq!(prod.get("/api/v1/sessions").json()["data"], json!([]));
    emu.reset();
    assert!(emu.sessions().is_empty());
}
