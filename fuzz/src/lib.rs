//! What the fuzz targets share: turning fuzz input into C arguments, the invariants every C
//! call must keep, clients that never leave the machine, and a loopback HTTP responder.

use std::ffi::{c_char, CStr, CString};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ptr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

pub use triggerdev::ffi::*;

/// The input as a C string: C sees the bytes up to the first NUL (any bytes, also invalid
/// UTF-8).
pub fn c_input(data: &[u8]) -> CString {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    CString::new(&data[..end]).expect("no NUL before `end`")
}

/// Checks the outcome of one call and frees what it handed out: on success `err` is untouched
/// and `out` (if the call has one) is returned as text, then freed with `trigger_string_free`;
/// on failure the code is a documented one, `*err` holds an error of that kind with a message,
/// and nothing was written to `out`. A `TRIGGER_RESULT_PANIC` is a crash.
///
/// # Safety
///
/// `err` and `out` are what the call left in the caller's NULL-initialised out-parameters.
pub unsafe fn finish(
    rc: trigger_result,
    err: *mut trigger_error,
    out: *mut c_char,
) -> Option<String> {
    if rc == trigger_result::Ok {
        assert!(err.is_null(), "*err written on success");
        if out.is_null() {
            return None;
        }
        let text = unsafe { CStr::from_ptr(out) }
            .to_str()
            .expect("the library returned a string that is not UTF-8")
            .to_owned();
        unsafe { trigger_string_free(out) };
        return Some(text);
    }
    assert!(!err.is_null(), "{rc:?} without an error object");
    let kind = unsafe { trigger_error_kind(err) };
    let message = unsafe { CStr::from_ptr(trigger_error_message(err)) }
        .to_str()
        .expect("error message is not UTF-8")
        .to_owned();
    unsafe { trigger_error_free(err) };
    assert_eq!(kind, rc, "error kind differs from the returned code");
    assert!(!message.is_empty(), "{rc:?} with an empty message");
    assert_ne!(rc, trigger_result::Panic, "the library panicked: {message}");
    assert!(out.is_null(), "out-parameter written on failure ({rc:?})");
    None
}

/// [`finish`] for a call whose out-parameter is JSON: the text handed out must parse.
///
/// # Safety
///
/// As [`finish`].
pub unsafe fn finish_json(
    rc: trigger_result,
    err: *mut trigger_error,
    out: *mut c_char,
) -> Option<String> {
    let text = unsafe { finish(rc, err, out) }?;
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
        panic!("out_json is not JSON ({e}): {text:?}");
    }
    Some(text)
}

/// [`finish`] for a call that writes a handle: checks the outcome; the caller frees the handle.
///
/// # Safety
///
/// As [`finish`].
pub unsafe fn finish_handle<T>(rc: trigger_result, err: *mut trigger_error, out: *mut T) -> bool {
    if rc == trigger_result::Ok {
        assert!(!out.is_null(), "no handle written on success");
    }
    unsafe { finish(rc, err, ptr::null_mut()) };
    rc == trigger_result::Ok
}

/// A client for `base_url`: a secret key, one attempt per call (no retry, no back-off), a
/// short timeout so that nothing can hang a fuzz run.
pub fn client(base_url: &str) -> *mut trigger_client {
    let config = format!(
        r#"{{"accessToken":"tr_dev_fuzz0000000000000000","baseURL":"{base_url}",
            "requestOptions":{{"timeoutMs":3000,"retry":{{"maxAttempts":1}}}}}}"#
    );
    let config = CString::new(config).expect("no NUL");
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_client_new(config.as_ptr(), &mut out, &mut err) };
    assert_eq!(rc, trigger_result::Ok, "cannot make the fuzz client");
    out
}

/// A client handle that may be kept in a static (it is immutable and thread-safe).
pub struct Shared(pub *mut trigger_client);
// SAFETY: a trigger_client may be shared between threads (include/triggerdev.h, THREADS).
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

/// A client whose every request fails at once: nothing listens on port 1 of loopback. For the
/// targets that fuzz what a call sends, not what it receives.
pub fn offline_client() -> *const trigger_client {
    static CLIENT: OnceLock<Shared> = OnceLock::new();
    CLIENT
        .get_or_init(|| Shared(client("http://127.0.0.1:1")))
        .0
}

/// The reply the responder gives to every request.
struct Reply {
    content_type: &'static str,
    body: Vec<u8>,
}

static REPLY: Mutex<Reply> = Mutex::new(Reply {
    content_type: "application/json",
    body: Vec::new(),
});

/// Makes every later request get `200 OK` with `body` as `content_type`.
pub fn set_reply(content_type: &'static str, body: &[u8]) {
    let mut reply = REPLY.lock().unwrap_or_else(|e| e.into_inner());
    reply.content_type = content_type;
    reply.body.clear();
    reply.body.extend_from_slice(body);
}

/// A client of the loopback responder, started on first use.
pub fn responder_client() -> *const trigger_client {
    static CLIENT: OnceLock<Shared> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let url = format!("http://{}", listener.local_addr().expect("local address"));
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    // A broken connection is the client's business; keep serving.
                    let _ = answer(stream);
                }
            });
            Shared(client(&url))
        })
        .0
}

/// Reads one request (head, then the body its Content-Length or chunking says) and answers it
/// with the current reply, closing the connection so that nothing is pooled between inputs.
fn answer(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&request, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let body = &request[head_end..];
        let complete = match length {
            Some(n) => body.len() >= n,
            None => !chunked || body.ends_with(b"0\r\n\r\n"),
        };
        if complete {
            break;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&chunk[..n]);
    }
    let response = {
        let reply = REPLY.lock().unwrap_or_else(|e| e.into_inner());
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reply.content_type,
            reply.body.len()
        )
        .into_bytes();
        response.extend_from_slice(&reply.body);
        response
    };
    stream.write_all(&response)?;
    stream.flush()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Calls an export that writes JSON to `*out_json` with fresh out-parameters, checks the
/// outcome ([`finish_json`]) and returns the text on success.
pub fn json_call(
    call: impl FnOnce(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result,
) -> Option<String> {
    let (mut out, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = call(&mut out, &mut err);
    // SAFETY: `out` and `err` are what the call left in NULL-initialised out-parameters.
    unsafe { finish_json(rc, err, out) }
}

/// As [`json_call`], for an export whose result is plain text (a token, a key).
pub fn text_call(
    call: impl FnOnce(*mut *mut c_char, *mut *mut trigger_error) -> trigger_result,
) -> Option<String> {
    let (mut out, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = call(&mut out, &mut err);
    // SAFETY: as above.
    let text = unsafe { finish(rc, err, out) }?;
    assert!(!text.is_empty(), "empty result");
    Some(text)
}

/// An iterator's `_next`.
pub type Next<I> =
    unsafe extern "C" fn(*mut I, *mut *mut c_char, *mut *mut trigger_error) -> trigger_result;

/// Makes an iterator with `make`, reads at most `limit` items (each checked as JSON and freed)
/// and frees it. `Some` when the iterator was made and at least one `_next` succeeded.
pub fn iterate<I>(
    make: impl FnOnce(*mut *mut I, *mut *mut trigger_error) -> trigger_result,
    next: Next<I>,
    free: unsafe extern "C" fn(*mut I),
    limit: usize,
) -> Option<String> {
    let (mut iter, mut err) = (ptr::null_mut(), ptr::null_mut());
    let rc = make(&mut iter, &mut err);
    // SAFETY: as above.
    if !unsafe { finish_handle(rc, err, iter) } {
        return None;
    }
    let mut ok = false;
    for _ in 0..limit {
        let (mut item, mut err) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: `iter` is the live iterator made above, used by this thread alone.
        let rc = unsafe { next(iter, &mut item, &mut err) };
        let done = rc != trigger_result::Ok || item.is_null();
        // SAFETY: as above.
        ok |= unsafe { finish_json(rc, err, item) }.is_some() || rc == trigger_result::Ok;
        if done {
            break;
        }
    }
    // SAFETY: made above, freed once.
    unsafe { free(iter) };
    ok.then(String::new)
}
