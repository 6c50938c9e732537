//! Batches: retrieve a batch made by [`super::Tasks::batch_trigger`]. Subscribing to its runs
//! is in `realtime.rs`.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::Result;
use crate::json::Decoded;
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
}
