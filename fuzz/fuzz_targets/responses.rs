//! The response decoders: the input (after its first byte) is the body of a `200 OK` that a
//! loopback responder gives to every request, and the first byte picks the export that reads
//! it. A call may succeed only when the body is JSON of the documented top-level type; an
//! export that hands out the whole response must hand out exactly the body.
#![no_main]

use std::ffi::c_char;
use std::ptr;
use std::sync::mpsc;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use triggerdev_fuzz::*;

type Client = *const trigger_client;
type Call = fn(Client) -> Option<String>;

const RUN: *const c_char = c"run_1234".as_ptr();
const PROJECT: *const c_char = c"proj_1234".as_ptr();
const ENV: *const c_char = c"dev".as_ptr();
const NAME: *const c_char = c"A".as_ptr();
const SCHEDULE: *const c_char = c"sched_1234".as_ptr();
const QUEUE: *const c_char = c"my-task".as_ptr();
const TASK: *const c_char = c"task".as_ptr();
const DEPLOYMENT: *const c_char = c"deployment_1234".as_ptr();
const TOKEN: *const c_char = c"waitpoint_1234".as_ptr();
const BULK: *const c_char = c"bulk_1234".as_ptr();
const SESSION: *const c_char = c"session_1234".as_ptr();
const IN: *const c_char = c"in".as_ptr();
const TASKS: *const c_char = c"[\"my-task\"]".as_ptr();
const LIMIT: *const c_char = c"task/my-task".as_ptr();

/// What a successful call says about the body.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// The result is the body, byte for byte (a JSON object).
    Body,
    /// The library's own JSON (or text) made from a JSON object.
    Object,
    /// As `Object`, from a JSON array.
    Array,
    /// Server-sent events: not JSON as a whole.
    Events,
}
use Expect::*;

macro_rules! iter {
    ($make:ident, $next:ident, $free:ident) => {
        |c: Client| {
            iterate(
                |out, err| unsafe { $make(c, ptr::null(), out, err) },
                $next,
                $free,
                64,
            )
        }
    };
}

/// The exports, by name (for reading a crash report).
const OPS: &[(&str, Expect, Call)] = &[
    ("tasks_trigger", Object, |c| {
        json_call(|o, e| unsafe {
            trigger_tasks_trigger(c, TASK, c"{\"n\":1}".as_ptr(), ptr::null(), o, e)
        })
    }),
    ("tasks_batch_trigger", Object, |c| {
        let items = c"[{\"task\":\"a\"},{\"task\":\"b\",\"payload\":2}]".as_ptr();
        json_call(|o, e| unsafe { trigger_tasks_batch_trigger(c, items, ptr::null(), o, e) })
    }),
    ("batches_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_batches_retrieve(c, c"batch_1".as_ptr(), o, e) })
    }),
    ("idempotency_keys_reset", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_idempotency_keys_reset(c, TASK, c"\"k\"".as_ptr(), o, e)
        })
    }),
    ("runs_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_runs_list(c, ptr::null(), o, e) })
    }),
    (
        "runs_list_iter",
        Object,
        iter!(
            trigger_runs_list_iter,
            trigger_runs_iter_next,
            trigger_runs_iter_free
        ),
    ),
    // A presigned payload or output URL is downloaded and filled in, so not `Body`.
    ("runs_retrieve", Object, |c| {
        json_call(|o, e| unsafe { trigger_runs_retrieve(c, RUN, o, e) })
    }),
    ("runs_cancel", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_cancel(c, RUN, o, e) })
    }),
    ("runs_replay", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_replay(c, RUN, ptr::null(), o, e) })
    }),
    ("runs_reschedule", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_reschedule(c, RUN, c"1h".as_ptr(), o, e) })
    }),
    ("runs_update_metadata", Body, |c| {
        let body = c"{\"metadata\":{\"a\":1}}".as_ptr();
        json_call(|o, e| unsafe { trigger_runs_update_metadata(c, RUN, body, o, e) })
    }),
    ("runs_metadata", Object, |c| {
        json_call(|o, e| unsafe { trigger_runs_metadata(c, RUN, o, e) })
    }),
    ("runs_add_tags", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_add_tags(c, RUN, c"[\"a\"]".as_ptr(), o, e) })
    }),
    ("runs_result", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_result(c, RUN, o, e) })
    }),
    ("runs_events", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_events(c, RUN, o, e) })
    }),
    ("runs_trace", Object, |c| {
        json_call(|o, e| unsafe { trigger_runs_trace(c, RUN, o, e) })
    }),
    ("envvars_list", Array, |c| {
        json_call(|o, e| unsafe { trigger_envvars_list(c, PROJECT, ENV, o, e) })
    }),
    ("envvars_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_envvars_retrieve(c, PROJECT, ENV, NAME, o, e) })
    }),
    ("envvars_create", Body, |c| {
        let body = c"{\"name\":\"A\",\"value\":\"1\"}".as_ptr();
        json_call(|o, e| unsafe { trigger_envvars_create(c, PROJECT, ENV, body, o, e) })
    }),
    ("envvars_update", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_envvars_update(c, PROJECT, ENV, NAME, c"2".as_ptr(), o, e)
        })
    }),
    ("envvars_del", Body, |c| {
        json_call(|o, e| unsafe { trigger_envvars_del(c, PROJECT, ENV, NAME, o, e) })
    }),
    ("envvars_upload", Body, |c| {
        let body = c"{\"variables\":{\"A\":\"1\"}}".as_ptr();
        json_call(|o, e| unsafe { trigger_envvars_upload(c, PROJECT, ENV, body, o, e) })
    }),
    ("schedules_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_schedules_list(c, ptr::null(), o, e) })
    }),
    (
        "schedules_list_iter",
        Object,
        iter!(
            trigger_schedules_list_iter,
            trigger_schedules_iter_next,
            trigger_schedules_iter_free
        ),
    ),
    ("schedules_create", Body, |c| {
        let body = c"{\"task\":\"t\",\"cron\":\"0 * * * *\",\"deduplicationKey\":\"k\"}".as_ptr();
        json_call(|o, e| unsafe { trigger_schedules_create(c, body, o, e) })
    }),
    ("schedules_retrieve", Object, |c| {
        json_call(|o, e| unsafe { trigger_schedules_retrieve(c, SCHEDULE, o, e) })
    }),
    ("schedules_update", Body, |c| {
        let body = c"{\"task\":\"t\",\"cron\":\"0 * * * *\"}".as_ptr();
        json_call(|o, e| unsafe { trigger_schedules_update(c, SCHEDULE, body, o, e) })
    }),
    ("schedules_activate", Object, |c| {
        json_call(|o, e| unsafe { trigger_schedules_activate(c, SCHEDULE, o, e) })
    }),
    ("schedules_deactivate", Object, |c| {
        json_call(|o, e| unsafe { trigger_schedules_deactivate(c, SCHEDULE, o, e) })
    }),
    ("schedules_del", Body, |c| {
        json_call(|o, e| unsafe { trigger_schedules_del(c, SCHEDULE, o, e) })
    }),
    ("schedules_timezones", Object, |c| {
        json_call(|o, e| unsafe { trigger_schedules_timezones(c, false, o, e) })
    }),
    ("queues_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_queues_list(c, ptr::null(), o, e) })
    }),
    (
        "queues_list_iter",
        Object,
        iter!(
            trigger_queues_list_iter,
            trigger_queues_iter_next,
            trigger_queues_iter_free
        ),
    ),
    ("queues_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_queues_retrieve(c, QUEUE, c"task".as_ptr(), o, e) })
    }),
    ("queues_pause", Body, |c| {
        json_call(|o, e| unsafe { trigger_queues_pause(c, QUEUE, c"task".as_ptr(), o, e) })
    }),
    ("queues_resume", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_queues_resume(c, c"queue_1".as_ptr(), ptr::null(), o, e)
        })
    }),
    ("queues_override_concurrency_limit", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_queues_override_concurrency_limit(c, QUEUE, c"custom".as_ptr(), 5, o, e)
        })
    }),
    ("queues_reset_concurrency_limit", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_queues_reset_concurrency_limit(c, QUEUE, c"task".as_ptr(), o, e)
        })
    }),
    ("deployments_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_deployments_list(c, ptr::null(), o, e) })
    }),
    (
        "deployments_list_iter",
        Object,
        iter!(
            trigger_deployments_list_iter,
            trigger_deployments_iter_next,
            trigger_deployments_iter_free
        ),
    ),
    ("deployments_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_deployments_retrieve(c, DEPLOYMENT, o, e) })
    }),
    ("deployments_retrieve_current", Body, |c| {
        json_call(|o, e| unsafe { trigger_deployments_retrieve_current(c, o, e) })
    }),
    ("deployments_retrieve_latest", Body, |c| {
        json_call(|o, e| unsafe { trigger_deployments_retrieve_latest(c, o, e) })
    }),
    ("deployments_promote", Body, |c| {
        json_call(|o, e| unsafe { trigger_deployments_promote(c, c"20250101.1".as_ptr(), o, e) })
    }),
    ("waitpoints_create_token", Object, |c| {
        json_call(|o, e| unsafe { trigger_waitpoints_create_token(c, ptr::null(), o, e) })
    }),
    ("waitpoints_list_tokens", Object, |c| {
        json_call(|o, e| unsafe { trigger_waitpoints_list_tokens(c, ptr::null(), o, e) })
    }),
    (
        "waitpoints_list_tokens_iter",
        Object,
        iter!(
            trigger_waitpoints_list_tokens_iter,
            trigger_waitpoints_tokens_iter_next,
            trigger_waitpoints_tokens_iter_free
        ),
    ),
    ("waitpoints_retrieve_token", Body, |c| {
        json_call(|o, e| unsafe { trigger_waitpoints_retrieve_token(c, TOKEN, o, e) })
    }),
    ("waitpoints_complete_token", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_waitpoints_complete_token(c, TOKEN, c"{\"ok\":1}".as_ptr(), o, e)
        })
    }),
    ("bulk_actions_create", Body, |c| {
        let body = c"{\"runIds\":[\"run_1\"],\"action\":\"cancel\"}".as_ptr();
        json_call(|o, e| unsafe { trigger_bulk_actions_create(c, body, o, e) })
    }),
    ("bulk_actions_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_bulk_actions_list(c, ptr::null(), o, e) })
    }),
    (
        "bulk_actions_list_iter",
        Object,
        iter!(
            trigger_bulk_actions_list_iter,
            trigger_bulk_actions_iter_next,
            trigger_bulk_actions_iter_free
        ),
    ),
    ("bulk_actions_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_bulk_actions_retrieve(c, BULK, o, e) })
    }),
    ("bulk_actions_abort", Body, |c| {
        json_call(|o, e| unsafe { trigger_bulk_actions_abort(c, BULK, o, e) })
    }),
    ("sessions_start", Body, |c| {
        let body = c"{\"type\":\"chat\",\"taskIdentifier\":\"agent\"}".as_ptr();
        json_call(|o, e| unsafe { trigger_sessions_start(c, body, o, e) })
    }),
    ("sessions_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_sessions_list(c, ptr::null(), o, e) })
    }),
    (
        "sessions_list_iter",
        Object,
        iter!(
            trigger_sessions_list_iter,
            trigger_sessions_iter_next,
            trigger_sessions_iter_free
        ),
    ),
    ("sessions_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_sessions_retrieve(c, SESSION, o, e) })
    }),
    ("sessions_update", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_sessions_update(c, SESSION, c"{\"tags\":[\"a\"]}".as_ptr(), o, e)
        })
    }),
    ("sessions_close", Body, |c| {
        json_call(|o, e| unsafe { trigger_sessions_close(c, SESSION, c"done".as_ptr(), o, e) })
    }),
    ("sessions_append", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_sessions_append(c, SESSION, ptr::null(), IN, c"\"hi\"".as_ptr(), o, e)
        })
    }),
    ("sessions_records", Object, |c| {
        json_call(|o, e| unsafe { trigger_sessions_records(c, SESSION, ptr::null(), IN, -1, o, e) })
    }),
    ("sessions_subscribe", Events, subscribe),
    ("auth_create_public_token", Object, |c| {
        text_call(|o, e| unsafe { trigger_auth_create_public_token(c, ptr::null(), o, e) })
    }),
    ("auth_create_trigger_public_token", Object, |c| {
        text_call(|o, e| unsafe {
            trigger_auth_create_trigger_public_token(c, TASKS, ptr::null(), o, e)
        })
    }),
    ("auth_create_batch_trigger_public_token", Object, |c| {
        text_call(|o, e| unsafe {
            trigger_auth_create_batch_trigger_public_token(c, TASKS, ptr::null(), o, e)
        })
    }),
    ("runs_outcome", Object, |c| {
        json_call(|o, e| unsafe { trigger_runs_outcome(c, RUN, o, e) })
    }),
    ("streams_send_input", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_streams_send_input(c, RUN, c"approval".as_ptr(), c"\"yes\"".as_ptr(), o, e)
        })
    }),
    ("runs_stream", Events, run_stream),
    ("concurrency_limits_list", Object, |c| {
        json_call(|o, e| unsafe { trigger_concurrency_limits_list(c, ptr::null(), o, e) })
    }),
    (
        "concurrency_limits_list_iter",
        Object,
        iter!(
            trigger_concurrency_limits_list_iter,
            trigger_concurrency_limits_iter_next,
            trigger_concurrency_limits_iter_free
        ),
    ),
    ("concurrency_limits_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_concurrency_limits_retrieve(c, LIMIT, o, e) })
    }),
    ("concurrency_limits_retrieve_key", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_retrieve_key(c, LIMIT, c"42".as_ptr(), o, e)
        })
    }),
    ("concurrency_limits_override", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_override(c, LIMIT, c"{\"total\":0}".as_ptr(), o, e)
        })
    }),
    ("concurrency_limits_override_key", Body, |c| {
        let options = c"{\"concurrencyKey\":\"k\",\"perKey\":1}".as_ptr();
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_override_key(c, LIMIT, options, o, e)
        })
    }),
    ("concurrency_limits_reset", Body, |c| {
        json_call(|o, e| unsafe { trigger_concurrency_limits_reset(c, LIMIT, o, e) })
    }),
    ("concurrency_limits_reset_key", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_reset_key(c, LIMIT, c"\"k\"".as_ptr(), o, e)
        })
    }),
    ("concurrency_limits_pause", Body, |c| {
        json_call(|o, e| unsafe { trigger_concurrency_limits_pause(c, LIMIT, o, e) })
    }),
    ("concurrency_limits_resume", Body, |c| {
        json_call(|o, e| unsafe { trigger_concurrency_limits_resume(c, LIMIT, o, e) })
    }),
    ("batches_results", Body, |c| {
        json_call(|o, e| unsafe { trigger_batches_results(c, c"batch_1234".as_ptr(), o, e) })
    }),
    ("runs_retrieve_span", Body, |c| {
        json_call(|o, e| unsafe { trigger_runs_retrieve_span(c, RUN, c"span_1".as_ptr(), o, e) })
    }),
    ("query_execute", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_query_execute(c, c"SELECT count() FROM runs".as_ptr(), ptr::null(), o, e)
        })
    }),
    ("query_schema", Body, |c| {
        json_call(|o, e| unsafe { trigger_query_schema(c, o, e) })
    }),
    ("query_dashboards_list", Body, |c| {
        json_call(|o, e| unsafe { trigger_query_dashboards_list(c, o, e) })
    }),
    ("query_dashboards_retrieve", Body, |c| {
        json_call(|o, e| unsafe { trigger_query_dashboards_retrieve(c, c"overview".as_ptr(), o, e) })
    }),
    ("query_dashboards_create", Body, |c| {
        json_call(|o, e| unsafe { trigger_query_dashboards_create(c, c"{\"title\":\"t\"}".as_ptr(), o, e) })
    }),
    ("query_dashboards_update", Body, |c| {
        json_call(|o, e| unsafe {
            trigger_query_dashboards_update(c, c"d1".as_ptr(), c"{\"title\":\"t\"}".as_ptr(), o, e)
        })
    }),
    ("query_dashboards_del", Body, |c| {
        json_call(|o, e| unsafe { trigger_query_dashboards_del(c, c"d1".as_ptr(), o, e) })
    }),
];

/// Reads up to 16 records of a subscription whose every connection gets the body as
/// `text/event-stream`. A body without records makes the stream reconnect (after a pause)
/// for ever, so another thread stops it after 20 ms, as `trigger_session_stream_stop` allows.
fn subscribe(c: Client) -> Option<String> {
    let options = c"{\"stopAtEndOfWindow\":true}".as_ptr();
    let (mut stream, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = unsafe {
        trigger_sessions_subscribe(c, SESSION, ptr::null(), IN, options, &mut stream, &mut err)
    };
    assert!(
        unsafe { finish_handle(rc, err, stream) },
        "subscribe makes no request"
    );
    let (done, wait) = mpsc::channel::<()>();
    let address = stream as usize;
    let stopper = std::thread::spawn(move || {
        if wait.recv_timeout(Duration::from_millis(20)).is_err() {
            unsafe { trigger_session_stream_stop(address as *const trigger_session_stream) };
        }
    });
    let mut ok = false;
    for _ in 0..16 {
        let (mut record, mut err) = (ptr::null_mut(), ptr::null_mut());
        let rc = unsafe { trigger_session_stream_next(stream, std::ptr::null_mut(), &mut record, &mut err) };
        let end = rc != trigger_result::Ok || record.is_null();
        ok |= unsafe { finish_json(rc, err, record) }.is_some();
        if end {
            break;
        }
    }
    let _ = done.send(());
    stopper.join().expect("stopper thread");
    unsafe { trigger_session_stream_free(stream) };
    ok.then(String::new)
}

/// Reads up to 16 chunks of a run stream whose every connection gets the body as
/// `text/event-stream`. A clean end of the body ends the stream; an `error` event makes it
/// reconnect (after a pause) for ever, so another thread stops it after 20 ms, as
/// `trigger_run_stream_stop` allows.
fn run_stream(c: Client) -> Option<String> {
    let (mut stream, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = unsafe {
        trigger_runs_stream(c, RUN, c"llm".as_ptr(), ptr::null(), &mut stream, &mut err)
    };
    assert!(
        unsafe { finish_handle(rc, err, stream) },
        "stream makes no request"
    );
    let (done, wait) = mpsc::channel::<()>();
    let address = stream as usize;
    let stopper = std::thread::spawn(move || {
        if wait.recv_timeout(Duration::from_millis(20)).is_err() {
            unsafe { trigger_run_stream_stop(address as *const trigger_run_stream) };
        }
    });
    let mut ok = false;
    for _ in 0..16 {
        let (mut chunk, mut err) = (ptr::null_mut(), ptr::null_mut());
        let rc = unsafe { trigger_run_stream_next(stream, &mut chunk, &mut err) };
        let end = rc != trigger_result::Ok || chunk.is_null();
        ok |= unsafe { finish_json(rc, err, chunk) }.is_some();
        if end {
            break;
        }
    }
    let _ = done.send(());
    stopper.join().expect("stopper thread");
    unsafe { trigger_run_stream_free(stream) };
    ok.then(String::new)
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, body)) = data.split_first() else {
        return;
    };
    let (name, result, call) = OPS[usize::from(op) % OPS.len()];
    let content_type = if result == Events {
        "text/event-stream"
    } else {
        "application/json"
    };
    set_reply(content_type, body);
    let Some(text) = call(responder_client()) else {
        return;
    };
    if result == Events {
        return;
    }
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => panic!("{name} succeeded on a body that is not JSON ({e})"),
    };
    match result {
        Body | Object => assert!(
            value.is_object(),
            "{name} succeeded on a body that is not an object"
        ),
        _ => assert!(
            value.is_array(),
            "{name} succeeded on a body that is not an array"
        ),
    }
    if result == Body {
        // As sent, without the whitespace around it (the header's "byte for byte").
        let sent = std::str::from_utf8(body).expect("JSON is UTF-8");
        let sent = sent.trim_matches([' ', '\t', '\n', '\r']);
        assert_eq!(text, sent, "{name} did not hand out the body as sent");
    }
});
