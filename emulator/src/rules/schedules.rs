//! Firing a schedule (what the scheduler does at each cron tick).

use serde_json::json;

use crate::model::runs::{NewRun, RunOptions};
use crate::rules::error::ControlError;
use crate::state::State;

impl State {
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
}
