//! A local, stateful emulator of the Trigger.dev management API.
//!
//! Like stripe-mock, but it remembers what you did and enforces the server's auth rules:
//! triggered runs can be listed, retrieved, cancelled, completed; env vars, schedules, queues,
//! deployments, waitpoint tokens and bulk actions persist;
//! secret keys, PATs, preview branches and public JWT scopes are checked as the real server does;
//! sessions keep their channels' records and serve them as SSE with deterministic window ends.
//! Runs only move when the test says so (admin API or the methods below), and faults can be
//! injected per request.
//!
//! ```
//! use triggerdev_emulator::{Emulator, FaultRule};
//!
//! let emu = Emulator::start().unwrap();
//! println!("{} with key {}", emu.base_url(), emu.seed().dev_key());
//! emu.add_fault(FaultRule::status(503).times(2));
//! assert!(emu.runs().is_empty());
//! ```
#![forbid(unsafe_code)]

// Layers, bottom up (README.md, "Layout"): a module uses modules of the layers below it and
// of its own layer, never those above; `tests/module_cycles.py` fails on an import circle.

// Foundation: knows nothing of the emulated world.
mod cron;
mod http;
mod jwt;
mod seed;
mod util;

// The domain: records by area, the world, the rules across it. No HTTP, no JSON views.
mod model;
mod rules;
mod state;

// The API's JSON shapes, built from the domain.
mod views;

// Serving: fault rules, the request log, the lock, start-up options, credentials, what a
// handler gets, SSE bodies.
mod auth;
mod faults;
mod hub;
mod options;
mod request_log;
mod route;
mod sse;

// The management API, and apart from it the test controls (`/__emulator/…`); then dispatch.
mod admin;
mod app;
mod routes;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use faults::{FaultRule, Faults};
pub use model::deployments::NewDeployment;
pub use model::realtime::RealtimeOptions;
pub use model::sessions::SessionOptions;
pub use options::Options;
pub use rules::error::ControlError;
pub use seed::{AdditionalKeySeed, EnvSeed, PatSeed, ProjectSeed, Seed};
/// Makes every id this process generates from now on deterministic (`--id-seed`).
pub use util::seed_ids;
pub use views::envvars::REDACTED;

/// The default seed's credentials, for callers that want constants.
pub mod keys {
    pub use crate::seed::{
        DEFAULT_PROJECT, DEV_ADDITIONAL_KEY, DEV_ADDITIONAL_KEY_SCOPES, DEV_KEY, PAT,
        PREVIEW_BRANCH, PREVIEW_KEY, PROD_KEY, STAGING_KEY,
    };
}

use app::App;

/// A running emulator. Dropping it stops the server and joins its threads.
pub struct Emulator {
    app: Arc<App>,
    // Dropped after `app`'s last user is gone; the server owns the threads that hold `app` clones.
    _server: http::Server,
}

impl Emulator {
    /// Starts on 127.0.0.1 with a free port and the default seed.
    pub fn start() -> std::io::Result<Emulator> {
        Self::start_with(Options::default())
    }

    /// Starts with explicit options.
    pub fn start_with(opts: Options) -> std::io::Result<Emulator> {
        opts.seed
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = TcpListener::bind(SocketAddr::new(opts.host, opts.port))?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = Arc::new(App::new(opts, base_url));
        let server = http::Server::start(listener, app.clone())?;
        Ok(Emulator {
            app,
            _server: server,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// The projects, keys and PATs in force.
    pub fn seed(&self) -> &Seed {
        &self.app.options.seed
    }

    /// Every run in every env, oldest first, in the state-dump shape
    /// (the retrieve shape plus `envId`, `payloadType`, `rawPayload`, `options`, `queue`).
    pub fn runs(&self) -> Vec<Value> {
        self.with_state(|s| s["runs"].as_array().cloned().unwrap_or_default())
    }

    /// One run in the state-dump shape.
    pub fn run(&self, id: &str) -> Option<Value> {
        self.runs().into_iter().find(|r| r["id"] == id)
    }

    /// Every batch (retrieve shape plus `envId`, `taskIdentifiers`).
    pub fn batches(&self) -> Vec<Value> {
        self.with_state(|s| s["batches"].as_array().cloned().unwrap_or_default())
    }

    /// Every schedule in every env.
    pub fn schedules(&self) -> Vec<Value> {
        self.with_state(|s| s["schedules"].as_array().cloned().unwrap_or_default())
    }

    /// Env vars of an env id, unredacted: `{NAME: {"value", "isSecret"}}`.
    pub fn envvars(&self, env_id: &str) -> Value {
        self.with_state(|s| s["envvars"][env_id].clone())
    }

    /// The full state dump (same as `GET /__emulator/state`).
    pub fn state(&self) -> Value {
        let mut shared = self.app.lock();
        shared.state.tick();
        admin::state::state_dump(
            &shared.state,
            &shared.faults.rules,
            shared.log.count,
            &self.app.base_url,
        )
    }

    fn with_state<T>(&self, f: impl FnOnce(&Value) -> T) -> T {
        f(&self.state())
    }

    /// The API request log, oldest first (method, path, query, headers, body, status, fault).
    pub fn requests(&self) -> Vec<Value> {
        self.app.lock().log.requests.iter().cloned().collect()
    }

    /// Number of API requests received since start or reset.
    pub fn request_count(&self) -> u64 {
        self.app.lock().log.count
    }

    pub fn clear_requests(&self) {
        self.app.lock().log.requests.clear();
    }

    /// QUEUED/DELAYED → EXECUTING. Refused with [`ControlError::QueuePaused`] or
    /// [`ControlError::QueueFull`] while the run's queue is paused or at its concurrency limit.
    pub fn start_run(&self, run_id: &str) -> Result<(), ControlError> {
        self.app.lock().state.start_run(run_id)
    }

    /// → COMPLETED with `output`.
    pub fn complete_run(&self, run_id: &str, output: Value) -> Result<(), ControlError> {
        self.app.lock().state.complete_run(run_id, output)
    }

    /// → FAILED with `error` (`{"message", "name"?, "stackTrace"?}` or a plain string).
    pub fn fail_run(&self, run_id: &str, error: Value) -> Result<(), ControlError> {
        self.app.lock().state.fail_run(run_id, error, None)
    }

    /// Fires a schedule as if its cron ticked; returns the new run's id.
    pub fn fire_schedule(&self, schedule_id: &str) -> Result<String, ControlError> {
        self.app.lock().state.fire_schedule(schedule_id)
    }

    /// Moves the emulator clock forward; delayed runs come due, TTLs expire, sessions pass
    /// their `expiresAt`, and SSE windows that the new time passes end with `[DONE]`.
    pub fn advance(&self, by: Duration) {
        self.app.lock().state.advance(by.as_millis() as i64);
        self.app.notify();
    }

    /// The emulator clock in Unix ms.
    pub fn now_ms(&self) -> i64 {
        self.app.lock().state.now_ms()
    }

    /// Appends a fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        self.app.lock().faults.rules.push(rule);
    }

    /// Replaces all fault rules (and reseeds the fault RNG).
    pub fn set_faults(&self, faults: Faults) {
        self.app.lock().faults = faults::FaultState::new(&faults);
    }

    /// Removes all fault rules.
    pub fn clear_faults(&self) {
        self.app.lock().faults.rules.clear();
    }

    /// Every queue (queue object plus `envId` and the internal `queueName`, e.g. `task/my-task`).
    pub fn queues(&self) -> Vec<Value> {
        self.with_state(|s| s["queues"].as_array().cloned().unwrap_or_default())
    }

    /// Every deployment (list shape plus `envId` and `isCurrent`).
    pub fn deployments(&self) -> Vec<Value> {
        self.with_state(|s| s["deployments"].as_array().cloned().unwrap_or_default())
    }

    /// Every waitpoint token (retrieve shape plus `envId`).
    pub fn waitpoints(&self) -> Vec<Value> {
        self.with_state(|s| s["waitpoints"].as_array().cloned().unwrap_or_default())
    }

    /// Every bulk action (object shape plus `envId`, `runIds`, `newRunIds`, `targetRegion`).
    pub fn bulk_actions(&self) -> Vec<Value> {
        self.with_state(|s| s["bulkActions"].as_array().cloned().unwrap_or_default())
    }

    /// Adds a queue to `env` (an env id, or a root slug such as `dev`): a name `task/<id>` makes
    /// a task queue, anything else a custom queue. Returns its id (existing queues keep theirs).
    pub fn add_queue(
        &self,
        env: &str,
        name: &str,
        concurrency_limit: Option<u64>,
    ) -> Result<String, ControlError> {
        let st = &mut self.app.lock().state;
        let env_id = st.resolve_env(Some(env))?;
        st.add_queue(&env_id, name, concurrency_limit)
    }

    /// Declares a named concurrency limit in `env` (an env id, or a root slug such as `dev`)
    /// with its bounds per concurrency key and in total, as a worker's code would; declaring
    /// it again sets new bounds. Returns its id (`climit_…`).
    pub fn add_concurrency_limit(
        &self,
        env: &str,
        name: &str,
        per_key: Option<u64>,
        total: Option<u64>,
    ) -> Result<String, ControlError> {
        let st = &mut self.app.lock().state;
        let env_id = st.resolve_env(Some(env))?;
        st.add_concurrency_limit(&env_id, name, per_key, total)
    }

    /// Declares a task with its kind (`STANDARD`, `SCHEDULED` or `AGENT`), as a worker
    /// registering it would: its task queue exists in every env, run lists show the kind
    /// (`taskKind`), and schedules for a declared task that is not `SCHEDULED` are refused (422).
    /// Undeclared tasks are accepted everywhere.
    pub fn add_task(&self, id: &str, kind: &str) -> Result<(), ControlError> {
        self.app.lock().state.declare_task(id, kind)
    }

    /// Adds a deployment (`env_id` may also be a root slug such as `dev`); returns its id.
    /// Without a version it gets `YYYYMMDD.N` of its creation day; `promote` makes it current.
    pub fn add_deployment(&self, mut d: NewDeployment) -> Result<String, ControlError> {
        let st = &mut self.app.lock().state;
        d.env_id = st.resolve_env(Some(&d.env_id))?;
        st.add_deployment(d)
    }

    /// With `true`, new bulk actions stay PENDING (nothing applied) until
    /// [`process_bulk_action`](Self::process_bulk_action) or an abort; `false` (the default)
    /// applies them when they are created.
    pub fn set_bulk_actions_deferred(&self, defer: bool) {
        self.app.lock().state.bulk_actions.defer = defer;
    }

    /// Applies a PENDING (deferred) bulk action and completes it.
    pub fn process_bulk_action(&self, id: &str) -> Result<(), ControlError> {
        self.app.lock().state.process_bulk_action(id)
    }

    /// Stops the emulator clock at `ms` (Unix ms); `advance` still moves it.
    pub fn freeze_clock_at(&self, ms: i64) {
        self.app.lock().state.set_clock(Some(ms), true);
    }

    /// Lets a frozen clock run on with the wall clock from where it stands.
    pub fn unfreeze_clock(&self) {
        self.app.lock().state.set_clock(None, false);
    }

    /// Adds a branch env under the first project's env `slug` (`preview` or `dev`); returns its env id.
    pub fn add_branch(&self, slug: &str, branch: &str) -> Option<String> {
        let st = &mut self.app.lock().state;
        let project = st.seed.project_ref().to_string();
        st.add_branch(&project, slug, branch)
    }

    /// Back to the seed: no runs, batches, vars, schedules, requests; start-up faults; real clock.
    pub fn reset(&self) {
        *self.app.lock() = hub::Shared::new(&self.app.options);
        self.app.notify();
    }

    /// Every session in every env, oldest first (`SessionItem` plus `envId`, `status`,
    /// `runIds` and `channels` with their records, tail and subscriber count).
    pub fn sessions(&self) -> Vec<Value> {
        self.with_state(|s| s["sessions"].as_array().cloned().unwrap_or_default())
    }

    /// One session by friendly id or externalId, in the state-dump shape.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.sessions()
            .into_iter()
            .find(|s| s["id"] == id || s["externalId"] == id)
    }

    /// Appends records to a session channel as the task would (no auth, no closed check), and
    /// wakes subscribers. `io` is `"in"` or `"out"`; `channel` names a named channel.
    /// `records` is one record or an array: `{"data", "id"?, "headers"?}` (a data record),
    /// `{"control": "turn-complete", "publicAccessToken"?: true|"<token>", "sessionInEventId"?,
    /// "lastEventId"?}` (a control record; `true` mints a fresh session token),
    /// `{"command": "trim"|"fence", "trimTo"?, "body"?}` (an S2 command record, first header
    /// name `""`; `trim` drops records below `trimTo`) or `{"body": "<raw>", "headers"?}`.
    /// Returns the records' seqs.
    pub fn append_session_records(
        &self,
        session: &str,
        channel: Option<&str>,
        io: &str,
        records: Value,
    ) -> Result<Vec<u64>, ControlError> {
        let seqs = admin::sessions::append_records(
            &mut self.app.lock().state,
            session,
            channel,
            io,
            &records,
        );
        self.app.notify();
        seqs
    }

    /// Appends one data record `{"data": data}` to the session's `.out`; returns its seq.
    pub fn append_session_out(&self, session: &str, data: Value) -> Result<u64, ControlError> {
        self.append_session_records(session, None, "out", serde_json::json!({ "data": data }))
            .map(|s| s[0])
    }

    /// Appends a `turn-complete` control record to `.out`, carrying a refreshed
    /// `public-access-token` header; returns its seq.
    pub fn session_turn_complete(&self, session: &str) -> Result<u64, ControlError> {
        self.append_session_records(
            session,
            None,
            "out",
            serde_json::json!({"control": "turn-complete", "publicAccessToken": true}),
        )
        .map(|s| s[0])
    }

    /// Ends every open SSE window now (each sends what it has, then `[DONE]`); returns how
    /// many streams were open.
    pub fn end_session_streams(&self) -> usize {
        let mut shared = self.app.lock();
        let sessions = &mut shared.state.sessions;
        sessions.end_epoch += 1;
        let open = sessions.channels.values().map(|c| c.subscribers).sum();
        drop(shared);
        self.app.notify();
        open
    }

    /// Number of SSE streams currently reading the session's channels.
    pub fn session_subscribers(&self, session: &str) -> usize {
        self.session(session)
            .map(|s| {
                s["channels"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .filter_map(|c| c["subscribers"].as_u64())
                            .sum::<u64>()
                    })
                    .unwrap_or(0) as usize
            })
            .unwrap_or(0)
    }

    /// How long live realtime requests are held without a change (emulator clock), until reset.
    pub fn set_realtime_hold(&self, hold: Duration) {
        self.app.lock().state.realtime.hold_override = Some(hold);
        self.app.notify();
    }

    /// The realtime feeds as the admin API shows them (`GET /__emulator/realtime`): `holdMs`,
    /// `held`, `shapes` (handle, feed, offset, rows, ...), `streams`, `inputs`.
    pub fn realtime(&self) -> Value {
        let shared = self.app.lock();
        let rt = &shared.state.realtime;
        let hold = rt.hold_override.unwrap_or(self.app.options.realtime.hold);
        views::realtime::realtime_dump(rt, hold.as_millis())
    }

    /// Live realtime requests being held now: a test waits for this before changing a run, to
    /// see a held request woken (rather than answered at once).
    pub fn realtime_held(&self) -> usize {
        self.app.lock().state.realtime.held
    }

    /// Waits (on the emulator's own condition variable, not by polling a clock) until `n` live
    /// realtime requests are held; false if `limit` passes first (a hang guard).
    pub fn wait_realtime_held(&self, n: usize, limit: Duration) -> bool {
        let hub = self.app.hub();
        let end = std::time::Instant::now() + limit;
        let mut guard = hub.lock();
        while guard.state.realtime.held < n {
            let now = std::time::Instant::now();
            if now >= end {
                return false;
            }
            guard = hub.wait(guard, (end - now).min(Duration::from_millis(50)));
        }
        true
    }

    /// Rotates the realtime shapes (all, or the one with `handle`): requests with an old handle
    /// get 409 `must-refetch` and the new handle. Returns (old, new) handles.
    pub fn rotate_realtime_shapes(&self, handle: Option<&str>) -> Vec<(String, String)> {
        let pairs = self.app.lock().state.realtime.rotate(handle);
        self.app.notify();
        pairs
    }

    /// The next answer of the realtime shapes (all, or the one with `handle`) is a 200 that
    /// starts with `must-refetch` and carries every row again. Returns how many shapes.
    pub fn realtime_must_refetch(&self, handle: Option<&str>) -> usize {
        let n = self.app.lock().state.realtime.must_refetch(handle);
        self.app.notify();
        n
    }

    /// Appends records to a run's stream as its task would (see
    /// [`append_session_records`](Self::append_session_records) for the record forms); wakes
    /// readers. Returns the records' seqs.
    pub fn append_run_stream(
        &self,
        run_id: &str,
        stream: &str,
        records: Value,
    ) -> Result<Vec<u64>, ControlError> {
        let seqs =
            admin::realtime::append_stream(&mut self.app.lock().state, run_id, stream, &records);
        self.app.notify();
        seqs
    }

    /// Overrides the session SSE options until reset (see [`SessionOptions`]).
    pub fn set_session_options(&self, opts: SessionOptions) {
        self.app.lock().state.sessions.overrides = Some(opts);
        self.app.notify();
    }

    /// The session SSE options in force.
    pub fn session_options(&self) -> SessionOptions {
        self.app
            .lock()
            .state
            .sessions
            .overrides
            .clone()
            .unwrap_or_else(|| self.app.options.sessions.clone())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Open SSE streams end at once instead of at their next wake-up; then `_server`
        // closes the sockets and joins the threads.
        self.app.hub().shut_down();
    }
}
