//! What the iterators share: the exported functions of each are thin wrappers around these,
//! typed for the header. Items are the server's JSON, the same bytes the list functions return
//! for them.

use std::ffi::c_char;

use serde::Serialize;

use super::boundary::{call_next_into, catch, require_out, FfiResult};
use super::error::{trigger_error, trigger_result};
use super::unwind::catch_void;
use crate::pagination::PageIter;

/// Makes an iterator with `make` and writes it, boxed, to `*out`.
///
/// # Safety
///
/// `out` is NULL or points to writable storage for one pointer; `err` as for every export.
pub(crate) unsafe fn new_iter<I>(
    out: *mut *mut I,
    err: *mut *mut trigger_error,
    make: impl FnOnce() -> FfiResult<I>,
) -> trigger_result {
    catch(err, || {
        require_out(out, "out")?;
        let iter = make()?;
        // SAFETY: `out` is not NULL (checked above) and writable; the caller owns the iterator.
        unsafe { *out = Box::into_raw(Box::new(iter)) };
        Ok(())
    })
}

/// Writes the next item's JSON to `*item_json`, or NULL when there are no more.
///
/// # Safety
///
/// `item_json` is NULL or points to writable storage for one pointer; `err` as for every export.
pub(crate) unsafe fn next_item<T: Serialize, P>(
    iter: Option<&mut PageIter<T, P>>,
    item_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
) -> trigger_result {
    // SAFETY: forwarded.
    unsafe {
        call_next_into(item_json, "item_json", err, || {
            let iter = iter.ok_or_else(|| trigger_error::invalid("iter", "must not be NULL"))?;
            Ok(iter.next().transpose()?)
        })
    }
}

/// Frees a boxed iterator; NULL is ignored.
///
/// # Safety
///
/// `iter` is NULL or an iterator from this library, freed once.
pub(crate) unsafe fn free_iter<I>(iter: *mut I) {
    if iter.is_null() {
        return;
    }
    // SAFETY: forwarded from the caller.
    catch_void(|| drop(unsafe { Box::from_raw(iter) }));
}
