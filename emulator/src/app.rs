//! Request dispatch: fault injection, routing, auth, the handler, request logging.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::auth::{authenticate, error};
use crate::faults::FaultState;
use crate::http::{Handler, HttpRequest, HttpResponse, Outcome};
use crate::options::Options;
use crate::routes::{self, Ctx, Route, Seg};
use crate::state::State;
use crate::util::{iso, parse_query, percent_decode};

/// Default body limit for routes that don't set one.
pub const DEFAULT_LIMIT: usize = 1024 * 1024;
/// Body limit for the admin API (packet uploads go through it).
const ADMIN_LIMIT: usize = 64 * 1024 * 1024;
/// Bodies larger than this are logged as a truncated string (the log is bounded in memory).
const LOG_BODY_MAX: usize = 16 * 1024;

pub struct App {
    state: Mutex<State>,
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
        let state = State::new(options.seed.clone(), FaultState::new(&options.faults));
        App {
            state: Mutex::new(state),
            base_url,
            options,
            api: routes::api_routes(),
            admin: routes::admin_routes(),
        }
    }

    /// Locks the state; a handler that panicked must not take the emulator down with it.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn dispatch(&self, routes: &[Route], req: &HttpRequest) -> HttpResponse {
        catch_unwind(AssertUnwindSafe(|| self.dispatch_inner(routes, req)))
            .unwrap_or_else(|_| error(500, "Internal server error"))
    }

    fn dispatch_inner(&self, routes: &[Route], req: &HttpRequest) -> HttpResponse {
        let (route, params) = match find(routes, &req.method, &req.path) {
            Found::Route(r, p) => (r, p),
            Found::WrongMethod(allowed) => {
                return error(405, "Method not allowed").with_header("allow", allowed.join(", "))
            }
            Found::Missing => return error(404, "Not found"),
        };
        // The real server needs Content-Length on routes with a body limit (API.md §2.2).
        if route.needs_length && req.header("content-length").is_none() {
            return error(413, "Request body too large");
        }
        let mut st = self.lock();
        st.tick();
        let who = match authenticate(&st, req, route.auth) {
            Ok(w) => w,
            Err(resp) => return resp,
        };
        let now = st.now_ms();
        let mut ctx = Ctx {
            app: self,
            st: &mut st,
            req,
            params,
            query: parse_query(&req.query),
            who,
            now,
        };
        (route.handler)(&mut ctx).unwrap_or_else(|e| e)
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
            Outcome::Respond(r) => json!(r.status),
            Outcome::Drop(_) => Value::Null,
        };
        let mut st = self.lock();
        let entry = json!({
            "seq": st.request_count + 1,
            "at": iso(st.now_ms()),
            "method": req.method,
            "path": req.path,
            "decodedPath": percent_decode(&req.path, false),
            "rawQuery": req.query,
            "query": query,
            "headers": headers,
            "body": body,
            "bodyBytes": req.body.len(),
            "bodyTruncated": truncated,
            "status": status,
            "fault": faulted,
            "latencyMs": latency_ms,
            "dropped": matches!(outcome, Outcome::Drop(_)),
        });
        st.log_request(entry);
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
            return Outcome::Respond(self.dispatch(&self.admin, &req));
        }
        // Faults are decided before the handler, so a faulted request leaves state untouched
        // (unless the rule asks for `afterHandler`).
        let decision = self.lock().faults.decide(&req.method, &req.path);
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
            None => Outcome::Respond(self.dispatch(&self.api, &req)),
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
