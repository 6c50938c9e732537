//! Triggering tasks, batches, and idempotency keys.

use std::ffi::c_char;

use serde_json::value::RawValue;

use super::boundary::{
    call_body, call_json, catch, json_error, optional_object, optional_raw, optional_str,
    parse_json, parse_object, require_out, required_str, write_string, FfiResult,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use crate::idempotency_keys::{self, IdempotencyKey, IdempotencyKeyScope};
use crate::json::WithJson;
use crate::resources::{Batch, BatchItem, BatchResults, BatchTriggerOptions, TriggerOptions};

/// Triggers one run of `task_id` (`POST /api/v1/tasks/{task_id}/trigger`).
///
/// `payload_json` is any JSON value, sent exactly as written: a JSON string goes as
/// `text/plain`, anything else as superjson (`{"json":<payload_json>}`), like the official SDK.
/// NULL means no payload at all (the official `undefined`). `options_json` holds the official
/// trigger options, or NULL: `{"idempotencyKey":"k" or ["part","part"],"idempotencyKeyTTL":"1h",
/// "delay":"5m","ttl":"10m","tags":["a"],"metadata":{},"queue":"q","concurrency":["limit"],
/// "concurrencyKey":"c","maxAttempts":3,"maxDuration":300,"machine":"small-1x","priority":10,
/// "version":"20250101.1","region":"eu","externalDeploymentId":"d","debounce":{"key":"k",
/// "delay":"5s"},"test":false}` (`test` is accepted and not sent, as the official SDK outside a
/// task).
///
/// On success writes `{"id":"run_...","isCached":false,"publicAccessToken":"eyJ..."|null}` to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_tasks_trigger(
    client: *const trigger_client,
    task_id: *const c_char,
    payload_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let task_id = required_str(task_id, "task_id")?;
            let payload = optional_raw(payload_json, "payload_json")?;
            let options: TriggerOptions = optional_object(options_json, "options_json")?;
            let tasks = resolve(client).tasks();
            Ok(match payload {
                Some(payload) => tasks.trigger(task_id, &payload, &options)?,
                None => tasks.trigger_without_payload(task_id, &options)?,
            })
        })
    }
}

/// Triggers many runs in one batch (the two-phase v3 flow of the official SDK).
///
/// `items_json` is a non-empty array of `{"task":"my-task","payload":<any JSON>,
/// "options":{<trigger options>}}` (`payload` and `options` may be left out; an item without
/// `payload` has none). `options_json` is NULL or `{"idempotencyKey":"k","idempotencyKeyTTL":
/// "1h"}`.
///
/// On success writes `{"batchId":"batch_...","runCount":2,"isCached":false,
/// "publicAccessToken":"eyJ..."|null}` to `*out_json`. Fails with
/// `TRIGGER_RESULT_BATCH_NOT_SEALED` if the server never seals the batch.
#[no_mangle]
pub unsafe extern "C" fn trigger_tasks_batch_trigger(
    client: *const trigger_client,
    items_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let items = batch_items(required_str(items_json, "items_json")?)?;
            let options: BatchTriggerOptions = optional_object(options_json, "options_json")?;
            Ok(resolve(client).tasks().batch_trigger(&items, &options)?)
        })
    }
}

/// Reads `items_json`: an array of item objects, each checked on its own so that errors name
/// the item's index, and each kept as written (payloads travel untouched).
fn batch_items(text: &str) -> FfiResult<Vec<BatchItem>> {
    const NAME: &str = "items_json";
    if !text.trim_start().starts_with('[') {
        let value: serde_json::Value = parse_json(text, NAME)?;
        return Err(trigger_error::invalid(
            NAME,
            format_args!(
                "must be a JSON array, not {}",
                crate::json::type_name(&value)
            ),
        ));
    }
    let raw: Vec<&RawValue> = parse_json_borrowed(text, NAME)?;
    raw.iter()
        .enumerate()
        .map(|(i, item)| parse_object(item.get(), &format!("{NAME}[{i}]")))
        .collect()
}

fn parse_json_borrowed<'a>(text: &'a str, name: &str) -> FfiResult<Vec<&'a RawValue>> {
    serde_json::from_str(text).map_err(|e| json_error(name, "", &e))
}

/// Retrieves a batch (`GET /api/v2/batches/{batch_id}`); writes the API's JSON to `*out_json`.
/// A missing batch is retried (the server marks its 404 retryable), then fails with
/// `TRIGGER_RESULT_NOT_FOUND`.
#[no_mangle]
pub unsafe extern "C" fn trigger_batches_retrieve(
    client: *const trigger_client,
    batch_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let batch_id = required_str(batch_id, "batch_id")?;
            Ok(resolve(client)
                .batches()
                .retrieve_as::<WithJson<Batch>>(batch_id)?)
        })
    }
}

/// The results of a batch's finished runs (`GET /api/v1/batches/{batch_id}/results`); writes
/// the API's JSON to `*out_json`: `{"id":"batch_...","items":[{"ok":true,"id":"run_...",
/// "output":"{\"a\":1}","outputType":"application/json",...},{"ok":false,"id":"run_...",
/// "error":{"type":"BUILT_IN_ERROR","name":"Error","message":"boom","stackTrace":"..."}}]}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_batches_results(
    client: *const trigger_client,
    batch_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let batch_id = required_str(batch_id, "batch_id")?;
            Ok(resolve(client)
                .batches()
                .results_as::<WithJson<BatchResults>>(batch_id)?)
        })
    }
}

/// Makes an idempotency key as the official `idempotencyKeys.create(key, {scope})`: the
/// lowercase hex SHA-256 of the key material, made here without any request. `key_json` is a
/// JSON string (`"order-42"`) or an array of parts joined with `-` (`["order","42"]`); `scope`
/// is `"run"` (NULL), `"attempt"` or `"global"`. A trigger given the result as its
/// `idempotencyKey` sends the original key and scope along. Writes the 64-character key (plain
/// text, not JSON) to `*out_key`.
#[no_mangle]
pub unsafe extern "C" fn trigger_idempotency_keys_create(
    key_json: *const c_char,
    scope: *const c_char,
    out_key: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out_key, "out_key")?;
        // SAFETY (all blocks): as above.
        let key: IdempotencyKey =
            parse_json(unsafe { required_str(key_json, "key_json") }?, "key_json")?;
        let scope = match unsafe { optional_str(scope, "scope") }? {
            None | Some("run") => IdempotencyKeyScope::Run,
            Some("attempt") => IdempotencyKeyScope::Attempt,
            Some("global") => IdempotencyKeyScope::Global,
            Some(_) => {
                return Err(trigger_error::invalid(
                    "scope",
                    "must be \"run\", \"attempt\" or \"global\"",
                ))
            }
        };
        unsafe { write_string(out_key, idempotency_keys::create(key, scope)) }
    })
}

/// Resets an idempotency key of `task_id` (`POST /api/v1/idempotencyKeys/{hash}/reset`), so the
/// next trigger with it makes a new run. `key_json` is the key as a trigger takes it (a JSON
/// string or array of parts; a 64-character key is taken as already hashed). Writes the API's
/// `{"id":"..."}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_idempotency_keys_reset(
    client: *const trigger_client,
    task_id: *const c_char,
    key_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let task_id = required_str(task_id, "task_id")?;
            let key: IdempotencyKey = parse_json(required_str(key_json, "key_json")?, "key_json")?;
            Ok(resolve(client)
                .idempotency_keys()
                .reset_as::<WithJson<_>>(task_id, &key)?)
        })
    }
}
