//! Named concurrency limits of the key's environment.
//!
//! A concurrency key (`concurrency_key_json`) is a JSON string (`"tenant-42"`) or number
//! (`42`); a number stays a number in request bodies.

use std::ffi::c_char;

use super::boundary::{
    call_body, call_json, optional_object, parse_json, required_object, required_str, FfiResult,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{
    ConcurrencyKey, ConcurrencyKeyLimit, ConcurrencyLimit, ListConcurrencyLimitsParams,
    OverrideConcurrencyKey, OverrideConcurrencyLimit,
};

/// A lazy iterator over every concurrency limit. Use it from one thread at a time. Free it
/// with `trigger_concurrency_limits_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_concurrency_limits_iter {
    inner: PageIter<WithJson<ConcurrencyLimit>, u32>,
}

/// Reads `concurrency_key_json`.
///
/// # Safety
///
/// `ptr` is NULL or a NUL-terminated string.
unsafe fn concurrency_key(ptr: *const c_char) -> FfiResult<ConcurrencyKey> {
    // SAFETY: forwarded.
    let text = unsafe { required_str(ptr, "concurrency_key_json") }?;
    parse_json(text, "concurrency_key_json")
}

/// Lists one page of concurrency limits (`GET /api/v1/concurrency-limits`). `params_json` is
/// NULL or `{"page":1,"perPage":20}`. Writes `{"data":[<each limit as the server sent it>],
/// "pagination":{"currentPage":1,"totalPages":1,"count":3}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let params: ListConcurrencyLimitsParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .concurrency_limits()
                .list_as::<WithJson<ConcurrencyLimit>>(&params)?)
        })
    }
}

/// Makes an iterator over every concurrency limit, from `params_json`'s page (same JSON as
/// `trigger_concurrency_limits_list`). On success writes it to `*out`; free it with
/// `trigger_concurrency_limits_iter_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_concurrency_limits_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListConcurrencyLimitsParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).concurrency_limits().iter_as(&params)?;
            Ok(trigger_concurrency_limits_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next limit's JSON to `*item_json`, or NULL when there are
/// no more (still `TRIGGER_RESULT_OK`).
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_iter_next(
    iter: *mut trigger_concurrency_limits_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a concurrency limits iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_iter_free(
    iter: *mut trigger_concurrency_limits_iter,
) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a concurrency limit (`GET /api/v1/concurrency-limits/{name}`); writes its JSON
/// to `*out_json`: `{"id":"climit_...","name":"openai","perKey":{"current":2,"base":2,
/// "override":null,"overriddenAt":null},"total":{...},"running":0,"queued":0,"paused":false}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_retrieve(
    client: *const trigger_client,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            Ok(resolve(client)
                .concurrency_limits()
                .retrieve_as::<WithJson<ConcurrencyLimit>>(name)?)
        })
    }
}

/// Retrieves a concurrency limit as it applies to one concurrency key
/// (`GET /api/v1/concurrency-limits/{name}?concurrencyKey=...`); writes its JSON to
/// `*out_json`: `{"name":"openai","concurrencyKey":"42","perKey":{"current":2,"base":2,
/// "override":null,"expiresAt":null},"running":0,"paused":false}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_retrieve_key(
    client: *const trigger_client,
    name: *const c_char,
    concurrency_key_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            let key = concurrency_key(concurrency_key_json)?;
            Ok(resolve(client)
                .concurrency_limits()
                .retrieve_key_as::<WithJson<ConcurrencyKeyLimit>>(name, &key)?)
        })
    }
}

/// Overrides a limit's bounds until it is reset; `options_json` is `{"perKey":5,"total":20}`
/// (one or both, each 0-100000). Writes the limit's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_override(
    client: *const trigger_client,
    name: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            let options: OverrideConcurrencyLimit = required_object(options_json, "options_json")?;
            Ok(resolve(client)
                .concurrency_limits()
                .override_limit_as::<WithJson<ConcurrencyLimit>>(name, &options)?)
        })
    }
}

/// Overrides one concurrency key's per-key bound until it lapses or is reset; `options_json`
/// is `{"concurrencyKey":42,"perKey":0,"ttl":"1d"}` (`ttl`, a duration or seconds, is
/// optional). Writes the key's limit JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_override_key(
    client: *const trigger_client,
    name: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            let options: OverrideConcurrencyKey = required_object(options_json, "options_json")?;
            Ok(resolve(client)
                .concurrency_limits()
                .override_key_as::<WithJson<ConcurrencyKeyLimit>>(name, &options)?)
        })
    }
}

/// Goes back to the bounds declared in code; writes the limit's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_reset(
    client: *const trigger_client,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            Ok(resolve(client)
                .concurrency_limits()
                .reset_as::<WithJson<ConcurrencyLimit>>(name)?)
        })
    }
}

/// Removes one concurrency key's override; writes the key's limit JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_reset_key(
    client: *const trigger_client,
    name: *const c_char,
    concurrency_key_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            let key = concurrency_key(concurrency_key_json)?;
            Ok(resolve(client)
                .concurrency_limits()
                .reset_key_as::<WithJson<ConcurrencyKeyLimit>>(name, &key)?)
        })
    }
}

/// Pauses a limit (runs that need it stay queued until it is resumed); writes the limit's
/// JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_pause(
    client: *const trigger_client,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            Ok(resolve(client)
                .concurrency_limits()
                .pause_as::<WithJson<ConcurrencyLimit>>(name, "pause")?)
        })
    }
}

/// Resumes a paused limit; writes the limit's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_concurrency_limits_resume(
    client: *const trigger_client,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let name = required_str(name, "name")?;
            Ok(resolve(client)
                .concurrency_limits()
                .pause_as::<WithJson<ConcurrencyLimit>>(name, "resume")?)
        })
    }
}
