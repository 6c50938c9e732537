//! What the server keeps about API requests: the request log (`GET /__emulator/requests`) and
//! the responses given to `x-trigger-request-idempotency-key`s, so a retried request gets the
//! first answer again.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::http::HttpResponse;

/// Request-log entries kept (oldest dropped first).
pub const MAX_LOG: usize = 10_000;
/// Responses kept for `x-trigger-request-idempotency-key` dedupe.
const MAX_CACHED_RESPONSES: usize = 10_000;

#[derive(Default)]
pub struct RequestLog {
    /// Log entries, oldest first.
    pub requests: VecDeque<Value>,
    /// API requests received since start or reset (the log may have dropped some).
    pub count: u64,
    /// Responses by request key, and the keys oldest first.
    responses: HashMap<String, HttpResponse>,
    response_order: VecDeque<String>,
}

impl RequestLog {
    pub fn push(&mut self, entry: Value) {
        self.count += 1;
        if self.requests.len() >= MAX_LOG {
            self.requests.pop_front();
        }
        self.requests.push_back(entry);
    }

    /// The response first given to a request-idempotency key.
    pub fn cached_response(&self, key: &str) -> Option<&HttpResponse> {
        self.responses.get(key)
    }

    /// Remembers a response for retries; the oldest entries go first (retries come within seconds).
    pub fn remember_response(&mut self, key: String, resp: HttpResponse) {
        if self.responses.insert(key.clone(), resp).is_none() {
            self.response_order.push_back(key);
        }
        while self.response_order.len() > MAX_CACHED_RESPONSES {
            if let Some(old) = self.response_order.pop_front() {
                self.responses.remove(&old);
            }
        }
    }
}
