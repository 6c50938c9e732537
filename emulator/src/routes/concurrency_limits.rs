//! Named concurrency limits: list, retrieve (the limit, or one concurrency key of it),
//! override, reset, pause and resume. Limits exist once declared (`POST
//! /__emulator/concurrency-limits`), as a worker's code would declare them.
//!
//! The server checks every body: bounds are integers 0–100000; an override of the limit needs
//! `perKey` or `total` and takes no `ttl`; a key override needs `perKey`, takes no `total`, and
//! its key (text or a number, stored as text) has 1–128 characters; `ttl` is a duration or a
//! positive number of seconds (default 7 days, at most 30).

use serde_json::{json, Map, Value};

use super::query::query_error;
use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::concurrency_limits::{
    ConcurrencyLimit, KeyOverride, DEFAULT_KEY_TTL_MS, MAX_BOUND, MAX_KEY_TTL_MS,
};
use crate::route::{ok, Ctx, R};
use crate::util::parse_duration_ms;
use crate::views::concurrency_limits::{key_limit_json, limit_json};

/// Limits per page when `perPage` is absent.
const DEFAULT_PER_PAGE: usize = 20;
const MAX_KEY_CHARS: usize = 128;
const NOT_FOUND: &str = "Concurrency limit not found";

fn invalid(field: &str, message: &str) -> HttpResponse {
    error(400, &format!("Validation error: {message} at \"{field}\""))
}

fn positive(c: &Ctx, key: &str) -> Result<Option<usize>, HttpResponse> {
    match c.q(key) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(Some)
            .ok_or_else(|| query_error(key, "Expected a positive integer")),
    }
}

/// `GET /api/v1/concurrency-limits?perPage=&page=`: offset pages, by name.
pub fn list(c: &mut Ctx) -> R {
    let per_page = positive(c, "perPage")?.unwrap_or(DEFAULT_PER_PAGE).min(100);
    let page = positive(c, "page")?.unwrap_or(1);
    let env_id = c.env_id();
    let mut all: Vec<&ConcurrencyLimit> =
        c.st.concurrency_limits
            .list
            .iter()
            .filter(|l| l.env_id == env_id)
            .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let count = all.len();
    let data: Vec<Value> = all
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|l| limit_json(c.st, l))
        .collect();
    ok(json!({
        "data": data,
        "pagination": {"currentPage": page, "totalPages": count.div_ceil(per_page), "count": count},
    }))
}

/// The limit the path names, or 404.
fn find<'a>(c: &'a Ctx) -> Result<&'a ConcurrencyLimit, HttpResponse> {
    c.st.concurrency_limits
        .by_name(c.who.env_id(), c.param(0))
        .ok_or_else(|| error(404, NOT_FOUND))
}

fn limit_mut<'a>(c: &'a mut Ctx) -> &'a mut ConcurrencyLimit {
    let env_id = c.who.env_id().to_string();
    let name = c.param(0).to_string();
    c.st.concurrency_limits
        .by_name_mut(&env_id, &name)
        .expect("limit found above")
}

fn respond(c: &Ctx) -> R {
    ok(limit_json(c.st, find(c)?))
}

fn respond_key(c: &Ctx, key: &str) -> R {
    ok(key_limit_json(c.st, find(c)?, key, c.now))
}

/// A key as text: a string of 1–128 characters, or a number (made text).
fn key_text(v: &Value) -> Result<String, HttpResponse> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(invalid("concurrencyKey", "Expected string or number")),
    };
    check_key(&text).map(|()| text)
}

fn check_key(text: &str) -> Result<(), HttpResponse> {
    let n = text.chars().count();
    if n == 0 {
        return Err(invalid(
            "concurrencyKey",
            "String must contain at least 1 character(s)",
        ));
    }
    if n > MAX_KEY_CHARS {
        return Err(invalid(
            "concurrencyKey",
            &format!("String must contain at most {MAX_KEY_CHARS} character(s)"),
        ));
    }
    Ok(())
}

/// A member that is present and not null.
fn given<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    body.get(key).filter(|v| !v.is_null())
}

fn bound(v: Option<&Value>, field: &str) -> Result<Option<u64>, HttpResponse> {
    match v {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= MAX_BOUND)
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    field,
                    &format!("Expected an integer between 0 and {MAX_BOUND}"),
                )
            }),
    }
}

/// `ttl`: a duration (`"1d"`) or a positive number of seconds, at most 30 days (ms).
fn ttl_ms(v: Option<&Value>) -> Result<i64, HttpResponse> {
    let ms = match v {
        None => return Ok(DEFAULT_KEY_TTL_MS),
        Some(Value::String(s)) => parse_duration_ms(s).filter(|ms| *ms > 0),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| *s > 0.0 && s.is_finite())
            .map(|s| (s * 1000.0).round() as i64),
        Some(_) => None,
    }
    .ok_or_else(|| {
        invalid(
            "ttl",
            "Expected a duration like \"1d\" or a positive number of seconds",
        )
    })?;
    if ms > MAX_KEY_TTL_MS {
        return Err(invalid("ttl", "The ttl must be at most 30 days"));
    }
    Ok(ms)
}

/// `GET /api/v1/concurrency-limits/{name}[?concurrencyKey=k]`: the limit, or one key of it.
pub fn retrieve(c: &mut Ctx) -> R {
    find(c)?;
    match c.q("concurrencyKey").map(str::to_string) {
        None => respond(c),
        Some(key) => {
            check_key(&key).map_err(|_| {
                query_error(
                    "concurrencyKey",
                    "String must contain between 1 and 128 character(s)",
                )
            })?;
            respond_key(c, &key)
        }
    }
}

/// `POST /api/v1/concurrency-limits/{name}/override` body `{"perKey"?, "total"?}` (the limit)
/// or `{"concurrencyKey", "perKey", "ttl"?}` (one key).
pub fn override_limit(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    find(c)?;
    let now = c.now;
    if let Some(key) = given(&body, "concurrencyKey") {
        let key = key_text(key)?;
        if given(&body, "total").is_some() {
            return Err(invalid(
                "total",
                "A concurrency key override sets perKey only",
            ));
        }
        let per_key = bound(given(&body, "perKey"), "perKey")?
            .ok_or_else(|| invalid("perKey", "Required"))?;
        let ttl = ttl_ms(given(&body, "ttl"))?;
        limit_mut(c).keys.insert(
            key.clone(),
            KeyOverride {
                per_key,
                expires_ms: now + ttl,
            },
        );
        return respond_key(c, &key);
    }
    if given(&body, "ttl").is_some() {
        return Err(invalid(
            "ttl",
            "ttl applies to a concurrency key override only",
        ));
    }
    let per_key = bound(given(&body, "perKey"), "perKey")?;
    let total = bound(given(&body, "total"), "total")?;
    if per_key.is_none() && total.is_none() {
        return Err(error(
            400,
            "Validation error: Provide at least one of `perKey` or `total`",
        ));
    }
    let l = limit_mut(c);
    for (b, n) in [(&mut l.per_key, per_key), (&mut l.total, total)] {
        if let Some(n) = n {
            b.overridden = Some(n);
            b.overridden_ms = Some(now);
        }
    }
    respond(c)
}

/// `POST /api/v1/concurrency-limits/{name}/reset` body `{}` (the limit's overrides) or
/// `{"concurrencyKey"}` (that key's override).
pub fn reset(c: &mut Ctx) -> R {
    let body = c.body_object_or_empty()?;
    find(c)?;
    if let Some(key) = given(&body, "concurrencyKey") {
        let key = key_text(key)?;
        limit_mut(c).keys.remove(&key);
        return respond_key(c, &key);
    }
    let l = limit_mut(c);
    for b in [&mut l.per_key, &mut l.total] {
        b.overridden = None;
        b.overridden_ms = None;
    }
    respond(c)
}

/// `POST /api/v1/concurrency-limits/{name}/pause` body `{"action": "pause"|"resume"}`.
pub fn pause(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let paused = match body.get("action").and_then(Value::as_str) {
        Some("pause") => true,
        Some("resume") => false,
        _ => {
            return Err(invalid(
                "action",
                "Invalid enum value. Expected 'pause' | 'resume'",
            ))
        }
    };
    find(c)?;
    limit_mut(c).paused = paused;
    respond(c)
}
