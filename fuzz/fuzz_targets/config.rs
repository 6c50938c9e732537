//! The configuration JSON of `trigger_client_new`, `trigger_configure`,
//! `trigger_client_with_options` (request options) and `trigger_auth_push`: the first byte
//! picks the export, the rest is the JSON. None of these sends a request; a client that was
//! made is then resolved (by making a runs iterator, which checks its configuration without
//! sending anything) and freed.
#![no_main]

use std::ptr;

use libfuzzer_sys::fuzz_target;
use triggerdev_fuzz::*;

/// Makes a runs iterator on `client` (NULL: the ambient client) and frees it.
fn resolve(client: *const trigger_client) {
    let (mut iter, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = unsafe { trigger_runs_list_iter(client, ptr::null(), &mut iter, &mut err) };
    unsafe {
        finish_handle(rc, err, iter);
        trigger_runs_iter_free(iter);
    }
}

/// Checks a call that writes a client handle, uses the client and frees it.
fn new_client(
    call: impl FnOnce(*mut *mut trigger_client, *mut *mut trigger_error) -> trigger_result,
) {
    let (mut client, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = call(&mut client, &mut err);
    if unsafe { finish_handle(rc, err, client) } {
        resolve(client);
        unsafe { trigger_client_free(client) };
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let json = c_input(rest);
    let json = json.as_ptr();
    let mut err = ptr::null_mut();
    match op % 4 {
        0 => new_client(|out, err| unsafe { trigger_client_new(json, out, err) }),
        1 => {
            // Process-wide, but no other call of this target uses the ambient client except
            // `trigger_auth_push`'s, which is meant to see it.
            let rc = unsafe { trigger_configure(json, &mut err) };
            unsafe { finish(rc, err, ptr::null_mut()) };
        }
        2 => new_client(|out, err| unsafe {
            trigger_client_with_options(offline_client(), json, out, err)
        }),
        _ => {
            let rc = unsafe { trigger_auth_push(json, &mut err) };
            unsafe { finish(rc, err, ptr::null_mut()) };
            if rc == trigger_result::Ok {
                resolve(ptr::null());
                assert!(
                    trigger_auth_pop(),
                    "the override pushed is not there to pop"
                );
            }
        }
    }
});
