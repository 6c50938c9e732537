//! How runs come and go: creation (with idempotency keys and debounce), replay, and the
//! worker's moves (start, complete, fail).

use serde_json::{json, Value};

use crate::model::runs::{Debounce, NewRun, Run, RunOptions, DEV_DEFAULT_TTL};
use crate::rules::error::ControlError;
use crate::state::State;
use crate::util::random_id;

/// Statuses `fail` may end a run with.
const FAIL_STATUSES: &[&str] = &["FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT"];

impl State {
    /// An unexpired idempotent run for (env, task, key).
    pub fn idempotent_run(&self, env_id: &str, task: &str, key: &str, now: i64) -> Option<&Run> {
        self.runs.iter().find(|r| {
            r.env_id == env_id
                && r.task == task
                && r.idempotency_key.as_deref() == Some(key)
                && r.idempotency_expires_ms.is_none_or(|t| t > now)
        })
    }

    /// Creates a run and returns its id.
    pub fn create_run(&mut self, new: NewRun) -> String {
        let NewRun {
            env_id,
            task,
            payload,
            payload_type,
            opts,
            trigger_function,
            batch_id,
        } = new;
        let now = self.now_ms();
        let seq = self.next_seq();
        let id = random_id("run_");
        let mut opts = opts;
        // The server gives dev runs a 10-minute TTL when the trigger names none.
        let dev = self
            .env(env_id)
            .is_some_and(|e| e.env_type == "DEVELOPMENT");
        if dev && !opts.ttl_given {
            opts.ttl = Some(DEV_DEFAULT_TTL.into());
            opts.ttl_ms = Some(10 * 60_000);
        }
        let delayed = opts.delay_until_ms.filter(|t| *t > now);
        let run = Run {
            id: id.clone(),
            seq,
            env_id: env_id.to_string(),
            task: task.to_string(),
            status: if delayed.is_some() {
                "DELAYED"
            } else {
                "QUEUED"
            }
            .to_string(),
            payload,
            payload_type,
            tags: opts.tags.clone(),
            metadata: opts.metadata.clone(),
            idempotency_key: opts.idempotency_key.clone(),
            idempotency_expires_ms: opts
                .idempotency_key
                .as_ref()
                .map(|_| now + opts.idempotency_ttl_ms),
            created_ms: now,
            updated_ms: now,
            queued_ms: if delayed.is_some() { None } else { Some(now) },
            started_ms: None,
            finished_ms: None,
            delayed_until_ms: delayed,
            expired_ms: None,
            output: None,
            error: None,
            attempt_count: 0,
            trigger_function: trigger_function.to_string(),
            batch_id,
            schedule_id: None,
            replayed_from: None,
            bulk_action_ids: Vec::new(),
            realtime_streams_version: "v1".into(),
            opts,
        };
        self.push_run(run);
        self.ensure_run_queue(&id);
        id
    }

    /// A later trigger with the debounce key of a run that is still delayed: the run waits
    /// again for the debounce delay (at most until its `maxDelay`), takes the new payload in
    /// `trailing` mode, and is the answer. `None` when no such run waits.
    pub fn debounce_run(
        &mut self,
        env_id: &str,
        task: &str,
        d: &Debounce,
        payload: &Option<Value>,
        opts: &RunOptions,
        now: i64,
    ) -> Option<String> {
        let r = self.runs.iter_mut().rev().find(|r| {
            r.env_id == env_id
                && r.task == task
                && r.status == "DELAYED"
                && r.opts.debounce.as_ref().is_some_and(|x| x.key == d.key)
        })?;
        let first = r.opts.debounce.clone()?;
        let until = match first.max_until_ms {
            Some(max) => d.until_ms.min(max),
            None => d.until_ms,
        };
        r.delayed_until_ms = Some(until);
        r.updated_ms = now;
        if first.trailing || d.trailing {
            r.payload = payload.clone();
            if opts.metadata.is_some() {
                r.metadata = opts.metadata.clone();
            }
        }
        Some(r.id.clone())
    }

    /// A new run like `POST /api/v1/runs/{id}/replay` makes (same task, payload and options).
    pub fn replay_run(&mut self, src: &Run, region: Option<&str>) -> String {
        let mut opts = src.opts.clone();
        opts.idempotency_key = None;
        opts.delay_until_ms = None;
        opts.tags = src.tags.clone();
        opts.metadata = src.metadata.clone();
        if let Some(r) = region {
            opts.region = Some(r.to_string());
        }
        let id = self.create_run(NewRun {
            env_id: &src.env_id,
            task: &src.task,
            payload: src.payload.clone(),
            payload_type: src.payload_type.clone(),
            opts,
            trigger_function: "trigger",
            batch_id: None,
        });
        if let Some(r) = self.run_mut(&id) {
            r.replayed_from = Some(src.id.clone());
            r.realtime_streams_version = src.realtime_streams_version.clone();
        }
        id
    }

    fn live_run(&mut self, id: &str) -> Result<&mut Run, ControlError> {
        self.tick();
        let r = self.run_mut(id).ok_or(ControlError::RunNotFound)?;
        if r.is_final() {
            return Err(ControlError::RunFinished);
        }
        Ok(r)
    }

    /// QUEUED/DELAYED → EXECUTING (one more attempt).
    pub fn start_run(&mut self, id: &str) -> Result<(), ControlError> {
        let now = self.now_ms();
        self.live_run(id)?;
        self.check_can_start(id)?;
        let r = self.live_run(id)?;
        r.status = "EXECUTING".into();
        r.started_ms.get_or_insert(now);
        r.attempt_count += 1;
        r.updated_ms = now;
        Ok(())
    }

    /// → COMPLETED with `output`.
    pub fn complete_run(&mut self, id: &str, output: Value) -> Result<(), ControlError> {
        let now = self.now_ms();
        let r = self.live_run(id)?;
        r.status = "COMPLETED".into();
        r.started_ms.get_or_insert(now);
        r.attempt_count = r.attempt_count.max(1);
        r.finished_ms = Some(now);
        r.updated_ms = now;
        r.output = Some(output);
        Ok(())
    }

    /// → FAILED (or another failure status) with `error` (`{message, name?, stackTrace?}` or a string).
    pub fn fail_run(
        &mut self,
        id: &str,
        error: Value,
        status: Option<&str>,
    ) -> Result<(), ControlError> {
        let status = status.unwrap_or("FAILED");
        if !FAIL_STATUSES.contains(&status) {
            return Err(ControlError::Invalid(format!(
                "status must be one of {}",
                FAIL_STATUSES.join(", ")
            )));
        }
        let error = match error {
            Value::String(s) => json!({ "message": s }),
            Value::Object(mut m) => {
                m.entry("message").or_insert(json!("Task failed"));
                Value::Object(m)
            }
            _ => json!({"message": "Task failed"}),
        };
        let now = self.now_ms();
        let r = self.live_run(id)?;
        r.status = status.into();
        r.started_ms.get_or_insert(now);
        r.attempt_count = r.attempt_count.max(1);
        r.finished_ms = Some(now);
        r.updated_ms = now;
        r.error = Some(error);
        Ok(())
    }
}
