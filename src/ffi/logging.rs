//! Logging: the library's log lines (a DEBUG line per request, an INFO line per retry) handed
//! to a callback of the host.

use std::ffi::{c_char, c_int, c_void};
use std::sync::{OnceLock, PoisonError, RwLock};

use super::boundary::catch;
use super::error::{c_string, trigger_error, trigger_result};

/// The level of a log line, and the most detailed level `trigger_set_log_callback` passes on.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum trigger_log_level {
    /// Nothing (as `max_level`).
    Off = 0,
    /// Errors.
    Error = 1,
    /// Warnings.
    Warn = 2,
    /// A retry: why, and the wait before the next attempt.
    Info = 3,
    /// A request: method, path, status, time, attempt.
    Debug = 4,
    /// Finer detail.
    Trace = 5,
}

/// Receives one log line: its level and its text (UTF-8, valid during the call only). Never
/// holds a token, a header value or a body.
#[allow(non_camel_case_types)]
pub type trigger_log_callback = Option<
    unsafe extern "C" fn(level: trigger_log_level, message: *const c_char, userdata: *mut c_void),
>;

struct Sink {
    callback: unsafe extern "C" fn(trigger_log_level, *const c_char, *mut c_void),
    userdata: usize,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
/// Whether this library's logger is the process's `log` logger (it can be installed once).
static INSTALLED: OnceLock<bool> = OnceLock::new();

struct Forwarder;

static FORWARDER: Forwarder = Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("triggerdev")
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let sink = SINK.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(sink) = &*sink {
            let text = c_string(record.args().to_string());
            let level = match record.level() {
                log::Level::Error => trigger_log_level::Error,
                log::Level::Warn => trigger_log_level::Warn,
                log::Level::Info => trigger_log_level::Info,
                log::Level::Debug => trigger_log_level::Debug,
                log::Level::Trace => trigger_log_level::Trace,
            };
            // SAFETY: the host's callback with its userdata, as `trigger_set_log_callback`
            // documents; `text` lives until the call returns.
            unsafe { (sink.callback)(level, text.as_ptr(), sink.userdata as *mut c_void) };
        }
    }

    fn flush(&self) {}
}

/// Sends the library's log lines up to `max_level` (a `TRIGGER_LOG_LEVEL_*` value) to `callback`,
/// replacing any earlier one; a NULL `callback` (or `TRIGGER_LOG_LEVEL_OFF`) stops them. Lines are
/// one DEBUG line per request (method, path, status, time, attempt) and one INFO line per retry
/// (the reason and the wait), never a token, header value or body. `callback` is called on the
/// thread that makes the call, possibly several threads at once; it must not call back into
/// this library. Fails with `TRIGGER_RESULT_INVALID_ARGUMENT` for a `max_level` out of range,
/// or when the process already has another `log` logger (a Rust host's own).
#[no_mangle]
pub unsafe extern "C" fn trigger_set_log_callback(
    callback: trigger_log_callback,
    userdata: *mut c_void,
    max_level: c_int,
    err: *mut *mut trigger_error,
) -> trigger_result {
    catch(err, || {
        let filter = match max_level {
            0 => log::LevelFilter::Off,
            1 => log::LevelFilter::Error,
            2 => log::LevelFilter::Warn,
            3 => log::LevelFilter::Info,
            4 => log::LevelFilter::Debug,
            5 => log::LevelFilter::Trace,
            _ => {
                return Err(trigger_error::invalid(
                    "max_level",
                    "must be a TRIGGER_LOG_LEVEL_* value (0 to 5)",
                ))
            }
        };
        let installed = *INSTALLED.get_or_init(|| log::set_logger(&FORWARDER).is_ok());
        if !installed {
            return Err(trigger_error::invalid(
                "callback",
                "this process already has another logger of the `log` crate; its lines go there",
            ));
        }
        let sink = callback.map(|callback| Sink {
            callback,
            userdata: userdata as usize,
        });
        let enabled = sink.is_some();
        *SINK.write().unwrap_or_else(PoisonError::into_inner) = sink;
        log::set_max_level(if enabled {
            filter
        } else {
            log::LevelFilter::Off
        });
        Ok(())
    })
}
