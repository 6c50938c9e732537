//! Sessions REST: create, list, retrieve, update, close (`docs/wire.md#sessions`).
//!
//! Order of checks as on the server's route builder: credential → `Content-Length` limit →
//! body (empty / invalid JSON / schema, all 400) → scope (403) → resource (404) → handler.

use serde_json::{json, Map, Value};

use super::query::query_error;
use crate::auth::{error, forbidden};
use crate::http::HttpResponse;
use crate::jwt;
use crate::model::sessions::Session;
use crate::route::{bad_request, ok, Ctx, R};
use crate::util::{parse_duration_ms, parse_iso, random_id};
use crate::views::sessions::session_json;

const MACHINES: &[&str] = &[
    "micro",
    "small-1x",
    "small-2x",
    "medium-1x",
    "medium-2x",
    "large-1x",
    "large-2x",
];
const STATUSES: &[&str] = &["ACTIVE", "CLOSED", "EXPIRED"];

/// Schema issues, reported like zod-validation-error: `Validation error: <msg> at "<path>"; …`.
#[derive(Default)]
pub struct Issues(Vec<String>);

impl Issues {
    pub fn add(&mut self, path: &str, msg: impl Into<String>) {
        let msg = msg.into();
        if path.is_empty() {
            self.0.push(msg);
        } else {
            self.0.push(format!("{msg} at \"{path}\""));
        }
    }

    pub fn into_result(self) -> Result<(), HttpResponse> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(error(
                400,
                &format!("Validation error: {}", self.0.join("; ")),
            ))
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn expected(is: &mut Issues, path: &str, want: &str, got: &Value) {
    is.add(path, format!("Expected {want}, received {}", kind_of(got)));
}

/// A string field; `trim` applies zod's `.trim()` before the length checks.
fn string(
    is: &mut Issues,
    o: &Map<String, Value>,
    key: &str,
    path: &str,
    required: bool,
    (min, max): (usize, usize),
    trim: bool,
) -> Option<String> {
    match o.get(key) {
        None => {
            if required {
                is.add(path, "Required");
            }
            None
        }
        Some(Value::String(s)) => {
            let s = if trim { s.trim() } else { s.as_str() };
            let n = s.chars().count();
            if n < min {
                is.add(
                    path,
                    format!("String must contain at least {min} character(s)"),
                );
            } else if n > max {
                is.add(
                    path,
                    format!("String must contain at most {max} character(s)"),
                );
            }
            Some(s.to_string())
        }
        Some(v) => {
            expected(is, path, "string", v);
            None
        }
    }
}

/// An array of strings (each ≤ 128 characters), at most `max` items.
fn tags(is: &mut Issues, v: Option<&Value>, path: &str, max: usize) -> Option<Vec<String>> {
    let a = match v {
        None => return None,
        Some(Value::Array(a)) => a,
        Some(v) => {
            expected(is, path, "array", v);
            return None;
        }
    };
    let mut out = Vec::new();
    for (i, t) in a.iter().enumerate() {
        match t.as_str() {
            Some(s) if s.chars().count() > 128 => is.add(
                &format!("{path}[{i}]"),
                "String must contain at most 128 character(s)",
            ),
            Some(s) => out.push(s.to_string()),
            None => expected(is, &format!("{path}[{i}]"), "string", t),
        }
    }
    if a.len() > max {
        is.add(path, format!("Array must contain at most {max} element(s)"));
    }
    Some(out)
}

/// An integer in `min..=max`.
fn int(is: &mut Issues, o: &Map<String, Value>, key: &str, path: &str, min: i64, max: i64) {
    let Some(v) = o.get(key) else {
        return;
    };
    match v.as_f64() {
        None => expected(is, path, "number", v),
        Some(f) if f.fract() != 0.0 => expected(is, path, "integer", &json!("float")),
        Some(f) if f < min as f64 => {
            if min == 1 {
                is.add(path, "Number must be greater than 0");
            } else {
                is.add(
                    path,
                    format!("Number must be greater than or equal to {min}"),
                );
            }
        }
        Some(f) if f > max as f64 => {
            is.add(path, format!("Number must be less than or equal to {max}"))
        }
        _ => {}
    }
}

/// The external-id refinements.
fn check_external_id(is: &mut Issues, path: &str, id: &str) {
    if id.starts_with("session_") {
        is.add(
            path,
            "externalId cannot start with 'session_' (reserved prefix for internal friendlyIds)",
        );
    }
    if id.contains(":channels:") {
        is.add(
            path,
            "externalId cannot contain ':channels:' (reserved for named channel scopes)",
        );
    }
}

/// Validates `triggerConfig`; returns it with unknown keys dropped (zod strips them).
fn trigger_config(is: &mut Issues, v: Option<&Value>) -> Value {
    let p = "triggerConfig";
    let o = match v {
        None => {
            is.add(p, "Required");
            return Value::Null;
        }
        Some(Value::Object(o)) => o,
        Some(v) => {
            expected(is, p, "object", v);
            return Value::Null;
        }
    };
    let mut out = Map::new();
    match o.get("basePayload") {
        None => is.add("triggerConfig.basePayload", "Required"),
        Some(Value::Object(_)) => {}
        Some(v) => expected(is, "triggerConfig.basePayload", "object", v),
    }
    if let Some(m) = o.get("machine") {
        match m.as_str() {
            Some(s) if MACHINES.contains(&s) => {}
            _ => is.add(
                "triggerConfig.machine",
                format!(
                    "Invalid enum value. Expected {}, received {}",
                    MACHINES
                        .iter()
                        .map(|m| format!("'{m}'"))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    m
                ),
            ),
        }
    }
    string(
        is,
        o,
        "queue",
        "triggerConfig.queue",
        false,
        (0, 128),
        false,
    );
    tags(is, o.get("tags"), "triggerConfig.tags", 10);
    int(is, o, "maxAttempts", "triggerConfig.maxAttempts", 1, 10);
    int(
        is,
        o,
        "maxDuration",
        "triggerConfig.maxDuration",
        1,
        i64::MAX,
    );
    string(
        is,
        o,
        "lockToVersion",
        "triggerConfig.lockToVersion",
        false,
        (0, usize::MAX),
        false,
    );
    string(
        is,
        o,
        "region",
        "triggerConfig.region",
        false,
        (0, usize::MAX),
        false,
    );
    int(
        is,
        o,
        "idleTimeoutInSeconds",
        "triggerConfig.idleTimeoutInSeconds",
        1,
        3600,
    );
    match o.get("concurrency") {
        None => {}
        Some(Value::Array(a)) if a.len() <= 2 => {}
        Some(Value::Object(m)) if m.len() <= 2 => {}
        Some(Value::Array(_)) | Some(Value::Object(_)) => is.add(
            "triggerConfig.concurrency",
            "Array must contain at most 2 element(s)",
        ),
        Some(v) => expected(is, "triggerConfig.concurrency", "array", v),
    }
    match o.get("concurrencyKey") {
        None | Some(Value::String(_)) => {}
        Some(v) => expected(is, "triggerConfig.concurrencyKey", "string", v),
    }
    match o.get("externalDeploymentId") {
        None | Some(Value::String(_)) | Some(Value::Null) => {}
        Some(v) => expected(is, "triggerConfig.externalDeploymentId", "string", v),
    }
    for k in [
        "basePayload",
        "machine",
        "queue",
        "tags",
        "maxAttempts",
        "maxDuration",
        "lockToVersion",
        "region",
        "idleTimeoutInSeconds",
        "concurrency",
        "concurrencyKey",
        "externalDeploymentId",
    ] {
        if let Some(v) = o.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// `z.coerce.date()`: an ISO string or a number of ms.
fn date(is: &mut Issues, v: Option<&Value>, path: &str) -> Option<i64> {
    match v {
        None => None,
        Some(Value::Number(n)) => n.as_f64().map(|f| f as i64),
        Some(Value::String(s)) => {
            let t = parse_iso(s);
            if t.is_none() {
                is.add(path, "Invalid date");
            }
            t
        }
        Some(Value::Null) => Some(0),
        Some(_) => {
            is.add(path, "Invalid date");
            None
        }
    }
}

/// Session ids this caller's scopes may name: every form of the session plus the URL key.
pub fn session_ids(url_key: &str, s: Option<&Session>) -> Vec<String> {
    let mut ids = vec![url_key.to_string()];
    if let Some(s) = s {
        for id in s.ids() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// Requires `action` on a session under any of `ids` (403 otherwise; secret keys pass).
pub fn require_session(c: &Ctx, action: &str, ids: &[String]) -> Result<(), HttpResponse> {
    let needs: Vec<(&str, &str, Option<&str>)> = ids
        .iter()
        .map(|id| (action, "sessions", Some(id.as_str())))
        .collect();
    c.require(&needs)
}

fn with_status(v: Value, status: u16) -> HttpResponse {
    HttpResponse::json(status, &v)
}

/// A session-scoped public token: `read:sessions:<key>` + `write:sessions:<key>`, 1 hour.
pub fn session_token(c: &Ctx, env_id: &str, key: &str) -> String {
    let scopes = vec![
        format!("read:sessions:{key}"),
        format!("write:sessions:{key}"),
    ];
    let claims = jwt::public_claims(env_id, &scopes, c.now / 1000);
    let signing =
        c.st.env(env_id)
            .map(|e| e.signing_key.clone())
            .unwrap_or_default();
    jwt::sign(&claims, &signing)
}

/// `POST /api/v1/sessions` (≤ 32 KB): the session and its first run; 201 new, 200 cached.
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_json()?;
    let mut is = Issues::default();
    let Value::Object(o) = &body else {
        expected(&mut is, "", "object", &body);
        is.into_result()?;
        unreachable!();
    };
    let kind = string(&mut is, o, "type", "type", true, (1, 64), false);
    let external_id = string(
        &mut is,
        o,
        "externalId",
        "externalId",
        false,
        (1, 256),
        true,
    );
    if let Some(e) = &external_id {
        check_external_id(&mut is, "externalId", e);
    }
    let task = string(
        &mut is,
        o,
        "taskIdentifier",
        "taskIdentifier",
        true,
        (1, 128),
        false,
    );
    let config = trigger_config(&mut is, o.get("triggerConfig"));
    let tag_list = tags(&mut is, o.get("tags"), "tags", 10).unwrap_or_default();
    let metadata = match o.get("metadata") {
        None => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        Some(v) => {
            expected(&mut is, "metadata", "object", v);
            None
        }
    };
    let expires = date(&mut is, o.get("expiresAt"), "expiresAt");
    is.into_result()?;
    let (kind, task) = (kind.unwrap_or_default(), task.unwrap_or_default());
    // `write:tasks:<taskIdentifier>` or the type-level `write:sessions` (no id).
    c.require(&[("write", "tasks", Some(&task)), ("write", "sessions", None)])?;
    if c.options.unknown_tasks.contains(&task) {
        return Err(error(422, "Task not found"));
    }
    let env_id = c.env_id();
    let now = c.now;
    let existing = external_id
        .as_ref()
        .and_then(|e| c.st.sessions.find(&env_id, e));
    let (idx, cached) = match existing {
        Some(i) => {
            // The server's upsert refreshes only `triggerConfig` on the cached path.
            let s = &mut c.st.sessions.list[i];
            s.trigger_config = config;
            s.updated_ms = now;
            (i, true)
        }
        None => {
            let seq = c.st.next_seq();
            c.st.sessions.list.push(Session {
                id: random_id("session_"),
                seq,
                env_id: env_id.clone(),
                external_id,
                kind,
                task,
                trigger_config: config,
                current_run_id: None,
                run_ids: Vec::new(),
                tags: tag_list,
                metadata,
                closed_ms: None,
                closed_reason: None,
                expires_ms: expires,
                created_ms: now,
                updated_ms: now,
            });
            (c.st.sessions.list.len() - 1, false)
        }
    };
    let s = &c.st.sessions.list[idx];
    if s.closed_ms.is_some() {
        return Err(error(
            409,
            "Session is closed; use a different externalId to create a new session",
        ));
    }
    if s.expires_ms.is_some_and(|t| t < now) {
        return Err(error(
            409,
            "Session is expired; use a different externalId to create a new session",
        ));
    }
    let run_id = c.st.ensure_session_run(idx).map_err(bad_request)?;
    let s = &c.st.sessions.list[idx];
    let key = s.key().to_string();
    let mut item = session_json(s, true);
    item["runId"] = json!(run_id);
    item["publicAccessToken"] = json!(session_token(c, &env_id, &key));
    item["isCached"] = json!(cached);
    // The token is only in the body: the server sends no `x-trigger-jwt` here.
    Ok(with_status(item, if cached { 200 } else { 201 }))
}

/// `z.coerce.number().int()` on a query value.
fn coerce_int(key: &str, v: &str) -> Result<i64, HttpResponse> {
    let t = v.trim();
    let f: f64 = if t.is_empty() {
        0.0
    } else {
        t.parse()
            .map_err(|_| query_error(key, "Expected number, received nan"))?
    };
    if !f.is_finite() || f.fract() != 0.0 {
        return Err(query_error(key, "Expected integer, received float"));
    }
    Ok(f as i64)
}

/// `GET /api/v1/sessions`: newest first, cursor pages. Like the server, each filter takes one
/// value (the last one sent); a comma-joined `filter[status]` is invalid and a comma-joined
/// `filter[type]` matches nothing.
pub fn list(c: &mut Ctx) -> R {
    let size = match c.q("page[size]") {
        None => 20,
        Some(v) => {
            let n = coerce_int("page[size]", v)?;
            if n < 1 {
                return Err(query_error(
                    "page[size]",
                    "Number must be greater than or equal to 1",
                ));
            }
            if n > 100 {
                return Err(query_error(
                    "page[size]",
                    "Number must be less than or equal to 100",
                ));
            }
            n as usize
        }
    };
    let after = c.q("page[after]").map(String::from);
    let before = c.q("page[before]").map(String::from);
    if after.as_deref().is_some_and(|a| !a.is_empty())
        && before.as_deref().is_some_and(|b| !b.is_empty())
    {
        return Err(query_error(
            "page[before]",
            "Cannot pass both page[after] and page[before] on the same request",
        ));
    }
    let status = c.q("filter[status]").map(String::from);
    if let Some(s) = status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(query_error(
            "filter[status]",
            &format!(
                "Invalid enum value. Expected 'ACTIVE' | 'CLOSED' | 'EXPIRED', received '{s}'"
            ),
        ));
    }
    let from = c
        .q("filter[createdAt][from]")
        .map(|v| coerce_int("filter[createdAt][from]", v))
        .transpose()?;
    let to = c
        .q("filter[createdAt][to]")
        .map(|v| coerce_int("filter[createdAt][to]", v))
        .transpose()?;
    let period = c.q("filter[createdAt][period]").and_then(parse_duration_ms);
    let kind = c.q("filter[type]").map(String::from);
    let tag = c.q("filter[tags]").map(String::from);
    let task = c.q("filter[taskIdentifier]").map(String::from);
    let external = c.q("filter[externalId]").map(String::from);
    // Type-level `read:sessions` / `read:tasks`, or `read:tasks:<id>` for the filtered task.
    let mut needs: Vec<(&str, &str, Option<&str>)> =
        vec![("read", "sessions", None), ("read", "tasks", None)];
    if let Some(t) = task.as_deref() {
        needs.push(("read", "tasks", Some(t)));
    }
    c.require(&needs)?;
    let env_id = c.env_id();
    let now = c.now;
    let matches = |s: &Session| {
        s.env_id == env_id
            && kind.as_ref().is_none_or(|k| &s.kind == k)
            && tag.as_ref().is_none_or(|t| s.tags.contains(t))
            && task.as_ref().is_none_or(|t| &s.task == t)
            && external
                .as_ref()
                .is_none_or(|e| e.is_empty() || s.external_id.as_ref() == Some(e))
            && status.as_deref().is_none_or(|st| s.status(now) == st)
            && period.is_none_or(|p| s.created_ms >= now - p)
            && from.is_none_or(|f| f == 0 || s.created_ms >= f)
            && to.is_none_or(|t| t == 0 || s.created_ms <= t)
    };
    let all: Vec<&Session> = c.st.sessions.list.iter().filter(|s| matches(s)).collect();
    let cursor_seq = |id: &str, key: &str| -> Result<u64, HttpResponse> {
        c.st.sessions
            .list
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.seq)
            .ok_or_else(|| query_error(key, "Invalid cursor"))
    };
    let mut pagination = Map::new();
    let page: Vec<&Session> = match (
        after.filter(|a| !a.is_empty()),
        before.filter(|b| !b.is_empty()),
    ) {
        (_, Some(b)) => {
            // Backward: the `size` sessions just newer than the cursor, shown newest first.
            let seq = cursor_seq(&b, "page[before]")?;
            let mut newer: Vec<&Session> = all.iter().filter(|s| s.seq > seq).copied().collect();
            newer.sort_by_key(|s| s.seq);
            let has_more = newer.len() > size;
            let mut page: Vec<&Session> = newer.into_iter().take(size).collect();
            page.reverse();
            if has_more {
                if let Some(first) = page.first() {
                    pagination.insert("previous".into(), json!(first.id));
                }
            }
            if page.len() == size {
                if let Some(last) = page.last() {
                    pagination.insert("next".into(), json!(last.id));
                }
            }
            page
        }
        (a, None) => {
            let seq = a
                .as_deref()
                .map(|a| cursor_seq(a, "page[after]"))
                .transpose()?;
            let mut older: Vec<&Session> = all
                .iter()
                .filter(|s| seq.is_none_or(|q| s.seq < q))
                .copied()
                .collect();
            older.sort_by_key(|s| std::cmp::Reverse(s.seq));
            let has_more = older.len() > size;
            let page: Vec<&Session> = older.into_iter().take(size).collect();
            if seq.is_some() {
                if let Some(first) = page.first() {
                    pagination.insert("previous".into(), json!(first.id));
                }
            }
            if has_more {
                if let Some(last) = page.last() {
                    pagination.insert("next".into(), json!(last.id));
                }
            }
            page
        }
    };
    let data: Vec<Value> = page.iter().map(|s| session_json(s, false)).collect();
    ok(json!({"data": data, "pagination": pagination}))
}

/// `GET /api/v1/sessions/{idOrExternalId}`
pub fn retrieve(c: &mut Ctx) -> R {
    let key = c.param(0).to_string();
    let idx =
        c.st.sessions
            .find(&c.env_id(), &key)
            .ok_or_else(|| error(404, "Not found").with_header("x-should-retry", "false"))?;
    let s = &c.st.sessions.list[idx];
    require_session(c, "read", &session_ids(&key, Some(s)))?;
    ok(session_json(s, true))
}

/// Update and close need a secret key: a token needs `admin` or `admin:sessions:<id>`.
fn require_admin(c: &Ctx, key: &str) -> Result<Option<usize>, HttpResponse> {
    let idx = c.st.sessions.find(&c.env_id(), key);
    let s = idx.map(|i| &c.st.sessions.list[i]);
    if !c.who.allows(
        &session_ids(key, s)
            .iter()
            .map(|id| ("admin", "sessions", Some(id.as_str())))
            .collect::<Vec<_>>(),
    ) {
        return Err(forbidden());
    }
    Ok(idx)
}

/// `PATCH /api/v1/sessions/{id}` (≤ 32 KB) `{tags?, metadata? (object|null), externalId?}`.
pub fn update(c: &mut Ctx) -> R {
    let key = c.param(0).to_string();
    let body = c.body_json()?;
    let mut is = Issues::default();
    let Value::Object(o) = &body else {
        expected(&mut is, "", "object", &body);
        is.into_result()?;
        unreachable!();
    };
    let new_tags = tags(&mut is, o.get("tags"), "tags", 10);
    let metadata = match o.get("metadata") {
        None => None,
        Some(m @ (Value::Object(_) | Value::Null)) => Some(m.clone()),
        Some(v) => {
            expected(&mut is, "metadata", "object", v);
            None
        }
    };
    let external = match o.get("externalId") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(_)) => {
            let e = string(
                &mut is,
                o,
                "externalId",
                "externalId",
                false,
                (1, 256),
                true,
            );
            if let Some(e) = &e {
                check_external_id(&mut is, "externalId", e);
            }
            Some(e)
        }
        Some(v) => {
            expected(&mut is, "externalId", "string", v);
            None
        }
    };
    is.into_result()?;
    let idx = require_admin(c, &key)?.ok_or_else(|| error(404, "Session not found"))?;
    let now = c.now;
    let s = &mut c.st.sessions.list[idx];
    if let Some(e) = &external {
        // The addressing key (stream names, token scopes) derives from it: never re-key.
        if *e != s.external_id {
            return Err(error(
                422,
                "externalId cannot be changed after creation; close this session and create a new one with the desired externalId",
            ));
        }
    }
    if let Some(t) = new_tags {
        s.tags = t;
    }
    if let Some(m) = metadata {
        s.metadata = (!m.is_null()).then_some(m);
    }
    s.updated_ms = now;
    ok(session_json(s, true))
}

/// `POST /api/v1/sessions/{id}/close` (≤ 1 KB) `{reason?}`: idempotent, first close wins.
pub fn close(c: &mut Ctx) -> R {
    let key = c.param(0).to_string();
    let body = c.body_json()?;
    let mut is = Issues::default();
    let Value::Object(o) = &body else {
        expected(&mut is, "", "object", &body);
        is.into_result()?;
        unreachable!();
    };
    let reason = string(&mut is, o, "reason", "reason", false, (0, 256), false);
    is.into_result()?;
    let idx = require_admin(c, &key)?.ok_or_else(|| error(404, "Session not found"))?;
    let now = c.now;
    let s = &mut c.st.sessions.list[idx];
    if s.closed_ms.is_none() {
        s.closed_ms = Some(now);
        s.closed_reason = reason;
        s.updated_ms = now;
    }
    ok(session_json(s, true))
}
