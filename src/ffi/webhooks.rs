//! Alert webhooks: verifying a request Trigger.dev sent to an alert's URL and decoding its
//! event. No request is made and no client is needed.

use std::ffi::c_char;

use super::boundary::{call_body, optional_str, required_str};
use super::error::{trigger_error, trigger_result};
use crate::json::WithJson;
use crate::webhooks::construct_event_as;

/// Verifies an alert webhook's request and decodes its event (the official SDK's
/// `webhooks.constructEvent`). `payload` and `payload_len` are the raw request body, exactly as
/// received (NULL only when `payload_len` is 0); `signature` is the request's
/// `x-trigger-signature-hmacsha256` header, or NULL when it has none; `secret` is the webhook
/// alert's secret (not empty). The signature must be the lower-case hex HMAC-SHA256 of the body
/// keyed with the secret; it is compared in constant time.
///
/// On success writes the event to `*out_json`: the body's JSON as sent (`{"id","created",
/// "webhookVersion","type","object"}`), once the library has decoded it as the Rust API does.
/// A `type` the library does not know (such as `alert.dashboard_agent_watch`) is verified and
/// handed out too. Fails with `TRIGGER_RESULT_WEBHOOK_MISSING_SIGNATURE`,
/// `TRIGGER_RESULT_WEBHOOK_INVALID_SIGNATURE` or `TRIGGER_RESULT_WEBHOOK_INVALID_PAYLOAD`
/// (answer the request with a 400), or `TRIGGER_RESULT_INVALID_ARGUMENT` for an empty `secret`.
#[no_mangle]
pub unsafe extern "C" fn trigger_webhooks_construct_event(
    payload: *const u8,
    payload_len: usize,
    signature: *const c_char,
    secret: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_body(out_json, err, || {
            let payload: &[u8] = match (payload.is_null(), payload_len) {
                (true, 0) => &[],
                (true, _) => {
                    return Err(trigger_error::invalid(
                        "payload",
                        "must not be NULL (unless payload_len is 0)",
                    ))
                }
                // SAFETY: `payload` points to `payload_len` readable bytes (the contract).
                (false, len) => std::slice::from_raw_parts(payload, len),
            };
            let signature = optional_str(signature, "signature")?;
            let secret = required_str(secret, "secret")?;
            Ok(construct_event_as::<WithJson<_>>(
                payload, signature, secret,
            )?)
        })
    }
}
