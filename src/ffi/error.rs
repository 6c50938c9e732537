//! Result codes and the owned error object.

use std::ffi::{c_char, CString};

use super::unwind::catch_void;
use crate::config_json::JsonError;
use crate::error::{Error, WebhookError};

/// What a fallible call returned. The values are fixed and never reused: new kinds get new
/// numbers, so a binding may switch on them and treat unknown values as errors.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum trigger_result {
    /// The call succeeded.
    Ok = 0,
    /// An argument was rejected before any request was made: a NULL pointer, text that is not
    /// UTF-8, JSON that is malformed or has the wrong shape, an empty id.
    InvalidArgument = 1,
    /// No secret key or access token: pass `accessToken` in the config JSON or set the
    /// `TRIGGER_SECRET_KEY` environment variable.
    MissingCredentials = 2,
    /// The configured token cannot be sent (empty, or holds characters a header cannot carry).
    InvalidCredentials = 3,
    /// The operation does not accept this kind of credential (for example a personal access
    /// token on an operation that needs a secret key). Checked before any request is sent.
    UnsupportedCredential = 4,
    /// Listing runs with a personal access token needs a project ref.
    MissingProjectRef = 5,
    /// HTTP 400.
    BadRequest = 6,
    /// HTTP 401: the token is invalid, or not valid for this environment or branch.
    Authentication = 7,
    /// HTTP 403: the token lacks a scope this call needs.
    PermissionDenied = 8,
    /// HTTP 404.
    NotFound = 9,
    /// HTTP 409.
    Conflict = 10,
    /// HTTP 422.
    Unprocessable = 11,
    /// HTTP 429, after the retries the retry policy allows.
    RateLimited = 12,
    /// HTTP 5xx, after the retries the retry policy allows.
    Server = 13,
    /// Any other non-success HTTP status (405, 413, 415, ...).
    HttpStatus = 14,
    /// The request could not be sent or its response not received.
    Connection = 15,
    /// The call took longer than its timeout.
    Timeout = 16,
    /// A success response whose body is not the JSON the API documents.
    Decode = 17,
    /// A batch's items were sent but the server did not seal the batch.
    BatchNotSealed = 18,
    /// A response body was larger than the client accepts (`maxResponseBytes`).
    ResponseTooLarge = 19,
    /// `trigger_runs_poll` retrieved the run as often as it may and it was not finished.
    PollLimitReached = 20,
    /// The session is closed (the body's `code` is `session_closed`); terminal, not retried.
    SessionClosed = 21,
    /// The call was cancelled: the `trigger_cancel` of its client fired.
    Cancelled = 22,
    /// The call was interrupted: the calling thread's interrupt check (see
    /// `trigger_set_interrupt_check`) returned nonzero while it waited.
    Interrupted = 23,
    /// A wait ran out of its overall time (`timeoutMs` of `trigger_runs_poll`) before the run
    /// finished; `trigger_error_body` is the run as last retrieved (NULL if it never was).
    WaitTimeout = 24,
    /// `trigger_webhooks_construct_event`: the request has no `x-trigger-signature-hmacsha256`
    /// header (NULL or empty). Answer it with a 400.
    WebhookMissingSignature = 25,
    /// `trigger_webhooks_construct_event`: the signature is not the lower-case hex HMAC-SHA256
    /// of the body with the secret (another secret, upper-case hex, a body changed after
    /// signing). Answer it with a 400.
    WebhookInvalidSignature = 26,
    /// `trigger_webhooks_construct_event`: the signature is right but the body is not an alert
    /// event (not JSON, or a known `type` whose `object` has another shape). Answer it with a
    /// 400.
    WebhookInvalidPayload = 27,
    /// The library panicked (a bug in triggerdev); the message says where. The library stays
    /// usable.
    Panic = 100,
}

/// An error returned through a `trigger_error **err` out-parameter. Owned by the caller, who
/// frees it with `trigger_error_free`. Read it with the `trigger_error_*` accessors.
#[allow(non_camel_case_types)]
pub struct trigger_error {
    kind: trigger_result,
    status: u16,
    message: CString,
    /// For an invalid argument: the argument as the Rust API names it (`params.limit`).
    argument: Option<CString>,
    /// The message without the argument and without C names (see `trigger_error_reason`).
    reason: CString,
    body: Option<CString>,
    code: Option<CString>,
    retry_after_ms: i64,
}

/// Makes a C string of `text`, replacing any NUL byte (which C cannot carry).
pub(crate) fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let text = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(text).unwrap_or_default()
    })
}

impl trigger_error {
    pub(crate) fn new(kind: trigger_result, message: impl Into<String>) -> trigger_error {
        let message = c_string(message.into());
        trigger_error {
            kind,
            status: 0,
            reason: message.clone(),
            message,
            argument: None,
            body: None,
            code: None,
            retry_after_ms: -1,
        }
    }

    /// An invalid argument, named as in the C signature: `"<argument>: <reason>"`.
    pub(crate) fn invalid(argument: &str, reason: impl std::fmt::Display) -> trigger_error {
        let reason = reason.to_string();
        trigger_error::invalid_parts(
            format!("{argument}: {reason}"),
            rust_argument(argument, ""),
            reason,
        )
    }

    /// A member of a JSON argument that cannot be used: `"<argument>: `<field>` <reason>"`
    /// (`config_json: `requestOptions.timeoutMs` must be greater than 0`).
    pub(crate) fn invalid_field(argument: &str, field: &str, reason: &str) -> trigger_error {
        trigger_error::invalid_parts(
            format!("{argument}: `{field}` {reason}"),
            rust_argument(argument, &format!(".{field}")),
            reason.to_owned(),
        )
    }

    /// JSON that serde refused: `"<argument>: <message><position>"`, where `path` is where in
    /// the JSON the error is (`.status[0]`, empty for the whole text) and `position` is
    /// serde's ` at line L column C`. The position is for C callers, who wrote the JSON; the
    /// bindings wrote it themselves, so the reason leaves it out and the argument says where.
    pub(crate) fn invalid_json(
        argument: &str,
        path: &str,
        message: &str,
        position: &str,
    ) -> trigger_error {
        trigger_error::invalid_parts(
            format!("{argument}: {message}{position}"),
            rust_argument(argument, path),
            plain_types(message),
        )
    }

    fn invalid_parts(message: String, argument: String, reason: String) -> trigger_error {
        trigger_error {
            argument: Some(c_string(argument)),
            reason: c_string(reason),
            ..trigger_error::new(trigger_result::InvalidArgument, message)
        }
    }

    pub(crate) fn kind(&self) -> trigger_result {
        self.kind
    }
}

/// `message` (serde's) with the Rust number types it names in words (`expected u32`).
fn plain_types(message: &str) -> String {
    const TYPES: [(&str, &str); 8] = [
        ("u8", "an integer from 0 to 255"),
        ("u16", "an integer from 0 to 65535"),
        ("u32", "an integer from 0 to 4294967295"),
        ("u64", "a non-negative integer"),
        ("usize", "a non-negative integer"),
        ("i32", "an integer from -2147483648 to 2147483647"),
        ("i64", "an integer"),
        ("f64", "a number"),
    ];
    TYPES
        .iter()
        .fold(message.to_owned(), |text, (rust, words)| {
            text.replace(&format!("expected {rust}"), &format!("expected {words}"))
        })
}

/// A C argument's name as the Rust API names the same argument (`params_json` -> `params`,
/// `items_json[2]` -> `items[2]`), followed by `path`.
fn rust_argument(c_name: &str, path: &str) -> String {
    format!("{}{path}", c_name.replacen("_json", "", 1))
}

impl From<Error> for trigger_error {
    fn from(error: Error) -> trigger_error {
        let kind = match &error {
            Error::InvalidArgument { .. } => trigger_result::InvalidArgument,
            Error::MissingCredentials => trigger_result::MissingCredentials,
            Error::InvalidCredentials { .. } => trigger_result::InvalidCredentials,
            Error::UnsupportedCredential { .. } => trigger_result::UnsupportedCredential,
            Error::MissingProjectRef { .. } => trigger_result::MissingProjectRef,
            Error::BadRequest(_) => trigger_result::BadRequest,
            Error::Authentication(_) => trigger_result::Authentication,
            Error::PermissionDenied(_) => trigger_result::PermissionDenied,
            Error::NotFound(_) => trigger_result::NotFound,
            Error::Conflict(_) => trigger_result::Conflict,
            Error::Unprocessable(_) => trigger_result::Unprocessable,
            Error::RateLimited { .. } => trigger_result::RateLimited,
            Error::Server(_) => trigger_result::Server,
            Error::Status(_) => trigger_result::HttpStatus,
            Error::Connection { .. } => trigger_result::Connection,
            Error::Timeout { .. } => trigger_result::Timeout,
            Error::Decode { .. } => trigger_result::Decode,
            Error::BatchNotSealed { .. } => trigger_result::BatchNotSealed,
            Error::ResponseTooLarge { .. } => trigger_result::ResponseTooLarge,
            Error::PollLimitReached { .. } => trigger_result::PollLimitReached,
            Error::SessionClosed(_) => trigger_result::SessionClosed,
            Error::Cancelled { interrupted: false } => trigger_result::Cancelled,
            Error::Cancelled { interrupted: true } => trigger_result::Interrupted,
            Error::WaitTimeout { .. } => trigger_result::WaitTimeout,
            Error::Webhook(WebhookError::MissingSignature) => {
                trigger_result::WebhookMissingSignature
            }
            Error::Webhook(WebhookError::InvalidSignature) => {
                trigger_result::WebhookInvalidSignature
            }
            Error::Webhook(WebhookError::InvalidPayload { .. }) => {
                trigger_result::WebhookInvalidPayload
            }
        };
        let reason = error.neutral_reason();
        let (message, argument) = match &error {
            Error::InvalidArgument { argument, reason } => (
                c_argument_message(argument, &c_names(reason)),
                Some(c_string((*argument).to_owned())),
            ),
            Error::MissingCredentials => (c_names(&reason), None),
            other => (other.to_string(), None),
        };
        let body = match &error {
            Error::Decode { body, .. } => Some(body.clone()),
            Error::WaitTimeout { last_run, .. } => last_run
                .as_ref()
                .and_then(|run| serde_json::to_string(run).ok()),
            other => other.api_error().map(|api| api.body.clone()),
        };
        let code = error.api_error().and_then(|api| api.code.clone());
        let retry_after_ms = match &error {
            Error::RateLimited {
                reset_after: Some(d),
                ..
            } => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            _ => -1,
        };
        trigger_error {
            kind,
            status: error.status().unwrap_or(0),
            message: c_string(message),
            argument,
            reason: c_string(reason),
            body: body.map(c_string),
            code: code.map(c_string),
            retry_after_ms,
        }
    }
}

impl From<JsonError> for trigger_error {
    fn from(e: JsonError) -> trigger_error {
        match e.field {
            Some(field) => trigger_error::invalid_field(e.arg, &field, &e.reason),
            None => trigger_error::invalid_json(e.arg, "", &e.reason, &e.position),
        }
    }
}

/// The Rust API's arguments that the C ABI takes as JSON text, under the name `<name>_json`.
const JSON_ARGUMENTS: [&str; 8] = [
    "options",
    "params",
    "body",
    "items",
    "payload",
    "tags",
    "key",
    "concurrency_key",
];

/// The configuration options as the Rust API names them (and the reasons of its errors name
/// them, in backticks) and as the configuration JSON of the C ABI does.
const CONFIG_NAMES: [(&str, &str); 14] = [
    ("access_token", "accessToken"),
    ("secret_key", "secretKey"),
    ("base_url", "baseURL"),
    ("preview_branch", "previewBranch"),
    ("dev_branch", "devBranch"),
    ("additional_headers", "requestOptions.additionalHeaders"),
    ("user_agent_suffix", "userAgentSuffix"),
    ("external_deployment_id", "externalDeploymentId"),
    ("max_response_bytes", "maxResponseBytes"),
    (
        "dangerously_allow_insecure_http",
        "dangerouslyAllowInsecureHttp",
    ),
    ("ca_bundle_path", "caBundlePath"),
    ("ca_bundle_pem", "caBundlePem"),
    ("use_platform_trust_store", "usePlatformTrustStore"),
    ("inherit_context", "inheritContext"),
];

/// `text` with the configuration options it names in backticks renamed as the C ABI's JSON
/// names them (`` `dangerously_allow_insecure_http` `` -> `` `dangerouslyAllowInsecureHttp` ``).
fn c_names(text: &str) -> String {
    CONFIG_NAMES
        .iter()
        .fold(text.to_owned(), |text, (rust, c)| {
            text.replace(&format!("`{rust}`"), &format!("`{c}`"))
        })
}

/// An invalid argument as the C signature names it, in the "<argument>: <reason>" shape of the
/// arguments the C layer checks itself: the Rust API's `params.limit` is the member `limit` of
/// the C argument `params_json`, and a configuration option (`base_url`) goes by its name in
/// the configuration JSON (`baseURL`).
fn c_argument_message(argument: &str, reason: &str) -> String {
    let (head, member) = match argument.split_once('.') {
        Some((head, member)) => (head, Some(member)),
        None => (argument, None),
    };
    if let Some((_, c)) = CONFIG_NAMES.iter().find(|(rust, _)| *rust == argument) {
        return format!("{c}: {reason}");
    }
    if !JSON_ARGUMENTS.contains(&head) {
        return format!("{argument}: {reason}");
    }
    match member {
        Some(member) => format!("{head}_json: `{member}` {reason}"),
        None => format!("{head}_json: {reason}"),
    }
}

/// The kind of `error`: one of the `TRIGGER_RESULT_*` values, the same value the failed call
/// returned. `TRIGGER_RESULT_OK` when `error` is NULL.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_kind(error: *const trigger_error) -> trigger_result {
    // SAFETY: the caller passes NULL or a live error from this library.
    unsafe { error.as_ref() }.map_or(trigger_result::Ok, |e| e.kind)
}

/// The HTTP status of the response behind `error`, or 0 when the error did not come from a
/// response (or `error` is NULL).
#[no_mangle]
pub unsafe extern "C" fn trigger_error_status(error: *const trigger_error) -> u16 {
    // SAFETY: as above.
    unsafe { error.as_ref() }.map_or(0, |e| e.status)
}

/// A human-readable message: for an API error the server's message (`"404 Run not found"`),
/// for an invalid argument `"<argument>: <reason>"`. Never contains a token. Borrowed from
/// `error`: valid until `trigger_error_free(error)`. An empty string when `error` is NULL.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_message(error: *const trigger_error) -> *const c_char {
    // SAFETY: as above.
    match unsafe { error.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// For `TRIGGER_RESULT_INVALID_ARGUMENT`: the argument at fault as the Rust API names it, for
/// bindings that name it as their callers wrote it. That is a parameter by its name
/// (`run_id`), a member of a JSON argument by its JSON name under the argument's name without
/// `_json` (`params.limit` for the `limit` of `params_json`, `items[2].options.tags`,
/// `config.requestOptions.timeoutMs`), or a configuration option by its Rust name
/// (`base_url`). NULL for other kinds (and when `error` is NULL). Borrowed from `error`: valid
/// until `trigger_error_free(error)`.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_argument(error: *const trigger_error) -> *const c_char {
    // SAFETY: as above.
    unsafe { error.as_ref() }
        .and_then(|e| e.argument.as_ref())
        .map_or(std::ptr::null(), |a| a.as_ptr())
}

/// The message in words that are not the C ABI's, for bindings to prefix with the argument
/// as their callers name it: for an invalid argument the reason alone (the message is
/// `"<argument>: <reason>"`, plus where in the text for JSON the caller wrote), otherwise the
/// message, with an option to set named by its Rust name in backticks (`` `access_token` ``)
/// rather than by its configuration JSON name. Borrowed from `error`: valid until
/// `trigger_error_free(error)`. An empty string when `error` is NULL.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_reason(error: *const trigger_error) -> *const c_char {
    // SAFETY: as above.
    match unsafe { error.as_ref() } {
        Some(e) => e.reason.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// The raw body of the response behind `error` (the server's JSON for an API error, the
/// undecodable body for `TRIGGER_RESULT_DECODE`), or NULL when there is none. Borrowed from
/// `error`: valid until `trigger_error_free(error)`.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_body(error: *const trigger_error) -> *const c_char {
    // SAFETY: as above.
    unsafe { error.as_ref() }
        .and_then(|e| e.body.as_ref())
        .map_or(std::ptr::null(), |b| b.as_ptr())
}

/// The `code` member of the server's error body, when it sent one (for example
/// `"scopes_exceed_key_access"`), or NULL. Borrowed from `error`: valid until
/// `trigger_error_free(error)`.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_code(error: *const trigger_error) -> *const c_char {
    // SAFETY: as above.
    unsafe { error.as_ref() }
        .and_then(|e| e.code.as_ref())
        .map_or(std::ptr::null(), |c| c.as_ptr())
}

/// For `TRIGGER_RESULT_RATE_LIMITED`: milliseconds until the rate limit resets, when the
/// server said; -1 otherwise (or when `error` is NULL).
#[no_mangle]
pub unsafe extern "C" fn trigger_error_retry_after_ms(error: *const trigger_error) -> i64 {
    // SAFETY: as above.
    unsafe { error.as_ref() }.map_or(-1, |e| e.retry_after_ms)
}

/// Frees an error. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_error_free(error: *mut trigger_error) {
    if error.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes an error this library allocated, and frees it once.
        drop(unsafe { Box::from_raw(error) });
    });
}
