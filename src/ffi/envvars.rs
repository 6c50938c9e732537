//! Environment variables of a project's environment.
//!
//! `env` is the environment slug: `dev`, `staging`, `prod` or `preview` (on `preview`, the
//! client's preview branch selects the branch). Secret keys and personal access tokens are
//! accepted.

use std::ffi::c_char;

use super::boundary::{call_body, call_json, optional_object, required_object, required_str};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use crate::json::WithJson;
use crate::resources::{parse_dotenv, CreateEnvVar, EnvVar, ImportEnvVars};

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
    // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
    unsafe {
        call_json(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            Ok(resolve(client)
                .envvars()
                .list_as::<WithJson<EnvVar>>(project_ref, env)?)
        })
    }
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
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            let name = required_str(name, "name")?;
            Ok(resolve(client)
                .envvars()
                .retrieve_as::<WithJson<EnvVar>>(project_ref, env, name)?)
        })
    }
}

/// Creates a variable, or overwrites the one with the same name (`POST .../envvars/{env}`).
/// `body_json` is `{"name":"A","value":"1","isSecret":false}` (`isSecret` optional). Writes the
/// API's `{"success":true}` to `*out_json`.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_create(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            let var: CreateEnvVar = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .envvars()
                .create_as::<WithJson<_>>(project_ref, env, &var)?)
        })
    }
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
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            let name = required_str(name, "name")?;
            let value = required_str(value, "value")?;
            Ok(resolve(client)
                .envvars()
                .update_as::<WithJson<_>>(project_ref, env, name, value)?)
        })
    }
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
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            let name = required_str(name, "name")?;
            Ok(resolve(client)
                .envvars()
                .del_as::<WithJson<_>>(project_ref, env, name)?)
        })
    }
}

/// Uploads many variables at once (`POST .../envvars/{env}/import`). `body_json` is
/// `{"variables":{"A":"1","B":"2"},"parentVariables":{"C":"3"},"isSecret":false,
/// "override":false}` (all but `variables` optional; without `override` existing variables are
/// kept). `trigger_envvars_parse_dotenv` turns a `.env` file into `variables`. Writes the API's
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
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            let body: ImportEnvVars = required_object(body_json, "body_json")?;
            Ok(resolve(client)
                .envvars()
                .upload_as::<WithJson<_>>(project_ref, env, &body)?)
        })
    }
}

/// Uploads the variables of a `.env` file's `text` (as `trigger_envvars_parse_dotenv` reads
/// it) with `trigger_envvars_upload`: one call for both. `options_json` is NULL or the rest of
/// that body, `{"parentVariables":{"C":"3"},"isSecret":false,"override":false}`. Writes the
/// API's `{"success":true}` to `*out_json`. A line of `text` that cannot be read gives
/// `TRIGGER_RESULT_INVALID_ARGUMENT` naming the line, before any request.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_upload_dotenv(
    client: *const trigger_client,
    project_ref: *const c_char,
    env: *const c_char,
    text: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_body(out_json, err, || {
            let project_ref = required_str(project_ref, "project_ref")?;
            let env = required_str(env, "env")?;
            let text = required_str(text, "text")?;
            let mut body: ImportEnvVars = optional_object(options_json, "options_json")?;
            if !body.variables.is_empty() {
                return Err(trigger_error::invalid(
                    "options_json",
                    "`variables` come from `text`, not from the options",
                ));
            }
            body.variables = ImportEnvVars::from_dotenv(text)?.variables;
            Ok(resolve(client)
                .envvars()
                .upload_as::<WithJson<_>>(project_ref, env, &body)?)
        })
    }
}

/// Parses the text of a `.env` file (`KEY=value` lines, `#` comments, `export ` prefixes,
/// quoted and multi-line values) into a JSON object of the variables in file order, ready to be
/// `variables` of `trigger_envvars_upload`: writes `{"A":"1","B":"two words"}` to `*out_json`.
/// A line that cannot be read gives `TRIGGER_RESULT_INVALID_ARGUMENT` naming the line. No
/// request is made.
#[no_mangle]
pub unsafe extern "C" fn trigger_envvars_parse_dotenv(
    text: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY (all blocks): as above.
    unsafe {
        call_json(out_json, err, || {
            let text = required_str(text, "text")?;
            Ok(ImportEnvVars::new(parse_dotenv(text)?)).map(|body| Variables(body.variables))
        })
    }
}

/// Variables as a JSON object in their order.
struct Variables(Vec<(String, String)>);

impl serde::Serialize for Variables {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}
