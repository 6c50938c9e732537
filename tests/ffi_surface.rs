//! The C ABI of queues, deployments, waitpoint tokens, bulk actions, run metadata/events/trace
//! and idempotency keys, called from Rust (mockito): every export once on the wire with the
//! exact JSON it hands out, its argument errors, and out-parameters left alone on failure.

use std::ffi::c_char;
use std::ptr;

use mockito::{Matcher, Mock, Server};
use serde_json::value::RawValue;
use triggerdev::ffi::*;

mod ffi_support;
use ffi_support::*;

const DEV_KEY: &str = "tr_dev_ffi_surface_key_0001";
const PAT: &str = "tr_pat_ffi_surface_token_0001";

/// A call of an export with its out-parameter and error.
type Export<'a> = dyn Fn(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result + 'a;

fn client(url: &str) -> *mut trigger_client {
    client_with(url, DEV_KEY)
}

/// `expect_failure` for an argument error: returns the message.
fn invalid(f: impl FnOnce(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result) -> String {
    let e = expect_failure(f);
    assert_eq!(e.kind, trigger_result::InvalidArgument, "{e:?}");
    assert_eq!((e.status, e.body.as_deref()), (0, None));
    e.message
}

/// The headers every call carries.
fn on_wire(mock: Mock, token: &str) -> Mock {
    mock.match_header("authorization", format!("Bearer {token}").as_str())
        .match_header("content-type", "application/json")
        .match_header("x-trigger-api-version", "2025-07-16")
        .match_header("x-trigger-realtime-streams-version", "v2")
        .match_header("x-trigger-source", "sdk")
        .match_header(
            "x-trigger-request-idempotency-key",
            Matcher::Regex("^[0-9a-f-]{36}$".into()),
        )
}

fn with_body(mock: Mock, body: &str) -> Mock {
    mock.match_header("content-length", body.len().to_string().as_str())
        .match_body(Matcher::Exact(body.to_owned()))
}

fn no_body(mock: Mock) -> Mock {
    mock.match_header("content-length", "0")
        .match_body(Matcher::Exact(String::new()))
}

fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST", "PUT", "DELETE"]
        .iter()
        .map(|m| server.mock(m, Matcher::Any).expect(0).create())
        .collect()
}

/// The raw text of each item of a page's `data`.
fn items_of(page: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        data: Vec<&'a RawValue>,
    }
    let page: Page = serde_json::from_str(page).unwrap();
    page.data.iter().map(|r| r.get().to_owned()).collect()
}

type Next<I> =
    unsafe extern "C" fn(*mut I, *mut *mut c_char, *mut *mut trigger_error) -> trigger_result;

/// Advances `iter` once: the item's JSON, or None at the end.
fn next_item<I>(iter: *mut I, next: Next<I>) -> Option<String> {
    let mut item: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { next(iter, &mut item, &mut err) };
    assert_eq!(
        rc,
        trigger_result::Ok,
        "{:?}",
        (!err.is_null()).then(|| take_error(err))
    );
    assert_ne!(item, sentinel(), "item_json was not written");
    (!item.is_null()).then(|| take_string(item))
}

fn sha256_hex(text: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Queues

/// Queues as a server writes them, with spacing and members the SDK does not model, so that
/// handing out the server's bytes is visible.
fn queue(id: &str) -> String {
    format!(
        r#"{{"id":"{id}", "name":"my-task","type":"task","running":0,"queued":1,"paused":false,"concurrencyLimit":null,"futureField":{{"kept":true}}}}"#
    )
}

#[test]
fn queues_on_the_wire_hand_out_the_servers_json() {
    let mut server = Server::new();
    let q1 = queue("queue_1");
    let list_body =
        format!(r#"{{"data":[ {q1} ],"pagination":{{"currentPage":1,"totalPages":1,"count":1}}}}"#);
    let list = on_wire(
        server.mock("GET", "/api/v1/queues?perPage=5&page=1"),
        DEV_KEY,
    )
    .with_body(&list_body)
    .expect(1)
    .create();
    let retrieve = on_wire(
        server.mock("GET", "/api/v1/queues/team%252Fshared%20q?type=custom"),
        DEV_KEY,
    )
    .with_body(&q1)
    .expect(1)
    .create();
    let by_id = on_wire(
        server.mock("GET", "/api/v1/queues/queue_1?type=id"),
        DEV_KEY,
    )
    .with_body(&q1)
    .expect(2)
    .create();
    let pause = with_body(
        on_wire(server.mock("POST", "/api/v1/queues/my-task/pause"), DEV_KEY),
        r#"{"type":"task","action":"pause"}"#,
    )
    .with_body(&q1)
    .expect(1)
    .create();
    let resume = with_body(
        on_wire(server.mock("POST", "/api/v1/queues/queue_1/pause"), DEV_KEY),
        r#"{"type":"id","action":"resume"}"#,
    )
    .with_body(&q1)
    .expect(1)
    .create();
    let over = with_body(
        on_wire(
            server.mock("POST", "/api/v1/queues/shared/concurrency/override"),
            DEV_KEY,
        ),
        r#"{"type":"custom","concurrencyLimit":7}"#,
    )
    .with_body(&q1)
    .expect(1)
    .create();
    let reset = with_body(
        on_wire(
            server.mock("POST", "/api/v1/queues/my-task/concurrency/reset"),
            DEV_KEY,
        ),
        r#"{"type":"task"}"#,
    )
    .with_body(&q1)
    .expect(1)
    .create();
    let client = client(&server.url());
    let (task, custom, id) = (c("task"), c("custom"), c("id"));

    let out = expect_json(|out, err| unsafe {
        trigger_queues_list(client, c(r#"{"perPage":5,"page":1}"#).as_ptr(), out, err)
    });
    assert_eq!(
        out,
        format!(r#"{{"data":[{q1}],"pagination":{{"currentPage":1,"totalPages":1,"count":1}}}}"#)
    );
    let out = expect_json(|out, err| unsafe {
        trigger_queues_retrieve(
            client,
            c("team/shared q").as_ptr(),
            custom.as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, q1);
    // NULL and "id" both name a queue id.
    for kind in [ptr::null(), id.as_ptr()] {
        let out = expect_json(|out, err| unsafe {
            trigger_queues_retrieve(client, c("queue_1").as_ptr(), kind, out, err)
        });
        assert_eq!(out, q1);
    }
    let out = expect_json(|out, err| unsafe {
        trigger_queues_pause(client, c("my-task").as_ptr(), task.as_ptr(), out, err)
    });
    assert_eq!(out, q1);
    let out = expect_json(|out, err| unsafe {
        trigger_queues_resume(client, c("queue_1").as_ptr(), ptr::null(), out, err)
    });
    assert_eq!(out, q1);
    let out = expect_json(|out, err| unsafe {
        trigger_queues_override_concurrency_limit(
            client,
            c("shared").as_ptr(),
            custom.as_ptr(),
            7,
            out,
            err,
        )
    });
    assert_eq!(out, q1);
    let out = expect_json(|out, err| unsafe {
        trigger_queues_reset_concurrency_limit(
            client,
            c("my-task").as_ptr(),
            task.as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, q1);
    for m in [list, retrieve, by_id, pause, resume, over, reset] {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn queues_iterator_gives_the_list_items_bytes_over_three_pages_lazily() {
    let mut server = Server::new();
    let page = |items: &[String], n: u64| {
        format!(
            r#"{{"data":[{}],"pagination":{{"currentPage":{n},"totalPages":3,"count":5}}}}"#,
            items.join(" , ")
        )
    };
    let all: Vec<String> = (1..=5).map(|i| queue(&format!("queue_{i}"))).collect();
    let p1 = server
        .mock("GET", "/api/v1/queues?perPage=2")
        .with_body(page(&all[0..2], 1))
        .expect(2)
        .create();
    let p2 = server
        .mock("GET", "/api/v1/queues?perPage=2&page=2")
        .with_body(page(&all[2..4], 2))
        .expect(1)
        .create();
    let p3 = server
        .mock("GET", "/api/v1/queues?perPage=2&page=3")
        .with_body(page(&all[4..5], 3))
        .expect(1)
        .create();
    let client = client(&server.url());
    let params = c(r#"{"perPage":2}"#);
    let listed =
        expect_json(|out, err| unsafe { trigger_queues_list(client, params.as_ptr(), out, err) });
    assert_eq!(items_of(&listed), all[0..2]);

    let mut iter: *mut trigger_queues_iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_queues_list_iter(client, params.as_ptr(), &mut iter, &mut err) },
        trigger_result::Ok
    );
    unsafe { trigger_client_free(client) };
    let mut seen = Vec::new();
    while let Some(item) = next_item(iter, trigger_queues_iter_next) {
        seen.push(item);
        if seen.len() == 2 {
            assert!(!p2.matched(), "page 2 fetched before it was needed");
        }
        if seen.len() == 4 {
            assert!(!p3.matched(), "page 3 fetched before it was needed");
        }
    }
    assert_eq!(seen, all, "byte for byte the server's items");
    assert_eq!(next_item(iter, trigger_queues_iter_next), None);
    unsafe { trigger_queues_iter_free(iter) };
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn queue_arguments_name_the_c_argument() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let client = client(&server.url());
    let q = c("my-task");

    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_queues_retrieve(client, ptr::null(), ptr::null(), out, err)
        }),
        "queue: must not be NULL"
    );
    for bad in ["fifo", "Task", ""] {
        let kind = c(bad);
        let message = invalid(|out, err| unsafe {
            trigger_queues_pause(client, q.as_ptr(), kind.as_ptr(), out, err)
        });
        assert_eq!(
            message,
            r#"queue_type: must be NULL, "id", "task" or "custom""#
        );
    }
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_queues_resume(client, c(" ").as_ptr(), c("custom").as_ptr(), out, err)
        }),
        "queue: must not be empty"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_queues_override_concurrency_limit(
                client,
                q.as_ptr(),
                c"\xff".as_ptr(),
                1,
                out,
                err,
            )
        }),
        "queue_type: not valid UTF-8 (invalid byte at offset 0)"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_queues_reset_concurrency_limit(client, ptr::null(), ptr::null(), out, err)
        }),
        "queue: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_queues_list(client, c(r#"{"perPage":"#).as_ptr(), out, err)
        }),
        "params_json: malformed JSON: EOF while parsing a value at line 1 column 11"
    );
    assert!(invalid(|out, err| unsafe {
        trigger_queues_list(client, c(r#"{"per_page":5}"#).as_ptr(), out, err)
    })
    .starts_with("params_json: unknown field `per_page`, expected `page` or `perPage`"));
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_queues_list(client, c(r#"{"perPage":101}"#).as_ptr(), out, err)
        }),
        "params_json: `perPage` must be at most 100"
    );
    assert_eq!(
        invalid(|out, err| unsafe { trigger_queues_list(client, c("[2]").as_ptr(), out, err) }),
        "params_json: must be a JSON object, not an array"
    );
    // A NULL out_json is refused before anything is sent.
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_queues_retrieve(client, q.as_ptr(), ptr::null(), ptr::null_mut(), &mut err)
    };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "out_json: must not be NULL");
    // Iterators: a bad params_json leaves *out alone; NULL out, iter and item_json are named.
    let mut iter: *mut trigger_queues_iter = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_queues_list_iter(
            client,
            c(r#"{"perPage":500}"#).as_ptr(),
            &mut iter,
            &mut err,
        )
    };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(iter, sentinel(), "out was written on failure");
    assert_eq!(
        take_error(err).message,
        "params_json: `perPage` must be at most 100"
    );
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_queues_list_iter(client, ptr::null(), ptr::null_mut(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "out: must not be NULL");
    let mut item: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_queues_iter_next(ptr::null_mut(), &mut item, &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(item, sentinel());
    assert_eq!(take_error(err).message, "iter: must not be NULL");
    unsafe { trigger_queues_iter_free(ptr::null_mut()) };
    for m in none {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// Deployments

fn deployment(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","status":"DEPLOYED", "version":"20250101.1","shortCode":"sc","createdAt":"2025-01-01T00:00:00.000Z","unmodelled":[1, 2]}}"#
    )
}

#[test]
fn deployments_on_the_wire_hand_out_the_servers_json() {
    let mut server = Server::new();
    let d = deployment("dep_1");
    let list = on_wire(
        server.mock(
            "GET",
            "/api/v1/deployments?status=DEPLOYED&period=7d&page%5Bsize%5D=5&page%5Bafter%5D=cur_d",
        ),
        DEV_KEY,
    )
    .with_body(format!(
        r#"{{"data":[{d}],"pagination":{{"next":"dep_1"}}}}"#
    ))
    .expect(1)
    .create();
    let retrieve = on_wire(server.mock("GET", "/api/v1/deployments/dep_1"), DEV_KEY)
        .with_body(&d)
        .expect(1)
        .create();
    let current = on_wire(server.mock("GET", "/api/v1/deployments/current"), DEV_KEY)
        .with_body(&d)
        .expect(1)
        .create();
    let latest = on_wire(server.mock("GET", "/api/v1/deployments/latest"), DEV_KEY)
        .with_body(&d)
        .expect(1)
        .create();
    let promoted = r#"{"id":"dep_1", "version":"20250101.1","shortCode":"sc"}"#;
    let promote = no_body(on_wire(
        server.mock("POST", "/api/v1/deployments/20250101.1/promote"),
        DEV_KEY,
    ))
    .with_body(promoted)
    .expect(1)
    .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_deployments_list(
            client,
            c(r#"{"status":"DEPLOYED","period":"7d","limit":5,"cursor":"cur_d"}"#).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(
        out,
        format!(r#"{{"data":[{d}],"pagination":{{"next":"dep_1"}}}}"#)
    );
    let out = expect_json(|out, err| unsafe {
        trigger_deployments_retrieve(client, c("dep_1").as_ptr(), out, err)
    });
    assert_eq!(out, d);
    let out =
        expect_json(|out, err| unsafe { trigger_deployments_retrieve_current(client, out, err) });
    assert_eq!(out, d);
    let out =
        expect_json(|out, err| unsafe { trigger_deployments_retrieve_latest(client, out, err) });
    assert_eq!(out, d);
    let out = expect_json(|out, err| unsafe {
        trigger_deployments_promote(client, c("20250101.1").as_ptr(), out, err)
    });
    assert_eq!(out, promoted);
    for m in [list, retrieve, current, latest, promote] {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn deployments_iterator_matches_the_list_byte_for_byte() {
    let mut server = Server::new();
    let ds: Vec<String> = (1..=3).map(|i| deployment(&format!("dep_{i}"))).collect();
    let p1 = server
        .mock("GET", "/api/v1/deployments?page%5Bsize%5D=1")
        .with_body(format!(
            r#"{{"data":[{}],"pagination":{{"next":"dep_1"}}}}"#,
            ds[0]
        ))
        .expect(2)
        .create();
    let p2 = server
        .mock(
            "GET",
            "/api/v1/deployments?page%5Bsize%5D=1&page%5Bafter%5D=dep_1",
        )
        .with_body(format!(
            r#"{{"data":[{}],"pagination":{{"next":"dep_2"}}}}"#,
            ds[1]
        ))
        .expect(1)
        .create();
    let p3 = server
        .mock(
            "GET",
            "/api/v1/deployments?page%5Bsize%5D=1&page%5Bafter%5D=dep_2",
        )
        .with_body(format!(r#"{{"data":[{}],"pagination":{{}}}}"#, ds[2]))
        .expect(1)
        .create();
    let client = client(&server.url());
    let params = c(r#"{"limit":1}"#);
    let listed = expect_json(|out, err| unsafe {
        trigger_deployments_list(client, params.as_ptr(), out, err)
    });
    let mut iter: *mut trigger_deployments_iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_deployments_list_iter(client, params.as_ptr(), &mut iter, &mut err) },
        trigger_result::Ok
    );
    let first = next_item(iter, trigger_deployments_iter_next).unwrap();
    assert_eq!(vec![first.clone()], items_of(&listed));
    assert!(!p2.matched());
    let mut seen = vec![first];
    while let Some(item) = next_item(iter, trigger_deployments_iter_next) {
        seen.push(item);
    }
    assert_eq!(seen, ds);
    unsafe {
        trigger_deployments_iter_free(iter);
        trigger_client_free(client);
    }
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn deployment_arguments_name_the_c_argument() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let client = client(&server.url());
    assert_eq!(
        invalid(|out, err| unsafe { trigger_deployments_retrieve(client, ptr::null(), out, err) }),
        "deployment_id: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_deployments_retrieve(client, c("").as_ptr(), out, err)
        }),
        "deployment_id: must not be empty"
    );
    assert_eq!(
        invalid(|out, err| unsafe { trigger_deployments_promote(client, ptr::null(), out, err) }),
        "version: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_deployments_list(client, c(r#"{"limit":101}"#).as_ptr(), out, err)
        }),
        "params_json: `limit` must be at most 100"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_deployments_list(client, c(r#"{"limit":"5"}"#).as_ptr(), out, err)
        }),
        "params_json: invalid type: string, expected u32 at line 1 column 12"
    );
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_deployments_retrieve_current(client, ptr::null_mut(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "out_json: must not be NULL");
    let mut iter: *mut trigger_deployments_iter = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_deployments_list_iter(client, c("{").as_ptr(), &mut iter, &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(iter, sentinel());
    assert!(take_error(err)
        .message
        .starts_with("params_json: malformed JSON: "));
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_deployments_iter_next(ptr::null_mut(), ptr::null_mut(), &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "item_json: must not be NULL");
    unsafe { trigger_deployments_iter_free(ptr::null_mut()) };
    for m in none {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// Waitpoint tokens

fn token(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","url":"https://cb/{id}", "status":"WAITING","tags":["wp"],"createdAt":"2026-01-01T00:00:00.000Z","type":"MANUAL"}}"#
    )
}

#[test]
fn waitpoints_on_the_wire() {
    let mut server = Server::new();
    let create = with_body(
        on_wire(server.mock("POST", "/api/v1/waitpoints/tokens"), DEV_KEY),
        r#"{"idempotencyKey":"k","idempotencyKeyTTL":"1d","timeout":"1h","tags":["wp"]}"#,
    )
    .with_header("x-trigger-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.sig")
    .with_body(r#"{"id":"waitpoint_1", "isCached":false,"url":"https://cb/waitpoint_1"}"#)
    .expect(1)
    .create();
    let t = token("waitpoint_1");
    let list = on_wire(
        server.mock(
            "GET",
            "/api/v1/waitpoints/tokens?filter%5Bstatus%5D=WAITING%2CCOMPLETED&filter%5Btags%5D=wp&filter%5BcreatedAt%5D%5Bperiod%5D=1d&page%5Bsize%5D=5",
        ),
        DEV_KEY,
    )
    .with_body(format!(r#"{{"data":[{t}],"pagination":{{}}}}"#))
    .expect(1)
    .create();
    let retrieve = on_wire(
        server.mock("GET", "/api/v1/waitpoints/tokens/waitpoint_1"),
        DEV_KEY,
    )
    .with_body(&t)
    .expect(1)
    .create();
    let complete = with_body(
        on_wire(
            server.mock("POST", "/api/v1/waitpoints/tokens/waitpoint_1/complete"),
            DEV_KEY,
        ),
        r#"{"data":{"z":1,"a":[true]}}"#,
    )
    .with_body(r#"{"success":true}"#)
    .expect(1)
    .create();
    // NULL data sends no `data` member.
    let complete_empty = with_body(
        on_wire(
            server.mock("POST", "/api/v1/waitpoints/tokens/waitpoint_2/complete"),
            DEV_KEY,
        ),
        "{}",
    )
    .with_body(r#"{ "success": true }"#)
    .expect(1)
    .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_waitpoints_create_token(
            client,
            c(r#"{"timeout":"1h","idempotencyKey":"k","idempotencyKeyTTL":"1d","tags":"wp"}"#)
                .as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(
        out,
        r#"{"id":"waitpoint_1","isCached":false,"url":"https://cb/waitpoint_1","publicAccessToken":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}"#
    );
    let out = expect_json(|out, err| unsafe {
        trigger_waitpoints_list_tokens(
            client,
            c(r#"{"status":["WAITING","COMPLETED"],"tags":"wp","period":"1d","limit":5}"#).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, format!(r#"{{"data":[{t}],"pagination":{{}}}}"#));
    let out = expect_json(|out, err| unsafe {
        trigger_waitpoints_retrieve_token(client, c("waitpoint_1").as_ptr(), out, err)
    });
    assert_eq!(out, t);
    let out = expect_json(|out, err| unsafe {
        trigger_waitpoints_complete_token(
            client,
            c("waitpoint_1").as_ptr(),
            c(r#"{"z":1,"a":[true]}"#).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, r#"{"success":true}"#);
    let out = expect_json(|out, err| unsafe {
        trigger_waitpoints_complete_token(client, c("waitpoint_2").as_ptr(), ptr::null(), out, err)
    });
    assert_eq!(out, r#"{ "success": true }"#);
    for m in [create, list, retrieve, complete, complete_empty] {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn a_tokens_completion_data_is_decoded_as_its_output_type_says() {
    let token = |output: &str, kind: &str| {
        format!(
            r#"{{"id":"waitpoint_1","status":"COMPLETED","createdAt":"2026-01-01T00:00:00Z","output":{},"outputType":"{kind}"}}"#,
            serde_json::to_string(output).unwrap()
        )
    };
    let decode = |json: &str| {
        expect_json(|out, err| unsafe {
            trigger_waitpoints_token_output(c(json).as_ptr(), out, err)
        })
    };
    assert_eq!(
        decode(&token(
            r#"{"json":{"approved":true,"n":[1,2]}}"#,
            "application/super+json"
        )),
        r#"{"approved":true,"n":[1,2]}"#
    );
    assert_eq!(
        decode(&token(r#"{"b":1}"#, "application/json")),
        r#"{"b":1}"#
    );
    assert_eq!(
        decode(&token("plain words", "text/plain")),
        r#""plain words""#
    );
    let waiting = r#"{"id":"waitpoint_1","status":"WAITING","createdAt":"2026-01-01T00:00:00Z"}"#;
    assert_eq!(decode(waiting), "null");
    assert_eq!(
        invalid(|out, err| unsafe { trigger_waitpoints_token_output(ptr::null(), out, err) }),
        "token_json: must not be NULL"
    );
    let message = invalid(|out, err| unsafe {
        trigger_waitpoints_token_output(c(r#"{"id":"waitpoint_1"}"#).as_ptr(), out, err)
    });
    assert!(message.starts_with("token_json: "), "{message}");
}

#[test]
fn a_results_output_is_decoded_through_the_abi() {
    let result = r#"{"ok":true,"id":"run_1","output":"{\"json\":{\"sent\":true}}","outputType":"application/super+json"}"#;
    let out =
        expect_json(|out, err| unsafe { trigger_runs_result_output(c(result).as_ptr(), out, err) });
    assert_eq!(out, r#"{"sent":true}"#);
    let failed = r#"{"ok":false,"id":"run_1","error":{"message":"boom"}}"#;
    let out =
        expect_json(|out, err| unsafe { trigger_runs_result_output(c(failed).as_ptr(), out, err) });
    assert_eq!(out, "null");
    let message = invalid(|out, err| unsafe {
        trigger_runs_result_output(c(r#"{"ok":true}"#).as_ptr(), out, err)
    });
    assert!(message.starts_with("result_json: "), "{message}");
}

#[test]
fn an_additional_key_creates_a_waitpoint_without_a_public_token() {
    let additional = "tr_dev_sk_abcdefghijklmnopqrstuvwx";
    let mut server = Server::new();
    let mock = with_body(
        on_wire(server.mock("POST", "/api/v1/waitpoints/tokens"), additional),
        "{}",
    )
    .with_header("x-trigger-jwt-claims", r#"{"sub":"env_1","pub":true}"#)
    .with_body(r#"{"id":"waitpoint_1","url":"u"}"#)
    .create();
    let client = client_with(&server.url(), additional);
    let out = expect_json(|out, err| unsafe {
        trigger_waitpoints_create_token(client, ptr::null(), out, err)
    });
    assert_eq!(
        out,
        r#"{"id":"waitpoint_1","isCached":false,"url":"u","publicAccessToken":null}"#
    );
    mock.assert();
    unsafe { trigger_client_free(client) };
}

#[test]
fn waitpoints_iterator_matches_the_list_over_three_pages() {
    let mut server = Server::new();
    let ts: Vec<String> = (1..=5).map(|i| token(&format!("waitpoint_{i}"))).collect();
    let base = "/api/v1/waitpoints/tokens?page%5Bsize%5D=2";
    let p1 = server
        .mock("GET", base)
        .with_body(format!(
            r#"{{"data":[{},{}],"pagination":{{"next":"waitpoint_2"}}}}"#,
            ts[0], ts[1]
        ))
        .expect(2)
        .create();
    let p2 = server
        .mock(
            "GET",
            format!("{base}&page%5Bafter%5D=waitpoint_2").as_str(),
        )
        .with_body(format!(
            r#"{{"data":[{},{}],"pagination":{{"next":"waitpoint_4","previous":"waitpoint_3"}}}}"#,
            ts[2], ts[3]
        ))
        .expect(1)
        .create();
    let p3 = server
        .mock(
            "GET",
            format!("{base}&page%5Bafter%5D=waitpoint_4").as_str(),
        )
        .with_body(format!(r#"{{"data":[{}],"pagination":{{}}}}"#, ts[4]))
        .expect(1)
        .create();
    let client = client(&server.url());
    let params = c(r#"{"limit":2}"#);
    let listed = expect_json(|out, err| unsafe {
        trigger_waitpoints_list_tokens(client, params.as_ptr(), out, err)
    });
    assert_eq!(
        listed,
        format!(
            r#"{{"data":[{},{}],"pagination":{{"next":"waitpoint_2"}}}}"#,
            ts[0], ts[1]
        )
    );
    let mut iter: *mut trigger_waitpoints_tokens_iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe {
            trigger_waitpoints_list_tokens_iter(client, params.as_ptr(), &mut iter, &mut err)
        },
        trigger_result::Ok
    );
    let mut seen = Vec::new();
    while let Some(item) = next_item(iter, trigger_waitpoints_tokens_iter_next) {
        seen.push(item);
        if seen.len() == 2 {
            assert_eq!(seen, items_of(&listed));
            assert!(!p2.matched());
        }
    }
    assert_eq!(seen, ts);
    unsafe {
        trigger_waitpoints_tokens_iter_free(iter);
        trigger_client_free(client);
    }
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn waitpoint_arguments_name_the_c_argument() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let client = client(&server.url());
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_waitpoints_retrieve_token(client, ptr::null(), out, err)
        }),
        "token_id: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_waitpoints_complete_token(client, ptr::null(), ptr::null(), out, err)
        }),
        "token_id: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_waitpoints_complete_token(client, c("").as_ptr(), ptr::null(), out, err)
        }),
        "token_id: must not be empty"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_waitpoints_complete_token(
                client,
                c("waitpoint_1").as_ptr(),
                c("{\"a\":").as_ptr(),
                out,
                err,
            )
        }),
        "data_json: malformed JSON: EOF while parsing a value at line 1 column 5"
    );
    let long = format!(r#"{{"idempotencyKey":"{}"}}"#, "k".repeat(2049));
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_waitpoints_create_token(client, c(&long).as_ptr(), out, err)
        }),
        "options_json: `idempotencyKey` must be 2048 characters or less"
    );
    assert!(invalid(|out, err| unsafe {
        trigger_waitpoints_create_token(client, c(r#"{"ttl":"1h"}"#).as_ptr(), out, err)
    })
    .starts_with("options_json: unknown field `ttl`"));
    assert!(invalid(|out, err| unsafe {
        trigger_waitpoints_list_tokens(client, c(r#"{"status":5}"#).as_ptr(), out, err)
    })
    .starts_with("params_json: "));
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_waitpoints_list_tokens(client, c("true").as_ptr(), out, err)
        }),
        "params_json: must be a JSON object, not a boolean"
    );
    let mut iter: *mut trigger_waitpoints_tokens_iter = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_waitpoints_list_tokens_iter(client, c("[]").as_ptr(), &mut iter, &mut err)
    };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(iter, sentinel());
    assert_eq!(
        take_error(err).message,
        "params_json: must be a JSON object, not an array"
    );
    let mut item: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_waitpoints_tokens_iter_next(ptr::null_mut(), &mut item, &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(item, sentinel());
    assert_eq!(take_error(err).message, "iter: must not be NULL");
    unsafe { trigger_waitpoints_tokens_iter_free(ptr::null_mut()) };
    for m in none {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// Bulk actions

fn bulk(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"CANCEL","status":"COMPLETED", "counts":{{"total":1,"success":1,"failure":0}},"createdAt":"2026-01-01T00:00:00.000Z"}}"#
    )
}

#[test]
fn bulk_actions_on_the_wire() {
    let mut server = Server::new();
    let create = with_body(
        on_wire(server.mock("POST", "/api/v1/bulk-actions"), DEV_KEY),
        r#"{"filter":{"status":["QUEUED"],"tag":"old"},"name":"cancel old","action":"cancel"}"#,
    )
    .with_status(202)
    .with_body(r#"{"id":"bulk_1" }"#)
    .expect(1)
    .create();
    let by_ids = with_body(
        on_wire(server.mock("POST", "/api/v1/bulk-actions"), DEV_KEY),
        r#"{"runIds":["run_1","run_2"],"targetRegion":"eu-central-1","action":"replay"}"#,
    )
    .with_body(r#"{"id":"bulk_2"}"#)
    .expect(1)
    .create();
    let b = bulk("bulk_1");
    let list = on_wire(
        server.mock(
            "GET",
            "/api/v1/bulk-actions?page%5Bsize%5D=5&page%5Bafter%5D=c1",
        ),
        DEV_KEY,
    )
    .with_body(format!(r#"{{"data":[{b}],"pagination":{{"next":"c2"}}}}"#))
    .expect(1)
    .create();
    let retrieve = on_wire(server.mock("GET", "/api/v1/bulk-actions/bulk_1"), DEV_KEY)
        .with_body(&b)
        .expect(1)
        .create();
    let abort = no_body(on_wire(
        server.mock("POST", "/api/v1/bulk-actions/bulk_1/abort"),
        DEV_KEY,
    ))
    .with_body(r#"{"id":"bulk_1"}"#)
    .expect(1)
    .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_bulk_actions_create(
            client,
            c(r#"{"filter":{"status":["QUEUED"],"tag":"old"},"name":"cancel old","action":"cancel"}"#)
                .as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, r#"{"id":"bulk_1" }"#);
    let out = expect_json(|out, err| unsafe {
        trigger_bulk_actions_create(
            client,
            c(r#"{"runIds":["run_1","run_2"],"targetRegion":"eu-central-1","action":"replay"}"#)
                .as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, r#"{"id":"bulk_2"}"#);
    let out = expect_json(|out, err| unsafe {
        trigger_bulk_actions_list(client, c(r#"{"limit":5,"after":"c1"}"#).as_ptr(), out, err)
    });
    assert_eq!(
        out,
        format!(r#"{{"data":[{b}],"pagination":{{"next":"c2"}}}}"#)
    );
    let out = expect_json(|out, err| unsafe {
        trigger_bulk_actions_retrieve(client, c("bulk_1").as_ptr(), out, err)
    });
    assert_eq!(out, b);
    let out = expect_json(|out, err| unsafe {
        trigger_bulk_actions_abort(client, c("bulk_1").as_ptr(), out, err)
    });
    assert_eq!(out, r#"{"id":"bulk_1"}"#);
    for m in [create, by_ids, list, retrieve, abort] {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn bulk_actions_iterator_matches_the_list_over_three_pages() {
    let mut server = Server::new();
    let bs: Vec<String> = (1..=3).map(|i| bulk(&format!("bulk_{i}"))).collect();
    let p1 = server
        .mock("GET", "/api/v1/bulk-actions")
        .with_body(format!(
            r#"{{"data":[{}],"pagination":{{"next":"c1"}}}}"#,
            bs[0]
        ))
        .expect(2)
        .create();
    let p2 = server
        .mock("GET", "/api/v1/bulk-actions?page%5Bafter%5D=c1")
        .with_body(format!(
            r#"{{"data":[{}],"pagination":{{"next":"c2"}}}}"#,
            bs[1]
        ))
        .expect(1)
        .create();
    let p3 = server
        .mock("GET", "/api/v1/bulk-actions?page%5Bafter%5D=c2")
        .with_body(format!(r#"{{"data":[{}],"pagination":{{}}}}"#, bs[2]))
        .expect(1)
        .create();
    let client = client(&server.url());
    let listed =
        expect_json(|out, err| unsafe { trigger_bulk_actions_list(client, ptr::null(), out, err) });
    let mut iter: *mut trigger_bulk_actions_iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_bulk_actions_list_iter(client, ptr::null(), &mut iter, &mut err) },
        trigger_result::Ok
    );
    unsafe { trigger_client_free(client) };
    let first = next_item(iter, trigger_bulk_actions_iter_next).unwrap();
    assert_eq!(vec![first.clone()], items_of(&listed));
    assert!(!p2.matched());
    let mut seen = vec![first];
    while let Some(item) = next_item(iter, trigger_bulk_actions_iter_next) {
        seen.push(item);
    }
    assert_eq!(seen, bs);
    unsafe { trigger_bulk_actions_iter_free(iter) };
    for m in [p1, p2, p3] {
        m.assert();
    }
}

#[test]
fn bulk_action_bodies_are_checked_and_name_the_c_argument() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let client = client(&server.url());
    let create = |body: Option<&str>| {
        let body = body.map(c);
        invalid(|out, err| unsafe {
            trigger_bulk_actions_create(
                client,
                body.as_ref().map_or(ptr::null(), |b| b.as_ptr()),
                out,
                err,
            )
        })
    };
    assert_eq!(create(None), "body_json: must not be NULL");
    assert_eq!(
        create(Some(r#"{"action":"cancel"}"#)),
        "body_json: give exactly one of `filter` and `runIds`"
    );
    assert_eq!(
        create(Some(
            r#"{"filter":{"tag":"a"},"runIds":["run_1"],"action":"cancel"}"#
        )),
        "body_json: give exactly one of `filter` and `runIds`"
    );
    assert_eq!(
        create(Some(r#"{"filter":{},"action":"cancel"}"#)),
        "body_json: `filter` give at least one filter"
    );
    assert_eq!(
        create(Some(r#"{"runIds":[],"action":"replay"}"#)),
        "body_json: `runIds` give at least one run id, none of them empty"
    );
    assert_eq!(
        create(Some(
            r#"{"runIds":["run_1"],"targetRegion":"eu","action":"cancel"}"#
        )),
        "body_json: `targetRegion` only a replay takes a target region"
    );
    assert!(create(Some(r#"{"runIds":["run_1"],"action":"delete"}"#))
        .starts_with("body_json: unknown variant `delete`, expected `cancel` or `replay`"));
    assert!(
        create(Some(r#"{"runIds":["run_1"]}"#)).starts_with("body_json: missing field `action`")
    );
    assert!(create(Some(
        r#"{"filter":{"statuses":["QUEUED"]},"action":"cancel"}"#
    ))
    .starts_with("body_json: unknown field `statuses`"));
    assert_eq!(
        create(Some(r#"["run_1"]"#)),
        "body_json: must be a JSON object, not an array"
    );
    assert!(create(Some(r#"{"runIds":"#)).starts_with("body_json: malformed JSON: "));
    assert_eq!(
        invalid(|out, err| unsafe { trigger_bulk_actions_retrieve(client, ptr::null(), out, err) }),
        "bulk_action_id: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_bulk_actions_abort(client, c(" ").as_ptr(), out, err)
        }),
        "bulk_action_id: must not be empty"
    );
    assert!(invalid(|out, err| unsafe {
        trigger_bulk_actions_list(client, c(r#"{"limit":-1}"#).as_ptr(), out, err)
    })
    .starts_with("params_json: invalid value: integer `-1`, expected u32"));
    let mut iter: *mut trigger_bulk_actions_iter = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_bulk_actions_list_iter(client, c(r#"{"size":1}"#).as_ptr(), &mut iter, &mut err)
    };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(iter, sentinel());
    assert!(take_error(err)
        .message
        .starts_with("params_json: unknown field `size`"));
    let mut item: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_bulk_actions_iter_next(ptr::null_mut(), &mut item, &mut err) };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(item, sentinel());
    assert_eq!(take_error(err).message, "iter: must not be NULL");
    unsafe { trigger_bulk_actions_iter_free(ptr::null_mut()) };
    for m in none {
        m.assert();
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn a_bulk_queue_filter_in_body_json_is_sent() {
    let mut server = Server::new();
    let mock = with_body(
        server.mock("POST", "/api/v1/bulk-actions"),
        r#"{"filter":{"queue":[{"type":"task","name":"t"}]},"action":"cancel"}"#,
    )
    .with_body(r#"{"id":"bulk_1"}"#)
    .expect(1)
    .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_bulk_actions_create(
            client,
            c(r#"{"filter":{"queue":{"type":"task","name":"t"}},"action":"cancel"}"#).as_ptr(),
            out,
            err,
        )
    });
    assert_eq!(out, r#"{"id":"bulk_1"}"#);
    mock.assert();
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// Runs: metadata, events, trace

#[test]
fn runs_metadata_events_and_trace_on_the_wire() {
    let mut server = Server::new();
    let metadata = on_wire(server.mock("GET", "/api/v1/runs/run_1/metadata"), DEV_KEY)
        .with_body(r#"{"metadata":"{\"step\":1}","metadataType":"application/json"}"#)
        .expect(1)
        .create();
    let events_body = r#"{"events":[{"spanId":"s1", "runId":"run_1","message":"t","extra":1}]}"#;
    let events = on_wire(server.mock("GET", "/api/v1/runs/run_1/events"), DEV_KEY)
        .with_body(events_body)
        .expect(1)
        .create();
    let trace_body =
        r#"{"trace":{"traceId":"abc","rootSpan":{"id":"s1","children":[]}}, "extra":true}"#;
    let trace = on_wire(server.mock("GET", "/api/v1/runs/run_1/trace"), DEV_KEY)
        .with_body(trace_body)
        .expect(1)
        .create();
    let bad = server
        .mock("GET", "/api/v1/runs/run_2/metadata")
        .with_body(r#"{"metadata":"not json"}"#)
        .expect(1)
        .create();
    let client = client(&server.url());
    let run = c("run_1");
    let out =
        expect_json(|out, err| unsafe { trigger_runs_metadata(client, run.as_ptr(), out, err) });
    assert_eq!(
        out,
        r#"{"metadata":{"step":1},"metadataType":"application/json"}"#
    );
    let out =
        expect_json(|out, err| unsafe { trigger_runs_events(client, run.as_ptr(), out, err) });
    assert_eq!(out, events_body);
    let out = expect_json(|out, err| unsafe { trigger_runs_trace(client, run.as_ptr(), out, err) });
    // The trace itself, byte for byte as the server wrote it (the Rust API returns the trace).
    assert_eq!(
        out,
        r#"{"traceId":"abc","rootSpan":{"id":"s1","children":[]}}"#
    );
    let e = expect_failure(|out, err| unsafe {
        trigger_runs_metadata(client, c("run_2").as_ptr(), out, err)
    });
    assert_eq!((e.kind, e.status), (trigger_result::Decode, 200));
    assert_eq!(e.body.as_deref(), Some(r#"{"metadata":"not json"}"#));
    assert!(
        e.message
            .starts_with("could not decode the 200 response: the stored metadata is not JSON"),
        "{}",
        e.message
    );
    for m in [metadata, events, trace, bad] {
        m.assert();
    }
    for (name, f) in [
        ("metadata", trigger_runs_metadata as Next2),
        ("events", trigger_runs_events),
        ("trace", trigger_runs_trace),
    ] {
        let message = invalid(|out, err| unsafe { f(client, ptr::null(), out, err) });
        assert_eq!(message, "run_id: must not be NULL", "{name}");
        let message = invalid(|out, err| unsafe { f(client, c("").as_ptr(), out, err) });
        assert_eq!(message, "run_id: must not be empty", "{name}");
    }
    unsafe { trigger_client_free(client) };
}

type Next2 = unsafe extern "C" fn(
    *const trigger_client,
    *const c_char,
    *mut *mut c_char,
    *mut *mut trigger_error,
) -> trigger_result;

#[test]
fn runs_metadata_keeps_the_stored_key_order() {
    let mut server = Server::new();
    server
        .mock("GET", "/api/v1/runs/run_1/metadata")
        .with_body(r#"{"metadata":"{\"z\":1,\"a\":2}","metadataType":"application/json"}"#)
        .create();
    let client = client(&server.url());
    let out = expect_json(|out, err| unsafe {
        trigger_runs_metadata(client, c("run_1").as_ptr(), out, err)
    });
    assert_eq!(
        out,
        r#"{"metadata":{"z":1,"a":2},"metadataType":"application/json"}"#
    );
    unsafe { trigger_client_free(client) };
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

fn create_key(key_json: Option<&str>, scope: Option<&str>) -> Result<String, Failure> {
    let key_json = key_json.map(c);
    let scope = scope.map(c);
    let mut out: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_idempotency_keys_create(
            key_json.as_ref().map_or(ptr::null(), |k| k.as_ptr()),
            scope.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &mut out,
            &mut err,
        )
    };
    if rc == trigger_result::Ok {
        assert!(err.is_null());
        Ok(take_string(out))
    } else {
        assert_eq!(out, sentinel(), "out_key was written on failure");
        Err(take_error(err))
    }
}

#[test]
fn idempotency_keys_create_hashes_without_a_request_and_a_trigger_sends_the_scope() {
    let mut server = Server::new();
    let key = create_key(Some(r#"["ffi-surface","7"]"#), Some("global")).unwrap();
    assert_eq!(key, sha256_hex("ffi-surface-7"), "plain text, not JSON");
    assert_eq!(
        create_key(Some(r#""ffi-surface-one""#), None).unwrap(),
        sha256_hex("ffi-surface-one")
    );
    assert_eq!(
        create_key(Some(r#""ffi-surface-attempt""#), Some("attempt")).unwrap(),
        sha256_hex("ffi-surface-attempt")
    );
    let trigger = server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .match_body(Matcher::PartialJson(serde_json::json!({"options": {
            "idempotencyKey": key,
            "idempotencyKeyOptions": {"key": "ffi-surface-7", "scope": "global"}
        }})))
        .with_body(r#"{"id":"run_1"}"#)
        .expect(1)
        .create();
    let client = client(&server.url());
    let options = format!(r#"{{"idempotencyKey":"{key}"}}"#);
    expect_json(|out, err| unsafe {
        trigger_tasks_trigger(
            client,
            c("t").as_ptr(),
            c("1").as_ptr(),
            c(&options).as_ptr(),
            out,
            err,
        )
    });
    trigger.assert();
    unsafe { trigger_client_free(client) };

    // Errors.
    let message = |r: Result<String, Failure>| {
        let e = r.unwrap_err();
        assert_eq!(e.kind, trigger_result::InvalidArgument);
        e.message
    };
    assert_eq!(
        message(create_key(None, None)),
        "key_json: must not be NULL"
    );
    assert_eq!(
        message(create_key(Some(r#""k""#), Some("forever"))),
        r#"scope: must be "run", "attempt" or "global""#
    );
    assert!(message(create_key(Some("k"), None)).starts_with("key_json: malformed JSON: "));
    assert!(message(create_key(Some("{}"), None)).starts_with("key_json: "));
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_idempotency_keys_create(
            c(r#""k""#).as_ptr(),
            ptr::null(),
            ptr::null_mut(),
            &mut err,
        )
    };
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert_eq!(take_error(err).message, "out_key: must not be NULL");
}

#[test]
fn idempotency_keys_reset_on_the_wire() {
    let mut server = Server::new();
    let k1 = sha256_hex("k1");
    let reset = with_body(
        on_wire(
            server.mock(
                "POST",
                format!("/api/v1/idempotencyKeys/{k1}/reset").as_str(),
            ),
            DEV_KEY,
        ),
        r#"{"taskIdentifier":"email/send"}"#,
    )
    .with_body(r#"{"id":"run_1", "x":1}"#)
    .expect(2)
    .create();
    let client = client(&server.url());
    for key in [r#""k1""#.to_owned(), format!(r#""{k1}""#)] {
        let out = expect_json(|out, err| unsafe {
            trigger_idempotency_keys_reset(
                client,
                c("email/send").as_ptr(),
                c(&key).as_ptr(),
                out,
                err,
            )
        });
        assert_eq!(out, r#"{"id":"run_1", "x":1}"#);
    }
    reset.assert();
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let offline = client_with(&server.url(), DEV_KEY);
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_idempotency_keys_reset(offline, ptr::null(), c(r#""k""#).as_ptr(), out, err)
        }),
        "task_id: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_idempotency_keys_reset(offline, c("t").as_ptr(), ptr::null(), out, err)
        }),
        "key_json: must not be NULL"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_idempotency_keys_reset(offline, c("t").as_ptr(), c(r#""""#).as_ptr(), out, err)
        }),
        "key_json: must not be empty"
    );
    assert_eq!(
        invalid(|out, err| unsafe {
            trigger_idempotency_keys_reset(offline, c(" ").as_ptr(), c(r#""k""#).as_ptr(), out, err)
        }),
        "task_id: must not be empty"
    );
    for m in none {
        m.assert();
    }
    unsafe {
        trigger_client_free(client);
        trigger_client_free(offline);
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials and decode errors through the C ABI

#[test]
fn a_pat_is_refused_by_every_new_export_before_sending() {
    let mut server = Server::new();
    let none = nothing_sent(&mut server);
    let pat = client_with(&server.url(), PAT);
    let (q, t) = (c("q"), c("task"));
    type Call<'a> = Box<dyn Fn(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result + 'a>;
    let calls: Vec<(&str, Call)> = vec![
        (
            "queues.list",
            Box::new(|o, e| unsafe { trigger_queues_list(pat, ptr::null(), o, e) }),
        ),
        (
            "queues.retrieve",
            Box::new(|o, e| unsafe { trigger_queues_retrieve(pat, q.as_ptr(), t.as_ptr(), o, e) }),
        ),
        (
            "queues.pause",
            Box::new(|o, e| unsafe { trigger_queues_pause(pat, q.as_ptr(), t.as_ptr(), o, e) }),
        ),
        (
            "queues.resume",
            Box::new(|o, e| unsafe { trigger_queues_resume(pat, q.as_ptr(), t.as_ptr(), o, e) }),
        ),
        (
            "queues.overrideConcurrencyLimit",
            Box::new(|o, e| unsafe {
                trigger_queues_override_concurrency_limit(pat, q.as_ptr(), t.as_ptr(), 1, o, e)
            }),
        ),
        (
            "queues.resetConcurrencyLimit",
            Box::new(|o, e| unsafe {
                trigger_queues_reset_concurrency_limit(pat, q.as_ptr(), t.as_ptr(), o, e)
            }),
        ),
        (
            "deployments.list",
            Box::new(|o, e| unsafe { trigger_deployments_list(pat, ptr::null(), o, e) }),
        ),
        (
            "deployments.retrieve",
            Box::new(|o, e| unsafe { trigger_deployments_retrieve(pat, q.as_ptr(), o, e) }),
        ),
        (
            "deployments.retrieveCurrent",
            Box::new(|o, e| unsafe { trigger_deployments_retrieve_current(pat, o, e) }),
        ),
        (
            "deployments.retrieveLatest",
            Box::new(|o, e| unsafe { trigger_deployments_retrieve_latest(pat, o, e) }),
        ),
        (
            "deployments.promote",
            Box::new(|o, e| unsafe { trigger_deployments_promote(pat, q.as_ptr(), o, e) }),
        ),
        (
            "wait.createToken",
            Box::new(|o, e| unsafe { trigger_waitpoints_create_token(pat, ptr::null(), o, e) }),
        ),
        (
            "wait.listTokens",
            Box::new(|o, e| unsafe { trigger_waitpoints_list_tokens(pat, ptr::null(), o, e) }),
        ),
        (
            "wait.retrieveToken",
            Box::new(|o, e| unsafe { trigger_waitpoints_retrieve_token(pat, q.as_ptr(), o, e) }),
        ),
        (
            "wait.completeToken",
            Box::new(|o, e| unsafe {
                trigger_waitpoints_complete_token(pat, q.as_ptr(), ptr::null(), o, e)
            }),
        ),
        (
            "runs.bulk.create",
            Box::new(|o, e| unsafe {
                trigger_bulk_actions_create(
                    pat,
                    c(r#"{"runIds":["r"],"action":"cancel"}"#).as_ptr(),
                    o,
                    e,
                )
            }),
        ),
        (
            "runs.bulk.list",
            Box::new(|o, e| unsafe { trigger_bulk_actions_list(pat, ptr::null(), o, e) }),
        ),
        (
            "runs.bulk.retrieve",
            Box::new(|o, e| unsafe { trigger_bulk_actions_retrieve(pat, q.as_ptr(), o, e) }),
        ),
        (
            "runs.bulk.abort",
            Box::new(|o, e| unsafe { trigger_bulk_actions_abort(pat, q.as_ptr(), o, e) }),
        ),
        (
            "runs.metadata",
            Box::new(|o, e| unsafe { trigger_runs_metadata(pat, q.as_ptr(), o, e) }),
        ),
        (
            "runs.events",
            Box::new(|o, e| unsafe { trigger_runs_events(pat, q.as_ptr(), o, e) }),
        ),
        (
            "runs.trace",
            Box::new(|o, e| unsafe { trigger_runs_trace(pat, q.as_ptr(), o, e) }),
        ),
        (
            "idempotencyKeys.reset",
            Box::new(|o, e| unsafe {
                trigger_idempotency_keys_reset(pat, q.as_ptr(), c(r#""k""#).as_ptr(), o, e)
            }),
        ),
    ];
    for (name, call) in calls {
        let e = expect_failure(&call);
        assert_eq!(
            e.kind,
            trigger_result::UnsupportedCredential,
            "{name}: {e:?}"
        );
        assert_eq!(e.status, 0);
        assert!(
            e.message
                .starts_with(&format!("{name} does not accept a personal access token")),
            "{name}: {}",
            e.message
        );
        assert!(!e.message.contains(PAT));
    }
    // Iterators fail on their first item, and leave it alone.
    let mut iter: *mut trigger_bulk_actions_iter = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { trigger_bulk_actions_list_iter(pat, ptr::null(), &mut iter, &mut err) },
        trigger_result::Ok
    );
    let mut item: *mut c_char = sentinel();
    let rc = unsafe { trigger_bulk_actions_iter_next(iter, &mut item, &mut err) };
    assert_eq!(rc, trigger_result::UnsupportedCredential);
    assert_eq!(item, sentinel());
    take_error(err);
    unsafe { trigger_bulk_actions_iter_free(iter) };
    for m in none {
        m.assert();
    }
    unsafe { trigger_client_free(pat) };
}

#[test]
fn wrongly_typed_success_bodies_are_decode_errors_with_the_raw_body() {
    let mut server = Server::new();
    server
        .mock("GET", "/api/v1/queues/queue_1?type=id")
        .with_body(r#"{"id":123}"#)
        .create();
    server
        .mock("GET", "/api/v1/deployments/current")
        .with_body(r#"{"id":"d","status":"DEPLOYED"}"#)
        .create();
    server
        .mock("GET", "/api/v1/waitpoints/tokens")
        .with_body(r#"{"data":[{"id":"w"}],"pagination":{}}"#)
        .create();
    server
        .mock("POST", "/api/v1/bulk-actions/bulk_1/abort")
        .with_body(r#"{"id":["bulk_1"]}"#)
        .create();
    let client = client(&server.url());
    let cases: Vec<(&str, Box<Export<'_>>)> = vec![
        (
            r#"{"id":123}"#,
            Box::new(|o, e| unsafe {
                trigger_queues_retrieve(client, c("queue_1").as_ptr(), ptr::null(), o, e)
            }),
        ),
        (
            r#"{"id":"d","status":"DEPLOYED"}"#,
            Box::new(|o, e| unsafe { trigger_deployments_retrieve_current(client, o, e) }),
        ),
        (
            r#"{"data":[{"id":"w"}],"pagination":{}}"#,
            Box::new(|o, e| unsafe { trigger_waitpoints_list_tokens(client, ptr::null(), o, e) }),
        ),
        (
            r#"{"id":["bulk_1"]}"#,
            Box::new(|o, e| unsafe {
                trigger_bulk_actions_abort(client, c("bulk_1").as_ptr(), o, e)
            }),
        ),
    ];
    for (body, call) in cases {
        let e = expect_failure(&call);
        assert_eq!((e.kind, e.status), (trigger_result::Decode, 200), "{body}");
        assert_eq!(e.body.as_deref(), Some(body));
        assert!(
            e.message.starts_with("could not decode the 200 response: "),
            "{}",
            e.message
        );
    }
    unsafe { trigger_client_free(client) };
}

#[test]
fn api_errors_come_through_with_status_and_body() {
    let mut server = Server::new();
    let body = r#"{"error":"Queue not found"}"#;
    server
        .mock("POST", "/api/v1/queues/nope/concurrency/override")
        .with_status(404)
        .with_body(body)
        .create();
    let client = client(&server.url());
    let e = expect_failure(|o, e| unsafe {
        trigger_queues_override_concurrency_limit(
            client,
            c("nope").as_ptr(),
            c("task").as_ptr(),
            3,
            o,
            e,
        )
    });
    assert_eq!((e.kind, e.status), (trigger_result::NotFound, 404));
    assert_eq!(e.message, "404 Queue not found");
    assert_eq!(e.body.as_deref(), Some(body));
    unsafe { trigger_client_free(client) };
}
