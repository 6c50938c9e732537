//! The C ABI called from Rust: argument checking, error objects, ownership, the panic boundary,
//! and a few calls on the wire (mockito).

use std::ffi::{c_char, CStr};
use std::ptr;

use mockito::Matcher;
use serde_json::{json, Value};
use triggerdev::ffi::*;

mod ffi_support;
use ffi_support::*;

const DEV_KEY: &str = "tr_dev_ffi_test_key_0001";
const PAT: &str = "tr_pat_ffi_test_token_0001";

fn client(url: &str) -> *mut trigger_client {
    client_with(url, DEV_KEY)
}

// ---------------------------------------------------------------------------------------------
// Version and header

#[test]
fn version_matches_the_crate_and_the_header_macro() {
    let version = unsafe { CStr::from_ptr(trigger_version()) }
        .to_str()
        .unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/triggerdev.h"))
            .unwrap();
    let define = format!(
        "#define TRIGGERDEV_VERSION \"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(header.contains(&define), "the header lacks `{define}`");
}

#[test]
fn result_codes_have_their_fixed_values() {
    let codes = [
        (trigger_result::Ok, 0),
        (trigger_result::InvalidArgument, 1),
        (trigger_result::MissingCredentials, 2),
        (trigger_result::InvalidCredentials, 3),
        (trigger_result::UnsupportedCredential, 4),
        (trigger_result::MissingProjectRef, 5),
        (trigger_result::BadRequest, 6),
        (trigger_result::Authentication, 7),
        (trigger_result::PermissionDenied, 8),
        (trigger_result::NotFound, 9),
        (trigger_result::Conflict, 10),
        (trigger_result::Unprocessable, 11),
        (trigger_result::RateLimited, 12),
        (trigger_result::Server, 13),
        (trigger_result::HttpStatus, 14),
        (trigger_result::Connection, 15),
        (trigger_result::Timeout, 16),
        (trigger_result::Decode, 17),
        (trigger_result::BatchNotSealed, 18),
        (trigger_result::ResponseTooLarge, 19),
        (trigger_result::PollLimitReached, 20),
        (trigger_result::SessionClosed, 21),
        (trigger_result::Panic, 100),
    ];
    for (code, value) in codes {
        assert_eq!(code as i32, value, "{code:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Invalid arguments: nothing is sent, the error names the argument, out-params stay untouched

#[test]
fn null_pointers_are_invalid_arguments() {
    let mut server = mockito::Server::new();
    let mock = server.mock("GET", Matcher::Any).expect(0).create();
    let client = client(&server.url());

    let e =
        expect_failure(|out, err| unsafe { trigger_runs_retrieve(client, ptr::null(), out, err) });
    assert_eq!(e.kind, trigger_result::InvalidArgument);
    assert_eq!(e.message, "run_id: must not be NULL");
    assert_eq!(e.status, 0);
    assert!(e.body.is_none() && e.code.is_none());

    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_trigger(client, ptr::null(), ptr::null(), ptr::null(), out, err)
    });
    assert_eq!(e.message, "task_id: must not be NULL");

    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_batch_trigger(client, ptr::null(), ptr::null(), out, err)
    });
    assert_eq!(e.message, "items_json: must not be NULL");

    let e = expect_failure(|out, err| unsafe {
        trigger_envvars_update(
            client,
            c("proj_1").as_ptr(),
            c("dev").as_ptr(),
            c("A").as_ptr(),
            ptr::null(),
            out,
            err,
        )
    });
    assert_eq!(e.message, "value: must not be NULL");

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_reschedule(client, c("run_1").as_ptr(), ptr::null(), out, err)
    });
    assert_eq!(e.message, "delay: must not be NULL");

    let e = expect_failure(|out, err| unsafe {
        trigger_schedules_update(client, c("sched_1").as_ptr(), ptr::null(), out, err)
    });
    assert_eq!(e.message, "body_json: must not be NULL");

    // Required out-parameters.
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_client_new(ptr::null(), ptr::null_mut(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "out: must not be NULL");

    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_runs_list_iter(client, ptr::null(), ptr::null_mut(), &mut err) };
    assert_eq!(take_error(err).message, "out: must not be NULL");
    assert_eq!(rc, trigger_result::InvalidArgument);

    let mut item: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_runs_iter_next(ptr::null_mut(), &mut item, &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "iter: must not be NULL");
    assert_eq!(item, sentinel());

    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_schedules_iter_next(ptr::null_mut(), ptr::null_mut(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "item_json: must not be NULL");

    // err itself may be NULL: the code is still returned.
    let rc = unsafe { trigger_runs_cancel(client, ptr::null(), ptr::null_mut(), ptr::null_mut()) };
    assert_eq!(rc, trigger_result::InvalidArgument);

    mock.assert();
    unsafe { trigger_client_free(client) };
}

#[test]
fn invalid_utf8_is_an_invalid_argument() {
    let client = client("http://127.0.0.1:9"); // never reached: arguments fail first
    let bad = c"run_\xff\xfe";
    let e =
        expect_failure(|out, err| unsafe { trigger_runs_retrieve(client, bad.as_ptr(), out, err) });
    assert_eq!(e.kind, trigger_result::InvalidArgument);
    assert_eq!(
        e.message,
        "run_id: not valid UTF-8 (invalid byte at offset 4)"
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_trigger(
            client,
            c("t").as_ptr(),
            c"\"\xc3\x28\"".as_ptr(),
            ptr::null(),
            out,
            err,
        )
    });
    assert_eq!(
        e.message,
        "payload_json: not valid UTF-8 (invalid byte at offset 1)"
    );

    let mut out: *mut trigger_client = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_client_new(c"{\"baseURL\":\"\xff\"}".as_ptr(), &mut out, &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(out, sentinel());
    assert_eq!(
        take_error(err).message,
        "config_json: not valid UTF-8 (invalid byte at offset 12)"
    );
    unsafe { trigger_client_free(client) };
}

#[test]
fn malformed_and_wrongly_typed_json_are_invalid_arguments() {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", Matcher::Any).expect(0).create();
    let client = client(&server.url());
    let task = c("my-task");

    let trigger = |payload: Option<&str>, options: Option<&str>| {
        let payload = payload.map(c);
        let options = options.map(c);
        expect_failure(|out, err| unsafe {
            trigger_tasks_trigger(
                client,
                task.as_ptr(),
                payload.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                options.as_ref().map_or(ptr::null(), |o| o.as_ptr()),
                out,
                err,
            )
        })
    };

    let e = trigger(Some("{\"a\":"), None);
    assert_eq!(e.kind, trigger_result::InvalidArgument);
    assert_eq!(
        e.message,
        "payload_json: malformed JSON: EOF while parsing a value at line 1 column 5"
    );

    let e = trigger(Some(""), None);
    assert!(
        e.message.starts_with("payload_json: malformed JSON: EOF"),
        "{}",
        e.message
    );

    let e = trigger(None, Some("{\"idempotency_key\":\"k\"}"));
    assert!(
        e.message
            .starts_with("options_json: unknown field `idempotency_key`, expected one of"),
        "{}",
        e.message
    );
    assert!(e.message.ends_with("at line 1 column 18"), "{}", e.message);

    let e = trigger(None, Some("{\"maxAttempts\":\"three\"}"));
    assert_eq!(
        e.message,
        "options_json: invalid type: string, expected u32 at line 1 column 22"
    );

    // Serde would fill a struct from an array by position; options must be named.
    let e = trigger(None, Some(" [\"k\"]"));
    assert_eq!(
        e.message,
        "options_json: must be a JSON object, not an array"
    );
    let e = trigger(None, Some("null"));
    assert_eq!(e.message, "options_json: must be a JSON object, not null");
    let e = trigger(None, Some("[1,"));
    assert!(
        e.message.starts_with("options_json: malformed JSON: "),
        "{}",
        e.message
    );

    let e = trigger(None, Some("{} trailing"));
    assert!(
        e.message
            .starts_with("options_json: malformed JSON: trailing characters"),
        "{}",
        e.message
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_batch_trigger(
            client,
            c("{\"task\":\"t\"}").as_ptr(),
            ptr::null(),
            out,
            err,
        )
    });
    assert!(
        e.message
            .starts_with("items_json: must be a JSON array, not an object"),
        "{}",
        e.message
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_batch_trigger(
            client,
            c("[{\"task\":\"t\",\"opts\":{}}]").as_ptr(),
            ptr::null(),
            out,
            err,
        )
    });
    assert!(
        e.message.starts_with("items_json[0]: unknown field `opts`"),
        "{}",
        e.message
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_batch_trigger(
            client,
            c("[{\"task\":\"t\"}, [\"t\", 1]]").as_ptr(),
            ptr::null(),
            out,
            err,
        )
    });
    assert_eq!(
        e.message,
        "items_json[1]: must be a JSON object, not an array"
    );

    // Rust-side argument checks keep the same "<argument>: <reason>" shape.
    let e = expect_failure(|out, err| unsafe {
        trigger_tasks_batch_trigger(client, c("[]").as_ptr(), ptr::null(), out, err)
    });
    assert_eq!(e.message, "items_json: a batch needs at least one item");

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_add_tags(
            client,
            c("run_1").as_ptr(),
            c("{\"tags\":[]}").as_ptr(),
            out,
            err,
        )
    });
    assert!(e.message.starts_with("tags_json: "), "{}", e.message);

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_add_tags(client, c("run_1").as_ptr(), c("[]").as_ptr(), out, err)
    });
    assert_eq!(
        e.message,
        "tags_json: give at least one tag, none of them empty"
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_cancel(client, c("  ").as_ptr(), out, err)
    });
    assert_eq!(e.message, "run_id: must not be empty");

    let e = expect_failure(|out, err| unsafe {
        trigger_envvars_list(client, c("proj_1").as_ptr(), c("qa").as_ptr(), out, err)
    });
    assert_eq!(
        e.message,
        "env: `qa` is not one of dev, staging, prod, preview"
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_list(client, c("{\"limit\":500}").as_ptr(), out, err)
    });
    assert_eq!(
        e.message,
        "params_json: `limit` 500 is over the maximum of 100"
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_schedules_list(client, c("{\"per_page\":5}").as_ptr(), out, err)
    });
    assert!(
        e.message
            .starts_with("params_json: unknown field `per_page`"),
        "{}",
        e.message
    );

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_update_metadata(
            client,
            c("run_1").as_ptr(),
            c("{\"metadata\":[1]}").as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(e.message, "body_json: `metadata` must be a JSON object");

    let e = expect_failure(|out, err| unsafe {
        trigger_schedules_create(
            client,
            c("{\"task\":\"t\",\"cron\":\"* * * * *\"}").as_ptr(),
            out,
            err,
        )
    });
    assert!(
        e.message
            .starts_with("body_json: missing field `deduplicationKey`"),
        "{}",
        e.message
    );

    mock.assert();
    unsafe { trigger_client_free(client) };
}

#[test]
fn config_errors_name_the_field_and_never_echo_values() {
    let new = |config: &str| {
        let mut out: *mut trigger_client = sentinel();
        let mut err = ptr::null_mut();
        let rc = unsafe { trigger_client_new(c(config).as_ptr(), &mut out, &mut err) };
        assert_eq!(out, sentinel(), "out was written on failure");
        assert_eq!(rc, trigger_result::InvalidArgument);
        take_error(err).message
    };
    assert_eq!(
        new("{\"apiKey\":\"x\"}"),
        "config_json: unknown field `apiKey`, expected one of `accessToken`, `secretKey`, `baseURL`, \
         `previewBranch`, `devBranch`, `requestOptions`, `inheritContext`, `userAgentSuffix`, \
         `externalDeploymentId`, `future`, `dangerouslyAllowInsecureHttp`, `maxResponseBytes`, \
         `caBundlePath`, `caBundlePem`, `usePlatformTrustStore`"
    );
    assert_eq!(
        new("[]"),
        "config_json: must be a JSON object, not an array"
    );
    assert_eq!(
        new("{\"baseURL\":5}"),
        "config_json: `baseURL` must be a string, not a number"
    );
    assert_eq!(
        new("{\"requestOptions\":{\"retry\":{\"maxAttempts\":-1}}}"),
        "config_json: `requestOptions.retry.maxAttempts` must be a non-negative integer"
    );
    assert_eq!(
        new("{\"requestOptions\":{\"timeoutMs\":0}}"),
        "config_json: `requestOptions.timeoutMs` must be greater than 0"
    );
    assert_eq!(
        new("{\"requestOptions\":{\"retries\":3}}"),
        "config_json: unknown field `requestOptions.retries`, expected one of `retry`, `timeoutMs`, `additionalHeaders`"
    );
    assert_eq!(
        new("{\"requestOptions\":{\"additionalHeaders\":{\"x-a\":1}}}"),
        "config_json: `requestOptions.additionalHeaders.x-a` must be a string"
    );
    assert!(new("{\"accessToken\":").starts_with("config_json: malformed JSON:"));

    // A token in the wrong place must not reach the message.
    let secret = "tr_dev_do_not_print_me_0001";
    for config in [
        json!({"inheritContext": secret}),
        json!({"requestOptions": secret}),
        json!({"requestOptions": {"retry": {"factor": secret}}}),
        json!({"accessToken": [secret]}),
        json!({"accessToken": secret, "extra": true}),
    ] {
        let message = new(&config.to_string());
        assert!(!message.contains(secret), "{message}");
    }

    // trigger_configure and trigger_auth_push check the same way, without side effects.
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_auth_push(c("{\"token\":\"x\"}").as_ptr(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert!(take_error(err)
        .message
        .starts_with("override_json: unknown field `token`"));
    assert!(!trigger_auth_pop(), "a failed push pushed something");
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_configure(c("{\"baseURL\":true}").as_ptr(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(
        take_error(err).message,
        "config_json: `baseURL` must be a string, not a boolean"
    );
}

#[test]
fn string_values_are_redacted_from_json_errors() {
    let client = client("http://127.0.0.1:9"); // never reached: arguments fail first
    let secret = "s3cret-value-do-not-log";
    let var = json!({"name": "API_KEY", "value": secret, "isSecret": secret}).to_string();
    let e = expect_failure(|out, err| unsafe {
        trigger_envvars_create(
            client,
            c("proj_1").as_ptr(),
            c("dev").as_ptr(),
            c(&var).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(e.kind, trigger_result::InvalidArgument);
    assert!(!e.message.contains(secret), "{}", e.message);
    assert!(
        e.message
            .starts_with("body_json: invalid type: string, expected a boolean"),
        "{}",
        e.message
    );
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// Ownership, accessors, the panic boundary

#[test]
fn free_functions_accept_null_and_accessors_tolerate_null() {
    unsafe {
        trigger_string_free(ptr::null_mut());
        trigger_error_free(ptr::null_mut());
        trigger_client_free(ptr::null_mut());
        trigger_runs_iter_free(ptr::null_mut());
        trigger_schedules_iter_free(ptr::null_mut());
        assert_eq!(trigger_error_kind(ptr::null()), trigger_result::Ok);
        assert_eq!(trigger_error_status(ptr::null()), 0);
        assert_eq!(
            CStr::from_ptr(trigger_error_message(ptr::null())).to_bytes(),
            b""
        );
        assert!(trigger_error_body(ptr::null()).is_null());
        assert!(trigger_error_code(ptr::null()).is_null());
        assert!(trigger_error_argument(ptr::null()).is_null());
        assert_eq!(
            CStr::from_ptr(trigger_error_reason(ptr::null())).to_bytes(),
            b""
        );
    }
}

/// The message names the C argument (and, in JSON the caller wrote, the position); the
/// argument and reason accessors give what bindings need to name their own keyword instead.
#[test]
fn invalid_arguments_carry_the_rust_argument_and_a_reason_without_c_names() {
    /// The failed call's message, argument and reason (the error is freed).
    fn failure(
        f: impl FnOnce(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result,
    ) -> (String, Option<String>, String) {
        let mut out: *mut c_char = ptr::null_mut();
        let mut err = ptr::null_mut();
        assert_eq!(f(&mut out, &mut err), trigger_result::InvalidArgument);
        let text = |p: *const c_char| {
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned())
        };
        let parts = unsafe {
            (
                text(trigger_error_message(err)).unwrap(),
                text(trigger_error_argument(err)),
                text(trigger_error_reason(err)).unwrap(),
            )
        };
        unsafe { trigger_error_free(err) };
        parts
    }
    fn check(got: (String, Option<String>, String), message: &str, argument: &str, reason: &str) {
        assert_eq!(got.0, message);
        assert_eq!(got.1.as_deref(), Some(argument), "{got:?}");
        assert_eq!(got.2, reason);
    }
    let client = client("http://127.0.0.1:9"); // never reached: arguments fail first
    let runs_list = |params: &str| {
        failure(|out, err| unsafe { trigger_runs_list(client, c(params).as_ptr(), out, err) })
    };

    // A check of the Rust API.
    check(
        runs_list(r#"{"limit":1000}"#),
        "params_json: `limit` 1000 is over the maximum of 100",
        "params.limit",
        "1000 is over the maximum of 100",
    );
    // JSON serde refused: where in the JSON, and the position for C callers only.
    check(
        runs_list(r#"{"status":"COMPLETED","limit":"ten"}"#),
        "params_json: invalid type: string, expected u32 at line 1 column 35",
        "params.limit",
        "invalid type: string, expected an integer from 0 to 4294967295",
    );
    check(
        runs_list(r#"{"queue":[{"type":"planet","name":"q"}]}"#),
        "params_json: must be a queue name or {\"type\": \"task\" or \"custom\", \"name\": ...} \
         at line 1 column 39",
        "params.queue[0]",
        "must be a queue name or {\"type\": \"task\" or \"custom\", \"name\": ...}",
    );
    check(
        runs_list("{"),
        "params_json: malformed JSON: EOF while parsing an object at line 1 column 1",
        "params",
        "malformed JSON: EOF while parsing an object",
    );
    // A C argument of its own.
    check(
        failure(|out, err| unsafe { trigger_runs_retrieve(client, ptr::null(), out, err) }),
        "run_id: must not be NULL",
        "run_id",
        "must not be NULL",
    );
    // A member of the configuration JSON.
    let config = c(r#"{"maxResponseBytes":0}"#);
    check(
        failure(|_, err| unsafe {
            let mut out = ptr::null_mut();
            trigger_client_new(config.as_ptr(), &mut out, err)
        }),
        "config_json: `maxResponseBytes` must be a positive integer",
        "config.maxResponseBytes",
        "must be a positive integer",
    );
    // A configuration option: the C message names it as the config JSON does, the reason as
    // the Rust API does (each binding renames it).
    let insecure = client_with("http://example.com", DEV_KEY);
    check(
        failure(|out, err| unsafe {
            trigger_runs_retrieve(insecure, c("run_1").as_ptr(), out, err)
        }),
        "baseURL: plain http:// to a host that is not loopback would send the access token \
         unencrypted; use https://, or allow it explicitly by setting \
         `dangerouslyAllowInsecureHttp` to true",
        "base_url",
        "plain http:// to a host that is not loopback would send the access token unencrypted; \
         use https://, or allow it explicitly by setting `dangerously_allow_insecure_http` to \
         true",
    );
    // Not an invalid argument: no argument; the reason names the option the Rust way.
    let missing = trigger_error::from(triggerdev::Error::MissingCredentials);
    let (message, argument, reason) = unsafe {
        (
            CStr::from_ptr(trigger_error_message(&missing))
                .to_str()
                .unwrap(),
            trigger_error_argument(&missing),
            CStr::from_ptr(trigger_error_reason(&missing))
                .to_str()
                .unwrap(),
        )
    };
    assert!(argument.is_null());
    assert!(
        message.contains("give an access token (`accessToken`)"),
        "{message}"
    );
    assert!(
        reason.contains("give an access token (`access_token`)"),
        "{reason}"
    );
    assert!(!message.contains("Config") && !reason.contains("Config"));
    unsafe {
        trigger_client_free(client);
        trigger_client_free(insecure);
    }
}

#[test]
fn a_panic_becomes_a_result_code_not_an_unwind() {
    let mut err = ptr::null_mut();
    let rc = unsafe { run_in_boundary(&mut err, || panic!("boom {}", 42)) };
    assert_eq!(rc, trigger_result::Panic);
    let e = take_error(err);
    assert_eq!(e.kind, trigger_result::Panic);
    assert!(e.message.contains("boom 42"), "{}", e.message);

    let rc = unsafe { run_in_boundary(ptr::null_mut(), || std::panic::panic_any(7_u8)) };
    assert_eq!(rc, trigger_result::Panic);

    let rc = unsafe { run_in_boundary(&mut err, || {}) };
    assert_eq!(rc, trigger_result::Ok);
}

// ---------------------------------------------------------------------------------------------
// On the wire

#[test]
fn trigger_sends_the_official_body_and_returns_the_handle() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/api/v1/tasks/my-task/trigger")
        .match_header("authorization", format!("Bearer {DEV_KEY}").as_str())
        .match_header("content-type", "application/json")
        .match_header("x-trigger-api-version", "2025-07-16")
        .match_header("user-agent", Matcher::Regex("^triggerdev-rust/".into()))
        .match_body(Matcher::Exact(
            r#"{"payload":"{\"json\":{\"a\":1}}","options":{"payloadType":"application/super+json","payloadSize":16,"tags":["x"]}}"#
                .into(),
        ))
        .with_status(200)
        .with_header("x-trigger-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.sig")
        .with_body(r#"{"id":"run_1","isCached":false}"#)
        .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_tasks_trigger(
            client,
            c("my-task").as_ptr(),
            c("{\"a\":1}").as_ptr(),
            c("{\"tags\":\"x\"}").as_ptr(),
            out,
            err,
        )
    });
    mock.assert();
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        out,
        json!({"id": "run_1", "isCached": false, "publicAccessToken": "eyJhbGciOiJIUzI1NiJ9.e30.sig"})
    );
    unsafe { trigger_client_free(client) };
}

#[test]
fn batch_trigger_returns_the_batch_handle() {
    let mut server = mockito::Server::new();
    let create = server
        .mock("POST", "/api/v3/batches")
        .match_body(Matcher::Json(
            json!({"runCount": 2, "taskIdentifiers": ["a", "b"]}),
        ))
        .with_status(202)
        .with_body(r#"{"id":"batch_1","runCount":2,"isCached":false}"#)
        .create();
    let items = server
        .mock("POST", "/api/v3/batches/batch_1/items")
        .match_header("content-type", "application/x-ndjson")
        .match_body(Matcher::Regex(
            r#"^\{"index":0,"task":"b","payload":"hi".*\n\{"index":1,"task":"a".*\n$"#.into(),
        ))
        .with_body(r#"{"id":"batch_1","itemsAccepted":2,"itemsDeduplicated":0,"sealed":true}"#)
        .create();
    let client = client(&server.url());
    let body = json!([{"task": "b", "payload": "hi"}, {"task": "a", "payload": {"n": 1}, "options": {"tags": ["t"]}}]).to_string();
    let out = expect_json(|out, err| unsafe {
        trigger_tasks_batch_trigger(client, c(&body).as_ptr(), ptr::null(), out, err)
    });
    create.assert();
    items.assert();
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        out,
        json!({"batchId": "batch_1", "runCount": 2, "isCached": false, "publicAccessToken": null})
    );
    unsafe { trigger_client_free(client) };
}

#[test]
fn api_json_is_passed_through_untouched() {
    let mut server = mockito::Server::new();
    let body = r#"{"id":"run_1", "status":"COMPLETED","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z","unknownField":{"kept":true}}"#;
    let mock = server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(body)
        .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_1").as_ptr(), out, err)
    });
    mock.assert();
    assert_eq!(out, body);

    // Whitespace around the body is not part of the JSON value handed out.
    server
        .mock("GET", "/api/v3/runs/run_2")
        .with_body(format!(" \r\n{body}\n\t"))
        .create();
    let out = expect_json(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_2").as_ptr(), out, err)
    });
    assert_eq!(out, body);

    // A NULL out_json is an invalid argument, found before anything is sent.
    let mock = server
        .mock("POST", "/api/v2/runs/run_1/cancel")
        .expect(0)
        .create();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_runs_cancel(client, c("run_1").as_ptr(), ptr::null_mut(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "out_json: must not be NULL");
    mock.assert();
    unsafe { trigger_client_free(client) };
}

#[test]
fn a_non_json_success_body_is_a_decode_error() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body("<html>proxy</html>")
        .create();
    let client = client(&server.url());
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Decode);
    assert_eq!(e.status, 200);
    assert_eq!(e.body.as_deref(), Some("<html>proxy</html>"));
    assert!(
        e.message.starts_with("could not decode the 200 response"),
        "{}",
        e.message
    );
    unsafe { trigger_client_free(client) };
}

/// Found by fuzz/ (target `responses`): serde fills a struct from a JSON array by position, so
/// `[]` passed as a `{"success":true}` and was handed out as the result.
#[test]
fn an_array_where_the_api_sends_an_object_is_a_decode_error() {
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v1/projects/proj_1/envvars/dev/import")
        .with_body("[]")
        .create();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(r#"["run_1","COMPLETED","t","2025-01-01T00:00:00.000Z"]"#)
        .create();
    server
        .mock("GET", "/api/v1/bulk-actions")
        .with_body(r#"{"data":[["bulk_1"]],"pagination":{}}"#)
        .create();
    let client = client(&server.url());
    let e = expect_failure(|out, err| unsafe {
        trigger_envvars_upload(
            client,
            c("proj_1").as_ptr(),
            c("dev").as_ptr(),
            c(r#"{"variables":{"A":"1"}}"#).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(e.kind, trigger_result::Decode);
    assert_eq!(e.body.as_deref(), Some("[]"));
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Decode);
    // A page's item too.
    let e = expect_failure(|out, err| unsafe {
        trigger_bulk_actions_list(client, ptr::null(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Decode);
    unsafe { trigger_client_free(client) };
}

#[test]
fn api_errors_carry_status_message_body_and_code() {
    let mut server = mockito::Server::new();
    let body = r#"{"error":"Invalid API key","code":"invalid_key"}"#;
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(401)
        .with_body(body)
        .create();
    server
        .mock("POST", "/api/v1/runs/run_1/reschedule")
        .match_body(Matcher::Json(json!({"delay": "1h"})))
        .with_status(422)
        .with_body(r#"{"error":"Run is not delayed"}"#)
        .create();
    let client = client(&server.url());

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Authentication);
    assert_eq!(e.status, 401);
    assert_eq!(e.message, "401 Invalid API key");
    assert_eq!(e.body.as_deref(), Some(body));
    assert_eq!(e.code.as_deref(), Some("invalid_key"));
    assert!(!e.message.contains(DEV_KEY));

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_reschedule(client, c("run_1").as_ptr(), c("1h").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Unprocessable);
    assert_eq!(e.status, 422);
    unsafe { trigger_client_free(client) };
}

#[test]
fn result_of_an_unfinished_run_is_json_null() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v1/runs/run_1/result")
        .with_status(404)
        .with_body(r#"{"error":"Run either doesn't exist or is not finished"}"#)
        .create();
    server
        .mock("GET", "/api/v1/runs/run_2/result")
        .with_body(r#"{"ok":true,"id":"run_2","output":"{\"json\":1}","outputType":"application/super+json"}"#)
        .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_runs_result(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(out, "null");
    let out = expect_json(|out, err| unsafe {
        trigger_runs_result(client, c("run_2").as_ptr(), out, err)
    });
    assert!(out.starts_with(r#"{"ok":true,"id":"run_2""#), "{out}");
    unsafe { trigger_client_free(client) };
}

#[test]
fn outcome_reads_the_run_and_keeps_the_output_as_sent() {
    let mut server = mockito::Server::new();
    let run = |id: &str, status: &str, done: bool, ok: bool, extra: &str| {
        format!(
            r#"{{"id":"{id}","status":"{status}","taskIdentifier":"t","createdAt":"2026-01-01T00:00:00.000Z","isCompleted":{done},"isSuccess":{ok},"tags":[]{extra}}}"#
        )
    };
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(run(
            "run_1",
            "COMPLETED",
            true,
            true,
            r#","output":{"b":1,"a":[2]}"#,
        ))
        .create();
    server
        .mock("GET", "/api/v3/runs/run_2")
        .with_body(run(
            "run_2",
            "CANCELED",
            true,
            false,
            r#","error":{"message":"Canceled by user"}"#,
        ))
        .create();
    server
        .mock("GET", "/api/v3/runs/run_3")
        .with_body(run("run_3", "QUEUED", false, false, ""))
        .create();
    server
        .mock("GET", "/api/v3/runs/run_4")
        .with_status(404)
        .with_header("x-should-retry", "false")
        .with_body(r#"{"error":"Not found"}"#)
        .create();
    let client = client(&server.url());
    let outcome = |id: &str| {
        expect_json(|out, err| unsafe { trigger_runs_outcome(client, c(id).as_ptr(), out, err) })
    };
    assert_eq!(
        outcome("run_1"),
        r#"{"outcome":"succeeded","output":{"b":1,"a":[2]}}"#
    );
    assert_eq!(
        outcome("run_2"),
        r#"{"outcome":"failed","status":"CANCELED","error":{"message":"Canceled by user","name":null,"stackTrace":null}}"#
    );
    assert_eq!(
        outcome("run_3"),
        r#"{"outcome":"notFinished","status":"QUEUED"}"#
    );
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_outcome(client, c("run_4").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::NotFound);
    unsafe { trigger_client_free(client) };
}

#[test]
fn credentials_are_checked_before_sending() {
    let mut server = mockito::Server::new();
    let mock = server.mock("GET", Matcher::Any).expect(0).create();
    let pat = client_with(&server.url(), PAT);

    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(pat, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::UnsupportedCredential);
    assert_eq!(e.status, 0);
    assert!(e.message.contains("runs.retrieve"), "{}", e.message);
    assert!(!e.message.contains(PAT));

    let e = expect_failure(|out, err| unsafe { trigger_runs_list(pat, ptr::null(), out, err) });
    assert_eq!(e.kind, trigger_result::MissingProjectRef);

    let e =
        expect_failure(|out, err| unsafe { trigger_schedules_list(pat, ptr::null(), out, err) });
    assert_eq!(e.kind, trigger_result::UnsupportedCredential);

    let empty = client_with(&server.url(), "");
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(empty, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::InvalidCredentials);

    mock.assert();
    unsafe {
        trigger_client_free(pat);
        trigger_client_free(empty);
    }
}

#[test]
fn project_runs_list_with_a_pat() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/v1/projects/proj_1/runs")
        .match_header("authorization", format!("Bearer {PAT}").as_str())
        .match_query(Matcher::Exact(
            "filter%5Bstatus%5D=COMPLETED&filter%5Benv%5D=dev&page%5Bsize%5D=2".into(),
        ))
        .with_body(r#"{"data":[],"pagination":{}}"#)
        .expect(2)
        .create();
    let pat = client_with(&server.url(), PAT);
    // A scalar status and env are accepted where the official SDK takes one.
    for params in [
        r#"{"projectRef":"proj_1","status":"COMPLETED","env":"dev","limit":2}"#,
        r#"{"projectRef":"proj_1","status":["COMPLETED"],"env":["dev"],"limit":2}"#,
    ] {
        let out =
            expect_json(|out, err| unsafe { trigger_runs_list(pat, c(params).as_ptr(), out, err) });
        assert_eq!(out, r#"{"data":[],"pagination":{}}"#);
    }
    mock.assert();
    unsafe { trigger_client_free(pat) };
}

fn run_item(id: &str) -> Value {
    json!({"id": id, "status": "COMPLETED", "taskIdentifier": "t", "createdAt": "2025-01-01T00:00:00.000Z", "tags": []})
}

#[test]
fn runs_iterator_fetches_pages_lazily() {
    let mut server = mockito::Server::new();
    let first = server
        .mock("GET", "/api/v1/runs")
        .match_query(Matcher::Exact("page%5Bsize%5D=2".into()))
        .with_body(
            json!({"data": [run_item("run_1"), run_item("run_2")], "pagination": {"next": "c2"}})
                .to_string(),
        )
        .expect(1)
        .create();
    let second = server
        .mock("GET", "/api/v1/runs")
        .match_query(Matcher::Exact("page%5Bsize%5D=2&page%5Bafter%5D=c2".into()))
        .with_body(json!({"data": [run_item("run_3")], "pagination": {}}).to_string())
        .expect(1)
        .create();
    let client = client(&server.url());
    let mut iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc =
        unsafe { trigger_runs_list_iter(client, c("{\"limit\":2}").as_ptr(), &mut iter, &mut err) };
    assert_eq!(rc, trigger_result::Ok);
    // The client may go before its iterator.
    unsafe { trigger_client_free(client) };
    assert!(
        !first.matched(),
        "the iterator fetched before the first next()"
    );

    let mut ids = Vec::new();
    loop {
        let mut item = sentinel();
        let rc = unsafe { trigger_runs_iter_next(iter, &mut item, &mut err) };
        assert_eq!(rc, trigger_result::Ok);
        if item.is_null() {
            break;
        }
        let item: Value = serde_json::from_str(&take_string(item)).unwrap();
        ids.push(item["id"].as_str().unwrap().to_owned());
        if ids.len() == 1 {
            assert!(!second.matched(), "the second page was fetched too early");
        }
    }
    assert_eq!(ids, ["run_1", "run_2", "run_3"]);
    first.assert();
    second.assert();
    // Exhausted stays exhausted.
    let mut item = sentinel();
    assert_eq!(
        unsafe { trigger_runs_iter_next(iter, &mut item, &mut err) },
        trigger_result::Ok
    );
    assert!(item.is_null());
    unsafe { trigger_runs_iter_free(iter) };
}

#[test]
fn schedules_iterator_walks_offset_pages_and_reports_errors() {
    let mut server = mockito::Server::new();
    let schedule = |id: &str| {
        json!({"id": id, "type": "IMPERATIVE", "task": "t", "active": true,
               "generator": {"type": "CRON", "expression": "* * * * *", "description": ""}})
    };
    server
        .mock("GET", "/api/v1/schedules")
        .match_query(Matcher::Exact("perPage=1".into()))
        .with_body(json!({"data": [schedule("sched_1")], "pagination": {"currentPage": 1, "totalPages": 2, "count": 2}}).to_string())
        .create();
    server
        .mock("GET", "/api/v1/schedules")
        .match_query(Matcher::Exact("perPage=1&page=2".into()))
        .with_status(500)
        .with_body(r#"{"error":"Something went wrong"}"#)
        .create();
    let client = client(&server.url());
    let mut iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe {
            trigger_schedules_list_iter(client, c("{\"perPage\":1}").as_ptr(), &mut iter, &mut err)
        },
        trigger_result::Ok
    );
    let mut item = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_schedules_iter_next(iter, &mut item, &mut err) },
        trigger_result::Ok
    );
    let first: Value = serde_json::from_str(&take_string(item)).unwrap();
    assert_eq!(first["id"], "sched_1");

    let mut item = sentinel();
    let rc = unsafe { trigger_schedules_iter_next(iter, &mut item, &mut err) };
    assert_eq!(rc, trigger_result::Server);
    assert_eq!(item, sentinel());
    let e = take_error(err);
    assert_eq!(e.status, 500);
    // After an error the iterator ends.
    let mut item = sentinel();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_schedules_iter_next(iter, &mut item, &mut err) },
        trigger_result::Ok
    );
    assert!(item.is_null());
    unsafe {
        trigger_schedules_iter_free(iter);
        trigger_client_free(client);
    }
}

#[test]
fn envvars_and_schedules_send_their_bodies() {
    let mut server = mockito::Server::new();
    let create = server
        .mock("POST", "/api/v1/projects/proj_1/envvars/dev")
        .match_body(Matcher::Exact(
            r#"{"name":"A","value":"1","isSecret":true}"#.into(),
        ))
        .with_body(r#"{"success":true}"#)
        .create();
    let update = server
        .mock("PUT", "/api/v1/projects/proj_1/envvars/dev/A")
        .match_body(Matcher::Exact(r#"{"value":"2"}"#.into()))
        .with_body(r#"{"success":true}"#)
        .create();
    let upload = server
        .mock("POST", "/api/v1/projects/proj_1/envvars/dev/import")
        .match_body(Matcher::Exact(
            r#"{"variables":{"B":"x","A":"y"},"override":true}"#.into(),
        ))
        .with_body(r#"{"success":true}"#)
        .create();
    let sched = server
        .mock("POST", "/api/v1/schedules")
        .match_body(Matcher::Exact(
            r#"{"task":"t","cron":"0 * * * *","deduplicationKey":"d","timezone":"UTC"}"#.into(),
        ))
        .with_body(SCHEDULE)
        .create();
    let tz = server
        .mock("GET", "/api/v1/timezones")
        .match_query(Matcher::Exact("excludeUtc=true".into()))
        .match_header("authorization", Matcher::Missing)
        .with_body(r#"{"timezones":["Europe/Paris"]}"#)
        .create();
    let client = client(&server.url());
    let (p, e) = (c("proj_1"), c("dev"));
    let out = expect_json(|out, err| unsafe {
        trigger_envvars_create(
            client,
            p.as_ptr(),
            e.as_ptr(),
            c(r#"{"name":"A","value":"1","isSecret":true}"#).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, r#"{"success":true}"#);
    expect_json(|out, err| unsafe {
        trigger_envvars_update(
            client,
            p.as_ptr(),
            e.as_ptr(),
            c("A").as_ptr(),
            c("2").as_ptr(),
            out,
            err,
        )
    });
    expect_json(|out, err| unsafe {
        trigger_envvars_upload(
            client,
            p.as_ptr(),
            e.as_ptr(),
            c(r#"{"variables":{"B":"x","A":"y"},"override":true}"#).as_ptr(),
            out,
            err,
        )
    });
    expect_json(|out, err| unsafe {
        trigger_schedules_create(
            client,
            c(r#"{"task":"t","cron":"0 * * * *","deduplicationKey":"d","timezone":"UTC"}"#)
                .as_ptr(),
            out,
            err,
        )
    });
    let out =
        expect_json(|out, err| unsafe { trigger_schedules_timezones(client, true, out, err) });
    // The list itself, as the server wrote it (the Rust API returns the list).
    assert_eq!(out, r#"["Europe/Paris"]"#);
    for m in [create, update, upload, sched, tz] {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn a_connection_failure_is_a_connection_error() {
    // A port that was just free: nothing listens there. One attempt only.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client(&format!("http://127.0.0.1:{port}"));
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Connection, "{e:?}");
    assert_eq!(e.status, 0);
    unsafe { trigger_client_free(client) };
}

/// A schedule as the API sends it.
const SCHEDULE: &str = r#"{"id":"sched_1","type":"IMPERATIVE","task":"t","active":true,"generator":{"type":"CRON","expression":"0 * * * *","description":""},"environments":[]}"#;

/// A run as the API sends it, with `task` as its task id (to tell responses apart).
fn run_body(id: &str, task: &str) -> String {
    format!(
        r#"{{"id":"{id}","status":"COMPLETED","taskIdentifier":"{task}","createdAt":"2025-01-01T00:00:00.000Z"}}"#
    )
}

/// The only test that touches the process-wide configuration (the others pass a client).
#[test]
fn null_client_uses_configure_and_this_threads_overrides() {
    let mut global = mockito::Server::new();
    let mut scoped = mockito::Server::new();
    let g = global
        .mock("GET", "/api/v3/runs/run_g")
        .match_header("authorization", "Bearer tr_prod_global_key_0001")
        .with_body(run_body("run_g", "global"))
        .expect(2)
        .create();
    let s = scoped
        .mock("GET", "/api/v3/runs/run_s")
        .match_header("authorization", "Bearer tr_dev_scoped_key_0001")
        .with_body(run_body("run_s", "scoped"))
        .expect(2)
        .create();

    // secretKey wins over accessToken on the global path.
    let config = json!({"secretKey": "tr_prod_global_key_0001", "accessToken": "tr_dev_ignored_0001",
                        "baseURL": global.url(), "requestOptions": {"retry": {"maxAttempts": 1}}});
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_configure(c(&config.to_string()).as_ptr(), &mut err) },
        trigger_result::Ok
    );

    let retrieve = |id: &str| {
        expect_json(|out, err| unsafe {
            trigger_runs_retrieve(ptr::null(), c(id).as_ptr(), out, err)
        })
    };
    assert_eq!(retrieve("run_g"), run_body("run_g", "global"));

    // An override merges over the global config; accessToken wins over secretKey in a scope.
    let outer = json!({"baseURL": scoped.url()});
    let inner =
        json!({"accessToken": "tr_dev_scoped_key_0001", "secretKey": "tr_dev_ignored_0001"});
    assert_eq!(
        unsafe { trigger_auth_push(c(&outer.to_string()).as_ptr(), &mut err) },
        trigger_result::Ok
    );
    assert_eq!(
        unsafe { trigger_auth_push(c(&inner.to_string()).as_ptr(), &mut err) },
        trigger_result::Ok
    );
    assert_eq!(retrieve("run_s"), run_body("run_s", "scoped"));

    // Another thread sees no override.
    std::thread::spawn(move || {
        assert!(!trigger_auth_pop());
    })
    .join()
    .unwrap();

    // An iterator made now keeps the override's client after the pop.
    let mut iter = ptr::null_mut();
    let list = scoped
        .mock("GET", "/api/v1/runs")
        .match_header("authorization", "Bearer tr_dev_scoped_key_0001")
        .with_body(r#"{"data":[],"pagination":{}}"#)
        .create();
    assert_eq!(
        unsafe { trigger_runs_list_iter(ptr::null(), ptr::null(), &mut iter, &mut err) },
        trigger_result::Ok
    );

    assert!(trigger_auth_pop());
    // The outer override alone: scoped URL, global key.
    let mixed = scoped
        .mock("GET", "/api/v3/runs/run_m")
        .match_header("authorization", "Bearer tr_prod_global_key_0001")
        .with_body(run_body("run_m", "mixed"))
        .create();
    assert_eq!(retrieve("run_m"), run_body("run_m", "mixed"));
    mixed.assert();
    assert!(trigger_auth_pop());
    assert!(!trigger_auth_pop());
    assert_eq!(retrieve("run_g"), run_body("run_g", "global"));

    let mut item = sentinel();
    assert_eq!(
        unsafe { trigger_runs_iter_next(iter, &mut item, &mut err) },
        trigger_result::Ok
    );
    assert!(item.is_null());
    unsafe { trigger_runs_iter_free(iter) };
    list.assert();

    // Clients are isolated from all of it.
    let client = client_with(&scoped.url(), "tr_dev_scoped_key_0001");
    let again = expect_json(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_s").as_ptr(), out, err)
    });
    assert_eq!(again, run_body("run_s", "scoped"));
    unsafe { trigger_client_free(client) };
    g.assert();
    s.assert();
    assert!(err.is_null());
}

#[test]
fn retrieve_fills_in_payloads_sent_as_presigned_urls() {
    let mut server = mockito::Server::new();
    let url = format!("{}/packets/p?sig=1", server.url());
    let run = json!({"id": "run_1", "status": "COMPLETED", "taskIdentifier": "t",
                     "createdAt": "2025-01-01T00:00:00.000Z", "payloadPresignedUrl": url});
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(run.to_string())
        .create();
    let packet = server
        .mock("GET", "/packets/p?sig=1")
        .match_header("authorization", Matcher::Missing)
        .with_header("content-type", "application/json")
        .with_body(r#"{"large":[1,2,3]}"#)
        .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_runs_retrieve(client, c("run_1").as_ptr(), out, err)
    });
    packet.assert();
    let got: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(got["payload"], json!({"large": [1, 2, 3]}));
    assert_eq!(got["payloadPresignedUrl"], json!(url));
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// One path per operation: the typed decode validates, and the JSON handed out is the server's.

#[test]
fn a_wrong_typed_success_is_a_decode_error_through_the_abi() {
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v2/runs/run_1/cancel")
        .with_body(r#"{"id":123}"#)
        .create();
    let client = client(&server.url());
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_cancel(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Decode);
    assert_eq!(e.status, 200);
    assert_eq!(e.body.as_deref(), Some(r#"{"id":123}"#));
    assert!(
        e.message.contains("invalid type: integer `123`"),
        "{}",
        e.message
    );
    unsafe { trigger_client_free(client) };
}

#[test]
fn list_and_iterator_give_the_same_bytes_for_the_same_run() {
    let mut server = mockito::Server::new();
    // Odd spacing and member order, and a field the SDK does not know: kept as sent.
    let run = r#"{ "status":"COMPLETED","id":"run_1","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z","newField":[1, 2] }"#;
    let page = format!(r#"{{"data":[{run}],"pagination":{{}}}}"#);
    server
        .mock("GET", "/api/v1/runs")
        .with_body(&page)
        .expect(2)
        .create();
    let client = client(&server.url());
    let listed =
        expect_json(|out, err| unsafe { trigger_runs_list(client, ptr::null(), out, err) });
    assert_eq!(
        listed,
        format!(r#"{{"data":[{}],"pagination":{{}}}}"#, run.trim())
    );
    let mut iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_runs_list_iter(client, ptr::null(), &mut iter, &mut err) },
        trigger_result::Ok
    );
    let item = expect_json(|out, err| unsafe { trigger_runs_iter_next(iter, out, err) });
    assert_eq!(item, run.trim());
    assert!(listed.contains(&item));
    unsafe {
        trigger_runs_iter_free(iter);
        trigger_client_free(client);
    }
}

#[test]
fn with_options_poll_dotenv_and_auth_snapshots() {
    let mut server = mockito::Server::new();
    // A derived client with its own retry policy: one attempt instead of the parent's three.
    let flaky = server
        .mock("GET", "/api/v3/runs/run_9")
        .with_status(503)
        .expect(1)
        .create();
    let config = json!({"accessToken": DEV_KEY, "baseURL": server.url(),
                        "requestOptions": {"retry": {"maxAttempts": 3, "minTimeoutInMs": 0,
                                                     "maxTimeoutInMs": 0, "maxRateLimitWaitMs": 0}}});
    let mut parent = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_client_new(c(&config.to_string()).as_ptr(), &mut parent, &mut err) },
        trigger_result::Ok
    );
    let mut once = ptr::null_mut();
    assert_eq!(
        unsafe {
            trigger_client_with_options(
                parent,
                c(r#"{"retry":{"maxAttempts":1}}"#).as_ptr(),
                &mut once,
                &mut err,
            )
        },
        trigger_result::Ok
    );
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_retrieve(once, c("run_9").as_ptr(), out, err)
    });
    assert_eq!(e.kind, trigger_result::Server);
    flaky.assert();
    let e = expect_failure(|out, err| unsafe {
        trigger_client_with_options(parent, c(r#"{"retries":1}"#).as_ptr(), out.cast(), err)
    });
    assert!(
        e.message
            .starts_with("options_json: unknown field `retries`"),
        "{}",
        e.message
    );

    // poll: until completed.
    let running = r#"{"id":"run_p","status":"EXECUTING","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z","isCompleted":false}"#;
    let done = r#"{"id":"run_p","status":"COMPLETED","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z","isCompleted":true}"#;
    server
        .mock("GET", "/api/v3/runs/run_p")
        .with_body(running)
        .expect(1)
        .create();
    let out = {
        let finished = server
            .mock("GET", "/api/v3/runs/run_p")
            .with_body(done)
            .create();
        let out = expect_json(|out, err| unsafe {
            trigger_runs_poll(
                parent,
                c("run_p").as_ptr(),
                c(r#"{"intervalMs":1}"#).as_ptr(),
                out,
                err,
            )
        });
        finished.assert();
        out
    };
    assert_eq!(out, done);

    // .env parsing, in file order.
    let vars = expect_json(|out, err| unsafe {
        trigger_envvars_parse_dotenv(c("Z=1\n# c\nA=\"two words\"\n").as_ptr(), out, err)
    });
    assert_eq!(vars, r#"{"Z":"1","A":"two words"}"#);
    let e = expect_failure(|out, err| unsafe {
        trigger_envvars_parse_dotenv(c("not a pair").as_ptr(), out, err)
    });
    assert_eq!(e.message, "text: line 1: expected KEY=value");

    // An auth snapshot taken on one thread and pushed on another.
    let scoped = server
        .mock("GET", "/api/v3/runs/run_s")
        .match_header("authorization", "Bearer tr_dev_snapshot_key_1")
        .with_body(r#"{"id":"run_s","status":"COMPLETED","taskIdentifier":"t","createdAt":"2025-01-01T00:00:00.000Z"}"#)
        .create();
    let push = json!({"accessToken": "tr_dev_snapshot_key_1", "baseURL": server.url()});
    assert_eq!(
        unsafe { trigger_auth_push(c(&push.to_string()).as_ptr(), &mut err) },
        trigger_result::Ok
    );
    let mut snapshot = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_auth_current(&mut snapshot, &mut err) },
        trigger_result::Ok
    );
    assert!(trigger_auth_pop());
    let snapshot_addr = snapshot as usize;
    std::thread::spawn(move || {
        let snapshot = snapshot_addr as *mut trigger_config;
        let mut err = ptr::null_mut();
        assert_eq!(
            unsafe { trigger_auth_push_config(snapshot, &mut err) },
            trigger_result::Ok
        );
        expect_json(|out, err| unsafe {
            trigger_runs_retrieve(ptr::null(), c("run_s").as_ptr(), out, err)
        });
        assert!(trigger_auth_pop());
    })
    .join()
    .unwrap();
    scoped.assert();
    unsafe {
        trigger_config_free(snapshot);
        trigger_client_free(once);
        trigger_client_free(parent);
    }
}
