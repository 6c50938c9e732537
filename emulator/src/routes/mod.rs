//! The routing table and what handlers get to work with.
//!
//! Patterns use `{}` for one path segment (percent-decoded) and `{*}` for the rest of the path.
//! The first route whose pattern and method match wins, so literal routes go before `{}` ones.

use serde_json::{json, Value};

use std::sync::Arc;

use crate::app::DEFAULT_LIMIT;
use crate::auth::{error, forbidden, Auth, Principal};
use crate::faults::FaultState;
use crate::http::{HttpRequest, HttpResponse};
use crate::hub::Hub;
use crate::jwt;
use crate::options::Options;
use crate::request_log::RequestLog;
use crate::state::State;

pub mod admin;
pub mod admin_surface;
pub mod batches;
pub mod bulk;
pub mod channels;
pub mod deployments;
pub mod envvars;
pub mod queues;
pub mod run_events;
pub mod runs;
pub mod schedules;
pub mod sessions;
pub mod tasks;
pub mod tokens;
pub mod waitpoints;

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
    fn new(method: &'static str, pattern: &'static str, auth: Auth, handler: HandlerFn) -> Route {
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

    fn limit(mut self, bytes: usize) -> Route {
        self.limit = bytes;
        self
    }

    fn needs_length(mut self) -> Route {
        self.needs_length = true;
        self
    }
}

const MIB: usize = 1024 * 1024;
const RT: &str = "/realtime/v1/sessions/{}/{}";
const RT_APPEND: &str = "/realtime/v1/sessions/{}/{}/append";
const RT_RECORDS: &str = "/realtime/v1/sessions/{}/{}/records";
const RT_NAMED: &str = "/realtime/v1/sessions/{}/channels/{}/{}";
const RT_NAMED_APPEND: &str = "/realtime/v1/sessions/{}/channels/{}/{}/append";
const RT_NAMED_RECORDS: &str = "/realtime/v1/sessions/{}/channels/{}/{}/records";

/// The management API.
pub fn api_routes() -> Vec<Route> {
    use Auth::*;
    let envvars = "/api/v1/projects/{}/envvars/{}";
    vec![
        // Tasks and packets
        Route::new("POST", "/api/v1/tasks/{}/trigger", KeyOrJwt, tasks::trigger)
            .limit(3 * MIB)
            .needs_length(),
        Route::new("PUT", "/api/v2/packets/{*}", Key, tasks::packet_upload),
        Route::new("GET", "/api/v1/packets/{*}", Key, tasks::packet_download),
        Route::new("POST", "/api/v1/auth/jwt/claims", Claims, tasks::jwt_claims),
        Route::new("POST", "/api/v1/auth/public-tokens", Key, tokens::create),
        Route::new(
            "POST",
            "/api/v1/idempotencyKeys/{}/reset",
            KeyOrJwt,
            tasks::reset_idempotency_key,
        ),
        // Batches
        Route::new("POST", "/api/v3/batches", KeyOrJwt, batches::create)
            .limit(128 * 1024)
            .needs_length(),
        Route::new("POST", "/api/v3/batches/{}/items", KeyOrJwt, batches::items).limit(32 * MIB),
        Route::new("GET", "/api/v2/batches/{}", KeyOrJwt, batches::retrieve),
        Route::new("GET", "/api/v1/batches/{}", KeyOrJwt, batches::retrieve_v1),
        // Runs
        Route::new("GET", "/api/v1/runs", KeyOrJwt, runs::list),
        Route::new("GET", "/api/v1/projects/{}/runs", Pat, runs::list_project),
        Route::new("GET", "/api/v3/runs/{}", KeyOrJwt, runs::retrieve),
        Route::new("POST", "/api/v2/runs/{}/cancel", KeyOrJwt, runs::cancel),
        Route::new("POST", "/api/v1/runs/{}/replay", Key, runs::replay),
        Route::new(
            "POST",
            "/api/v1/runs/{}/reschedule",
            Legacy,
            runs::reschedule,
        ),
        Route::new("POST", "/api/v1/runs/{}/tags", Legacy, runs::add_tags),
        Route::new(
            "PUT",
            "/api/v1/runs/{}/metadata",
            Key,
            runs::update_metadata,
        )
        .limit(2 * MIB)
        .needs_length(),
        Route::new(
            "GET",
            "/api/v1/runs/{}/metadata",
            Legacy,
            runs::get_metadata,
        ),
        Route::new("GET", "/api/v1/runs/{}/result", Legacy, runs::result),
        Route::new(
            "GET",
            "/api/v1/runs/{}/events",
            KeyOrJwt,
            run_events::events,
        ),
        Route::new("GET", "/api/v1/runs/{}/trace", KeyOrJwt, run_events::trace),
        // Queues, deployments, waitpoint tokens, bulk actions (API.md §14)
        Route::new("GET", "/api/v1/queues", Key, queues::list),
        Route::new("GET", "/api/v1/queues/{}", KeyOrJwt, queues::retrieve),
        Route::new("POST", "/api/v1/queues/{}/pause", Key, queues::pause),
        Route::new(
            "POST",
            "/api/v1/queues/{}/concurrency/override",
            Key,
            queues::override_limit,
        ),
        Route::new(
            "POST",
            "/api/v1/queues/{}/concurrency/reset",
            Key,
            queues::reset_limit,
        ),
        Route::new("GET", "/api/v1/deployments", KeyOrJwt, deployments::list),
        Route::new(
            "GET",
            "/api/v1/deployments/current",
            KeyOrJwt,
            deployments::current,
        ),
        Route::new(
            "GET",
            "/api/v1/deployments/latest",
            Key,
            deployments::latest,
        ),
        Route::new("GET", "/api/v1/deployments/{}", Key, deployments::retrieve),
        Route::new(
            "POST",
            "/api/v1/deployments/{}/promote",
            Key,
            deployments::promote,
        ),
        Route::new("POST", "/api/v1/waitpoints/tokens", Key, waitpoints::create)
            .limit(10 * 1024)
            .needs_length(),
        Route::new("GET", "/api/v1/waitpoints/tokens", Key, waitpoints::list),
        Route::new(
            "GET",
            "/api/v1/waitpoints/tokens/{}",
            Key,
            waitpoints::retrieve,
        ),
        Route::new(
            "POST",
            "/api/v1/waitpoints/tokens/{}/complete",
            KeyOrJwt,
            waitpoints::complete,
        )
        .limit(3 * MIB)
        .needs_length(),
        Route::new(
            "POST",
            "/api/v1/waitpoints/tokens/{}/callback/{}",
            Public,
            waitpoints::callback,
        )
        .limit(3 * MIB),
        Route::new("POST", "/api/v1/bulk-actions", Key, bulk::create)
            .limit(MIB)
            .needs_length(),
        Route::new("GET", "/api/v1/bulk-actions", Key, bulk::list),
        Route::new("GET", "/api/v1/bulk-actions/{}", Key, bulk::retrieve),
        Route::new("POST", "/api/v1/bulk-actions/{}/abort", Key, bulk::abort),
        // Environment variables (the literal `import` goes before `{name}`)
        Route::new("GET", envvars, KeyOrPat, envvars::list),
        Route::new("POST", envvars, KeyOrPat, envvars::create),
        Route::new(
            "POST",
            "/api/v1/projects/{}/envvars/{}/import",
            KeyOrPat,
            envvars::import,
        ),
        Route::new(
            "GET",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::retrieve,
        ),
        Route::new(
            "PUT",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::update,
        ),
        Route::new(
            "POST",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::update,
        ),
        Route::new(
            "DELETE",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::delete,
        ),
        // Schedules
        Route::new("POST", "/api/v1/schedules", Legacy, schedules::create),
        Route::new("GET", "/api/v1/schedules", Legacy, schedules::list),
        Route::new("GET", "/api/v1/schedules/{}", Legacy, schedules::retrieve),
        Route::new("PUT", "/api/v1/schedules/{}", Legacy, schedules::update),
        Route::new("DELETE", "/api/v1/schedules/{}", Legacy, schedules::delete),
        Route::new(
            "POST",
            "/api/v1/schedules/{}/activate",
            Legacy,
            schedules::activate,
        ),
        Route::new(
            "POST",
            "/api/v1/schedules/{}/deactivate",
            Legacy,
            schedules::deactivate,
        ),
        Route::new("GET", "/api/v1/timezones", Public, schedules::timezones),
        // Sessions (REST, then the realtime channels; named channels have 4/5 segments).
        Route::new("POST", "/api/v1/sessions", KeyOrJwt, sessions::create)
            .limit(32 * 1024)
            .needs_length(),
        Route::new("GET", "/api/v1/sessions", KeyOrJwt, sessions::list),
        Route::new("GET", "/api/v1/sessions/{}", KeyOrJwt, sessions::retrieve),
        Route::new("PATCH", "/api/v1/sessions/{}", KeyOrJwt, sessions::update)
            .limit(32 * 1024)
            .needs_length(),
        Route::new(
            "POST",
            "/api/v1/sessions/{}/close",
            KeyOrJwt,
            sessions::close,
        )
        .limit(1024)
        .needs_length(),
        Route::new("POST", RT_APPEND, KeyOrJwt, channels::append)
            .limit(MIB)
            .needs_length(),
        Route::new("GET", RT_RECORDS, KeyOrJwt, channels::records),
        Route::new("GET", RT, KeyOrJwt, channels::subscribe),
        Route::new("HEAD", RT, KeyOrJwt, channels::subscribe),
        Route::new("PUT", RT, KeyOrJwt, channels::init),
        Route::new("POST", RT_NAMED_APPEND, KeyOrJwt, channels::append_named)
            .limit(MIB)
            .needs_length(),
        Route::new("GET", RT_NAMED_RECORDS, KeyOrJwt, channels::records_named),
        Route::new("GET", RT_NAMED, KeyOrJwt, channels::subscribe_named),
        Route::new("HEAD", RT_NAMED, KeyOrJwt, channels::subscribe_named),
        Route::new("PUT", RT_NAMED, KeyOrJwt, channels::init_named),
    ]
}

/// The test-control API under `/__emulator/` (no auth, never faulted, never logged).
pub fn admin_routes() -> Vec<Route> {
    use Auth::Public;
    vec![
        Route::new("GET", "/__emulator/state", Public, admin::state),
        Route::new("GET", "/__emulator/seed", Public, admin::seed),
        Route::new("GET", "/__emulator/requests", Public, admin::requests),
        Route::new(
            "DELETE",
            "/__emulator/requests",
            Public,
            admin::clear_requests,
        ),
        Route::new("POST", "/__emulator/reset", Public, admin::reset),
        Route::new("POST", "/__emulator/advance", Public, admin::advance),
        Route::new(
            "POST",
            "/__emulator/runs/{}/start",
            Public,
            admin::start_run,
        ),
        Route::new(
            "POST",
            "/__emulator/runs/{}/complete",
            Public,
            admin::complete_run,
        ),
        Route::new("POST", "/__emulator/runs/{}/fail", Public, admin::fail_run),
        Route::new(
            "POST",
            "/__emulator/schedules/{}/fire",
            Public,
            admin::fire_schedule,
        ),
        Route::new("GET", "/__emulator/faults", Public, admin::get_faults),
        Route::new("POST", "/__emulator/faults", Public, admin::add_faults),
        Route::new("DELETE", "/__emulator/faults", Public, admin::clear_faults),
        Route::new("POST", "/__emulator/branches", Public, admin::add_branch),
        Route::new("PUT", "/__emulator/packets/{*}", Public, admin::put_packet),
        Route::new("GET", "/__emulator/packets/{*}", Public, admin::get_packet),
        Route::new("POST", "/__emulator/panic", Public, admin::panic),
        Route::new(
            "POST",
            "/__emulator/queues",
            Public,
            admin_surface::add_queue,
        ),
        Route::new("POST", "/__emulator/tasks", Public, admin_surface::add_task),
        Route::new(
            "POST",
            "/__emulator/deployments",
            Public,
            admin_surface::add_deployment,
        ),
        Route::new(
            "POST",
            "/__emulator/bulk-actions/defer",
            Public,
            admin_surface::defer_bulk_actions,
        ),
        Route::new(
            "POST",
            "/__emulator/bulk-actions/{}/process",
            Public,
            admin_surface::process_bulk_action,
        ),
        Route::new("GET", "/__emulator/clock", Public, admin_surface::get_clock),
        Route::new(
            "POST",
            "/__emulator/clock",
            Public,
            admin_surface::set_clock,
        ),
        Route::new("GET", "/__emulator/sessions", Public, channels::admin_list),
        Route::new(
            "POST",
            "/__emulator/sessions/end-streams",
            Public,
            channels::admin_end_streams,
        ),
        Route::new(
            "GET",
            "/__emulator/sessions/config",
            Public,
            channels::admin_get_config,
        ),
        Route::new(
            "POST",
            "/__emulator/sessions/config",
            Public,
            channels::admin_set_config,
        ),
        Route::new(
            "POST",
            "/__emulator/sessions/{}/{}/records",
            Public,
            channels::admin_records,
        ),
        Route::new(
            "POST",
            "/__emulator/sessions/{}/channels/{}/{}/records",
            Public,
            channels::admin_records_named,
        ),
    ]
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
    pub stream: Option<Box<dyn crate::http::StreamBody>>,
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
