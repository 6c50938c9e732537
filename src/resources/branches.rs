//! Preview and dev branches of a project, for CI: create (an upsert), list and archive
//! (`/api/v1/projects/{ref}/branches`, `docs/wire.md#ci-routes`).
//!
//! A personal access token does all three; listing takes nothing else. Creating and archiving
//! also take an organization access token, or the preview environment's own secret key (not a
//! branch's, and only for preview branches).

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::shown::Shown;
use crate::transport::Call;

/// Branch calls. Get one with [`Client::branches`] or [`crate::branches`].
#[derive(Clone, Debug)]
pub struct Branches {
    client: Client,
}

/// Which environment a branch belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BranchEnv {
    /// A preview branch (`preview`).
    #[default]
    Preview,
    /// A dev branch (`development`); a personal access token only.
    Development,
}

impl BranchEnv {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            BranchEnv::Preview => "preview",
            BranchEnv::Development => "development",
        }
    }
}

impl FromStr for BranchEnv {
    type Err = Error;
    fn from_str(s: &str) -> Result<BranchEnv> {
        match s {
            "preview" => Ok(BranchEnv::Preview),
            "development" => Ok(BranchEnv::Development),
            other => Err(Error::invalid(
                "env",
                format!("{} is not one of preview, development", Shown(other)),
            )),
        }
    }
}

/// Body of [`Branches::create`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBranch {
    /// The environment (`preview` or `development`).
    pub env: BranchEnv,
    /// The branch name, as git names it (the server strips `refs/heads/` and the like).
    pub branch: String,
    /// Git metadata shown on the dashboard (`commitSha`, `pullRequestNumber`, …), passed as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<serde_json::Map<String, serde_json::Value>>,
}

impl CreateBranch {
    /// A branch `branch` of `env`.
    pub fn new(env: BranchEnv, branch: impl Into<String>) -> CreateBranch {
        CreateBranch {
            env,
            branch: branch.into(),
            git: None,
        }
    }

    /// Sets the git metadata.
    pub fn git(mut self, git: serde_json::Map<String, serde_json::Value>) -> CreateBranch {
        self.git = Some(git);
        self
    }
}

/// A branch's environment id (what creating answers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchId {
    /// The branch environment's id.
    pub id: String,
}

/// What archiving answers: the archived branch environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedBranch {
    /// The archived branch environment.
    pub branch: BranchId,
}

/// A live preview branch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    /// The branch environment's id.
    pub id: String,
    /// The branch name.
    pub name: String,
    /// When it was created (ISO 8601).
    pub created_at: String,
    /// When it last changed (ISO 8601).
    pub updated_at: String,
    /// Its git metadata, if it was created with some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<serde_json::Map<String, serde_json::Value>>,
    /// Whether its runs are paused.
    pub is_paused: bool,
}

/// What listing answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BranchList {
    /// The live preview branches.
    pub branches: Vec<Branch>,
}

impl Client {
    /// Preview and dev branches.
    pub fn branches(&self) -> Branches {
        Branches {
            client: self.clone(),
        }
    }
}

impl Branches {
    /// Creates a branch, or updates its git metadata if it exists
    /// (`POST /api/v1/projects/{ref}/branches`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().pat()).base_url(emulator.base_url()));
    /// use triggerdev::{BranchEnv, CreateBranch};
    /// let created = client
    ///     .branches()
    ///     .create("proj_emulator", &CreateBranch::new(BranchEnv::Preview, "pr-42"))?;
    /// assert!(!created.id.is_empty());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty project ref or branch;
    /// [`Error::UnsupportedCredential`] for a public token or another environment's secret key;
    /// the API errors of [`Error`] otherwise.
    pub fn create(&self, project_ref: &str, branch: &CreateBranch) -> Result<BranchId> {
        self.create_as(project_ref, branch)
    }

    pub(crate) fn create_as<T: Decoded<BranchId>>(
        &self,
        project_ref: &str,
        branch: &CreateBranch,
    ) -> Result<T> {
        self.client
            .execute(&calls::create(project_ref, branch)?)?
            .decoded()
    }

    /// The live preview branches (`GET /api/v1/projects/{ref}/branches`), with a personal
    /// access token.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().pat()).base_url(emulator.base_url()));
    /// let branches = client.branches().list("proj_emulator")?;
    /// assert_eq!(branches[0].name, "feature-xyz");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty project ref; [`Error::UnsupportedCredential`]
    /// for a secret key or a public token; the API errors of [`Error`] otherwise.
    pub fn list(&self, project_ref: &str) -> Result<Vec<Branch>> {
        Ok(self.list_as::<BranchList>(project_ref)?.branches)
    }

    pub(crate) fn list_as<T: Decoded<BranchList>>(&self, project_ref: &str) -> Result<T> {
        self.client.execute(&calls::list(project_ref)?)?.decoded()
    }

    /// Archives a branch (`POST /api/v1/projects/{ref}/branches/archive`): it is no longer
    /// listed, and its name may be created again.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().pat()).base_url(emulator.base_url()));
    /// use triggerdev::BranchEnv;
    /// let archived = client.branches().archive("proj_emulator", BranchEnv::Preview, "feature-xyz")?;
    /// assert!(!archived.branch.id.is_empty());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Branches::create`]; [`Error::NotFound`] for an unknown branch.
    pub fn archive(
        &self,
        project_ref: &str,
        env: BranchEnv,
        branch: &str,
    ) -> Result<ArchivedBranch> {
        self.archive_as(project_ref, env, branch)
    }

    pub(crate) fn archive_as<T: Decoded<ArchivedBranch>>(
        &self,
        project_ref: &str,
        env: BranchEnv,
        branch: &str,
    ) -> Result<T> {
        self.client
            .execute(&calls::archive(project_ref, env, branch)?)?
            .decoded()
    }
}

pub(super) mod calls {
    use super::*;

    fn path(project_ref: &str, suffix: &str) -> Result<String> {
        require("project_ref", project_ref)?;
        Ok(format!(
            "/api/v1/projects/{}/branches{suffix}",
            encode::path_segment(project_ref)
        ))
    }

    pub(crate) fn create(project_ref: &str, branch: &CreateBranch) -> Result<Call> {
        require("branch", &branch.branch)?;
        Call::new(
            "branches.create",
            Method::POST,
            path(project_ref, "")?,
            Access::Branches,
        )
        .json(branch)
    }

    pub(crate) fn list(project_ref: &str) -> Result<Call> {
        Ok(Call::new(
            "branches.list",
            Method::GET,
            path(project_ref, "")?,
            Access::Pat,
        ))
    }

    pub(crate) fn archive(project_ref: &str, env: BranchEnv, branch: &str) -> Result<Call> {
        require("branch", branch)?;
        #[derive(Serialize)]
        struct Body<'a> {
            env: BranchEnv,
            branch: &'a str,
        }
        Call::new(
            "branches.archive",
            Method::POST,
            path(project_ref, "/archive")?,
            Access::Branches,
        )
        .json(&Body { env, branch })
    }
}
