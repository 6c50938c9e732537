//! Query dashboards: one built-in dashboard (`overview`) and the custom ones made through the
//! API. Every change to a custom dashboard advances its `revision` (`rev_1`, `rev_2`, …); a
//! write naming another revision than the current one is refused with 409
//! `{"error": "Dashboard was modified …"}` (no recording shows the server's status for this).
//! Widgets are stored as sent.

use serde_json::{json, Map, Value};

use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::dashboards::Dashboard;
use crate::route::{ok, Ctx, R};
use crate::util::{iso, random_id};

const NOT_FOUND: &str = "Dashboard not found";
const BUILT_IN: &str = "overview";

fn overview_widgets() -> Vec<Value> {
    vec![json!({
        "id": "runs", "title": "Runs", "query": "SELECT count() FROM runs",
        "display": {"type": "bignumber", "column": "count", "aggregation": "sum", "abbreviate": false},
        "position": {"x": 0, "y": 0, "w": 4, "h": 2},
    })]
}

fn dashboard_json(d: &Dashboard) -> Value {
    json!({
        "id": d.id, "title": d.title, "description": d.description,
        "revision": d.revision_tag(), "createdAt": iso(d.created_ms),
        "updatedAt": iso(d.updated_ms), "widgets": d.widgets,
    })
}

fn built_in() -> Dashboard {
    Dashboard {
        id: BUILT_IN.into(),
        env_id: String::new(),
        title: "Overview".into(),
        description: Some("Runs at a glance".into()),
        revision: 1,
        widgets: overview_widgets(),
        created_ms: 0,
        updated_ms: 0,
    }
}

fn summary(d: &Dashboard, kind: &str) -> Value {
    let widgets: Vec<Value> = d
        .widgets
        .iter()
        .map(|w| {
            json!({"id": w["id"], "title": w["title"], "query": w["query"],
                   "type": w["display"]["type"]})
        })
        .collect();
    json!({"key": d.id, "title": d.title, "type": kind, "description": d.description,
           "widgets": widgets})
}

/// `GET /api/v1/query/dashboards`: the built-in one, then custom ones oldest first.
pub fn list(c: &mut Ctx) -> R {
    let env_id = c.env_id();
    let mut all = vec![summary(&built_in(), "builtIn")];
    all.extend(
        c.st.dashboards
            .list
            .iter()
            .filter(|d| d.env_id == env_id)
            .map(|d| summary(d, "custom")),
    );
    ok(json!({"dashboards": all}))
}

/// `GET /api/v1/query/dashboards/{id}`.
pub fn retrieve(c: &mut Ctx) -> R {
    if c.param(0) == BUILT_IN {
        return ok(dashboard_json(&built_in()));
    }
    let env_id = c.env_id();
    let d = c.st.dashboards.find(&env_id, c.param(0));
    d.map(dashboard_json)
        .ok_or_else(|| error(404, NOT_FOUND))
        .and_then(ok)
}

fn text(body: &Map<String, Value>, key: &str) -> Result<Option<String>, HttpResponse> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(error(
            400,
            &format!("Validation error: Expected string at \"{key}\""),
        )),
    }
}

fn widgets(body: &Map<String, Value>) -> Result<Option<Vec<Value>>, HttpResponse> {
    match body.get("widgets") {
        None => Ok(None),
        Some(Value::Array(list)) => Ok(Some(list.clone())),
        Some(_) => Err(error(
            400,
            "Validation error: Expected array at \"widgets\"",
        )),
    }
}

/// `POST /api/v1/query/dashboards`.
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let title = text(&body, "title")?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| error(400, "Validation error: Required at \"title\""))?;
    let d = Dashboard {
        id: random_id("dash_"),
        env_id: c.env_id(),
        title,
        description: text(&body, "description")?,
        revision: 1,
        widgets: widgets(&body)?.unwrap_or_default(),
        created_ms: c.now,
        updated_ms: c.now,
    };
    let answer = dashboard_json(&d);
    c.st.dashboards.list.push(d);
    ok(answer)
}

/// The custom dashboard the path names, after checking the revision the request names.
fn writable<'a>(
    c: &'a mut Ctx,
    revision: Option<String>,
) -> Result<&'a mut Dashboard, HttpResponse> {
    if c.param(0) == BUILT_IN {
        return Err(error(400, "Built-in dashboards cannot be changed"));
    }
    let env_id = c.env_id();
    let id = c.param(0).to_string();
    let d =
        c.st.dashboards
            .find_mut(&env_id, &id)
            .ok_or_else(|| error(404, NOT_FOUND))?;
    match revision {
        Some(r) if r != d.revision_tag() => Err(error(
            409,
            &format!(
                "Dashboard was modified: revision {r} is not the current {}",
                d.revision_tag()
            ),
        )),
        _ => Ok(d),
    }
}

/// `PATCH /api/v1/query/dashboards/{id}`: title and description.
pub fn update(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let title = text(&body, "title")?;
    let description = text(&body, "description")?;
    let now = c.now;
    let d = writable(c, text(&body, "revision")?)?;
    if let Some(t) = title {
        d.title = t;
    }
    if description.is_some() {
        d.description = description;
    }
    d.revision += 1;
    d.updated_ms = now;
    ok(dashboard_json(d))
}

/// `DELETE /api/v1/query/dashboards/{id}`.
pub fn delete(c: &mut Ctx) -> R {
    let revision = c.q("revision").map(String::from);
    let id = writable(c, revision)?.id.clone();
    c.st.dashboards.list.retain(|d| d.id != id);
    ok(json!({"id": id}))
}
