//! Cancel tokens and the calling thread's interrupt check: how a host ends the waits of calls
//! in progress (a poll, a retry back-off, a slow response, a subscription).

use std::ffi::{c_int, c_void};

use super::boundary::{catch, require_out};
use super::client::{resolve, trigger_client};
use super::error::{trigger_error, trigger_result};
use super::unwind::{catch_value, catch_void};
use crate::cancel::CancelToken;
use crate::config::RequestOptions;

/// A cancel token: once fired (`trigger_cancel_fire`, from any thread), every wait of the calls
/// made with a client carrying it ends with `TRIGGER_RESULT_CANCELLED` (within 50 ms; at once
/// from a back-off), and later calls of that client fail before waiting. It stays fired.
/// Shareable between threads. Free it with `trigger_cancel_free` (clients keep their own
/// reference).
#[allow(non_camel_case_types)]
pub struct trigger_cancel {
    token: CancelToken,
}

/// Makes a cancel token that has not fired. On success writes it to `*out`.
#[no_mangle]
pub unsafe extern "C" fn trigger_cancel_new(
    out: *mut *mut trigger_cancel,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        let handle = Box::new(trigger_cancel {
            token: CancelToken::new(),
        });
        // SAFETY: `out` is not NULL (checked above) and writable; the caller owns the token.
        unsafe { *out = Box::into_raw(handle) };
        Ok(())
    })
}

/// Fires the token. Safe from any thread, also while calls that carry it are running; NULL is
/// ignored.
#[no_mangle]
pub unsafe extern "C" fn trigger_cancel_fire(cancel: *const trigger_cancel) {
    catch_void(|| {
        // SAFETY: the caller passes NULL or a live token.
        if let Some(handle) = unsafe { cancel.as_ref() } {
            handle.token.cancel();
        }
    });
}

/// Whether the token has fired (false for NULL).
#[no_mangle]
pub unsafe extern "C" fn trigger_cancel_is_fired(cancel: *const trigger_cancel) -> bool {
    catch_value(false, || {
        // SAFETY: the caller passes NULL or a live token.
        unsafe { cancel.as_ref() }.is_some_and(|handle| handle.token.is_cancelled())
    })
}

/// Frees a token. NULL is accepted and ignored. Clients made with it keep working with it.
#[no_mangle]
pub unsafe extern "C" fn trigger_cancel_free(cancel: *mut trigger_cancel) {
    if cancel.is_null() {
        return;
    }
    catch_void(|| {
        // SAFETY: the caller passes a token from `trigger_cancel_new` and frees it once.
        drop(unsafe { Box::from_raw(cancel) });
    });
}

/// Makes a client that shares `client`'s connection pool and configuration and carries
/// `cancel`: its calls end when the token fires. A NULL `client` means the ambient client of
/// this thread as it is now. On success writes the new handle to `*out`; free it with
/// `trigger_client_free`.
#[no_mangle]
pub unsafe extern "C" fn trigger_client_with_cancel(
    client: *const trigger_client,
    cancel: *const trigger_cancel,
    out: *mut *mut trigger_client,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        // SAFETY (all blocks): the caller passes valid pointers, as documented above.
        let token = unsafe { cancel.as_ref() }
            .ok_or_else(|| trigger_error::invalid("cancel", "must not be NULL"))?
            .token
            .clone();
        let client =
            unsafe { resolve(client) }.with_options(RequestOptions::new().cancel_token(token));
        unsafe { *out = Box::into_raw(Box::new(trigger_client { client })) };
        Ok(())
    })
}

/// An interrupt check: returns nonzero when the calls of the thread that set it must stop.
#[allow(non_camel_case_types)]
pub type trigger_interrupt_check = Option<unsafe extern "C" fn(userdata: *mut c_void) -> c_int>;

/// Sets the interrupt check of the calling thread (NULL `check` removes it): while a call made
/// on this thread waits (a poll, a back-off, a slow response, a subscription), it calls
/// `check(userdata)` on this thread every 50 ms, and ends with `TRIGGER_RESULT_INTERRUPTED`
/// when it returns nonzero. For hosts that learn of Ctrl-C from a flag their signal handler
/// sets (`return flag;`), as interpreters do. `check` must not call back into this library.
/// Other threads are not affected.
#[no_mangle]
pub unsafe extern "C" fn trigger_set_interrupt_check(
    check: trigger_interrupt_check,
    userdata: *mut c_void,
) {
    catch_void(|| {
        let check = check.map(|check| -> Box<dyn Fn() -> bool> {
            // SAFETY: the caller's function, called with its userdata on its thread, as the
            // header documents.
            Box::new(move || unsafe { check(userdata) } != 0)
        });
        crate::cancel::set_interrupt_check(check);
    });
}
