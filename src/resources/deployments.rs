//! Deployments of the key's environment: list, retrieve, the current and latest ones, promote.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::pagination::{cursor_pages, CursorPage, PageIter};
use crate::transport::Call;

/// Deployment calls. Get one with [`Client::deployments`] or [`crate::deployments`].
#[derive(Clone, Debug)]
pub struct Deployments {
    client: Client,
}

/// A deployment as listed, retrieved or current. Fields a response leaves out are `None`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Deployment {
    /// The deployment id.
    pub id: String,
    /// `PENDING`, `INSTALLING`, `BUILDING`, `DEPLOYING`, `DEPLOYED`, `FAILED`, `CANCELED` or
    /// `TIMED_OUT`.
    pub status: String,
    /// The version (`20250101.1`).
    pub version: String,
    /// The short code.
    #[serde(default)]
    pub short_code: Option<String>,
    /// Creation time, ISO-8601.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was deployed, ISO-8601.
    #[serde(default)]
    pub deployed_at: Option<String>,
    /// The runtime (`node`, `bun`).
    #[serde(default)]
    pub runtime: Option<String>,
    /// The runtime's version.
    #[serde(default)]
    pub runtime_version: Option<String>,
    /// The content hash.
    #[serde(default)]
    pub content_hash: Option<String>,
    /// The image reference.
    #[serde(default)]
    pub image_reference: Option<String>,
    /// Git metadata.
    #[serde(default)]
    pub git: Option<serde_json::Value>,
    /// The error of a failed deployment (list and current responses).
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// The error of a failed deployment (retrieve responses).
    #[serde(default)]
    pub error_data: Option<serde_json::Value>,
    /// The worker and its tasks (retrieve responses).
    #[serde(default)]
    pub worker: Option<serde_json::Value>,
    /// The `--external-id` it was deployed under.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The git commit it was built from (retrieve only).
    #[serde(default, rename = "commitSHA")]
    pub commit_sha: Option<String>,
    /// The image's platform, e.g. `linux/amd64` (retrieve only).
    #[serde(default)]
    pub image_platform: Option<String>,
    /// The external build's ids (retrieve only).
    #[serde(default)]
    pub external_build_data: Option<serde_json::Value>,
    /// Why it was canceled (retrieve only).
    #[serde(default)]
    pub canceled_reason: Option<String>,
}

/// What [`Deployments::promote`] returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PromotedDeployment {
    /// The deployment id.
    pub id: String,
    /// The version now current.
    pub version: String,
    /// The short code.
    #[serde(default)]
    pub short_code: Option<String>,
}

/// Filters and paging of [`Deployments::list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ListDeploymentsParams {
    /// Only this status (`DEPLOYED`, `FAILED`, ...).
    pub status: Option<String>,
    /// Created within this period (`"7d"`).
    pub period: Option<String>,
    /// Created at or after this time, ISO-8601.
    pub from: Option<String>,
    /// Created at or before this time, ISO-8601.
    pub to: Option<String>,
    /// Page size, 1..=100.
    pub limit: Option<u32>,
    /// The cursor to list after (`cursor` in the official SDK).
    #[serde(alias = "after")]
    pub cursor: Option<String>,
}

impl ListDeploymentsParams {
    /// No filters.
    pub fn new() -> ListDeploymentsParams {
        ListDeploymentsParams::default()
    }
    /// Sets [`ListDeploymentsParams::status`].
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
    /// Sets [`ListDeploymentsParams::period`].
    pub fn period(mut self, period: impl Into<String>) -> Self {
        self.period = Some(period.into());
        self
    }
    /// Sets [`ListDeploymentsParams::limit`].
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Sets [`ListDeploymentsParams::cursor`].
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

/// A lazy iterator over every deployment a list matches; see [`Deployments::iter`].
pub type DeploymentsIter = PageIter<Deployment, String>;

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Deployments.
    pub fn deployments(&self) -> Deployments {
        Deployments {
            client: self.clone(),
        }
    }
}

impl Deployments {
    /// One page of deployments (`GET /api/v1/deployments`), newest first.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().prod_key()).base_url(emulator.base_url()));
    /// use triggerdev::ListDeploymentsParams;
    ///
    /// let page = client.deployments().list(&ListDeploymentsParams::new().status("DEPLOYED"))?;
    /// assert_eq!(page.data[0].status, "DEPLOYED");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a limit over 100; the API errors of [`Error`] otherwise.
    pub fn list(&self, params: &ListDeploymentsParams) -> Result<CursorPage<Deployment>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<Deployment>>(
        &self,
        params: &ListDeploymentsParams,
    ) -> Result<CursorPage<T>> {
        self.client.execute(&list_call(params)?)?.decoded()
    }

    /// Every deployment the list matches, one page at a time.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().prod_key()).base_url(emulator.base_url()));
    /// let count = client.deployments().iter(&Default::default())?.count();
    /// assert_eq!(count, 1);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The argument errors of [`Deployments::list`] at once; a page that fails to load is the
    /// iterator's last item.
    pub fn iter(&self, params: &ListDeploymentsParams) -> Result<DeploymentsIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<Deployment> + Send + 'static>(
        &self,
        params: &ListDeploymentsParams,
    ) -> Result<PageIter<T, String>> {
        list_call(params)?;
        let client = self.client.clone();
        let params = params.clone();
        Ok(cursor_pages(move |cursor| {
            let mut p = params.clone();
            if let Some(c) = cursor {
                p.cursor = Some(c.clone());
            }
            client.execute(&list_call(&p)?)?.decoded()
        }))
    }

    /// One deployment by id (`GET /api/v1/deployments/{id}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().prod_key()).base_url(emulator.base_url()));
    /// let current = client.deployments().retrieve_current()?;
    /// assert_eq!(client.deployments().retrieve(&current.id)?.version, current.version);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn retrieve(&self, deployment_id: &str) -> Result<Deployment> {
        self.retrieve_as(deployment_id)
    }

    pub(crate) fn retrieve_as<T: Decoded<Deployment>>(&self, deployment_id: &str) -> Result<T> {
        require("deployment_id", deployment_id)?;
        let path = format!(
            "/api/v1/deployments/{}",
            encode::path_segment(deployment_id)
        );
        self.get("deployments.retrieve", path, false)
    }

    /// The deployment new runs go to (`GET /api/v1/deployments/current`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().prod_key()).base_url(emulator.base_url()));
    /// let current = client.deployments().retrieve_current()?;
    /// assert_eq!(current.status, "DEPLOYED");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] before the first deployment; the API errors of [`Error`] otherwise.
    pub fn retrieve_current(&self) -> Result<Deployment> {
        self.retrieve_current_as()
    }

    pub(crate) fn retrieve_current_as<T: Decoded<Deployment>>(&self) -> Result<T> {
        let path = "/api/v1/deployments/current".to_owned();
        self.get("deployments.retrieveCurrent", path, true)
    }

    /// The newest deployment, current or not (`GET /api/v1/deployments/latest`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().prod_key()).base_url(emulator.base_url()));
    /// let latest = client.deployments().retrieve_latest()?;
    /// assert!(!latest.version.is_empty());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] before the first deployment; the API errors of [`Error`] otherwise.
    pub fn retrieve_latest(&self) -> Result<Deployment> {
        self.retrieve_latest_as()
    }

    pub(crate) fn retrieve_latest_as<T: Decoded<Deployment>>(&self) -> Result<T> {
        let path = "/api/v1/deployments/latest".to_owned();
        self.get("deployments.retrieveLatest", path, false)
    }

    /// Makes the deployment of `version` the current one
    /// (`POST /api/v1/deployments/{version}/promote`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().prod_key()).base_url(emulator.base_url()));
    /// # emulator.add_deployment(triggerdev_emulator::NewDeployment {
    /// #     env_id: "prod".into(), version: Some("20250102.1".into()), ..Default::default()
    /// # }).unwrap();
    /// let promoted = client.deployments().promote("20250102.1")?;
    /// assert_eq!(client.deployments().retrieve_current()?.version, promoted.version);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown version; [`Error::BadRequest`] for a deployment that
    /// cannot be promoted; the API errors of [`Error`] otherwise.
    pub fn promote(&self, version: &str) -> Result<PromotedDeployment> {
        self.promote_as(version)
    }

    pub(crate) fn promote_as<T: Decoded<PromotedDeployment>>(&self, version: &str) -> Result<T> {
        require("version", version)?;
        let call = Call::new(
            "deployments.promote",
            Method::POST,
            format!(
                "/api/v1/deployments/{}/promote",
                encode::path_segment(version)
            ),
            Access::SecretKey { jwt: false },
        );
        self.client.execute(&call)?.decoded()
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        path: String,
        jwt: bool,
    ) -> Result<T> {
        let call = Call::new(operation, Method::GET, path, Access::SecretKey { jwt });
        self.client.execute(&call)?.decoded()
    }
}

fn list_call(params: &ListDeploymentsParams) -> Result<Call> {
    if params.limit.is_some_and(|l| l > 100) {
        return Err(Error::invalid("params.limit", "must be at most 100"));
    }
    let mut q = Query::default();
    q.push_opt("status", params.status.as_deref());
    q.push_opt("period", params.period.as_deref());
    q.push_opt("from", params.from.as_deref());
    q.push_opt("to", params.to.as_deref());
    if let Some(l) = params.limit.filter(|l| *l != 0) {
        q.push("page[size]", &l.to_string());
    }
    q.push_opt("page[after]", params.cursor.as_deref());
    Ok(Call::new(
        "deployments.list",
        Method::GET,
        "/api/v1/deployments".to_owned(),
        Access::SecretKey { jwt: true },
    )
    .query(q.into_string(), "params"))
}
