//! The C ABI (see `include/triggerdev.h`). The only `unsafe` code of the crate lives here.
//!
//! Conventions (`docs/design.md#c-abi-conventions`, after rustls-ffi and wasmtime's C API):
//!
//! - every symbol starts with `trigger_`; methods are `trigger_<area>_<verb>(handle, inputs…,
//!   outputs…, err)`;
//! - fallible calls return a [`trigger_result`] and take a final `trigger_error **err` (may be
//!   NULL) that receives an owned [`trigger_error`] on failure; out-parameters are written only
//!   on success;
//! - API objects travel as UTF-8 JSON text; strings the library returns are freed with
//!   [`trigger_string_free`]; every `_free` accepts NULL;
//! - a NULL client means the ambient client of the calling thread at the time of the call;
//! - every export runs inside a panic boundary (`boundary.rs`): a panic becomes
//!   `TRIGGER_RESULT_PANIC`, never an unwind into C.
//!
//! The header is generated from this module by `build.rs` with cbindgen, so the doc comments
//! here are written for C readers.

#![allow(unsafe_code)]
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

// The order of these modules is the order of the header's sections (blank lines keep
// rustfmt from sorting them).
mod error;

mod boundary;
mod pages;
mod unwind;

mod client;

mod cancel;

mod logging;

mod tasks;

mod runs;

mod realtime;

mod envvars;

mod schedules;

mod queues;

mod concurrency_limits;

mod projects;
mod query;

mod deployments;

mod waitpoints;

mod bulk;

mod sessions;

mod webhooks;

mod abi_inputs;

use std::ffi::c_char;

#[doc(hidden)]
pub use abi_inputs::abi_inputs_json;
pub use boundary::run_in_boundary;
pub use bulk::*;
pub use cancel::*;
pub use client::*;
pub use concurrency_limits::*;
pub use deployments::*;
pub use envvars::*;
pub use error::*;
pub use logging::*;
pub use projects::*;
pub use query::*;
pub use queues::*;
pub use realtime::*;
pub use runs::*;
pub use schedules::*;
pub use sessions::*;
pub use tasks::*;
pub use waitpoints::*;
pub use webhooks::*;

/// The version of the library (such as `"0.2.0"`): compare it with `TRIGGERDEV_VERSION` to
/// check that the library loaded is the one the header describes. A static string: do not
/// free it.
#[no_mangle]
pub extern "C" fn trigger_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version of the library (such as `"0.2"`): a program or binding built against a
/// header whose `TRIGGERDEV_ABI_VERSION` is the same string can use it. Before 1.0 it is
/// `"0.MINOR"` (every minor version may change the ABI), from 1.0 `"MAJOR"`. A static string:
/// do not free it.
#[no_mangle]
pub extern "C" fn trigger_abi_version() -> *const c_char {
    ABI_VERSION.as_ptr().cast()
}

/// `trigger_abi_version()`'s string, NUL-terminated.
const ABI_VERSION: &str = if matches!(env!("CARGO_PKG_VERSION_MAJOR").as_bytes(), b"0") {
    concat!("0.", env!("CARGO_PKG_VERSION_MINOR"), "\0")
} else {
    concat!(env!("CARGO_PKG_VERSION_MAJOR"), "\0")
};

/// Frees a string returned by the library (every `char *` written to an out-parameter). NULL
/// is accepted and ignored. Never pass these strings to libc `free`, nor strings of other
/// origin to this function.
#[no_mangle]
pub unsafe extern "C" fn trigger_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    unwind::catch_void(|| {
        // SAFETY: the caller passes a string this library returned, and frees it once.
        drop(unsafe { std::ffi::CString::from_raw(s) });
    });
}
