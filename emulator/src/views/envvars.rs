//! Env vars as the API shows them, and unredacted for the state dump.

use serde_json::{json, Map, Value};

use crate::model::envs::EnvVar;

/// What secret values read back as (the real server's exact string is not documented).
pub const REDACTED: &str = "<redacted>";

/// An env var as the API shows it (secret values redacted).
pub fn envvar_json(v: &EnvVar) -> Value {
    json!({
        "name": v.name,
        "value": if v.is_secret { REDACTED } else { v.value.as_str() },
        "isSecret": v.is_secret,
    })
}

/// All variables of an env with their real values (for `Emulator::envvars`).
pub fn envvars_dump(vars: &[EnvVar]) -> Value {
    let m: Map<String, Value> = vars
        .iter()
        .map(|v| {
            (
                v.name.clone(),
                json!({"value": v.value, "isSecret": v.is_secret}),
            )
        })
        .collect();
    Value::Object(m)
}
