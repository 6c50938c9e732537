//! Bulk actions on runs.

use std::ffi::c_char;

use super::boundary::{call_body, call_json, optional_object, required_object, required_str};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{BulkAction, CreateBulkAction, ListBulkActionsParams};

/// A lazy iterator over every bulk action. Use it from one thread at a time. Free it with
/// `trigger_bulk_actions_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_bulk_actions_iter {
    inner: PageIter<WithJson<BulkAction>, String>,
}

/// Creates a bulk action (`POST /api/v1/bulk-actions`). `body_json` is
/// `{"filter":{"status":["QUEUED"],"tag":"old",...},"name":"cancel old","action":"cancel"}` or
/// `{"runIds":["run_1","run_2"],"targetRegion":"eu-central-1","action":"replay"}` (exactly one
/// of `filter` and `runIds`; the filter takes the run list filters). Writes the API's
/// `{"id":"bulk_..."}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_create(
    client: *const trigger_client,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_body(out_json, err, || {
            let body: CreateBulkAction = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .bulk_actions()
                .create_as::<WithJson<_>>(&body)?)
        })
    }
}

/// Lists one page of bulk actions (`GET /api/v1/bulk-actions`). `params_json` is NULL or
/// `{"limit":20,"after":"<cursor>","before":"<cursor>"}`. Writes `{"data":[...],
/// "pagination":{"next":"..."}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let params: ListBulkActionsParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .bulk_actions()
                .list_as::<WithJson<BulkAction>>(&params)?)
        })
    }
}

/// Makes an iterator over every bulk action (same `params_json` as `trigger_bulk_actions_list`).
/// On success writes it to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_bulk_actions_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListBulkActionsParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).bulk_actions().iter_as(&params)?;
            Ok(trigger_bulk_actions_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next bulk action's JSON to `*item_json`, or NULL when
/// there are no more (still `TRIGGER_RESULT_OK`).
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_iter_next(
    iter: *mut trigger_bulk_actions_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a bulk actions iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_iter_free(iter: *mut trigger_bulk_actions_iter) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a bulk action (`GET /api/v1/bulk-actions/{bulk_action_id}`); writes its JSON
/// (`{"id","name","type","status","counts":{"total","success","failure"},"createdAt",
/// "completedAt"}`) to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_retrieve(
    client: *const trigger_client,
    bulk_action_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(bulk_action_id, "bulk_action_id")?;
            Ok(resolve(client)
                .bulk_actions()
                .retrieve_as::<WithJson<BulkAction>>(id)?)
        })
    }
}

/// Stops a bulk action that is still running (`POST /api/v1/bulk-actions/{id}/abort`); writes
/// the API's `{"id":"bulk_..."}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_bulk_actions_abort(
    client: *const trigger_client,
    bulk_action_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(bulk_action_id, "bulk_action_id")?;
            Ok(resolve(client).bulk_actions().abort_as::<WithJson<_>>(id)?)
        })
    }
}
