//! Imperative schedules (scoped to the key's env) and the timezone list.

use serde_json::{json, Map, Value};

use crate::auth::error;
use crate::cron::{zone, Cron};
use crate::http::HttpResponse;
use crate::model::schedules::Schedule;
use crate::route::{ok, Ctx, R};
use crate::util::random_id;
use crate::views::schedules::{schedule_json, ScheduleEnvs};

/// The IANA zone names `GET /api/v1/timezones` lists (the list the official spec shows). Every one
/// is known to chrono-tz (a test checks), and `timezone` accepts any zone chrono-tz knows.
pub fn timezone_list() -> impl Iterator<Item = &'static str> {
    include_str!("../timezones.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

fn body_error(field: &str, message: &str) -> HttpResponse {
    HttpResponse::json(
        400,
        &json!({"error": "Invalid request body", "issues": [{"path": [field], "message": message}]}),
    )
}

fn req_str(body: &Map<String, Value>, field: &str) -> Result<String, HttpResponse> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(String::from)
        .ok_or_else(|| body_error(field, "Required"))
}

fn opt_str(body: &Map<String, Value>, field: &str) -> Result<Option<String>, HttpResponse> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(body_error(field, "Expected string")),
    }
}

/// Checks the task, cron expression and timezone as the server does (422 for each); returns
/// the timezone to store. A task declared with a kind other than `SCHEDULED` is refused;
/// undeclared tasks are accepted.
fn validate(c: &Ctx, task: &str, cron: &str, tz: Option<&str>) -> Result<String, HttpResponse> {
    if !matches!(
        c.st.task_kinds.get(task).map(String::as_str),
        None | Some("SCHEDULED")
    ) {
        return Err(error(
            422,
            &format!("Task with identifier {task} is not a scheduled task."),
        ));
    }
    Cron::parse(cron).map_err(|e| error(422, &e))?;
    let tz = tz.unwrap_or("UTC");
    if zone(tz).is_none() {
        return Err(error(
            422,
            &format!(
                "Invalid IANA timezone: '{tz}'. View the list of valid timezones at {}/timezones",
                c.base_url
            ),
        ));
    }
    Ok(tz.to_string())
}

fn respond(c: &Ctx, id: &str, envs: ScheduleEnvs) -> R {
    let s =
        c.st.schedules
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| error(404, "Schedule not found"))?;
    ok(schedule_json(c.st, s, c.now, envs))
}

/// `POST /api/v1/schedules`: upserts by `deduplicationKey`.
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let task = req_str(&body, "task")?;
    let cron = req_str(&body, "cron")?;
    let dedup = req_str(&body, "deduplicationKey")?;
    let external_id = opt_str(&body, "externalId")?;
    let tz = validate(c, &task, &cron, opt_str(&body, "timezone")?.as_deref())?;
    let env_id = c.env_id();
    let existing =
        c.st.schedules
            .iter_mut()
            .find(|s| s.env_id == env_id && s.deduplication_key.as_deref() == Some(&dedup));
    let id = match existing {
        Some(s) => {
            s.task = task;
            s.cron = cron.trim().to_string();
            s.external_id = external_id;
            s.timezone = tz;
            s.id.clone()
        }
        None => {
            let id = random_id("sched_");
            c.st.schedules.push(Schedule {
                id: id.clone(),
                env_id,
                task,
                cron: cron.trim().to_string(),
                deduplication_key: Some(dedup),
                external_id,
                timezone: tz,
                active: true,
            });
            id
        }
    };
    respond(c, &id, ScheduleEnvs::Written)
}

/// `GET /api/v1/schedules?perPage=&page=` (offset pages, newest first).
pub fn list(c: &mut Ctx) -> R {
    let num = |key: &str, default: usize| -> Result<usize, HttpResponse> {
        match c.q(key) {
            None | Some("") => Ok(default),
            Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                HttpResponse::json(
                    400,
                    &json!({"error": "Query Error", "details": [{"path": [key], "message": "Expected a positive integer"}]}),
                )
            }),
        }
    };
    let per_page = num("perPage", 20)?.min(100);
    let page = num("page", 1)?;
    let env_id = c.env_id();
    let all: Vec<&Schedule> =
        c.st.schedules
            .iter()
            .rev()
            .filter(|s| s.env_id == env_id)
            .collect();
    let count = all.len();
    let data: Vec<Value> = all
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|s| schedule_json(c.st, s, c.now, ScheduleEnvs::Listed))
        .collect();
    ok(json!({
        "data": data,
        "pagination": {"currentPage": page, "totalPages": count.div_ceil(per_page), "count": count},
    }))
}

fn find_id(c: &Ctx) -> Result<String, HttpResponse> {
    let env_id = c.who.env_id();
    c.st.schedules
        .iter()
        .find(|s| s.id == c.param(0) && s.env_id == env_id)
        .map(|s| s.id.clone())
        .ok_or_else(|| error(404, "Schedule not found"))
}

/// `GET /api/v1/schedules/{id}`
pub fn retrieve(c: &mut Ctx) -> R {
    let id = find_id(c)?;
    respond(c, &id, ScheduleEnvs::Bare)
}

/// `PUT /api/v1/schedules/{id}`: `task` and `cron` are required.
pub fn update(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let id = find_id(c)?;
    let task = req_str(&body, "task")?;
    let cron = req_str(&body, "cron")?;
    let external_id = opt_str(&body, "externalId")?;
    let tz_in = opt_str(&body, "timezone")?;
    let current_tz =
        c.st.schedules
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.timezone.clone());
    let tz = validate(c, &task, &cron, tz_in.as_deref().or(current_tz.as_deref()))?;
    if let Some(s) = c.st.schedules.iter_mut().find(|s| s.id == id) {
        s.task = task;
        s.cron = cron.trim().to_string();
        if external_id.is_some() {
            s.external_id = external_id;
        }
        s.timezone = tz;
    }
    respond(c, &id, ScheduleEnvs::Written)
}

fn set_active(c: &mut Ctx, active: bool) -> R {
    let id = find_id(c)?;
    if let Some(s) = c.st.schedules.iter_mut().find(|s| s.id == id) {
        s.active = active;
    }
    respond(c, &id, ScheduleEnvs::Bare)
}

/// `POST /api/v1/schedules/{id}/activate`
pub fn activate(c: &mut Ctx) -> R {
    set_active(c, true)
}

/// `POST /api/v1/schedules/{id}/deactivate`
pub fn deactivate(c: &mut Ctx) -> R {
    set_active(c, false)
}

/// `DELETE /api/v1/schedules/{id}`
pub fn delete(c: &mut Ctx) -> R {
    let id = find_id(c)?;
    c.st.schedules.retain(|s| s.id != id);
    ok(json!({ "id": id }))
}

/// `GET /api/v1/timezones[?excludeUtc=true]` (no auth).
pub fn timezones(c: &mut Ctx) -> R {
    let exclude_utc = c.q("excludeUtc") == Some("true");
    let zones: Vec<&str> = timezone_list()
        .filter(|z| !(exclude_utc && (*z == "UTC" || *z == "Etc/UTC")))
        .collect();
    ok(json!({ "timezones": zones }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_zone_is_known_to_chrono_tz() {
        let unknown: Vec<&str> = super::timezone_list()
            .filter(|z| crate::cron::zone(z).is_none())
            .collect();
        assert!(unknown.is_empty(), "{unknown:?}");
        assert!(super::timezone_list().count() > 400);
    }
}
