//! Helpers for the tests that call the C ABI from Rust (`tests/ffi.rs`, `tests/ffi_surface.rs`).
#![allow(dead_code)]

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use serde_json::json;
use triggerdev::ffi::*;

/// A pointer value no call may write: out-parameters are set to it and checked afterwards.
pub fn sentinel<T>() -> *mut T {
    0x5a5a_5a5a_usize as *mut T
}

pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// An error's fields, and frees it.
#[derive(Debug)]
pub struct Failure {
    pub kind: trigger_result,
    pub status: u16,
    pub message: String,
    pub body: Option<String>,
    pub code: Option<String>,
}

pub fn take_error(err: *mut trigger_error) -> Failure {
    assert!(!err.is_null(), "no error object was written");
    unsafe {
        let text = |p: *const c_char| {
            (!p.is_null()).then(|| CStr::from_ptr(p).to_str().unwrap().to_owned())
        };
        let failure = Failure {
            kind: trigger_error_kind(err),
            status: trigger_error_status(err),
            message: text(trigger_error_message(err)).unwrap(),
            body: text(trigger_error_body(err)),
            code: text(trigger_error_code(err)),
        };
        trigger_error_free(err);
        failure
    }
}

pub fn take_string(s: *mut c_char) -> String {
    assert!(!s.is_null());
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    unsafe { trigger_string_free(s) };
    text
}

/// A client for `url` with `token` and no retries.
pub fn client_with(url: &str, token: &str) -> *mut trigger_client {
    let config = json!({
        "accessToken": token,
        "baseURL": url,
        "requestOptions": {"retry": {"maxAttempts": 1}},
    })
    .to_string();
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_client_new(c(&config).as_ptr(), &mut out, &mut err) };
    assert_eq!(
        rc,
        trigger_result::Ok,
        "{:?}",
        (!err.is_null()).then(|| take_error(err))
    );
    assert!(err.is_null());
    out
}

/// Calls `f(out_json, err)` expecting a failure; checks `*out_json` stayed untouched.
pub fn expect_failure(
    f: impl FnOnce(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result,
) -> Failure {
    let mut out: *mut c_char = sentinel();
    let mut err = ptr::null_mut();
    let rc = f(&mut out, &mut err);
    assert_ne!(rc, trigger_result::Ok);
    assert_eq!(out, sentinel(), "out_json was written on failure");
    let failure = take_error(err);
    assert_eq!(failure.kind, rc, "the error's kind is the returned code");
    failure
}

/// Calls `f(out_json, err)` expecting success; returns the JSON text.
pub fn expect_json(
    f: impl FnOnce(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result,
) -> String {
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = f(&mut out, &mut err);
    assert_eq!(
        rc,
        trigger_result::Ok,
        "{:?}",
        (!err.is_null()).then(|| take_error(err))
    );
    assert!(err.is_null(), "err was written on success");
    take_string(out)
}
