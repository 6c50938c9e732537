//! Server-sent events over one long-lived GET, for session channels and run streams: the
//! event reader, reconnecting with a back-off after a failure, the stop signal another thread
//! fires, and the set of record ids seen (to drop what a reconnect delivers again).
//!
//! A [`Source`] owns the connection; its owner builds the request (the resume cursor is the
//! owner's) and decides what an event, or the end of a body, means for its protocol.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader};
use std::time::Duration;

use crate::cancel::{CancelToken, ReadingGuard, Watch};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::transport::{self, Call, StreamAgent};

/// How long a stream may stay silent before it counts as dropped (servers ping every few
/// seconds).
pub(crate) const DEFAULT_IDLE: Duration = Duration::from_secs(75);

/// An SSE event: its type, its last `id:` and its data lines.
pub(crate) struct Event {
    pub(crate) kind: String,
    pub(crate) id: Option<String>,
    pub(crate) data: String,
}

/// What waiting on a [`Source`] gave.
pub(crate) enum Next {
    /// A connection was opened: the headers of the call's `response_headers` it answered with.
    Opened(Vec<(&'static str, String)>),
    /// An event.
    Event(Event),
    /// The body ended cleanly (the connection is closed).
    End,
    /// The stop signal fired: end without an error.
    Stopped,
    /// The stream cannot go on: a terminal status, a server that keeps failing, a cancel, an
    /// interrupt or a deadline.
    Failed(Error),
}

/// What reading the connection gave.
enum Read {
    Event(Event),
    /// The body ended.
    End,
    /// The connection failed (or was stopped).
    Failed,
}

/// Stops a stream ([`crate::Subscription`], [`crate::RunStream`]) from any thread: a blocked
/// `next` returns `None` at once.
#[derive(Clone)]
pub struct Stopper {
    agent: StreamAgent,
    signal: CancelToken,
}

impl Stopper {
    /// Stops the stream (idempotent).
    pub fn stop(&self) {
        self.signal.cancel();
        self.agent.shutdown();
    }
}

impl std::fmt::Debug for Stopper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stopper")
            .field("stopped", &self.signal.is_cancelled())
            .finish()
    }
}

/// HTTP statuses (and errors) after which reconnecting cannot help.
fn terminal(error: &Error) -> bool {
    !matches!(
        error,
        Error::Connection { .. }
            | Error::Timeout { .. }
            | Error::Server(_)
            | Error::RateLimited { .. }
    ) && !matches!(error.status(), Some(408))
}

/// One SSE stream and its connection, reconnected after failures.
pub(crate) struct Source {
    client: Client,
    /// What log lines call it (the path).
    label: String,
    agent: StreamAgent,
    /// Fired by a [`Stopper`]: the stream ends (no error).
    stop: CancelToken,
    reader: Option<BufReader<ureq::BodyReader<'static>>>,
    /// The process that opened `reader` (after `fork()` a child reconnects on its own).
    reader_opened_in: u32,
    /// Failed connections since the last delivered record (drives the back-off).
    failures: u32,
    /// Connection attempts that failed in a row (no successful connection between them):
    /// after the client's retry policy's `max_attempts` of them the last error surfaces.
    failed_connects: u32,
    /// The token to connect with, when not the client's (a session may refresh it).
    token: Option<String>,
}

impl Source {
    /// A stream whose connections may stay silent for `idle` before they count as dropped.
    pub(crate) fn new(client: &Client, label: String, idle: Duration) -> Source {
        let cfg = client.resolved();
        Source {
            client: client.clone(),
            label,
            agent: StreamAgent::new(idle, &cfg.trust),
            stop: CancelToken::new(),
            reader: None,
            reader_opened_in: 0,
            failures: 0,
            failed_connects: 0,
            token: None,
        }
    }

    /// A handle that stops this stream from another thread.
    pub(crate) fn stopper(&self) -> Stopper {
        Stopper {
            agent: self.agent.clone(),
            signal: self.stop.clone(),
        }
    }

    /// The client it connects with.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The stop signal, for the owner's [`Watch`].
    pub(crate) fn stop_signal(&self) -> &CancelToken {
        &self.stop
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Connect with `token` from now on.
    pub(crate) fn set_token(&mut self, token: String) {
        self.token = Some(token);
    }

    /// A record was delivered: the back-off starts over.
    pub(crate) fn delivered(&mut self) {
        self.failures = 0;
    }

    /// Closes the connection.
    pub(crate) fn close(&mut self) {
        self.reader = None;
    }

    /// Closes the connection and waits before the next one (after an `error` event, or a body
    /// that ended before its protocol said it would).
    pub(crate) fn pause(&mut self, watch: &Watch<'_>) -> Result<()> {
        self.reader = None;
        self.back_off(watch)
    }

    /// Waits for the next event, connecting with `call` when no connection is open. A
    /// connection that fails is opened again after a back-off; connection attempts that keep
    /// failing (as many in a row as the retry policy's `max_attempts`), and terminal statuses,
    /// end the stream.
    pub(crate) fn next(&mut self, watch: &Watch<'_>, reading: &ReadingGuard, call: &Call) -> Next {
        loop {
            if self.stop.is_cancelled() {
                return self.stopped();
            }
            if let Err(e) = watch.check() {
                return self.failed(e);
            }
            if self.reader.is_some() && self.reader_opened_in != crate::process::refresh() {
                // Inherited through fork(): the parent reads that connection; resume on our own.
                self.reader = None;
            }
            if self.reader.is_none() {
                match self.connect(call) {
                    Ok(headers) => {
                        self.failed_connects = 0;
                        return Next::Opened(headers);
                    }
                    Err(e) => {
                        if self.stop.is_cancelled() {
                            return self.stopped();
                        }
                        if let Some(stopped) = reading.stopped() {
                            return self.failed(stopped);
                        }
                        // A server that keeps failing (5xx, timeouts) gets as many attempts in
                        // a row as a call would; then the caller sees the error.
                        self.failed_connects += 1;
                        let attempts = self.client.resolved().retry.max_attempts.max(1);
                        if terminal(&e) || self.failed_connects >= attempts {
                            return self.failed(e);
                        }
                        if let Err(e) = self.back_off(watch) {
                            return self.failed(e);
                        }
                        continue;
                    }
                }
            }
            match self.read_event() {
                Read::Event(event) => return Next::Event(event),
                Read::End => {
                    self.reader = None;
                    if self.stop.is_cancelled() {
                        return self.stopped();
                    }
                    return Next::End;
                }
                Read::Failed => {
                    self.reader = None;
                    if self.stop.is_cancelled() {
                        return self.stopped();
                    }
                    if let Some(stopped) = reading.stopped() {
                        return self.failed(stopped);
                    }
                    if let Err(e) = self.back_off(watch) {
                        return self.failed(e);
                    }
                }
            }
        }
    }

    fn stopped(&mut self) -> Next {
        self.reader = None;
        Next::Stopped
    }

    fn failed(&mut self, error: Error) -> Next {
        self.reader = None;
        // Stopped: whatever the stop interrupted ends the stream without an error.
        if self.stop.is_cancelled() {
            Next::Stopped
        } else {
            Next::Failed(error)
        }
    }

    fn connect(&mut self, call: &Call) -> Result<Vec<(&'static str, String)>> {
        let cfg = match &self.token {
            Some(token) => self.client.resolved().with_token(token),
            None => self.client.resolved().clone(),
        };
        let stream = transport::open_stream(&self.agent, &cfg, call)?;
        self.reader = Some(BufReader::new(stream.body));
        self.reader_opened_in = crate::process::last_seen();
        Ok(stream.headers)
    }

    /// Reads one SSE event.
    fn read_event(&mut self) -> Read {
        let Some(reader) = self.reader.as_mut() else {
            return Read::End;
        };
        let mut kind = String::new();
        let mut id = None;
        let mut data = String::new();
        let mut any = false;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => return Read::End,
                Ok(_) => {}
                Err(_) => return Read::Failed,
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                if any {
                    return Read::Event(Event { kind, id, data });
                }
                continue;
            }
            if text.starts_with(':') {
                continue;
            }
            let (field, value) = text.split_once(':').unwrap_or((text, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => kind = value.to_owned(),
                "data" => {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(value);
                }
                "id" => id = Some(value.to_owned()),
                // `retry:` is not used: the back-off is the client's.
                _ => {}
            }
            any = true;
        }
    }

    /// Waits before reconnecting: 100 ms × 2ⁿ up to 5 s, scaled into [50 %, 100 %]. A stop
    /// ends the wait early; a cancel or an interrupt ends it with an error.
    fn back_off(&mut self, watch: &Watch<'_>) -> Result<()> {
        self.failures += 1;
        let base = 100.0 * 2f64.powi(self.failures.saturating_sub(1).min(16) as i32);
        let clock = &self.client.resolved().clock;
        let delay = Duration::from_millis((base.min(5000.0) * (1.0 - 0.5 * clock.random())) as u64);
        log::info!(
            target: "triggerdev",
            "stream {}: reconnecting in {} ms (failure {} in a row)",
            self.label,
            delay.as_millis(),
            self.failures
        );
        watch.sleep(delay)
    }
}

/// Record ids seen lately, to drop records a reconnect delivers again (bounded, oldest first
/// out).
#[derive(Default)]
pub(crate) struct SeenIds {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl SeenIds {
    const CAP: usize = 5000;

    /// True the first time `id` is seen.
    pub(crate) fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        self.set.insert(id.to_owned());
        self.order.push_back(id.to_owned());
        if self.order.len() > Self::CAP {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}
