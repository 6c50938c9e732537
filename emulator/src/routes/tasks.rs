//! Triggering tasks, packet upload URLs, JWT claims and idempotency-key reset.

use serde_json::{json, Map, Value};

use crate::auth::error;
use crate::http::{HttpRequest, HttpResponse};
use crate::route::{ok, Ctx, R};
use crate::state::{Debounce, NewRun, RunOptions};
use crate::util::{parse_duration_ms, parse_iso, percent_encode};

const MAX_TAGS: usize = 10;
const MAX_TAG_LEN: usize = 128;
const DEFAULT_IDEMPOTENCY_TTL_MS: i64 = 30 * 86_400_000;
const MACHINES: &[&str] = &[
    "micro",
    "small-1x",
    "small-2x",
    "medium-1x",
    "medium-2x",
    "large-1x",
    "large-2x",
];

fn bad(msg: impl AsRef<str>) -> HttpResponse {
    error(400, msg.as_ref())
}

/// `tags` as a string or a list of strings, checked against the server's limits.
pub fn parse_tags(v: Option<&Value>) -> Result<Vec<String>, HttpResponse> {
    let list: Vec<String> = match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(String::from)
                    .ok_or_else(|| bad("tags must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("tags must be a string or an array of strings")),
    };
    if let Some(t) = list
        .iter()
        .find(|t| t.is_empty() || t.chars().count() > MAX_TAG_LEN)
    {
        return Err(bad(format!(
            "Tags must be between 1 and {MAX_TAG_LEN} characters, got '{t}'"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for t in list {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// `^\d+[smhd]$`, else the server's 30-day default.
fn idempotency_ttl(s: Option<&str>) -> i64 {
    s.filter(|s| {
        s.len() >= 2
            && s[..s.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && matches!(s.as_bytes()[s.len() - 1], b's' | b'm' | b'h' | b'd')
    })
    .and_then(parse_duration_ms)
    .unwrap_or(DEFAULT_IDEMPOTENCY_TTL_MS)
}

/// Seconds as the server's duration string: weeks, days, hours, minutes, seconds, zero parts
/// left out (`3600` → `"1h"`, `90` → `"1m30s"`); `None` for 0.
pub fn stringify_duration(secs: u64) -> Option<String> {
    let parts = [
        (secs / 604_800, 'w'),
        (secs % 604_800 / 86_400, 'd'),
        (secs % 86_400 / 3_600, 'h'),
        (secs % 3_600 / 60, 'm'),
        (secs % 60, 's'),
    ];
    let text: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    (!text.is_empty()).then_some(text)
}

/// A delay as a duration (`"1h"`) or an absolute ISO date; returns the absolute time.
pub fn parse_delay(v: &Value, now: i64) -> Option<i64> {
    let s = v.as_str()?;
    parse_duration_ms(s)
        .map(|d| now + d)
        .or_else(|| parse_iso(s))
}

fn opt_str(o: &Map<String, Value>, k: &str) -> Result<Option<String>, HttpResponse> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("options.{k} must be a string"))),
    }
}

fn opt_num(o: &Map<String, Value>, k: &str) -> Result<Option<f64>, HttpResponse> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad(format!("options.{k} must be a number"))),
    }
}

/// Parses trigger `options` (also used for batch items). `req` supplies the
/// `idempotency-key` / `idempotency-key-ttl` headers, which win over the body.
pub fn parse_options(
    options: Option<&Value>,
    req: Option<&HttpRequest>,
    now: i64,
) -> Result<RunOptions, HttpResponse> {
    let empty = Map::new();
    let o = match options {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad("options must be an object")),
    };
    let tags = parse_tags(o.get("tags"))?;
    if tags.len() > MAX_TAGS {
        return Err(bad(format!(
            "Runs can only have {MAX_TAGS} tags, you're trying to set {}",
            tags.len()
        )));
    }
    let metadata = match o.get("metadata") {
        None | Some(Value::Null) => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        Some(_) => return Err(bad("options.metadata must be an object")),
    };
    let header = |n: &str| req.and_then(|r| r.header(n)).map(String::from);
    let idempotency_key = header("idempotency-key")
        .or(opt_str(o, "idempotencyKey")?)
        .filter(|k| !k.is_empty());
    if idempotency_key.as_ref().is_some_and(|k| k.len() > 2048) {
        return Err(bad("options.idempotencyKey is too long"));
    }
    let ttl_text = header("idempotency-key-ttl").or(opt_str(o, "idempotencyKeyTTL")?);
    let delay_until_ms = match o.get("delay") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_delay(v, now).ok_or_else(|| bad(format!("Invalid delay: {}", v)))?),
    };
    // Seconds become the duration string the server stores and shows (`3600` → `"1h"`).
    let (ttl, ttl_ms) = match o.get("ttl") {
        None | Some(Value::Null) => (None, None),
        Some(Value::String(s)) => (
            Some(s.clone()),
            Some(parse_duration_ms(s).ok_or_else(|| bad(format!("Invalid ttl: {s}")))?),
        ),
        Some(Value::Number(n)) => match n.as_f64().filter(|f| *f >= 0.0) {
            Some(secs) => (
                stringify_duration(secs as u64),
                Some((secs * 1000.0) as i64),
            ),
            None => return Err(bad("options.ttl must be non-negative")),
        },
        Some(_) => return Err(bad("options.ttl must be a string or a number")),
    };
    let ttl_given = !matches!(o.get("ttl"), None | Some(Value::Null));
    let queue = match o.get("queue") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(q)) => q.get("name").and_then(Value::as_str).map(String::from),
        Some(_) => return Err(bad("options.queue must be an object")),
    };
    let machine = opt_str(o, "machine")?;
    if let Some(m) = machine.as_deref().filter(|m| !MACHINES.contains(m)) {
        let expected: Vec<String> = MACHINES.iter().map(|m| format!("'{m}'")).collect();
        return Err(bad(format!(
            "Validation error: Invalid enum value. Expected {}, received '{m}' at \"options.machine\"",
            expected.join(" | ")
        )));
    }
    let concurrency_key = match o.get("concurrencyKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(bad("options.concurrencyKey must be a string")),
    };
    let max_attempts = opt_num(o, "maxAttempts")?.map(|n| n.max(0.0) as u64);
    Ok(RunOptions {
        tags,
        metadata,
        idempotency_key,
        idempotency_ttl_ms: idempotency_ttl(ttl_text.as_deref()),
        delay_until_ms,
        ttl,
        ttl_given,
        // A zero TTL means "no TTL".
        ttl_ms: ttl_ms.filter(|t| *t > 0),
        version: opt_str(o, "lockToVersion")?,
        is_test: o.get("test").and_then(Value::as_bool).unwrap_or(false),
        queue,
        machine,
        concurrency_key,
        max_attempts,
        priority: opt_num(o, "priority")?,
        max_duration: opt_num(o, "maxDuration")?,
        region: opt_str(o, "region")?,
        debounce: None,
        raw: Value::Object(o.clone()),
    })
}

/// `payloadType` from the options, defaulting like the server.
pub fn payload_type(options: Option<&Value>) -> String {
    options
        .and_then(|o| o.get("payloadType"))
        .and_then(Value::as_str)
        .unwrap_or("application/json")
        .to_string()
}

/// `x-trigger-realtime-streams-version`: `v2` selects the v2 realtime streams, anything else
/// (or no header) the legacy `v1`, as the server decides it for triggers and batches.
pub fn streams_version(req: &HttpRequest) -> String {
    match req
        .header("x-trigger-realtime-streams-version")
        .map(str::trim)
    {
        Some("v2") => "v2",
        _ => "v1",
    }
    .to_string()
}

/// `options.debounce` `{key, delay, mode?, maxDelay?}`, with its times resolved against `now`.
fn parse_debounce(options: Option<&Value>, now: i64) -> Result<Option<Debounce>, HttpResponse> {
    let Some(d) = options
        .and_then(|o| o.get("debounce"))
        .filter(|d| !d.is_null())
    else {
        return Ok(None);
    };
    let key = d
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty() && k.len() <= 512)
        .ok_or_else(|| bad("options.debounce.key must be a string of 1 to 512 characters"))?;
    let delay = |field: &str| -> Result<Option<i64>, HttpResponse> {
        match d.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(parse_duration_ms)
                .map(Some)
                .ok_or_else(|| bad(format!("Invalid options.debounce.{field}: {v}"))),
        }
    };
    let until_ms =
        now + delay("delay")?.ok_or_else(|| bad("options.debounce.delay is required"))?;
    Ok(Some(Debounce {
        key: key.to_string(),
        until_ms,
        max_until_ms: delay("maxDelay")?.map(|m| now + m),
        trailing: d.get("mode").and_then(Value::as_str) == Some("trailing"),
    }))
}

/// A later trigger with the debounce key of a run that is still delayed: the run waits again for
/// the debounce delay (at most until its `maxDelay`), takes the new payload in `trailing` mode,
/// and is the answer. `None` when no such run waits.
fn debounce_run(
    c: &mut Ctx,
    env_id: &str,
    task: &str,
    d: &Debounce,
    payload: &Option<Value>,
    opts: &RunOptions,
) -> Option<String> {
    let now = c.now;
    let r = c.st.runs.iter_mut().rev().find(|r| {
        r.env_id == env_id
            && r.task == task
            && r.status == "DELAYED"
            && r.opts.debounce.as_ref().is_some_and(|x| x.key == d.key)
    })?;
    let first = r.opts.debounce.clone()?;
    let until = match first.max_until_ms {
        Some(max) => d.until_ms.min(max),
        None => d.until_ms,
    };
    r.delayed_until_ms = Some(until);
    r.updated_ms = now;
    if first.trailing || d.trailing {
        r.payload = payload.clone();
        if opts.metadata.is_some() {
            r.metadata = opts.metadata.clone();
        }
    }
    Some(r.id.clone())
}

/// `POST /api/v1/tasks/{taskId}/trigger`
pub fn trigger(c: &mut Ctx) -> R {
    let task = c.param(0).to_string();
    c.require(&[("trigger", "tasks", Some(&task))])?;
    let body = c.body_object()?;
    if let Some(cached) = c.cached_response() {
        return Ok(cached);
    }
    if c.options.unknown_tasks.contains(&task) {
        return Err(error(404, "Task not found"));
    }
    let mut opts = parse_options(body.get("options"), Some(c.req), c.now)?;
    let ptype = payload_type(body.get("options"));
    let payload = body.get("payload").filter(|p| !p.is_null()).cloned();
    let env_id = c.env_id();
    if let Some(token) = c.who.one_time_token() {
        if c.st.spent_tokens.contains(token) {
            return Err(error(
                422,
                &format!(
                    "Cannot trigger {task} with a one-time use token as it has already been used."
                ),
            ));
        }
    }
    let debounce = parse_debounce(body.get("options"), c.now)?;
    let existing = opts.idempotency_key.as_ref().and_then(|k| {
        c.st.idempotent_run(&env_id, &task, k, c.now)
            .map(|r| r.id.clone())
    });
    let debounced = match (&existing, &debounce) {
        (None, Some(d)) => debounce_run(c, &env_id, &task, d, &payload, &opts),
        _ => None,
    };
    let (id, cached) = match (existing, debounced) {
        (Some(id), _) => (id, true),
        // A debounced trigger answers with the waiting run, not as a cached one.
        (None, Some(id)) => (id, false),
        (None, None) => {
            if let Some(d) = &debounce {
                // The first trigger of a debounce key: a run delayed by the debounce delay.
                opts.delay_until_ms = Some(opts.delay_until_ms.unwrap_or(0).max(d.until_ms));
                opts.debounce = Some(d.clone());
            }
            let id = c.st.create_run(NewRun {
                env_id: &env_id,
                task: &task,
                payload,
                payload_type: ptype,
                opts,
                trigger_function: "trigger",
                batch_id: None,
            });
            (id, false)
        }
    };
    if let Some(token) = c.who.one_time_token() {
        let token = token.to_string();
        c.st.spent_tokens.insert(token);
    }
    if !cached {
        let version = streams_version(c.req);
        if let Some(r) = c.st.run_mut(&id) {
            r.realtime_streams_version = version;
        }
    }
    let resp = HttpResponse::json(200, &json!({"id": id, "isCached": cached}));
    let scopes = vec![
        format!("read:runs:{id}"),
        format!("write:inputStreams:{id}"),
    ];
    let resp = c.with_jwt(resp, &env_id, &scopes);
    c.remember(&resp);
    Ok(resp)
}

fn packet_url(c: &Ctx, filename: &str) -> String {
    format!(
        "{}/__emulator/packets/{}",
        c.base_url,
        percent_encode(filename)
    )
}

/// `PUT /api/v2/packets/{filename}`: where to upload an offloaded payload.
pub fn packet_upload(c: &mut Ctx) -> R {
    let filename = c.param(0).to_string();
    ok(json!({"presignedUrl": packet_url(c, &filename), "storagePath": filename}))
}

/// `GET /api/v1/packets/{filename}`: where to download a packet.
pub fn packet_download(c: &mut Ctx) -> R {
    let filename = c.param(0).to_string();
    ok(json!({"presignedUrl": packet_url(c, &filename)}))
}

/// `POST /api/v1/auth/jwt/claims`
pub fn jwt_claims(c: &mut Ctx) -> R {
    ok(json!({"sub": c.env_id(), "pub": true}))
}

/// `POST /api/v1/idempotencyKeys/{key}/reset` body `{"taskIdentifier"}`.
pub fn reset_idempotency_key(c: &mut Ctx) -> R {
    let key = c.param(0).to_string();
    let body = c.body_object()?;
    let task = body
        .get("taskIdentifier")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("taskIdentifier is required"))?
        .to_string();
    c.require(&[
        ("write", "tasks", Some(&task)),
        ("trigger", "tasks", Some(&task)),
    ])?;
    let env_id = c.env_id();
    let mut found = false;
    for r in c.st.runs.iter_mut() {
        if r.env_id == env_id && r.task == task && r.idempotency_key.as_deref() == Some(&key) {
            r.idempotency_key = None;
            r.idempotency_expires_ms = None;
            found = true;
        }
    }
    if !found {
        return Err(error(
            404,
            &format!("No runs found with idempotency key: {key} and task: {task}"),
        ));
    }
    ok(json!({"id": key}))
}
