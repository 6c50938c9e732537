//! Who is calling: secret keys (with the branch rules), PATs and public JWTs, and JWT scope checks.

use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::jwt;
use crate::state::State;

/// The credential rule of a route (`docs/wire.md#credential-table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No credential needed.
    Public,
    /// Secret key only (route-builder routes without JWT, e.g. replay, metadata PUT).
    Key,
    /// Secret key or a public JWT (scopes checked by the handler).
    KeyOrJwt,
    /// "Legacy" routes: secret key only, with the capital-K error message.
    Legacy,
    /// `POST /api/v1/auth/jwt/claims`: secret key only, `Invalid or Missing API key`.
    Claims,
    /// Personal access token only (project runs list).
    Pat,
    /// Secret key (own project/env) or PAT (envvars).
    KeyOrPat,
    /// As `KeyOrPat`, and the preview key without a branch header is the preview parent
    /// (creating and archiving branches).
    KeyOrPatPreviewParent,
}

#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    /// A secret key, already switched to the branch env when a branch header applies.
    Key {
        env_id: String,
    },
    Pat {
        token: String,
    },
    Jwt {
        env_id: String,
        scopes: Vec<String>,
        /// The token itself when it is one-time-use (`otu: true`).
        one_time: Option<String>,
        /// Columns its `realtime.skipColumns` claim removes from realtime feeds.
        skip_columns: Vec<String>,
    },
    /// An additional API key without full access: a secret key whose scopes are checked like a
    /// JWT's (the server builds both abilities from scope strings).
    ScopedKey {
        env_id: String,
        scopes: Vec<String>,
    },
}

impl Principal {
    pub fn env_id(&self) -> &str {
        match self {
            Principal::Key { env_id }
            | Principal::Jwt { env_id, .. }
            | Principal::ScopedKey { env_id, .. } => env_id,
            _ => "",
        }
    }

    /// Root keys may do anything; a JWT or a scoped key needs one of `needs` (action, type, id).
    pub fn allows(&self, needs: &[(&str, &str, Option<&str>)]) -> bool {
        match self.scopes() {
            Some(scopes) => needs
                .iter()
                .any(|(a, t, id)| scopes.iter().any(|s| scope_matches(s, a, t, *id))),
            None => true,
        }
    }

    /// The scopes that limit this caller (`None` = unrestricted).
    pub fn scopes(&self) -> Option<&[String]> {
        match self {
            Principal::Jwt { scopes, .. } | Principal::ScopedKey { scopes, .. } => Some(scopes),
            _ => None,
        }
    }

    /// The token of a one-time-use JWT.
    pub fn one_time_token(&self) -> Option<&str> {
        match self {
            Principal::Jwt { one_time, .. } => one_time.as_deref(),
            _ => None,
        }
    }

    /// The columns a public token's `realtime.skipColumns` claim removes from realtime feeds.
    pub fn skip_columns(&self) -> &[String] {
        match self {
            Principal::Jwt { skip_columns, .. } => skip_columns,
            _ => &[],
        }
    }

    /// A secret key (root or additional), as opposed to a public token.
    pub fn is_secret_key(&self) -> bool {
        matches!(self, Principal::Key { .. } | Principal::ScopedKey { .. })
    }
}

/// Scope grammar `action:type[:id]`: bare `admin` is a wildcard, type `all` matches any type,
/// action `*` any action, and a scope without an id covers every id of its type.
/// A type-level need (`id == None`) is met only by a scope without an id.
pub fn scope_matches(scope: &str, action: &str, kind: &str, id: Option<&str>) -> bool {
    if scope == "admin" {
        return true;
    }
    let mut parts = scope.splitn(3, ':');
    let (Some(sa), Some(st)) = (parts.next(), parts.next()) else {
        return false;
    };
    let sid = parts.next();
    (sa == action || sa == "*")
        && (st == kind || st == "all")
        && match (sid, id) {
            (None, _) => true,
            (Some(s), Some(i)) => s == i,
            (Some(_), None) => false,
        }
}

pub fn error(status: u16, msg: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({ "error": msg }))
}

/// The 403 body for a scope failure.
pub fn forbidden() -> HttpResponse {
    HttpResponse::json(
        403,
        &json!({"error":"Unauthorized","code":"unauthorized","param":"access_token","type":"authorization"}),
    )
}

pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let v = req.header("authorization")?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The `x-trigger-branch` value with `refs/heads/`-style prefixes removed; `None` when absent or empty.
pub fn branch_header(req: &HttpRequest) -> Option<String> {
    let v = req.header("x-trigger-branch")?.trim();
    let v = v
        .strip_prefix("refs/heads/")
        .or_else(|| v.strip_prefix("refs/remotes/origin/"))
        .or_else(|| v.strip_prefix("origin/"))
        .unwrap_or(v);
    (!v.is_empty()).then(|| v.to_string())
}

fn is_user_token(t: &str) -> bool {
    ["tr_pat_", "tr_oat_", "tr_uat_"]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Resolves a root secret key to its env, applying the dev/preview branch rules
/// (`docs/wire.md#branches`).
fn key_env(
    st: &State,
    req: &HttpRequest,
    token: &str,
    missing: &str,
) -> Result<String, HttpResponse> {
    let env = st.env_by_key(token).ok_or_else(|| error(401, missing))?;
    branch_env(st, req, env)
}

/// The env an additional key belongs to (before branch rules) and the key's scopes.
fn additional_key<'a>(
    st: &'a State,
    token: &str,
) -> Option<(&'a crate::model::envs::Env, &'a [String])> {
    if !crate::seed::is_additional_key(token) {
        return None;
    }
    st.seed.projects.iter().find_map(|p| {
        p.envs.iter().find_map(|e| {
            let k = e.additional_keys.iter().find(|k| k.key == token)?;
            let env = st.env(&crate::seed::resolved_env_id(p, e))?;
            Some((env, k.scopes.as_slice()))
        })
    })
}

/// A secret key (root or additional) → its principal. Additional keys with bare `admin` act as
/// the root key; others are scoped, and only accepted where `scoped_ok`.
fn secret_key(
    st: &State,
    req: &HttpRequest,
    token: &str,
    missing: &str,
    scoped_ok: bool,
) -> Result<Principal, HttpResponse> {
    if let Some((env, scopes)) = additional_key(st, token) {
        let env_id = branch_env(st, req, env)?;
        if scopes.iter().any(|s| s == "admin") {
            return Ok(Principal::Key { env_id });
        }
        if !scoped_ok {
            return Err(error(401, missing));
        }
        return Ok(Principal::ScopedKey {
            env_id,
            scopes: scopes.to_vec(),
        });
    }
    key_env(st, req, token, missing).map(|env_id| Principal::Key { env_id })
}

fn branch_env(
    st: &State,
    req: &HttpRequest,
    env: &crate::model::envs::Env,
) -> Result<String, HttpResponse> {
    let branch = branch_header(req);
    match (env.env_type.as_str(), branch) {
        ("PREVIEW", None) => Err(error(
            401,
            "x-trigger-branch header required for preview env",
        )),
        ("DEVELOPMENT", Some(b)) if b == "default" => Ok(env.id.clone()),
        ("PREVIEW", Some(b)) | ("DEVELOPMENT", Some(b)) => st
            .branch_env(&env.id, &b)
            .map(|e| e.id.clone())
            .ok_or_else(|| error(401, "No matching branch env")),
        _ => Ok(env.id.clone()),
    }
}

/// Verifies a public JWT: HS256 with the env's root key, `pub: true`, not expired.
fn verify_jwt(st: &State, token: &str) -> Result<Principal, HttpResponse> {
    let invalid = || error(401, "Invalid Public Access Token");
    let claims = jwt::peek_payload(token).ok_or_else(invalid)?;
    if claims.get("pub") != Some(&Value::Bool(true)) {
        return Err(invalid());
    }
    let env_id = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let env = st.env(env_id).ok_or_else(invalid)?;
    if !jwt::verify_signature(token, &env.signing_key) {
        return Err(invalid());
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_f64) {
        if (st.now_ms() as f64) / 1000.0 >= exp {
            return Err(invalid());
        }
    }
    let scopes = strings(claims.get("scopes"));
    let one_time = (claims.get("otu") == Some(&Value::Bool(true))).then(|| token.to_string());
    let skip_columns = strings(claims.pointer("/realtime/skipColumns"));
    Ok(Principal::Jwt {
        env_id: env.id.clone(),
        scopes,
        one_time,
        skip_columns,
    })
}

/// The strings of a claim that is an array (others are ignored, as the server's schema drops them).
fn strings(claim: Option<&Value>) -> Vec<String> {
    claim
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The route builder's 401 when there is no `Authorization` header at all: a problem document.
fn no_header() -> HttpResponse {
    let detail = "No authorization header provided";
    let body = json!({
        "title": "Unauthorized",
        "status": 401,
        "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401",
        "detail": detail,
        "error": detail,
    });
    HttpResponse::new(
        401,
        "application/problem+json",
        body.to_string().into_bytes(),
    )
}

/// Applies a route's credential rule. The 401 texts are the server's: the route builder's
/// routes say `Invalid API key` (a problem document when the header is missing), the legacy
/// routes `Invalid or Missing API Key`, the claims route `Invalid or Missing API key`.
pub fn authenticate(st: &State, req: &HttpRequest, rule: Auth) -> Result<Principal, HttpResponse> {
    let missing = match rule {
        Auth::Legacy => "Invalid or Missing API Key",
        Auth::Claims => "Invalid or Missing API key",
        _ => "Invalid API key",
    };
    let route_builder = matches!(
        rule,
        Auth::Key | Auth::KeyOrJwt | Auth::KeyOrPat | Auth::KeyOrPatPreviewParent
    );
    if route_builder && req.header("authorization").is_none() {
        return Err(no_header());
    }
    match rule {
        Auth::Public => Ok(Principal::Anonymous),
        Auth::Pat => {
            let t = bearer(req).ok_or_else(|| error(401, "Invalid or Missing PAT"))?;
            if st.seed.pats.iter().any(|p| p.token == t) {
                Ok(Principal::Pat {
                    token: t.to_string(),
                })
            } else {
                Err(error(401, "Invalid or Missing PAT"))
            }
        }
        Auth::KeyOrPat | Auth::KeyOrPatPreviewParent => {
            let t = bearer(req).ok_or_else(|| error(401, missing))?;
            if rule == Auth::KeyOrPatPreviewParent && branch_header(req).is_none() {
                if let Some(env) = st.env_by_key(t).filter(|e| e.env_type == "PREVIEW") {
                    return Ok(Principal::Key {
                        env_id: env.id.clone(),
                    });
                }
            }
            if is_user_token(t) {
                if st.seed.pats.iter().any(|p| p.token == t) {
                    return Ok(Principal::Pat {
                        token: t.to_string(),
                    });
                }
                return Err(error(401, missing));
            }
            if jwt::looks_like_jwt(t) {
                return Err(error(401, missing));
            }
            secret_key(st, req, t, missing, false)
        }
        Auth::Key | Auth::KeyOrJwt | Auth::Legacy | Auth::Claims => {
            let t = bearer(req).ok_or_else(|| error(401, missing))?;
            if is_user_token(t) {
                return Err(error(401, missing));
            }
            if jwt::looks_like_jwt(t) {
                if rule != Auth::KeyOrJwt {
                    return Err(error(401, missing));
                }
                return verify_jwt(st, t);
            }
            let scoped_ok = !matches!(rule, Auth::Legacy | Auth::Claims);
            secret_key(st, req, t, missing, scoped_ok)
        }
    }
}

/// True if the PAT exists and may access the project.
pub fn pat_reaches(st: &State, token: &str, project_ref: &str) -> bool {
    let exists = st
        .seed
        .projects
        .iter()
        .any(|p| p.project_ref == project_ref);
    exists
        && st.seed.pats.iter().any(|p| {
            p.token == token
                && (p.projects.is_empty() || p.projects.iter().any(|r| r == project_ref))
        })
}

#[cfg(test)]
mod tests {
    use super::scope_matches;

    #[test]
    fn scopes() {
        assert!(scope_matches("admin", "read", "runs", Some("run_1")));
        assert!(scope_matches("read:runs", "read", "runs", Some("run_1")));
        assert!(scope_matches("read:runs", "read", "runs", None));
        assert!(scope_matches(
            "read:runs:run_1",
            "read",
            "runs",
            Some("run_1")
        ));
        assert!(!scope_matches("read:runs:run_1", "read", "runs", None));
        assert!(!scope_matches(
            "read:runs:run_1",
            "read",
            "runs",
            Some("run_2")
        ));
        assert!(!scope_matches(
            "write:runs:run_1",
            "read",
            "runs",
            Some("run_1")
        ));
        assert!(scope_matches("read:all", "read", "batch", Some("b")));
        assert!(scope_matches("*:runs", "write", "runs", Some("r")));
        assert!(scope_matches("read:tags:a:b", "read", "tags", Some("a:b")));
        assert!(!scope_matches("garbage", "read", "runs", None));
    }
}
