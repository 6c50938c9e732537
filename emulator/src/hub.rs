//! Everything behind the one lock, and the condition variable that long-lived readers (SSE
//! streams) wait on. Every dispatched request and every state-changing `Emulator` call
//! notifies it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::faults::FaultState;
use crate::options::Options;
use crate::request_log::RequestLog;
use crate::state::State;

/// What the lock guards: the emulated world, and beside it what the server keeps (fault rules,
/// the request log). A reset replaces all three.
pub struct Shared {
    pub state: State,
    pub faults: FaultState,
    pub log: RequestLog,
}

impl Shared {
    /// The start-up world: the seed, the start-up fault rules, an empty log.
    pub fn new(options: &Options) -> Shared {
        Shared {
            state: State::new(options.seed.clone()),
            faults: FaultState::new(&options.faults),
            log: RequestLog::default(),
        }
    }
}

pub struct Hub {
    shared: Mutex<Shared>,
    changed: Condvar,
    shutdown: AtomicBool,
}

impl Hub {
    pub fn new(shared: Shared) -> Hub {
        Hub {
            shared: Mutex::new(shared),
            changed: Condvar::new(),
            shutdown: AtomicBool::new(false),
        }
    }

    /// Locks; a handler that panicked must not take the emulator down with it.
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a notification (or `timeout`), releasing the lock meanwhile.
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a, Shared>,
        timeout: Duration,
    ) -> MutexGuard<'a, Shared> {
        match self.changed.wait_timeout(guard, timeout) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        }
    }

    pub fn notify(&self) {
        self.changed.notify_all();
    }

    /// Set when the `Emulator` is dropped, so streams end at once.
    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    pub fn shut_down(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        // Take the lock so no waiter misses the wake-up between its check and its wait.
        drop(self.lock());
        self.notify();
    }
}
