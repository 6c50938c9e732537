//! Runs.

use std::ffi::c_char;

use super::boundary::{
    call_body, call_json, optional_object, parse_json, required_object, required_str,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{
    ListRunsParams, PollOptions, ReplayOptions, Run, RunItem, RunResult, RunSpan, RunTrace,
    UpdateMetadata,
};

/// A lazy iterator over every run a list matches: it fetches one page at a time as
/// `trigger_runs_iter_next` advances. Use it from one thread at a time (it may move between
/// threads). Free it with `trigger_runs_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_runs_iter {
    inner: PageIter<WithJson<RunItem>, String>,
}

/// Lists one page of runs and writes the page JSON to `*out_json`:
/// `{"data":[<each run as the server sent it>],"pagination":{"next":"<cursor>",
/// "previous":"<cursor>"}}`.
///
/// `params_json` is NULL or the official filters: `{"status":["COMPLETED"] or "COMPLETED",
/// "taskIdentifier":["my-task"],"version":[..],"bulkAction":"..","tag":[..],"schedule":"..",
/// "isTest":false,"from":<epoch ms>,"to":<epoch ms>,"period":"1d","batch":"..",
/// "queue":[{"type":"task","name":"my-task"},{"type":"custom","name":"q"},"task/other"],
/// "machine":[..],"region":[..],"limit":10,"after":"<cursor>","before":"<cursor>"}`. With a
/// secret key the key's environment is listed; with a personal access token `projectRef` and
/// `env` (`["dev"]`) are required and the project route is used (without `projectRef`:
/// `TRIGGER_RESULT_MISSING_PROJECT_REF`). Pass `pagination.next` as `after` for the next page.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let params: ListRunsParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .runs()
                .list_as::<WithJson<RunItem>>(&params)?)
        })
    }
}

/// Makes an iterator over every run `params_json` matches (same JSON as `trigger_runs_list`).
/// No request is made until the first `trigger_runs_iter_next`; bad arguments are reported now.
/// A NULL client means the ambient client as it is now, on this thread. On success writes the
/// iterator to `*out`; free it with `trigger_runs_iter_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_runs_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListRunsParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).runs().iter_as(&params)?;
            Ok(trigger_runs_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next run's JSON (the same bytes `trigger_runs_list` gives
/// for it) to `*item_json`, or NULL when there are no more runs (still `TRIGGER_RESULT_OK`). A
/// page is fetched when the current one runs out; if that fails, the error is returned and the
/// iterator ends.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_iter_next(
    iter: *mut trigger_runs_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a runs iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_iter_free(iter: *mut trigger_runs_iter) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a run (`GET /api/v3/runs/{run_id}`); writes the API's JSON to `*out_json`. A
/// large payload or output that the API sends as `payloadPresignedUrl` / `outputPresignedUrl`
/// is downloaded and filled in as `payload` / `output`, as the official SDK does. A missing run
/// is retried (the server marks its 404 retryable), then fails with `TRIGGER_RESULT_NOT_FOUND`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_retrieve(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client)
                .runs()
                .retrieve_as::<WithJson<Run>>(run_id)?)
        })
    }
}

/// Retrieves the run every `intervalMs` until it is completed (at most 500 times, as the
/// official `runs.poll`), for at most `timeoutMs`; writes the completed run's JSON (as
/// `trigger_runs_retrieve`) to `*out_json`. `options_json` is NULL (every second, no overall
/// timeout) or `{"intervalMs": 1000, "timeoutMs": 300000}` (`intervalMs` at most 86400000).
/// Fails with `TRIGGER_RESULT_WAIT_TIMEOUT` when the timeout passes first (the error's body is
/// the run as last retrieved), `TRIGGER_RESULT_POLL_LIMIT_REACHED` after 500 retrievals, and
/// `TRIGGER_RESULT_CANCELLED` / `TRIGGER_RESULT_INTERRUPTED` when the client's cancel token
/// fires or the thread's interrupt check asks (see `trigger_cancel_new`).
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_poll(
    client: *const trigger_client,
    run_id: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let options: PollOptions = optional_object(options_json, "options_json")?;
            Ok(resolve(client)
                .runs()
                .poll_as::<WithJson<Run>>(run_id, &options)?)
        })
    }
}

/// Cancels a run (`POST /api/v2/runs/{run_id}/cancel`); writes `{"id":"run_..."}` to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_cancel(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client).runs().cancel_as::<WithJson<_>>(run_id)?)
        })
    }
}

/// Replays a run (`POST /api/v1/runs/{run_id}/replay`); writes `{"id":"<new run id>"}` to
/// `*out_json`. `options_json` is NULL (replay as it was) or what the new run changes:
/// `{"payload":<any JSON>,"payloadType":"application/json"|"application/super+json",
/// "metadata":{},"tags":["a"],"queue":"q","concurrencyKey":"c","machine":"small-1x",
/// "version":"v","region":"eu","delay":"5m","ttl":"1h","idempotencyKey":"k",
/// "idempotencyKeyTTL":"1d","maxAttempts":3,"maxDuration":60,"priority":10}`; a payload without
/// `payloadType` is sent as superjson, as the official SDK.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_replay(
    client: *const trigger_client,
    run_id: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let options: ReplayOptions = optional_object(options_json, "options_json")?;
            Ok(resolve(client)
                .runs()
                .replay_as::<WithJson<_>>(run_id, &options)?)
        })
    }
}

/// Moves a delayed run to a new `delay` (a duration like `"1h"` or an ISO-8601 time;
/// `POST /api/v1/runs/{run_id}/reschedule`); writes the updated run's JSON to `*out_json`.
/// Fails with `TRIGGER_RESULT_UNPROCESSABLE` unless the run is `DELAYED`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_reschedule(
    client: *const trigger_client,
    run_id: *const c_char,
    delay: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let delay = required_str(delay, "delay")?;
            Ok(resolve(client)
                .runs()
                .reschedule_as::<WithJson<Run>>(run_id, delay)?)
        })
    }
}

/// Updates a run's metadata (`PUT /api/v1/runs/{run_id}/metadata`). `body_json` is
/// `{"metadata":{...}}` (replaces it) and/or `{"operations":[{"type":"set","key":"k",
/// "value":1}, {"type":"increment","key":"n","value":2}, ...]}` (also `parentOperations`,
/// `rootOperations`), sent as written. Writes the API's `{"metadata":{...}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_update_metadata(
    client: *const trigger_client,
    run_id: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let body: UpdateMetadata = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .runs()
                .update_metadata_as::<WithJson<_>>(run_id, &body)?)
        })
    }
}

/// A run's metadata (`GET /api/v1/runs/{run_id}/metadata`), decoded from the string the server
/// stores it as: writes `{"metadata":{...}|null,"metadataType":"application/json"}` to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_metadata(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client).runs().metadata(run_id)?)
        })
    }
}

/// Adds tags to a run (`POST /api/v1/runs/{run_id}/tags`). `tags_json` is a JSON string or an
/// array of strings (`["a","b"]`). Writes the API's `{"message":"..."}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_add_tags(
    client: *const trigger_client,
    run_id: *const c_char,
    tags_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    #[derive(serde::Deserialize)]
    struct Tags(
        #[serde(deserialize_with = "crate::resources::one_or_many::deserialize")] Vec<String>,
    );

    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let Tags(tags) = parse_json(required_str(tags_json, "tags_json")?, "tags_json")?;
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            Ok(resolve(client)
                .runs()
                .add_tags_as::<WithJson<_>>(run_id, &tags)?)
        })
    }
}

/// How a run ended, or that it has not yet, from the run itself (`GET /api/v3/runs/{run_id}`,
/// as `trigger_runs_retrieve`); writes one of these to `*out_json`:
/// `{"outcome":"succeeded","output":<the output as the API sent it, or null>}`,
/// `{"outcome":"failed","status":"FAILED"|"CANCELED"|…,"error":{"message":…,"name"?,
/// "stackTrace"?} or null}`, `{"outcome":"notFinished","status":"QUEUED"|…}`.
/// A missing run fails with `TRIGGER_RESULT_NOT_FOUND` (after the retries the server asks for).
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_outcome(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client).runs().outcome(run_id)?)
        })
    }
}

/// **Deprecated: use `trigger_runs_outcome`.** Current servers answer this route only for
/// canceled runs; for every other run, finished or not, it is a 404, so this writes `null`.
///
/// The result of a finished run (`GET /api/v1/runs/{run_id}/result`): writes the API's JSON
/// (`{"ok":true,"id":"run_...","output":...,"outputType":"..."}`) to `*out_json`, or the JSON
/// text `null` when the route answers 404 (as the official SDK returns `undefined`).
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_result(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client).runs().result_as::<WithJson<_>>(run_id)?)
        })
    }
}

/// The output of `result_json` (a result as `trigger_runs_result` wrote it), decoded from its
/// text as `outputType` says, as the official SDK does: writes the output's JSON to
/// `*out_json`, or `null` when there is none (or it cannot be decoded). Makes no request.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_result_output(
    result_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let result: RunResult = required_object(result_json, "result_json")?;
            Ok(result.output_value())
        })
    }
}

/// The events of a run's trace (`GET /api/v1/runs/{run_id}/events`); writes the API's
/// `{"events":[...]}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_events(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client).runs().events_as::<WithJson<_>>(run_id)?)
        })
    }
}

/// A run's trace (`GET /api/v1/runs/{run_id}/trace`); writes the trace the API sent,
/// `{"traceId":"...","rootSpan":{...}}`, to `*out_json` (the `trace` member of its response).
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_trace(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            Ok(resolve(client)
                .runs()
                .trace_as::<WithJson<RunTrace>>(run_id)?
                .trace)
        })
    }
}

/// One span of a run's trace (`GET /api/v1/runs/{run_id}/spans/{span_id}`; span ids are those
/// of `trigger_runs_events` and `trigger_runs_trace`); writes the span the API sent to
/// `*out_json`: `{"spanId":"...","parentId":null,"runId":"run_...","message":"my-task",
/// "isError":false,"isPartial":true,"isCancelled":false,"level":"TRACE","startTime":"...",
/// "durationMs":0,...}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_retrieve_span(
    client: *const trigger_client,
    run_id: *const c_char,
    span_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let run_id = required_str(run_id, "run_id")?;
            let span_id = required_str(span_id, "span_id")?;
            Ok(resolve(client)
                .runs()
                .retrieve_span_as::<WithJson<RunSpan>>(run_id, span_id)?)
        })
    }
}
