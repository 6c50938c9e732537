//! Queues and runs: the task queue a run waits in, live counts, and the pause and
//! concurrency limit that hold a run back.

use crate::model::queues::Queue;
use crate::rules::error::ControlError;
use crate::state::State;

impl State {
    /// The task queue a run waits in, created when the run is the first of its task. A custom
    /// queue the trigger names is not created: as on the server (where workers declare queues),
    /// an unknown one is accepted and stays unknown (add it with `add_queue`).
    pub fn ensure_run_queue(&mut self, run_id: &str) {
        let Some(r) = self.run(run_id) else {
            return;
        };
        let (env, name) = (r.env_id.clone(), r.queue_name());
        if name.starts_with("task/") {
            self.queues.ensure(&env, &name, None);
        }
    }

    /// `(queued, running)` runs of a queue.
    pub fn queue_counts(&self, q: &Queue) -> (u64, u64) {
        let (mut queued, mut running) = (0, 0);
        for r in self
            .runs
            .iter()
            .filter(|r| r.env_id == q.env_id && r.queue_name() == q.name)
        {
            match r.status.as_str() {
                "QUEUED" => queued += 1,
                "EXECUTING" | "DEQUEUED" => running += 1,
                _ => {}
            }
        }
        (queued, running)
    }

    /// Refuses to start a run whose queue is paused or at its concurrency limit.
    pub fn check_can_start(&self, run_id: &str) -> Result<(), ControlError> {
        let Some(r) = self.run(run_id) else {
            return Ok(());
        };
        if r.status == "EXECUTING" {
            return Ok(());
        }
        let Some(q) = self.queues.by_name(&r.env_id, &r.queue_name()) else {
            return Ok(());
        };
        if q.paused {
            return Err(ControlError::QueuePaused(q.name.clone()));
        }
        if let Some(limit) = q.concurrency_limit {
            let (_, running) = self.queue_counts(q);
            if running >= limit {
                return Err(ControlError::QueueFull(q.name.clone(), limit));
            }
        }
        Ok(())
    }

    /// Adds a queue (admin); `name` `task/<id>` makes a task queue, anything else a custom one.
    pub fn add_queue(
        &mut self,
        env_id: &str,
        name: &str,
        limit: Option<u64>,
    ) -> Result<String, ControlError> {
        if self.env(env_id).is_none() {
            return Err(ControlError::Invalid(format!("No env {env_id}")));
        }
        if name.is_empty() || name == "task/" {
            return Err(ControlError::Invalid("name is required".into()));
        }
        Ok(self.queues.ensure(env_id, name, limit))
    }
}
