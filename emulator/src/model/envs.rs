//! Environments (from the seed, or branches added later) and their variables.

/// An environment: a root env from the seed, or a branch env under a dev/preview root.
#[derive(Debug, Clone)]
pub struct Env {
    pub id: String,
    pub project_ref: String,
    /// The root env's slug (`dev`, `stg`, `prod`, `preview`); branches share their parent's.
    pub slug: String,
    pub env_type: String,
    /// Root secret key; `None` for branch envs (they are reached through the parent's key + header).
    pub api_key: Option<String>,
    /// The key that signs and verifies this env's JWTs (the root's key for branches).
    pub signing_key: String,
    pub parent: Option<String>,
    pub branch: Option<String>,
    /// When the branch env was made (seeded envs: `state::SEEDED_ENV_MS`).
    pub created_ms: i64,
    /// Last change (creation, an upsert's new git metadata).
    pub updated_ms: i64,
    /// The git metadata the branch was created with (`POST …/branches`).
    pub git: Option<serde_json::Value>,
    /// Set when the branch was archived: it is no longer listed nor reachable by its name.
    pub archived_ms: Option<i64>,
}

impl Env {
    /// The name shown in run list items.
    pub fn name(&self) -> &str {
        self.branch.as_deref().unwrap_or(&self.slug)
    }
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub is_secret: bool,
}
