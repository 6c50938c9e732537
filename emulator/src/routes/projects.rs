//! What CI asks with a personal access token: preview and dev branches (create, list,
//! archive), an environment's secret key (`GET /api/v1/projects/{ref}/{env}`) and `whoami`.
//! Credential rules as the server's (`docs/wire.md#ci-routes`).

use serde_json::{json, Map, Value};

use crate::auth::{error, pat_reaches, scope_matches, Principal};
use crate::http::HttpResponse;
use crate::model::envs::Env;
use crate::route::{ok, Ctx, R};
use crate::util::iso;

const PARENT_ONLY: &str = "API keys must belong to the parent Preview environment.";

/// The root env with `slug` of `project_ref`.
fn root<'a>(c: &'a Ctx, project_ref: &str, slug: &str) -> Option<&'a Env> {
    c.st.envs
        .iter()
        .find(|e| e.project_ref == project_ref && e.slug == slug && e.parent.is_none())
}

/// A secret key's env when it is a preview root allowed to write branches; a PAT is `None`.
fn key_env(c: &Ctx, project_ref: &str) -> Result<Option<Env>, HttpResponse> {
    let env_id = match &c.who {
        Principal::Pat { token } => {
            if !pat_reaches(c.st, token, project_ref) {
                return Err(error(404, "Project not found"));
            }
            return Ok(None);
        }
        Principal::Key { env_id } => env_id,
        Principal::ScopedKey { env_id, scopes } => {
            if !scopes
                .iter()
                .any(|s| scope_matches(s, "write", "branches", None))
            {
                return Err(error(403, "Unauthorized"));
            }
            env_id
        }
        _ => return Err(error(401, "Invalid API key")),
    };
    let env =
        c.st.env(env_id)
            .cloned()
            .ok_or_else(|| error(401, "Invalid API key"))?;
    Ok(Some(env))
}

fn is_preview_root(env: &Env) -> bool {
    env.env_type == "PREVIEW" && env.parent.is_none()
}

/// `"preview"` or `"development"` to the emulator's root slug.
fn slug_of(env: &str) -> Option<&'static str> {
    match env {
        "preview" => Some("preview"),
        "development" => Some("dev"),
        _ => None,
    }
}

/// `POST /api/v1/projects/{ref}/branches` body `{env, branch, git?}`: upserts, answers `{id}`.
pub fn create_branch(c: &mut Ctx) -> R {
    let project_ref = c.param(0).to_string();
    let key = key_env(c, &project_ref)?;
    if key.as_ref().is_some_and(|e| e.project_ref != project_ref) {
        return Err(error(404, "Project not found"));
    }
    let body = c.body_object()?;
    let env = body.get("env").and_then(Value::as_str).unwrap_or("");
    let slug = slug_of(env).ok_or_else(|| error(400, "env must be preview or development"))?;
    let branch = body
        .get("branch")
        .and_then(Value::as_str)
        .ok_or_else(|| error(400, "branch is required"))?
        .to_string();
    let git = match body.get("git") {
        None | Some(Value::Null) => None,
        Some(g @ Value::Object(_)) => Some(g.clone()),
        Some(_) => return Err(error(400, "git must be an object")),
    };
    if slug == "dev" && key.is_some() {
        return Err(error(400, "API keys can only create Preview branches."));
    }
    if key.as_ref().is_some_and(|e| !is_preview_root(e)) {
        return Err(error(403, PARENT_ONLY));
    }
    if slug == "dev" && branch == "default" {
        return Err(error(400, "Cannot create dev branch with name 'default'."));
    }
    if branch.trim().is_empty() || branch.contains("..") || branch.chars().any(char::is_whitespace)
    {
        return Err(error(400, "Branch name has an invalid format"));
    }
    if root(c, &project_ref, slug).is_none() {
        return Err(error(
            400,
            "You don't have preview branches setup. Go to the dashboard to enable them.",
        ));
    }
    let id =
        c.st.add_branch(&project_ref, slug, &branch)
            .ok_or_else(|| error(404, "Project not found"))?;
    let now = c.now;
    if let Some(e) = c.st.envs.iter_mut().find(|e| e.id == id) {
        if git.is_some() {
            e.git = git;
            e.updated_ms = now;
        }
    }
    ok(json!({ "id": id }))
}

/// `GET /api/v1/projects/{ref}/branches` (PAT only): the live preview branches.
pub fn list_branches(c: &mut Ctx) -> R {
    let project_ref = c.param(0).to_string();
    key_env(c, &project_ref)?;
    let Some(parent) = root(c, &project_ref, "preview") else {
        return Err(error(
            400,
            "You don't have preview branches setup. Go to the dashboard to enable them.",
        ));
    };
    let branches: Vec<Value> =
        c.st.envs
            .iter()
            .filter(|e| e.parent.as_deref() == Some(&parent.id) && e.archived_ms.is_none())
            .map(|e| {
                let mut b = Map::new();
                b.insert("id".into(), json!(e.id));
                b.insert("name".into(), json!(e.branch.as_deref().unwrap_or("main")));
                b.insert("createdAt".into(), json!(iso(e.created_ms)));
                b.insert("updatedAt".into(), json!(iso(e.updated_ms)));
                if let Some(git) = &e.git {
                    b.insert("git".into(), git.clone());
                }
                b.insert("isPaused".into(), json!(false));
                Value::Object(b)
            })
            .collect();
    ok(json!({ "branches": branches }))
}

/// `POST /api/v1/projects/{ref}/branches/archive` body `{env?: "preview", branch}`.
pub fn archive_branch(c: &mut Ctx) -> R {
    let project_ref = c.param(0).to_string();
    let key = key_env(c, &project_ref)?;
    let body = c.body_object()?;
    let env = body.get("env").and_then(Value::as_str).unwrap_or("preview");
    let slug = slug_of(env).ok_or_else(|| error(400, "env must be preview or development"))?;
    let branch = body
        .get("branch")
        .and_then(Value::as_str)
        .ok_or_else(|| error(400, "branch is required"))?
        .to_string();
    if key
        .as_ref()
        .is_some_and(|e| !is_preview_root(e) || slug != "preview")
    {
        return Err(error(403, PARENT_ONLY));
    }
    if key.as_ref().is_some_and(|e| e.project_ref != project_ref) {
        return Err(error(404, "Project not found"));
    }
    let named: Vec<usize> =
        c.st.envs
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.project_ref == project_ref
                    && e.slug == slug
                    && e.branch.as_deref() == Some(branch.as_str())
            })
            .map(|(i, _)| i)
            .collect();
    if named.is_empty() {
        return Err(error(404, "Branch not found"));
    }
    let Some(&i) = named.iter().find(|&&i| c.st.envs[i].archived_ms.is_none()) else {
        return Err(error(400, "Branch already archived"));
    };
    let now = c.now;
    let e = &mut c.st.envs[i];
    e.archived_ms = Some(now);
    e.updated_ms = now;
    ok(json!({
        "success": true,
        "branch": {
            "id": e.id, "type": e.env_type, "branchName": e.branch,
            "archivedAt": iso(now),
        },
    }))
}

/// `GET /api/v1/projects/{ref}/{env}`: the environment's secret key and the API URL. A PAT gets
/// the root key (the branch header, if any, must name a live branch); a secret key of that
/// environment gets itself back.
pub fn environment(c: &mut Ctx) -> R {
    let project_ref = c.param(0).to_string();
    let slug = match c.param(1) {
        "dev" => "dev",
        "staging" => "stg",
        "prod" => "prod",
        "preview" => "preview",
        _ => return Err(error(400, "Invalid Params")),
    };
    let key = match &c.who {
        Principal::Pat { token } => {
            if !pat_reaches(c.st, token, &project_ref) {
                return Err(error(404, "Project not found"));
            }
            let env =
                root(c, &project_ref, slug).ok_or_else(|| error(404, "Environment not found"))?;
            if let Some(b) = crate::auth::branch_header(c.req) {
                let branchable = matches!(env.env_type.as_str(), "PREVIEW" | "DEVELOPMENT");
                if branchable && c.st.branch_env(&env.id, &b).is_none() {
                    return Err(error(404, "Branch not found"));
                }
            }
            env.api_key.clone()
        }
        Principal::Key { env_id } | Principal::ScopedKey { env_id, .. } => {
            let env =
                c.st.env(env_id)
                    .ok_or_else(|| error(401, "Invalid API key"))?;
            if env.project_ref != project_ref || env.slug != slug {
                return Err(error(
                    400,
                    "Invalid project ref or environment for this API key.",
                ));
            }
            crate::auth::bearer(c.req).map(String::from)
        }
        _ => return Err(error(401, "Invalid API key")),
    };
    let name =
        c.st.seed
            .projects
            .iter()
            .find(|p| p.project_ref == project_ref)
            .map(|p| p.name.clone())
            .unwrap_or_default();
    ok(json!({
        "apiKey": key.unwrap_or_default(),
        "name": name,
        "apiUrl": c.base_url,
        "projectId": project_ref,
        "defaultRuntime": null,
    }))
}

/// `GET /api/v2/whoami[?projectRef=]` (PAT only): the token's user, and the project when the
/// user reaches it.
pub fn whoami(c: &mut Ctx) -> R {
    let Principal::Pat { token } = &c.who else {
        return Err(error(401, "Invalid or Missing Access Token"));
    };
    let n =
        c.st.seed
            .pats
            .iter()
            .position(|p| &p.token == token)
            .unwrap_or(0)
            + 1;
    let mut out = json!({
        "userId": format!("user_emulator_{n}"),
        "email": format!("user{n}@emulator.invalid"),
        "dashboardUrl": c.base_url,
    });
    let project_ref = c
        .query
        .iter()
        .find(|(k, _)| k == "projectRef")
        .map(|(_, v)| v.clone());
    if let Some(r) = project_ref.filter(|r| pat_reaches(c.st, token, r)) {
        let name =
            c.st.seed
                .projects
                .iter()
                .find(|p| p.project_ref == r)
                .map(|p| p.name.clone())
                .unwrap_or_default();
        out["project"] = json!({
            "name": name,
            "url": format!("{}/orgs/emulator/projects/{r}", c.base_url),
            "orgTitle": "Emulator",
        });
    }
    ok(out)
}
