//! One module per API area: request options, models and calls.

pub(crate) mod batches;
pub(crate) mod envvars;
pub(crate) mod payload;
pub(crate) mod runs;
pub(crate) mod schedules;
pub(crate) mod tasks;

pub use batches::{Batch, BatchError, BatchProcessing, BatchStatus, Batches};
pub use envvars::{parse_dotenv, CreateEnvVar, EnvSlug, EnvVar, EnvVars, ImportEnvVars};
pub use runs::{
    ListRunsParams, Run, RunError, RunItem, RunResult, RunStatus, Runs, RunsIter, UpdateMetadata,
};
pub use schedules::{
    CreateSchedule, ListSchedulesParams, Schedule, ScheduleGenerator, Schedules, SchedulesIter,
    UpdateSchedule,
};
pub use tasks::{
    BatchHandle, BatchItem, BatchTriggerOptions, Debounce, RunHandle, Tasks, TriggerOptions, Ttl,
};

use crate::error::{Error, Result};

/// Rejects an empty (or blank) identifier before it reaches a URL.
pub(crate) fn require(argument: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(argument, "must not be empty"));
    }
    Ok(())
}

/// Accepts one string or a list of strings (the official SDK's `string | string[]`).
pub(crate) mod one_or_many {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        })
    }
}
