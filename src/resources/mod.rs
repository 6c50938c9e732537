//! One module per API area: request options, models and calls.
//!
//! Every operation is written once. Its public method returns the model; its `_as` twin
//! (crate-private) returns any [`crate::json::Decoded`] form of it, which the C ABI uses to
//! hand out the server's JSON after the same decode has validated it.

pub(crate) mod batches;
pub(crate) mod branches;
pub(crate) mod bulk;
pub(crate) mod concurrency_limits;
pub(crate) mod deployments;
pub(crate) mod envvars;
pub(crate) mod idempotency;
pub(crate) mod payload;
pub(crate) mod projects;
pub(crate) mod query;
pub(crate) mod queues;
pub(crate) mod realtime;
pub(crate) mod runs;
pub(crate) mod schedules;
pub(crate) mod sessions;
pub(crate) mod streams;
pub(crate) mod tasks;
pub(crate) mod tokens;
pub(crate) mod waitpoints;

pub use batches::{
    Batch, BatchError, BatchItemResult, BatchProcessing, BatchResults, BatchStatus, BatchUsage,
    Batches, TaskRunError,
};
pub use branches::{
    ArchivedBranch, Branch, BranchEnv, BranchId, BranchList, Branches, CreateBranch,
};
pub use bulk::{
    BulkAction, BulkActionCounts, BulkActionFilter, BulkActionKind, BulkActions, BulkActionsIter,
    CreateBulkAction, ListBulkActionsParams,
};
pub use concurrency_limits::{
    ConcurrencyBound, ConcurrencyKey, ConcurrencyKeyBound, ConcurrencyKeyLimit, ConcurrencyLimit,
    ConcurrencyLimits, ConcurrencyLimitsIter, ListConcurrencyLimitsParams, OverrideConcurrencyKey,
    OverrideConcurrencyLimit, MAX_CONCURRENCY_BOUND,
};
pub use deployments::{
    Deployment, Deployments, DeploymentsIter, ListDeploymentsParams, PromotedDeployment,
};
pub use envvars::{parse_dotenv, CreateEnvVar, EnvSlug, EnvVar, EnvVars, ImportEnvVars};
pub use idempotency::IdempotencyKeys;
pub use projects::{ProjectEnvironment, Projects, WhoAmI, WhoAmIProject};
pub use query::{
    CreateDashboard, Dashboard, DashboardSummary, Dashboards, DeletedDashboard, Queries,
    QueryColumn, QueryFormat, QueryOptions, QueryResults, QuerySchema, QueryScope, QueryTable,
    UpdateDashboard,
};
pub use queues::{
    ListQueuesParams, Queue, QueueConcurrency, QueueKind, QueueRef, Queues, QueuesIter,
};
pub use realtime::{RunStopper, RunSubscription, SubscribeRunOptions, SubscribeRunsOptions};
pub use runs::{
    ListRunsParams, PollOptions, ReplayOptions, Run, RunEnvironment, RunError, RunEvent, RunEvents,
    RunItem, RunMetadata, RunOutcome, RunResult, RunSpan, RunStatus, RunTrace, Runs, RunsIter,
    UpdateMetadata,
};
pub use schedules::{
    CreateSchedule, ListSchedulesParams, Schedule, ScheduleGenerator, Schedules, SchedulesIter,
    UpdateSchedule,
};
pub use sessions::{
    Appended, ChannelIo, ChannelRecord, ListSessionsParams, Session, SessionChannel, SessionHandle,
    SessionRecord, SessionTriggerConfig, Sessions, SessionsIter, StartSession, StartedSession,
    Stopper, SubscribeOptions, Subscription, UpdateSession,
};
pub use streams::{InputSent, RunStream, StreamOptions, Streams};
pub use tasks::{
    BatchHandle, BatchItem, BatchTriggerOptions, Debounce, RunHandle, Tasks, TriggerOptions, Ttl,
};
pub use tokens::{
    Expiration, PublicTokenOptions, PublicTokens, ScopeResource, TokenScopes, TriggerTokenOptions,
    DEFAULT_PUBLIC_TOKEN_TTL, MAX_PUBLIC_TOKEN_TTL,
};
pub use waitpoints::{
    CreateWaitpointToken, CreatedWaitpointToken, ListWaitpointTokensParams, WaitpointToken,
    WaitpointTokensIter, Waitpoints,
};

use crate::error::{Error, Result};
use crate::shown::Shown;

/// The longest id or name that may go in a URL path segment.
const MAX_ID_LEN: usize = 8192;

/// Rejects an empty (or blank) identifier, or one too long for a URL, before it reaches one.
pub(crate) fn require(argument: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(argument, "must not be empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(Error::invalid(
            argument,
            format!(
                "{} is longer than the {MAX_ID_LEN} bytes an id may have",
                Shown(value)
            ),
        ));
    }
    Ok(())
}

/// One value or a list of them, kept as given: the official SDK's `T | T[]` sends a scalar as a
/// scalar (`"tag":"old"`) and a list as a list.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// One value, sent as itself.
    One(T),
    /// A list, sent as an array (empty: nothing is sent where the field is optional).
    Many(Vec<T>),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    /// Whether there is no value (an empty list).
    pub fn is_empty(&self) -> bool {
        matches!(self, OneOrMany::Many(v) if v.is_empty())
    }

    /// The values as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }

    /// The values as a list.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }

    /// Adds a value: the first stays one value, a second makes a list.
    pub fn push(&mut self, value: T) {
        *self = match std::mem::take(self) {
            OneOrMany::Many(many) if many.is_empty() => OneOrMany::One(value),
            other => {
                let mut many = other.into_vec();
                many.push(value);
                OneOrMany::Many(many)
            }
        };
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(many: Vec<T>) -> Self {
        OneOrMany::Many(many)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        one_or_many::deserialize_kept(d)
    }
}

/// Accepts one value or a list of them (the official SDK's `T | T[]`). Written out rather than
/// as an untagged enum so that an error is the value's own, at its place (`status[1]`).
pub(crate) mod one_or_many {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
    use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    use super::OneOrMany as Kept;

    /// One value or a list, as a list.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        deserialize_kept(d).map(Kept::into_vec)
    }

    /// One value or a list, kept as given.
    pub fn deserialize_kept<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Kept<T>, D::Error> {
        d.deserialize_any(OneOrMany(PhantomData))
    }

    struct OneOrMany<T>(PhantomData<T>);

    impl<T> OneOrMany<T> {
        fn one<'de, E: de::Error>(d: impl Deserializer<'de, Error = E>) -> Result<Kept<T>, E>
        where
            T: Deserialize<'de>,
        {
            T::deserialize(d).map(Kept::One)
        }
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
        type Value = Kept<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("one value or an array of values")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Kept<T>, A::Error> {
            Vec::deserialize(SeqAccessDeserializer::new(seq)).map(Kept::Many)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Kept<T>, A::Error> {
            Self::one(MapAccessDeserializer::new(map))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Kept<T>, E> {
            Self::one(v.into_deserializer())
        }

        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Kept<T>, E> {
            Self::one(de::value::BorrowedStrDeserializer::new(v))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Kept<T>, E> {
            Self::one(v.into_deserializer())
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kept<T>, E> {
            Self::one(v.into_deserializer())
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kept<T>, E> {
            Self::one(v.into_deserializer())
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kept<T>, E> {
            Self::one(v.into_deserializer())
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kept<T>, E> {
            Self::one(v.into_deserializer())
        }
    }
}
