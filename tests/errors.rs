//! Every error a caller can hit, as the exact variant and message.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;
use triggerdev::{Client, Config, Env, Error, RequestOptions, RetryPolicy};

fn status_error(status: usize, body: &str) -> Error {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(status)
        .with_body(body)
        .create();
    client(&server.url()).runs().retrieve("run_1").unwrap_err()
}

#[test]
fn each_status_maps_to_its_variant_with_the_body_error_as_message() {
    type IsVariant = fn(&Error) -> bool;
    let cases: Vec<(usize, IsVariant)> = vec![
        (400, |e| matches!(e, Error::BadRequest(_))),
        (401, |e| matches!(e, Error::Authentication(_))),
        (403, |e| matches!(e, Error::PermissionDenied(_))),
        (404, |e| matches!(e, Error::NotFound(_))),
        (409, |e| matches!(e, Error::Conflict(_))),
        (422, |e| matches!(e, Error::Unprocessable(_))),
        (429, |e| matches!(e, Error::RateLimited { .. })),
        (500, |e| matches!(e, Error::Server(_))),
        (503, |e| matches!(e, Error::Server(_))),
        (405, |e| matches!(e, Error::Status(_))),
        (413, |e| matches!(e, Error::Status(_))),
    ];
    for (status, is_variant) in cases {
        let err = status_error(status, r#"{"error":"Something specific"}"#);
        assert!(is_variant(&err), "{status}: {err:?}");
        let api = err.api_error().unwrap();
        assert_eq!(api.status as usize, status);
        assert_eq!(api.message, "Something specific");
        assert_eq!(api.body, r#"{"error":"Something specific"}"#);
        assert_eq!(err.status(), Some(status as u16));
    }
}

#[test]
fn messages_are_built_like_the_official_sdk() {
    let err = status_error(404, r#"{"error":"Run not found"}"#);
    assert_eq!(err.to_string(), "404 Run not found");
    let err = status_error(400, r#"{"error":{"message":"nested"}}"#);
    assert_eq!(err.api_error().unwrap().message, "nested");
    let err = status_error(400, r#"{"error":{"issues":[1]}}"#);
    assert_eq!(err.api_error().unwrap().message, r#"{"issues":[1]}"#);
    // A body without an `error` member is quoted, not called "no body"; the status is
    // said once, by Display.
    let err = status_error(400, r#"{"details":[]}"#);
    assert_eq!(err.api_error().unwrap().message, r#"{"details":[]}"#);
    assert_eq!(err.to_string(), r#"400 {"details":[]}"#);
    let err = status_error(404, r#"{"message":"Nope"}"#);
    assert_eq!(err.to_string(), "404 Nope");
    // A body that is not JSON: short plain text is the message; markup or long text gives the
    // reason phrase, content type and size instead (the body stays on the error).
    let err = status_error(502, "<html>Bad gateway</html>");
    assert_eq!(
        err.to_string(),
        "502 Bad Gateway (no content type, 24 bytes)"
    );
    assert_eq!(err.api_error().unwrap().body, "<html>Bad gateway</html>");
    let err = status_error(400, &"x".repeat(600));
    assert_eq!(
        err.to_string(),
        "400 Bad Request (no content type, 600 bytes)"
    );
    assert_eq!(err.api_error().unwrap().body, "x".repeat(600));
    let err = status_error(
        403,
        r#"{"error":"Unauthorized","code":"unauthorized","param":"access_token","type":"authorization"}"#,
    );
    assert_eq!(
        err.api_error().unwrap().code.as_deref(),
        Some("unauthorized")
    );
    let err = status_error(500, "");
    assert_eq!(err.to_string(), "500 Internal Server Error");
}

#[test]
fn an_html_error_page_gets_a_short_message_and_keeps_its_body() {
    // What the real server answers on a route it does not have.
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charSet=\"utf-8\"/></head><body>{}</body></html>",
        "404 ".repeat(100)
    );
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(404)
        .with_header("content-type", "text/html; charset=utf-8")
        .with_body(&page)
        .create();
    let err = client(&server.url()).runs().retrieve("run_1").unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("404 Not Found (text/html, {} bytes)", page.len())
    );
    assert_eq!(err.api_error().unwrap().body, page);
    // A JSON body without a message member is quoted, whatever its content type.
    server
        .mock("GET", "/api/v3/runs/run_3")
        .with_status(400)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(r#"{"details":[]}"#)
        .create();
    let err = client(&server.url()).runs().retrieve("run_3").unwrap_err();
    assert_eq!(err.to_string(), r#"400 {"details":[]}"#);
    // A short plain-text body is still the message.
    server
        .mock("GET", "/api/v3/runs/run_2")
        .with_status(400)
        .with_header("content-type", "text/plain")
        .with_body("Invalid timeout seconds")
        .create();
    let err = client(&server.url()).runs().retrieve("run_2").unwrap_err();
    assert_eq!(err.to_string(), "400 Invalid timeout seconds");
}

#[test]
fn a_closed_session_answer_is_session_closed_with_or_without_a_code() {
    let bodies = [
        // The real (4.5.12) server.
        (
            400,
            r#"{"ok":false,"error":"Cannot append to a closed session"}"#,
        ),
        // The 4.8.3 docs.
        (
            409,
            r#"{"ok":false,"error":"Cannot append to a closed session","code":"session_closed","closedReason":"done"}"#,
        ),
    ];
    for (status, body) in bodies {
        let err = status_error(status, body);
        assert!(matches!(err, Error::SessionClosed(_)), "{status}: {err:?}");
        assert_eq!(
            err.to_string(),
            format!("{status} Cannot append to a closed session")
        );
    }
    // Another 400 stays a bad request.
    let err = status_error(
        400,
        r#"{"ok":false,"error":"Cannot append to an expired session"}"#,
    );
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
}

#[test]
fn a_non_json_success_is_a_decode_error_with_the_raw_body() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body("<html>proxy</html>")
        .create();
    let err = client(&server.url()).runs().retrieve("run_1").unwrap_err();
    match err {
        Error::Decode {
            status,
            body,
            message,
        } => {
            assert_eq!(status, 200);
            assert_eq!(body, "<html>proxy</html>");
            assert!(message.contains("expected value"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[test]
fn a_success_missing_fields_is_a_decode_error() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(r#"{"id":"run_1"}"#)
        .create();
    let err = client(&server.url()).runs().retrieve("run_1").unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("could not decode the 200 response: missing field"),
        "{err}"
    );
}

/// A one-shot server that answers with `response` bytes, then closes.
fn raw_server(response: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(response);
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_truncated_body_is_a_connection_error() {
    let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":\"run_1\"");
    let err = client(&url).runs().retrieve("run_1").unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
}

#[test]
fn a_refused_connection_is_a_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client(&format!("http://127.0.0.1:{port}"))
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.to_string().starts_with("connection error: "), "{err}");
}

#[test]
fn a_slow_server_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The server accepts and never answers, until the test is done with it.
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let hold = std::thread::spawn(move || {
        let conn = listener.accept();
        let _ = wait.recv();
        drop(conn);
    });
    let client = Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(format!("http://{addr}"))
            .request_options(
                RequestOptions::new()
                    .retry(RetryPolicy::none())
                    .timeout(Duration::from_millis(200)),
            ),
        &Env::default(),
    );
    let err = client.runs().retrieve("run_1").unwrap_err();
    drop(done);
    hold.join().unwrap();
    match err {
        Error::Timeout { timeout } => assert_eq!(timeout, Duration::from_millis(200)),
        other => panic!("expected Timeout, got {other:?}"),
    }
}

#[test]
fn a_bad_base_url_is_an_invalid_argument() {
    let err = client("not a url").runs().retrieve("run_1").unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                argument: "base_url",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn missing_and_malformed_tokens_fail_before_sending() {
    let no_token = Client::with_env(
        Config::new().base_url("http://127.0.0.1:9"),
        &Env::default(),
    );
    let err = no_token.runs().retrieve("run_1").unwrap_err();
    assert!(matches!(err, Error::MissingCredentials));
    assert!(err.to_string().contains("TRIGGER_SECRET_KEY"), "{err}");

    for (token, reason) in [
        ("", "the token is empty"),
        (
            "tr_dev_abc\ndef",
            "the token holds whitespace, control or non-ASCII characters",
        ),
        (
            "tr_dev_é",
            "the token holds whitespace, control or non-ASCII characters",
        ),
    ] {
        let err = Client::with_env(
            Config::new()
                .access_token(token)
                .base_url("http://127.0.0.1:9"),
            &Env::default(),
        )
        .runs()
        .retrieve("run_1")
        .unwrap_err();
        match &err {
            Error::InvalidCredentials { reason: r } => assert_eq!(*r, reason),
            other => panic!("expected InvalidCredentials, got {other:?}"),
        }
        assert!(!token.is_empty() || err.to_string() == "invalid access token: the token is empty");
    }
}

#[test]
fn secrets_never_appear_in_debug_or_errors() {
    let secret = "tr_prod_supersecretvalue123";
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_status(401)
        .with_body(r#"{"error":"Invalid API key"}"#)
        .create();
    let client = Client::with_env(
        Config::new()
            .access_token(secret)
            .base_url(server.url())
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    );
    let err = client.runs().retrieve("run_1").unwrap_err();
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{:?}", Config::new().access_token(secret)),
    ] {
        assert!(!text.contains("supersecret"), "secret leaked: {text}");
    }
    assert!(format!("{client:?}").contains("<redacted secret key (tr_prod_)>"));
    let err = pat_client("http://127.0.0.1:9")
        .runs()
        .retrieve("run_1")
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(PAT));
}

#[test]
fn a_success_that_is_not_utf8_is_a_decode_error() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/api/v3/runs/run_1")
        .with_body(b"{\"id\":\"\xff\xfe\"}".as_slice())
        .create();
    let err = client(&server.url()).runs().retrieve("run_1").unwrap_err();
    match err {
        Error::Decode {
            status,
            message,
            body,
        } => {
            assert_eq!(status, 200);
            assert!(message.starts_with("the body is not UTF-8"), "{message}");
            assert_eq!(body, "{\"id\":\"\u{fffd}\u{fffd}\"}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[test]
fn config_values_that_cannot_be_headers_are_invalid_arguments() {
    let with = |cfg: Config| {
        Client::with_env(
            cfg.access_token(DEV_KEY)
                .base_url("http://127.0.0.1:9")
                .request_options(RequestOptions::new().retry(RetryPolicy::none())),
            &Env::default(),
        )
    };
    let argument = |c: Client| match c.runs().retrieve("run_1").unwrap_err() {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    // A branch the caller set fails every call, also one it would not be sent on.
    assert_eq!(
        argument(with(Config::new().preview_branch("feat\nx"))),
        "preview_branch"
    );
    assert_eq!(
        argument(with(Config::new().dev_branch("feat\nx"))),
        "dev_branch"
    );
    assert_eq!(
        argument(with(Config::new().user_agent_suffix("app\r\n"))),
        "user_agent_suffix"
    );
    let bad_name = Config::new().request_options(
        RequestOptions::new()
            .retry(RetryPolicy::none())
            .header("bad name", "v"),
    );
    let err = Client::with_env(
        bad_name
            .access_token(DEV_KEY)
            .base_url("http://127.0.0.1:9"),
        &Env::default(),
    )
    .runs()
    .retrieve("run_1")
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument `additional_headers`: `bad name` is not a header name"
    );
}

#[test]
fn an_array_where_a_trigger_response_object_belongs_is_a_decode_error() {
    // serde would fill the response struct from an array, by position.
    let mut server = mockito::Server::new();
    server
        .mock("POST", "/api/v1/tasks/t/trigger")
        .with_body(r#"["run_1"]"#)
        .create();
    let err = client(&server.url())
        .tasks()
        .trigger("t", &serde_json::json!("x"), &Default::default())
        .unwrap_err();
    match &err {
        Error::Decode { status, body, .. } => {
            assert_eq!((*status, body.as_str()), (200, r#"["run_1"]"#))
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "could not decode the 200 response: invalid type: array, expected a JSON object"
    );
}
