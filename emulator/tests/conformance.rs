//! Conformance with the real server. `../shared/real-server/exchanges-real.jsonl` (beside the
//! repository) holds what the SDK sent to the open-source Trigger.dev server and what it
//! answered. This test sets the emulator up like that server (its tasks, queue, finished runs
//! and deployments), replays every recorded request in order on the emulator's clock frozen at
//! the recorded time, and compares each answer with the real one: status, media type, the
//! top-level keys of a JSON body with their value types, and for list pages the keys (and types)
//! every real item has. Differences pass only through `ALLOWED` below.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use triggerdev_emulator::{Emulator, NewDeployment, Options, SessionOptions};

/// Relative to the repository root.
const RECORDING: &str = "../shared/real-server/exchanges-real.jsonl";

/// What may differ: `(op, what)`, `what` being `status` (the whole answer), `key:<name>` (one
/// top-level key) or `item:<name>` (one key of list items). Each entry must still be needed.
const ALLOWED: &[(&str, &str)] = &[
    // Server bugs the emulator does not copy (emulator/README.md, "Fidelity to the real server").
    // A trigger with an unknown `version` is a 500 there; the emulator accepts it.
    ("tasks.trigger unknown version", "status"),
    // A missing waitpoint token is a 500 there; the emulator answers 404 `Waitpoint not found`.
    ("waitpoints.retrieve_token missing", "status"),
    // A dev key on the prod envvars route reads the dev env there; the emulator refuses (400).
    ("envvars[secret,dev] other env slug (prod)", "status"),
    // The server refuses even the first use of a one-time token (it derives the one-time key
    // from the environment, and an earlier pass had used one); the emulator refuses the reuse.
    ("trigger token: tasks.trigger", "status"),
    // Routes newer than the recorded server (4.5.12): named session channels are 4.8.3.
    ("sessions.channel(tools).input.append", "status"),
    // Data, not shape: the real deployment was made by a harness that filled in external build
    // data; the emulator's deployments have none.
    ("deployments.retrieve", "key:externalBuildData"),
];

fn recording() -> Option<Vec<Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(RECORDING);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "SKIPPED: {} is absent (CI keeps ../shared beside the repository)",
            path.display()
        );
        return None;
    };
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect(),
    )
}

// Objects the real server held before the driver ran (its README), by their recorded ids.
const REAL_PROJECT: &str = "proj_rrkpdguyagvsoktglnod";
const REAL_COMPLETED_RUN: &str = "run_cmxdlfk0g0002ma7dk1695ayk";
const REAL_FAILED_RUN: &str = "run_cmxdlfnup0005ma7diqv3gtpz";
const REAL_DEPLOYMENT_1: &str = "deployment_nsrvvjiqgd2rntzz2f66d";
const REAL_CHAT_AGENT_QUEUE: &str = "queue_whs6pbs28abhwii8rkncv";

fn ms(t: &Value) -> i64 {
    (t.as_f64().expect("t") * 1000.0) as i64
}

/// The emulator, set up like the recorded server; returns it with the recorded → emulator id map.
fn world(start_ms: i64) -> (Emulator, BTreeMap<String, String>) {
    let emu = Emulator::start_with(Options {
        // Session streams drain and close at once (the recording's subscribe had a short window).
        sessions: SessionOptions {
            sse_linger: Some(Duration::ZERO),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    emu.freeze_clock_at(start_ms);
    for (task, kind) in [
        ("hello-task", "STANDARD"),
        ("scheduled-task", "SCHEDULED"),
        ("declarative-sched", "SCHEDULED"),
        ("chat-agent", "AGENT"),
    ] {
        emu.add_task(task, kind).unwrap();
    }
    emu.add_queue("dev", "custom-q", Some(5)).unwrap();
    let mut ids = BTreeMap::new();
    ids.insert(
        REAL_PROJECT.to_string(),
        emu.seed().project_ref().to_string(),
    );
    let dev = Api::new(&emu, emu.seed().dev_key());
    let finished = |tag: &str, payload: &str| {
        let r = dev.post(
            "/api/v1/tasks/hello-task/trigger",
            json!({"payload": payload, "options": {"payloadType": "application/super+json",
                   "tags": [tag], "lockToVersion": "20261207.1"}}),
        );
        let id = r.json()["id"].as_str().unwrap().to_string();
        emu.start_run(&id).unwrap();
        id
    };
    let done = finished("completed-run", r#"{"json":{"complete":"me"}}"#);
    emu.complete_run(&done, json!({"sent": true, "count": 3}))
        .unwrap();
    let failed = finished("failed-run", r#"{"json":{"fail":"me"}}"#);
    emu.fail_run(
        &failed,
        json!({"name": "Error", "message": "Boom: deliberate failure",
               "stackTrace": "Error: Boom: deliberate failure\n    at run (src/trigger/hello.ts:3:9)"}),
    )
    .unwrap();
    ids.insert(REAL_COMPLETED_RUN.into(), done);
    ids.insert(REAL_FAILED_RUN.into(), failed);
    let git = json!({"commitSha": "0123456789abcdef0123456789abcdef01234567",
                     "remoteUrl": "https://example.invalid/repo.git", "commitMessage": "sdk check"});
    let tasks: Vec<String> = ["chat-agent", "hello-task", "scheduled-task"]
        .map(String::from)
        .to_vec();
    let d1 = emu
        .add_deployment(NewDeployment {
            env_id: "prod".into(),
            version: Some("20261207.1".into()),
            git: Some(git.clone()),
            tasks: tasks.clone(),
            promote: true,
            ..Default::default()
        })
        .unwrap();
    emu.add_deployment(NewDeployment {
        env_id: "prod".into(),
        version: Some("20261207.2".into()),
        git: Some(git),
        tasks,
        ..Default::default()
    })
    .unwrap();
    // The unmanaged one, still building, came last (the newest, whatever its version).
    emu.add_deployment(NewDeployment {
        env_id: "prod".into(),
        version: Some("20261206.1".into()),
        status: Some("BUILDING".into()),
        ..Default::default()
    })
    .unwrap();
    ids.insert(REAL_DEPLOYMENT_1.into(), d1);
    let dev_env = emu.seed().env_id("dev");
    let chat_queue = emu
        .queues()
        .into_iter()
        .find(|q| q["queueName"] == "task/chat-agent" && q["envId"] == dev_env)
        .expect("the chat-agent queue");
    ids.insert(
        REAL_CHAT_AGENT_QUEUE.into(),
        chat_queue["id"].as_str().unwrap().to_string(),
    );
    (emu, ids)
}

/// Learns recorded → emulator ids from two answers to the same request: strings at the same
/// place that look like object ids. List pages (`data`) hold different objects on each side
/// and are skipped.
fn learn_ids(real: &Value, emu: &Value, ids: &mut BTreeMap<String, String>) {
    const PREFIXES: &[&str] = &[
        "run_",
        "batch_",
        "sched_",
        "queue_",
        "deployment_",
        "waitpoint_",
        "session_",
        "bulk_",
    ];
    match (real, emu) {
        (Value::String(r), Value::String(e)) => {
            if let Some(p) = PREFIXES.iter().find(|p| r.starts_with(**p)) {
                if e.starts_with(p) && !ids.contains_key(r) {
                    ids.insert(r.clone(), e.clone());
                }
            }
        }
        (Value::Object(r), Value::Object(e)) => {
            for (k, rv) in r {
                match (k.as_str(), rv, e.get(k)) {
                    ("data", _, _) | (_, _, None) => {}
                    // Page cursors are opaque on both sides.
                    ("next" | "previous", Value::String(rc), Some(Value::String(ec))) => {
                        ids.entry(rc.clone()).or_insert_with(|| ec.clone());
                    }
                    (_, _, Some(ev)) => learn_ids(rv, ev, ids),
                }
            }
        }
        (Value::Array(r), Value::Array(e)) => {
            for (rv, ev) in r.iter().zip(e) {
                learn_ids(rv, ev, ids);
            }
        }
        _ => {}
    }
}

fn substitute(text: &str, ids: &BTreeMap<String, String>) -> String {
    ids.iter()
        .fold(text.to_string(), |t, (real, emu)| t.replace(real, emu))
}

/// Values of `real` that are `<jwt>` (masked tokens), found at the same place in `emu`.
fn tokens_at(real: &Value, emu: &Value, out: &mut Vec<String>) {
    match (real, emu) {
        (Value::String(r), Value::String(e)) if r == "<jwt>" => out.push(e.clone()),
        (Value::Object(r), Value::Object(e)) => {
            for (k, rv) in r {
                if let Some(ev) = e.get(k) {
                    tokens_at(rv, ev, out);
                }
            }
        }
        _ => {}
    }
}

/// The recording masks credentials to their kind; this gives the emulator's credential for a
/// recorded `authorization` value. Public tokens were minted by the SDK (or handed out by the
/// server) for the steps that use them: `minted` mints one with scopes, `issued` holds the tokens
/// earlier answers carried, by step.
fn credential(
    emu: &Emulator,
    op: &str,
    auth: &str,
    at_ms: i64,
    issued: &HashMap<String, String>,
    session_key: &str,
) -> String {
    let seed = emu.seed();
    let minted = |scopes: Vec<String>, otu: Option<bool>| {
        let secs = at_ms / 1000;
        let mut claims = json!({"sub": seed.env_id("dev"), "pub": true, "scopes": scopes,
                                "iat": secs, "exp": secs + 900});
        if let Some(otu) = otu {
            claims["otu"] = json!(otu);
        }
        mint(seed.dev_key(), claims)
    };
    let token = auth.trim_start_matches("Bearer ");
    let issued_by = |step: &str| {
        issued
            .get(step)
            .cloned()
            .unwrap_or_else(|| panic!("{op}: no token from {step}"))
    };
    match token {
        "<jwt>" => {
            let trigger = vec!["trigger:tasks:hello-task".to_string()];
            if op.starts_with("public token: runs.retrieve (no scope)")
                || op.starts_with("public token: sessions.")
            {
                minted(
                    vec![
                        format!("read:sessions:{session_key}"),
                        format!("write:sessions:{session_key}"),
                    ],
                    None,
                )
            } else if op.starts_with("public token: runs.") {
                minted(vec!["read:runs".into()], None)
            } else if op.starts_with("trigger token:") {
                // One token for both steps (the second is its reuse): fixed iat.
                minted(trigger, Some(true))
            } else if op.starts_with("multi-use trigger token:") {
                minted(trigger, Some(false))
            } else if op.starts_with("batch token:") {
                minted(vec!["batchTrigger:tasks:hello-task".into()], None)
            } else if op.starts_with("session token:") {
                issued_by("sessions.start")
            } else if op == "waitpoints.complete_token with its public token (other token)" {
                issued_by("waitpoints.create_token")
            } else if op == "waitpoints.complete_token with its public token, no data" {
                issued_by("waitpoints.create_token bare")
            } else {
                panic!("{op}: which public token?")
            }
        }
        _ if op.starts_with("wrong key:") => "tr_dev_notarealkey0000000000".into(),
        _ if op.starts_with("wrong PAT:") => "tr_pat_notarealtoken00000000000".into(),
        t if t.starts_with("tr_dev_") => seed.dev_key().into(),
        t if t.starts_with("tr_prod_") => seed.prod_key().into(),
        t if t.starts_with("tr_stg_") => seed.staging_key().into(),
        t if t.starts_with("tr_preview_") => seed.preview_key().into(),
        t if t.starts_with("tr_pat_") => seed.pat().into(),
        // `<other:13 chars>`: a bearer that is no key at all.
        _ => "not-a-key-123".into(),
    }
}

fn query_string(q: &Value, ids: &BTreeMap<String, String>) -> String {
    let Some(q) = q.as_object() else {
        return String::new();
    };
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let pairs: Vec<String> = q
        .iter()
        .flat_map(|(k, vs)| {
            vs.as_array()
                .into_iter()
                .flatten()
                .map(move |v| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        })
        .map(|(k, v)| format!("{}={}", enc(&k), enc(&substitute(&v, ids))))
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn media_type(headers: &Value) -> String {
    headers["content-type"]
        .as_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The differences between the real and the emulator's JSON body, as `(what, description)`.
fn compare_bodies(real: &Value, emu: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (Value::Object(r), Value::Object(e)) = (real, emu) else {
        if kind(real) != kind(emu) {
            out.push(("body".into(), format!("{} vs {}", kind(real), kind(emu))));
        }
        if let (Value::Array(r), Value::Array(e)) = (real, emu) {
            out.extend(compare_items(r, e));
        }
        return out;
    };
    let keys: BTreeSet<&String> = r.keys().chain(e.keys()).collect();
    for k in keys {
        let (rt, et) = (r.get(k).map(kind), e.get(k).map(kind));
        if rt != et {
            out.push((
                format!("key:{k}"),
                format!("`{k}`: real {rt:?}, emulator {et:?}"),
            ));
        }
    }
    if let (Some(Value::Array(ri)), Some(Value::Array(ei))) = (r.get("data"), e.get("data")) {
        out.extend(compare_items(ri, ei));
    }
    out
}

/// List items hold different objects on each side: the keys every real item has must be in
/// every emulator item, with the same type where both are not null.
fn compare_items(real: &[Value], emu: &[Value]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(first) = real.first().and_then(Value::as_object) else {
        return out;
    };
    let mut common: BTreeMap<&String, &'static str> =
        first.iter().map(|(k, v)| (k, kind(v))).collect();
    for item in &real[1..] {
        common.retain(|k, _| item.get(*k).is_some());
    }
    for item in emu {
        for (k, rt) in &common {
            match item.get(*k).map(kind) {
                None => out.push((
                    format!("item:{k}"),
                    format!("items lack `{k}` ({rt} on the server)"),
                )),
                Some(et) if et != *rt && et != "null" && *rt != "null" => out.push((
                    format!("item:{k}"),
                    format!("item `{k}`: real {rt}, emulator {et}"),
                )),
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_emulator_answers_the_recorded_requests_as_the_real_server_did() {
    let Some(exchanges) = recording() else {
        return;
    };
    let first_ms = ms(&exchanges[0]["t"]);
    let (emu, mut ids) = world(first_ms - 120_000);
    let session_key = exchanges
        .iter()
        .find(|x| x["op"] == "sessions.start")
        .and_then(|x| x["request_body"]["json"]["externalId"].as_str())
        .expect("the session's externalId")
        .to_string();
    let mut issued: HashMap<String, String> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut differences: Vec<(String, String, String)> = Vec::new();
    for x in &exchanges {
        let op = x["op"].as_str().unwrap().to_string();
        let n = seen.entry(op.clone()).or_default();
        let label = format!("{op} #{n}");
        *n += 1;
        let at = ms(&x["t"]);
        emu.freeze_clock_at(at);

        let method = x["method"].as_str().unwrap();
        let path = format!(
            "{}{}",
            substitute(x["path"].as_str().unwrap(), &ids),
            query_string(&x["query"], &ids)
        );
        let rh = x["request_headers"].as_object().unwrap();
        let auth = rh.get("authorization").and_then(Value::as_str).map(|a| {
            format!(
                "Bearer {}",
                credential(&emu, &op, a, at, &issued, &session_key)
            )
        });
        let mut headers: Vec<(&str, String)> = rh
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "authorization" | "host" | "content-length" | "connection" | "accept-encoding"
                )
            })
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        if let Some(a) = &auth {
            headers.push(("authorization", a.clone()));
        }
        let body: Option<Vec<u8>> = match &x["request_body"] {
            Value::Null if rh.contains_key("content-length") => Some(Vec::new()),
            Value::Null => None,
            b => Some(
                match (b.get("json"), b.get("text")) {
                    (Some(j), _) => substitute(&j.to_string(), &ids),
                    (_, Some(t)) => substitute(t.as_str().unwrap(), &ids),
                    _ => panic!("{label}: unknown body {b}"),
                }
                .into_bytes(),
            ),
        };
        let header_refs: Vec<(&str, &str)> =
            headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = request(emu.base_url(), method, &path, &header_refs, body.as_deref());

        // Compare.
        let real_status = x["response_status"].as_u64().unwrap() as u16;
        let mut diffs: Vec<(String, String)> = Vec::new();
        if resp.status != real_status {
            diffs.push((
                "status".into(),
                format!("status: real {real_status}, emulator {}", resp.status),
            ));
        }
        let real_type = media_type(&x["response_headers"]);
        let emu_type = resp
            .header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if real_type != emu_type {
            diffs.push((
                "status".into(),
                format!("media type: real {real_type}, emulator {emu_type}"),
            ));
        }
        let real_json = x["response_body"].get("json");
        let emu_json = serde_json::from_slice::<Value>(&resp.body).ok();
        if let (Some(r), Some(e)) = (real_json, emu_json.as_ref()) {
            if diffs.is_empty() {
                diffs.extend(compare_bodies(r, e));
            }
            learn_ids(r, e, &mut ids);
            let mut tokens = Vec::new();
            tokens_at(r, e, &mut tokens);
            if let Some(t) = tokens.pop() {
                issued.insert(op.clone(), t);
            }
        }
        if x["response_headers"]["x-trigger-jwt"] == "<jwt>" {
            if let Some(t) = resp.header("x-trigger-jwt") {
                issued.insert(op.clone(), t.to_string());
            }
        }
        for (what, desc) in diffs {
            differences.push((op.clone(), what, format!("{label}: {desc}")));
        }
    }

    let allowed = |op: &str, what: &str| ALLOWED.contains(&(op, what));
    let unexpected: Vec<&String> = differences
        .iter()
        .filter(|(op, what, _)| !allowed(op, what))
        .map(|(_, _, d)| d)
        .collect();
    let unused: Vec<&(&str, &str)> = ALLOWED
        .iter()
        .filter(|(op, what)| !differences.iter().any(|(o, w, _)| o == op && w == what))
        .collect();
    assert!(
        unexpected.is_empty() && unused.is_empty(),
        "the emulator differs from the real server:\n  {}\nallow-list entries no longer needed: {unused:?}",
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}
