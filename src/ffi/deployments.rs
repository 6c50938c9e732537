//! Deployments of the key's environment.

use std::ffi::c_char;

use super::boundary::{call_body, call_json, optional_object, required_str};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{Deployment, ListDeploymentsParams};

/// A lazy iterator over every deployment a list matches. Use it from one thread at a time. Free
/// it with `trigger_deployments_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_deployments_iter {
    inner: PageIter<WithJson<Deployment>, String>,
}

/// Lists one page of deployments (`GET /api/v1/deployments`), newest first. `params_json` is
/// NULL or `{"status":"DEPLOYED","period":"7d","from":"<ISO>","to":"<ISO>","limit":20,
/// "cursor":"<pagination.next>"}`. Writes `{"data":[...],"pagination":{"next":"..."}}` to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let params: ListDeploymentsParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .deployments()
                .list_as::<WithJson<Deployment>>(&params)?)
        })
    }
}

/// Makes an iterator over every deployment `params_json` matches (same JSON as
/// `trigger_deployments_list`). On success writes it to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_deployments_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListDeploymentsParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).deployments().iter_as(&params)?;
            Ok(trigger_deployments_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next deployment's JSON to `*item_json`, or NULL when there
/// are no more (still `TRIGGER_RESULT_OK`).
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_iter_next(
    iter: *mut trigger_deployments_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a deployments iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_iter_free(iter: *mut trigger_deployments_iter) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a deployment by id (`GET /api/v1/deployments/{deployment_id}`); writes its JSON to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_retrieve(
    client: *const trigger_client,
    deployment_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(deployment_id, "deployment_id")?;
            Ok(resolve(client)
                .deployments()
                .retrieve_as::<WithJson<Deployment>>(id)?)
        })
    }
}

/// The deployment new runs go to (`GET /api/v1/deployments/current`); writes its JSON to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_retrieve_current(
    client: *const trigger_client,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            Ok(resolve(client)
                .deployments()
                .retrieve_current_as::<WithJson<Deployment>>()?)
        })
    }
}

/// The newest deployment (`GET /api/v1/deployments/latest`); writes its JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_retrieve_latest(
    client: *const trigger_client,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            Ok(resolve(client)
                .deployments()
                .retrieve_latest_as::<WithJson<Deployment>>()?)
        })
    }
}

/// Makes the deployment of `version` the current one
/// (`POST /api/v1/deployments/{version}/promote`); writes the API's
/// `{"id":"...","version":"...","shortCode":"..."}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_deployments_promote(
    client: *const trigger_client,
    version: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let version = required_str(version, "version")?;
            Ok(resolve(client)
                .deployments()
                .promote_as::<WithJson<_>>(version)?)
        })
    }
}
