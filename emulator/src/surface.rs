//! State for queues, deployments, waitpoint tokens and bulk actions, and the operations on it
//! that the API routes and the admin controls share.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::control::ControlError;
use crate::state::{Env, NewRun, Run, State};
use crate::util::{hashed, hashed_hex, iso, random_id};

/// The environment's maximum concurrency; queue overrides above it are refused (400).
pub const ENV_CONCURRENCY_LIMIT: u64 = 100;
/// The version of the deployment every env starts with (and which is current).
pub const SEED_DEPLOYMENT_VERSION: &str = "20250101.1";
/// When the seeded deployment was created (2025-01-01T00:00:00Z).
pub const SEED_DEPLOYMENT_MS: i64 = 1_735_689_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// `task/<taskId>`, created for every task that has runs.
    Task,
    /// A shared queue named by a trigger (`options.queue.name`) or added by the test.
    Custom,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub id: String,
    pub env_id: String,
    /// Internal name: `task/<taskId>` for task queues, the given name for custom ones.
    pub name: String,
    pub kind: QueueKind,
    pub paused: bool,
    pub concurrency_limit: Option<u64>,
    pub concurrency_base: Option<u64>,
    pub override_percent: Option<f64>,
    pub overridden_ms: Option<i64>,
}

impl Queue {
    /// The name the API shows (task queues without their `task/` prefix).
    pub fn display_name(&self) -> &str {
        self.name.strip_prefix("task/").unwrap_or(&self.name)
    }
}

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

#[derive(Debug, Clone)]
pub struct Waitpoint {
    pub id: String,
    pub env_id: String,
    pub seq: u64,
    pub completed: bool,
    /// The user's idempotency key while it is active.
    pub idempotency_key: Option<String>,
    /// A user key that expired (still found by `filter[idempotencyKey]`).
    pub inactive_key: Option<String>,
    pub idempotency_expires_ms: Option<i64>,
    pub timeout_ms: Option<i64>,
    pub completed_ms: Option<i64>,
    pub output: Option<String>,
    pub output_type: String,
    pub output_is_error: bool,
    pub tags: Vec<String>,
    pub created_ms: i64,
}

impl Waitpoint {
    /// `WAITING`, `COMPLETED` or `TIMED_OUT` (a timeout completes with an error output).
    pub fn status(&self) -> &'static str {
        match (self.completed, self.output_is_error) {
            (false, _) => "WAITING",
            (true, false) => "COMPLETED",
            (true, true) => "TIMED_OUT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    Cancel,
    Replay,
}

impl BulkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BulkKind::Cancel => "CANCEL",
            BulkKind::Replay => "REPLAY",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BulkAction {
    pub id: String,
    pub env_id: String,
    pub seq: u64,
    pub kind: BulkKind,
    pub name: Option<String>,
    /// `PENDING`, `COMPLETED` or `ABORTED`.
    pub status: &'static str,
    /// The runs selected when the action was created.
    pub run_ids: Vec<String>,
    /// Runs the replay created.
    pub new_run_ids: Vec<String>,
    pub target_region: Option<String>,
    pub success: u64,
    pub failure: u64,
    pub created_ms: i64,
    pub completed_ms: Option<i64>,
}

/// Everything this module keeps, as one field of [`State`].
#[derive(Debug, Clone, Default)]
pub struct Surface {
    pub queues: Vec<Queue>,
    pub deployments: Vec<Deployment>,
    /// Env id -> id of its current deployment.
    pub current: Vec<(String, String)>,
    /// Envs that got their seeded deployment (branch envs added later get it on first use).
    seeded: HashSet<String>,
    pub waitpoints: Vec<Waitpoint>,
    pub bulk_actions: Vec<BulkAction>,
    /// When true, new bulk actions stay PENDING until processed (admin) or aborted.
    pub bulk_defer: bool,
    seq: u64,
}

/// The deterministic id of a queue.
pub fn queue_id(env_id: &str, name: &str) -> String {
    format!("queue_{}", hashed(&["queue", env_id, name], 25))
}

/// Deployment versions compare numerically part by part (`20250101.10` > `20250101.9`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a).cmp(&parts(b))
}

impl Surface {
    /// Seeds every env of `envs` with its current deployment, except dev envs: as on the
    /// server, they run on dev workers and have no deployments.
    pub fn new(envs: &[Env]) -> Surface {
        let mut s = Surface::default();
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

    fn next_seq(&mut self) -> u64 {
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
        self.deployments.push(Deployment {
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
        self.deployments.iter().find(|d| d.id == id)
    }

    pub fn is_current(&self, d: &Deployment) -> bool {
        self.current
            .iter()
            .any(|(e, id)| *e == d.env_id && *id == d.id)
    }

    /// Creates the queue if it does not exist yet; returns its id.
    pub fn ensure_queue(&mut self, env_id: &str, name: &str, limit: Option<u64>) -> String {
        if let Some(q) = self
            .queues
            .iter()
            .find(|q| q.env_id == env_id && q.name == name)
        {
            return q.id.clone();
        }
        let id = queue_id(env_id, name);
        self.queues.push(Queue {
            id: id.clone(),
            env_id: env_id.to_string(),
            name: name.to_string(),
            kind: if name.starts_with("task/") {
                QueueKind::Task
            } else {
                QueueKind::Custom
            },
            paused: false,
            concurrency_limit: limit,
            concurrency_base: None,
            override_percent: None,
            overridden_ms: None,
        });
        id
    }

    pub fn queue_by_name(&self, env_id: &str, name: &str) -> Option<&Queue> {
        self.queues
            .iter()
            .find(|q| q.env_id == env_id && q.name == name)
    }

    /// Times out waiting tokens whose `timeoutAt` has passed.
    pub fn tick(&mut self, now: i64) {
        for w in &mut self.waitpoints {
            if let Some(t) = w.timeout_ms.filter(|t| !w.completed && *t <= now) {
                w.completed = true;
                w.completed_ms = Some(t);
                w.output_is_error = true;
                w.output_type = "application/json".into();
                w.output = Some(
                    json!({
                        "code": "TRIGGER_WAITPOINT_TIMEOUT",
                        "message": format!("Waitpoint timed out at {}", iso(t)),
                    })
                    .to_string(),
                );
            }
        }
    }

    pub fn waitpoint(&self, env_id: &str, id: &str) -> Option<&Waitpoint> {
        self.waitpoints
            .iter()
            .find(|w| w.id == id && w.env_id == env_id)
    }

    /// Creates a waitpoint token, or returns the one with the same unexpired idempotency key
    /// (`true` = cached).
    pub fn create_waitpoint(
        &mut self,
        env_id: &str,
        key: Option<String>,
        key_expires_ms: Option<i64>,
        timeout_ms: Option<i64>,
        tags: Vec<String>,
        now: i64,
    ) -> (String, bool) {
        if let Some(k) = &key {
            if let Some(w) = self
                .waitpoints
                .iter_mut()
                .find(|w| w.env_id == env_id && w.idempotency_key.as_ref() == Some(k))
            {
                if w.idempotency_expires_ms.is_some_and(|t| now > t) {
                    // Expired: the old token keeps the key only as an inactive one.
                    w.inactive_key = w.idempotency_key.take();
                } else {
                    return (w.id.clone(), true);
                }
            }
        }
        let seq = self.next_seq();
        let id = random_id("waitpoint_");
        self.waitpoints.push(Waitpoint {
            id: id.clone(),
            env_id: env_id.to_string(),
            seq,
            completed: false,
            idempotency_key: key,
            inactive_key: None,
            idempotency_expires_ms: key_expires_ms,
            timeout_ms,
            completed_ms: None,
            output: None,
            output_type: "application/json".into(),
            output_is_error: false,
            tags,
            created_ms: now,
        });
        (id, false)
    }

    /// Completes a waiting token with `(output, outputType)`; completing twice changes nothing.
    pub fn complete_waitpoint(&mut self, id: &str, output: Option<(String, String)>, now: i64) {
        if let Some(w) = self
            .waitpoints
            .iter_mut()
            .find(|w| w.id == id && !w.completed)
        {
            w.completed = true;
            w.completed_ms = Some(now);
            if let Some((data, data_type)) = output {
                w.output = Some(data);
                w.output_type = data_type;
            }
        }
    }

    pub fn new_bulk_seq(&mut self) -> u64 {
        self.next_seq()
    }

    pub fn new_deployment_seq(&mut self) -> u64 {
        self.next_seq()
    }
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

/// What `declare_task` accepts.
pub const TASK_KINDS: &[&str] = &["STANDARD", "SCHEDULED", "AGENT"];

impl State {
    /// The task queue a run waits in, created when the run is the first of its task. A custom
    /// queue the trigger names is not created: as on the server (where workers declare queues),
    /// an unknown one is accepted and stays unknown (add it with `add_queue`).
    pub fn ensure_run_queue(&mut self, run_id: &str) {
        let Some(r) = self.run(run_id) else {
            return;
        };
        let (env, name) = (r.env_id.clone(), r.queue_name());
        if name.starts_with("task/") {
            self.surface.ensure_queue(&env, &name, None);
        }
    }

    /// `(queued, running)` runs of a queue.
    pub fn queue_counts(&self, q: &Queue) -> (u64, u64) {
        let (mut queued, mut running) = (0, 0);
        for r in self
            .runs
            .iter()
            .filter(|r| r.env_id == q.env_id && r.queue_name() == q.name)
        {
            match r.status.as_str() {
                "QUEUED" => queued += 1,
                "EXECUTING" | "DEQUEUED" => running += 1,
                _ => {}
            }
        }
        (queued, running)
    }

    /// Refuses to start a run whose queue is paused or at its concurrency limit.
    pub fn check_can_start(&self, run_id: &str) -> Result<(), ControlError> {
        let Some(r) = self.run(run_id) else {
            return Ok(());
        };
        if r.status == "EXECUTING" {
            return Ok(());
        }
        let Some(q) = self.surface.queue_by_name(&r.env_id, &r.queue_name()) else {
            return Ok(());
        };
        if q.paused {
            return Err(ControlError::QueuePaused(q.name.clone()));
        }
        if let Some(limit) = q.concurrency_limit {
            let (_, running) = self.queue_counts(q);
            if running >= limit {
                return Err(ControlError::QueueFull(q.name.clone(), limit));
            }
        }
        Ok(())
    }

    /// Resolves an env id, or a root env slug of the first project (`dev`, `stg`, …).
    pub fn resolve_env(&self, env: Option<&str>) -> Result<String, ControlError> {
        let want = env.unwrap_or("dev");
        if self.env(want).is_some() {
            return Ok(want.to_string());
        }
        let project = self.seed.project_ref();
        self.envs
            .iter()
            .find(|e| e.project_ref == project && e.parent.is_none() && e.slug == want)
            .map(|e| e.id.clone())
            .ok_or_else(|| ControlError::Invalid(format!("No env {want}")))
    }

    /// Adds a queue (admin); `name` `task/<id>` makes a task queue, anything else a custom one.
    pub fn add_queue(
        &mut self,
        env_id: &str,
        name: &str,
        limit: Option<u64>,
    ) -> Result<String, ControlError> {
        if self.env(env_id).is_none() {
            return Err(ControlError::Invalid(format!("No env {env_id}")));
        }
        if name.is_empty() || name == "task/" {
            return Err(ControlError::Invalid("name is required".into()));
        }
        Ok(self.surface.ensure_queue(env_id, name, limit))
    }

    /// Declares a task and its kind (admin).
    pub fn declare_task(&mut self, id: &str, kind: &str) -> Result<(), ControlError> {
        if !TASK_KINDS.contains(&kind) {
            return Err(ControlError::Invalid(format!(
                "kind must be one of {}",
                TASK_KINDS.join(", ")
            )));
        }
        self.task_kinds.insert(id.to_string(), kind.to_string());
        // A registered task has its queue in every env, as a worker's registration gives it.
        let envs: Vec<String> = self.envs.iter().map(|e| e.id.clone()).collect();
        for env in envs {
            self.surface.ensure_queue(&env, &format!("task/{id}"), None);
        }
        Ok(())
    }

    /// Adds a deployment (admin); returns its id.
    pub fn add_deployment(&mut self, d: NewDeployment) -> Result<String, ControlError> {
        if self.env(&d.env_id).is_none() {
            return Err(ControlError::Invalid(format!("No env {}", d.env_id)));
        }
        let status = d.status.unwrap_or_else(|| "DEPLOYED".into());
        if !DEPLOYMENT_STATUSES.contains(&status.as_str()) {
            return Err(ControlError::Invalid(format!(
                "status must be one of {}",
                DEPLOYMENT_STATUSES.join(", ")
            )));
        }
        self.surface.seed_env(&d.env_id);
        let now = self.now_ms();
        let created = d.created_ms.unwrap_or(now);
        let version = match d.version {
            Some(v) => v,
            None => {
                // `YYYYMMDD.N`, one more than the env's newest version of that day.
                let day = iso(created)[..10].replace('-', "");
                let n = self
                    .surface
                    .deployments
                    .iter()
                    .filter(|x| x.env_id == d.env_id)
                    .filter_map(|x| x.version.strip_prefix(&format!("{day}.")))
                    .filter_map(|n| n.parse::<u64>().ok())
                    .max()
                    .unwrap_or(0);
                format!("{day}.{}", n + 1)
            }
        };
        if self
            .surface
            .deployments
            .iter()
            .any(|x| x.env_id == d.env_id && x.version == version)
        {
            return Err(ControlError::Invalid(format!(
                "Version {version} already exists in this env"
            )));
        }
        let seq = self.surface.new_deployment_seq();
        let id = random_id("deployment_");
        let deployed = status == "DEPLOYED";
        let env_id = d.env_id.clone();
        self.surface.deployments.push(Deployment {
            id: id.clone(),
            env_id: d.env_id,
            seq,
            short_code: hashed(&["shortCode", &id], 8),
            content_hash: hashed_hex(&["content", &id], 32),
            version,
            created_ms: created,
            deployed_ms: deployed.then_some(created),
            runtime: Some(d.runtime.unwrap_or_else(|| "node".into())),
            runtime_version: Some("22.12.0".into()),
            git: d.git,
            error: d.error.or_else(|| {
                (status == "FAILED").then(|| json!({"name": "Error", "message": "Build failed"}))
            }),
            worker_id: deployed.then(|| format!("worker_{}", hashed(&["worker", &id], 25))),
            tasks: d.tasks,
            status,
        });
        if d.promote {
            if !deployed {
                return Err(ControlError::Invalid(
                    "Only a DEPLOYED deployment can be current".into(),
                ));
            }
            self.surface.set_current(&env_id, &id);
        }
        Ok(id)
    }

    /// A new run like `POST /api/v1/runs/{id}/replay` makes (same task, payload and options).
    pub fn replay_run(&mut self, src: &Run, region: Option<&str>) -> String {
        let mut opts = src.opts.clone();
        opts.idempotency_key = None;
        opts.delay_until_ms = None;
        opts.tags = src.tags.clone();
        opts.metadata = src.metadata.clone();
        if let Some(r) = region {
            opts.region = Some(r.to_string());
        }
        let id = self.create_run(NewRun {
            env_id: &src.env_id,
            task: &src.task,
            payload: src.payload.clone(),
            payload_type: src.payload_type.clone(),
            opts,
            trigger_function: "trigger",
            batch_id: None,
        });
        if let Some(r) = self.run_mut(&id) {
            r.replayed_from = Some(src.id.clone());
            r.realtime_streams_version = src.realtime_streams_version.clone();
        }
        id
    }

    /// Applies a pending bulk action to its selected runs and completes it.
    pub fn process_bulk_action(&mut self, id: &str) -> Result<(), ControlError> {
        let i = self
            .surface
            .bulk_actions
            .iter()
            .position(|b| b.id == id)
            .ok_or(ControlError::BulkActionNotFound)?;
        let b = self.surface.bulk_actions[i].clone();
        if b.status != "PENDING" {
            return Err(ControlError::Invalid(format!(
                "Bulk action {id} is {}",
                b.status
            )));
        }
        let now = self.now_ms();
        let (mut success, mut failure, mut created) = (0, 0, Vec::new());
        for run_id in &b.run_ids {
            let Some(src) = self.run(run_id).cloned() else {
                failure += 1;
                continue;
            };
            match b.kind {
                BulkKind::Cancel => {
                    if let Some(r) = self.run_mut(run_id) {
                        if !r.bulk_action_ids.contains(&b.id) {
                            r.bulk_action_ids.push(b.id.clone());
                        }
                        if r.is_final() {
                            failure += 1;
                        } else {
                            r.cancel(now);
                            success += 1;
                        }
                    }
                }
                BulkKind::Replay => {
                    let new_id = self.replay_run(&src, b.target_region.as_deref());
                    if let Some(r) = self.run_mut(&new_id) {
                        r.bulk_action_ids.push(b.id.clone());
                    }
                    created.push(new_id);
                    success += 1;
                }
            }
        }
        let b = &mut self.surface.bulk_actions[i];
        b.success += success;
        b.failure += failure;
        b.new_run_ids.extend(created);
        b.status = "COMPLETED";
        b.completed_ms = Some(now);
        Ok(())
    }

    /// The dump of this module's state for `GET /__emulator/state`.
    pub fn dump_surface(&self, base_url: &str) -> Value {
        use crate::views::surface as v;
        let queues: Vec<Value> = self
            .surface
            .queues
            .iter()
            .map(|q| {
                let mut o = v::queue_json(self, q);
                o["envId"] = json!(q.env_id);
                o["queueName"] = json!(q.name);
                o
            })
            .collect();
        let deployments: Vec<Value> = self
            .surface
            .deployments
            .iter()
            .map(|d| {
                let mut o = v::deployment_json(d);
                o["envId"] = json!(d.env_id);
                o["isCurrent"] = json!(self.surface.is_current(d));
                o
            })
            .collect();
        let waitpoints: Vec<Value> = self
            .surface
            .waitpoints
            .iter()
            .map(|w| {
                let mut o = v::waitpoint_json(self, w, base_url, true);
                o["envId"] = json!(w.env_id);
                o
            })
            .collect();
        let bulk: Vec<Value> = self
            .surface
            .bulk_actions
            .iter()
            .map(|b| {
                let mut o = v::bulk_action_json(b);
                o["envId"] = json!(b.env_id);
                o["runIds"] = json!(b.run_ids);
                o["newRunIds"] = json!(b.new_run_ids);
                o["targetRegion"] = json!(b.target_region);
                o
            })
            .collect();
        json!({
            "queues": queues,
            "deployments": deployments,
            "waitpoints": waitpoints,
            "bulkActions": bulk,
            "bulkActionsDeferred": self.surface.bulk_defer,
        })
    }
}

impl State {
    /// Sets the clock to `at` (or keeps the current time) and freezes it or lets it run.
    pub fn set_clock(&mut self, at: Option<i64>, frozen: bool) {
        let target = at.unwrap_or_else(|| self.now_ms());
        if frozen {
            self.frozen_ms = Some(target);
            self.offset_ms = 0;
        } else {
            self.frozen_ms = None;
            self.offset_ms = target - crate::util::wall_ms();
        }
        self.tick();
    }
}
