//! Two-phase v3 batches: create, stream NDJSON items, retrieve.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::tasks::streams_version;
use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::batches::Batch;
use crate::model::run_options::{parse_options, payload_type};
use crate::model::runs::NewRun;
use crate::route::{not_found_retry, ok, Ctx, R};
use crate::util::random_id;
use crate::views::batches::{batch_json, batch_results_json};

/// Largest `runCount` accepted.
pub const MAX_BATCH_ITEMS: u64 = 1000;

/// `POST /api/v3/batches`
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let run_count = body
        .get("runCount")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .ok_or_else(|| error(400, "runCount must be a positive integer"))?;
    if run_count > MAX_BATCH_ITEMS {
        return Err(error(
            400,
            &format!("runCount must be at most {MAX_BATCH_ITEMS}"),
        ));
    }
    let tasks: Vec<String> = match body.get("taskIdentifiers") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| t.as_str().map(String::from))
            .collect::<Option<_>>()
            .ok_or_else(|| error(400, "taskIdentifiers must be strings"))?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(error(400, "taskIdentifiers must be an array")),
    };
    for t in &tasks {
        c.require(&[
            ("batchTrigger", "tasks", Some(t)),
            ("batchTrigger", "batch", None),
        ])?;
    }
    if tasks.is_empty() {
        c.require(&[
            ("batchTrigger", "batch", None),
            ("batchTrigger", "tasks", None),
        ])?;
    }
    if let Some(cached) = c.cached_response() {
        return Ok(cached);
    }
    let env_id = c.env_id();
    let key = body
        .get("idempotencyKey")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(String::from);
    let existing = key.as_ref().and_then(|k| {
        c.st.batches
            .iter()
            .find(|b| b.env_id == env_id && b.idempotency_key.as_deref() == Some(k))
            .map(|b| (b.id.clone(), b.run_count))
    });
    let (id, count, cached) = match existing {
        Some((id, n)) => (id, n, true),
        None => {
            let id = random_id("batch_");
            c.st.batches.push(Batch {
                id: id.clone(),
                env_id: env_id.clone(),
                run_count: run_count as usize,
                task_identifiers: tasks,
                idempotency_key: key.clone(),
                items: BTreeMap::new(),
                errors: Vec::new(),
                created_ms: c.now,
                updated_ms: c.now,
                completed_ms: None,
                realtime_streams_version: streams_version(c.req),
            });
            (id, run_count as usize, false)
        }
    };
    let mut out = json!({"id": id, "runCount": count, "isCached": cached});
    if let Some(k) = key {
        out["idempotencyKey"] = json!(k);
    }
    let resp = HttpResponse::json(202, &out);
    let resp = c.with_jwt(resp, &env_id, &[format!("read:batch:{id}")]);
    c.remember(&resp);
    Ok(resp)
}

struct Item {
    index: usize,
    task: String,
    payload: Option<Value>,
    options: Option<Value>,
}

fn parse_items(body: &[u8], run_count: usize) -> Result<Vec<Item>, HttpResponse> {
    let text =
        std::str::from_utf8(body).map_err(|_| error(400, "Invalid JSON: body is not UTF-8"))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| error(400, &format!("Invalid JSON at line {}: {e}", n + 1)))?;
        let index = v.get("index").and_then(Value::as_u64).ok_or_else(|| {
            error(
                400,
                &format!("Invalid item at line {}: index is required", n + 1),
            )
        })? as usize;
        let task = v
            .get("task")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                error(
                    400,
                    &format!("Invalid item at line {}: task is required", n + 1),
                )
            })?
            .to_string();
        if index >= run_count {
            return Err(error(
                422,
                &format!("Item index {index} is out of range for a batch of {run_count}"),
            ));
        }
        items.push(Item {
            index,
            task,
            payload: v.get("payload").filter(|p| !p.is_null()).cloned(),
            options: v.get("options").cloned(),
        });
    }
    Ok(items)
}

/// `POST /api/v3/batches/{id}/items` with an NDJSON body. Items are deduplicated by index,
/// so resending the whole stream is safe. Every line is validated before any run is created.
pub fn items(c: &mut Ctx) -> R {
    let ctype = c
        .req
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ctype != "application/x-ndjson" && ctype != "application/ndjson" {
        return Err(error(
            415,
            "Unsupported Content-Type: expected application/x-ndjson",
        ));
    }
    let batch_id = c.param(0).to_string();
    let env_id = c.env_id();
    let run_count =
        c.st.batch(&env_id, &batch_id)
            .map(|b| b.run_count)
            .ok_or_else(|| error(404, "Batch not found"))?;
    let items = parse_items(&c.req.body, run_count)?;
    for it in &items {
        c.require(&[
            ("batchTrigger", "tasks", Some(&it.task)),
            ("batchTrigger", "batch", None),
        ])?;
    }
    let (mut accepted, mut deduplicated) = (0, 0);
    for it in items {
        let seen =
            c.st.batch(&env_id, &batch_id)
                .is_some_and(|b| b.items.contains_key(&it.index));
        if seen {
            deduplicated += 1;
            continue;
        }
        accepted += 1;
        let result = if c.options.unknown_tasks.contains(&it.task) {
            Err(("Task not found".to_string(), "TASK_NOT_FOUND"))
        } else {
            match parse_options(it.options.as_ref(), None, None, c.now) {
                Ok(opts) => {
                    let existing = opts.idempotency_key.as_ref().and_then(|k| {
                        c.st.idempotent_run(&env_id, &it.task, k, c.now)
                            .map(|r| r.id.clone())
                    });
                    Ok(existing.unwrap_or_else(|| {
                        let ptype = payload_type(it.options.as_ref());
                        let version =
                            c.st.batch(&env_id, &batch_id)
                                .map(|b| b.realtime_streams_version.clone())
                                .unwrap_or_else(|| "v1".into());
                        let id = c.st.create_run(NewRun {
                            env_id: &env_id,
                            task: &it.task,
                            payload: it.payload.clone(),
                            payload_type: ptype,
                            opts,
                            trigger_function: "batchTrigger",
                            batch_id: Some(batch_id.clone()),
                        });
                        if let Some(r) = c.st.run_mut(&id) {
                            r.realtime_streams_version = version;
                        }
                        id
                    }))
                }
                Err(msg) => Err((msg, "VALIDATION_ERROR")),
            }
        };
        let now = c.now;
        let Some(b) = c.st.batches.iter_mut().find(|b| b.id == batch_id) else {
            break;
        };
        match result {
            Ok(run_id) => {
                b.items.insert(it.index, Some(run_id));
            }
            Err((msg, code)) => {
                b.items.insert(it.index, None);
                b.errors.push(json!({
                    "index": it.index,
                    "taskIdentifier": it.task,
                    "error": msg,
                    "errorCode": code,
                }));
            }
        }
        b.updated_ms = now;
    }
    let now = c.now;
    let b =
        c.st.batches
            .iter_mut()
            .find(|b| b.id == batch_id)
            .ok_or_else(|| error(404, "Batch not found"))?;
    if b.sealed() && b.completed_ms.is_none() {
        b.completed_ms = Some(now);
    }
    // Sealed: `runCount`, as the server answers; not sealed: how far it got.
    if b.sealed() {
        return ok(json!({
            "id": b.id,
            "itemsAccepted": accepted,
            "itemsDeduplicated": deduplicated,
            "sealed": true,
            "runCount": b.run_count,
        }));
    }
    ok(json!({
        "id": b.id,
        "itemsAccepted": accepted,
        "itemsDeduplicated": deduplicated,
        "sealed": false,
        "enqueuedCount": b.items.len(),
        "expectedCount": b.run_count,
    }))
}

fn find_for_read<'a>(c: &'a Ctx) -> Result<&'a Batch, HttpResponse> {
    let id = c.param(0);
    let b =
        c.st.batch(c.who.env_id(), id)
            .ok_or_else(|| not_found_retry("Not found"))?;
    c.require(&[("read", "batch", Some(id)), ("read", "runs", None)])?;
    Ok(b)
}

/// `GET /api/v2/batches/{id}`
pub fn retrieve(c: &mut Ctx) -> R {
    let b = find_for_read(c)?;
    ok(batch_json(c.st, b))
}

/// `GET /api/v1/batches/{id}`: the documented shape, without `processing`.
pub fn retrieve_v1(c: &mut Ctx) -> R {
    let b = find_for_read(c)?;
    let mut v = batch_json(c.st, b);
    if let Some(m) = v.as_object_mut() {
        m.remove("processing");
        m.remove("processingCompletedAt");
    }
    ok(v)
}

/// `GET /api/v1/batches/{id}/results`: one execution result per finished run.
pub fn results(c: &mut Ctx) -> R {
    let b = find_for_read(c)?;
    ok(batch_results_json(c.st, b))
}
