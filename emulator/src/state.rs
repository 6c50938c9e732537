//! The emulator's in-memory world: environments, runs, batches, schedules, env vars, packets.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::seed::{branch_env_id, env_type_for_slug, resolved_env_id, Seed};
use crate::surface::Surface;
use crate::util::{random_id, wall_ms};

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
}

impl Env {
    /// The name shown in run list items.
    pub fn name(&self) -> &str {
        self.branch.as_deref().unwrap_or(&self.slug)
    }
}

/// The region of runs that name none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The TTL the server gives dev runs that name none.
pub const DEV_DEFAULT_TTL: &str = "10m";

pub const FINAL_STATUSES: &[&str] = &[
    "COMPLETED",
    "CANCELED",
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "EXPIRED",
    "TIMED_OUT",
];

/// Every status the 2025-07-16 API version can report (also what `filter[status]` accepts, plus the old names).
pub const KNOWN_STATUSES: &[&str] = &[
    "PENDING_VERSION",
    "QUEUED",
    "DEQUEUED",
    "EXECUTING",
    "WAITING",
    "COMPLETED",
    "CANCELED",
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "DELAYED",
    "EXPIRED",
    "TIMED_OUT",
    "WAITING_FOR_DEPLOY",
    "REATTEMPTING",
    "FROZEN",
    "INTERRUPTED",
];

/// Options that shape a new run (from a trigger body or a batch item).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub tags: Vec<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
    pub idempotency_ttl_ms: i64,
    pub delay_until_ms: Option<i64>,
    /// The TTL as the server shows it: a duration string (`"1h"`), seconds normalised to one.
    pub ttl: Option<String>,
    pub ttl_ms: Option<i64>,
    /// A TTL was given (a number 0 means "none"): dev runs get no default TTL then.
    pub ttl_given: bool,
    pub version: Option<String>,
    pub is_test: bool,
    pub queue: Option<String>,
    pub machine: Option<String>,
    pub concurrency_key: Option<String>,
    pub max_attempts: Option<u64>,
    pub priority: Option<f64>,
    pub max_duration: Option<f64>,
    pub region: Option<String>,
    /// The debounce the run was created with (its key finds it again).
    pub debounce: Option<Debounce>,
    /// The options object as received, for the state dump.
    pub raw: Value,
}

/// `options.debounce`, with its times resolved when the run was triggered.
#[derive(Debug, Clone)]
pub struct Debounce {
    pub key: String,
    /// Now + `delay`.
    pub until_ms: i64,
    /// Now + `maxDelay`, the latest a later trigger may push the run to.
    pub max_until_ms: Option<i64>,
    /// `mode: "trailing"`: later triggers replace the payload.
    pub trailing: bool,
}

/// What `State::create_run` needs.
pub struct NewRun<'a> {
    pub env_id: &'a str,
    pub task: &'a str,
    pub payload: Option<Value>,
    pub payload_type: String,
    pub opts: RunOptions,
    pub trigger_function: &'a str,
    pub batch_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub seq: u64,
    pub env_id: String,
    pub task: String,
    pub status: String,
    /// As received: usually a string to be decoded according to `payload_type`.
    pub payload: Option<Value>,
    pub payload_type: String,
    pub opts: RunOptions,
    pub tags: Vec<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
    pub idempotency_expires_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub queued_ms: Option<i64>,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub delayed_until_ms: Option<i64>,
    pub expired_ms: Option<i64>,
    pub output: Option<Value>,
    pub error: Option<Value>,
    pub attempt_count: u32,
    pub trigger_function: String,
    pub batch_id: Option<String>,
    pub schedule_id: Option<String>,
    pub replayed_from: Option<String>,
    /// Bulk actions that touched the run (`filter[bulkAction]`).
    pub bulk_action_ids: Vec<String>,
    /// `v2` when the trigger sent `x-trigger-realtime-streams-version: v2`, else `v1`.
    pub realtime_streams_version: String,
}

impl Run {
    pub fn is_final(&self) -> bool {
        FINAL_STATUSES.contains(&self.status.as_str())
    }

    /// Cancels a run that has not finished. As on the server, the run gets the error
    /// `{"message":"Canceled by user"}`, and a run that never started gets no `finishedAt`.
    pub fn cancel(&mut self, now: i64) {
        self.status = "CANCELED".into();
        self.error = Some(serde_json::json!({"message": "Canceled by user"}));
        if self.started_ms.is_some() {
            self.finished_ms = Some(now);
        }
        self.updated_ms = now;
    }

    /// The region the run executes in: the one it asked for, or the default.
    pub fn region(&self) -> &str {
        self.opts.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    pub fn queue_name(&self) -> String {
        self.opts
            .queue
            .clone()
            .unwrap_or_else(|| format!("task/{}", self.task))
    }
}

/// A v3 (two-phase) batch.
#[derive(Debug, Clone)]
pub struct Batch {
    pub id: String,
    pub env_id: String,
    pub run_count: usize,
    pub task_identifiers: Vec<String>,
    pub idempotency_key: Option<String>,
    /// index -> run id (`None` when the item failed).
    pub items: BTreeMap<usize, Option<String>>,
    pub errors: Vec<Value>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub completed_ms: Option<i64>,
    /// From the create request's `x-trigger-realtime-streams-version`; given to the batch's runs.
    pub realtime_streams_version: String,
}

impl Batch {
    pub fn sealed(&self) -> bool {
        self.items.len() >= self.run_count
    }

    /// As on the server: `PENDING` until sealed and then until every run it created has
    /// finished (`COMPLETED`); `PARTIAL_FAILED` once sealed when some items failed.
    pub fn status(&self, runs_finished: bool) -> &'static str {
        if !self.sealed() {
            "PENDING"
        } else if !self.errors.is_empty() {
            "PARTIAL_FAILED"
        } else if runs_finished {
            "COMPLETED"
        } else {
            "PENDING"
        }
    }

    pub fn run_ids(&self) -> Vec<String> {
        self.items.values().flatten().cloned().collect()
    }
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: String,
    pub env_id: String,
    pub task: String,
    pub cron: String,
    pub deduplication_key: Option<String>,
    pub external_id: Option<String>,
    pub timezone: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub is_secret: bool,
}

#[derive(Debug, Clone)]
pub struct Packet {
    pub content_type: String,
    pub data: Vec<u8>,
}

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
    /// Queues, deployments, waitpoint tokens and bulk actions (`surface.rs`).
    pub surface: Surface,
    /// Sessions and their channels (`src/sessions.rs`).
    pub sessions: crate::sessions::Sessions,
    /// Tasks declared through the admin API, by id → kind (`STANDARD`, `SCHEDULED`, `AGENT`).
    /// Undeclared tasks are accepted everywhere and listed as `STANDARD`.
    pub task_kinds: BTreeMap<String, String>,
    /// One-time-use trigger tokens already spent (the token text).
    pub spent_tokens: std::collections::HashSet<String>,
}

impl State {
    pub fn new(seed: Seed) -> State {
        let mut envs = Vec::new();
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
                    });
                }
            }
        }
        State {
            seed,
            surface: Surface::new(&envs),
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

    /// The child env of `parent_id` for `branch`.
    pub fn branch_env(&self, parent_id: &str, branch: &str) -> Option<&Env> {
        self.envs
            .iter()
            .find(|e| e.parent.as_deref() == Some(parent_id) && e.branch.as_deref() == Some(branch))
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
            self.surface.skip_env(&id);
        }
        self.envs.push(Env {
            id: id.clone(),
            project_ref: parent.project_ref,
            slug: parent.slug,
            env_type: parent.env_type,
            api_key: None,
            signing_key: parent.signing_key,
            parent: Some(parent.id),
            branch: Some(branch.to_string()),
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

    /// A run in `env_id` (runs of other envs are invisible, as on the real server).
    pub fn env_run(&self, env_id: &str, id: &str) -> Option<&Run> {
        self.run(id).filter(|r| r.env_id == env_id)
    }

    /// An unexpired idempotent run for (env, task, key).
    pub fn idempotent_run(&self, env_id: &str, task: &str, key: &str, now: i64) -> Option<&Run> {
        self.runs.iter().find(|r| {
            r.env_id == env_id
                && r.task == task
                && r.idempotency_key.as_deref() == Some(key)
                && r.idempotency_expires_ms.is_none_or(|t| t > now)
        })
    }

    /// Creates a run and returns its id.
    pub fn create_run(&mut self, new: NewRun) -> String {
        let NewRun {
            env_id,
            task,
            payload,
            payload_type,
            opts,
            trigger_function,
            batch_id,
        } = new;
        let now = self.now_ms();
        let seq = self.next_seq();
        let id = random_id("run_");
        let mut opts = opts;
        // The server gives dev runs a 10-minute TTL when the trigger names none.
        let dev = self
            .env(env_id)
            .is_some_and(|e| e.env_type == "DEVELOPMENT");
        if dev && !opts.ttl_given {
            opts.ttl = Some(DEV_DEFAULT_TTL.into());
            opts.ttl_ms = Some(10 * 60_000);
        }
        let delayed = opts.delay_until_ms.filter(|t| *t > now);
        let run = Run {
            id: id.clone(),
            seq,
            env_id: env_id.to_string(),
            task: task.to_string(),
            status: if delayed.is_some() {
                "DELAYED"
            } else {
                "QUEUED"
            }
            .to_string(),
            payload,
            payload_type,
            tags: opts.tags.clone(),
            metadata: opts.metadata.clone(),
            idempotency_key: opts.idempotency_key.clone(),
            idempotency_expires_ms: opts
                .idempotency_key
                .as_ref()
                .map(|_| now + opts.idempotency_ttl_ms),
            created_ms: now,
            updated_ms: now,
            queued_ms: if delayed.is_some() { None } else { Some(now) },
            started_ms: None,
            finished_ms: None,
            delayed_until_ms: delayed,
            expired_ms: None,
            output: None,
            error: None,
            attempt_count: 0,
            trigger_function: trigger_function.to_string(),
            batch_id,
            schedule_id: None,
            replayed_from: None,
            bulk_action_ids: Vec::new(),
            realtime_streams_version: "v1".into(),
            opts,
        };
        self.run_index.insert(id.clone(), self.runs.len());
        self.runs.push(run);
        self.ensure_run_queue(&id);
        id
    }

    /// Moves time-driven runs along: due delayed runs are queued, queued runs past their TTL expire.
    pub fn tick(&mut self) {
        let now = self.now_ms();
        self.surface.tick(now);
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
