//! Environment variables per project and env slug.

use serde_json::{json, Value};

use crate::auth::{branch_header, error, pat_reaches, Principal};
use crate::http::HttpResponse;
use crate::model::envs::EnvVar;
use crate::route::{ok, Ctx, R};
use crate::views::envvars::envvar_json;

/// The env the request addresses, enforcing the SK and PAT rules
/// (`docs/wire.md#envvars-credentials`).
fn target_env(c: &Ctx) -> Result<String, HttpResponse> {
    let project_ref = c.param(0);
    let slug = match c.param(1) {
        "staging" => "stg",
        s => s,
    };
    match &c.who {
        Principal::Key { env_id } => {
            let env =
                c.st.env(env_id)
                    .ok_or_else(|| error(401, "Invalid API key"))?;
            if env.project_ref != project_ref {
                return Err(error(
                    400,
                    "Invalid project ref for this API key. Make sure you are using an API key associated with that project.",
                ));
            }
            if env.slug != slug {
                return Err(error(400, "Invalid environment slug for this API key"));
            }
            Ok(env_id.clone())
        }
        Principal::Pat { token } => {
            if !pat_reaches(c.st, token, project_ref) {
                return Err(error(404, "Project not found"));
            }
            let root =
                c.st.envs
                    .iter()
                    .find(|e| e.project_ref == project_ref && e.slug == slug && e.parent.is_none())
                    .ok_or_else(|| error(404, "Environment not found"))?;
            let branch = branch_header(c.req)
                .filter(|b| !(root.env_type == "DEVELOPMENT" && b == "default"));
            match branch {
                Some(b) if matches!(root.env_type.as_str(), "PREVIEW" | "DEVELOPMENT") => {
                    c.st.branch_env(&root.id, &b)
                        .map(|e| e.id.clone())
                        .ok_or_else(|| error(404, "Branch not found"))
                }
                _ => Ok(root.id.clone()),
            }
        }
        _ => Err(error(401, "Invalid API key")),
    }
}

fn invalid(errors: Vec<Value>) -> HttpResponse {
    HttpResponse::json(
        400,
        &json!({"error": "Invalid request body", "variableErrors": errors}),
    )
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '=')
}

/// `GET …/envvars/{env}`: a bare array.
pub fn list(c: &mut Ctx) -> R {
    let env = target_env(c)?;
    let vars: Vec<Value> = c.st.vars(&env).iter().map(envvar_json).collect();
    ok(Value::Array(vars))
}

/// `POST …/envvars/{env}` body `{name, value, isSecret?}`; overwrites an existing value.
pub fn create(c: &mut Ctx) -> R {
    let env = target_env(c)?;
    let body = c.body_object()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let value = body.get("value").and_then(Value::as_str);
    let mut errors = Vec::new();
    if !valid_name(name) {
        errors.push(json!({"key": name, "error": "Invalid variable name"}));
    }
    if value.is_none() {
        errors.push(json!({"key": name, "error": "value must be a string"}));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let is_secret = body
        .get("isSecret")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    upsert(c.st.vars(&env), name, value.unwrap_or(""), is_secret);
    ok(json!({"success": true}))
}

fn upsert(vars: &mut Vec<EnvVar>, name: &str, value: &str, is_secret: bool) {
    match vars.iter_mut().find(|v| v.name == name) {
        Some(v) => {
            v.value = value.to_string();
            v.is_secret = is_secret;
        }
        None => vars.push(EnvVar {
            name: name.to_string(),
            value: value.to_string(),
            is_secret,
        }),
    }
}

/// `GET …/envvars/{env}/{name}`
pub fn retrieve(c: &mut Ctx) -> R {
    let env = target_env(c)?;
    let name = c.param(2).to_string();
    let vars = c.st.vars(&env);
    let v = vars
        .iter()
        .find(|v| v.name == name)
        .ok_or_else(|| error(404, "Environment variable not found"))?;
    ok(envvar_json(v))
}

/// `PUT`/`POST …/envvars/{env}/{name}` body `{value}`; 404 if the variable does not exist.
pub fn update(c: &mut Ctx) -> R {
    let env = target_env(c)?;
    let name = c.param(2).to_string();
    let body = c.body_object()?;
    let value = body
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(vec![
                json!({"key": name, "error": "value must be a string"}),
            ])
        })?
        .to_string();
    let v =
        c.st.vars(&env)
            .iter_mut()
            .find(|v| v.name == name)
            .ok_or_else(|| error(404, "Environment variable not found"))?;
    v.value = value;
    ok(json!({"success": true}))
}

/// `DELETE …/envvars/{env}/{name}`
pub fn delete(c: &mut Ctx) -> R {
    let env = target_env(c)?;
    let name = c.param(2).to_string();
    let vars = c.st.vars(&env);
    let before = vars.len();
    vars.retain(|v| v.name != name);
    if vars.len() == before {
        return Err(error(404, "Environment variable not found"));
    }
    ok(json!({"success": true}))
}

/// `POST …/envvars/{env}/import` body `{variables: {K: V} | [{name, value}], override?, isSecret?}`.
/// Without `override: true`, a name that is already set fails the whole upload (400).
pub fn import(c: &mut Ctx) -> R {
    let env = target_env(c)?;
    let body = c.body_object()?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut errors = Vec::new();
    match body.get("variables") {
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match v.as_str() {
                    Some(s) if valid_name(k) => pairs.push((k.clone(), s.to_string())),
                    _ => errors.push(json!({"key": k, "error": "Invalid variable"})),
                }
            }
        }
        Some(Value::Array(a)) => {
            for item in a {
                let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                match item.get("value").and_then(Value::as_str) {
                    Some(v) if valid_name(name) => pairs.push((name.to_string(), v.to_string())),
                    _ => errors.push(json!({"key": name, "error": "Invalid variable"})),
                }
            }
        }
        _ => errors.push(json!({"key": "variables", "error": "variables must be an object"})),
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let overwrite = body
        .get("override")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let is_secret = body
        .get("isSecret")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let env_name = match c.st.env(&env).map(|e| e.env_type.as_str()) {
        Some("PRODUCTION") => "Production",
        Some("STAGING") => "Staging",
        Some("PREVIEW") => "Preview",
        _ => "Development",
    };
    let vars = c.st.vars(&env);
    if !overwrite {
        // As on the server: nothing is written when any variable is already set.
        let taken: Vec<Value> = pairs
            .iter()
            .filter(|(k, _)| vars.iter().any(|v| &v.name == k))
            .map(
                |(k, _)| json!({"key": k, "error": format!("Variable already set in {env_name}.")}),
            )
            .collect();
        if !taken.is_empty() {
            return Err(HttpResponse::json(
                400,
                &json!({
                    "error": "Some of the variables are already set for these environments. Set override to true to override them.",
                    "variableErrors": taken,
                }),
            ));
        }
    }
    for (k, v) in pairs {
        upsert(vars, &k, &v, is_secret);
    }
    ok(json!({"success": true}))
}
