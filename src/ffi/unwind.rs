//! Catching panics before they unwind into C: the primitives under the panic boundary, kept
//! apart from `boundary.rs` so that `error.rs` (whose `trigger_error_free` uses them) and
//! `boundary.rs` (which builds on `error.rs`) do not import each other.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `body` (a `_free` function or another call that cannot fail) and swallows a panic.
pub(crate) fn catch_void(body: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(body)) {
        drop_payload(payload);
    }
}

/// Like [`super::boundary::catch`], for a body that returns a value; `fallback` is returned
/// after a panic.
pub(crate) fn catch_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            drop_payload(payload);
            fallback
        }
    }
}

pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    format!("triggerdev panicked (this is a bug): {detail}")
}

/// Drops a panic payload; a payload whose destructor panics again is leaked instead.
pub(super) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}
