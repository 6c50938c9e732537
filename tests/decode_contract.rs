//! Decode contract with the real server. `../shared/real-server/exchanges-real.jsonl` (beside the
//! repository) holds what the SDK sent to the open-source Trigger.dev server and what it answered.
//! Each recorded answer is served back (status, content type, body) to the SDK operation that
//! made the request: every 2xx must decode through the operation's model, and every error must
//! become the error the SDK raises for it (by status, plus the closed-session 400), with the
//! server's message, or a short one when the body is not JSON.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use mockito::{Matcher, Server};
use serde_json::{json, Value};
use triggerdev::{
    BatchItem, BatchTriggerOptions, BulkActionKind, ChannelIo, Client, Config, CreateBulkAction,
    CreateEnvVar, CreateSchedule, CreateWaitpointToken, Env, Error, ImportEnvVars, ListRunsParams,
    PublicTokenOptions, QueueRef, ReplayOptions, RequestOptions, RetryPolicy, ScopeResource,
    StartSession, SubscribeOptions, TokenScopes, TriggerOptions, TriggerTokenOptions,
    UpdateMetadata, UpdateSchedule, UpdateSession,
};

/// Relative to the repository root.
const RECORDING: &str = "../shared/real-server/exchanges-real.jsonl";

fn recording() -> Option<Vec<Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(RECORDING);
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

/// A token of the kind the recording names (keys are masked to their prefix there). The SDK
/// refuses some combinations before sending, where the driver sent raw requests: those use a
/// credential the SDK sends on that route, since the answer is what is under test.
fn token_for(x: &Value) -> &'static str {
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnYiLCJwdWIiOnRydWV9.c2ln";
    let path = x["path"].as_str().unwrap();
    if path.contains("/projects/") {
        return "tr_pat_contract"; // envvars (any env) and the project runs route
    }
    let auth = x["request_headers"]["authorization"].as_str().unwrap_or("");
    match auth.trim_start_matches("Bearer ") {
        "<jwt>" => JWT,
        t if t.starts_with("tr_prod_") => "tr_prod_contract",
        t if t.starts_with("tr_preview_") => "tr_preview_contract",
        // Dev keys, and the PATs, no-key tokens and missing headers of the `raw:` steps.
        _ => "tr_dev_contract",
    }
}

fn client(url: &str, x: &Value) -> Client {
    let mut config = Config::new()
        .access_token(token_for(x))
        .base_url(url)
        .request_options(RequestOptions::new().retry(RetryPolicy::none()));
    if let Some(branch) = x["request_headers"]["x-trigger-branch"].as_str() {
        config = config.preview_branch(branch);
    }
    Client::with_env(config, &Env::default())
}

fn query(x: &Value, name: &str) -> Option<String> {
    x["query"][name][0].as_str().map(String::from)
}

/// Calls the SDK operation of the recorded request (by method and route), discarding the value.
fn call(c: &Client, x: &Value) -> Result<(), Error> {
    let method = x["method"].as_str().unwrap();
    let path = x["path"].as_str().unwrap();
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let body = &x["request_body"]["json"];
    let task = || TriggerOptions::new();
    match (method, seg.as_slice()) {
        // Tasks, batches, tokens, idempotency keys
        ("POST", ["api", "v1", "tasks", t, "trigger"]) => {
            c.tasks().trigger(t, &json!({}), &task()).map(drop)
        }
        ("POST", ["api", "v3", "batches"]) => {
            let n = body["runCount"].as_u64().unwrap_or(1);
            let items: Vec<BatchItem> = (0..n)
                .map(|_| BatchItem::new("hello-task", &json!({})).unwrap())
                .collect();
            c.tasks()
                .batch_trigger(&items, &BatchTriggerOptions::new())
                .map(drop)
        }
        ("GET", ["api", "v2", "batches", id]) => c.batches().retrieve(id).map(drop),
        ("POST", ["api", "v1", "idempotencyKeys", _, "reset"]) => {
            c.idempotency_keys().reset("hello-task", "key").map(drop)
        }
        ("POST", ["api", "v1", "auth", "jwt", "claims"]) => {
            let op = x["op"].as_str().unwrap();
            if op.contains("batch_trigger") {
                c.auth()
                    .create_batch_trigger_public_token(&["hello-task"], &TriggerTokenOptions::new())
                    .map(drop)
            } else if op.contains("trigger") {
                c.auth()
                    .create_trigger_public_token(&["hello-task"], &TriggerTokenOptions::new())
                    .map(drop)
            } else {
                let scopes = TokenScopes::new().read_all(ScopeResource::Runs);
                c.auth()
                    .create_public_token(&PublicTokenOptions::new(scopes))
                    .map(drop)
            }
        }
        // Runs
        ("GET", ["api", "v3", "runs", id])
            if x["op"].as_str().unwrap().starts_with("runs.poll") =>
        {
            c.runs()
                .poll(id, &triggerdev::PollOptions::new().interval(Duration::ZERO))
                .map(drop)
        }
        ("GET", ["api", "v3", "runs", id]) => c.runs().retrieve(id).map(drop),
        ("GET", ["api", "v1", "runs"]) => c.runs().list(&ListRunsParams::new()).map(drop),
        ("GET", ["api", "v1", "projects", p, "runs"]) => {
            let mut params = ListRunsParams::new().project_ref(*p);
            for env in query(x, "filter[env]").unwrap_or_default().split(',') {
                params = params.env(env);
            }
            c.runs().list(&params).map(drop)
        }
        ("POST", ["api", "v2", "runs", id, "cancel"]) => c.runs().cancel(id).map(drop),
        ("POST", ["api", "v1", "runs", id, "replay"]) => {
            c.runs().replay(id, &ReplayOptions::new()).map(drop)
        }
        ("POST", ["api", "v1", "runs", id, "reschedule"]) => {
            c.runs().reschedule(id, "1h").map(drop)
        }
        ("POST", ["api", "v1", "runs", id, "tags"]) => c.runs().add_tags(id, &["t"]).map(drop),
        ("PUT", ["api", "v1", "runs", id, "metadata"]) => c
            .runs()
            .update_metadata(id, &UpdateMetadata::replace(json!({})))
            .map(drop),
        ("GET", ["api", "v1", "runs", id, "metadata"]) => c.runs().metadata(id).map(drop),
        ("GET", ["api", "v1", "runs", id, "events"]) => c.runs().events(id).map(drop),
        ("GET", ["api", "v1", "runs", id, "trace"]) => c.runs().trace(id).map(drop),
        ("GET", ["api", "v1", "runs", id, "result"]) => {
            // The deprecated call: a 404 is its `None`, not an error.
            #[allow(deprecated)]
            let result = c.runs().result(id);
            match (x["response_status"].as_u64(), result) {
                (Some(404), Ok(None)) | (Some(200), Ok(Some(_))) => Ok(()),
                (_, Ok(other)) => panic!("runs.result gave {other:?}"),
                (_, Err(e)) => Err(e),
            }
        }
        // Env vars
        ("GET", ["api", "v1", "projects", p, "envvars", env]) => c.envvars().list(p, env).map(drop),
        ("POST", ["api", "v1", "projects", p, "envvars", env]) => c
            .envvars()
            .create(p, env, &CreateEnvVar::new("A", "1"))
            .map(drop),
        ("POST", ["api", "v1", "projects", p, "envvars", env, "import"]) => c
            .envvars()
            .upload(p, env, &ImportEnvVars::new([("A", "1")]))
            .map(drop),
        ("GET", ["api", "v1", "projects", p, "envvars", env, name]) => {
            c.envvars().retrieve(p, env, name).map(drop)
        }
        ("PUT", ["api", "v1", "projects", p, "envvars", env, name]) => {
            c.envvars().update(p, env, name, "2").map(drop)
        }
        ("DELETE", ["api", "v1", "projects", p, "envvars", env, name]) => {
            c.envvars().del(p, env, name)
        }
        // Schedules
        ("GET", ["api", "v1", "timezones"]) => c.schedules().timezones(false).map(drop),
        ("POST", ["api", "v1", "schedules"]) => c
            .schedules()
            .create(&CreateSchedule::new("scheduled-task", "0 * * * *", "d"))
            .map(drop),
        ("GET", ["api", "v1", "schedules"]) => c.schedules().list(&Default::default()).map(drop),
        ("GET", ["api", "v1", "schedules", id]) => c.schedules().retrieve(id).map(drop),
        ("PUT", ["api", "v1", "schedules", id]) => c
            .schedules()
            .update(id, &UpdateSchedule::new("scheduled-task", "0 * * * *"))
            .map(drop),
        ("DELETE", ["api", "v1", "schedules", id]) => c.schedules().del(id),
        ("POST", ["api", "v1", "schedules", id, "activate"]) => {
            c.schedules().activate(id).map(drop)
        }
        ("POST", ["api", "v1", "schedules", id, "deactivate"]) => {
            c.schedules().deactivate(id).map(drop)
        }
        // Queues
        ("GET", ["api", "v1", "queues"]) => c.queues().list(&Default::default()).map(drop),
        ("GET", ["api", "v1", "queues", q]) => c
            .queues()
            .retrieve(&queue_ref(q, query(x, "type")))
            .map(drop),
        ("POST", ["api", "v1", "queues", q, "pause"]) => {
            let queue = queue_ref(q, body["type"].as_str().map(String::from));
            if body["action"] == "resume" {
                c.queues().resume(&queue).map(drop)
            } else {
                c.queues().pause(&queue).map(drop)
            }
        }
        ("POST", ["api", "v1", "queues", q, "concurrency", "override"]) => c
            .queues()
            .override_concurrency_limit(&queue_ref(q, body["type"].as_str().map(String::from)), 5)
            .map(drop),
        ("POST", ["api", "v1", "queues", q, "concurrency", "reset"]) => c
            .queues()
            .reset_concurrency_limit(&queue_ref(q, body["type"].as_str().map(String::from)))
            .map(drop),
        // Deployments
        ("GET", ["api", "v1", "deployments"]) => {
            c.deployments().list(&Default::default()).map(drop)
        }
        ("GET", ["api", "v1", "deployments", "current"]) => {
            c.deployments().retrieve_current().map(drop)
        }
        ("GET", ["api", "v1", "deployments", "latest"]) => {
            c.deployments().retrieve_latest().map(drop)
        }
        ("GET", ["api", "v1", "deployments", id]) => c.deployments().retrieve(id).map(drop),
        ("POST", ["api", "v1", "deployments", v, "promote"]) => {
            c.deployments().promote(v).map(drop)
        }
        // Waitpoint tokens
        ("POST", ["api", "v1", "waitpoints", "tokens"]) => c
            .waitpoints()
            .create_token(&CreateWaitpointToken::new())
            .map(drop),
        ("GET", ["api", "v1", "waitpoints", "tokens"]) => {
            c.waitpoints().list_tokens(&Default::default()).map(drop)
        }
        ("GET", ["api", "v1", "waitpoints", "tokens", id]) => {
            c.waitpoints().retrieve_token(id).map(drop)
        }
        ("POST", ["api", "v1", "waitpoints", "tokens", id, "complete"]) => {
            c.waitpoints().complete_token(id, &json!({})).map(drop)
        }
        // Sessions
        ("POST", ["api", "v1", "sessions"]) => c
            .sessions()
            .start(&StartSession::new("chat", "chat-agent", json!({})))
            .map(drop),
        ("GET", ["api", "v1", "sessions"]) => c.sessions().list(&Default::default()).map(drop),
        ("GET", ["api", "v1", "sessions", id]) => c.sessions().retrieve(id).map(drop),
        ("PATCH", ["api", "v1", "sessions", id]) => {
            c.sessions().update(id, &UpdateSession::new()).map(drop)
        }
        ("POST", ["api", "v1", "sessions", id, "close"]) => c.sessions().close(id, None).map(drop),
        ("POST", ["realtime", "v1", "sessions", id, rest @ ..]) => {
            let channel = match rest {
                [io, "append"] => c.sessions().open(id)?.direction(io_of(io)),
                ["channels", name, io, "append"] => {
                    c.sessions().open(id)?.channel(name)?.direction(io_of(io))
                }
                _ => panic!("no SDK operation for {method} {path}"),
            };
            channel.append(&json!({"text": "x"})).map(drop)
        }
        ("GET", ["realtime", "v1", "sessions", id, io, "records"]) => c
            .sessions()
            .open(id)?
            .direction(io_of(io))
            .records(None)
            .map(drop),
        ("GET", ["realtime", "v1", "sessions", id, io]) => {
            // The window's records, up to its end.
            let options = SubscribeOptions::new().stop_at_end_of_window(true);
            let channel = c.sessions().open(id)?.direction(io_of(io));
            for record in channel.subscribe(&options)? {
                record?;
            }
            Ok(())
        }
        // Bulk actions
        ("POST", ["api", "v1", "bulk-actions"]) => c
            .bulk_actions()
            .create(&CreateBulkAction::by_ids(BulkActionKind::Cancel, ["run_1"]))
            .map(drop),
        ("GET", ["api", "v1", "bulk-actions"]) => {
            c.bulk_actions().list(&Default::default()).map(drop)
        }
        ("GET", ["api", "v1", "bulk-actions", id]) => c.bulk_actions().retrieve(id).map(drop),
        ("POST", ["api", "v1", "bulk-actions", id, "abort"]) => {
            c.bulk_actions().abort(id).map(drop)
        }
        _ => panic!("no SDK operation for {method} {path}"),
    }
}

fn io_of(io: &str) -> ChannelIo {
    match io {
        "in" => ChannelIo::In,
        _ => ChannelIo::Out,
    }
}

fn queue_ref(q: &str, kind: Option<String>) -> QueueRef {
    match kind.as_deref() {
        Some("task") => QueueRef::task(q),
        Some("custom") => QueueRef::custom(q),
        _ => q.into(),
    }
}

/// The error variant the SDK raises for a recorded error answer.
fn expected_variant(status: u16, body: &Value) -> &'static str {
    if status == 400 && body["error"] == "Cannot append to a closed session" {
        return "SessionClosed";
    }
    match status {
        400 => "BadRequest",
        401 => "Authentication",
        403 => "PermissionDenied",
        404 => "NotFound",
        409 => "Conflict",
        422 => "Unprocessable",
        429 => "RateLimited",
        500..=599 => "Server",
        _ => "Status",
    }
}

fn variant(e: &Error) -> &'static str {
    match e {
        Error::BadRequest(_) => "BadRequest",
        Error::Authentication(_) => "Authentication",
        Error::PermissionDenied(_) => "PermissionDenied",
        Error::NotFound(_) => "NotFound",
        Error::Conflict(_) => "Conflict",
        Error::SessionClosed(_) => "SessionClosed",
        Error::Unprocessable(_) => "Unprocessable",
        Error::RateLimited { .. } => "RateLimited",
        Error::Server(_) => "Server",
        Error::Status(_) => "Status",
        _ => "not an API error",
    }
}

#[test]
fn every_recorded_answer_decodes_or_maps_to_its_error() {
    let Some(exchanges) = recording() else {
        return;
    };
    let mut server = Server::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut i = 0;
    while i < exchanges.len() {
        let x = &exchanges[i];
        // A batch trigger is two requests: create, then its items.
        let group = if x["path"] == "/api/v3/batches" { 2 } else { 1 };
        server.reset();
        for y in &exchanges[i..i + group] {
            let path = if group == 2 && y["path"] != "/api/v3/batches" {
                Matcher::Regex("^/api/v3/batches/[^/]+/items$".into())
            } else {
                Matcher::Any
            };
            let (ctype, text) = match (&y["response_body"]["json"], &y["response_body"]["text"]) {
                (Value::Null, Value::String(t)) => {
                    (y["response_headers"]["content-type"].as_str(), t.clone())
                }
                (Value::Null, _) => (None, String::new()),
                (j, _) => (Some("application/json; charset=utf-8"), j.to_string()),
            };
            let mut mock = server
                .mock(y["method"].as_str().unwrap(), path)
                .with_status(y["response_status"].as_u64().unwrap() as usize)
                .with_body(text);
            if let Some(ctype) = ctype {
                mock = mock.with_header("content-type", ctype);
            }
            for h in ["x-trigger-jwt", "x-trigger-jwt-claims", "x-should-retry"] {
                if let Some(v) = y["response_headers"][h].as_str() {
                    mock = mock.with_header(h, v);
                }
            }
            mock.create();
        }
        let label = format!("{} ({} {})", x["op"], x["method"], x["path"]);
        let status = x["response_status"].as_u64().unwrap() as u16;
        let outcome = call(&client(&server.url(), x), x);
        let last = &exchanges[i + group - 1];
        let last_status = last["response_status"].as_u64().unwrap() as u16;
        match outcome {
            Ok(()) if last_status < 300 || x["path"].as_str().unwrap().ends_with("/result") => {}
            Ok(()) => failures.push(format!(
                "{label}: the {status} answer was taken as a success"
            )),
            Err(e) if last_status < 300 => failures.push(format!("{label}: {e}")),
            Err(e) => {
                let body = &last["response_body"]["json"];
                let want = expected_variant(last_status, body);
                let api = e.api_error();
                let text_message = body["error"].as_str();
                if variant(&e) != want {
                    failures.push(format!("{label}: {} instead of {want}: {e}", variant(&e)));
                } else if let (Some(api), Some(m)) = (api, text_message) {
                    if api.message != m {
                        failures.push(format!("{label}: message {:?}, not {m:?}", api.message));
                    }
                } else if let Some(api) = api {
                    // Not JSON (an HTML page): a short message naming what came, the body kept.
                    let page = last["response_body"]["text"].as_str().unwrap_or("");
                    if api.message.len() > 80 || api.body != page {
                        failures.push(format!("{label}: message {:?}", api.message));
                    }
                }
            }
        }
        checked += group;
        i += group;
    }
    assert_eq!(checked, exchanges.len());
    assert!(
        failures.is_empty(),
        "{} of {} recorded answers were not handled:\n  {}",
        failures.len(),
        exchanges.len(),
        failures.join("\n  ")
    );
}
