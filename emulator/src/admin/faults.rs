//! `/__emulator/faults`: list, add and clear fault rules (`faults.rs` applies them).

use serde_json::{json, Value};

use crate::auth::error;
use crate::faults::{FaultRule, FaultState, Faults};
use crate::http::HttpResponse;
use crate::route::{ok, Ctx, R};

/// `GET /__emulator/faults`
pub fn list(c: &mut Ctx) -> R {
    ok(json!({"faults": c.faults.rules}))
}

/// `POST /__emulator/faults` body: one rule, an array of rules, or `{"rules": [...], "seed"?: n}`
/// (the last form replaces the rules and reseeds the RNG; the others append).
pub fn add(c: &mut Ctx) -> R {
    let body = c.body_json()?;
    let parse = |v: Value| -> Result<Vec<FaultRule>, HttpResponse> {
        serde_json::from_value(v).map_err(|e| error(400, &format!("Invalid fault rule: {e}")))
    };
    match body {
        Value::Array(_) => {
            let rules = parse(body)?;
            c.faults.rules.extend(rules);
        }
        Value::Object(ref m) if m.contains_key("rules") => {
            let f: Faults = serde_json::from_value(body.clone())
                .map_err(|e| error(400, &format!("Invalid faults: {e}")))?;
            *c.faults = FaultState::new(&f);
        }
        Value::Object(_) => {
            let rule: FaultRule = serde_json::from_value(body)
                .map_err(|e| error(400, &format!("Invalid fault rule: {e}")))?;
            c.faults.rules.push(rule);
        }
        _ => {
            return Err(error(
                400,
                "Expected a fault rule object or an array of rules",
            ))
        }
    }
    ok(json!({"faults": c.faults.rules}))
}

/// `DELETE /__emulator/faults`
pub fn clear(c: &mut Ctx) -> R {
    c.faults.rules.clear();
    ok(json!({"faults": []}))
}
