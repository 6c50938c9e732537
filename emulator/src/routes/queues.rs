//! Queues: list, retrieve, pause/resume, concurrency override and reset.
//!
//! A queue exists for every task that has runs (`task/<taskId>`), for every custom queue a
//! trigger named (`options.queue.name`) and for those the test added (`POST /__emulator/queues`).

use serde_json::{json, Map, Value};

use super::query::query_error;
use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::queues::{Queue, ENV_CONCURRENCY_LIMIT};
use crate::route::{ok, Ctx, R};
use crate::util::percent_decode;
use crate::views::queues::queue_json;

/// Queues per page when `perPage` is absent (the server's `QUEUE_LIST_DEFAULT_ITEMS_PER_PAGE`).
const DEFAULT_PER_PAGE: usize = 25;

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

/// `GET /api/v1/queues?page=&perPage=`: offset pages, by name.
pub fn list(c: &mut Ctx) -> R {
    let per_page = positive(c, "perPage")?.unwrap_or(DEFAULT_PER_PAGE).min(100);
    let page = positive(c, "page")?.unwrap_or(1);
    let env_id = c.env_id();
    let mut all: Vec<&Queue> =
        c.st.queues
            .list
            .iter()
            .filter(|q| q.env_id == env_id)
            .collect();
    all.sort_by(|a, b| a.display_name().cmp(b.display_name()).then(a.id.cmp(&b.id)));
    let count = all.len();
    let data: Vec<Value> = all
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|q| queue_json(c.st, q))
        .collect();
    ok(json!({
        "data": data,
        "pagination": {"currentPage": page, "totalPages": count.div_ceil(per_page), "count": count},
    }))
}

/// How the path parameter names the queue: `id` (default), `task` or `custom`.
fn queue_type(v: Option<&Value>, field: &str) -> Result<&'static str, HttpResponse> {
    match v {
        None | Some(Value::Null) => Ok("id"),
        Some(Value::String(s)) if s == "id" => Ok("id"),
        Some(Value::String(s)) if s == "task" => Ok("task"),
        Some(Value::String(s)) if s == "custom" => Ok("custom"),
        Some(other) => Err(error(
            400,
            &format!(
                "Validation error: Invalid enum value. Expected 'task' | 'custom' | 'id', received {other} at \"{field}\""
            ),
        )),
    }
}

/// Finds the queue the path names. The router has percent-decoded the segment once; like the
/// server, `%2F` then becomes `/`, and names (not ids) are decoded once more, because the SDK
/// encodes custom names twice (`team/shared q` arrives as `team%252Fshared%20q`).
/// 404s with `missing`: the server says `queue-not-found` on retrieve and pause, and
/// `Queue not found` on the concurrency routes.
fn find_queue(c: &Ctx, kind: &str, missing: &str) -> Result<String, HttpResponse> {
    let raw = c.param(0).replace("%2F", "/");
    let env_id = c.who.env_id();
    let found = match kind {
        "id" => {
            c.st.queues
                .list
                .iter()
                .find(|q| q.env_id == env_id && q.id == raw)
        }
        _ => {
            let name = percent_decode(&raw, false).replace("%2F", "/");
            let name = if kind == "task" {
                format!("task/{}", name.strip_prefix("task/").unwrap_or(&name))
            } else {
                name
            };
            c.st.queues.by_name(env_id, &name)
        }
    };
    found
        .map(|q| q.id.clone())
        .ok_or_else(|| error(404, missing))
}

fn queue_mut<'a>(c: &'a mut Ctx, id: &str) -> &'a mut Queue {
    c.st.queues
        .list
        .iter_mut()
        .find(|q| q.id == id)
        .expect("queue found above")
}

fn queue_value(c: &Ctx, id: &str) -> Result<Value, HttpResponse> {
    let q =
        c.st.queues
            .list
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| error(404, "Queue not found"))?;
    Ok(queue_json(c.st, q))
}

fn respond(c: &Ctx, id: &str) -> R {
    ok(queue_value(c, id)?)
}

/// The answer of pause, override and reset: as on the server, without a null
/// `concurrencyLimitOverridePercent` (retrieve and list always have it).
fn respond_written(c: &Ctx, id: &str) -> R {
    let mut v = queue_value(c, id)?;
    if let Some(m) = v.as_object_mut() {
        if m.get("concurrencyLimitOverridePercent") == Some(&Value::Null) {
            m.remove("concurrencyLimitOverridePercent");
        }
    }
    ok(v)
}

/// `GET /api/v1/queues/{q}?type=id|task|custom` (JWT with `read:queues` too).
pub fn retrieve(c: &mut Ctx) -> R {
    c.require(&[("read", "queues", None)])?;
    let kind = queue_type(c.q("type").map(|t| json!(t)).as_ref(), "type").map_err(|_| {
        query_error(
            "type",
            "Invalid enum value. Expected 'task' | 'custom' | 'id'",
        )
    })?;
    let id = find_queue(c, kind, "queue-not-found")?;
    respond(c, &id)
}

/// `POST /api/v1/queues/{q}/pause` body `{"type"?, "action": "pause"|"resume"}`.
/// A paused queue keeps its runs QUEUED: `start_run` refuses them until it is resumed.
pub fn pause(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let kind = queue_type(body.get("type"), "type")?;
    let paused =
        match body.get("action").and_then(Value::as_str) {
            Some("pause") => true,
            Some("resume") => false,
            _ => return Err(error(
                400,
                "Validation error: Invalid enum value. Expected 'pause' | 'resume' at \"action\"",
            )),
        };
    let id = find_queue(c, kind, "queue-not-found")?;
    queue_mut(c, &id).paused = paused;
    respond_written(c, &id)
}

fn limit_field(body: &Map<String, Value>) -> Result<(u64, Option<f64>), HttpResponse> {
    let limit = body.get("concurrencyLimit").filter(|v| !v.is_null());
    let percent = body.get("percent").filter(|v| !v.is_null());
    match (limit, percent) {
        (Some(l), None) => {
            let n = l
                .as_u64()
                .filter(|n| *n <= 100_000)
                .ok_or_else(|| {
                    error(
                        400,
                        "Validation error: Expected an integer between 0 and 100000 at \"concurrencyLimit\"",
                    )
                })?;
            if n > ENV_CONCURRENCY_LIMIT {
                return Err(error(
                    400,
                    &format!(
                        "Concurrency limit ({n}) cannot exceed the environment limit ({ENV_CONCURRENCY_LIMIT})"
                    ),
                ));
            }
            Ok((n, None))
        }
        (None, Some(p)) => {
            let p = p
                .as_f64()
                .filter(|p| *p > 0.0 && *p <= 100.0)
                .ok_or_else(|| {
                    error(
                        400,
                        "Validation error: Percent must be greater than 0 and less than or equal to 100 at \"percent\"",
                    )
                })?;
            let n = ((ENV_CONCURRENCY_LIMIT as f64 * p / 100.0).floor() as u64)
                .clamp(1, ENV_CONCURRENCY_LIMIT);
            Ok((n, Some(p)))
        }
        _ => Err(error(
            400,
            "Validation error: Provide exactly one of `concurrencyLimit` or `percent`",
        )),
    }
}

/// `POST /api/v1/queues/{q}/concurrency/override` body `{"type"?, "concurrencyLimit": n}`
/// (the server also takes `{"percent": p}` of the env limit instead).
pub fn override_limit(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let kind = queue_type(body.get("type"), "type")?;
    let (limit, percent) = limit_field(&body)?;
    let id = find_queue(c, kind, "Queue not found")?;
    let now = c.now;
    let q = queue_mut(c, &id);
    if q.overridden_ms.is_none() {
        q.concurrency_base = q.concurrency_limit;
    }
    q.concurrency_limit = Some(limit);
    q.override_percent = percent;
    q.overridden_ms = Some(now);
    respond_written(c, &id)
}

/// `POST /api/v1/queues/{q}/concurrency/reset` body `{"type"?}` (the body may be empty).
pub fn reset_limit(c: &mut Ctx) -> R {
    let body = c.body_object_or_empty()?;
    let kind = queue_type(body.get("type"), "type")?;
    let id = find_queue(c, kind, "Queue not found")?;
    let q = queue_mut(c, &id);
    if q.overridden_ms.is_none() {
        return Err(error(400, "Queue is not overridden"));
    }
    q.concurrency_limit = q.concurrency_base.take();
    q.override_percent = None;
    q.overridden_ms = None;
    respond_written(c, &id)
}
