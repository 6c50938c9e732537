//! What a pipeline holding only a personal access token asks about a project: an
//! environment's secret key and API URL (`GET /api/v1/projects/{ref}/{env}`), and whose token
//! it is (`GET /api/v2/whoami`). `docs/wire.md#ci-routes`.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::envvars::EnvSlug;
use super::require;
use crate::client::Client;
use crate::config::Config;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::Result;
use crate::json::Decoded;
use crate::token_kind::EnvKind;
use crate::transport::Call;

/// Project calls. Get one with [`Client::projects`] or [`crate::projects`].
#[derive(Clone, Debug)]
pub struct Projects {
    client: Client,
}

/// An environment's secret key and where to send it. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectEnvironment {
    /// The environment's secret key (`tr_dev_…`, `tr_prod_…`, …).
    pub api_key: String,
    /// The project's name.
    pub name: String,
    /// The API origin to use the key with.
    pub api_url: String,
    /// The project's id.
    pub project_id: String,
    /// The project's default build runtime, if set.
    #[serde(default)]
    pub default_runtime: Option<String>,
}

impl std::fmt::Debug for ProjectEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectEnvironment")
            .field("api_key", &"<redacted>")
            .field("name", &self.name)
            .field("api_url", &self.api_url)
            .field("project_id", &self.project_id)
            .field("default_runtime", &self.default_runtime)
            .finish()
    }
}

impl ProjectEnvironment {
    /// A configuration with this key and API URL, for a client of the environment.
    pub fn config(&self) -> Config {
        Config::new()
            .access_token(self.api_key.clone())
            .base_url(self.api_url.clone())
    }
}

/// The user a personal access token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    /// The user's id (`org_…` for an organization access token).
    pub user_id: String,
    /// The user's email.
    pub email: String,
    /// The dashboard's origin.
    pub dashboard_url: String,
    /// The project asked about, when the user reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<WhoAmIProject>,
}

/// The project in [`WhoAmI`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmIProject {
    /// Its name.
    pub name: String,
    /// Its dashboard URL.
    pub url: String,
    /// Its organization's title.
    pub org_title: String,
}

impl Client {
    /// Project calls for CI: environment keys and `whoami`.
    pub fn projects(&self) -> Projects {
        Projects {
            client: self.clone(),
        }
    }
}

impl Projects {
    /// The secret key and API URL of environment `env` (`dev`, `staging`, `prod`, `preview`)
    /// of a project (`GET /api/v1/projects/{ref}/{env}`), so that a pipeline holding a
    /// personal access token can trigger. On `preview`/`dev`, the client's branch must exist.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let ci = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().pat()).base_url(emulator.base_url()));
    /// let prod = ci.projects().environment("proj_emulator", "prod")?;
    /// let client = triggerdev::Client::new(prod.config());
    /// assert_eq!(client.token_kind(), Some(triggerdev::TokenKind::SecretKey(triggerdev::EnvKind::Production)));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an empty project ref or an
    /// unknown `env`; [`Error::UnsupportedCredential`](crate::Error::UnsupportedCredential) for
    /// a public token or another environment's secret key; the API errors otherwise.
    pub fn environment(&self, project_ref: &str, env: &str) -> Result<ProjectEnvironment> {
        self.environment_as(project_ref, env)
    }

    pub(crate) fn environment_as<T: Decoded<ProjectEnvironment>>(
        &self,
        project_ref: &str,
        env: &str,
    ) -> Result<T> {
        self.client
            .execute(&calls::environment(project_ref, env)?)?
            .decoded()
    }

    /// The user the personal access token belongs to (`GET /api/v2/whoami`), with the project
    /// `project_ref` when given and reachable.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let ci = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().pat()).base_url(emulator.base_url()));
    /// let me = ci.projects().whoami(Some("proj_emulator"))?;
    /// assert_eq!(me.project.unwrap().name, "Emulator project");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedCredential`](crate::Error::UnsupportedCredential) for a secret key
    /// or a public token; the API errors otherwise.
    pub fn whoami(&self, project_ref: Option<&str>) -> Result<WhoAmI> {
        self.whoami_as(project_ref)
    }

    pub(crate) fn whoami_as<T: Decoded<WhoAmI>>(&self, project_ref: Option<&str>) -> Result<T> {
        self.client.execute(&calls::whoami(project_ref)?)?.decoded()
    }
}

pub(super) mod calls {
    use super::*;

    pub(crate) fn environment(project_ref: &str, env: &str) -> Result<Call> {
        require("project_ref", project_ref)?;
        let slug: EnvSlug = env.parse()?;
        let kind = match slug {
            EnvSlug::Dev => EnvKind::Development,
            EnvSlug::Staging => EnvKind::Staging,
            EnvSlug::Prod => EnvKind::Production,
            EnvSlug::Preview => EnvKind::Preview,
        };
        Ok(Call::new(
            "projects.environment",
            Method::GET,
            format!(
                "/api/v1/projects/{}/{}",
                encode::path_segment(project_ref),
                slug.as_str()
            ),
            Access::EnvVars(kind),
        ))
    }

    pub(crate) fn whoami(project_ref: Option<&str>) -> Result<Call> {
        let mut query = Query::default();
        if let Some(r) = project_ref {
            require("project_ref", r)?;
            query.push("projectRef", r);
        }
        Ok(Call::new(
            "projects.whoami",
            Method::GET,
            "/api/v2/whoami".into(),
            Access::Pat,
        )
        .query(query.into_string(), "project_ref"))
    }
}
