//! `GET /api/v1/runs/{id}/events`, `…/trace` and `…/spans/{spanId}`: the run's lifecycle as
//! OTel-style spans (the run span plus one span per attempt), derived from its state.

use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::runs::Run;
use crate::route::{not_found_retry, ok, Ctx, R};
use crate::views::run_events::{run_events, run_span, run_trace};

/// The run, if the caller may read it (secret key, or a JWT with `read` on the run, its task,
/// one of its tags or its batch). A missing run is a retryable 404, like the route builder's
/// `{"error":"Not found"}` with `x-should-retry: true`.
fn readable<'a>(c: &'a Ctx) -> Result<&'a Run, HttpResponse> {
    let r =
        c.st.env_run(c.who.env_id(), c.param(0))
            .ok_or_else(|| not_found_retry("Not found"))?;
    let mut needs: Vec<(&str, &str, Option<&str>)> = vec![
        ("read", "runs", Some(r.id.as_str())),
        ("read", "tasks", Some(r.task.as_str())),
    ];
    for t in &r.tags {
        needs.push(("read", "tags", Some(t.as_str())));
    }
    if let Some(b) = &r.batch_id {
        needs.push(("read", "batch", Some(b.as_str())));
    }
    c.require(&needs)?;
    Ok(r)
}

/// `GET /api/v1/runs/{id}/events` → `{"events": [...]}`.
pub fn events(c: &mut Ctx) -> R {
    let r = readable(c)?;
    let env_type =
        c.st.env(&r.env_id)
            .map_or("DEVELOPMENT", |e| e.env_type.as_str());
    ok(run_events(r, env_type))
}

/// `GET /api/v1/runs/{id}/trace` → `{"trace": {traceId, rootSpan}}`.
pub fn trace(c: &mut Ctx) -> R {
    ok(run_trace(readable(c)?))
}

/// `GET /api/v1/runs/{id}/spans/{spanId}` → the span, or 404 for an id the run does not have.
pub fn span(c: &mut Ctx) -> R {
    let r = readable(c)?;
    run_span(r, c.param(1)).map_or_else(|| Err(error(404, "Span not found")), ok)
}
