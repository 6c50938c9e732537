//! Query (`POST /api/v1/query`), the query schema and query dashboards. Rows and widgets are
//! free-form JSON, handed out as the server sent them.

use std::ffi::c_char;

use super::boundary::{call_body, optional_object, required_object, required_str};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use crate::json::WithJson;
use crate::resources::query::DashboardList;
use crate::resources::{
    CreateDashboard, Dashboard, DeletedDashboard, QueryOptions, QueryResults, QuerySchema,
    UpdateDashboard,
};

/// Runs a query (`POST /api/v1/query`). `options_json` is NULL or `{"scope":"environment"|
/// "project"|"organization","period":"7d","from":"<ISO-8601>","to":"<ISO-8601>","format":
/// "json"|"csv"}`. Writes `{"format":"json","results":[{...row...}]}` or `{"format":"csv",
/// "results":"<csv text>"}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_execute(
    client: *const trigger_client,
    query: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_body(out_json, err, || {
            let query = required_str(query, "query")?;
            let options: QueryOptions = optional_object(options_json, "options_json")?;
            Ok(resolve(client)
                .query()
                .execute_as::<WithJson<QueryResults>>(query, &options)?)
        })
    }
}

/// The tables and columns queries can read (`GET /api/v1/query/schema`); writes
/// `{"tables":[{"name":"runs","timeColumn":"...","columns":[{"name":"...","type":"..."}]}]}`
/// to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_schema(
    client: *const trigger_client,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        call_body(out_json, err, || {
            Ok(resolve(client)
                .query()
                .schema_as::<WithJson<QuerySchema>>()?)
        })
    }
}

/// Every query dashboard (`GET /api/v1/query/dashboards`); writes `{"dashboards":[{"key":
/// "...","title":"...","type":"builtIn"|"custom","widgets":[...]}]}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_dashboards_list(
    client: *const trigger_client,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        call_body(out_json, err, || {
            Ok(resolve(client)
                .query()
                .dashboards()
                .list_raw::<WithJson<DashboardList>>()?)
        })
    }
}

/// One query dashboard (`GET /api/v1/query/dashboards/{id}`); writes `{"id":"...","title":
/// "...","revision":"...","createdAt":"...","updatedAt":"...","widgets":[...]}` to
/// `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_dashboards_retrieve(
    client: *const trigger_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(id, "id")?;
            Ok(resolve(client)
                .query()
                .dashboards()
                .retrieve_as::<WithJson<Dashboard>>(id)?)
        })
    }
}

/// Makes a custom query dashboard (`POST /api/v1/query/dashboards`). `body_json` is
/// `{"title":"Runs","description":"...","widgets":[...]}` (sent as given). Writes the new
/// dashboard's JSON (as `trigger_query_dashboards_retrieve`) to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_dashboards_create(
    client: *const trigger_client,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        call_body(out_json, err, || {
            let body: CreateDashboard = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .query()
                .dashboards()
                .create_as::<WithJson<Dashboard>>(&body)?)
        })
    }
}

/// Changes a query dashboard's title or description (`PATCH /api/v1/query/dashboards/{id}`).
/// `changes_json` is `{"title":"...","description":"...","revision":"rev_1"}` (each optional; a
/// stale `revision` is refused by the server). Writes the dashboard's JSON to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_dashboards_update(
    client: *const trigger_client,
    id: *const c_char,
    changes_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(id, "id")?;
            let changes: UpdateDashboard = required_object(changes_json, "changes_json")?;
            Ok(resolve(client)
                .query()
                .dashboards()
                .update_as::<WithJson<Dashboard>>(id, &changes)?)
        })
    }
}

/// Deletes a custom query dashboard (`DELETE /api/v1/query/dashboards/{id}`); writes
/// `{"id":"..."}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_query_dashboards_del(
    client: *const trigger_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: as above.
    unsafe {
        call_body(out_json, err, || {
            let id = required_str(id, "id")?;
            Ok(resolve(client)
                .query()
                .dashboards()
                .del_as::<WithJson<DeletedDashboard>>(id)?)
        })
    }
}
