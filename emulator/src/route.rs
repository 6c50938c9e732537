//! A route (method, path pattern, credential rule, body limit, handler) and what its handler
//! gets ([`Ctx`]: the request, the caller, the locked state) and returns ([`R`]).
//!
//! Both the management API (`routes/`) and the test controls (`admin/`) are made of these; the
//! dispatcher (`app.rs`) matches them.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::auth::{error, forbidden, Auth, Principal};
use crate::faults::FaultState;
use crate::http::{HttpRequest, HttpResponse, StreamBody};
use crate::hub::Hub;
use crate::jwt;
use crate::options::Options;
use crate::request_log::RequestLog;
use crate::rules::error::ControlError;
use crate::state::State;

/// Default body limit for routes that don't set one.
pub const DEFAULT_LIMIT: usize = 1024 * 1024;

/// What a handler returns; `Err` is just an early error response.
pub type R = Result<HttpResponse, HttpResponse>;
pub type HandlerFn = fn(&mut Ctx) -> R;

pub enum Seg {
    Lit(&'static str),
    Param,
    Rest,
}

pub struct Route {
    pub method: &'static str,
    pub pattern: Vec<Seg>,
    pub auth: Auth,
    pub limit: usize,
    /// Requests without `Content-Length` get 413, like the real server.
    pub needs_length: bool,
    pub handler: HandlerFn,
}

impl Route {
    pub fn new(
        method: &'static str,
        pattern: &'static str,
        auth: Auth,
        handler: HandlerFn,
    ) -> Route {
        let pattern = pattern
            .trim_start_matches('/')
            .split('/')
            .map(|s| match s {
                "{}" => Seg::Param,
                "{*}" => Seg::Rest,
                lit => Seg::Lit(lit),
            })
            .collect();
        Route {
            method,
            pattern,
            auth,
            limit: DEFAULT_LIMIT,
            needs_length: false,
            handler,
        }
    }

    pub fn limit(mut self, bytes: usize) -> Route {
        self.limit = bytes;
        self
    }

    pub fn needs_length(mut self) -> Route {
        self.needs_length = true;
        self
    }
}

/// Everything a handler needs, with the state already locked.
pub struct Ctx<'a> {
    /// `http://127.0.0.1:PORT`, for URLs in answers.
    pub base_url: &'a str,
    /// The start-up options.
    pub options: &'a Options,
    /// The lock and condition variable, for stream bodies that outlive the handler.
    pub hub: &'a Arc<Hub>,
    pub st: &'a mut State,
    pub faults: &'a mut FaultState,
    pub log: &'a mut RequestLog,
    pub req: &'a HttpRequest,
    pub params: Vec<String>,
    pub query: Vec<(String, String)>,
    pub who: Principal,
    /// The emulator clock at the start of the request.
    pub now: i64,
    /// Set by a handler whose 200 answer is a stream (SSE): the response becomes its head.
    pub stream: Option<Box<dyn StreamBody>>,
    /// Set by a handler whose answer waits for a change (a live long poll): the dispatcher
    /// releases the lock and answers with what the hold gives.
    pub hold: Option<Box<dyn Hold>>,
}

/// A request answered later. The dispatcher waits on the hub (without the lock) and asks
/// [`Hold::poll`] after every change, until it has an answer or the emulator clock reaches
/// [`Hold::deadline_ms`]; then [`Hold::expire`] answers. Exactly one of the two answers.
pub trait Hold: Send {
    /// End of the hold on the emulator clock (Unix ms).
    fn deadline_ms(&self) -> i64;
    /// The answer, once the world changed in a way the request waits for.
    fn poll(&mut self, st: &mut State) -> Option<HttpResponse>;
    /// The answer when the hold ends without one (or the emulator shuts down).
    fn expire(&mut self, st: &mut State) -> HttpResponse;
}

impl Ctx<'_> {
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map(String::as_str).unwrap_or("")
    }

    /// Last value of a query parameter.
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn env_id(&self) -> String {
        self.who.env_id().to_string()
    }

    /// The body as JSON, with the real server's messages for empty and malformed bodies.
    pub fn body_json(&self) -> Result<Value, HttpResponse> {
        if self.req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(error(400, "Request body is empty"));
        }
        serde_json::from_slice(&self.req.body).map_err(|_| error(400, "Invalid JSON"))
    }

    /// The body as a JSON object; an empty body counts as `{}`.
    pub fn body_object_or_empty(&self) -> Result<serde_json::Map<String, Value>, HttpResponse> {
        if self.req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Default::default());
        }
        match self.body_json()? {
            Value::Object(m) => Ok(m),
            _ => Err(error(400, "Invalid request body: expected an object")),
        }
    }

    /// The body as a JSON object (required).
    pub fn body_object(&self) -> Result<serde_json::Map<String, Value>, HttpResponse> {
        match self.body_json()? {
            Value::Object(m) => Ok(m),
            _ => Err(error(400, "Invalid request body: expected an object")),
        }
    }

    /// Fails with the 403 scope error unless the caller is a key or its JWT has one of `needs`.
    pub fn require(&self, needs: &[(&str, &str, Option<&str>)]) -> Result<(), HttpResponse> {
        if self.who.allows(needs) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// Cache key for `x-trigger-request-idempotency-key` dedupe of this request.
    pub fn request_key(&self) -> Option<String> {
        let k = self.req.header("x-trigger-request-idempotency-key")?;
        Some(format!(
            "{}|{} {}|{}",
            self.who.env_id(),
            self.req.method,
            self.req.path,
            k
        ))
    }

    /// Answers with the response already given to this request key, if any.
    pub fn cached_response(&self) -> Option<HttpResponse> {
        self.request_key()
            .and_then(|k| self.log.cached_response(&k).cloned())
    }

    /// Remembers a successful response for later retries of the same request.
    pub fn remember(&mut self, resp: &HttpResponse) {
        if (200..300).contains(&resp.status) {
            if let Some(k) = self.request_key() {
                self.log.remember_response(k, resp.clone());
            }
        }
    }

    /// Adds `x-trigger-jwt` (signed with the env's root key) and `x-trigger-jwt-claims`.
    pub fn with_jwt(&self, resp: HttpResponse, env_id: &str, scopes: &[String]) -> HttpResponse {
        let Some(env) = self.st.env(env_id) else {
            return resp;
        };
        let claims = jwt::public_claims(env_id, scopes, self.now / 1000);
        let token = jwt::sign(&claims, &env.signing_key);
        resp.with_header("x-trigger-jwt", token).with_header(
            "x-trigger-jwt-claims",
            json!({"sub": env_id, "pub": true, "scopes": scopes}).to_string(),
        )
    }
}

pub fn ok(v: Value) -> R {
    Ok(HttpResponse::json(200, &v))
}

/// A 404 that tells the SDK to retry (run and batch retrieve do this on the real server).
pub fn not_found_retry(msg: &str) -> HttpResponse {
    error(404, msg).with_header("x-should-retry", "true")
}

/// A 400 `{"error": msg}` (the domain's validation messages).
pub fn bad_request(msg: String) -> HttpResponse {
    error(400, &msg)
}

/// The answer to a control operation that did nothing.
pub fn control_error(e: ControlError) -> HttpResponse {
    match e {
        ControlError::RunNotFound => error(404, "Run not found"),
        ControlError::ScheduleNotFound => error(404, "Schedule not found"),
        ControlError::RunFinished => error(409, "Run is already finished"),
        ControlError::SessionNotFound => error(404, "Session not found"),
        ControlError::Invalid(m) => error(400, &m),
        ControlError::QueuePaused(_) | ControlError::QueueFull(..) => error(409, &e.to_string()),
        ControlError::BulkActionNotFound => error(404, "Bulk action not found"),
    }
}
