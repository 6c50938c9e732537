//! Deployments, and which one is current in each env. Every env but dev ones starts with one
//! DEPLOYED deployment that is current.

use std::collections::HashSet;

use serde_json::Value;

use crate::model::envs::Env;
use crate::util::{hashed, hashed_hex};

/// The version of the deployment every env starts with (and which is current).
pub const SEED_DEPLOYMENT_VERSION: &str = "20250101.1";
/// When the seeded deployment was created (2025-01-01T00:00:00Z).
pub const SEED_DEPLOYMENT_MS: i64 = 1_735_689_600_000;

#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: String,
    pub env_id: String,
    pub seq: u64,
    pub version: String,
    pub short_code: String,
    pub content_hash: String,
    pub status: String,
    pub created_ms: i64,
    pub deployed_ms: Option<i64>,
    pub runtime: Option<String>,
    pub runtime_version: Option<String>,
    pub git: Option<Value>,
    pub error: Option<Value>,
    pub worker_id: Option<String>,
    /// Task slugs of the deployment's worker.
    pub tasks: Vec<String>,
}

/// Every deployment of every env, and the current one of each.
#[derive(Debug, Clone, Default)]
pub struct Deployments {
    pub list: Vec<Deployment>,
    /// Env id -> id of its current deployment.
    pub current: Vec<(String, String)>,
    /// Envs that got their seeded deployment (branch envs added later get it on first use).
    seeded: HashSet<String>,
    seq: u64,
}

impl Deployments {
    /// Seeds every env of `envs` with its current deployment, except dev envs: as on the
    /// server, they run on dev workers and have no deployments.
    pub fn new(envs: &[Env]) -> Deployments {
        let mut s = Deployments::default();
        for e in envs {
            if e.env_type == "DEVELOPMENT" {
                s.skip_env(&e.id);
            } else {
                s.seed_env(&e.id);
            }
        }
        s
    }

    /// Marks `env_id` as seeded without giving it a deployment (dev envs).
    pub fn skip_env(&mut self, env_id: &str) {
        self.seeded.insert(env_id.to_string());
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Gives `env_id` its seeded, current deployment the first time it is seen.
    pub fn seed_env(&mut self, env_id: &str) {
        if !self.seeded.insert(env_id.to_string()) {
            return;
        }
        let seq = self.next_seq();
        let id = format!("deployment_{}", hashed(&["deployment", env_id], 25));
        self.list.push(Deployment {
            id: id.clone(),
            env_id: env_id.to_string(),
            seq,
            version: SEED_DEPLOYMENT_VERSION.to_string(),
            short_code: hashed(&["shortCode", env_id], 8),
            content_hash: hashed_hex(&["content", env_id], 32),
            status: "DEPLOYED".into(),
            created_ms: SEED_DEPLOYMENT_MS,
            deployed_ms: Some(SEED_DEPLOYMENT_MS + 60_000),
            runtime: Some("node".into()),
            runtime_version: Some("22.12.0".into()),
            git: None,
            error: None,
            worker_id: Some(format!("worker_{}", hashed(&["worker", env_id], 25))),
            tasks: Vec::new(),
        });
        self.set_current(env_id, &id);
    }

    pub fn set_current(&mut self, env_id: &str, deployment_id: &str) {
        self.current.retain(|(e, _)| e != env_id);
        self.current
            .push((env_id.to_string(), deployment_id.to_string()));
    }

    pub fn current_of(&self, env_id: &str) -> Option<&Deployment> {
        let id = self.current.iter().find(|(e, _)| e == env_id)?.1.as_str();
        self.list.iter().find(|d| d.id == id)
    }

    pub fn is_current(&self, d: &Deployment) -> bool {
        self.current
            .iter()
            .any(|(e, id)| *e == d.env_id && *id == d.id)
    }
}

/// Deployment versions compare numerically part by part (`20250101.10` > `20250101.9`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a).cmp(&parts(b))
}

/// What `Emulator::add_deployment` and `POST /__emulator/deployments` take.
#[derive(Debug, Clone, Default)]
pub struct NewDeployment {
    pub env_id: String,
    pub version: Option<String>,
    pub status: Option<String>,
    pub created_ms: Option<i64>,
    pub git: Option<Value>,
    pub error: Option<Value>,
    pub tasks: Vec<String>,
    pub runtime: Option<String>,
    /// Make it the env's current deployment.
    pub promote: bool,
}

/// Statuses a deployment can have.
pub const DEPLOYMENT_STATUSES: &[&str] = &[
    "PENDING",
    "INSTALLING",
    "BUILDING",
    "DEPLOYING",
    "DEPLOYED",
    "FAILED",
    "CANCELED",
    "TIMED_OUT",
];
