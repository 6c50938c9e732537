//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use triggerdev::{Client, Clock, Config, Env, RequestOptions, RetryPolicy};

pub const DEV_KEY: &str = "tr_dev_test_key_123";
pub const PAT: &str = "tr_pat_test_token_456";

/// A clock that records sleeps instead of sleeping, and moves time forward by them.
pub struct FakeClock {
    now: Mutex<SystemTime>,
    pub sleeps: Mutex<Vec<Duration>>,
    pub random: f64,
}

impl FakeClock {
    pub fn new() -> Arc<FakeClock> {
        FakeClock::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    pub fn at(now: SystemTime) -> Arc<FakeClock> {
        FakeClock::with(now, 0.0)
    }

    /// A clock whose `random()` always returns `random`.
    pub fn with_random(random: f64) -> Arc<FakeClock> {
        FakeClock::with(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            random,
        )
    }

    fn with(now: SystemTime, random: f64) -> Arc<FakeClock> {
        Arc::new(FakeClock {
            now: Mutex::new(now),
            sleeps: Mutex::new(Vec::new()),
            random,
        })
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }

    pub fn epoch_ms(&self) -> u128 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap()
    }
    fn sleep(&self, d: Duration) {
        self.sleeps.lock().unwrap().push(d);
        *self.now.lock().unwrap() += d;
    }
    fn random(&self) -> f64 {
        self.random
    }
}

/// A client for `url` with `token`, an empty environment, and a fake clock.
pub fn client_with(url: &str, token: &str, clock: Arc<FakeClock>) -> Client {
    Client::with_env(
        Config::new().access_token(token).base_url(url).clock(clock),
        &Env::default(),
    )
}

/// A fake clock that starts now: the emulator's rate-limit resets and token expiries are real
/// epoch times.
pub fn clock_now() -> Arc<FakeClock> {
    FakeClock::at(SystemTime::now())
}

/// A client of `emu` with `token`; retries run instantly on a fake clock that starts now.
pub fn emulator_client(emu: &triggerdev_emulator::Emulator, token: &str) -> Client {
    client_with(emu.base_url(), token, clock_now())
}

/// `c` without retries.
pub fn no_retry(c: &Client) -> Client {
    c.with_options(RequestOptions::new().retry(RetryPolicy::none()))
}

/// A client for `url` with the dev key and no retries.
pub fn client(url: &str) -> Client {
    Client::with_env(
        Config::new()
            .access_token(DEV_KEY)
            .base_url(url)
            .clock(FakeClock::new())
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    )
}

/// A client for `url` with a personal access token and no retries.
pub fn pat_client(url: &str) -> Client {
    Client::with_env(
        Config::new()
            .access_token(PAT)
            .base_url(url)
            .request_options(RequestOptions::new().retry(RetryPolicy::none())),
        &Env::default(),
    )
}

/// The headers every authenticated call carries.
pub fn with_common_headers(mock: mockito::Mock, token: &str) -> mockito::Mock {
    mock.match_header("authorization", format!("Bearer {token}").as_str())
        .match_header("content-type", "application/json")
        .match_header("x-trigger-api-version", "2025-07-16")
        .match_header("x-trigger-realtime-streams-version", "v2")
        .match_header("trigger-version", triggerdev::VERSION)
        .match_header("x-trigger-source", "sdk")
        .match_header(
            "user-agent",
            format!("triggerdev-rust/{}", triggerdev::VERSION).as_str(),
        )
        .match_header(
            "x-trigger-request-idempotency-key",
            mockito::Matcher::Regex(
                "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$".into(),
            ),
        )
}
