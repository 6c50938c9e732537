//! Waitpoint tokens: create, list, retrieve, complete, and the no-auth HTTP callback.

use serde_json::{json, Value};

use super::query::{cursor_page, list_param, page_size, query_error};
use crate::auth::error;
use crate::http::HttpResponse;
use crate::jwt;
use crate::model::run_options::parse_tags;
use crate::model::waitpoints::Waitpoint;
use crate::route::{bad_request, ok, Ctx, R};
use crate::util::{parse_duration_ms, parse_iso};
use crate::views::waitpoints::{callback_hash, waitpoint_json};

const MAX_TAGS: usize = 10;
const STATUSES: &[&str] = &["WAITING", "COMPLETED", "TIMED_OUT"];

/// `^\d+[smhd]$` → absolute expiry; anything else means the key never expires (as on the server).
fn key_ttl(ttl: Option<&str>, now: i64) -> Option<i64> {
    let s = ttl?;
    let (num, unit) = s.split_at(s.len().checked_sub(1)?);
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) || !"smhd".contains(unit) {
        return None;
    }
    parse_duration_ms(s).map(|d| now + d)
}

/// A timeout as a duration (`"1h"`) or a future ISO date; like the server, a past date or an
/// unparsable value means no timeout.
fn timeout_at(v: Option<&Value>, now: i64) -> Option<i64> {
    let s = v?.as_str()?;
    match parse_iso(s) {
        Some(t) => (t > now).then_some(t),
        None => parse_duration_ms(s).map(|d| now + d),
    }
}

/// How the server stores completion data (`stringifyIO`): nothing for no data, a string as
/// `text/plain`, anything else as superjson (`{"json": value}`, `application/super+json`).
fn stringify_io(data: Option<&Value>) -> Option<(String, String)> {
    match data? {
        Value::String(s) => Some((s.clone(), "text/plain".into())),
        v => Some((
            json!({ "json": v }).to_string(),
            "application/super+json".into(),
        )),
    }
}

/// `POST /api/v1/waitpoints/tokens` body `{"timeout"?, "idempotencyKey"?, "idempotencyKeyTTL"?,
/// "tags"?}` → `{id, isCached, url}` plus an `x-trigger-jwt` scoped `write:waitpoints:<id>` (24 h).
/// The spec marks the body optional, so an empty body counts as `{}`.
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_object_or_empty()?;
    let key = match body.get("idempotencyKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if k.chars().count() > 2048 => {
            return Err(error(
                400,
                "Validation error: idempotencyKey must be 2048 characters or less at \"idempotencyKey\"",
            ))
        }
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => {
            return Err(error(
                400,
                "Validation error: Expected string at \"idempotencyKey\"",
            ))
        }
    };
    let tags = parse_tags(body.get("tags")).map_err(bad_request)?;
    if tags.len() > MAX_TAGS {
        return Err(error(
            422,
            &format!(
                "Waitpoints can only have {MAX_TAGS} tags, you're trying to set {}.",
                tags.len()
            ),
        ));
    }
    let now = c.now;
    let expires = key_ttl(body.get("idempotencyKeyTTL").and_then(Value::as_str), now);
    let timeout = timeout_at(body.get("timeout"), now);
    let env_id = c.env_id();
    let (id, cached) =
        c.st.waitpoints
            .create(&env_id, key, expires, timeout, tags, now);
    let w =
        c.st.waitpoints
            .get(&env_id, &id)
            .ok_or_else(|| error(500, "Something went wrong"))?;
    let url = format!(
        "{}/api/v1/waitpoints/tokens/{id}/callback/{}",
        c.base_url,
        callback_hash(c.st, w)
    );
    let resp = HttpResponse::json(200, &json!({"id": id, "isCached": cached, "url": url}));
    let signing = c.st.env(&env_id).map(|e| e.signing_key.clone());
    let Some(secret) = signing else {
        return Ok(resp);
    };
    let mut claims = jwt::public_claims(&env_id, &[format!("write:waitpoints:{id}")], now / 1000);
    claims["exp"] = json!(now / 1000 + 24 * 3600);
    Ok(resp
        .with_header(
            "x-trigger-jwt-claims",
            json!({"sub": env_id, "pub": true}).to_string(),
        )
        .with_header("x-trigger-jwt", jwt::sign(&claims, &secret)))
}

/// `GET /api/v1/waitpoints/tokens` with `filter[status]` (comma list), `filter[idempotencyKey]`,
/// `filter[tags]` (any of), `filter[createdAt][period|from|to]` and cursor pages (default 25).
pub fn list(c: &mut Ctx) -> R {
    let size = page_size(c, 25)?;
    let statuses = match c.q("filter[status]").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => {
            let list = list_param(v);
            let bad: Vec<&String> = list
                .iter()
                .filter(|s| !STATUSES.contains(&s.as_str()))
                .collect();
            if !bad.is_empty() {
                let bad: Vec<&str> = bad.iter().map(|s| s.as_str()).collect();
                return Err(query_error(
                    "filter[status]",
                    &format!("Invalid status values: {}", bad.join(", ")),
                ));
            }
            Some(list)
        }
    };
    let key = c
        .q("filter[idempotencyKey]")
        .filter(|v| !v.is_empty())
        .map(String::from);
    let tags = c
        .q("filter[tags]")
        .filter(|v| !v.is_empty())
        .map(list_param);
    let date = |k: &str| -> Result<Option<i64>, HttpResponse> {
        match c.q(k).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .or_else(|| parse_iso(v))
                .map(Some)
                .ok_or_else(|| query_error(k, "Invalid date")),
        }
    };
    let mut from = c
        .q("filter[createdAt][period]")
        .and_then(parse_duration_ms)
        .map(|d| c.now - d);
    if let Some(f) = date("filter[createdAt][from]")? {
        from = Some(from.map_or(f, |p| p.max(f)));
    }
    let to = date("filter[createdAt][to]")?;
    let env_id = c.env_id();
    let items: Vec<&Waitpoint> =
        c.st.waitpoints
            .list
            .iter()
            .rev()
            .filter(|w| w.env_id == env_id)
            .filter(|w| {
                statuses
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == w.status()))
            })
            .filter(|w| {
                key.as_ref().is_none_or(|k| {
                    w.idempotency_key.as_ref() == Some(k) || w.inactive_key.as_ref() == Some(k)
                })
            })
            .filter(|w| {
                tags.as_ref()
                    .is_none_or(|t| t.iter().any(|t| w.tags.contains(t)))
            })
            .filter(|w| from.is_none_or(|t| w.created_ms >= t))
            .filter(|w| to.is_none_or(|t| w.created_ms <= t))
            .collect();
    let all = &c.st.waitpoints.list;
    let (page, pagination) = cursor_page(
        c,
        &items,
        |w| w.id.as_str(),
        |w| w.seq,
        |cur| all.iter().find(|w| w.id == cur).map(|w| w.seq),
        size,
    )?;
    let data: Vec<Value> = page
        .iter()
        .map(|w| waitpoint_json(c.st, w, c.base_url, false))
        .collect();
    ok(json!({"data": data, "pagination": pagination}))
}

/// `GET /api/v1/waitpoints/tokens/{id}` (secret key only).
pub fn retrieve(c: &mut Ctx) -> R {
    let w =
        c.st.waitpoints
            .get(c.who.env_id(), c.param(0))
            .ok_or_else(|| error(404, "Waitpoint not found"))?;
    ok(waitpoint_json(c.st, w, c.base_url, true))
}

/// `POST /api/v1/waitpoints/tokens/{id}/complete` body `{"data"?: any}` → `{success: true}`.
/// Secret key, or a JWT with `write:waitpoints:<id>`. Completing again is a no-op success.
pub fn complete(c: &mut Ctx) -> R {
    let id = c.param(0).to_string();
    c.require(&[("write", "waitpoints", Some(&id))])?;
    let body = c.body_object_or_empty()?;
    let env_id = c.env_id();
    let w =
        c.st.waitpoints
            .get(&env_id, &id)
            .ok_or_else(|| error(404, "Waitpoint not found"))?;
    if !w.completed {
        let output = stringify_io(body.get("data"));
        let now = c.now;
        c.st.waitpoints.complete(&id, output, now);
    }
    ok(json!({"success": true}))
}

/// `POST /api/v1/waitpoints/tokens/{id}/callback/{hash}` (no auth; the hash authenticates).
/// The whole body is the data (`{}` when it is not JSON). Needs `Content-Length` (411).
pub fn callback(c: &mut Ctx) -> R {
    if c.req.header("content-length").is_none() {
        return Err(error(411, "Content-Length header is required"));
    }
    let id = c.param(0).to_string();
    let w =
        c.st.waitpoints
            .list
            .iter()
            .find(|w| w.id == id)
            .ok_or_else(|| error(404, "Waitpoint not found"))?;
    if callback_hash(c.st, w) != c.param(1) {
        return Err(error(401, "Invalid URL, hash doesn't match"));
    }
    if !w.completed {
        let data: Value = serde_json::from_slice(&c.req.body).unwrap_or_else(|_| json!({}));
        let now = c.now;
        c.st.waitpoints
            .complete(&id, stringify_io(Some(&data)), now);
    }
    ok(json!({"success": true}))
}
