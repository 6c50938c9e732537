//! Result codes and the owned error object.

use std::ffi::{c_char, CString};

use super::boundary::catch_void;
use crate::error::Error;

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
        trigger_error {
            kind,
            status: 0,
            message: c_string(message.into()),
            body: None,
            code: None,
            retry_after_ms: -1,
        }
    }

    /// An invalid argument, named as in the C signature: `"<argument>: <reason>"`.
    pub(crate) fn invalid(argument: &str, reason: impl std::fmt::Display) -> trigger_error {
        trigger_error::new(
            trigger_result::InvalidArgument,
            format!("{argument}: {reason}"),
        )
    }

    pub(crate) fn kind(&self) -> trigger_result {
        self.kind
    }
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
        };
        let message = match &error {
            Error::InvalidArgument { argument, reason } => c_argument_message(argument, reason),
            other => other.to_string(),
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
            body: body.map(c_string),
            code: code.map(c_string),
            retry_after_ms,
        }
    }
}

/// The Rust API's arguments that the C ABI takes as JSON text, under the name `<name>_json`.
const JSON_ARGUMENTS: [&str; 7] = [
    "options", "params", "body", "items", "payload", "tags", "key",
];

/// An invalid argument as the C signature names it, in the "<argument>: <reason>" shape of the
/// arguments the C layer checks itself: the Rust API's `params.limit` is the member `limit` of
/// the C argument `params_json`.
fn c_argument_message(argument: &str, reason: &str) -> String {
    let (head, member) = match argument.split_once('.') {
        Some((head, member)) => (head, Some(member)),
        None => (argument, None),
    };
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
