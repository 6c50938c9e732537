//! Waitpoint tokens: created, completed by the API or its callback, or timed out.

use serde_json::json;

use crate::util::{iso, random_id};

#[derive(Debug, Clone)]
pub struct Waitpoint {
    pub id: String,
    pub env_id: String,
    pub seq: u64,
    pub completed: bool,
    /// The user's idempotency key while it is active.
    pub idempotency_key: Option<String>,
    /// A user key that expired (still found by `filter[idempotencyKey]`).
    pub inactive_key: Option<String>,
    pub idempotency_expires_ms: Option<i64>,
    pub timeout_ms: Option<i64>,
    pub completed_ms: Option<i64>,
    pub output: Option<String>,
    pub output_type: String,
    pub output_is_error: bool,
    pub tags: Vec<String>,
    pub created_ms: i64,
}

impl Waitpoint {
    /// `WAITING`, `COMPLETED` or `TIMED_OUT` (a timeout completes with an error output).
    pub fn status(&self) -> &'static str {
        match (self.completed, self.output_is_error) {
            (false, _) => "WAITING",
            (true, false) => "COMPLETED",
            (true, true) => "TIMED_OUT",
        }
    }
}

/// Every waitpoint token of every env.
#[derive(Debug, Clone, Default)]
pub struct Waitpoints {
    pub list: Vec<Waitpoint>,
    seq: u64,
}

impl Waitpoints {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Times out waiting tokens whose `timeoutAt` has passed.
    pub fn tick(&mut self, now: i64) {
        for w in &mut self.list {
            if let Some(t) = w.timeout_ms.filter(|t| !w.completed && *t <= now) {
                w.completed = true;
                w.completed_ms = Some(t);
                w.output_is_error = true;
                w.output_type = "application/json".into();
                w.output = Some(
                    json!({
                        "code": "TRIGGER_WAITPOINT_TIMEOUT",
                        "message": format!("Waitpoint timed out at {}", iso(t)),
                    })
                    .to_string(),
                );
            }
        }
    }

    pub fn get(&self, env_id: &str, id: &str) -> Option<&Waitpoint> {
        self.list.iter().find(|w| w.id == id && w.env_id == env_id)
    }

    /// Creates a waitpoint token, or returns the one with the same unexpired idempotency key
    /// (`true` = cached).
    pub fn create(
        &mut self,
        env_id: &str,
        key: Option<String>,
        key_expires_ms: Option<i64>,
        timeout_ms: Option<i64>,
        tags: Vec<String>,
        now: i64,
    ) -> (String, bool) {
        if let Some(k) = &key {
            if let Some(w) = self
                .list
                .iter_mut()
                .find(|w| w.env_id == env_id && w.idempotency_key.as_ref() == Some(k))
            {
                if w.idempotency_expires_ms.is_some_and(|t| now > t) {
                    // Expired: the old token keeps the key only as an inactive one.
                    w.inactive_key = w.idempotency_key.take();
                } else {
                    return (w.id.clone(), true);
                }
            }
        }
        let seq = self.next_seq();
        let id = random_id("waitpoint_");
        self.list.push(Waitpoint {
            id: id.clone(),
            env_id: env_id.to_string(),
            seq,
            completed: false,
            idempotency_key: key,
            inactive_key: None,
            idempotency_expires_ms: key_expires_ms,
            timeout_ms,
            completed_ms: None,
            output: None,
            output_type: "application/json".into(),
            output_is_error: false,
            tags,
            created_ms: now,
        });
        (id, false)
    }

    /// Completes a waiting token with `(output, outputType)`; completing twice changes nothing.
    pub fn complete(&mut self, id: &str, output: Option<(String, String)>, now: i64) {
        if let Some(w) = self.list.iter_mut().find(|w| w.id == id && !w.completed) {
            w.completed = true;
            w.completed_ms = Some(now);
            if let Some((data, data_type)) = output {
                w.output = Some(data);
                w.output_type = data_type;
            }
        }
    }
}
