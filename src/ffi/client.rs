//! Client handles, the ambient configuration and thread-local auth overrides.

use std::ffi::c_char;

use super::boundary::{catch, optional_str, require_out, required_str};
use super::error::{trigger_error, trigger_result};
use super::unwind::{catch_value, catch_void};
use crate::client::Client;
use crate::config::Config;
use crate::config_json::{self, Precedence};

/// A client: credentials, base URL, preview branch, request options and a connection pool,
/// resolved once when it is made and isolated from the ambient configuration. Immutable: one
/// client may be used from many threads at once. Free it with `trigger_client_free` after the
/// last call that uses it has returned.
#[allow(non_camel_case_types)]
pub struct trigger_client {
    pub(crate) client: Client,
}

/// A snapshot of a configuration (from `trigger_auth_current`), to carry an override into
/// another thread with `trigger_auth_push_config`. Immutable and shareable between threads.
/// The token inside cannot be read back. Free it with `trigger_config_free`.
#[allow(non_camel_case_types)]
pub struct trigger_config {
    config: Config,
}

/// The client a call uses: `client`, or the ambient client of this thread when it is NULL.
///
/// # Safety
///
/// `client` is NULL or a live handle from `trigger_client_new`.
pub(crate) unsafe fn resolve(client: *const trigger_client) -> Client {
    // SAFETY: forwarded.
    match unsafe { client.as_ref() } {
        Some(handle) => handle.client.clone(),
        None => crate::auth::ambient(),
    }
}

/// Writes a new boxed handle to `*out`, checked not NULL.
///
/// # Safety
///
/// `out` is NULL or writable storage for one pointer.
unsafe fn write_handle<T>(out: *mut *mut T, value: T) {
    // SAFETY: the callers check `out` first; the caller owns the handle from now on.
    unsafe { *out = Box::into_raw(Box::new(value)) };
}

/// Makes a client from a JSON configuration with the official SDK's option names:
///
/// ```text
/// {"accessToken": "tr_dev_...", "baseURL": "https://api.trigger.dev",
///  "previewBranch": "feature-x", "inheritContext": false, "userAgentSuffix": "my-app/1.0",
///  "externalDeploymentId": "deploy-42", "future": {"v2RealtimeStreams": true},
///  "maxResponseBytes": 67108864, "dangerouslyAllowInsecureHttp": false,
///  "caBundlePath": "/etc/ssl/company-ca.pem", "usePlatformTrustStore": false,
///  "requestOptions": {"timeoutMs": 60000, "additionalHeaders": {"x-a": "b"},
///    "retry": {"maxAttempts": 5, "factor": 1.6, "minTimeoutInMs": 1000,
///              "maxTimeoutInMs": 30000, "randomize": false, "maxRateLimitWaitMs": 60000}}}
/// ```
///
/// `secretKey` is accepted as an alias of `accessToken` (`accessToken` wins when both are
/// given). Unset fields come from the environment (`TRIGGER_SECRET_KEY`, then
/// `TRIGGER_ACCESS_TOKEN`; `TRIGGER_API_URL`; `TRIGGER_PREVIEW_BRANCH`, ...), read now; the
/// client never reads the environment, `trigger_configure` or `trigger_auth_push` again.
/// `previewBranch` goes only to the `preview` environment and `devBranch` (not an official
/// option) only to `dev`, as `x-trigger-branch`. `config_json` may be NULL (same as `"{}"`).
/// Unknown fields give
/// `TRIGGER_RESULT_INVALID_ARGUMENT`. The CAs of a PEM bundle (`caBundlePath`, or the text as
/// `caBundlePem`; default: the file in env `SSL_CERT_FILE`) are trusted in addition to the
/// bundled Mozilla roots; `usePlatformTrustStore` trusts the operating system's store instead.
/// A missing token, a base URL that cannot be used (plain `http://` to a host that is not
/// loopback, without `dangerouslyAllowInsecureHttp`) or a CA bundle that cannot be read is not
/// an error here: calls then fail with `TRIGGER_RESULT_MISSING_CREDENTIALS` or
/// `TRIGGER_RESULT_INVALID_ARGUMENT`.
///
/// On success writes a new handle to `*out`, which the caller frees with `trigger_client_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_client_new(
    config_json: *const c_char,
    out: *mut *mut trigger_client,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let text = unsafe { optional_str(config_json, "config_json") }?;
        let config = config_json::parse(text, "config_json", Precedence::Scoped)?;
        let client = Client::new(config);
        // SAFETY: `out` is not NULL (checked above).
        unsafe { write_handle(out, trigger_client { client }) };
        Ok(())
    })
}

/// Makes a client that shares `client`'s connection pool and configuration, with
/// `options_json` applied over its request options, for one call or a group of calls:
/// `{"retry": {"maxAttempts": 1}, "timeoutMs": 5000, "additionalHeaders": {"x-a": "b"}}`
/// (the `requestOptions` member of `trigger_client_new`; `retry` replaces the whole policy). A
/// NULL `client` means the ambient client of this thread as it is now. On success writes the
/// new handle to `*out`; free it with `trigger_client_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_client_with_options(
    client: *const trigger_client,
    options_json: *const c_char,
    out: *mut *mut trigger_client,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        // SAFETY (all blocks): the caller passes valid pointers, as the header documents.
        let text = unsafe { required_str(options_json, "options_json") }?;
        let options = config_json::parse_request_options(text, "options_json")?;
        let client = unsafe { resolve(client) }.with_options(options);
        unsafe { write_handle(out, trigger_client { client }) };
        Ok(())
    })
}

/// Frees a client. NULL is accepted and ignored. No call may be using the client, and it must
/// not be used afterwards; iterators and clients made from it stay valid (they hold their own
/// reference).
#[no_mangle]
pub unsafe extern "C" fn trigger_client_free(client: *mut trigger_client) {
    if client.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes a handle from `trigger_client_new` and frees it once.
        drop(unsafe { Box::from_raw(client) });
    });
}

/// Sets the process-wide configuration used by calls made with a NULL client, replacing any
/// earlier one. Same JSON as `trigger_client_new`, except that `secretKey` wins over
/// `accessToken` when both are given (as the official `configure`). Unset fields come from the
/// environment, read now (without any `trigger_configure`, the environment is read once, at the
/// first ambient call). Safe to call from any thread; calls already running keep the
/// configuration they started with.
#[no_mangle]
pub unsafe extern "C" fn trigger_configure(
    config_json: *const c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let text = unsafe { optional_str(config_json, "config_json") }?;
        crate::auth::configure(config_json::parse(text, "config_json", Precedence::Global)?);
        Ok(())
    })
}

/// Pushes an override of the ambient configuration on the calling thread: until the matching
/// `trigger_auth_pop`, calls made with a NULL client on this thread use `override_json` merged
/// field by field over the enclosing override (or over the `trigger_configure` configuration).
/// Overrides nest; other threads never see them, and a new thread starts with none. Clients
/// made with `trigger_client_new` are not affected. Same JSON as `trigger_client_new`; NULL
/// pushes an override that changes nothing (it still needs its pop).
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_push(
    override_json: *const c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let text = unsafe { optional_str(override_json, "override_json") }?;
        let config = config_json::parse(text, "override_json", Precedence::Scoped)?;
        // The guard would pop on drop; across the C ABI `trigger_auth_pop` does that.
        std::mem::forget(crate::auth::push(config));
        Ok(())
    })
}

/// Pops the innermost override pushed on the calling thread by `trigger_auth_push` or
/// `trigger_auth_push_config`. Returns true if there was one to pop, false if this thread has
/// no override.
#[no_mangle]
pub extern "C" fn trigger_auth_pop() -> bool {
    catch_value(false, crate::auth::pop_innermost)
}

/// Makes the client an override would give, without making it current on any thread: for hosts
/// whose unit of concurrency is not an OS thread (coroutines, fibers, green threads), which keep
/// the client with the task and make that task's ambient calls with it (the Python and Ruby
/// bindings do). `override_json` (same JSON as `trigger_client_new`; NULL changes nothing) is
/// merged field by field over `base` — a client this function returned, i.e. the enclosing
/// override — or, when `base` is NULL, over the calling thread's current configuration (its
/// `trigger_auth_push` overrides over `trigger_configure`). The client shares the ambient
/// connection pool. On success writes it to `*out`; free it with `trigger_client_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_override(
    base: *const trigger_client,
    override_json: *const c_char,
    out: *mut *mut trigger_client,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        // SAFETY (all blocks): the caller passes NULL or valid pointers, as documented above.
        let text = unsafe { optional_str(override_json, "override_json") }?;
        let config = config_json::parse(text, "override_json", Precedence::Scoped)?;
        let base = unsafe { base.as_ref() }.map(|handle| &handle.client);
        let client = crate::auth::override_client(base, config);
        unsafe { write_handle(out, trigger_client { client }) };
        Ok(())
    })
}

/// Snapshots the configuration in force on the calling thread (its overrides merged over the
/// `trigger_configure` configuration), to push on another thread with
/// `trigger_auth_push_config`. On success writes the snapshot to `*out`; free it with
/// `trigger_config_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_current(
    out: *mut *mut trigger_config,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        let config = crate::auth::current();
        // SAFETY: `out` is not NULL (checked above).
        unsafe { write_handle(out, trigger_config { config }) };
        Ok(())
    })
}

/// Pushes `config` (from `trigger_auth_current`) as an override on the calling thread, merged
/// field by field over the thread's current configuration, until the matching
/// `trigger_auth_pop`. `config` stays owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn trigger_auth_push_config(
    config: *const trigger_config,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        // SAFETY: the caller passes NULL or a live snapshot.
        let config = unsafe { config.as_ref() }
            .ok_or_else(|| trigger_error::invalid("config", "must not be NULL"))?;
        std::mem::forget(crate::auth::push(config.config.clone()));
        Ok(())
    })
}

/// Frees a configuration snapshot. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_config_free(config: *mut trigger_config) {
    if config.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes a snapshot from `trigger_auth_current` and frees it once.
        drop(unsafe { Box::from_raw(config) });
    });
}
