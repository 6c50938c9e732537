//! Realtime run subscriptions: a run, the runs of tags, the runs of a batch, as they change;
//! waiting for a run to finish; reading a run's streams and sending to its input streams.

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::boundary::{
    call_body, call_json, call_next_into, optional_object, optional_raw, parse_json, required_str,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use super::unwind::catch_void;
use crate::json::WithJson;
use crate::resources::{
    RunStopper, RunStream, RunSubscription, Stopper, StreamOptions, SubscribeRunOptions,
    SubscribeRunsOptions, TriggerOptions,
};

/// A realtime subscription to runs (from `trigger_runs_subscribe`,
/// `trigger_runs_subscribe_tagged`, `trigger_batches_subscribe` or
/// `trigger_tasks_trigger_and_subscribe`). `trigger_run_subscription_next` blocks for the next
/// snapshot; `trigger_run_subscription_stop` may be called from any thread, also while another
/// is blocked in `_next`. Free it with `trigger_run_subscription_free`.
#[allow(non_camel_case_types)]
pub struct trigger_run_subscription {
    stopper: RunStopper,
    inner: Mutex<RunSubscription>,
}

fn handle(subscription: RunSubscription) -> trigger_run_subscription {
    trigger_run_subscription {
        stopper: subscription.stopper(),
        inner: Mutex::new(subscription),
    }
}

/// Subscribes to a run's changes (`GET /realtime/v1/runs/{run_id}`, the realtime feed).
/// `options_json` is NULL or `{"skipColumns":["payload","output"],"stopOnCompletion":true}`
/// (by default the subscription ends after the run finished). No request is made until the
/// first `trigger_run_subscription_next`. On success writes the subscription to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_subscribe(
    client: *const trigger_client,
    run_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut trigger_run_subscription,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        pages::new_iter(out, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let options: SubscribeRunOptions = optional_object(options_json, "options_json")?;
            Ok(handle(resolve(client).runs().subscribe(run_id, &options)?))
        })
    }
}

/// Subscribes to the runs that carry every one of `tags_json` (`"a"` or `["a","b"]`;
/// `GET /realtime/v1/runs?tags=…`). `options_json` is NULL or `{"createdAt":"1h",
/// "skipColumns":[...]}`. Never ends on its own. On success writes the subscription to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_subscribe_tagged(
    client: *const trigger_client,
    tags_json: *const c_char,
    options_json: *const c_char,
    out: *mut *mut trigger_run_subscription,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        pages::new_iter(out, err, || {
            #[derive(serde::Deserialize)]
            struct Tags(
                #[serde(deserialize_with = "crate::resources::one_or_many::deserialize")]
                Vec<String>,
            );
            let Tags(tags) = parse_json(required_str(tags_json, "tags_json")?, "tags_json")?;
            let options: SubscribeRunsOptions = optional_object(options_json, "options_json")?;
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            Ok(handle(
                resolve(client).runs().subscribe_tagged(&tags, &options)?,
            ))
        })
    }
}

/// Subscribes to the runs of a batch (`GET /realtime/v1/batches/{batch_id}`). `options_json`
/// is NULL or `{"skipColumns":[...]}`. Never ends on its own. On success writes the
/// subscription to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_batches_subscribe(
    client: *const trigger_client,
    batch_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut trigger_run_subscription,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        pages::new_iter(out, err, || {
            let batch_id = required_str(batch_id, "batch_id")?;
            let options: SubscribeRunsOptions = optional_object(options_json, "options_json")?;
            Ok(handle(
                resolve(client).batches().subscribe(batch_id, &options)?,
            ))
        })
    }
}

/// Triggers a run of `task_id` (as `trigger_tasks_trigger`: `payload_json` NULL for no
/// payload, `options_json` the trigger options) and subscribes to it without its payload. The
/// trigger is sent now; on success writes the subscription to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_tasks_trigger_and_subscribe(
    client: *const trigger_client,
    task_id: *const c_char,
    payload_json: *const c_char,
    options_json: *const c_char,
    out: *mut *mut trigger_run_subscription,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        pages::new_iter(out, err, || {
            let task_id = required_str(task_id, "task_id")?;
            let payload = optional_raw(payload_json, "payload_json")?;
            let options: TriggerOptions = optional_object(options_json, "options_json")?;
            let client = resolve(client);
            let tasks = client.tasks();
            let subscription = match &payload {
                Some(payload) => tasks.trigger_and_subscribe(task_id, payload, &options)?,
                None => {
                    let run = tasks.trigger_without_payload(task_id, &options)?;
                    let without_payload = SubscribeRunOptions::new().skip_columns(["payload"]);
                    client.runs().subscribe(&run.id, &without_payload)?
                }
            };
            Ok(handle(subscription))
        })
    }
}

/// Blocks for the next snapshot of a run and writes it to `*run_json` (the fields of
/// `trigger_runs_retrieve` the feed carries: `id`, `status`, `taskIdentifier`, the `is*` flags,
/// timestamps, `tags`, cost, `payload`, `output`, `metadata`, `error`). Writes NULL when the
/// subscription has ended (stopped, or after the run finished), still `TRIGGER_RESULT_OK`.
/// Dropped connections, 429 and 5xx are retried; another error is returned once and ends it.
#[no_mangle]
pub unsafe extern "C" fn trigger_run_subscription_next(
    subscription: *mut trigger_run_subscription,
    run_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live subscription; only shared references are made,
    // so `trigger_run_subscription_stop` may run at the same time.
    unsafe {
        call_next_into(run_json, "run_json", err, || {
            let subscription = subscription
                .cast_const()
                .as_ref()
                .ok_or_else(|| trigger_error::invalid("subscription", "must not be NULL"))?;
            let mut inner = subscription
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Ok(inner.next().transpose()?)
        })
    }
}

/// Stops a subscription from any thread: a `trigger_run_subscription_next` blocked on it returns
/// NULL within 50 ms, and later ones return NULL at once. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_run_subscription_stop(
    subscription: *const trigger_run_subscription,
) {
    // SAFETY: the caller passes NULL or a live subscription.
    if let Some(subscription) = unsafe { subscription.as_ref() } {
        catch_void(|| subscription.stopper.stop());
    }
}

/// Frees a subscription. NULL is accepted and ignored. No thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn trigger_run_subscription_free(
    subscription: *mut trigger_run_subscription,
) {
    if subscription.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes a subscription from this library and frees it once.
        drop(unsafe { Box::from_raw(subscription) });
    });
}

/// Waits for a run to finish (completed, failed or canceled), for at most `timeout_ms`, over
/// the realtime feed (no polling interval); writes the run as it finished to `*out_json`.
/// Fails with `TRIGGER_RESULT_WAIT_TIMEOUT` when the time passes first (the error's body is the
/// run as last seen), and `TRIGGER_RESULT_CANCELLED` / `_INTERRUPTED` as every wait.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_wait(
    client: *const trigger_client,
    run_id: *const c_char,
    timeout_ms: u64,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client)
                .runs()
                .wait(run_id, Duration::from_millis(timeout_ms))?)
        })
    }
}

/// A run stream being read (from `trigger_runs_stream`). `trigger_run_stream_next` blocks for
/// the next chunk; `trigger_run_stream_stop` may be called from any thread, also while another
/// is blocked in `_next`. Free it with `trigger_run_stream_free`.
#[allow(non_camel_case_types)]
pub struct trigger_run_stream {
    stopper: Stopper,
    inner: Mutex<RunStream>,
}

/// Reads a run's stream `key` (`GET /realtime/v1/streams/{run_id}/{key}`, server-sent events,
/// v1 or v2 as the server answers). `options_json` is NULL or `{"startIndex":0,
/// "fromLatest":false,"timeoutSeconds":60}` (`timeoutSeconds` 1-600, the server's window
/// without a new record; by default the server's). No request is made until the first
/// `trigger_run_stream_next`. On success writes the stream to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_stream(
    client: *const trigger_client,
    run_id: *const c_char,
    key: *const c_char,
    options_json: *const c_char,
    out: *mut *mut trigger_run_stream,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        pages::new_iter(out, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let key = required_str(key, "key")?;
            let options: StreamOptions = optional_object(options_json, "options_json")?;
            let stream = resolve(client).runs().stream(run_id, key, &options)?;
            Ok(trigger_run_stream {
                stopper: stream.stopper(),
                inner: Mutex::new(stream),
            })
        })
    }
}

/// Blocks for the next chunk the task wrote and writes its JSON to `*chunk_json` (a chunk that
/// is not JSON is a JSON string of its text). Writes NULL when the stream has ended (the server
/// closed it cleanly, or it was stopped), still `TRIGGER_RESULT_OK`. Dropped connections,
/// `error` events, 429 and 5xx are retried and resumed after the last record (a record the
/// server sends again is not handed out twice); a terminal error (400, 401, 403, 404, 410,
/// 422, ...) is returned once and ends the stream.
#[no_mangle]
pub unsafe extern "C" fn trigger_run_stream_next(
    stream: *mut trigger_run_stream,
    chunk_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live stream; only shared references are made, so
    // `trigger_run_stream_stop` may run at the same time.
    unsafe {
        call_next_into(chunk_json, "chunk_json", err, || {
            let stream = stream
                .cast_const()
                .as_ref()
                .ok_or_else(|| trigger_error::invalid("stream", "must not be NULL"))?;
            let mut inner = stream.inner.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(inner.next().transpose()?)
        })
    }
}

/// Stops a run stream from any thread: a `trigger_run_stream_next` blocked on it returns at
/// once, writing NULL, and later calls do the same. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_run_stream_stop(stream: *const trigger_run_stream) {
    // SAFETY: the caller passes NULL or a live stream.
    if let Some(stream) = unsafe { stream.as_ref() } {
        catch_void(|| stream.stopper.stop());
    }
}

/// Frees a run stream. NULL is accepted and ignored. No thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn trigger_run_stream_free(stream: *mut trigger_run_stream) {
    if stream.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes a stream from this library and frees it once.
        drop(unsafe { Box::from_raw(stream) });
    });
}

/// Sends `data_json` (any JSON value) to a run's input stream `stream_id`
/// (`POST /realtime/v1/streams/{run_id}/input/{stream_id}`, body `{"data":<data_json>}`), with
/// the client's retries. Writes the API's `{"ok":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_streams_send_input(
    client: *const trigger_client,
    run_id: *const c_char,
    stream_id: *const c_char,
    data_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let stream_id = required_str(stream_id, "stream_id")?;
            let data = optional_raw(data_json, "data_json")?
                .ok_or_else(|| trigger_error::invalid("data_json", "must not be NULL"))?;
            Ok(resolve(client)
                .streams()
                .send_input_as::<WithJson<_>>(run_id, stream_id, &data)?)
        })
    }
}
