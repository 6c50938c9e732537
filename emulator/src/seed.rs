//! The projects, environments and keys the emulator starts with.

use serde::{Deserialize, Serialize};

/// Everything the emulator knows about at start-up (and after a reset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seed {
    pub projects: Vec<ProjectSeed>,
    #[serde(default)]
    pub pats: Vec<PatSeed>,
}

/// A project and its environments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSeed {
    /// The project ref used in `/api/v1/projects/{projectRef}/...`.
    #[serde(rename = "ref")]
    pub project_ref: String,
    #[serde(default)]
    pub name: String,
    pub envs: Vec<EnvSeed>,
}

/// One environment with its root secret key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvSeed {
    /// `dev`, `stg`, `prod` or `preview` (the real slugs; the envvars path slug `staging` maps to `stg`).
    pub slug: String,
    /// Root secret key (`tr_dev_…`, `tr_stg_…`, `tr_prod_…`, `tr_preview_…`).
    pub api_key: String,
    /// Environment id (the JWT `sub`). Empty means `env_<projectRef>_<slug>`.
    #[serde(default)]
    pub id: String,
    /// `DEVELOPMENT`, `STAGING`, `PRODUCTION` or `PREVIEW`. Empty means derived from the slug.
    #[serde(default, rename = "type")]
    pub env_type: String,
    /// Child branch envs (preview branches, or dev branches).
    #[serde(default)]
    pub branches: Vec<String>,
    /// Additional API keys of this env (`tr_<env>_sk_` + 24 alphanumerics), each with its scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_keys: Vec<AdditionalKeySeed>,
}

/// An additional ("granular") API key: it authenticates like the env's secret key, but its
/// scopes are checked like a public token's. A key whose scopes include bare `admin` has full
/// access (it is then treated exactly like the root key, legacy routes included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalKeySeed {
    pub key: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `^tr_(dev|stg|prod|preview)_sk_[0-9a-zA-Z]{24}$`, the server's additional-key pattern.
pub fn is_additional_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("tr_") else {
        return false;
    };
    let Some((env, tail)) = rest.split_once("_sk_") else {
        return false;
    };
    matches!(env, "dev" | "stg" | "prod" | "preview")
        && tail.len() == 24
        && tail.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A personal access token and the projects it can reach (empty = all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatSeed {
    pub token: String,
    #[serde(default)]
    pub projects: Vec<String>,
}

pub const DEFAULT_PROJECT: &str = "proj_emulator";
pub const DEV_KEY: &str = "tr_dev_emulator_dev_key_0001";
pub const STAGING_KEY: &str = "tr_stg_emulator_stg_key_0001";
pub const PROD_KEY: &str = "tr_prod_emulator_prod_key_001";
pub const PREVIEW_KEY: &str = "tr_preview_emulator_preview_01";
pub const PAT: &str = "tr_pat_emulator_personal_token_0001";
pub const PREVIEW_BRANCH: &str = "feature-xyz";
/// An additional key of the dev env with [`DEV_ADDITIONAL_KEY_SCOPES`].
pub const DEV_ADDITIONAL_KEY: &str = "tr_dev_sk_emulatorAdditionalKey001";
pub const DEV_ADDITIONAL_KEY_SCOPES: &[&str] = &[
    "read:runs",
    "trigger:tasks",
    "read:sessions",
    "write:sessions",
];

impl Default for Seed {
    /// One project `proj_emulator` with dev, stg, prod and preview (branch `feature-xyz`), and one PAT.
    fn default() -> Self {
        let env = |slug: &str, key: &str, branches: &[&str]| EnvSeed {
            slug: slug.to_string(),
            api_key: key.to_string(),
            id: String::new(),
            env_type: String::new(),
            branches: branches.iter().map(|b| b.to_string()).collect(),
            additional_keys: Vec::new(),
        };
        let mut dev = env("dev", DEV_KEY, &[]);
        dev.additional_keys.push(AdditionalKeySeed {
            key: DEV_ADDITIONAL_KEY.to_string(),
            scopes: DEV_ADDITIONAL_KEY_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        });
        Seed {
            projects: vec![ProjectSeed {
                project_ref: DEFAULT_PROJECT.to_string(),
                name: "Emulator project".to_string(),
                envs: vec![
                    dev,
                    env("stg", STAGING_KEY, &[]),
                    env("prod", PROD_KEY, &[]),
                    env("preview", PREVIEW_KEY, &[PREVIEW_BRANCH]),
                ],
            }],
            pats: vec![PatSeed {
                token: PAT.to_string(),
                projects: vec![DEFAULT_PROJECT.to_string()],
            }],
        }
    }
}

/// Maps a slug to the environment type the server reports.
pub fn env_type_for_slug(slug: &str) -> &'static str {
    match slug {
        "dev" => "DEVELOPMENT",
        "stg" | "staging" => "STAGING",
        "preview" => "PREVIEW",
        _ => "PRODUCTION",
    }
}

impl Seed {
    /// Parses a seed from JSON (the `--seed FILE` format, same shape as `serde_json::to_string(&Seed)`).
    pub fn from_json(text: &str) -> Result<Seed, String> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| e.to_string())?;
        seed.validate()?;
        Ok(seed)
    }

    /// Rejects seeds that would make auth ambiguous.
    pub fn validate(&self) -> Result<(), String> {
        let mut keys = std::collections::HashSet::new();
        let mut refs = std::collections::HashSet::new();
        for p in &self.projects {
            if !refs.insert(&p.project_ref) {
                return Err(format!("duplicate project ref {}", p.project_ref));
            }
            for e in &p.envs {
                if !keys.insert(&e.api_key) {
                    return Err(format!("duplicate api key {}", e.api_key));
                }
                for k in &e.additional_keys {
                    if !is_additional_key(&k.key) {
                        return Err(format!(
                            "additional key {} must match tr_<env>_sk_ + 24 alphanumerics",
                            k.key
                        ));
                    }
                    if !keys.insert(&k.key) {
                        return Err(format!("duplicate api key {}", k.key));
                    }
                }
            }
        }
        Ok(())
    }

    /// The root key of the first env with `slug` in the first project.
    pub fn key_for(&self, slug: &str) -> Option<&str> {
        self.projects
            .first()?
            .envs
            .iter()
            .find(|e| e.slug == slug)
            .map(|e| e.api_key.as_str())
    }

    pub fn dev_key(&self) -> &str {
        self.key_for("dev").unwrap_or("")
    }
    pub fn staging_key(&self) -> &str {
        self.key_for("stg").unwrap_or("")
    }
    pub fn prod_key(&self) -> &str {
        self.key_for("prod").unwrap_or("")
    }
    pub fn preview_key(&self) -> &str {
        self.key_for("preview").unwrap_or("")
    }
    /// The first PAT.
    pub fn pat(&self) -> &str {
        self.pats.first().map(|p| p.token.as_str()).unwrap_or("")
    }
    /// The first project's ref.
    pub fn project_ref(&self) -> &str {
        self.projects
            .first()
            .map(|p| p.project_ref.as_str())
            .unwrap_or("")
    }
    /// The first preview branch of the first project.
    pub fn preview_branch(&self) -> &str {
        self.projects
            .first()
            .and_then(|p| p.envs.iter().find(|e| e.slug == "preview"))
            .and_then(|e| e.branches.first())
            .map(String::as_str)
            .unwrap_or("")
    }
    /// The env id (JWT `sub`) of the first project's env with `slug`.
    pub fn env_id(&self, slug: &str) -> String {
        self.projects
            .first()
            .and_then(|p| {
                p.envs
                    .iter()
                    .find(|e| e.slug == slug)
                    .map(|e| resolved_env_id(p, e))
            })
            .unwrap_or_default()
    }
}

/// The id an env gets when its seed leaves `id` empty.
pub fn resolved_env_id(p: &ProjectSeed, e: &EnvSeed) -> String {
    if e.id.is_empty() {
        format!(
            "env_{}_{}",
            p.project_ref.trim_start_matches("proj_"),
            e.slug
        )
    } else {
        e.id.clone()
    }
}

/// The id of a branch env under `parent_id`.
pub fn branch_env_id(parent_id: &str, branch: &str) -> String {
    let clean: String = branch
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{parent_id}_br_{clean}")
}
