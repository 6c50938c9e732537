//! The management API: one module per resource, and the routing table.
//!
//! Handlers parse the request, check the caller's scopes, call the domain (`model`, `state`,
//! `rules`) and answer with its views (`views`). They may use each other's request-parsing
//! helpers, never the test controls (`admin/`).
//!
//! Patterns use `{}` for one path segment (percent-decoded) and `{*}` for the rest of the path.
//! The first route whose pattern and method match wins, so literal routes go before `{}` ones.

use crate::auth::Auth;
use crate::route::Route;

pub mod batches;
pub mod bulk;
pub mod channels;
pub mod concurrency_limits;
pub mod dashboards;
pub mod deployments;
pub mod envvars;
pub mod projects;
pub mod queries;
pub mod query;
pub mod queues;
pub mod realtime;
pub mod run_events;
pub mod runs;
pub mod schedules;
pub mod sessions;
pub mod tasks;
pub mod tokens;
pub mod waitpoints;

const MIB: usize = 1024 * 1024;
const RT: &str = "/realtime/v1/sessions/{}/{}";
const RT_APPEND: &str = "/realtime/v1/sessions/{}/{}/append";
const RT_RECORDS: &str = "/realtime/v1/sessions/{}/{}/records";
const RT_NAMED: &str = "/realtime/v1/sessions/{}/channels/{}/{}";
const RT_NAMED_APPEND: &str = "/realtime/v1/sessions/{}/channels/{}/{}/append";
const RT_NAMED_RECORDS: &str = "/realtime/v1/sessions/{}/channels/{}/{}/records";

/// The management API.
pub fn api_routes() -> Vec<Route> {
    use Auth::*;
    let envvars = "/api/v1/projects/{}/envvars/{}";
    vec![
        // Tasks and packets
        Route::new("POST", "/api/v1/tasks/{}/trigger", KeyOrJwt, tasks::trigger)
            .limit(3 * MIB)
            .needs_length(),
        Route::new("PUT", "/api/v2/packets/{*}", Key, tasks::packet_upload),
        Route::new("GET", "/api/v1/packets/{*}", Key, tasks::packet_download),
        Route::new("POST", "/api/v1/auth/jwt/claims", Claims, tasks::jwt_claims),
        Route::new("POST", "/api/v1/auth/public-tokens", Key, tokens::create),
        Route::new(
            "POST",
            "/api/v1/idempotencyKeys/{}/reset",
            KeyOrJwt,
            tasks::reset_idempotency_key,
        ),
        // Batches
        Route::new("POST", "/api/v3/batches", KeyOrJwt, batches::create)
            .limit(128 * 1024)
            .needs_length(),
        Route::new("POST", "/api/v3/batches/{}/items", KeyOrJwt, batches::items).limit(32 * MIB),
        Route::new("GET", "/api/v2/batches/{}", KeyOrJwt, batches::retrieve),
        Route::new("GET", "/api/v1/batches/{}", KeyOrJwt, batches::retrieve_v1),
        Route::new("GET", "/api/v1/batches/{}/results", Key, batches::results),
        // Runs
        Route::new("GET", "/api/v1/runs", KeyOrJwt, runs::list),
        Route::new("GET", "/api/v1/projects/{}/runs", Pat, runs::list_project),
        Route::new("GET", "/api/v3/runs/{}", KeyOrJwt, runs::retrieve),
        Route::new("POST", "/api/v2/runs/{}/cancel", KeyOrJwt, runs::cancel),
        Route::new("POST", "/api/v1/runs/{}/replay", Key, runs::replay),
        Route::new(
            "POST",
            "/api/v1/runs/{}/reschedule",
            Legacy,
            runs::reschedule,
        ),
        Route::new("POST", "/api/v1/runs/{}/tags", Legacy, runs::add_tags),
        Route::new(
            "PUT",
            "/api/v1/runs/{}/metadata",
            Key,
            runs::update_metadata,
        )
        .limit(2 * MIB)
        .needs_length(),
        Route::new(
            "GET",
            "/api/v1/runs/{}/metadata",
            Legacy,
            runs::get_metadata,
        ),
        Route::new("GET", "/api/v1/runs/{}/result", Legacy, runs::result),
        Route::new(
            "GET",
            "/api/v1/runs/{}/events",
            KeyOrJwt,
            run_events::events,
        ),
        Route::new("GET", "/api/v1/runs/{}/trace", KeyOrJwt, run_events::trace),
        Route::new(
            "GET",
            "/api/v1/runs/{}/spans/{}",
            KeyOrJwt,
            run_events::span,
        ),
        Route::new(
            "GET",
            "/api/v1/runs/{}/packets/{}",
            KeyOrJwt,
            realtime::packet_url,
        ),
        // Queues, deployments, waitpoint tokens, bulk actions
        // (docs/wire.md#queues-deployments-waitpoints-bulk-actions)
        Route::new("GET", "/api/v1/queues", Key, queues::list),
        Route::new("GET", "/api/v1/queues/{}", KeyOrJwt, queues::retrieve),
        Route::new("POST", "/api/v1/queues/{}/pause", Key, queues::pause),
        Route::new(
            "POST",
            "/api/v1/queues/{}/concurrency/override",
            Key,
            queues::override_limit,
        ),
        Route::new(
            "POST",
            "/api/v1/queues/{}/concurrency/reset",
            Key,
            queues::reset_limit,
        ),
        // Named concurrency limits
        Route::new(
            "GET",
            "/api/v1/concurrency-limits",
            Key,
            concurrency_limits::list,
        ),
        Route::new(
            "GET",
            "/api/v1/concurrency-limits/{}",
            Key,
            concurrency_limits::retrieve,
        ),
        Route::new(
            "POST",
            "/api/v1/concurrency-limits/{}/override",
            Key,
            concurrency_limits::override_limit,
        ),
        Route::new(
            "POST",
            "/api/v1/concurrency-limits/{}/reset",
            Key,
            concurrency_limits::reset,
        ),
        Route::new(
            "POST",
            "/api/v1/concurrency-limits/{}/pause",
            Key,
            concurrency_limits::pause,
        ),
        // Query and dashboards (docs/wire.md#query-and-dashboards)
        Route::new("POST", "/api/v1/query", Key, queries::execute),
        Route::new("GET", "/api/v1/query/schema", Key, queries::schema),
        Route::new("GET", "/api/v1/query/dashboards", Key, dashboards::list),
        Route::new("POST", "/api/v1/query/dashboards", Key, dashboards::create),
        Route::new(
            "GET",
            "/api/v1/query/dashboards/{}",
            Key,
            dashboards::retrieve,
        ),
        Route::new(
            "PATCH",
            "/api/v1/query/dashboards/{}",
            Key,
            dashboards::update,
        ),
        Route::new(
            "DELETE",
            "/api/v1/query/dashboards/{}",
            Key,
            dashboards::delete,
        ),
        Route::new("GET", "/api/v1/deployments", KeyOrJwt, deployments::list),
        Route::new(
            "GET",
            "/api/v1/deployments/current",
            KeyOrJwt,
            deployments::current,
        ),
        Route::new(
            "GET",
            "/api/v1/deployments/latest",
            Key,
            deployments::latest,
        ),
        Route::new("GET", "/api/v1/deployments/{}", Key, deployments::retrieve),
        Route::new(
            "POST",
            "/api/v1/deployments/{}/promote",
            Key,
            deployments::promote,
        ),
        Route::new("POST", "/api/v1/waitpoints/tokens", Key, waitpoints::create)
            .limit(10 * 1024)
            .needs_length(),
        Route::new("GET", "/api/v1/waitpoints/tokens", Key, waitpoints::list),
        Route::new(
            "GET",
            "/api/v1/waitpoints/tokens/{}",
            Key,
            waitpoints::retrieve,
        ),
        Route::new(
            "POST",
            "/api/v1/waitpoints/tokens/{}/complete",
            KeyOrJwt,
            waitpoints::complete,
        )
        .limit(3 * MIB)
        .needs_length(),
        Route::new(
            "POST",
            "/api/v1/waitpoints/tokens/{}/callback/{}",
            Public,
            waitpoints::callback,
        )
        .limit(3 * MIB),
        Route::new("POST", "/api/v1/bulk-actions", Key, bulk::create)
            .limit(MIB)
            .needs_length(),
        Route::new("GET", "/api/v1/bulk-actions", Key, bulk::list),
        Route::new("GET", "/api/v1/bulk-actions/{}", Key, bulk::retrieve),
        Route::new("POST", "/api/v1/bulk-actions/{}/abort", Key, bulk::abort),
        // Environment variables (the literal `import` goes before `{name}`)
        Route::new("GET", envvars, KeyOrPat, envvars::list),
        Route::new("POST", envvars, KeyOrPat, envvars::create),
        Route::new(
            "POST",
            "/api/v1/projects/{}/envvars/{}/import",
            KeyOrPat,
            envvars::import,
        ),
        Route::new(
            "GET",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::retrieve,
        ),
        Route::new(
            "PUT",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::update,
        ),
        Route::new(
            "POST",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::update,
        ),
        Route::new(
            "DELETE",
            "/api/v1/projects/{}/envvars/{}/{}",
            KeyOrPat,
            envvars::delete,
        ),
        // What CI needs with a PAT (the literal routes before `{env}`)
        Route::new(
            "GET",
            "/api/v1/projects/{}/branches",
            Pat,
            projects::list_branches,
        ),
        Route::new(
            "POST",
            "/api/v1/projects/{}/branches",
            KeyOrPatPreviewParent,
            projects::create_branch,
        ),
        Route::new(
            "POST",
            "/api/v1/projects/{}/branches/archive",
            KeyOrPatPreviewParent,
            projects::archive_branch,
        ),
        Route::new(
            "GET",
            "/api/v1/projects/{}/{}",
            KeyOrPat,
            projects::environment,
        ),
        Route::new("GET", "/api/v2/whoami", Pat, projects::whoami),
        // Schedules
        Route::new("POST", "/api/v1/schedules", Legacy, schedules::create),
        Route::new("GET", "/api/v1/schedules", Legacy, schedules::list),
        Route::new("GET", "/api/v1/schedules/{}", Legacy, schedules::retrieve),
        Route::new("PUT", "/api/v1/schedules/{}", Legacy, schedules::update),
        Route::new("DELETE", "/api/v1/schedules/{}", Legacy, schedules::delete),
        Route::new(
            "POST",
            "/api/v1/schedules/{}/activate",
            Legacy,
            schedules::activate,
        ),
        Route::new(
            "POST",
            "/api/v1/schedules/{}/deactivate",
            Legacy,
            schedules::deactivate,
        ),
        Route::new("GET", "/api/v1/timezones", Public, schedules::timezones),
        // Sessions (REST, then the realtime channels; named channels have 4/5 segments).
        Route::new("POST", "/api/v1/sessions", KeyOrJwt, sessions::create)
            .limit(32 * 1024)
            .needs_length(),
        Route::new("GET", "/api/v1/sessions", KeyOrJwt, sessions::list),
        Route::new("GET", "/api/v1/sessions/{}", KeyOrJwt, sessions::retrieve),
        Route::new("PATCH", "/api/v1/sessions/{}", KeyOrJwt, sessions::update)
            .limit(32 * 1024)
            .needs_length(),
        Route::new(
            "POST",
            "/api/v1/sessions/{}/close",
            KeyOrJwt,
            sessions::close,
        )
        .limit(1024)
        .needs_length(),
        Route::new("POST", RT_APPEND, KeyOrJwt, channels::append)
            .limit(MIB)
            .needs_length(),
        Route::new("GET", RT_RECORDS, KeyOrJwt, channels::records),
        Route::new("GET", RT, KeyOrJwt, channels::subscribe),
        Route::new("HEAD", RT, KeyOrJwt, channels::subscribe),
        Route::new("PUT", RT, KeyOrJwt, channels::init),
        Route::new("POST", RT_NAMED_APPEND, KeyOrJwt, channels::append_named)
            .limit(MIB)
            .needs_length(),
        Route::new("GET", RT_NAMED_RECORDS, KeyOrJwt, channels::records_named),
        Route::new("GET", RT_NAMED, KeyOrJwt, channels::subscribe_named),
        Route::new("HEAD", RT_NAMED, KeyOrJwt, channels::subscribe_named),
        Route::new("PUT", RT_NAMED, KeyOrJwt, channels::init_named),
        // Realtime run feeds (shape protocol), run streams, input streams.
        Route::new("GET", "/realtime/v1/runs", KeyOrJwt, realtime::tagged),
        Route::new("GET", "/realtime/v1/runs/{}", KeyOrJwt, realtime::run),
        Route::new("GET", "/realtime/v1/batches/{}", KeyOrJwt, realtime::batch),
        Route::new(
            "GET",
            "/realtime/v1/streams/{}/{}",
            KeyOrJwt,
            realtime::stream,
        ),
        Route::new(
            "POST",
            "/realtime/v1/streams/{}/input/{}",
            KeyOrJwt,
            realtime::send_input,
        )
        .limit(MIB),
    ]
}
