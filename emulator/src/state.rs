//! The emulated world: every environment and record, the emulator clock, and the lookups and
//! the passing of time that every area needs.
//!
//! It holds the records of `model/`; the rules that change them across areas are in `rules/`
//! (more `impl State` blocks). No HTTP, no views.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::batches::Batch;
use crate::model::bulk::BulkActions;
use crate::model::concurrency_limits::ConcurrencyLimits;
use crate::model::dashboards::Dashboards;
use crate::model::deployments::Deployments;
use crate::model::envs::{Env, EnvVar};
use crate::model::queues::Queues;
use crate::model::realtime::Realtime;
use crate::model::runs::{Packet, Run};
use crate::model::schedules::Schedule;
use crate::model::sessions::Sessions;
use crate::model::waitpoints::Waitpoints;
use crate::seed::{branch_env_id, env_type_for_slug, resolved_env_id, Seed};
use crate::util::wall_ms;

/// When seeded envs were "created" (2025-01-01T00:00:00Z).
pub const SEEDED_ENV_MS: i64 = 1_735_689_600_000;

/// The world: every record of every env, the emulator clock and the sequence numbers.
pub struct State {
    pub seed: Seed,
    pub envs: Vec<Env>,
    /// Creation order; never shrinks except on reset.
    pub runs: Vec<Run>,
    /// Run id -> position in `runs`, so lookups stay O(1) under benchmark load.
    run_index: HashMap<String, usize>,
    pub batches: Vec<Batch>,
    pub schedules: Vec<Schedule>,
    pub envvars: HashMap<String, Vec<EnvVar>>,
    pub packets: HashMap<String, Packet>,
    /// Added to the wall clock (`POST /__emulator/advance`).
    pub offset_ms: i64,
    /// When set, the clock stands still at this time (plus `offset_ms`) instead of following the
    /// wall clock (`POST /__emulator/clock`).
    pub frozen_ms: Option<i64>,
    pub seq: u64,
    pub queues: Queues,
    /// Named concurrency limits (declared through the admin API).
    pub concurrency_limits: ConcurrencyLimits,
    /// Custom query dashboards.
    pub dashboards: Dashboards,
    pub deployments: Deployments,
    pub waitpoints: Waitpoints,
    pub bulk_actions: BulkActions,
    /// Sessions and their channels.
    pub sessions: Sessions,
    /// Realtime feeds' shapes, held live requests, input stream sends.
    pub realtime: Realtime,
    /// Tasks declared through the admin API, by id → kind (`STANDARD`, `SCHEDULED`, `AGENT`).
    /// Undeclared tasks are accepted everywhere and listed as `STANDARD`.
    pub task_kinds: BTreeMap<String, String>,
    /// One-time-use trigger tokens already spent (the token text).
    pub spent_tokens: HashSet<String>,
}

impl State {
    pub fn new(seed: Seed) -> State {
        let mut envs = Vec::new();
        // Seeded envs have a fixed creation time, so that listings do not depend on when the
        // emulator started (2025-01-01T00:00:00Z).
        let started_ms = SEEDED_ENV_MS;
        for p in &seed.projects {
            for e in &p.envs {
                let id = resolved_env_id(p, e);
                let env_type = if e.env_type.is_empty() {
                    env_type_for_slug(&e.slug).to_string()
                } else {
                    e.env_type.clone()
                };
                envs.push(Env {
                    id: id.clone(),
                    project_ref: p.project_ref.clone(),
                    slug: e.slug.clone(),
                    env_type: env_type.clone(),
                    api_key: Some(e.api_key.clone()),
                    signing_key: e.api_key.clone(),
                    parent: None,
                    branch: None,
                    created_ms: started_ms,
                    updated_ms: started_ms,
                    git: None,
                    archived_ms: None,
                });
                for b in &e.branches {
                    envs.push(Env {
                        id: branch_env_id(&id, b),
                        project_ref: p.project_ref.clone(),
                        slug: e.slug.clone(),
                        env_type: env_type.clone(),
                        api_key: None,
                        signing_key: e.api_key.clone(),
                        parent: Some(id.clone()),
                        branch: Some(b.clone()),
                        created_ms: started_ms,
                        updated_ms: started_ms,
                        git: None,
                        archived_ms: None,
                    });
                }
            }
        }
        State {
            seed,
            queues: Queues::default(),
            concurrency_limits: ConcurrencyLimits::default(),
            dashboards: Dashboards::default(),
            deployments: Deployments::new(&envs),
            waitpoints: Waitpoints::default(),
            bulk_actions: BulkActions::default(),
            envs,
            runs: Vec::new(),
            run_index: HashMap::new(),
            batches: Vec::new(),
            schedules: Vec::new(),
            envvars: HashMap::new(),
            packets: HashMap::new(),
            offset_ms: 0,
            frozen_ms: None,
            seq: 0,
            sessions: Default::default(),
            realtime: Realtime::default(),
            task_kinds: BTreeMap::new(),
            spent_tokens: Default::default(),
        }
    }

    /// The kind of a task (`STANDARD` unless declared otherwise).
    pub fn task_kind(&self, task: &str) -> &str {
        self.task_kinds
            .get(task)
            .map(String::as_str)
            .unwrap_or("STANDARD")
    }

    /// The emulator clock: wall clock plus whatever the test advanced.
    pub fn now_ms(&self) -> i64 {
        self.frozen_ms.unwrap_or_else(wall_ms) + self.offset_ms
    }

    /// Sets the clock to `at` (or keeps the current time) and freezes it or lets it run.
    pub fn set_clock(&mut self, at: Option<i64>, frozen: bool) {
        let target = at.unwrap_or_else(|| self.now_ms());
        if frozen {
            self.frozen_ms = Some(target);
            self.offset_ms = 0;
        } else {
            self.frozen_ms = None;
            self.offset_ms = target - wall_ms();
        }
        self.tick();
    }

    /// Moves the emulator clock forward (never backward) and lets delayed/TTL runs move.
    pub fn advance(&mut self, ms: i64) {
        self.offset_ms += ms.max(0);
        self.tick();
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn env(&self, id: &str) -> Option<&Env> {
        self.envs.iter().find(|e| e.id == id)
    }

    pub fn env_by_key(&self, key: &str) -> Option<&Env> {
        self.envs.iter().find(|e| e.api_key.as_deref() == Some(key))
    }

    /// The live (not archived) child env of `parent_id` for `branch`.
    pub fn branch_env(&self, parent_id: &str, branch: &str) -> Option<&Env> {
        self.envs.iter().find(|e| {
            e.parent.as_deref() == Some(parent_id)
                && e.branch.as_deref() == Some(branch)
                && e.archived_ms.is_none()
        })
    }

    /// Adds a branch env under the root env with `slug` in `project_ref`; returns its id.
    pub fn add_branch(&mut self, project_ref: &str, slug: &str, branch: &str) -> Option<String> {
        let parent = self
            .envs
            .iter()
            .find(|e| e.project_ref == project_ref && e.slug == slug && e.parent.is_none())?
            .clone();
        if let Some(existing) = self.branch_env(&parent.id, branch) {
            return Some(existing.id.clone());
        }
        let mut id = branch_env_id(&parent.id, branch);
        while self.env(&id).is_some() {
            id.push('_');
        }
        if parent.env_type == "DEVELOPMENT" {
            self.deployments.skip_env(&id);
        }
        let now = self.now_ms();
        self.envs.push(Env {
            id: id.clone(),
            project_ref: parent.project_ref,
            slug: parent.slug,
            env_type: parent.env_type,
            api_key: None,
            signing_key: parent.signing_key,
            parent: Some(parent.id),
            branch: Some(branch.to_string()),
            created_ms: now,
            updated_ms: now,
            git: None,
            archived_ms: None,
        });
        Some(id)
    }

    pub fn run(&self, id: &str) -> Option<&Run> {
        self.run_index.get(id).and_then(|i| self.runs.get(*i))
    }

    pub fn run_mut(&mut self, id: &str) -> Option<&mut Run> {
        let i = *self.run_index.get(id)?;
        self.runs.get_mut(i)
    }

    /// Adds a new run (`rules/runs.rs` makes them).
    pub fn push_run(&mut self, run: Run) {
        self.run_index.insert(run.id.clone(), self.runs.len());
        self.runs.push(run);
    }

    /// A run in `env_id` (runs of other envs are invisible, as on the real server).
    pub fn env_run(&self, env_id: &str, id: &str) -> Option<&Run> {
        self.run(id).filter(|r| r.env_id == env_id)
    }

    /// Moves time-driven runs along: due delayed runs are queued, queued runs past their TTL expire.
    pub fn tick(&mut self) {
        let now = self.now_ms();
        self.waitpoints.tick(now);
        for r in &mut self.runs {
            if r.status == "DELAYED" {
                if let Some(t) = r.delayed_until_ms.filter(|t| *t <= now) {
                    r.status = "QUEUED".into();
                    r.queued_ms = Some(t);
                    r.updated_ms = t;
                }
            }
            if r.status == "QUEUED" {
                if let (Some(q), Some(ttl)) = (r.queued_ms, r.opts.ttl_ms) {
                    if q + ttl <= now {
                        r.status = "EXPIRED".into();
                        r.expired_ms = Some(q + ttl);
                        r.finished_ms = Some(q + ttl);
                        r.updated_ms = q + ttl;
                    }
                }
            }
        }
    }

    pub fn batch(&self, env_id: &str, id: &str) -> Option<&Batch> {
        self.batches
            .iter()
            .find(|b| b.id == id && b.env_id == env_id)
    }

    pub fn vars(&mut self, env_id: &str) -> &mut Vec<EnvVar> {
        self.envvars.entry(env_id.to_string()).or_default()
    }
}
