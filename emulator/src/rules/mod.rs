//! The rules that change the world across its records, as `impl State` blocks by area: how
//! runs are created, replayed, started and finished, what holds a run in its queue, firing
//! schedules, applying bulk actions, a session's live run, declared tasks and deployments.
//!
//! They use `state` and `model` (and the foundation: `util`, `cron`, `jwt`), never HTTP, views,
//! routes or the admin API. A rule may call another area's rules (sessions, schedules and bulk
//! actions create runs; runs use queues), never in a circle.

pub mod bulk;
pub mod concurrency_limits;
pub mod deployments;
pub mod envs;
pub mod error;
pub mod queues;
pub mod runs;
pub mod schedules;
pub mod sessions;
pub mod tasks;
