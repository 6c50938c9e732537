//! `POST /api/v1/auth/public-tokens`: server-minted public access tokens
//! (`docs/wire.md#server-minted-tokens`).
//!
//! As the server: the body is checked first (400 `Invalid request body`, with `issues` for
//! schema errors), then the requested scopes against the key's own (403
//! `scopes_exceed_key_access` with `deniedScopes`; root keys may request anything), then the
//! expiry (default 15 m, at most 30 days, on the emulator clock).

use serde_json::{json, Map, Value};

use crate::auth::{error, scope_matches};
use crate::http::HttpResponse;
use crate::jwt;
use crate::route::{ok, Ctx, R};

const DEFAULT_TTL_SECS: i64 = 15 * 60;
const MAX_TTL_SECS: i64 = 30 * 86_400;

fn invalid_body(issues: Vec<Value>) -> HttpResponse {
    HttpResponse::json(
        400,
        &json!({"error": "Invalid request body", "issues": issues}),
    )
}

fn issue(path: &[&str], message: &str) -> Value {
    json!({"code": "invalid_type", "path": path, "message": message})
}

/// `scopesWithinAbility`: a requested scope passes if one of `own` grants its action on its
/// type (and id); a scope without a type is denied unless it is bare `admin`.
pub fn denied_scopes(requested: &[String], own: &[String]) -> Vec<String> {
    requested
        .iter()
        .filter(|scope| {
            let mut parts = scope.splitn(3, ':');
            let action = parts.next().unwrap_or("");
            let kind = parts.next().filter(|t| !t.is_empty());
            let id = parts.next().filter(|i| !i.is_empty());
            if action.is_empty() || (kind.is_none() && action != "admin") {
                return true;
            }
            let kind = kind.unwrap_or("all");
            !own.iter().any(|s| scope_matches(s, action, kind, id))
        })
        .cloned()
        .collect()
}

/// The jose-style relative time the server accepts, in signed seconds.
fn relative_seconds(s: &str) -> Option<i64> {
    let lower = s.to_ascii_lowercase();
    let (body, suffix) = if let Some(b) = lower.strip_suffix(" ago") {
        (b, Some("ago"))
    } else if let Some(b) = lower.strip_suffix(" from now") {
        (b, Some("from now"))
    } else {
        (lower.as_str(), None)
    };
    let (sign, body) = match body.strip_prefix(['+', '-']) {
        Some(rest) => (Some(&body[..1]), rest.strip_prefix(' ').unwrap_or(rest)),
        None => (None, body),
    };
    // `(match[4] && match[1])`: a sign together with "ago"/"from now" is rejected.
    if sign.is_some() && suffix.is_some() {
        return None;
    }
    let secs = crate::util::parse_jose_seconds(body)?;
    if secs < 0.0 {
        return None;
    }
    let past = sign == Some("-") || suffix == Some("ago");
    let secs = secs.round() as i64;
    Some(if past { -secs } else { secs })
}

/// Body `{"scopes": [≥1 string], "expirationTime"?: string | unix seconds, "oneTimeUse"?,
/// "realtime"?: {"skipColumns"?}}` → `{"token"}`, signed with the env's root key.
pub fn create(c: &mut Ctx) -> R {
    let body: Value = serde_json::from_slice(&c.req.body).map_err(|_| invalid_body_plain())?;
    let Value::Object(b) = &body else {
        return Err(invalid_body(vec![issue(&[], "Expected object")]));
    };
    let mut issues = Vec::new();
    let scopes: Vec<String> = match b.get("scopes") {
        Some(Value::Array(a)) => {
            if a.is_empty() {
                issues.push(json!({"code": "too_small", "path": ["scopes"],
                    "message": "Array must contain at least 1 element(s)"}));
            }
            a.iter()
                .enumerate()
                .filter_map(|(i, s)| match s.as_str() {
                    Some(s) => Some(s.to_string()),
                    None => {
                        issues.push(json!({"code": "invalid_type", "path": ["scopes", i],
                            "message": "Expected string"}));
                        None
                    }
                })
                .collect()
        }
        None => {
            issues.push(issue(&["scopes"], "Required"));
            Vec::new()
        }
        Some(_) => {
            issues.push(issue(&["scopes"], "Expected array"));
            Vec::new()
        }
    };
    match b.get("expirationTime") {
        None | Some(Value::String(_)) | Some(Value::Number(_)) => {}
        Some(_) => issues.push(issue(&["expirationTime"], "Expected string or number")),
    }
    match b.get("oneTimeUse") {
        None | Some(Value::Bool(_)) => {}
        Some(_) => issues.push(issue(&["oneTimeUse"], "Expected boolean")),
    }
    match b.get("realtime") {
        None => {}
        Some(Value::Object(r)) => match r.get("skipColumns") {
            None => {}
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
            Some(_) => issues.push(issue(&["realtime", "skipColumns"], "Expected array")),
        },
        Some(_) => issues.push(issue(&["realtime"], "Expected object")),
    }
    if !issues.is_empty() {
        return Err(invalid_body(issues));
    }
    if let Some(own) = c.who.scopes() {
        let denied = denied_scopes(&scopes, own);
        if !denied.is_empty() {
            return Err(HttpResponse::json(
                403,
                &json!({
                    "error": "Requested scopes exceed the API key's access",
                    "code": "scopes_exceed_key_access",
                    "deniedScopes": denied,
                }),
            ));
        }
    }
    let now = c.now / 1000;
    let exp = match b.get("expirationTime") {
        None => Some(now + DEFAULT_TTL_SECS),
        Some(Value::Number(n)) => n.as_f64().map(|f| f.floor() as i64),
        Some(Value::String(s)) => relative_seconds(s).map(|d| now + d),
        Some(_) => None,
    }
    .ok_or_else(|| error(400, "Invalid expiration time"))?;
    if exp <= now {
        return Err(error(400, "Expiration time must be in the future"));
    }
    if exp - now > MAX_TTL_SECS {
        return Err(error(400, "Expiration time cannot exceed 30 days"));
    }
    let env_id = c.env_id();
    let key =
        c.st.env(&env_id)
            .map(|e| e.signing_key.clone())
            .ok_or_else(|| error(401, "Invalid or Missing API key"))?;
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(env_id));
    claims.insert("pub".into(), json!(true));
    claims.insert("scopes".into(), json!(scopes));
    if b.get("oneTimeUse") == Some(&Value::Bool(true)) {
        claims.insert("otu".into(), json!(true));
    }
    if let Some(r) = b.get("realtime") {
        claims.insert("realtime".into(), r.clone());
    }
    claims.insert("iss".into(), json!("https://id.trigger.dev"));
    claims.insert("aud".into(), json!("https://api.trigger.dev"));
    claims.insert("exp".into(), json!(exp));
    claims.insert("iat".into(), json!(now));
    ok(json!({"token": jwt::sign(&Value::Object(claims), &key)}))
}

fn invalid_body_plain() -> HttpResponse {
    error(400, "Invalid request body")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn denied() {
        let own = v(&["read:runs", "write:sessions:s1", "read:all"]);
        assert!(denied_scopes(
            &v(&["read:runs:run_1", "read:tasks", "write:sessions:s1"]),
            &own
        )
        .is_empty());
        assert_eq!(
            denied_scopes(
                &v(&["write:sessions:s2", "admin", "read", "write:runs"]),
                &own
            ),
            v(&["write:sessions:s2", "admin", "read", "write:runs"])
        );
        assert!(denied_scopes(&v(&["admin"]), &v(&["admin"])).is_empty());
        // An id-scoped key does not grant the type-level scope.
        assert_eq!(
            denied_scopes(&v(&["write:sessions"]), &v(&["write:sessions:s1"])),
            v(&["write:sessions"])
        );
    }

    #[test]
    fn relative() {
        assert_eq!(relative_seconds("1h"), Some(3600));
        assert_eq!(relative_seconds("2 Days"), Some(172_800));
        assert_eq!(relative_seconds("-5m"), Some(-300));
        assert_eq!(relative_seconds("5m ago"), Some(-300));
        assert_eq!(relative_seconds("+5m ago"), None);
        assert_eq!(relative_seconds("1.5h from now"), Some(5400));
        assert_eq!(relative_seconds("soon"), None);
    }
}
