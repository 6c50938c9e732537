//! `POST /api/v1/auth/public-tokens`: server-minted public access tokens.

use serde_json::{json, Map, Value};

use super::{ok, Ctx, R};
use crate::auth::error;
use crate::jwt;
use crate::util::parse_jose_seconds;

const DEFAULT_TTL_SECS: i64 = 15 * 60;
const MAX_TTL_SECS: i64 = 30 * 86_400;

/// Body `{"scopes": [≥1], "expirationTime"?: string | unix seconds, "oneTimeUse"?, "realtime"?}` → `{"token"}`.
/// Signed with the env's root key, so every route that takes JWTs accepts it.
pub fn create(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let scopes: Vec<String> = match body.get("scopes") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|s| s.as_str().filter(|s| !s.is_empty()).map(String::from))
            .collect::<Option<_>>()
            .ok_or_else(|| error(400, "scopes must be non-empty strings"))?,
        _ => return Err(error(400, "scopes must be a non-empty array")),
    };
    let now = c.now / 1000;
    let exp = match body.get("expirationTime") {
        None | Some(Value::Null) => now + DEFAULT_TTL_SECS,
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|f| f.floor() as i64)
            .ok_or_else(|| error(400, "Invalid expirationTime"))?,
        Some(Value::String(s)) => parse_jose_seconds(s)
            .map(|d| now + d.round() as i64)
            .ok_or_else(|| error(400, &format!("Invalid expirationTime: {s}")))?,
        Some(_) => return Err(error(400, "Invalid expirationTime")),
    };
    if exp <= now {
        return Err(error(400, "expirationTime must be in the future"));
    }
    if exp - now > MAX_TTL_SECS {
        return Err(error(400, "expirationTime must be at most 30 days"));
    }
    let env_id = c.env_id();
    let key =
        c.st.env(&env_id)
            .map(|e| e.signing_key.clone())
            .ok_or_else(|| error(401, "Invalid or Missing API key"))?;
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(env_id));
    claims.insert("pub".into(), json!(true));
    if body.get("oneTimeUse") == Some(&Value::Bool(true)) {
        claims.insert("otu".into(), json!(true));
    }
    claims.insert("scopes".into(), json!(scopes));
    if let Some(r) = body.get("realtime").filter(|r| r.is_object()) {
        claims.insert("realtime".into(), r.clone());
    }
    claims.insert("iss".into(), json!("https://id.trigger.dev"));
    claims.insert("aud".into(), json!("https://api.trigger.dev"));
    claims.insert("exp".into(), json!(exp));
    claims.insert("iat".into(), json!(now));
    ok(json!({"token": jwt::sign(&Value::Object(claims), &key)}))
}
