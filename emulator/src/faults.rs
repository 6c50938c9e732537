//! Fault injection: failing, slowing down or cutting API requests on demand.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::http::{HttpResponse, Outcome};
use crate::util::{wall_ms, SplitMix64};

/// One fault rule. The first matching rule that fires decides the request's fate;
/// latency-only rules add their delay and let later rules fire too.
///
/// JSON form (`POST /__emulator/faults`) uses camelCase: `{"status":503,"count":2}`,
/// `{"status":429,"count":1,"rateLimitResetMs":1500}`, `{"rate":0.3,"status":500}`,
/// `{"latencyMs":50}`, `{"dropConnection":true,"count":1}`, `{"afterHandler":true,...}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultRule {
    /// Status to answer with (500 if a non-latency rule leaves it out).
    pub status: Option<u16>,
    /// Fire on this many matching requests, then disappear. `None` = no limit.
    pub count: Option<u32>,
    /// Fire on this fraction of matching requests (seeded RNG, deterministic).
    pub rate: Option<f64>,
    /// For 429: `x-ratelimit-reset` is set to now (epoch ms) + this.
    pub rate_limit_reset_ms: Option<u64>,
    /// Adds a `retry-after` header (seconds).
    pub retry_after_secs: Option<u64>,
    /// Sleep this long before answering.
    pub latency_ms: Option<u64>,
    /// Write the status line and some headers, then cut the connection.
    pub drop_connection: bool,
    /// Sets `x-should-retry: true|false` on the injected response.
    pub should_retry: Option<bool>,
    /// Only requests whose path starts with this.
    pub path: Option<String>,
    /// Only requests with this method.
    pub method: Option<String>,
    /// Only requests whose raw query string contains this (e.g. `live=true`: realtime long
    /// polls only).
    pub query: Option<String>,
    /// Run the real handler first (state changes), then answer with the fault.
    pub after_handler: bool,
    /// Custom response body (default `{"error": "<reason>"}`).
    pub body: Option<Value>,
    /// SSE only (session channels, run streams): cut the connection after this many records (no `[DONE]`,
    /// no terminating chunk). Such rules never fire on other requests.
    pub sse_drop_after: Option<u32>,
    /// SSE only (session channels, run streams): after this many records send `event: error` (plain-text
    /// reason) and end the response without `[DONE]`.
    pub sse_error_after: Option<u32>,
}

impl FaultRule {
    /// A rule answering `status` to every matching request.
    pub fn status(status: u16) -> Self {
        FaultRule {
            status: Some(status),
            ..Default::default()
        }
    }
    /// A rule cutting the connection mid-response.
    pub fn drop_connection() -> Self {
        FaultRule {
            drop_connection: true,
            ..Default::default()
        }
    }
    /// A latency-only rule.
    pub fn latency(ms: u64) -> Self {
        FaultRule {
            latency_ms: Some(ms),
            ..Default::default()
        }
    }
    pub fn times(mut self, n: u32) -> Self {
        self.count = Some(n);
        self
    }
    pub fn rate(mut self, r: f64) -> Self {
        self.rate = Some(r);
        self
    }
    pub fn path(mut self, prefix: &str) -> Self {
        self.path = Some(prefix.to_string());
        self
    }
    /// Only requests whose raw query string contains `part`.
    pub fn query(mut self, part: &str) -> Self {
        self.query = Some(part.to_string());
        self
    }
    pub fn should_retry(mut self, v: bool) -> Self {
        self.should_retry = Some(v);
        self
    }
    pub fn rate_limit_reset_ms(mut self, ms: u64) -> Self {
        self.rate_limit_reset_ms = Some(ms);
        self
    }
    pub fn after_handler(mut self) -> Self {
        self.after_handler = true;
        self
    }
    /// A session-stream rule: drop the SSE connection after `n` records.
    pub fn sse_drop_after(n: u32) -> Self {
        FaultRule {
            sse_drop_after: Some(n),
            ..Default::default()
        }
    }
    /// A session-stream rule: send `event: error` after `n` records, then end without `[DONE]`.
    pub fn sse_error_after(n: u32) -> Self {
        FaultRule {
            sse_error_after: Some(n),
            ..Default::default()
        }
    }

    /// Rules for session streams are decided by the stream handler, not before dispatch.
    pub fn is_stream_fault(&self) -> bool {
        self.sse_drop_after.is_some() || self.sse_error_after.is_some()
    }

    fn is_fault(&self) -> bool {
        self.status.is_some() || self.drop_connection || self.rate.is_some() || self.body.is_some()
    }

    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.count != Some(0)
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
            && self.query.as_deref().is_none_or(|q| query.contains(q))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// The injected response.
    pub fn response(&self) -> HttpResponse {
        let status = self.status.unwrap_or(500);
        let msg = match status {
            408 => "Request timeout",
            409 => "Conflict",
            429 => "Rate limit exceeded",
            500 => "Internal server error",
            502 => "Bad gateway",
            503 => "Service unavailable",
            504 => "Gateway timeout",
            _ => "Injected fault",
        };
        let body = self.body.clone().unwrap_or_else(|| json!({ "error": msg }));
        let mut r = HttpResponse::json(status, &body);
        if let Some(v) = self.should_retry {
            r = r.with_header("x-should-retry", v.to_string());
        }
        if status == 429 {
            let reset = wall_ms() + self.rate_limit_reset_ms.unwrap_or(1000) as i64;
            r = r
                .with_header("x-ratelimit-limit", "100")
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", reset.to_string());
        }
        if let Some(s) = self.retry_after_secs {
            r = r.with_header("retry-after", s.to_string());
        }
        r
    }

    /// What the client sees: the fault response or a cut connection.
    pub fn outcome(&self) -> Outcome {
        if self.drop_connection {
            let status = self.status.unwrap_or(200);
            // A believable start of a response: status line and headers, never finished.
            let partial = format!(
                "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: 1024\r\n"
            );
            Outcome::Drop(partial.into_bytes())
        } else {
            Outcome::Respond(self.response())
        }
    }
}

/// The fault configuration an emulator starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
    /// Seed for `rate` rules.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rules: Vec::new(),
            seed: 0x5EED,
        }
    }
}

/// What fault handling decided for one request.
#[derive(Debug, Default)]
pub struct Decision {
    pub latency_ms: u64,
    pub fault: Option<FaultRule>,
}

/// Live fault rules plus their RNG.
pub struct FaultState {
    pub rules: Vec<FaultRule>,
    rng: SplitMix64,
}

impl FaultState {
    pub fn new(f: &Faults) -> Self {
        FaultState {
            rules: f.rules.clone(),
            rng: SplitMix64::new(f.seed),
        }
    }

    /// Picks the fault for a request, consuming rule counts.
    pub fn decide(&mut self, method: &str, path: &str, query: &str) -> Decision {
        let mut d = Decision::default();
        for rule in self.rules.iter_mut() {
            if rule.is_stream_fault() || !rule.matches(method, path, query) {
                continue;
            }
            if let Some(rate) = rule.rate {
                if self.rng.next_f64() >= rate {
                    continue;
                }
            }
            if let Some(c) = rule.count.as_mut() {
                *c -= 1;
            }
            d.latency_ms += rule.latency_ms.unwrap_or(0);
            if rule.is_fault() {
                d.fault = Some(rule.clone());
                break;
            }
        }
        self.rules.retain(|r| r.count != Some(0));
        d
    }

    /// The first matching session-stream rule for an SSE subscription, consuming its count.
    pub fn decide_stream(&mut self, method: &str, path: &str, query: &str) -> Option<StreamFault> {
        let mut found = None;
        for rule in self.rules.iter_mut() {
            if !rule.is_stream_fault() || !rule.matches(method, path, query) {
                continue;
            }
            if let Some(rate) = rule.rate {
                if self.rng.next_f64() >= rate {
                    continue;
                }
            }
            if let Some(c) = rule.count.as_mut() {
                *c -= 1;
            }
            found = Some(match (rule.sse_drop_after, rule.sse_error_after) {
                (Some(n), _) => StreamFault::DropAfter(n as usize),
                (None, Some(n)) => StreamFault::ErrorAfter(n as usize),
                (None, None) => continue,
            });
            break;
        }
        self.rules.retain(|r| r.count != Some(0));
        found
    }
}

/// What a stream fault does to one SSE response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFault {
    /// Cut the connection after this many records.
    DropAfter(usize),
    /// Send `event: error` after this many records, then end the response.
    ErrorAfter(usize),
}
