//! Start-up options.

use std::net::{IpAddr, Ipv4Addr};

use crate::faults::Faults;
use crate::seed::Seed;

/// How to start an [`Emulator`](crate::Emulator).
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to bind (default 127.0.0.1).
    pub host: IpAddr,
    /// Port to bind; 0 (the default) picks a free one.
    pub port: u16,
    /// Projects, environments and keys.
    pub seed: Seed,
    /// Fault rules active from the start (and restored by reset).
    pub faults: Faults,
    /// Task ids that answer 404 `Task not found` (default: `missing-task`); any other id is accepted.
    pub unknown_tasks: Vec<String>,
    /// How session SSE windows end (timeout, linger, ping interval).
    pub sessions: crate::model::sessions::SessionOptions,
    /// How realtime feeds are served (the live hold).
    pub realtime: crate::model::realtime::RealtimeOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: Seed::default(),
            faults: Faults::default(),
            unknown_tasks: vec!["missing-task".to_string()],
            sessions: Default::default(),
            realtime: Default::default(),
        }
    }
}
