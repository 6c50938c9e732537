//! Imperative schedules (the cron maths is in `cron.rs`).

#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: String,
    pub env_id: String,
    pub task: String,
    pub cron: String,
    pub deduplication_key: Option<String>,
    pub external_id: Option<String>,
    pub timezone: String,
    pub active: bool,
}
