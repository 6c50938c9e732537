//! The routes CI needs: preview and dev branches (create, list, archive), an environment's
//! secret key for a personal access token, and whoami.

use std::ffi::c_char;

use super::boundary::{call_body, optional_str, required_object, required_str};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use crate::json::WithJson;
use crate::resources::{
    ArchivedBranch, BranchEnv, BranchId, BranchList, CreateBranch, ProjectEnvironment, WhoAmI,
};

/// Creates a preview or dev branch, or updates an existing one's git metadata
/// (`POST /api/v1/projects/{ref}/branches`). `body_json` is `{"env":"preview"|"development",
/// "branch":"pr-42","git":{...}}` (`git` optional). Writes `{"id":"<branch env id>"}` to
/// `*out_json`. A personal or organization access token, or the preview environment's key.
#[no_mangle]
pub unsafe extern "C" fn trigger_branches_create(
    client: *const trigger_client,
    project_ref: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let body: CreateBranch = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .branches()
                .create_as::<WithJson<BranchId>>(project_ref, &body)?)
        })
    }
}

/// Lists the live preview branches (`GET /api/v1/projects/{ref}/branches`), with a personal
/// access token. Writes `{"branches":[{"id","name","createdAt","updatedAt","git"?,
/// "isPaused"}]}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_branches_list(
    client: *const trigger_client,
    project_ref: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            Ok(resolve(client)
                .branches()
                .list_as::<WithJson<BranchList>>(project_ref)?)
        })
    }
}

/// Archives a branch (`POST /api/v1/projects/{ref}/branches/archive`). `env` is `preview`
/// (also when NULL) or `development`. Writes the server's answer to `*out_json`:
/// `{"success":true,"branch":{"id":"<branch env id>",...},...}`.
#[no_mangle]
pub unsafe extern "C" fn trigger_branches_archive(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    branch: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env: BranchEnv = match optional_str(env, "env")? {
                Some(e) => e.parse()?,
                None => BranchEnv::Preview,
            };
            let branch = required_str(branch, "branch")?;
            Ok(resolve(client)
                .branches()
                .archive_as::<WithJson<ArchivedBranch>>(project_ref, env, branch)?)
        })
    }
}

/// The secret key and API URL of environment `env` (`dev`, `staging`, `prod`, `preview`) of a
/// project (`GET /api/v1/projects/{ref}/{env}`): what a pipeline holding a personal access
/// token exchanges it for. Writes `{"apiKey":"tr_prod_...","name":"<project>","apiUrl":
/// "https://...","projectId":"...","defaultRuntime":null}` to `*out_json`; the key is a secret:
/// do not log it.
#[no_mangle]
pub unsafe extern "C" fn trigger_projects_environment(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            Ok(resolve(client)
                .projects()
                .environment_as::<WithJson<ProjectEnvironment>>(project_ref, env)?)
        })
    }
}

/// The user the personal access token belongs to (`GET /api/v2/whoami`); `project_ref` is NULL
/// or a project to describe too. Writes `{"userId","email","dashboardUrl","project"?:{"name",
/// "url","orgTitle"}}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_projects_whoami(
    client: *const trigger_client,
    project_ref: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = optional_str(project_ref, "project_ref")?;
            Ok(resolve(client)
                .projects()
                .whoami_as::<WithJson<WhoAmI>>(project_ref)?)
        })
    }
}
