//! Time and randomness, injectable so that retry schedules are tested without sleeping.

use std::time::{Duration, SystemTime};

/// Time and randomness for the retry loop. Tests inject a fake to check delays without sleeping.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
    /// A random number in `[0, 1)`, used for jitter.
    fn random(&self) -> f64 {
        (crate::encode::random_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Whether this clock is the real one, so that a wait may be cut short by another thread
    /// (a subscription being stopped) instead of going through [`Clock::sleep`].
    #[doc(hidden)]
    fn is_real(&self) -> bool {
        false
    }
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
    fn is_real(&self) -> bool {
        true
    }
}
