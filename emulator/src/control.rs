//! Test controls shared by the admin HTTP API and the `Emulator` methods.

use std::fmt;

use serde_json::{json, Map, Value};

use crate::faults::FaultRule;
use crate::routes::envvars;
use crate::state::{NewRun, RunOptions, State};
use crate::views::{batch_json, run_dump, schedule_json, ScheduleEnvs};

/// Why a control operation did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    RunNotFound,
    ScheduleNotFound,
    RunFinished,
    SessionNotFound,
    Invalid(String),
    /// The run's queue is paused (queue name).
    QueuePaused(String),
    /// The run's queue is at its concurrency limit (queue name, limit).
    QueueFull(String, u64),
    BulkActionNotFound,
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::RunNotFound => write!(f, "Run not found"),
            ControlError::ScheduleNotFound => write!(f, "Schedule not found"),
            ControlError::RunFinished => write!(f, "Run is already finished"),
            ControlError::SessionNotFound => write!(f, "Session not found"),
            ControlError::Invalid(m) => write!(f, "{m}"),
            ControlError::QueuePaused(q) => {
                write!(
                    f,
                    "Queue {q} is paused: its runs stay QUEUED until it is resumed"
                )
            }
            ControlError::QueueFull(q, n) => {
                write!(f, "Queue {q} is at its concurrency limit ({n} running)")
            }
            ControlError::BulkActionNotFound => write!(f, "Bulk action not found"),
        }
    }
}

impl std::error::Error for ControlError {}

/// Statuses `fail` may end a run with.
const FAIL_STATUSES: &[&str] = &["FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT"];

impl State {
    fn live_run(&mut self, id: &str) -> Result<&mut crate::state::Run, ControlError> {
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

    /// Fires a schedule now: a QUEUED run of its task with the scheduled-task payload and
    /// `schedule` set (what the real scheduler does at each tick). Returns the run id.
    pub fn fire_schedule(&mut self, schedule_id: &str) -> Result<String, ControlError> {
        let s = self
            .schedules
            .iter()
            .find(|s| s.id == schedule_id)
            .cloned()
            .ok_or(ControlError::ScheduleNotFound)?;
        let now = self.now_ms();
        let last = self
            .runs
            .iter()
            .rev()
            .find(|r| r.schedule_id.as_deref() == Some(schedule_id))
            .map(|r| crate::util::iso(r.created_ms));
        let tz = crate::cron::zone(&s.timezone).unwrap_or(chrono_tz::Tz::UTC);
        let upcoming: Vec<String> = crate::cron::Cron::parse(&s.cron)
            .map(|c| c.upcoming(now, tz, 10))
            .unwrap_or_default()
            .into_iter()
            .map(crate::util::iso)
            .collect();
        let payload = json!({
            "scheduleId": s.id,
            "type": "IMPERATIVE",
            "timestamp": crate::util::iso(now),
            "lastTimestamp": last,
            "externalId": s.external_id,
            "timezone": s.timezone,
            "upcoming": upcoming,
        });
        let id = self.create_run(NewRun {
            env_id: &s.env_id,
            task: &s.task,
            payload: Some(json!(payload.to_string())),
            payload_type: "application/json".into(),
            opts: RunOptions::default(),
            trigger_function: "trigger",
            batch_id: None,
        });
        if let Some(r) = self.run_mut(&id) {
            r.schedule_id = Some(s.id.clone());
        }
        Ok(id)
    }

    /// Moves the emulator clock forward (never backward) and lets delayed/TTL runs move.
    pub fn advance(&mut self, ms: i64) {
        self.offset_ms += ms.max(0);
        self.tick();
    }

    /// Everything, for `GET /__emulator/state` and `Emulator::state`.
    pub fn dump(&self, base_url: &str, faults: &[FaultRule], request_count: u64) -> Value {
        let now = self.now_ms();
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|r| run_dump(self, r, now, base_url))
            .collect();
        let batches: Vec<Value> = self
            .batches
            .iter()
            .map(|b| {
                let mut v = batch_json(self, b);
                v["envId"] = json!(b.env_id);
                v["taskIdentifiers"] = json!(b.task_identifiers);
                v
            })
            .collect();
        let schedules: Vec<Value> = self
            .schedules
            .iter()
            .map(|s| schedule_json(self, s, now, ScheduleEnvs::Listed))
            .collect();
        let envvars: Map<String, Value> = self
            .envvars
            .iter()
            .map(|(env, vars)| (env.clone(), envvars::dump(vars)))
            .collect();
        let envs: Vec<Value> = self
            .envs
            .iter()
            .map(|e| {
                json!({
                    "id": e.id, "projectRef": e.project_ref, "slug": e.slug, "type": e.env_type,
                    "parent": e.parent, "branch": e.branch,
                })
            })
            .collect();
        let mut packets: Vec<&String> = self.packets.keys().collect();
        packets.sort();
        let surface = self.dump_surface(base_url);
        let mut dump = json!({
            "now": crate::util::iso(now),
            "nowMs": now,
            "offsetMs": self.offset_ms,
            "envs": envs,
            "runs": runs,
            "batches": batches,
            "schedules": schedules,
            "envvars": envvars,
            "packets": packets,
            "sessions": self.sessions_dump(),
            "requestCount": request_count,
            "faults": faults,
        });
        if let (Some(d), Value::Object(extra)) = (dump.as_object_mut(), surface) {
            d.extend(extra);
        }
        dump
    }
}
