//! One span of a run's trace (`GET /api/v1/runs/{id}/spans/{spanId}`, the official lower-level
//! `retrieveSpan`).

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::Runs;
use crate::credentials::Access;
use crate::encode;
use crate::error::Result;
use crate::json::Decoded;
use crate::resources::require;
use crate::transport::Call;

/// A span of a run's trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunSpan {
    /// The span id.
    pub span_id: String,
    /// The parent span id (`None` for the run's own span).
    pub parent_id: Option<String>,
    /// The run the span belongs to.
    pub run_id: String,
    /// The span's message (the task id for the run's span).
    pub message: String,
    /// Whether the span ended in an error.
    pub is_error: bool,
    /// Whether the span is still in progress.
    pub is_partial: bool,
    /// Whether the span was cancelled.
    pub is_cancelled: bool,
    /// `TRACE`, `DEBUG`, `LOG`, `INFO`, `WARN` or `ERROR`.
    pub level: String,
    /// When the span started, ISO-8601.
    pub start_time: String,
    /// How long it took (so far), in milliseconds.
    pub duration_ms: f64,
    /// The span's attributes.
    #[serde(default)]
    pub properties: Option<serde_json::Value>,
    /// Span events (exceptions, cancellations, ...).
    #[serde(default)]
    pub events: Option<serde_json::Value>,
    /// What the span is about (`span`, `attempt`, ...).
    #[serde(default)]
    pub entity_type: Option<String>,
    /// AI details of an AI span.
    #[serde(default)]
    pub ai: Option<serde_json::Value>,
    /// Runs the span triggered.
    #[serde(default)]
    pub triggered_runs: Option<serde_json::Value>,
}

impl Runs {
    /// One span of a run's trace (`GET /api/v1/runs/{id}/spans/{spanId}`); span ids are those of
    /// [`Runs::events`] and [`Runs::trace`].
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let id = client.tasks().trigger("send-email", &(), &Default::default())?.id;
    /// let events = client.runs().events(&id)?;
    /// let span = client.runs().retrieve_span(&id, &events.events[0].span_id)?;
    /// assert_eq!((span.message.as_str(), span.parent_id), ("send-email", None));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] for an empty id; [`crate::Error::NotFound`] for a
    /// missing run or span; the API errors of [`crate::Error`] otherwise.
    pub fn retrieve_span(&self, run_id: &str, span_id: &str) -> Result<RunSpan> {
        self.retrieve_span_as(run_id, span_id)
    }

    pub(crate) fn retrieve_span_as<T: Decoded<RunSpan>>(
        &self,
        run_id: &str,
        span_id: &str,
    ) -> Result<T> {
        require("run_id", run_id)?;
        require("span_id", span_id)?;
        let path = format!(
            "/api/v1/runs/{}/spans/{}",
            encode::path_segment(run_id),
            encode::path_segment(span_id)
        );
        let call = Call::new(
            "runs.retrieveSpan",
            Method::GET,
            path,
            Access::SecretKey { jwt: true },
        );
        self.client.execute(&call)?.decoded()
    }
}
