//! The one error type of the crate.
//!
//! Every variant is something a caller can act on. API errors keep the HTTP status, the message
//! the server put in the body's `error` member, and the raw body. Secrets never appear in any
//! variant: tokens are not part of requests' URLs, and the SDK never echoes request headers.

use std::fmt;
use std::time::Duration;

use crate::token_kind::TokenKind;

/// Where the official docs explain the credentials.
const CREDENTIALS_DOCS: &str = "https://trigger.dev/docs/management/overview#authentication";

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No secret key or access token was configured, and neither `TRIGGER_SECRET_KEY` nor
    /// `TRIGGER_ACCESS_TOKEN` is set.
    #[error(
        "no Trigger.dev credentials: set the TRIGGER_SECRET_KEY environment variable, or pass an \
         access token to Config (see {})",
        CREDENTIALS_DOCS
    )]
    MissingCredentials,

    /// The configured token cannot be sent (empty, or holds characters a header cannot carry).
    #[error("invalid access token: {reason}")]
    InvalidCredentials {
        /// Why the token was rejected. Never contains the token itself.
        reason: &'static str,
    },

    /// The operation does not accept this kind of credential (checked before any request).
    #[error("{operation} does not accept a {kind}; use {expected}")]
    UnsupportedCredential {
        /// The operation, as the official SDK names it (e.g. `runs.retrieve`).
        operation: &'static str,
        /// The kind of token that was configured.
        kind: TokenKind,
        /// What the operation accepts.
        expected: &'static str,
    },

    /// A personal access token was used for an operation that needs a project ref.
    #[error("{operation} with a personal access token needs a project ref")]
    MissingProjectRef {
        /// The operation, as the official SDK names it.
        operation: &'static str,
    },

    /// An argument was rejected before any request was made.
    #[error("invalid argument `{argument}`: {reason}")]
    InvalidArgument {
        /// The name of the argument (or option) at fault.
        argument: &'static str,
        /// Why it was rejected.
        reason: String,
    },

    /// 400 Bad Request.
    #[error("{0}")]
    BadRequest(ApiError),
    /// 401 Unauthorized: the token is invalid, or not valid for this environment or branch.
    #[error("{0}")]
    Authentication(ApiError),
    /// 403 Forbidden: the token lacks a scope this call needs.
    #[error("{0}")]
    PermissionDenied(ApiError),
    /// 404 Not Found.
    #[error("{0}")]
    NotFound(ApiError),
    /// 409 Conflict.
    #[error("{0}")]
    Conflict(ApiError),
    /// The session is closed: a body with `code: "session_closed"` (the 4.8.3 docs' 409), or the
    /// 400 `Cannot append to a closed session` without a code that servers send. Terminal, never
    /// retried.
    #[error("{0}")]
    SessionClosed(ApiError),
    /// 422 Unprocessable Entity.
    #[error("{0}")]
    Unprocessable(ApiError),
    /// 429 Too Many Requests, after the retries allowed by the policy.
    #[error("{error} (rate limit resets in {})", fmt_reset(.reset_after))]
    RateLimited {
        /// The response.
        error: ApiError,
        /// Time until the limit resets, when the server said.
        reset_after: Option<Duration>,
    },
    /// 5xx.
    #[error("{0}")]
    Server(ApiError),
    /// Any other non-success status (405, 413, 415, ...).
    #[error("{0}")]
    Status(ApiError),

    /// The request could not be sent or its response not received.
    #[error("connection error: {message}")]
    Connection {
        /// What the transport reported.
        message: String,
    },

    /// The call took longer than its timeout.
    #[error("request timed out after {timeout:?}")]
    Timeout {
        /// The timeout in force.
        timeout: Duration,
    },

    /// A response body was larger than the client accepts
    /// ([`crate::Config::max_response_bytes`]).
    #[error("response too large: the body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit in force, in bytes.
        limit: u64,
    },

    /// [`crate::Runs::poll`] retrieved the run as often as it may and it was still not
    /// finished.
    #[error("run {run_id} was still not finished after {polls} retrievals")]
    PollLimitReached {
        /// The run polled.
        run_id: String,
        /// How many times it was retrieved.
        polls: u32,
    },

    /// The call was cancelled before it finished: its [`crate::CancelToken`] fired, or (with
    /// `interrupted`) the calling thread's interrupt check asked to stop
    /// ([`crate::cancel::set_interrupt_check`]: Ctrl-C in the Python and Ruby bindings).
    #[error("{}", if *.interrupted { "the call was interrupted" } else { "the call was cancelled" })]
    Cancelled {
        /// Stopped by the thread's interrupt check rather than a cancel token.
        interrupted: bool,
    },

    /// A wait ran out of its overall time (`timeout` of [`crate::PollOptions`]) before the run
    /// finished.
    #[error("gave up waiting after {timeout:?}{}", .last_run.as_ref().map(|r| format!(": run {} is {:?}", r.id, r.status)).unwrap_or_default())]
    WaitTimeout {
        /// The time the wait was allowed.
        timeout: Duration,
        /// The run as last retrieved, if it was retrieved at all.
        last_run: Option<Box<crate::Run>>,
    },

    /// A success response whose body is not what the API documents.
    #[error("could not decode the {status} response: {message}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// What the decoder reported.
        message: String,
        /// The raw response body, lossily converted to UTF-8.
        body: String,
    },

    /// A batch's items were sent but the server did not seal the batch.
    #[error("batch {batch_id} was not sealed: {enqueued_count} of {expected_count} runs enqueued")]
    BatchNotSealed {
        /// The batch id.
        batch_id: String,
        /// Runs enqueued so far.
        enqueued_count: u64,
        /// Runs expected.
        expected_count: u64,
        /// Items accepted by the last attempt.
        items_accepted: u64,
        /// Items deduplicated by the last attempt.
        items_deduplicated: u64,
    },

    /// An alert webhook's request was not signed with the secret, or is not an alert event
    /// ([`crate::webhooks::construct_event`]; no request is made). Answer such a request with
    /// a 400.
    #[error("{0}")]
    Webhook(WebhookError),
}

/// Why [`crate::webhooks::construct_event`] refused a request. Messages never hold the secret,
/// the signature or the body's string values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request has no `x-trigger-signature-hmacsha256` header (or an empty one).
    #[error(
        "no signature: the request has no x-trigger-signature-hmacsha256 header (alert \
         webhooks from Trigger.dev always carry one)"
    )]
    MissingSignature,
    /// The header is not the lower-case hex HMAC-SHA256 of the body with the secret: another
    /// secret signed it, the body was changed (re-serialized) after signing, or it was not
    /// sent by Trigger.dev.
    #[error(
        "invalid signature: x-trigger-signature-hmacsha256 is not the HMAC-SHA256 of the raw \
         body with this secret"
    )]
    InvalidSignature,
    /// The signature is right but the body is not an alert event: not JSON, or an event of a
    /// known type whose `object` does not have that type's shape.
    #[error("the webhook body is not an alert event: {message}")]
    InvalidPayload {
        /// What was wrong, and where (`object.run.status`).
        message: String,
    },
}

fn fmt_reset(reset: &Option<Duration>) -> String {
    match reset {
        Some(d) => format!("{} ms", d.as_millis()),
        None => "an unknown time".to_owned(),
    }
}

/// An error response from the API.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The message: the body's `error` member (or its `message`), as the official SDK reads it.
    pub message: String,
    /// The body's `code` member, when the server sent one.
    pub code: Option<String>,
    /// The raw response body, lossily converted to UTF-8.
    pub body: String,
}

/// The server's message when a session is closed (a 400 without a `code` from the servers seen).
const SESSION_CLOSED_MESSAGE: &str = "Cannot append to a closed session";

/// Longest non-JSON text body used as the message as it is.
const TEXT_MESSAGE_MAX: usize = 200;

impl ApiError {
    /// Builds the error of a non-success response. The message is the body's `error` member
    /// (or its `message`), as the official SDK reads it. Without one: a short JSON or plain-text
    /// body as it is; an empty body the status's reason phrase; any other body (an HTML page)
    /// the reason phrase with its content type and size, e.g. `Not Found (text/html, 518
    /// bytes)`. The body itself is always kept in [`ApiError::body`].
    pub(crate) fn from_response(status: u16, content_type: Option<&str>, body: &[u8]) -> ApiError {
        let text = String::from_utf8_lossy(body).into_owned();
        let parsed = serde_json::from_slice::<serde_json::Value>(body).ok();
        let member = |map: &serde_json::Map<String, serde_json::Value>, key: &str| {
            map.get(key).and_then(|c| c.as_str()).map(str::to_owned)
        };
        let code = match &parsed {
            Some(serde_json::Value::Object(map)) => member(map, "code"),
            _ => None,
        };
        let message = match &parsed {
            Some(serde_json::Value::Object(map)) => match map.get("error") {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Object(obj)) => {
                    Some(member(obj, "message").unwrap_or_else(|| obj_text(obj)))
                }
                Some(other) if !other.is_null() => Some(other.to_string()),
                _ => member(map, "message"),
            },
            _ => None,
        };
        let message = message.unwrap_or_else(|| {
            let trimmed = text.trim();
            let media_type = content_type
                .and_then(|c| c.split(';').next())
                .map(|m| m.trim().to_ascii_lowercase())
                .filter(|m| !m.is_empty());
            // JSON without a message member, or plain text: short enough, it is the message.
            let quotable = parsed.is_some()
                || (matches!(media_type.as_deref(), None | Some("text/plain"))
                    && !trimmed.starts_with('<'));
            if trimmed.is_empty() {
                reason_phrase(status).to_owned()
            } else if quotable && trimmed.len() <= TEXT_MESSAGE_MAX {
                trimmed.to_owned()
            } else {
                format!(
                    "{} ({}, {} bytes)",
                    reason_phrase(status),
                    media_type.as_deref().unwrap_or("no content type"),
                    body.len()
                )
            }
        });
        ApiError {
            status,
            message,
            code,
            body: text,
        }
    }
}

fn obj_text(obj: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::Value::Object(obj.clone()).to_string()
}

/// The reason phrase of `status`, for an error response with an empty body.
fn reason_phrase(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("(no body)")
}

impl ApiError {
    /// The scopes a server refused (the `deniedScopes` of a 403 `scopes_exceed_key_access`).
    pub fn denied_scopes(&self) -> Vec<String> {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| {
                v.get("deniedScopes")?.as_array().map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("code", &self.code)
            .field("body", &self.body)
            .finish()
    }
}

impl Error {
    /// Maps a non-success response (its status, `Content-Type` and body) to its variant.
    pub(crate) fn from_status(
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
        reset_after: Option<Duration>,
    ) -> Error {
        let api = ApiError::from_response(status, content_type, body);
        let closed = match api.code.as_deref() {
            Some(code) => code == "session_closed",
            None => status == 400 && api.message == SESSION_CLOSED_MESSAGE,
        };
        if closed {
            return Error::SessionClosed(api);
        }
        match status {
            400 => Error::BadRequest(api),
            401 => Error::Authentication(api),
            403 => Error::PermissionDenied(api),
            404 => Error::NotFound(api),
            409 => Error::Conflict(api),
            422 => Error::Unprocessable(api),
            429 => Error::RateLimited {
                error: api,
                reset_after,
            },
            500..=599 => Error::Server(api),
            _ => Error::Status(api),
        }
    }

    /// The API error behind this error, if it came from an HTTP response.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(e)
            | Error::Authentication(e)
            | Error::PermissionDenied(e)
            | Error::NotFound(e)
            | Error::Conflict(e)
            | Error::SessionClosed(e)
            | Error::Unprocessable(e)
            | Error::Server(e)
            | Error::Status(e)
            | Error::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, if the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } => Some(*status),
            _ => self.api_error().map(|e| e.status),
        }
    }

    /// The message without the Rust API's own names, for the C ABI and the bindings to render
    /// in their callers' language: for [`Error::InvalidArgument`] the reason alone (the
    /// argument is named by each layer), otherwise the message, with an option to set named
    /// in backticks by its Rust name (`` `access_token` ``) rather than by the Rust builder.
    #[cfg_attr(not(feature = "capi"), allow(dead_code))] // the C ABI's error texts
    pub(crate) fn neutral_reason(&self) -> String {
        match self {
            Error::InvalidArgument { reason, .. } => reason.clone(),
            Error::MissingCredentials => format!(
                "no Trigger.dev credentials: set the TRIGGER_SECRET_KEY environment variable, or \
                 give an access token (`access_token`) (see {CREDENTIALS_DOCS})"
            ),
            other => other.to_string(),
        }
    }

    /// An invalid argument, named as the Rust API names it.
    pub(crate) fn invalid(argument: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidArgument {
            argument,
            reason: reason.into(),
        }
    }
}

/// A configuration value that cannot go on the wire, found when the configuration is resolved
/// and reported as [`Error::InvalidArgument`] by the calls that would send it.
// Here rather than in `config` because `tls` finds problems too, and `config` uses `tls`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) argument: &'static str,
    pub(crate) reason: String,
}

impl Problem {
    pub(crate) fn new(argument: &'static str, reason: impl Into<String>) -> Problem {
        Problem {
            argument,
            reason: reason.into(),
        }
    }
}

impl From<&Problem> for Error {
    fn from(p: &Problem) -> Error {
        Error::invalid(p.argument, p.reason.clone())
    }
}
