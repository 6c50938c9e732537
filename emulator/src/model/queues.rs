//! Queues: one per task with runs (`task/<id>`), the custom ones the test declares.

use crate::util::hashed;

/// The environment's maximum concurrency; queue overrides above it are refused (400).
pub const ENV_CONCURRENCY_LIMIT: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// `task/<taskId>`, created for every task that has runs.
    Task,
    /// A shared queue named by a trigger (`options.queue.name`) or added by the test.
    Custom,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub id: String,
    pub env_id: String,
    /// Internal name: `task/<taskId>` for task queues, the given name for custom ones.
    pub name: String,
    pub kind: QueueKind,
    pub paused: bool,
    pub concurrency_limit: Option<u64>,
    pub concurrency_base: Option<u64>,
    pub override_percent: Option<f64>,
    pub overridden_ms: Option<i64>,
}

impl Queue {
    /// The name the API shows (task queues without their `task/` prefix).
    pub fn display_name(&self) -> &str {
        self.name.strip_prefix("task/").unwrap_or(&self.name)
    }
}

/// The deterministic id of a queue.
pub fn queue_id(env_id: &str, name: &str) -> String {
    format!("queue_{}", hashed(&["queue", env_id, name], 25))
}

/// Every queue of every env.
#[derive(Debug, Clone, Default)]
pub struct Queues {
    pub list: Vec<Queue>,
}

impl Queues {
    /// Creates the queue if it does not exist yet; returns its id.
    pub fn ensure(&mut self, env_id: &str, name: &str, limit: Option<u64>) -> String {
        if let Some(q) = self
            .list
            .iter()
            .find(|q| q.env_id == env_id && q.name == name)
        {
            return q.id.clone();
        }
        let id = queue_id(env_id, name);
        self.list.push(Queue {
            id: id.clone(),
            env_id: env_id.to_string(),
            name: name.to_string(),
            kind: if name.starts_with("task/") {
                QueueKind::Task
            } else {
                QueueKind::Custom
            },
            paused: false,
            concurrency_limit: limit,
            concurrency_base: None,
            override_percent: None,
            overridden_ms: None,
        });
        id
    }

    pub fn by_name(&self, env_id: &str, name: &str) -> Option<&Queue> {
        self.list
            .iter()
            .find(|q| q.env_id == env_id && q.name == name)
    }
}
