//! Why a domain operation did nothing (the admin API answers it as a 4xx, `Emulator`
//! methods return it).

use std::fmt;

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
