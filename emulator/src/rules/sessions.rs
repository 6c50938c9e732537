//! Sessions and their runs: a session always has a live run to talk to.

use serde_json::{json, Map, Value};

use crate::model::run_options::{parse_options, payload_type};
use crate::model::runs::NewRun;
use crate::state::State;

impl State {
    /// Makes sure the session has a live run: reuses `currentRunId` unless it finished, else
    /// triggers a new QUEUED run of the session's task through the normal run creation, with
    /// `basePayload` + `idleTimeoutInSeconds` + `sessionId` (and, after an earlier run,
    /// `continuation: true` and `previousRunId`, with `message`/`messages`/`trigger` removed).
    /// Returns the live run id.
    pub fn ensure_session_run(&mut self, idx: usize) -> Result<String, String> {
        let s = &self.sessions.list[idx];
        let prior = match &s.current_run_id {
            Some(id) => match self.run(id) {
                Some(r) if !r.is_final() => return Ok(id.clone()),
                _ => Some(id.clone()),
            },
            None => None,
        };
        let cfg = s.trigger_config.clone();
        let mut payload = cfg
            .get("basePayload")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(t) = cfg.get("idleTimeoutInSeconds").filter(|v| !v.is_null()) {
            payload.insert("idleTimeoutInSeconds".into(), t.clone());
        }
        payload.insert("sessionId".into(), json!(s.id));
        if let Some(prev) = &prior {
            payload.insert("continuation".into(), json!(true));
            payload.insert("previousRunId".into(), json!(prev));
            for k in ["message", "messages", "trigger"] {
                payload.remove(k);
            }
        }
        let mut options = Map::new();
        let copy = |options: &mut Map<String, Value>, from: &str, to: &str| {
            if let Some(v) = cfg.get(from).filter(|v| !v.is_null()) {
                options.insert(to.into(), v.clone());
            }
        };
        copy(&mut options, "machine", "machine");
        if let Some(q) = cfg.get("queue").and_then(Value::as_str) {
            options.insert("queue".into(), json!({ "name": q }));
        }
        copy(&mut options, "tags", "tags");
        copy(&mut options, "maxAttempts", "maxAttempts");
        copy(&mut options, "maxDuration", "maxDuration");
        copy(&mut options, "lockToVersion", "lockToVersion");
        copy(&mut options, "region", "region");
        copy(&mut options, "concurrencyKey", "concurrencyKey");
        let options = Value::Object(options);
        let now = self.now_ms();
        let opts = parse_options(Some(&options), None, None, now)?;
        let env_id = s.env_id.clone();
        let task = s.task.clone();
        let run_id = self.create_run(NewRun {
            env_id: &env_id,
            task: &task,
            payload: Some(json!(Value::Object(payload).to_string())),
            payload_type: payload_type(None),
            opts,
            trigger_function: "trigger",
            batch_id: None,
        });
        let s = &mut self.sessions.list[idx];
        s.current_run_id = Some(run_id.clone());
        s.run_ids.push(run_id.clone());
        Ok(run_id)
    }
}
