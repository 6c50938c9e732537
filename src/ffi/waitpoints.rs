//! Waitpoint tokens.

use std::ffi::c_char;

use super::boundary::{
    call_body, call_json, optional_object, optional_raw, required_object, required_str,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{CreateWaitpointToken, ListWaitpointTokensParams, WaitpointToken};

/// A lazy iterator over every waitpoint token a list matches. Use it from one thread at a time.
/// Free it with `trigger_waitpoints_tokens_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_waitpoints_tokens_iter {
    inner: PageIter<WithJson<WaitpointToken>, String>,
}

/// Creates a waitpoint token (`POST /api/v1/waitpoints/tokens`). `options_json` is NULL or
/// `{"timeout":"1h"|"<ISO time>","idempotencyKey":"k","idempotencyKeyTTL":"1d",
/// "tags":["a"]}`. Writes `{"id":"waitpoint_...","isCached":false,"url":"<callback URL>",
/// "publicAccessToken":"eyJ..."|null}` to `*out_json`: the token, scoped
/// `write:waitpoints:<id>`, can complete it.
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_create_token(
    client: *const trigger_client,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let options: CreateWaitpointToken = optional_object(options_json, "options_json")?;
            Ok(resolve(client).waitpoints().create_token(&options)?)
        })
    }
}

/// Lists one page of waitpoint tokens (`GET /api/v1/waitpoints/tokens`). `params_json` is NULL
/// or `{"status":["WAITING","COMPLETED","TIMED_OUT"],"idempotencyKey":"k","tags":["a"],
/// "period":"1d","from":<epoch ms>,"to":<epoch ms>,"limit":20,"after":"<cursor>",
/// "before":"<cursor>"}`. Writes `{"data":[...],"pagination":{"next":"..."}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_list_tokens(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let params: ListWaitpointTokensParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .waitpoints()
                .list_tokens_as::<WithJson<WaitpointToken>>(&params)?)
        })
    }
}

/// Makes an iterator over every token `params_json` matches (same JSON as
/// `trigger_waitpoints_list_tokens`). On success writes it to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_list_tokens_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_waitpoints_tokens_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListWaitpointTokensParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).waitpoints().iter_tokens_as(&params)?;
            Ok(trigger_waitpoints_tokens_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next token's JSON to `*item_json`, or NULL when there are
/// no more (still `TRIGGER_RESULT_OK`).
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_tokens_iter_next(
    iter: *mut trigger_waitpoints_tokens_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a waitpoint tokens iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_tokens_iter_free(
    iter: *mut trigger_waitpoints_tokens_iter,
) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a waitpoint token (`GET /api/v1/waitpoints/tokens/{token_id}`); writes the API's
/// JSON to `*out_json`, with the completion data in `output` (encoded as `outputType` says:
/// `application/super+json` is `{"json":<data>}` text).
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_retrieve_token(
    client: *const trigger_client,
    token_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(token_id, "token_id")?;
            Ok(resolve(client)
                .waitpoints()
                .retrieve_token_as::<WithJson<WaitpointToken>>(id)?)
        })
    }
}

/// The completion data of `token_json` (a token as `trigger_waitpoints_retrieve_token` wrote
/// it), decoded from `output` as `outputType` says, as the official SDK does: writes the data's
/// JSON to `*out_json`, or `null` when the token has none (or it cannot be decoded). Makes no
/// request.
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_token_output(
    token_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let token: WaitpointToken = required_object(token_json, "token_json")?;
            Ok(token.output_value())
        })
    }
}

/// Completes a waitpoint token with `data_json` (any JSON, sent as written; NULL sends no data,
/// as the official SDK's `undefined`) (`POST /api/v1/waitpoints/tokens/{token_id}/complete`); a run waiting on it
/// resumes with the data. A client made from the token's public access token alone may call
/// this. Writes the API's `{"success":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_waitpoints_complete_token(
    client: *const trigger_client,
    token_id: *const c_char,
    data_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(token_id, "token_id")?;
            let data = optional_raw(data_json, "data_json")?;
            Ok(resolve(client)
                .waitpoints()
                .complete_token_as::<WithJson<_>>(id, data.as_ref())?)
        })
    }
}
