//! Runs: list (env and project), retrieve, cancel, replay, reschedule, tags, metadata, result.

use serde_json::{json, Map, Value};

use super::query::{list_param, query_error};
use crate::auth::{error, pat_reaches, Principal};
use crate::http::HttpResponse;
use crate::model::run_options::{parse_delay, parse_tags};
use crate::model::runs::{Run, KNOWN_STATUSES};
use crate::route::{bad_request, not_found_retry, ok, Ctx, R};
use crate::util::{parse_duration_ms, parse_iso};
use crate::views::runs::{run_list_item, run_retrieve};

/// Old (pre-2025-07-16) status names, mapped to the current ones for filtering.
fn canonical_status(s: &str) -> &str {
    match s {
        "WAITING_FOR_DEPLOY" => "PENDING_VERSION",
        "REATTEMPTING" => "EXECUTING",
        "FROZEN" => "WAITING",
        "INTERRUPTED" => "CRASHED",
        other => other,
    }
}

/// The run-list filters (also used by bulk actions, which send them as JSON).
#[derive(Default)]
pub(crate) struct Filters {
    status: Option<Vec<String>>,
    task: Option<Vec<String>>,
    version: Option<Vec<String>>,
    tag: Option<Vec<String>>,
    is_test: Option<bool>,
    from: Option<i64>,
    to: Option<i64>,
    batch: Option<String>,
    schedule: Option<String>,
    queue: Option<Vec<String>>,
    machine: Option<Vec<String>>,
    region: Option<Vec<String>>,
    bulk_action: Option<String>,
}

fn time_param(key: &str, v: &str) -> Result<i64, HttpResponse> {
    v.parse::<i64>()
        .ok()
        .or_else(|| parse_iso(v))
        .ok_or_else(|| query_error(key, "Expected a timestamp in ms or an ISO date"))
}

impl Filters {
    pub(crate) fn parse(query: &[(String, String)], now: i64) -> Result<Filters, HttpResponse> {
        let mut f = Filters::default();
        for (k, v) in query {
            match k.as_str() {
                "filter[status]" => {
                    let list = list_param(v);
                    if let Some(bad) = list.iter().find(|s| !KNOWN_STATUSES.contains(&s.as_str())) {
                        return Err(query_error(k, &format!("Invalid status '{bad}'")));
                    }
                    f.status = Some(list);
                }
                "filter[taskIdentifier]" => f.task = Some(list_param(v)),
                "filter[version]" => f.version = Some(list_param(v)),
                "filter[tag]" => f.tag = Some(list_param(v)),
                "filter[isTest]" => {
                    f.is_test = Some(match v.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(query_error(k, "Expected true or false")),
                    })
                }
                "filter[createdAt][from]" => f.from = Some(time_param(k, v)?),
                "filter[createdAt][to]" => f.to = Some(time_param(k, v)?),
                "filter[createdAt][period]" => {
                    let d = parse_duration_ms(v).ok_or_else(|| query_error(k, "Invalid period"))?;
                    f.from = Some(now - d);
                }
                "filter[batch]" => f.batch = Some(v.clone()),
                "filter[schedule]" => f.schedule = Some(v.clone()),
                "filter[queue]" => f.queue = Some(list_param(v)),
                "filter[machine]" => f.machine = Some(list_param(v)),
                "filter[region]" => f.region = Some(list_param(v)),
                "filter[bulkAction]" => f.bulk_action = Some(v.clone()),
                _ => {}
            }
        }
        Ok(f)
    }

    pub(crate) fn matches(&self, r: &Run) -> bool {
        fn any(list: &Option<Vec<String>>, f: impl Fn(&str) -> bool) -> bool {
            list.as_ref()
                .is_none_or(|l| l.is_empty() || l.iter().any(|x| f(x)))
        }
        any(&self.status, |s| canonical_status(s) == r.status)
            && any(&self.task, |t| t == r.task)
            && any(&self.version, |v| r.opts.version.as_deref() == Some(v))
            && any(&self.tag, |t| r.tags.iter().any(|x| x == t))
            && self.is_test.is_none_or(|t| t == r.opts.is_test)
            && self.from.is_none_or(|t| r.created_ms >= t)
            && self.to.is_none_or(|t| r.created_ms <= t)
            && self
                .batch
                .as_ref()
                .is_none_or(|b| r.batch_id.as_ref() == Some(b))
            && self
                .schedule
                .as_ref()
                .is_none_or(|s| r.schedule_id.as_ref() == Some(s))
            && any(&self.queue, |q| r.queue_name() == q)
            && any(&self.machine, |m| {
                r.opts.machine.as_deref().unwrap_or("small-1x") == m
            })
            && any(&self.region, |g| r.region() == g)
            && self
                .bulk_action
                .as_ref()
                .is_none_or(|b| r.bulk_action_ids.contains(b))
    }
}

/// Newest-first cursor page over the env's runs that pass the filters.
fn page_of_runs(c: &Ctx, env_id: &str) -> R {
    let filters = Filters::parse(&c.query, c.now)?;
    let size = match c.q("page[size]") {
        None | Some("") => 25,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| query_error("page[size]", "Must be an integer between 1 and 100"))?,
    };
    // Emulator extension: `filter[session]=<session_… or externalId>` keeps that session's runs.
    let session_runs: Option<Vec<&str>> = c.q("filter[session]").map(|k| {
        c.st.sessions
            .find(env_id, k)
            .map(|i| {
                c.st.sessions.list[i]
                    .run_ids
                    .iter()
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default()
    });
    let list: Vec<&Run> =
        c.st.runs
            .iter()
            .rev()
            .filter(|r| r.env_id == env_id && filters.matches(r))
            .filter(|r| {
                session_runs
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&r.id.as_str()))
            })
            .collect();
    // A cursor is a run id; the position is found by creation order, so it works
    // even when the cursor run no longer passes the filters.
    let cursor_seq = |key: &str| -> Result<Option<u64>, HttpResponse> {
        match c.q(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(id) => {
                c.st.run(id)
                    .map(|r| Some(r.seq))
                    .ok_or_else(|| query_error(key, "Invalid cursor"))
            }
        }
    };
    let (start, end) = if let Some(seq) = cursor_seq("page[before]")? {
        let end = list.iter().position(|r| r.seq <= seq).unwrap_or(list.len());
        (end.saturating_sub(size), end)
    } else if let Some(seq) = cursor_seq("page[after]")? {
        let start = list.iter().position(|r| r.seq < seq).unwrap_or(list.len());
        (start, (start + size).min(list.len()))
    } else {
        (0, size.min(list.len()))
    };
    let page = &list[start..end];
    let mut pagination = Map::new();
    if let (Some(last), true) = (page.last(), end < list.len()) {
        pagination.insert("next".into(), json!(last.id));
    }
    if let (Some(first), true) = (page.first(), start > 0) {
        pagination.insert("previous".into(), json!(first.id));
    }
    let data: Vec<Value> = page.iter().map(|r| run_list_item(c.st, r, c.now)).collect();
    ok(json!({"data": data, "pagination": pagination}))
}

/// `GET /api/v1/runs`
pub fn list(c: &mut Ctx) -> R {
    if c.who.scopes().is_some() {
        // `read:sessions:<id>` lists that session's runs (either id form), via `filter[session]`.
        if let Some(key) = c.q("filter[session]").map(String::from) {
            let s =
                c.st.sessions
                    .find(c.who.env_id(), &key)
                    .map(|i| &c.st.sessions.list[i]);
            let ids = super::sessions::session_ids(&key, s);
            if super::sessions::require_session(c, "read", &ids).is_ok() {
                let env_id = c.env_id();
                return page_of_runs(c, &env_id);
            }
        }
        let tasks = c
            .q("filter[taskIdentifier]")
            .map(list_param)
            .unwrap_or_default();
        let by_tasks = !tasks.is_empty()
            && tasks
                .iter()
                .all(|t| c.who.allows(&[("read", "tasks", Some(t))]));
        if !by_tasks {
            c.require(&[("read", "runs", None)])?;
        }
    }
    let env_id = c.env_id();
    page_of_runs(c, &env_id)
}

/// `GET /api/v1/projects/{projectRef}/runs` (PAT only). Like the real server it uses only the
/// first root env whose slug is literally in `filter[env]` (so `staging` matches nothing; the
/// slug is `stg`), and answers 500 when `filter[env]` is missing or matches nothing.
pub fn list_project(c: &mut Ctx) -> R {
    let project_ref = c.param(0).to_string();
    let Principal::Pat { token } = &c.who else {
        return Err(error(401, "Invalid or Missing PAT"));
    };
    if !pat_reaches(c.st, token, &project_ref) {
        return Err(error(404, "Project not found"));
    }
    let slugs = c.q("filter[env]").map(list_param).unwrap_or_default();
    if slugs.is_empty() {
        return Err(error(500, "Something went wrong: filter[env] is required"));
    }
    let env_id =
        c.st.envs
            .iter()
            .find(|e| e.project_ref == project_ref && e.parent.is_none() && slugs.contains(&e.slug))
            .map(|e| e.id.clone())
            .ok_or_else(|| {
                error(
                    500,
                    "Something went wrong: no environment matches filter[env]",
                )
            })?;
    page_of_runs(c, &env_id)
}

fn find_run<'a>(c: &'a Ctx, msg: &str) -> Result<&'a Run, HttpResponse> {
    c.st.env_run(c.who.env_id(), c.param(0))
        .ok_or_else(|| error(404, msg))
}

/// `GET /api/v3/runs/{id}`
pub fn retrieve(c: &mut Ctx) -> R {
    let r =
        c.st.env_run(c.who.env_id(), c.param(0))
            .ok_or_else(|| not_found_retry("Not found"))?;
    let mut needs: Vec<(&str, &str, Option<&str>)> = vec![
        ("read", "runs", Some(r.id.as_str())),
        ("read", "tasks", Some(r.task.as_str())),
    ];
    if let Some(b) = &r.batch_id {
        needs.push(("read", "batch", Some(b.as_str())));
    }
    for t in &r.tags {
        needs.push(("read", "tags", Some(t.as_str())));
    }
    c.require(&needs)?;
    ok(run_retrieve(c.st, r, c.now, c.base_url))
}

/// `POST /api/v2/runs/{id}/cancel`: finished runs are left alone.
pub fn cancel(c: &mut Ctx) -> R {
    let r = find_run(c, "Resource not found")?;
    c.require(&[
        ("write", "runs", Some(r.id.as_str())),
        ("write", "tasks", Some(r.task.as_str())),
    ])?;
    let id = r.id.clone();
    let now = c.now;
    if let Some(r) = c.st.run_mut(&id).filter(|r| !r.is_final()) {
        r.cancel(now);
    }
    ok(json!({ "id": id }))
}

/// `POST /api/v1/runs/{id}/replay`: a new run with the same task, payload and options.
pub fn replay(c: &mut Ctx) -> R {
    let src = find_run(c, "Run not found")?.clone();
    let id = c.st.replay_run(&src, None);
    ok(json!({ "id": id }))
}

/// `POST /api/v1/runs/{id}/reschedule` body `{"delay": "1h" | ISO date}`.
pub fn reschedule(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let delay = body.get("delay").cloned().unwrap_or(Value::Null);
    let r = find_run(c, "Run not found")?;
    if r.status != "DELAYED" {
        return Err(error(400, "Cannot reschedule a run that is not delayed"));
    }
    let until =
        parse_delay(&delay, c.now).ok_or_else(|| error(400, &format!("Invalid delay: {delay}")))?;
    let id = r.id.clone();
    let now = c.now;
    if let Some(r) = c.st.run_mut(&id) {
        r.delayed_until_ms = Some(until);
        r.updated_ms = now;
    }
    c.st.tick();
    let r = c.st.run(&id).ok_or_else(|| error(404, "Run not found"))?;
    ok(run_retrieve(c.st, r, c.now, c.base_url))
}

/// `POST /api/v1/runs/{id}/tags` body `{"tags": "t" | ["t", ...]}`.
pub fn add_tags(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let tags = parse_tags(body.get("tags")).map_err(bad_request)?;
    let r = find_run(c, "Run not found")?;
    let new: Vec<String> = tags.into_iter().filter(|t| !r.tags.contains(t)).collect();
    if r.tags.len() + new.len() > 10 {
        return Err(error(
            422,
            &format!(
                "Runs can only have 10 tags, you're trying to set {}. These tags are already set: {}.",
                r.tags.len() + new.len(),
                r.tags.join(", ")
            ),
        ));
    }
    if new.is_empty() {
        return ok(json!({"message": "No new tags to add"}));
    }
    let (id, n, now) = (r.id.clone(), new.len(), c.now);
    if let Some(r) = c.st.run_mut(&id) {
        r.tags.extend(new);
        r.updated_ms = now;
    }
    ok(json!({"message": format!("Successfully set {n} new tags.")}))
}

/// Splits `$.a.b` / `a.b` into object keys.
fn key_path(key: &str) -> Vec<String> {
    let k = key.strip_prefix("$.").unwrap_or(key);
    if key.starts_with("$.") {
        k.split('.').map(String::from).collect()
    } else {
        vec![k.to_string()]
    }
}

/// The slot at `path`, creating intermediate objects.
fn slot<'a>(root: &'a mut Map<String, Value>, path: &[String]) -> Option<&'a mut Value> {
    let (last, parents) = path.split_last()?;
    let mut cur = root;
    for p in parents {
        let next = cur.entry(p.clone()).or_insert_with(|| json!({}));
        if !next.is_object() {
            *next = json!({});
        }
        cur = next.as_object_mut()?;
    }
    Some(cur.entry(last.clone()).or_insert(Value::Null))
}

/// Applies one metadata operation (set/delete/append/remove/increment/update).
fn apply_op(meta: &mut Map<String, Value>, op: &Value) -> Result<(), String> {
    let kind = op
        .get("type")
        .and_then(Value::as_str)
        .ok_or("operation type is required")?;
    let key = op.get("key").and_then(Value::as_str);
    let value = op.get("value").cloned().unwrap_or(Value::Null);
    let need_key = || {
        key.map(key_path)
            .ok_or_else(|| format!("{kind} needs a key"))
    };
    match kind {
        "update" => {
            let obj = value.as_object().ok_or("update needs an object value")?;
            for (k, v) in obj {
                meta.insert(k.clone(), v.clone());
            }
        }
        "set" => {
            let path = need_key()?;
            if let Some(s) = slot(meta, &path) {
                *s = value;
            }
        }
        "delete" => {
            let path = need_key()?;
            let (last, parents) = path.split_last().ok_or("empty key")?;
            let mut cur = &mut *meta;
            for p in parents {
                match cur.get_mut(p).and_then(Value::as_object_mut) {
                    Some(next) => cur = next,
                    None => return Ok(()),
                }
            }
            cur.remove(last);
        }
        "append" => {
            let path = need_key()?;
            if let Some(s) = slot(meta, &path) {
                match s {
                    Value::Array(a) => a.push(value),
                    Value::Null => *s = json!([value]),
                    other => *other = json!([other.clone(), value]),
                }
            }
        }
        "remove" => {
            let path = need_key()?;
            if let Some(Value::Array(a)) = slot(meta, &path) {
                a.retain(|x| *x != value);
            }
        }
        "increment" => {
            let path = need_key()?;
            let by = value.as_f64().ok_or("increment needs a number value")?;
            if let Some(s) = slot(meta, &path) {
                let cur = s.as_f64().unwrap_or(0.0);
                let sum = cur + by;
                *s = if sum.fract() == 0.0 && sum.abs() < 9e15 {
                    json!(sum as i64)
                } else {
                    json!(sum)
                };
            }
        }
        other => return Err(format!("Unknown metadata operation '{other}'")),
    }
    Ok(())
}

/// `PUT /api/v1/runs/{id}/metadata` body `{metadata?, operations?}`.
pub fn update_metadata(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let id = find_run(c, "Run not found")?.id.clone();
    let current = c.st.run(&id).and_then(|r| r.metadata.clone());
    let mut meta = match (body.get("metadata"), current) {
        (Some(Value::Object(m)), _) => m.clone(),
        (Some(Value::Null) | None, Some(Value::Object(m))) => m,
        (Some(Value::Null) | None, _) => Map::new(),
        (Some(_), _) => return Err(error(400, "metadata must be an object")),
    };
    match body.get("operations") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ops)) => {
            for op in ops {
                apply_op(&mut meta, op).map_err(|e| error(400, &e))?;
            }
        }
        Some(_) => return Err(error(400, "operations must be an array")),
    }
    let now = c.now;
    if let Some(r) = c.st.run_mut(&id) {
        r.metadata = Some(Value::Object(meta.clone()));
        r.updated_ms = now;
    }
    ok(json!({ "metadata": meta }))
}

/// `GET /api/v1/runs/{id}/metadata`: like the real server, the stored JSON text, not an object.
pub fn get_metadata(c: &mut Ctx) -> R {
    let r = find_run(c, "Run not found")?;
    ok(json!({
        "metadata": r.metadata.as_ref().map(|m| m.to_string()),
        "metadataType": "application/json",
    }))
}

/// `GET /api/v1/runs/{id}/result`, as the server answers it for runs of the current engine:
/// it reads the result from attempt rows that engine never writes, so a canceled run gets the
/// `TASK_RUN_CANCELLED` error and every other run 404 (finished or not). The output and error
/// of a finished run are in `GET /api/v3/runs/{id}`.
pub fn result(c: &mut Ctx) -> R {
    let missing = "Run either doesn't exist or is not finished";
    let r = find_run(c, missing)?;
    if r.status != "CANCELED" {
        return Err(error(404, missing));
    }
    ok(json!({
        "ok": false,
        "id": r.id,
        "taskIdentifier": r.task,
        "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
    }))
}
