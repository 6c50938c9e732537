//! Resetting idempotency keys (`POST /api/v1/idempotencyKeys/{key}/reset`).

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::Result;
use crate::idempotency_keys::{self, IdempotencyKey};
use crate::json::Decoded;
use crate::transport::Call;

/// Idempotency key calls. Get one with [`Client::idempotency_keys`]; keys themselves are made
/// with [`crate::idempotency_keys::create`].
#[derive(Clone, Debug)]
pub struct IdempotencyKeys {
    client: Client,
}

/// `{"id": …}` of a reset key.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct ResetResponse {
    pub(crate) id: String,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Idempotency keys (reset).
    pub fn idempotency_keys(&self) -> IdempotencyKeys {
        IdempotencyKeys {
            client: self.clone(),
        }
    }
}

impl IdempotencyKeys {
    /// Forgets `key` for `task_id`, so the next trigger with it makes a new run. The key is
    /// hashed as a trigger hashes it (a 64-character key is taken as already hashed); returns
    /// the id the server reports.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::TriggerOptions;
    ///
    /// let options = TriggerOptions::new().idempotency_key("welcome-ada");
    /// let first = client.tasks().trigger("send-email", &(), &options)?;
    /// client.idempotency_keys().reset("send-email", "welcome-ada")?;
    /// let second = client.tasks().trigger("send-email", &(), &options)?;
    /// assert_ne!(first.id, second.id);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] for an empty task id or key; [`crate::Error::NotFound`]
    /// when no run holds the key; the API errors of [`crate::Error`] otherwise.
    pub fn reset(&self, task_id: &str, key: impl Into<IdempotencyKey>) -> Result<String> {
        Ok(self.reset_as::<ResetResponse>(task_id, &key.into())?.id)
    }

    pub(crate) fn reset_as<T: Decoded<ResetResponse>>(
        &self,
        task_id: &str,
        key: &IdempotencyKey,
    ) -> Result<T> {
        require("task_id", task_id)?;
        let hash = idempotency_keys::hash_of(key);
        require("key", if hash.is_empty() { "" } else { &hash })?;
        let path = format!(
            "/api/v1/idempotencyKeys/{}/reset",
            encode::path_segment(&hash)
        );
        let call = Call::new(
            "idempotencyKeys.reset",
            Method::POST,
            path,
            Access::SecretKey { jwt: true },
        )
        .json(&serde_json::json!({ "taskIdentifier": task_id }))?;
        self.client.execute(&call)?.decoded()
    }
}
