//! Schedules (cron triggers) of the key's environment, and the timezone list.

use std::ffi::c_char;

use super::boundary::{call_body, call_json, optional_object, required_object, required_str};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{CreateSchedule, ListSchedulesParams, Schedule, Schedules, UpdateSchedule};

/// A lazy iterator over every schedule: it fetches one page at a time as
/// `trigger_schedules_iter_next` advances. Use it from one thread at a time (it may move
/// between threads). Free it with `trigger_schedules_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_schedules_iter {
    inner: PageIter<WithJson<Schedule>, u32>,
}

/// Lists one page of schedules (`GET /api/v1/schedules`). `params_json` is NULL or
/// `{"page":1,"perPage":20}`. Writes the page JSON to `*out_json`: `{"data":[<each schedule as
/// the server sent it>],"pagination":{"currentPage":1,"totalPages":3,"count":42}}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let params: ListSchedulesParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .schedules()
                .list_as::<WithJson<Schedule>>(&params)?)
        })
    }
}

/// Makes an iterator over every schedule, starting at `params_json`'s page (same JSON as
/// `trigger_schedules_list`). No request is made until the first
/// `trigger_schedules_iter_next`. A NULL client means the ambient client as it is now, on this
/// thread. On success writes the iterator to `*out`; free it with
/// `trigger_schedules_iter_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_schedules_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListSchedulesParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).schedules().iter_as(&params)?;
            Ok(trigger_schedules_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next schedule's JSON to `*item_json`, or NULL when there
/// are no more (still `TRIGGER_RESULT_OK`). If fetching a page fails, the error is returned and
/// the iterator ends.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_iter_next(
    iter: *mut trigger_schedules_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a schedules iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_iter_free(iter: *mut trigger_schedules_iter) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Creates a schedule, or updates the one with the same deduplication key
/// (`POST /api/v1/schedules`). `body_json` is `{"task":"my-task","cron":"0 * * * *",
/// "deduplicationKey":"k","externalId":"user_1","timezone":"Europe/Paris","window":"30m"}`
/// (`externalId`, `timezone` and `window` optional). Writes the schedule's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_create(
    client: *const trigger_client,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let body: CreateSchedule = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .schedules()
                .create_as::<WithJson<Schedule>>(&body)?)
        })
    }
}

/// Retrieves a schedule (`GET /api/v1/schedules/{schedule_id}`); writes its JSON to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_retrieve(
    client: *const trigger_client,
    schedule_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe { schedule_op(client, schedule_id, out_json, err, Schedules::retrieve_as) }
}

/// Replaces a schedule's task, cron, external id, timezone and window
/// (`PUT /api/v1/schedules/{schedule_id}`). `body_json` is `{"task":"my-task",
/// "cron":"0 * * * *","externalId":"user_1","timezone":"UTC","window":"30m"}` (`task` and
/// `cron` required). Writes the schedule's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_update(
    client: *const trigger_client,
    schedule_id: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let schedule_id = required_str(schedule_id, "schedule_id")?;
            let body: UpdateSchedule = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .schedules()
                .update_as::<WithJson<Schedule>>(schedule_id, &body)?)
        })
    }
}

/// Turns a schedule on (`POST /api/v1/schedules/{schedule_id}/activate`); writes the
/// schedule's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_activate(
    client: *const trigger_client,
    schedule_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe { schedule_op(client, schedule_id, out_json, err, Schedules::activate_as) }
}

/// Turns a schedule off (`POST /api/v1/schedules/{schedule_id}/deactivate`); writes the
/// schedule's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_deactivate(
    client: *const trigger_client,
    schedule_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe { schedule_op(client, schedule_id, out_json, err, Schedules::deactivate_as) }
}

/// Deletes a schedule (`DELETE /api/v1/schedules/{schedule_id}`); writes the API's JSON
/// (`{"id":"sched_..."}`) to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_del(
    client: *const trigger_client,
    schedule_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let schedule_id = required_str(schedule_id, "schedule_id")?;
            Ok(resolve(client)
                .schedules()
                .del_as::<WithJson<_>>(schedule_id)?)
        })
    }
}

/// The IANA timezones schedules accept (`GET /api/v1/timezones`, no credentials needed);
/// writes the list the API sent, `["Africa/Abidjan",...]`, to `*out_json`. `exclude_utc`
/// leaves out `UTC`.
#[no_mangle]
pub unsafe extern "C" fn trigger_schedules_timezones(
    client: *const trigger_client,
    exclude_utc: bool,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            Ok(resolve(client)
                .schedules()
                .timezones_as::<WithJson<Vec<String>>>(exclude_utc)?
                .timezones)
        })
    }
}

/// The shape of the schedule calls that take only a schedule id and return the schedule.
unsafe fn schedule_op(
    client: *const trigger_client,
    schedule_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
    op: fn(&Schedules, &str) -> crate::Result<WithJson<Schedule>>,
) -> trigger_result {
    // SAFETY (all blocks): the caller of the export passes valid pointers.
    unsafe {
        call_json(out_json, err, || {
            let schedule_id = required_str(schedule_id, "schedule_id")?;
            Ok(op(&resolve(client).schedules(), schedule_id)?)
        })
    }
}
