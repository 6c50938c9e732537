//! Deployments: list, retrieve, current, latest and promote.
//!
//! Every env but dev ones starts with one DEPLOYED deployment (version `20250101.1`) that is
//! current; tests add more with `POST /__emulator/deployments` or `Emulator::add_deployment`.

use serde_json::{json, Value};

use super::query::query_error;
use crate::auth::error;
use crate::model::deployments::{compare_versions, Deployment};
use crate::route::{ok, Ctx, R};
use crate::util::{parse_duration_ms, parse_iso};
use crate::views::deployments::{deployment_detail_json, deployment_json, deployment_latest_json};

const LIST_STATUSES: &[&str] = &[
    "PENDING",
    "BUILDING",
    "DEPLOYING",
    "DEPLOYED",
    "FAILED",
    "CANCELED",
    "TIMED_OUT",
];

fn not_found() -> crate::http::HttpResponse {
    error(404, "Deployment not found")
}

/// The env's deployments, newest first.
fn newest_first<'a>(c: &'a Ctx, env_id: &str) -> Vec<&'a Deployment> {
    let mut all: Vec<&Deployment> =
        c.st.deployments
            .list
            .iter()
            .filter(|d| d.env_id == env_id)
            .collect();
    all.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.seq.cmp(&a.seq)));
    all
}

/// `GET /api/v1/deployments?status=&period=&from=&to=&page[size]=&page[after]=`.
/// Like the server: `page[size]` must be 1-100 and is then raised to at least 5; `to` counts
/// only together with `from`; an unknown `page[after]` starts from the beginning.
pub fn list(c: &mut Ctx) -> R {
    c.require(&[("read", "deployments", Some("list"))])?;
    let env_id = c.env_id();
    c.st.deployments.seed_env(&env_id);
    let size = match c.q("page[size]") {
        None | Some("") => 20,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| query_error("page[size]", "Limit must be between 1 and 100"))?,
    }
    .max(5);
    let status = match c.q("status") {
        None | Some("") => None,
        Some(s) if LIST_STATUSES.contains(&s) => Some(s.to_string()),
        Some(s) => {
            return Err(query_error(
                "status",
                &format!(
                    "Invalid enum value. Expected one of {}, received '{s}'",
                    LIST_STATUSES.join(", ")
                ),
            ))
        }
    };
    let date = |key: &str| -> Result<Option<i64>, crate::http::HttpResponse> {
        match c.q(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .or_else(|| parse_iso(v))
                .map(Some)
                .ok_or_else(|| error(400, &format!("Invalid search query parameter: {key}={v}"))),
        }
    };
    let (from, to) = match c.q("period").filter(|p| !p.is_empty()) {
        Some(p) => {
            let d = parse_duration_ms(p).ok_or_else(|| {
                error(400, &format!("Invalid search query parameter: period={p}"))
            })?;
            (Some(c.now - d), Some(c.now))
        }
        None => {
            let from = date("from")?;
            let to = if from.is_some() { date("to")? } else { None };
            (from, to)
        }
    };
    let all = newest_first(c, &env_id);
    let start = c
        .q("page[after]")
        .filter(|v| !v.is_empty())
        .and_then(|after| all.iter().position(|d| d.id == after))
        .map(|i| i + 1)
        .unwrap_or(0);
    let matching: Vec<&&Deployment> = all[start..]
        .iter()
        .filter(|d| status.as_ref().is_none_or(|s| d.status == *s))
        .filter(|d| from.is_none_or(|t| d.created_ms >= t))
        .filter(|d| to.is_none_or(|t| d.created_ms <= t))
        .collect();
    let page = &matching[..size.min(matching.len())];
    let mut pagination = serde_json::Map::new();
    if matching.len() > size {
        if let Some(last) = page.last() {
            pagination.insert("next".into(), json!(last.id));
        }
    }
    let data: Vec<Value> = page.iter().map(|d| deployment_json(d)).collect();
    ok(json!({"data": data, "pagination": pagination}))
}

/// `GET /api/v1/deployments/{id}` (secret key only).
pub fn retrieve(c: &mut Ctx) -> R {
    let env_id = c.env_id();
    c.st.deployments.seed_env(&env_id);
    let d =
        c.st.deployments
            .list
            .iter()
            .find(|d| d.env_id == env_id && d.id == c.param(0))
            .ok_or_else(not_found)?;
    ok(deployment_detail_json(d))
}

/// `GET /api/v1/deployments/current` (JWT with `read:deployments` or `read:deployments:current`).
/// 404 `{"error":"Not found"}` when the env has no current deployment, like the route builder.
pub fn current(c: &mut Ctx) -> R {
    let env_id = c.env_id();
    c.st.deployments.seed_env(&env_id);
    let d =
        c.st.deployments
            .current_of(&env_id)
            .ok_or_else(|| error(404, "Not found").with_header("x-should-retry", "false"))?;
    c.require(&[("read", "deployments", Some("current"))])?;
    ok(deployment_json(d))
}

/// `GET /api/v1/deployments/latest`: the env's newest deployment, whatever its status.
pub fn latest(c: &mut Ctx) -> R {
    let env_id = c.env_id();
    c.st.deployments.seed_env(&env_id);
    let d = newest_first(c, &env_id)
        .first()
        .copied()
        .ok_or_else(not_found)?;
    ok(deployment_latest_json(d))
}

/// `POST /api/v1/deployments/{version}/promote[?allowRollbacks=true]`: makes that version current.
/// It must be DEPLOYED, not already current, and newer than the current one unless
/// `allowRollbacks=true`.
pub fn promote(c: &mut Ctx) -> R {
    let env_id = c.env_id();
    c.st.deployments.seed_env(&env_id);
    let version = c.param(0).to_string();
    let allow_rollbacks = c.q("allowRollbacks") == Some("true");
    let d =
        c.st.deployments
            .list
            .iter()
            .find(|d| d.env_id == env_id && d.version == version)
            .ok_or_else(not_found)?
            .clone();
    if d.worker_id.is_none() {
        return Err(error(
            400,
            "Deployment is not associated with a worker and cannot be promoted.",
        ));
    }
    if d.status != "DEPLOYED" {
        return Err(error(
            400,
            "Deployment must be in the DEPLOYED state to be promoted.",
        ));
    }
    if let Some(cur) = c.st.deployments.current_of(&env_id) {
        if cur.id == d.id {
            return Err(error(400, "Deployment is already the current deployment."));
        }
        if !allow_rollbacks && compare_versions(&cur.version, &d.version).is_ge() {
            return Err(error(
                400,
                "Cannot promote a deployment that is older than the current deployment.",
            ));
        }
    }
    c.st.deployments.set_current(&env_id, &d.id);
    ok(json!({"id": d.id, "version": d.version, "shortCode": d.short_code}))
}
