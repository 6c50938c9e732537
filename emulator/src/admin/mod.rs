//! The test controls under `/__emulator/` (no auth, never faulted, never logged): what a
//! worker or the scheduler would do (start, complete and fail runs, fire schedules, declare
//! tasks, queues and deployments), the clock, fault rules, the request log, session records,
//! and the state dump.
//!
//! Admin handlers use the domain and the views like the API routes do, but never the API
//! routes themselves (`routes/`), and those never use them.

use crate::auth::Auth;
use crate::route::Route;

pub mod bulk;
pub mod clock;
pub mod deployments;
pub mod faults;
pub mod realtime;
pub mod runs;
pub mod sessions;
pub mod state;
pub mod tasks;

/// The test-control API under `/__emulator/` (no auth, never faulted, never logged).
pub fn admin_routes() -> Vec<Route> {
    use Auth::Public;
    vec![
        Route::new("GET", "/__emulator/state", Public, state::dump),
        Route::new("GET", "/__emulator/seed", Public, state::seed),
        Route::new("GET", "/__emulator/requests", Public, state::requests),
        Route::new(
            "DELETE",
            "/__emulator/requests",
            Public,
            state::clear_requests,
        ),
        Route::new("POST", "/__emulator/reset", Public, state::reset),
        Route::new("POST", "/__emulator/advance", Public, clock::advance),
        Route::new("POST", "/__emulator/runs/{}/start", Public, runs::start),
        Route::new(
            "POST",
            "/__emulator/runs/{}/complete",
            Public,
            runs::complete,
        ),
        Route::new("POST", "/__emulator/runs/{}/fail", Public, runs::fail),
        Route::new(
            "POST",
            "/__emulator/schedules/{}/fire",
            Public,
            runs::fire_schedule,
        ),
        Route::new(
            "POST",
            "/__emulator/runs/{}/streams/{}",
            Public,
            realtime::append,
        ),
        Route::new("GET", "/__emulator/realtime", Public, realtime::dump),
        Route::new(
            "POST",
            "/__emulator/realtime/config",
            Public,
            realtime::set_config,
        ),
        Route::new(
            "POST",
            "/__emulator/realtime/rotate",
            Public,
            realtime::rotate,
        ),
        Route::new(
            "POST",
            "/__emulator/realtime/must-refetch",
            Public,
            realtime::must_refetch,
        ),
        Route::new("GET", "/__emulator/faults", Public, faults::list),
        Route::new("POST", "/__emulator/faults", Public, faults::add),
        Route::new("DELETE", "/__emulator/faults", Public, faults::clear),
        Route::new("POST", "/__emulator/branches", Public, state::add_branch),
        Route::new("PUT", "/__emulator/packets/{*}", Public, state::put_packet),
        Route::new("GET", "/__emulator/packets/{*}", Public, state::get_packet),
        Route::new("POST", "/__emulator/panic", Public, state::panic),
        Route::new("POST", "/__emulator/queues", Public, tasks::add_queue),
        Route::new(
            "POST",
            "/__emulator/concurrency-limits",
            Public,
            tasks::add_concurrency_limit,
        ),
        Route::new("POST", "/__emulator/tasks", Public, tasks::add_task),
        Route::new("POST", "/__emulator/deployments", Public, deployments::add),
        Route::new(
            "POST",
            "/__emulator/bulk-actions/defer",
            Public,
            bulk::defer,
        ),
        Route::new(
            "POST",
            "/__emulator/bulk-actions/{}/process",
            Public,
            bulk::process,
        ),
        Route::new("GET", "/__emulator/clock", Public, clock::get),
        Route::new("POST", "/__emulator/clock", Public, clock::set),
        Route::new("GET", "/__emulator/sessions", Public, sessions::list),
        Route::new(
            "POST",
            "/__emulator/sessions/end-streams",
            Public,
            sessions::end_streams,
        ),
        Route::new(
            "GET",
            "/__emulator/sessions/config",
            Public,
            sessions::get_config,
        ),
        Route::new(
            "POST",
            "/__emulator/sessions/config",
            Public,
            sessions::set_config,
        ),
        Route::new(
            "POST",
            "/__emulator/sessions/{}/{}/records",
            Public,
            sessions::append,
        ),
        Route::new(
            "POST",
            "/__emulator/sessions/{}/channels/{}/{}/records",
            Public,
            sessions::append_named,
        ),
    ]
}
