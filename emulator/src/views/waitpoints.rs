//! Waitpoint tokens as the API shows them, and their callback URL.

use ring::hmac;
use serde_json::{json, Map, Value};

use super::put;
use crate::model::waitpoints::Waitpoint;
use crate::state::State;
use crate::util::{hashed, iso};

/// The hash in a token's callback URL: HMAC-SHA256 of the token id with the env's root key.
pub fn callback_hash(st: &State, w: &Waitpoint) -> String {
    let secret = st
        .env(&w.env_id)
        .map(|e| e.signing_key.clone())
        .unwrap_or_default();
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::sign(&key, w.id.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn callback_url(st: &State, w: &Waitpoint, base_url: &str) -> String {
    format!(
        "{base_url}/api/v1/waitpoints/tokens/{}/callback/{}",
        w.id,
        callback_hash(st, w)
    )
}

/// A token: the list shape, or with `full` the retrieve shape (adds `output*` and `type`).
/// Absent dates are left out (the client coerces present ones to dates).
pub fn waitpoint_json(st: &State, w: &Waitpoint, base_url: &str, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(w.id));
    m.insert("url".into(), json!(callback_url(st, w, base_url)));
    m.insert("status".into(), json!(w.status()));
    put(&mut m, "completedAt", w.completed_ms.map(|t| json!(iso(t))));
    put(&mut m, "timeoutAt", w.timeout_ms.map(|t| json!(iso(t))));
    put(
        &mut m,
        "completedAfter",
        w.timeout_ms.map(|t| json!(iso(t))),
    );
    put(
        &mut m,
        "idempotencyKey",
        w.idempotency_key
            .as_ref()
            .or(w.inactive_key.as_ref())
            .map(|k| json!(k)),
    );
    put(
        &mut m,
        "idempotencyKeyExpiresAt",
        w.idempotency_expires_ms.map(|t| json!(iso(t))),
    );
    let mut tags = w.tags.clone();
    if !full {
        tags.sort();
    }
    m.insert("tags".into(), json!(tags));
    m.insert("createdAt".into(), json!(iso(w.created_ms)));
    if full {
        // A token created without a key has one the server generated; only retrieve shows it.
        if !m.contains_key("idempotencyKey") {
            m.insert(
                "idempotencyKey".into(),
                json!(hashed(&["waitpoint-key", &w.id], 24)),
            );
        }
        m.insert("type".into(), json!("MANUAL"));
        m.insert(
            "userProvidedIdempotencyKey".into(),
            json!(w.idempotency_key.is_some() || w.inactive_key.is_some()),
        );
        put(
            &mut m,
            "inactiveIdempotencyKey",
            w.inactive_key.as_ref().map(|k| json!(k)),
        );
        put(&mut m, "output", w.output.as_ref().map(|o| json!(o)));
        m.insert("outputType".into(), json!(w.output_type));
        m.insert("outputIsError".into(), json!(w.output_is_error));
    }
    Value::Object(m)
}
