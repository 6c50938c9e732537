//! Sessions, their channels, and public access tokens.
//!
//! A session is named by its `session_…` id or its external id. Channel functions take
//! `channel` (NULL for the default pair, or a named channel) and `io` (`"in"` or `"out"`).

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};

use super::boundary::{
    call_body, call_json, call_next_into, catch, optional_object, optional_raw, optional_str,
    parse_json, require_out, required_object, required_str, write_string, FfiResult,
};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::pages;
use super::unwind::catch_void;
use crate::client::Client;
use crate::json::WithJson;
use crate::pagination::PageIter;
use crate::resources::{
    ChannelIo, ListSessionsParams, PublicTokenOptions, Session, SessionChannel, StartSession,
    Stopper, SubscribeOptions, Subscription, TriggerTokenOptions, UpdateSession,
};

/// A lazy iterator over every session a list matches. Use it from one thread at a time. Free it
/// with `trigger_sessions_iter_free`.
#[allow(non_camel_case_types)]
pub struct trigger_sessions_iter {
    inner: PageIter<WithJson<Session>, String>,
}

/// A subscription to a session channel (SSE). `trigger_session_stream_next` blocks for the next
/// record; `trigger_session_stream_stop` may be called from any thread, also while another
/// thread is blocked in `_next`, which then returns at once with no record. Free it with
/// `trigger_session_stream_free` once no thread uses it.
#[allow(non_camel_case_types)]
pub struct trigger_session_stream {
    stopper: Stopper,
    inner: Mutex<Subscription>,
}

/// Mints a public access token (`auth.createPublicToken`). `options_json` is NULL or
/// `{"scopes":{"read":{"runs":["run_1"],"sessions":"session_123"},"write":{"sessions":
/// "session_123"},"trigger":{"tasks":true},"batchTrigger":{...}},"expirationTime":"15m" or
/// <Unix seconds>,"realtime":{...}}`; named channels are ids like `"s1:channels:chat"` (and
/// `"s1:channels:chat:out"` to read only `.out`). Expires in 1 hour unless `expirationTime`
/// says otherwise (at most 30 days). With a root secret key it is signed locally after one
/// request for the environment's claims; with an additional key the server mints it. Writes
/// the token (plain text, not JSON) to `*out_token`.
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_create_public_token(
    client: *const trigger_client,
    options_json: *const c_char,
    out_token: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out_token, "out_token")?;
        // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
        let options: PublicTokenOptions = unsafe { optional_object(options_json, "options_json") }?;
        let token = unsafe { resolve(client) }
            .auth()
            .create_public_token(&options)?;
        unsafe { write_string(out_token, token) }
    })
}

/// Mints a token that may trigger the tasks of `tasks_json` (a task id or an array of them),
/// once unless `multipleUse` (`auth.createTriggerPublicToken`). `options_json` is NULL or
/// `{"expirationTime":"1h","multipleUse":false,"realtime":{...}}`. Writes the token to
/// `*out_token`.
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_create_trigger_public_token(
    client: *const trigger_client,
    tasks_json: *const c_char,
    options_json: *const c_char,
    out_token: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe { task_token(client, tasks_json, options_json, out_token, err, false) }
}

/// Mints a token that may batch-trigger the tasks of `tasks_json`
/// (`auth.createBatchTriggerPublicToken`); as `trigger_auth_create_trigger_public_token`.
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_create_batch_trigger_public_token(
    client: *const trigger_client,
    tasks_json: *const c_char,
    options_json: *const c_char,
    out_token: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe { task_token(client, tasks_json, options_json, out_token, err, true) }
}

unsafe fn task_token(
    client: *const trigger_client,
    tasks_json: *const c_char,
    options_json: *const c_char,
    out_token: *mut *mut c_char,
    err: *mut *mut trigger_error,
    batch: bool,
) -> trigger_result {
    #[derive(serde::Deserialize)]
    struct Tasks(
        #[serde(deserialize_with = "crate::resources::one_or_many::deserialize")] Vec<String>,
    );
    catch(err, || {
        require_out(out_token, "out_token")?;
        // SAFETY (all blocks): the caller of the export passes valid pointers.
        let Tasks(tasks) = parse_json(
            unsafe { required_str(tasks_json, "tasks_json") }?,
            "tasks_json",
        )?;
        let tasks: Vec<&str> = tasks.iter().map(String::as_str).collect();
        let options: TriggerTokenOptions =
            unsafe { optional_object(options_json, "options_json") }?;
        let auth = unsafe { resolve(client) }.auth();
        let token = if batch {
            auth.create_batch_trigger_public_token(&tasks, &options)?
        } else {
            auth.create_trigger_public_token(&tasks, &options)?
        };
        unsafe { write_string(out_token, token) }
    })
}

/// Starts a session and its first run (`POST /api/v1/sessions`). `body_json` is
/// `{"type":"chat","externalId":"chat-42","taskIdentifier":"chat-agent","triggerConfig":
/// {"basePayload":{...},"machine":"small-1x","queue":"q","concurrency":["limit"],
/// "concurrencyKey":"k","tags":["a"],"maxAttempts":3,"maxDuration":600,"lockToVersion":"v",
/// "region":"eu","idleTimeoutInSeconds":300,"externalDeploymentId":"d" or null},"tags":["t"],
/// "metadata":{...},"expiresAt":"<ISO>"}`. Writes the session's JSON with `runId`,
/// `isCached` and the session's `publicAccessToken` (scoped to it, 1 hour) to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_start(
    client: *const trigger_client,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let body: StartSession = required_object(body_json, "body_json")?;
            Ok(resolve(client).sessions().start_as::<WithJson<_>>(&body)?)
        })
    }
}

/// Lists one page of sessions (`GET /api/v1/sessions`). `params_json` is NULL or
/// `{"type":"chat","tag":"a","taskIdentifier":"t","externalId":"x","status":"ACTIVE",
/// "period":"1d","from":<ms>,"to":<ms>,"limit":20,"after":"<cursor>","before":"<cursor>"}`.
/// Writes `{"data":[...],"pagination":{"next":"..."}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_list(
    client: *const trigger_client,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let params: ListSessionsParams = optional_object(params_json, "params_json")?;
            Ok(resolve(client)
                .sessions()
                .list_as::<WithJson<Session>>(&params)?)
        })
    }
}

/// Makes an iterator over every session `params_json` matches (same JSON as
/// `trigger_sessions_list`). On success writes it to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_list_iter(
    client: *const trigger_client,
    params_json: *const c_char,
    out: *mut *mut trigger_sessions_iter,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let params: ListSessionsParams = optional_object(params_json, "params_json")?;
            let inner = resolve(client).sessions().iter_as(&params)?;
            Ok(trigger_sessions_iter { inner })
        })
    }
}

/// Advances the iterator: writes the next session's JSON to `*item_json`, or NULL when there
/// are no more (still `TRIGGER_RESULT_OK`).
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_iter_next(
    iter: *mut trigger_sessions_iter,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: the caller passes NULL or a live iterator, used by one thread at a time.
    unsafe { pages::next_item(iter.as_mut().map(|i| &mut i.inner), item_json, err) }
}

/// Frees a sessions iterator. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_iter_free(iter: *mut trigger_sessions_iter) {
    // SAFETY: the caller passes NULL or an iterator from this library, freed once.
    unsafe { pages::free_iter(iter) }
}

/// Retrieves a session by id or external id (`GET /api/v1/sessions/{session}`); writes its
/// JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_retrieve(
    client: *const trigger_client,
    session: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let session = required_str(session, "session")?;
            Ok(resolve(client)
                .sessions()
                .retrieve_as::<WithJson<Session>>(session)?)
        })
    }
}

/// Changes a session's tags, metadata or external id (`PATCH /api/v1/sessions/{session}`).
/// `body_json` is `{"tags":["a"],"metadata":{...} or null,"externalId":"x" or null}`. Needs a
/// secret key (`TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL` with a public token, before sending).
/// Writes the session's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_update(
    client: *const trigger_client,
    session: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let session = required_str(session, "session")?;
            let body: UpdateSession = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .sessions()
                .update_as::<WithJson<Session>>(session, &body)?)
        })
    }
}

/// Closes a session (terminal, idempotent) with `reason` (NULL for none;
/// `POST /api/v1/sessions/{session}/close`). Needs a secret key. Writes the session's JSON to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_close(
    client: *const trigger_client,
    session: *const c_char,
    reason: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let session = required_str(session, "session")?;
            let reason = optional_str(reason, "reason")?;
            Ok(resolve(client)
                .sessions()
                .close_as::<WithJson<Session>>(session, reason)?)
        })
    }
}

/// The channel a call is about.
///
/// # Safety
///
/// Each pointer is NULL or a NUL-terminated string; `client` as for every export.
unsafe fn open_channel(
    client: *const trigger_client,
    session: *const c_char,
    name: *const c_char,
    io: *const c_char,
) -> FfiResult<SessionChannel> {
    // SAFETY (all blocks): forwarded.
    let session = unsafe { required_str(session, "session") }?;
    let io = match unsafe { required_str(io, "io") }? {
        "in" => ChannelIo::In,
        "out" => ChannelIo::Out,
        _ => return Err(trigger_error::invalid("io", "must be \"in\" or \"out\"")),
    };
    let client: Client = unsafe { resolve(client) };
    let mut handle = client.sessions().open(session)?;
    if let Some(name) = unsafe { optional_str(name, "channel") }? {
        handle = handle.channel(name)?;
    }
    Ok(handle.direction(io))
}

/// Appends `data_json` to a channel (`POST …/{io}/append`): a JSON string goes as its text,
/// anything else as the JSON as written. One part id per call, reused on retries, so a retried
/// append is recorded once. `.in` takes a session's public token; `.out` needs a secret key.
/// A closed session gives `TRIGGER_RESULT_SESSION_CLOSED` (not retried). Writes the API's
/// `{"ok":true,"seq":n}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_append(
    client: *const trigger_client,
    session: *const c_char,
    channel: *const c_char,
    io: *const c_char,
    data_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let channel = open_channel(client, session, channel, io)?;
            let data = optional_raw(data_json, "data_json")?
                .ok_or_else(|| trigger_error::invalid("data_json", "must not be NULL"))?;
            Ok(channel.append_as::<WithJson<_>>(&data)?)
        })
    }
}

/// The records a channel has now, after `after_seq` (or all when it is negative;
/// `GET …/{io}/records`), without waiting. Writes the records, `[{"data":...,
/// "id":"<part id>","seqNum":n,"headers":[[k,v]]}]`, to `*out_json`; on `in`, `data` is the
/// text that was posted, as a subscription hands it out.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_records(
    client: *const trigger_client,
    session: *const c_char,
    channel: *const c_char,
    io: *const c_char,
    after_seq: i64,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let channel = open_channel(client, session, channel, io)?;
            let after = u64::try_from(after_seq).ok();
            Ok(channel.records(after)?)
        })
    }
}

/// Subscribes to a channel (SSE). `options_json` is NULL or `{"lastEventId":<seq>,
/// "fromLatest":false,"timeoutSeconds":60,"stopAtEndOfWindow":false,"peekSettled":false}`.
/// No request is made until the first `trigger_session_stream_next`. On success writes the
/// stream to `*out`; free it with `trigger_session_stream_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_sessions_subscribe(
    client: *const trigger_client,
    session: *const c_char,
    channel: *const c_char,
    io: *const c_char,
    options_json: *const c_char,
    out: *mut *mut trigger_session_stream,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        pages::new_iter(out, err, || {
            let channel = open_channel(client, session, channel, io)?;
            let options: SubscribeOptions = optional_object(options_json, "options_json")?;
            let subscription = channel.subscribe(&options)?;
            Ok(trigger_session_stream {
                stopper: subscription.stopper(),
                inner: Mutex::new(subscription),
            })
        })
    }
}

/// Blocks for the next record and writes its JSON to `*record_json`: `{"seqNum":n,
/// "id":"<part id>","data":...,"timestamp":ms,"headers":[[k,v]],"control":"turn-complete"|null}`
/// (a `turn-complete` record may carry a refreshed token in its `public-access-token` header;
/// the stream uses it from then on). Writes NULL when the stream has ended (stopped, or the end
/// of the window with `stopAtEndOfWindow`), still `TRIGGER_RESULT_OK`. When `last_seq` is not
/// NULL it also receives, on success, where a new stream resumes from now (as
/// `trigger_session_stream_last_seq` would say: this record's `seqNum`, or that of command
/// records skipped after it; -1 before any). Dropped connections and `error` events are retried
/// and resumed after the last record; a terminal error (401, 403, 404, 409, ...) is returned
/// once and ends the stream.
#[no_mangle]
pub unsafe extern "C" fn trigger_session_stream_next(
    stream: *mut trigger_session_stream,
    last_seq: *mut i64,
    record_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    let mut seq = -1;
    // SAFETY: the caller passes NULL or a live stream; only shared references are made, so
    // `trigger_session_stream_stop` may run at the same time.
    let rc = unsafe {
        call_next_into(record_json, "record_json", err, || {
            let stream = stream
                .cast_const()
                .as_ref()
                .ok_or_else(|| trigger_error::invalid("stream", "must not be NULL"))?;
            let mut subscription = stream.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let record = subscription.next().transpose()?;
            seq = resume_point(&subscription);
            Ok(record)
        })
    };
    if rc == trigger_result::Ok && !last_seq.is_null() {
        // SAFETY: the caller passes NULL or writable storage for one int64_t.
        unsafe { *last_seq = seq };
    }
    rc
}

/// Writes to `*out_seq` the `seqNum` of the last record `trigger_session_stream_next` has
/// handed out (or of command records it skipped after it), or -1 before the first: where a new
/// subscription resumes (`{"lastEventId":<seq>}`) without losing or repeating a record. Waits while another thread is in `trigger_session_stream_next`.
#[no_mangle]
pub unsafe extern "C" fn trigger_session_stream_last_seq(
    stream: *const trigger_session_stream,
    out_seq: *mut i64,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY: the caller passes NULL or a live stream, and NULL or writable storage.
        let stream = unsafe { stream.as_ref() }
            .ok_or_else(|| trigger_error::invalid("stream", "must not be NULL"))?;
        require_out(out_seq, "out_seq")?;
        let seq = resume_point(&stream.inner.lock().unwrap_or_else(PoisonError::into_inner));
        // SAFETY: checked non-NULL above.
        unsafe { *out_seq = seq };
        Ok(())
    })
}

/// Stops a stream from any thread: a `trigger_session_stream_next` blocked on it returns at
/// once, writing NULL, and later calls do the same. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_session_stream_stop(stream: *const trigger_session_stream) {
    // SAFETY: the caller passes NULL or a live stream.
    if let Some(stream) = unsafe { stream.as_ref() } {
        catch_void(|| stream.stopper.stop());
    }
}

/// Frees a stream (stopping it first). NULL is accepted and ignored. No thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn trigger_session_stream_free(stream: *mut trigger_session_stream) {
    if stream.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes a stream from this library and frees it once.
        let stream = unsafe { Box::from_raw(stream) };
        stream.stopper.stop();
    });
}

/// Where a new stream resumes after what `subscription` has handed out: -1 before any record.
fn resume_point(subscription: &Subscription) -> i64 {
    subscription
        .last_seq()
        .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX))
}
