//! Triggering tasks and retrieving batches.

use std::ffi::c_char;

use serde_json::{json, Value};

use super::boundary::{
    catch, not_an_object, optional_object, optional_value, parse_json, redact_strings,
    required_str, to_json, write_string, FfiResult,
};
use super::client::{resolve, send, trigger_client};
use super::error::{trigger_error, trigger_result};
use crate::resources::{batches, BatchItem, BatchTriggerOptions, TriggerOptions};

/// Triggers one run of `task_id` (`POST /api/v1/tasks/{task_id}/trigger`).
///
/// `payload_json` is any JSON value (NULL means `null`): a JSON string is sent as `text/plain`,
/// anything else as superjson, like the official SDK. `options_json` holds the official trigger
/// options, or NULL: `{"idempotencyKey":"k","idempotencyKeyTTL":"1h","delay":"5m",
/// "ttl":"10m","tags":["a"],"metadata":{},"queue":"q","concurrencyKey":"c","maxAttempts":3,
/// "maxDuration":300,"machine":"small-1x","priority":10,"version":"20250101.1",
/// "region":"eu"}`.
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
    catch(err, || {
        // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
        let task_id = unsafe { required_str(task_id, "task_id") }?;
        let payload = unsafe { optional_value(payload_json, "payload_json") }?;
        let options: TriggerOptions = unsafe { optional_object(options_json, "options_json") }?;
        let client = unsafe { resolve(client) };
        let handle = client.tasks().trigger(task_id, &payload, &options)?;
        let out = json!({
            "id": handle.id,
            "isCached": handle.is_cached,
            "publicAccessToken": handle.public_access_token,
        });
        unsafe { write_string(out_json, to_json(&out)?) }
    })
}

/// Triggers many runs in one batch (the two-phase v3 flow of the official SDK).
///
/// `items_json` is a non-empty array of `{"task":"my-task","payload":<any JSON>,
/// "options":{<trigger options>}}` (`payload` and `options` may be left out). `options_json`
/// is NULL or `{"idempotencyKey":"k","idempotencyKeyTTL":"1h"}`.
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
    catch(err, || {
        // SAFETY (all blocks): as above.
        let items = unsafe { batch_items(items_json) }?;
        let options: BatchTriggerOptions =
            unsafe { optional_object(options_json, "options_json") }?;
        let client = unsafe { resolve(client) };
        let handle = client.tasks().batch_trigger(&items, &options)?;
        let out = json!({
            "batchId": handle.batch_id,
            "runCount": handle.run_count,
            "isCached": handle.is_cached,
            "publicAccessToken": handle.public_access_token,
        });
        unsafe { write_string(out_json, to_json(&out)?) }
    })
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
    catch(err, || {
        // SAFETY (all blocks): as above.
        let batch_id = unsafe { required_str(batch_id, "batch_id") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, batches::calls::retrieve(batch_id))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Reads `items_json`: an array of item objects. Each item is checked on its own, so errors
/// name the item's index.
///
/// # Safety
///
/// `ptr` is NULL or a NUL-terminated string.
unsafe fn batch_items(ptr: *const c_char) -> FfiResult<Vec<BatchItem>> {
    const NAME: &str = "items_json";
    // SAFETY: forwarded.
    let text = unsafe { required_str(ptr, NAME) }?;
    let values: Vec<Value> = parse_json(text, NAME)?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let item = format!("{NAME}[{i}]");
            if !value.is_object() {
                return Err(not_an_object(&item, &value));
            }
            serde_json::from_value(value)
                .map_err(|e| trigger_error::invalid(&item, redact_strings(&e.to_string())))
        })
        .collect()
}
