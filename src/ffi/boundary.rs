//! The panic boundary, and the checks every argument goes through.
//!
//! Every export runs its body in [`catch`]: an `Err` becomes the returned code plus an owned
//! error written to `*err`, and a panic becomes `TRIGGER_RESULT_PANIC` instead of unwinding
//! into C. Arguments are read with the helpers below, which turn NULL pointers, invalid UTF-8
//! and bad JSON into `TRIGGER_RESULT_INVALID_ARGUMENT` errors that name the argument.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::error::{trigger_error, trigger_result};
use super::unwind::{drop_payload, panic_message};
use crate::json::{serde_message, type_name, WithJson};
use crate::RawJson;

/// What the body of an export returns.
pub(crate) type FfiResult<T = ()> = Result<T, trigger_error>;

/// Runs `body` inside the panic boundary and reports its outcome through `err`.
pub(crate) fn catch(
    err: *mut *mut trigger_error,
    body: impl FnOnce() -> FfiResult,
) -> trigger_result {
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return trigger_result::Ok,
        Ok(Err(error)) => error,
        Err(payload) => {
            let message = panic_message(&*payload);
            drop_payload(payload);
            trigger_error::new(trigger_result::Panic, message)
        }
    };
    let kind = error.kind();
    if !err.is_null() {
        // SAFETY: a non-NULL `err` points to writable storage for one pointer (the contract
        // of every export); the caller owns the error from now on.
        unsafe { *err = Box::into_raw(Box::new(error)) };
    }
    kind
}

/// Runs `f` inside the same panic boundary as every export and returns the code it produced
/// (`TRIGGER_RESULT_PANIC` when `f` panics). For tests of the boundary; not part of the C API.
///
/// # Safety
///
/// `err` must be NULL or point to writable storage for one pointer.
#[doc(hidden)]
pub unsafe fn run_in_boundary(err: *mut *mut trigger_error, f: impl FnOnce()) -> trigger_result {
    catch(err, || {
        f();
        Ok(())
    })
}

/// Reads a required string argument.
///
/// # Safety
///
/// `ptr` is NULL or a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> FfiResult<&'a str> {
    // SAFETY: forwarded.
    unsafe { optional_str(ptr, name) }?
        .ok_or_else(|| trigger_error::invalid(name, "must not be NULL"))
}

/// Reads an optional string argument: NULL gives `None`.
///
/// # Safety
///
/// As [`required_str`].
pub(crate) unsafe fn optional_str<'a>(
    ptr: *const c_char,
    name: &str,
) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map(Some).map_err(|e| {
        trigger_error::invalid(
            name,
            format_args!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Reads a required JSON object argument into `T` (a struct of options).
///
/// # Safety
///
/// As [`required_str`].
pub(crate) unsafe fn required_object<T: DeserializeOwned>(
    ptr: *const c_char,
    name: &str,
) -> FfiResult<T> {
    // SAFETY: forwarded.
    let text = unsafe { required_str(ptr, name) }?;
    parse_object(text, name)
}

/// Reads an optional JSON object argument into `T`: NULL gives `T::default()`.
///
/// # Safety
///
/// As [`required_str`].
pub(crate) unsafe fn optional_object<T: DeserializeOwned + Default>(
    ptr: *const c_char,
    name: &str,
) -> FfiResult<T> {
    // SAFETY: forwarded.
    match unsafe { optional_str(ptr, name) }? {
        Some(text) => parse_object(text, name),
        None => Ok(T::default()),
    }
}

/// Parses `text` as a JSON object into `T`. Serde would also fill a struct from an array,
/// by position; options must be named, so anything but an object is refused.
pub(crate) fn parse_object<T: DeserializeOwned>(text: &str, name: &str) -> FfiResult<T> {
    if !text.trim_start().starts_with('{') {
        let value: Value = parse_json(text, name)?;
        return Err(not_an_object(name, &value));
    }
    parse_json(text, name)
}

/// "`name`: must be a JSON object, not an array".
pub(crate) fn not_an_object(name: &str, value: &Value) -> trigger_error {
    trigger_error::invalid(
        name,
        format_args!("must be a JSON object, not {}", type_name(value)),
    )
}

/// Parses `text` as JSON into `T`; the error names `name` and where in the JSON it is, and
/// never echoes a string value.
pub(crate) fn parse_json<T: DeserializeOwned>(text: &str, name: &str) -> FfiResult<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| {
            let path = json_path(e.path());
            json_error(name, &path, e.inner())
        })
        .and_then(|value| {
            de.end().map_err(|e| json_error(name, "", &e))?;
            Ok(value)
        })
}

/// The error of JSON that serde refused (see [`trigger_error::invalid_json`]).
pub(crate) fn json_error(name: &str, path: &str, e: &serde_json::Error) -> trigger_error {
    let (message, position) = serde_message(e);
    let message = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("malformed JSON: {message}")
        }
        _ => message,
    };
    trigger_error::invalid_json(name, path, &message, &position)
}

/// Where in a JSON value serde stopped, as `.status[0]` (empty at the top). A key that looks
/// like a credential is not shown.
fn json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("[{index}]"),
            Segment::Map { key } if crate::shown::looks_secret(key) => ".?".to_owned(),
            Segment::Map { key } => format!(".{key}"),
            Segment::Enum { variant } => format!(".{variant}"),
            Segment::Unknown => String::new(),
        })
        .collect()
}

/// Reads an optional JSON value exactly as the caller wrote it: NULL gives `None`.
///
/// # Safety
///
/// As [`required_str`].
pub(crate) unsafe fn optional_raw(ptr: *const c_char, name: &str) -> FfiResult<Option<RawJson>> {
    // SAFETY: forwarded.
    match unsafe { optional_str(ptr, name) }? {
        Some(text) => parse_json(text, name).map(Some),
        None => Ok(None),
    }
}

/// Checks that a required out-parameter is not NULL (before any request is made).
pub(crate) fn require_out<T>(out: *mut T, name: &str) -> FfiResult {
    if out.is_null() {
        return Err(trigger_error::invalid(name, "must not be NULL"));
    }
    Ok(())
}

/// Writes `text` as a library-owned string to `*out`, which is not NULL.
///
/// # Safety
///
/// `out` points to writable storage for one pointer.
pub(crate) unsafe fn write_string(out: *mut *mut c_char, text: String) -> FfiResult {
    let c = CString::new(text).map_err(|_| {
        trigger_error::new(
            trigger_result::Decode,
            "the result holds a NUL byte and cannot be returned as a C string",
        )
    })?;
    // SAFETY: `out` is writable (see above); the caller owns the string from now on.
    unsafe { *out = c.into_raw() };
    Ok(())
}

/// The shape of most exports: checks `out_json`, runs `body` and writes its result, as JSON,
/// to `*out_json`. Results that keep the server's JSON ([`crate::json::WithJson`]) serialize
/// as that JSON, untouched.
///
/// # Safety
///
/// `out_json` is NULL or points to writable storage for one pointer; `err` as for every export.
pub(crate) unsafe fn call_json<T: Serialize>(
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
    body: impl FnOnce() -> FfiResult<T>,
) -> trigger_result {
    // SAFETY: forwarded.
    unsafe { call_json_into(out_json, "out_json", err, body) }
}

/// A result that is one whole response: its JSON text is written as the server sent it.
pub(crate) trait BodyText {
    fn into_body_text(self) -> String;
}

impl<M> BodyText for WithJson<M> {
    fn into_body_text(self) -> String {
        self.into_text()
    }
}

/// `None` (a run without a result yet) is the JSON text `null`.
impl<M> BodyText for Option<WithJson<M>> {
    fn into_body_text(self) -> String {
        self.map_or_else(|| "null".to_owned(), WithJson::into_text)
    }
}

/// [`call_json`] for an export whose result is one response ([`BodyText`]): the body's text
/// goes out without being serialized again.
///
/// # Safety
///
/// As [`call_json`].
pub(crate) unsafe fn call_body<T: BodyText>(
    out_json: *mut *mut c_char,
    err: *mut *mut trigger_error,
    body: impl FnOnce() -> FfiResult<T>,
) -> trigger_result {
    catch(err, || {
        require_out(out_json, "out_json")?;
        let text = body()?.into_body_text();
        // SAFETY: checked not NULL above; writable by the caller's contract.
        unsafe { write_string(out_json, text) }
    })
}

/// [`call_json`] for an out-parameter named `out_name`.
///
/// # Safety
///
/// As [`call_json`].
pub(crate) unsafe fn call_json_into<T: Serialize>(
    out_json: *mut *mut c_char,
    out_name: &str,
    err: *mut *mut trigger_error,
    body: impl FnOnce() -> FfiResult<T>,
) -> trigger_result {
    catch(err, || {
        require_out(out_json, out_name)?;
        let text = to_json_text(&body()?)?;
        // SAFETY: checked not NULL above; writable by the caller's contract.
        unsafe { write_string(out_json, text) }
    })
}

/// [`call_json_into`] for the `_next` of an iterator: `body` returns the next item, or `None`
/// at the end, which writes NULL to `*out_json` (an item that is JSON `null` stays "null").
///
/// # Safety
///
/// As [`call_json`].
pub(crate) unsafe fn call_next_into<T: Serialize>(
    out_json: *mut *mut c_char,
    out_name: &str,
    err: *mut *mut trigger_error,
    body: impl FnOnce() -> FfiResult<Option<T>>,
) -> trigger_result {
    catch(err, || {
        require_out(out_json, out_name)?;
        match body()? {
            Some(item) => {
                let text = to_json_text(&item)?;
                // SAFETY: checked not NULL above; writable by the caller's contract.
                unsafe { write_string(out_json, text) }
            }
            None => {
                // SAFETY: as above.
                unsafe { *out_json = std::ptr::null_mut() };
                Ok(())
            }
        }
    })
}

fn to_json_text<T: Serialize>(value: &T) -> FfiResult<String> {
    serde_json::to_string(value).map_err(|e| {
        trigger_error::new(
            trigger_result::Decode,
            format!("the result cannot be serialized as JSON: {e}"),
        )
    })
}
