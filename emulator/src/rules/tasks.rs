//! Declared tasks (as a worker registers them).

use crate::rules::error::ControlError;
use crate::state::State;

/// What `declare_task` accepts.
pub const TASK_KINDS: &[&str] = &["STANDARD", "SCHEDULED", "AGENT"];

impl State {
    /// Declares a task and its kind (admin).
    pub fn declare_task(&mut self, id: &str, kind: &str) -> Result<(), ControlError> {
        if !TASK_KINDS.contains(&kind) {
            return Err(ControlError::Invalid(format!(
                "kind must be one of {}",
                TASK_KINDS.join(", ")
            )));
        }
        self.task_kinds.insert(id.to_string(), kind.to_string());
        // A registered task has its queue in every env, as a worker's registration gives it.
        let envs: Vec<String> = self.envs.iter().map(|e| e.id.clone()).collect();
        for env in envs {
            self.queues.ensure(&env, &format!("task/{id}"), None);
        }
        Ok(())
    }
}
