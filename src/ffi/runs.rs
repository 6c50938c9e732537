//! Runs.

use std::ffi::c_char;

use super::boundary::{
    catch, optional_object, parse_json, required_object, required_str, to_json, write_string,
};
use super::client::{resolve, send, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::error::Error;
use crate::resources::{payload, runs::calls, ListRunsParams, RunsIter, UpdateMetadata};

/// A lazy iterator over every run a list matches: it fetches one page at a time as
/// `trigger_runs_iter_next` advances. Use it from one thread at a time (it may move between
/// threads). Free it with `trigger_runs_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_runs_iter {
    inner: RunsIter,
}

/// Lists one page of runs and writes the API's page JSON to `*out_json`:
/// `{"data":[...],"pagination":{"next":"<cursor>","previous":"<cursor>"}}`.
///
/// `params_json` is NULL or the official filters: `{"status":["COMPLETED"],
/// "taskIdentifier":["my-task"],"version":[..],"bulkAction":"..","tag":[..],"schedule":"..",
/// "isTest":false,"from":<epoch ms>,"to":<epoch ms>,"period":"1d","batch":"..","queue":[..],
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
    catch(err, || {
        // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
        let params: ListRunsParams = unsafe { optional_object(params_json, "params_json") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::list(&client, &params))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Lists one page of a project's runs with a personal access token
/// (`GET /api/v1/projects/{project_ref}/runs`); `params_json` as for `trigger_runs_list`, where
/// `env` is required (`{"env":["dev"]}`). Writes the page JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_list_project(
    client: *const trigger_client,
    project_ref: *const c_char,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let mut params: ListRunsParams = unsafe { optional_object(params_json, "params_json") }?;
        params.project_ref = Some(project_ref.to_owned());
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::project_list(&params))?;
        unsafe { write_string(out_json, json) }
    })
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
    // SAFETY: the caller passes valid pointers, as the header documents.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListRunsParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).runs().iter(&params)?;
            Ok(trigger_runs_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next run's JSON to `*item_json`, or NULL when there are no
/// more runs (still `TRIGGER_RESULT_OK`). A page is fetched when the current one runs out; if
/// that fails, the error is returned and the iterator ends.
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
    catch(err, || {
        // SAFETY (all blocks): the caller of the export passes valid pointers.
        let run_id = unsafe { required_str(run_id, "run_id") }?;
        let client = unsafe { resolve(client) };
        let mut json = send(&client, calls::retrieve(run_id))?;
        // The common case passes through untouched; only a run with packets is rebuilt.
        if json.contains("PresignedUrl\"") {
            let mut run: serde_json::Value = parse_json(&json, "response")?;
            fill_packets(&client, &mut run);
            json = to_json(&run)?;
        }
        unsafe { write_string(out_json, json) }
    })
}

/// Downloads `payloadPresignedUrl` / `outputPresignedUrl` into `payload` / `output` where those
/// are missing (left missing when the download fails).
fn fill_packets(client: &crate::Client, run: &mut serde_json::Value) {
    for (url_key, key) in [
        ("payloadPresignedUrl", "payload"),
        ("outputPresignedUrl", "output"),
    ] {
        if run.get(key).is_some_and(|v| !v.is_null()) {
            continue;
        }
        let url = run.get(url_key).and_then(|u| u.as_str()).map(str::to_owned);
        if let Some(value) = url.and_then(|u| payload::download(client, &u)) {
            run[key] = value;
        }
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
    // SAFETY: as above.
    unsafe { run_op(client, run_id, out_json, err, calls::cancel) }
}

/// Replays a run (`POST /api/v1/runs/{run_id}/replay`); writes `{"id":"<new run id>"}` to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_replay(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe { run_op(client, run_id, out_json, err, calls::replay) }
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
    catch(err, || {
        // SAFETY (all blocks): as above.
        let run_id = unsafe { required_str(run_id, "run_id") }?;
        let delay = unsafe { required_str(delay, "delay") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::reschedule(run_id, delay))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Updates a run's metadata (`PUT /api/v1/runs/{run_id}/metadata`). `body_json` is
/// `{"metadata":{...}}` (replaces it) and/or `{"operations":[{"type":"set","key":"k",
/// "value":1}, {"type":"increment","key":"n","value":2}, ...]}`. Writes the API's
/// `{"metadata":{...}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_update_metadata(
    client: *const trigger_client,
    run_id: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let run_id = unsafe { required_str(run_id, "run_id") }?;
        let body: UpdateMetadata = unsafe { required_object(body_json, "body_json") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::update_metadata(run_id, &body))?;
        unsafe { write_string(out_json, json) }
    })
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

    catch(err, || {
        // SAFETY (all blocks): as above.
        let run_id = unsafe { required_str(run_id, "run_id") }?;
        let text = unsafe { required_str(tags_json, "tags_json") }?;
        let Tags(tags) = parse_json(text, "tags_json")?;
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::add_tags(run_id, &tags))?;
        unsafe { write_string(out_json, json) }
    })
}

/// The result of a finished run (`GET /api/v1/runs/{run_id}/result`): writes the API's JSON
/// (`{"ok":true,"id":"run_...","output":...,"outputType":"..."}`) to `*out_json`, or the JSON
/// text `null` while the run is not finished (or does not exist), as the official SDK returns
/// `undefined`.
#[no_mangle]
pub unsafe extern "C" fn trigger_runs_result(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let run_id = unsafe { required_str(run_id, "run_id") }?;
        let client = unsafe { resolve(client) };
        let json = match send(&client, calls::result(run_id)) {
            Ok(json) => json,
            Err(e) if e.kind() == trigger_result::NotFound => "null".to_owned(),
            Err(e) => return Err(e),
        };
        unsafe { write_string(out_json, json) }
    })
}

/// The shape of the run calls that take only a run id.
unsafe fn run_op(
    client: *const trigger_client,
    run_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
    build: fn(&str) -> Result<crate::transport::Call, Error>,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): the caller of the export passes valid pointers.
        let run_id = unsafe { required_str(run_id, "run_id") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, build(run_id))?;
        unsafe { write_string(out_json, json) }
    })
}
