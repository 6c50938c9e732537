//! Environment variables of a project's environment.
//!
//! `env` is the environment slug: `dev`, `staging`, `prod` or `preview` (on `preview`, the
//! client's preview branch selects the branch). Secret keys and personal access tokens are
//! accepted.

use std::ffi::c_char;

use super::boundary::{catch, required_object, required_str, write_string};
use super::client::{resolve, send, trigger_client};
use super::error::{trigger_error, trigger_result};
use crate::resources::{envvars::calls, CreateEnvVar, ImportEnvVars};

/// Lists the variables of an environment (`GET /api/v1/projects/{project_ref}/envvars/{env}`);
/// writes the API's JSON array `[{"name":"A","value":"1","isSecret":false}]` to `*out_json`
/// (secret values come back redacted).
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_list(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let env = unsafe { required_str(env, "env") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::list(project_ref, env))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Retrieves one variable (`GET .../envvars/{env}/{name}`); writes
/// `{"name":"A","value":"1","isSecret":false}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_retrieve(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let env = unsafe { required_str(env, "env") }?;
        let name = unsafe { required_str(name, "name") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::retrieve(project_ref, env, name))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Creates a variable, or overwrites the one with the same name (`POST .../envvars/{env}`).
/// `var_json` is `{"name":"A","value":"1","isSecret":false}` (`isSecret` optional). Writes the
/// API's `{"success":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_create(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    var_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let env = unsafe { required_str(env, "env") }?;
        let var: CreateEnvVar = unsafe { required_object(var_json, "var_json") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::create(project_ref, env, &var))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Changes the value of an existing variable (`PUT .../envvars/{env}/{name}`); `value` is the
/// new value as plain text. Writes the API's `{"success":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_update(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    name: *const c_char,
    value: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let env = unsafe { required_str(env, "env") }?;
        let name = unsafe { required_str(name, "name") }?;
        let value = unsafe { required_str(value, "value") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::update(project_ref, env, name, value))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Deletes a variable (`DELETE .../envvars/{env}/{name}`); writes the API's
/// `{"success":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_del(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    name: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let env = unsafe { required_str(env, "env") }?;
        let name = unsafe { required_str(name, "name") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::del(project_ref, env, name))?;
        unsafe { write_string(out_json, json) }
    })
}

/// Uploads many variables at once (`POST .../envvars/{env}/import`). `body_json` is
/// `{"variables":{"A":"1","B":"2"},"override":false,"isSecret":false}` (`override` and
/// `isSecret` optional; without `override` existing variables are kept). Writes the API's
/// `{"success":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_upload(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY (all blocks): as above.
        let project_ref = unsafe { required_str(project_ref, "project_ref") }?;
        let env = unsafe { required_str(env, "env") }?;
        let body: ImportEnvVars = unsafe { required_object(body_json, "body_json") }?;
        let client = unsafe { resolve(client) };
        let json = send(&client, calls::upload(project_ref, env, &body))?;
        unsafe { write_string(out_json, json) }
    })
}
