//! Queues of the key's environment.
//!
//! A queue is named by `queue` and `queue_type`: a queue id (`"queue_…"`) with `queue_type`
//! NULL or `"id"`, a task id with `"task"`, or a custom queue's name with `"custom"`.

use std::ffi::c_char;

use super::boundary::{
    call_body, call_json, optional_object, optional_str, required_str, FfiResult,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{ListQueuesParams, Queue, QueueRef};

/// A lazy iterator over every queue. Use it from one thread at a time. Free it with
/// `trigger_queues_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_queues_iter {
    inner: PageIter<WithJson<Queue>, u32>,
}

/// Reads a queue reference.
///
/// # Safety
///
/// Both pointers are NULL or NUL-terminated strings.
unsafe fn queue_ref(queue: *const c_char, queue_type: *const c_char) -> FfiResult<QueueRef> {
    // SAFETY: forwarded.
    let name = unsafe { required_str(queue, "queue") }?.to_owned();
    // SAFETY: forwarded.
    match unsafe { optional_str(queue_type, "queue_type") }? {
        None | Some("id") => Ok(QueueRef::Id(name)),
        Some("task") => Ok(QueueRef::task(name)),
        Some("custom") => Ok(QueueRef::custom(name)),
        Some(_) => Err(trigger_error::invalid(
            "queue_type",
            "must be NULL, \"id\", \"task\" or \"custom\"",
        )),
    }
}

/// Lists one page of queues (`GET /api/v1/queues`). `params_json` is NULL or
/// `{"page":1,"perPage":20}`. Writes `{"data":[<each queue as the server sent it>],
/// "pagination":{"currentPage":1,"totalPages":1,"count":3}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let params: ListQueuesParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .queues()
                .list_as::<WithJson<Queue>>(&params)?)
        })
    }
}

/// Makes an iterator over every queue, from `params_json`'s page (same JSON as
/// `trigger_queues_list`). On success writes it to `*out`; free it with
/// `trigger_queues_iter_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_queues_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListQueuesParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).queues().iter_as(&params)?;
            Ok(trigger_queues_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next queue's JSON to `*item_json`, or NULL when there are
/// no more (still `TRIGGER_RESULT_OK`).
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_iter_next(
    iter: *mut trigger_queues_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a queues iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_iter_free(iter: *mut trigger_queues_iter) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a queue (`GET /api/v1/queues/{queue}?type=...`); writes its JSON to `*out_json`:
/// `{"id":"queue_...","name":"my-task","type":"task","running":0,"queued":1,"paused":false,
/// "concurrencyLimit":null,...}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_retrieve(
    client: *const trigger_client,
    queue: *const c_char,
    queue_type: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let queue = queue_ref(queue, queue_type)?;
            Ok(resolve(client)
                .queues()
                .retrieve_as::<WithJson<Queue>>(&queue)?)
        })
    }
}

/// Pauses a queue (its runs stay queued until it is resumed); writes the queue's JSON to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_pause(
    client: *const trigger_client,
    queue: *const c_char,
    queue_type: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let queue = queue_ref(queue, queue_type)?;
            Ok(resolve(client)
                .queues()
                .pause_as::<WithJson<Queue>>(&queue, "pause")?)
        })
    }
}

/// Resumes a paused queue; writes the queue's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_resume(
    client: *const trigger_client,
    queue: *const c_char,
    queue_type: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let queue = queue_ref(queue, queue_type)?;
            Ok(resolve(client)
                .queues()
                .pause_as::<WithJson<Queue>>(&queue, "resume")?)
        })
    }
}

/// Overrides a queue's concurrency limit with `limit` until it is reset; writes the queue's JSON
/// to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_override_concurrency_limit(
    client: *const trigger_client,
    queue: *const c_char,
    queue_type: *const c_char,
    limit: u32,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let queue = queue_ref(queue, queue_type)?;
            Ok(resolve(client)
                .queues()
                .override_concurrency_limit_as::<WithJson<Queue>>(&queue, limit)?)
        })
    }
}

/// Goes back to the concurrency limit declared in code; writes the queue's JSON to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_queues_reset_concurrency_limit(
    client: *const trigger_client,
    queue: *const c_char,
    queue_type: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let queue = queue_ref(queue, queue_type)?;
            Ok(resolve(client)
                .queues()
                .reset_concurrency_limit_as::<WithJson<Queue>>(&queue)?)
        })
    }
}
