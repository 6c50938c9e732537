//! Stopping waits: cancel tokens another thread fires, and a per-thread interrupt check (the
//! way an interpreter asks whether Ctrl-C was pressed).
//!
//! A call waits in three places: the back-off between attempts (and a poll's interval), a
//! response that is slow to arrive, and a subscription's silence. Each of them ends early when
//!
//! - the client's [`CancelToken`] fires ([`crate::RequestOptions::cancel_token`]): the call
//!   fails with [`crate::Error::Cancelled`];
//! - the calling thread's interrupt check ([`set_interrupt_check`]), asked every
//!   [`CHECK_INTERVAL`] while the call waits, returns `true`: [`crate::Error::Cancelled`] with
//!   `interrupted: true`;
//! - an overall deadline passes (a poll's `timeout`): [`crate::Error::WaitTimeout`].
//!
//! Connecting (at most the 10 s connect timeout) and sending a request body are not
//! interrupted.
//!
//! ```
//! use std::time::Duration;
//! use triggerdev::{CancelToken, Client, Config, Error, RequestOptions};
//!
//! let token = CancelToken::new();
//! let client = Client::new(Config::new().access_token("tr_dev_..."))
//!     .with_options(RequestOptions::new().cancel_token(token.clone()));
//! token.cancel(); // from any thread: every wait of `client` ends at once
//! assert!(matches!(client.runs().retrieve("run_1"), Err(Error::Cancelled { interrupted: false })));
//! ```

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::clock::Clock;
use crate::error::{Error, Result};

/// How often a waiting call asks the interrupt check, and looks at its token when it cannot be
/// woken (a socket read).
pub const CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// A signal that ends the waits of every call made with it, fired from any thread. Clones share
/// one signal. Once fired it stays fired: make a new token for new calls.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Signal>,
}

#[derive(Default)]
struct Signal {
    fired: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl CancelToken {
    /// A token that has not fired.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Fires the token: calls waiting with it return [`Error::Cancelled`] within
    /// [`CHECK_INTERVAL`] (at once from a back-off), and later calls fail before waiting.
    pub fn cancel(&self) {
        let _guard = self
            .inner
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.inner.fired.store(true, Ordering::SeqCst);
        self.inner.wake.notify_all();
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.fired.load(Ordering::SeqCst)
    }

    /// Waits up to `duration` or until the token fires; true if it fired.
    fn wait(&self, duration: Duration) -> bool {
        let guard = self
            .inner
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (_guard, _) = self
            .inner
            .wake
            .wait_timeout_while(guard, duration, |()| !self.is_cancelled())
            .unwrap_or_else(PoisonError::into_inner);
        self.is_cancelled()
    }
}

impl PartialEq for CancelToken {
    fn eq(&self, other: &CancelToken) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

thread_local! {
    static INTERRUPT_CHECK: RefCell<Option<Rc<dyn Fn() -> bool>>> = const { RefCell::new(None) };
}

/// Sets (or with `None` removes) the interrupt check of the calling thread: while a call made
/// on this thread waits, it asks `check` every [`CHECK_INTERVAL`] and ends with
/// [`Error::Cancelled`] (`interrupted: true`) when it returns `true`. For hosts that learn of
/// Ctrl-C from a flag, as interpreters do (the Python and Ruby bindings set one on their main
/// thread). Other threads are not affected.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// static CTRL_C: AtomicBool = AtomicBool::new(false); // set by the program's SIGINT handler
/// triggerdev::cancel::set_interrupt_check(Some(Box::new(|| CTRL_C.load(Ordering::Relaxed))));
/// ```
pub fn set_interrupt_check(check: Option<Box<dyn Fn() -> bool>>) {
    let check: Option<Rc<dyn Fn() -> bool>> = check.map(Rc::from);
    INTERRUPT_CHECK.with(|slot| *slot.borrow_mut() = check);
}

fn interrupt_check() -> Option<Rc<dyn Fn() -> bool>> {
    INTERRUPT_CHECK
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
}

/// What ends one call's waits: its client's token, its own stop signal (a subscription's), its
/// deadline, this thread's interrupt check.
pub(crate) struct Watch<'a> {
    token: Option<&'a CancelToken>,
    stop: Option<&'a CancelToken>,
    deadline: Option<Deadline>,
    clock: &'a dyn Clock,
    interrupt: Option<Rc<dyn Fn() -> bool>>,
}

/// When an overall wait ends (on the client's clock), and how long it was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Deadline {
    pub(crate) at: SystemTime,
    pub(crate) timeout: Duration,
}

impl<'a> Watch<'a> {
    pub(crate) fn new(
        token: Option<&'a CancelToken>,
        deadline: Option<Deadline>,
        clock: &'a dyn Clock,
    ) -> Watch<'a> {
        Watch {
            token,
            stop: None,
            deadline,
            clock,
            interrupt: interrupt_check(),
        }
    }

    /// This watch, also ended by `stop` (a subscription's [`crate::Stopper`]): waits end with
    /// [`Error::Cancelled`], which the owner of `stop` turns into a clean end.
    pub(crate) fn stopped_by(mut self, stop: &'a CancelToken) -> Watch<'a> {
        self.stop = Some(stop);
        self
    }

    /// Whether anything can end a wait early, other than the deadline.
    pub(crate) fn has_signal(&self) -> bool {
        self.token.is_some() || self.stop.is_some() || self.interrupt.is_some()
    }

    /// The error that ends the call now, if any.
    pub(crate) fn check(&self) -> Result<()> {
        if self.token.is_some_and(CancelToken::is_cancelled)
            || self.stop.is_some_and(CancelToken::is_cancelled)
        {
            return Err(Error::Cancelled { interrupted: false });
        }
        if self.interrupt.as_ref().is_some_and(|check| check()) {
            return Err(Error::Cancelled { interrupted: true });
        }
        if self.remaining() == Some(Duration::ZERO) {
            return Err(self.timed_out().expect("a deadline was set"));
        }
        Ok(())
    }

    /// Time left before the deadline.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.deadline.map(|d| {
            d.at.duration_since(self.clock.now())
                .unwrap_or(Duration::ZERO)
        })
    }

    /// The error of a wait that ran out of time, if the watch has a deadline.
    pub(crate) fn timed_out(&self) -> Option<Error> {
        self.deadline.map(|d| Error::WaitTimeout {
            timeout: d.timeout,
            last_run: None,
        })
    }

    /// Sleeps `duration` (on the client's clock), or less when the call ends first.
    pub(crate) fn sleep(&self, duration: Duration) -> Result<()> {
        self.check()?;
        // The token a sleep blocks on; with two, the other is looked at between slices.
        let (wake, other) = match (self.stop, self.token) {
            (Some(stop), token) => (Some(stop), token),
            (None, token) => (token, None),
        };
        let slice = |left: Duration| {
            let mut step = left;
            if let Some(remaining) = self.remaining() {
                step = step.min(remaining);
            }
            if self.interrupt.is_some() || other.is_some() {
                step = step.min(CHECK_INTERVAL);
            }
            step
        };
        if !self.clock.is_real() {
            // An injected clock records the sleeps (sliced as a real one's would be).
            let mut left = duration;
            while !left.is_zero() {
                let step = slice(left);
                self.clock.sleep(step);
                self.check()?;
                left = left.saturating_sub(step);
            }
            return Ok(());
        }
        // Measured on the monotonic clock, not with `thread::sleep`: that resumes an
        // interrupted sleep with the time the kernel says was left, which barely shrinks
        // under a storm of signals (Ruby sends them to a thread it wants to interrupt), so the
        // sleep, and the look at the interrupt check after it, could be put off for seconds.
        let end = Instant::now() + duration;
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            let step = slice(end - now);
            match wake {
                Some(token) => {
                    token.wait(step);
                }
                // Returns early when a signal arrives: the checks below run at once.
                None => std::thread::park_timeout(step),
            }
            self.check()?;
        }
    }
}

thread_local! {
    /// The signals of the call this thread is making, for the connection's reads to look at.
    static READING: RefCell<Option<ReadWatch>> = const { RefCell::new(None) };
}

/// What a connection read of the current call looks at.
#[derive(Clone)]
pub(crate) struct ReadWatch {
    token: Option<CancelToken>,
    stop: Option<CancelToken>,
    interrupt: Option<Rc<dyn Fn() -> bool>>,
    /// Set by the read that stopped the call.
    pub(crate) stopped: Rc<RefCell<Option<Error>>>,
}

impl ReadWatch {
    /// Whether the call must stop now; the reason is kept for the caller.
    pub(crate) fn should_stop(&self) -> bool {
        let fired = |t: &Option<CancelToken>| t.as_ref().is_some_and(CancelToken::is_cancelled);
        let reason = if fired(&self.token) || fired(&self.stop) {
            Error::Cancelled { interrupted: false }
        } else if self.interrupt.as_ref().is_some_and(|check| check()) {
            Error::Cancelled { interrupted: true }
        } else {
            return false;
        };
        *self.stopped.borrow_mut() = Some(reason);
        true
    }
}

/// Makes `watch` visible to the connection reads of this thread until the guard drops.
pub(crate) fn reading(watch: &Watch<'_>) -> ReadingGuard {
    let read = watch.has_signal().then(|| ReadWatch {
        token: watch.token.cloned(),
        stop: watch.stop.cloned(),
        interrupt: watch.interrupt.clone(),
        stopped: Rc::default(),
    });
    let stopped = read.as_ref().map(|r| r.stopped.clone());
    let previous = READING.with(|slot| std::mem::replace(&mut *slot.borrow_mut(), read));
    ReadingGuard { previous, stopped }
}

/// Restores the previous read watch when dropped.
pub(crate) struct ReadingGuard {
    previous: Option<ReadWatch>,
    stopped: Option<Rc<RefCell<Option<Error>>>>,
}

impl ReadingGuard {
    /// Why a read stopped the call, if one did.
    pub(crate) fn stopped(&self) -> Option<Error> {
        self.stopped.as_ref().and_then(|s| s.borrow_mut().take())
    }
}

impl Drop for ReadingGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = READING.try_with(|slot| *slot.borrow_mut() = previous);
    }
}

/// The read watch of the call this thread is making, if it has a signal.
pub(crate) fn current_read() -> Option<ReadWatch> {
    READING
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
}
