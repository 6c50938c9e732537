//! Batches: retrieve a batch made by [`super::Tasks::batch_trigger`] and the results of its
//! finished runs. Subscribing to its runs is in `realtime.rs`.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::Result;
use crate::json::Decoded;
use crate::resources::payload;
use crate::transport::Call;

/// Batch calls. Get one with [`Client::batches`] or [`crate::batches`].
#[derive(Clone, Debug)]
pub struct Batches {
    pub(super) client: Client,
}

/// The status of a batch; unknown values are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BatchStatus {
    /// Created, items not all processed.
    Pending,
    /// Items are being processed.
    Processing,
    /// Every run was created.
    Completed,
    /// Some items failed.
    PartialFailed,
    /// Aborted.
    Aborted,
    /// A status this SDK does not know yet.
    #[serde(untagged)]
    Unknown(String),
}

/// An item that failed to become a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchError {
    /// The item's index.
    pub index: u64,
    /// The item's task.
    pub task_identifier: String,
    /// What went wrong.
    pub error: String,
    /// An error code.
    #[serde(default)]
    pub error_code: Option<String>,
}

/// Processing progress of a batch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchProcessing {
    /// When processing completed.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// Items that failed.
    #[serde(default)]
    pub errors: Vec<BatchError>,
}

/// A batch (`GET /api/v2/batches/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Batch {
    /// The batch id.
    pub id: String,
    /// The status.
    pub status: BatchStatus,
    /// The (hashed) idempotency key.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// ISO-8601 creation time.
    pub created_at: String,
    /// ISO-8601 update time.
    pub updated_at: String,
    /// Number of runs.
    pub run_count: u64,
    /// Run ids.
    #[serde(default)]
    pub runs: Vec<String>,
    /// Processing progress.
    #[serde(default)]
    pub processing: BatchProcessing,
    /// When the items were all processed, ISO-8601 (as `processing.completed_at`).
    #[serde(default)]
    pub processing_completed_at: Option<String>,
}

/// How a run failed (`TaskRunError`), by its `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum TaskRunError {
    /// A JavaScript error (`Error`, `TypeError`, ...).
    #[serde(rename_all = "camelCase")]
    BuiltInError {
        /// The error's name.
        name: String,
        /// Its message.
        message: String,
        /// Its stack trace.
        stack_trace: String,
        /// The errors that caused it, as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        causes: Option<serde_json::Value>,
    },
    /// A thrown object, serialized.
    CustomError {
        /// The object as JSON text.
        raw: String,
    },
    /// A thrown string.
    StringError {
        /// The string.
        raw: String,
    },
    /// A failure of the platform (`TASK_RUN_CANCELLED`, `MAX_DURATION_EXCEEDED`, ...).
    #[serde(rename_all = "camelCase")]
    InternalError {
        /// The error code.
        code: String,
        /// A message, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// A stack trace, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stack_trace: Option<String>,
    },
    /// A type this SDK does not know yet.
    #[serde(other)]
    Unknown,
}

/// What a run used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchUsage {
    /// Compute time, in milliseconds.
    pub duration_ms: f64,
}

/// The result of one finished run of a batch: its output (`ok`) or its error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchItemResult {
    /// Whether the run succeeded.
    pub ok: bool,
    /// The run id.
    pub id: String,
    /// The output as a serialized packet (see [`BatchItemResult::output_value`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The output's content type (`application/json`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_type: Option<String>,
    /// The error of a failed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TaskRunError>,
    /// The retry the run was given (`{timestamp, delay, error?}`), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<serde_json::Value>,
    /// Whether retrying was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_retrying: Option<bool>,
    /// What the run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<BatchUsage>,
    /// The run's task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_identifier: Option<String>,
}

impl BatchItemResult {
    /// The output, decoded from its packet by `output_type` (`None` when there is none or it
    /// cannot be decoded).
    pub fn output_value(&self) -> Option<serde_json::Value> {
        payload::decode_packet(
            self.output.as_ref()?.as_bytes(),
            self.output_type.as_deref().unwrap_or("application/json"),
        )
    }
}

/// The results of a batch's finished runs (`GET /api/v1/batches/{id}/results`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchResults {
    /// The batch id.
    pub id: String,
    /// One result per finished run.
    pub items: Vec<BatchItemResult>,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Batches.
    pub fn batches(&self) -> Batches {
        Batches {
            client: self.clone(),
        }
    }
}

impl Batches {
    /// Retrieves a batch (`GET /api/v2/batches/{id}`). A missing batch is retried (the server
    /// marks its 404 retryable) and then fails with [`crate::Error::NotFound`].
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::{BatchItem, BatchTriggerOptions};
    ///
    /// let items = [BatchItem::new("send-email", &serde_json::json!({"to": "ada"}))?];
    /// let handle = client.tasks().batch_trigger(&items, &BatchTriggerOptions::new())?;
    /// let batch = client.batches().retrieve(&handle.batch_id)?;
    /// assert_eq!(batch.runs.len(), 1);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] for an empty id; [`crate::Error::NotFound`]; the API
    /// errors of [`crate::Error`] otherwise.
    pub fn retrieve(&self, batch_id: &str) -> Result<Batch> {
        self.retrieve_as(batch_id)
    }

    pub(crate) fn retrieve_as<T: Decoded<Batch>>(&self, batch_id: &str) -> Result<T> {
        require("batch_id", batch_id)?;
        let call = Call::new(
            "batch.retrieve",
            Method::GET,
            format!("/api/v2/batches/{}", encode::path_segment(batch_id)),
            Access::SecretKey { jwt: true },
        );
        self.client.execute(&call)?.decoded()
    }

    /// The results of a batch's finished runs (`GET /api/v1/batches/{id}/results`, the
    /// official lower-level `getBatchResults`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::{BatchItem, BatchTriggerOptions};
    ///
    /// let items = [BatchItem::new("send-email", &serde_json::json!({"to": "ada"}))?];
    /// let handle = client.tasks().batch_trigger(&items, &BatchTriggerOptions::new())?;
    /// # let run_id = client.batches().retrieve(&handle.batch_id)?.runs[0].clone();
    /// # emulator.complete_run(&run_id, serde_json::json!({"sent": true})).unwrap();
    /// let results = client.batches().results(&handle.batch_id)?;
    /// assert_eq!(results.items[0].output_value(), Some(serde_json::json!({"sent": true})));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] for an empty id; [`crate::Error::NotFound`]; the API
    /// errors of [`crate::Error`] otherwise.
    pub fn results(&self, batch_id: &str) -> Result<BatchResults> {
        self.results_as(batch_id)
    }

    pub(crate) fn results_as<T: Decoded<BatchResults>>(&self, batch_id: &str) -> Result<T> {
        require("batch_id", batch_id)?;
        let call = Call::new(
            "batch.results",
            Method::GET,
            format!("/api/v1/batches/{}/results", encode::path_segment(batch_id)),
            Access::SecretKey { jwt: false },
        );
        self.client.execute(&call)?.decoded()
    }
}
