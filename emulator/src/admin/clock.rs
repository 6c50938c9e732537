//! The emulator clock: advance it, read it, set or freeze it.

use serde_json::{json, Value};

use crate::auth::error;
use crate::route::{ok, Ctx, R};
use crate::util::{iso, parse_iso};

/// `POST /__emulator/advance` body `{"seconds": n}` or `{"ms": n}`.
pub fn advance(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let ms = match (body.get("seconds"), body.get("ms")) {
        (Some(s), _) => s.as_f64().map(|s| (s * 1000.0) as i64),
        (None, Some(m)) => m.as_f64().map(|m| m as i64),
        _ => None,
    }
    .filter(|ms| *ms >= 0)
    .ok_or_else(|| error(400, "Expected {\"seconds\": n} or {\"ms\": n} with n >= 0"))?;
    c.st.advance(ms);
    ok(json!({"now": iso(c.st.now_ms()), "offsetMs": c.st.offset_ms}))
}

fn clock(c: &Ctx) -> R {
    let now = c.st.now_ms();
    ok(json!({"now": iso(now), "nowMs": now, "frozen": c.st.frozen_ms.is_some()}))
}

/// `GET /__emulator/clock`
pub fn get(c: &mut Ctx) -> R {
    clock(c)
}

/// `POST /__emulator/clock` body `{"now"?: ISO | ms, "frozen"?: bool}`: sets the emulator clock
/// to `now` and (by default) stops it there; `{"frozen": false}` lets it run on from where it is.
pub fn set(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let at = match body.get("now") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| error(400, "now must be ms or an ISO date"))?,
        ),
        Some(Value::String(s)) => {
            Some(parse_iso(s).ok_or_else(|| error(400, &format!("Invalid date {s}")))?)
        }
        Some(_) => return Err(error(400, "now must be ms or an ISO date")),
    };
    let frozen = match body.get("frozen") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(error(400, "frozen must be a boolean")),
    };
    c.st.set_clock(at, frozen);
    clock(c)
}
