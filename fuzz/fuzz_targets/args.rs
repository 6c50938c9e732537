//! Every export that parses a caller's JSON (or text) argument and then sends a request: the
//! first byte picks the export and argument, the rest is the argument; the other arguments
//! are valid. The client points at a closed loopback port, so whatever parses fails fast with
//! a connection error and the run never leaves the machine.
#![no_main]

use std::ffi::c_char;
use std::ptr;

use libfuzzer_sys::fuzz_target;
use triggerdev_fuzz::*;

type Client = *const trigger_client;
type Arg = *const c_char;
type Call = fn(Client, Arg);

const ITEMS: Arg = c"[{\"task\":\"my-task\",\"payload\":{\"n\":1}}]".as_ptr();
const RUN: Arg = c"run_1234".as_ptr();
const PROJECT: Arg = c"proj_1234".as_ptr();
const ENV: Arg = c"dev".as_ptr();
const SESSION: Arg = c"session_1234".as_ptr();
const TASKS: Arg = c"[\"my-task\"]".as_ptr();

/// Reads one item from an iterator made with `make` (the request fails) and frees it.
macro_rules! iter {
    ($make:ident, $next:ident, $free:ident) => {
        |c: Client, a: Arg| {
            iterate(|out, err| unsafe { $make(c, a, out, err) }, $next, $free, 1);
        }
    };
}

/// The exports, by name (for reading a crash report) and argument.
const OPS: &[(&str, Call)] = &[
    ("tasks_trigger options_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_tasks_trigger(c, c"t".as_ptr(), c"{}".as_ptr(), a, o, e)
        });
    }),
    ("tasks_trigger payload_json", |c, a| {
        json_call(|o, e| unsafe { trigger_tasks_trigger(c, c"t".as_ptr(), a, ptr::null(), o, e) });
    }),
    ("tasks_batch_trigger items_json", |c, a| {
        json_call(|o, e| unsafe { trigger_tasks_batch_trigger(c, a, ptr::null(), o, e) });
    }),
    ("tasks_batch_trigger options_json", |c, a| {
        json_call(|o, e| unsafe { trigger_tasks_batch_trigger(c, ITEMS, a, o, e) });
    }),
    ("idempotency_keys_reset key_json", |c, a| {
        json_call(|o, e| unsafe { trigger_idempotency_keys_reset(c, c"t".as_ptr(), a, o, e) });
    }),
    ("runs_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_runs_list(c, a, o, e) });
    }),
    (
        "runs_list_iter params_json",
        iter!(
            trigger_runs_list_iter,
            trigger_runs_iter_next,
            trigger_runs_iter_free
        ),
    ),
    ("runs_replay options_json", |c, a| {
        json_call(|o, e| unsafe { trigger_runs_replay(c, RUN, a, o, e) });
    }),
    ("runs_reschedule delay", |c, a| {
        json_call(|o, e| unsafe { trigger_runs_reschedule(c, RUN, a, o, e) });
    }),
    ("runs_update_metadata body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_runs_update_metadata(c, RUN, a, o, e) });
    }),
    ("runs_add_tags tags_json", |c, a| {
        json_call(|o, e| unsafe { trigger_runs_add_tags(c, RUN, a, o, e) });
    }),
    ("envvars_create body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_envvars_create(c, PROJECT, ENV, a, o, e) });
    }),
    ("envvars_update value", |c, a| {
        json_call(|o, e| unsafe {
            trigger_envvars_update(c, PROJECT, ENV, c"A".as_ptr(), a, o, e)
        });
    }),
    ("envvars_upload body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_envvars_upload(c, PROJECT, ENV, a, o, e) });
    }),
    ("schedules_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_schedules_list(c, a, o, e) });
    }),
    (
        "schedules_list_iter params_json",
        iter!(
            trigger_schedules_list_iter,
            trigger_schedules_iter_next,
            trigger_schedules_iter_free
        ),
    ),
    ("schedules_create body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_schedules_create(c, a, o, e) });
    }),
    ("schedules_update body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_schedules_update(c, c"sched_1".as_ptr(), a, o, e) });
    }),
    ("queues_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_queues_list(c, a, o, e) });
    }),
    (
        "queues_list_iter params_json",
        iter!(
            trigger_queues_list_iter,
            trigger_queues_iter_next,
            trigger_queues_iter_free
        ),
    ),
    ("deployments_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_deployments_list(c, a, o, e) });
    }),
    (
        "deployments_list_iter params_json",
        iter!(
            trigger_deployments_list_iter,
            trigger_deployments_iter_next,
            trigger_deployments_iter_free
        ),
    ),
    ("waitpoints_create_token options_json", |c, a| {
        json_call(|o, e| unsafe { trigger_waitpoints_create_token(c, a, o, e) });
    }),
    ("waitpoints_list_tokens params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_waitpoints_list_tokens(c, a, o, e) });
    }),
    (
        "waitpoints_list_tokens_iter params_json",
        iter!(
            trigger_waitpoints_list_tokens_iter,
            trigger_waitpoints_tokens_iter_next,
            trigger_waitpoints_tokens_iter_free
        ),
    ),
    ("waitpoints_complete_token data_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_waitpoints_complete_token(c, c"waitpoint_1".as_ptr(), a, o, e)
        });
    }),
    ("bulk_actions_create body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_bulk_actions_create(c, a, o, e) });
    }),
    ("bulk_actions_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_bulk_actions_list(c, a, o, e) });
    }),
    (
        "bulk_actions_list_iter params_json",
        iter!(
            trigger_bulk_actions_list_iter,
            trigger_bulk_actions_iter_next,
            trigger_bulk_actions_iter_free
        ),
    ),
    ("sessions_start body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_sessions_start(c, a, o, e) });
    }),
    ("sessions_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_sessions_list(c, a, o, e) });
    }),
    (
        "sessions_list_iter params_json",
        iter!(
            trigger_sessions_list_iter,
            trigger_sessions_iter_next,
            trigger_sessions_iter_free
        ),
    ),
    ("sessions_update body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_sessions_update(c, SESSION, a, o, e) });
    }),
    ("sessions_append data_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_sessions_append(c, SESSION, ptr::null(), c"in".as_ptr(), a, o, e)
        });
    }),
    ("sessions_subscribe options_json", |c, a| {
        // No request until the first `_next`; the stream is only made and freed.
        let (mut stream, mut err) = (ptr::null_mut(), ptr::null_mut());
        let rc = unsafe {
            trigger_sessions_subscribe(
                c,
                SESSION,
                c"chat".as_ptr(),
                c"out".as_ptr(),
                a,
                &mut stream,
                &mut err,
            )
        };
        unsafe {
            finish_handle(rc, err, stream);
            trigger_session_stream_free(stream);
        }
    }),
    ("auth_create_public_token options_json", |c, a| {
        text_call(|o, e| unsafe { trigger_auth_create_public_token(c, a, o, e) });
    }),
    ("auth_create_trigger_public_token tasks_json", |c, a| {
        text_call(|o, e| unsafe {
            trigger_auth_create_trigger_public_token(c, a, ptr::null(), o, e)
        });
    }),
    ("auth_create_trigger_public_token options_json", |c, a| {
        text_call(|o, e| unsafe { trigger_auth_create_trigger_public_token(c, TASKS, a, o, e) });
    }),
    (
        "auth_create_batch_trigger_public_token tasks_json",
        |c, a| {
            text_call(|o, e| unsafe {
                trigger_auth_create_batch_trigger_public_token(c, a, ptr::null(), o, e)
            });
        },
    ),
    (
        "auth_create_batch_trigger_public_token options_json",
        |c, a| {
            text_call(|o, e| unsafe {
                trigger_auth_create_batch_trigger_public_token(c, TASKS, a, o, e)
            });
        },
    ),
    ("runs_stream options_json", |c, a| {
        // No request until the first `_next`; the stream is only made and freed.
        let (mut stream, mut err) = (ptr::null_mut(), ptr::null_mut());
        let rc = unsafe { trigger_runs_stream(c, RUN, c"llm".as_ptr(), a, &mut stream, &mut err) };
        unsafe {
            finish_handle(rc, err, stream);
            trigger_run_stream_free(stream);
        }
    }),
    ("streams_send_input data_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_streams_send_input(c, RUN, c"approval".as_ptr(), a, o, e)
        });
    }),
    ("concurrency_limits_list params_json", |c, a| {
        json_call(|o, e| unsafe { trigger_concurrency_limits_list(c, a, o, e) });
    }),
    (
        "concurrency_limits_list_iter params_json",
        iter!(
            trigger_concurrency_limits_list_iter,
            trigger_concurrency_limits_iter_next,
            trigger_concurrency_limits_iter_free
        ),
    ),
    ("concurrency_limits_retrieve_key concurrency_key_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_retrieve_key(c, c"openai".as_ptr(), a, o, e)
        });
    }),
    ("concurrency_limits_override options_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_override(c, c"openai".as_ptr(), a, o, e)
        });
    }),
    ("concurrency_limits_override_key options_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_override_key(c, c"openai".as_ptr(), a, o, e)
        });
    }),
    ("concurrency_limits_reset_key concurrency_key_json", |c, a| {
        json_call(|o, e| unsafe {
            trigger_concurrency_limits_reset_key(c, c"openai".as_ptr(), a, o, e)
        });
    }),
    ("query_execute options_json", |c, a| {
        json_call(|o, e| unsafe { trigger_query_execute(c, c"SELECT 1".as_ptr(), a, o, e) });
    }),
    ("query_dashboards_create body_json", |c, a| {
        json_call(|o, e| unsafe { trigger_query_dashboards_create(c, a, o, e) });
    }),
    ("query_dashboards_update changes_json", |c, a| {
        json_call(|o, e| unsafe { trigger_query_dashboards_update(c, c"d1".as_ptr(), a, o, e) });
    }),
];

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let (_name, call) = OPS[usize::from(op) % OPS.len()];
    let arg = c_input(rest);
    call(offline_client(), arg.as_ptr());
});
