//! Request dispatch: fault injection, routing (the API's table and the admin API's), auth, the
//! handler, request logging. The top of the server: it may use every layer below.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::auth::{authenticate, error};
use crate::http::{Handler, HttpRequest, HttpResponse, Outcome};
use crate::hub::{Hub, Shared};
use crate::options::Options;
use crate::route::{Ctx, Hold, Route, Seg, DEFAULT_LIMIT};
use crate::util::{iso, parse_query, percent_decode};
use crate::{admin, routes};

/// Body limit for the admin API (packet uploads go through it).
const ADMIN_LIMIT: usize = 64 * 1024 * 1024;
/// Bodies larger than this are logged as a truncated string (the log is bounded in memory).
const LOG_BODY_MAX: usize = 16 * 1024;

pub struct App {
    hub: Arc<Hub>,
    pub base_url: String,
    pub options: Options,
    api: Vec<Route>,
    admin: Vec<Route>,
}

enum Found<'a> {
    Route(&'a Route, Vec<String>),
    WrongMethod(Vec<&'static str>),
    Missing,
}

fn is_admin(path: &str) -> bool {
    path == "/__emulator" || path.starts_with("/__emulator/")
}

fn find<'a>(routes: &'a [Route], method: &str, path: &str) -> Found<'a> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = if trimmed.len() > 1 {
        trimmed.strip_suffix('/').unwrap_or(trimmed)
    } else {
        trimmed
    };
    let segs: Vec<&str> = trimmed.split('/').collect();
    let mut methods = Vec::new();
    for r in routes {
        if let Some(params) = match_segments(&r.pattern, &segs) {
            if r.method == method {
                return Found::Route(r, params);
            }
            methods.push(r.method);
        }
    }
    if methods.is_empty() {
        Found::Missing
    } else {
        Found::WrongMethod(methods)
    }
}

fn match_segments(pattern: &[Seg], segs: &[&str]) -> Option<Vec<String>> {
    let mut params = Vec::new();
    for (i, p) in pattern.iter().enumerate() {
        match p {
            Seg::Lit(l) => {
                if segs.get(i) != Some(l) {
                    return None;
                }
            }
            Seg::Param => {
                let s = segs.get(i).filter(|s| !s.is_empty())?;
                params.push(percent_decode(s, false));
            }
            Seg::Rest => {
                let rest = segs.get(i..).filter(|r| !r.is_empty())?.join("/");
                if rest.is_empty() {
                    return None;
                }
                params.push(percent_decode(&rest, false));
                return Some(params);
            }
        }
    }
    (segs.len() == pattern.len()).then_some(params)
}

impl App {
    pub fn new(options: Options, base_url: String) -> App {
        App {
            hub: Arc::new(Hub::new(Shared::new(&options))),
            base_url,
            options,
            api: routes::api_routes(),
            admin: admin::admin_routes(),
        }
    }

    /// Locks the state; a handler that panicked must not take the emulator down with it.
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.hub.lock()
    }

    /// The shared state and its condition variable, for stream bodies that outlive the handler.
    pub fn hub(&self) -> Arc<Hub> {
        self.hub.clone()
    }

    /// Wakes every waiting stream (call after changing state outside a request).
    pub fn notify(&self) {
        self.hub.notify();
    }

    fn dispatch(&self, routes: &[Route], req: &HttpRequest) -> Outcome {
        let outcome = catch_unwind(AssertUnwindSafe(|| self.dispatch_inner(routes, req)))
            .unwrap_or_else(|_| Outcome::Respond(error(500, "Internal server error")));
        self.notify();
        outcome
    }

    fn dispatch_inner(&self, routes: &[Route], req: &HttpRequest) -> Outcome {
        let (route, params) = match find(routes, &req.method, &req.path) {
            Found::Route(r, p) => (r, p),
            Found::WrongMethod(allowed) => {
                return Outcome::Respond(
                    error(405, "Method not allowed").with_header("allow", allowed.join(", ")),
                )
            }
            Found::Missing => return Outcome::Respond(error(404, "Not found")),
        };
        // The real server needs Content-Length on routes with a body limit (docs/wire.md#bodies).
        if route.needs_length && req.header("content-length").is_none() {
            return Outcome::Respond(error(413, "Request body too large"));
        }
        let mut guard = self.lock();
        let Shared { state, faults, log } = &mut *guard;
        state.tick();
        let who = match authenticate(state, req, route.auth) {
            Ok(w) => w,
            Err(resp) => return Outcome::Respond(resp),
        };
        let now = state.now_ms();
        let mut ctx = Ctx {
            base_url: &self.base_url,
            options: &self.options,
            hub: &self.hub,
            st: state,
            faults,
            log,
            req,
            params,
            query: parse_query(&req.query),
            who,
            now,
            stream: None,
            hold: None,
        };
        let resp = (route.handler)(&mut ctx).unwrap_or_else(|e| e);
        let stream = ctx.stream.take();
        let hold = ctx.hold.take();
        drop(ctx);
        match (stream, hold) {
            (Some(body), _) if resp.status == 200 => Outcome::Stream(resp, body),
            (_, Some(hold)) => Outcome::Respond(self.hold(guard, hold)),
            _ => Outcome::Respond(resp),
        }
    }

    /// Waits for a held request's answer without the lock: each change wakes it; the emulator
    /// clock (which `advance` moves) ends it.
    fn hold(&self, mut guard: MutexGuard<'_, Shared>, mut hold: Box<dyn Hold>) -> HttpResponse {
        // The clock also moves with wall time, so look again at least this often.
        const MAX_WAIT: Duration = Duration::from_millis(250);
        loop {
            let st = &mut guard.state;
            st.tick();
            if let Some(resp) = hold.poll(st) {
                return resp;
            }
            let now = st.now_ms();
            if now >= hold.deadline_ms() || self.hub.is_shutdown() {
                return hold.expire(st);
            }
            let left = Duration::from_millis((hold.deadline_ms() - now) as u64);
            guard = self.hub.wait(guard, left.min(MAX_WAIT));
        }
    }

    fn log(&self, req: &HttpRequest, outcome: &Outcome, faulted: bool, latency_ms: u64) {
        let headers: Map<String, Value> = req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let query: Map<String, Value> = parse_query(&req.query)
            .into_iter()
            .map(|(k, v)| (k, json!(v)))
            .collect();
        let truncated = req.body.len() > LOG_BODY_MAX;
        let body = if req.body.is_empty() {
            Value::Null
        } else if truncated {
            json!(String::from_utf8_lossy(&req.body[..LOG_BODY_MAX]))
        } else {
            serde_json::from_slice(&req.body)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&req.body)))
        };
        let status = match outcome {
            Outcome::Respond(r) | Outcome::Stream(r, _) => json!(r.status),
            Outcome::Drop(_) => Value::Null,
        };
        let mut shared = self.lock();
        let entry = json!({
            "seq": shared.log.count + 1,
            "at": iso(shared.state.now_ms()),
            "method": req.method,
            "path": req.path,
            "decodedPath": percent_decode(&req.path, false),
            "rawQuery": req.query,
            "query": query,
            "headers": headers,
            "body": body,
            // The bytes as sent (key order included), for exact wire assertions.
            "rawBody": String::from_utf8_lossy(&req.body[..req.body.len().min(LOG_BODY_MAX)]),
            "bodyBytes": req.body.len(),
            "bodyTruncated": truncated,
            "status": status,
            "fault": faulted,
            "latencyMs": latency_ms,
            "dropped": matches!(outcome, Outcome::Drop(_)),
        });
        shared.log.push(entry);
    }
}

impl Handler for App {
    fn body_limit(&self, method: &str, path: &str) -> usize {
        if is_admin(path) {
            return ADMIN_LIMIT;
        }
        match find(&self.api, method, path) {
            Found::Route(r, _) => r.limit,
            _ => DEFAULT_LIMIT,
        }
    }

    fn handle(&self, req: HttpRequest) -> Outcome {
        if is_admin(&req.path) {
            return self.dispatch(&self.admin, &req);
        }
        // Faults are decided before the handler, so a faulted request leaves state untouched
        // (unless the rule asks for `afterHandler`).
        let decision = self
            .lock()
            .faults
            .decide(&req.method, &req.path, &req.query);
        if decision.latency_ms > 0 {
            std::thread::sleep(Duration::from_millis(decision.latency_ms));
        }
        let outcome = match &decision.fault {
            Some(rule) => {
                if rule.after_handler {
                    let _ = self.dispatch(&self.api, &req);
                }
                rule.outcome()
            }
            None => self.dispatch(&self.api, &req),
        };
        self.log(
            &req,
            &outcome,
            decision.fault.is_some(),
            decision.latency_ms,
        );
        outcome
    }
}
