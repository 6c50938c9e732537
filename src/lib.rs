//! A blocking Rust SDK for the [Trigger.dev](https://trigger.dev) management API: trigger tasks,
//! manage runs, environment variables and schedules, from synchronous programs. It behaves on
//! the wire like the official `@trigger.dev/sdk` (paths, bodies, headers, retries), and adds
//! a few safety nets (credentials are checked before a request is sent).
//!
//! # Two ways to call
//!
//! **A [`Client`]** owns its credentials, base URL, preview branch and connection pool, and is
//! isolated from everything ambient. Use one per project, environment or branch. This example
//! runs against the bundled local emulator (`triggerdev-emulator`):
//!
//! ```
//! use triggerdev::{Client, Config, ListRunsParams, RunStatus, TriggerOptions};
//! # let emulator = triggerdev_emulator::Emulator::start().unwrap();
//! # let (key, url) = (emulator.seed().dev_key(), emulator.base_url());
//!
//! let client = Client::new(Config::new().access_token(key).base_url(url));
//! let handle = client.tasks().trigger(
//!     "send-email",
//!     &serde_json::json!({ "to": "ada@example.com" }),
//!     &TriggerOptions::new().idempotency_key("welcome-ada").tag("welcome"),
//! )?;
//! let run = client.runs().retrieve(&handle.id)?;
//! assert_eq!(run.status, RunStatus::Queued);
//! assert_eq!(run.tags, ["welcome"]);
//!
//! // Every queued run, fetched one page at a time as the iterator advances.
//! let queued = ListRunsParams::new().status(RunStatus::Queued);
//! for run in client.runs().iter(&queued)? {
//!     let run = run?;
//!     println!("{} ({})", run.id, run.task_identifier);
//! }
//! # Ok::<(), triggerdev::Error>(())
//! ```
//!
//! **The ambient API** ([`tasks`], [`runs`], [`envvars`], [`schedules`], [`batches`]) uses the
//! configuration set by [`configure`], or the environment (`TRIGGER_SECRET_KEY`,
//! `TRIGGER_API_URL`, `TRIGGER_PREVIEW_BRANCH`), with [`auth::with_auth`] for a temporary,
//! thread-local override:
//!
//! ```no_run
//! use triggerdev::{auth, Config, ListRunsParams, RunStatus};
//!
//! triggerdev::configure(Config::new().access_token("tr_prod_..."));
//! let page = triggerdev::runs().list(&ListRunsParams::new().status(RunStatus::Completed).limit(10))?;
//! let other = auth::with_auth(Config::new().access_token("tr_prod_project_b"), || {
//!     triggerdev::runs().list(&ListRunsParams::new().limit(10))
//! })?;
//! # Ok::<(), triggerdev::Error>(())
//! ```
//!
//! # Credentials
//!
//! A secret key (`tr_dev_`, `tr_stg_`, `tr_prod_`, `tr_preview_`) reaches one environment of a
//! project and works everywhere. A personal access token (`tr_pat_`) reaches every project of
//! its user, and works for `runs.list` (with a project ref and an environment) and the envvars
//! calls; anything else fails with [`Error::UnsupportedCredential`] before a request is made.
//!
//! # Errors
//!
//! Every call returns [`Result`]; [`Error`] has one variant per thing a caller handles
//! (authentication, not found, rate limited, ...). Failed requests are retried first, as the
//! official SDK does (5 attempts, 1 s..30 s backoff); see [`RetryPolicy`].

#![warn(missing_docs)]
// `unsafe` lives in the C ABI only (`src/ffi`, compiled with the `capi` feature, which allows it
// for itself). Without that feature the SDK is compiled under `forbid`, which no module can
// relax; with it, `deny` keeps every other module free of `unsafe`.
#![cfg_attr(not(feature = "capi"), forbid(unsafe_code))]
#![cfg_attr(feature = "capi", deny(unsafe_code))]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Items of `auth` and `json` serve the C ABI alone; the `capi` build (tests, clippy
// --all-features) still reports their dead code.
#[cfg_attr(not(feature = "capi"), allow(dead_code))]
pub mod auth;
pub mod cancel;
mod client;
mod clock;
mod config;
#[cfg(feature = "capi")]
mod config_json;
mod credentials;
mod encode;
mod error;
#[cfg(feature = "capi")]
#[cfg_attr(docsrs, doc(cfg(feature = "capi")))]
pub mod ffi;
pub mod idempotency_keys;
#[cfg_attr(not(feature = "capi"), allow(dead_code))]
mod json;
mod jwt;
mod pagination;
mod process;
mod raw_json;
pub(crate) mod resources;
mod shown;
mod streaming;
mod tls;
mod token_kind;
mod transport;
pub mod webhooks;

pub use auth::{ambient, configure};
pub use cancel::CancelToken;
pub use client::Client;
pub use clock::{Clock, SystemClock};
pub use config::{
    Config, Env, RequestOptions, RetryPolicy, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
};
pub use error::{ApiError, Error, Result, WebhookError};
pub use idempotency_keys::{IdempotencyKey, IdempotencyKeyScope};
pub use pagination::{CursorPage, CursorPagination, OffsetPage, OffsetPagination, PageIter};
pub use raw_json::RawJson;
pub use resources::*;
pub use token_kind::{EnvKind, TokenKind};

/// README.md's Rust examples, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The API version whose run-status vocabulary this SDK decodes (`x-trigger-api-version`).
pub const API_VERSION: &str = "2025-07-16";
/// The crate version, sent as `trigger-version` and in the `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Triggering tasks with the ambient configuration.
pub fn tasks() -> Tasks {
    ambient().tasks()
}

/// Batches with the ambient configuration.
pub fn batches() -> Batches {
    ambient().batches()
}

/// Runs with the ambient configuration.
pub fn runs() -> Runs {
    ambient().runs()
}

/// Environment variables with the ambient configuration.
pub fn envvars() -> EnvVars {
    ambient().envvars()
}

/// Schedules with the ambient configuration.
pub fn schedules() -> Schedules {
    ambient().schedules()
}

/// Queues with the ambient configuration.
pub fn queues() -> Queues {
    ambient().queues()
}

/// Deployments with the ambient configuration.
pub fn deployments() -> Deployments {
    ambient().deployments()
}

/// Waitpoint tokens with the ambient configuration.
pub fn waitpoints() -> Waitpoints {
    ambient().waitpoints()
}

/// Sessions with the ambient configuration.
pub fn sessions() -> Sessions {
    ambient().sessions()
}

/// Input streams with the ambient configuration.
pub fn streams() -> Streams {
    ambient().streams()
}

/// Preview and dev branches with the ambient configuration.
pub fn branches() -> Branches {
    ambient().branches()
}

/// Project calls for CI (environment keys, `whoami`) with the ambient configuration.
pub fn projects() -> Projects {
    ambient().projects()
}

/// Named concurrency limits with the ambient configuration.
pub fn concurrency_limits() -> ConcurrencyLimits {
    ambient().concurrency_limits()
}

/// Query and query dashboards with the ambient configuration.
pub fn query() -> Queries {
    ambient().query()
}

/// Bulk actions with the ambient configuration.
pub fn bulk_actions() -> BulkActions {
    ambient().bulk_actions()
}
