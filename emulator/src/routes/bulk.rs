//! Bulk actions: cancel or replay the env's runs selected by ids or by run-list filters.
//!
//! The action is applied when it is created (status COMPLETED at once), unless the test asked
//! for deferred bulk actions (`POST /__emulator/bulk-actions/defer`); then it stays PENDING until
//! `POST /__emulator/bulk-actions/{id}/process` or an abort.

use serde_json::{json, Map, Value};

use super::query::{page_size, query_error};
use super::runs::Filters;
use crate::auth::error;
use crate::http::HttpResponse;
use crate::jwt::{b64url_decode, b64url_encode};
use crate::model::bulk::{BulkAction, BulkKind};
use crate::route::{control_error, ok, Ctx, R};
use crate::util::random_id;
use crate::views::bulk::bulk_action_json;

/// The server's `BULK_ACTION_MAX_RUN_IDS`.
const MAX_RUN_IDS: usize = 500;

fn invalid(msg: &str) -> HttpResponse {
    error(400, &format!("Validation error: {msg}"))
}

/// A JSON string or list of strings as one comma-joined query value.
fn joined(v: &Value, field: &str) -> Result<Option<String>, HttpResponse> {
    let list: Vec<String> = match v {
        Value::Null => return Ok(None),
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(String::from))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid(&format!("Expected string at \"filter.{field}\"")))?,
        _ => {
            return Err(invalid(&format!(
                "Expected string or array at \"filter.{field}\""
            )))
        }
    };
    let list: Vec<String> = list.into_iter().filter(|s| !s.trim().is_empty()).collect();
    Ok((!list.is_empty()).then(|| list.join(",")))
}

/// A time as ms or an ISO date, as query text.
fn time(v: &Value, field: &str) -> Result<Option<String>, HttpResponse> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_i64().map(|n| n.to_string())),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(invalid(&format!("Expected a date at \"filter.{field}\""))),
    }
}

/// The bulk `filter` object as the run list's query parameters (so both select alike).
fn filter_query(f: &Map<String, Value>) -> Result<Vec<(String, String)>, HttpResponse> {
    let mut q = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            q.push((k.to_string(), v));
        }
    };
    for (k, v) in f {
        match k.as_str() {
            "status" => push("filter[status]", joined(v, k)?),
            "taskIdentifier" => push("filter[taskIdentifier]", joined(v, k)?),
            "version" => push("filter[version]", joined(v, k)?),
            "tag" => push("filter[tag]", joined(v, k)?),
            "machine" => push("filter[machine]", joined(v, k)?),
            "region" => push("filter[region]", joined(v, k)?),
            "bulkAction" => push("filter[bulkAction]", joined(v, k)?),
            "schedule" => push("filter[schedule]", joined(v, k)?),
            "batch" => push("filter[batch]", joined(v, k)?),
            "period" => push("filter[createdAt][period]", joined(v, k)?),
            "from" => push("filter[createdAt][from]", time(v, k)?),
            "to" => push("filter[createdAt][to]", time(v, k)?),
            "isTest" => match v {
                Value::Bool(b) => push("filter[isTest]", Some(b.to_string())),
                Value::Null => {}
                _ => return Err(invalid("Expected boolean at \"filter.isTest\"")),
            },
            "queue" => {
                let list = match v {
                    Value::Array(a) => a.clone(),
                    Value::Null => Vec::new(),
                    other => vec![other.clone()],
                };
                let names = list
                    .iter()
                    .map(|x| match (x["type"].as_str(), x["name"].as_str()) {
                        (Some("task"), Some(n)) => Some(format!("task/{n}")),
                        (Some("custom"), Some(n)) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        invalid("Expected {type: \"task\"|\"custom\", name} at \"filter.queue\"")
                    })?;
                push(
                    "filter[queue]",
                    (!names.is_empty()).then(|| names.join(",")),
                );
            }
            _ => {}
        }
    }
    if q.is_empty() {
        return Err(invalid(
            "At least one filter must be provided at \"filter\"",
        ));
    }
    Ok(q)
}

/// `POST /api/v1/bulk-actions` body `{"action": "cancel"|"replay", "filter": {…}}` or
/// `{"action", "runIds": [...]}`, plus `"name"?` and (replay) `"targetRegion"?` → 202 `{id}`.
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let kind = match body.get("action").and_then(Value::as_str) {
        Some("cancel") => BulkKind::Cancel,
        Some("replay") => BulkKind::Replay,
        _ => {
            return Err(invalid(
                "Invalid discriminator value. Expected 'cancel' | 'replay' at \"action\"",
            ))
        }
    };
    let name = match body.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) if n.chars().count() > 255 => {
            return Err(invalid("Name must be less than 255 characters at \"name\""))
        }
        Some(Value::String(n)) => Some(n.clone()),
        Some(_) => return Err(invalid("Expected string at \"name\"")),
    };
    let target_region = match (kind, body.get("targetRegion")) {
        (_, None | Some(Value::Null)) => None,
        (BulkKind::Replay, Some(Value::String(r))) => Some(r.clone()),
        (BulkKind::Cancel, Some(_)) => {
            return Err(invalid("Expected never at \"targetRegion\""));
        }
        (_, Some(_)) => return Err(invalid("Expected string at \"targetRegion\"")),
    };
    let filter = body.get("filter").filter(|f| !f.is_null());
    let run_ids = body.get("runIds").filter(|f| !f.is_null());
    let env_id = c.env_id();
    let selected: Vec<String> = match (filter, run_ids) {
        (Some(Value::Object(f)), None) => {
            let q = filter_query(f)?;
            let filters = Filters::parse(&q, c.now)?;
            c.st.runs
                .iter()
                .rev()
                .filter(|r| r.env_id == env_id && filters.matches(r))
                .map(|r| r.id.clone())
                .collect()
        }
        (Some(_), None) => return Err(invalid("Expected object at \"filter\"")),
        (None, Some(Value::Array(ids))) => {
            if ids.is_empty() {
                return Err(invalid(
                    "Array must contain at least 1 element(s) at \"runIds\"",
                ));
            }
            if ids.len() > MAX_RUN_IDS {
                return Err(error(
                    400,
                    &format!(
                        "Too many runIds ({}). Maximum is {MAX_RUN_IDS}. Use a filter to select more runs.",
                        ids.len()
                    ),
                ));
            }
            let ids: Vec<&str> = ids
                .iter()
                .map(Value::as_str)
                .collect::<Option<_>>()
                .ok_or_else(|| invalid("Expected string at \"runIds\""))?;
            let mut out: Vec<String> = Vec::new();
            for id in ids {
                if c.st.env_run(&env_id, id).is_some() && !out.iter().any(|x| x == id) {
                    out.push(id.to_string());
                }
            }
            out
        }
        (None, Some(_)) => return Err(invalid("Expected array at \"runIds\"")),
        _ => return Err(invalid("Exactly one of filter or runIds must be provided")),
    };
    let id = random_id("bulk_");
    let seq = c.st.bulk_actions.next_seq();
    c.st.bulk_actions.list.push(BulkAction {
        id: id.clone(),
        env_id,
        seq,
        kind,
        name,
        status: "PENDING",
        run_ids: selected,
        new_run_ids: Vec::new(),
        target_region,
        success: 0,
        failure: 0,
        created_ms: c.now,
        completed_ms: None,
    });
    if !c.st.bulk_actions.defer {
        c.st.process_bulk_action(&id).map_err(control_error)?;
    }
    Ok(HttpResponse::json(202, &json!({ "id": id })))
}

fn encode_cursor(b: &BulkAction) -> String {
    b64url_encode(
        json!({"createdAt": b.created_ms, "id": b.id})
            .to_string()
            .as_bytes(),
    )
}

/// `GET /api/v1/bulk-actions?page[size]=&page[after]=|page[before]=`: newest first, opaque
/// cursors (base64url JSON of `{createdAt, id}` like the server's).
pub fn list(c: &mut Ctx) -> R {
    let size = page_size(c, 25)?;
    let after = c.q("page[after]").filter(|v| !v.is_empty());
    let before = c.q("page[before]").filter(|v| !v.is_empty());
    if after.is_some() && before.is_some() {
        return Err(error(
            400,
            "Only one of page[after] or page[before] can be provided",
        ));
    }
    let env_id = c.env_id();
    let mut all: Vec<&BulkAction> =
        c.st.bulk_actions
            .list
            .iter()
            .filter(|b| b.env_id == env_id)
            .collect();
    all.sort_by_key(|b| std::cmp::Reverse((b.created_ms, b.seq)));
    // The cursor's sort key; an id we do not know sorts after every action of its time.
    let key_of = |cursor: &str, key: &str| -> Result<(i64, u64), HttpResponse> {
        let v: Value = b64url_decode(cursor)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| query_error(key, "Invalid cursor"))?;
        let (Some(t), Some(id)) = (v["createdAt"].as_i64(), v["id"].as_str()) else {
            return Err(query_error(key, "Invalid cursor"));
        };
        let seq =
            c.st.bulk_actions
                .list
                .iter()
                .find(|b| b.id == id)
                .map(|b| b.seq);
        Ok((t, seq.unwrap_or(u64::MAX)))
    };
    let pos = |k: (i64, u64), inclusive: bool| {
        all.iter()
            .position(|b| {
                let bk = (b.created_ms, b.seq);
                if inclusive {
                    bk <= k
                } else {
                    bk < k
                }
            })
            .unwrap_or(all.len())
    };
    let (start, end) = if let Some(cur) = before {
        let end = pos(key_of(cur, "page[before]")?, true);
        (end.saturating_sub(size), end)
    } else if let Some(cur) = after {
        let start = pos(key_of(cur, "page[after]")?, false);
        (start, (start + size).min(all.len()))
    } else {
        (0, size.min(all.len()))
    };
    let page = &all[start..end];
    let mut pagination = Map::new();
    if let (Some(last), true) = (page.last(), end < all.len()) {
        pagination.insert("next".into(), json!(encode_cursor(last)));
    }
    if let (Some(first), true) = (page.first(), start > 0) {
        pagination.insert("previous".into(), json!(encode_cursor(first)));
    }
    let data: Vec<Value> = page.iter().map(|b| bulk_action_json(b)).collect();
    ok(json!({"data": data, "pagination": pagination}))
}

fn find<'a>(c: &'a Ctx) -> Result<&'a BulkAction, HttpResponse> {
    c.st.bulk_actions
        .list
        .iter()
        .find(|b| b.env_id == c.who.env_id() && b.id == c.param(0))
        .ok_or_else(|| error(404, "Not found"))
}

/// `GET /api/v1/bulk-actions/{id}`
pub fn retrieve(c: &mut Ctx) -> R {
    ok(bulk_action_json(find(c)?))
}

/// `POST /api/v1/bulk-actions/{id}/abort` (no body): a PENDING action becomes ABORTED; 409 when
/// it already completed or was aborted (the SDK retries 409s).
pub fn abort(c: &mut Ctx) -> R {
    let b = find(c)?;
    let id = b.id.clone();
    match b.status {
        "COMPLETED" => Err(error(
            409,
            &format!("Bulk action group already completed: {id}"),
        )),
        "ABORTED" => Err(error(
            409,
            &format!("Bulk action group already aborted: {id}"),
        )),
        _ => {
            if let Some(b) = c.st.bulk_actions.list.iter_mut().find(|b| b.id == id) {
                b.status = "ABORTED";
            }
            ok(json!({ "id": id }))
        }
    }
}
