//! What the world is made of: one module per area, each with its records and the rules that
//! need only those records (a queue's display name, a batch's status, a channel's records).
//!
//! Model modules use only each other and the foundation (`util`, `cron`, `jwt`, `seed`): no
//! `State`, no HTTP, no views.

pub mod batches;
pub mod bulk;
pub mod concurrency_limits;
pub mod dashboards;
pub mod deployments;
pub mod envs;
pub mod queues;
pub mod realtime;
pub mod run_options;
pub mod runs;
pub mod schedules;
pub mod sessions;
pub mod waitpoints;
