//! One logical call: credential check, headers, the retry loop, error mapping.
//!
//! This is the only module that talks HTTP. Resources describe a [`Call`]; [`execute`] sends it
//! and returns the raw [`Reply`] or an [`Error`].

use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use ureq::http::{self, HeaderName, HeaderValue, Method};
use ureq::tls::TlsConfig;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout,
    Transport as UreqTransport,
};

use crate::cancel::{self, Watch};
use crate::config::{Branch, Resolved, RetryPolicy, DEFAULT_TIMEOUT};
use crate::credentials::{self, Access};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::tls::TrustRoots;
use crate::token_kind::{EnvKind, TokenKind};
use crate::{API_VERSION, VERSION};

/// Response bodies up to this size get a buffer of their announced length up front.
const PREALLOCATE_MAX: u64 = 1 << 20;
/// How long a resolved address is reused.
const DNS_TTL: Duration = Duration::from_secs(60);
/// The longest URL the HTTP stack accepts.
const MAX_URL_LEN: usize = 65_534;

const TRIGGER_VERSION: HeaderName = HeaderName::from_static("trigger-version");
const TRIGGER_SOURCE: HeaderName = HeaderName::from_static("x-trigger-source");
const TRIGGER_API_VERSION: HeaderName = HeaderName::from_static("x-trigger-api-version");
const TRIGGER_BRANCH: HeaderName = HeaderName::from_static("x-trigger-branch");
const REALTIME_STREAMS: HeaderName = HeaderName::from_static("x-trigger-realtime-streams-version");
const REQUEST_KEY: HeaderName = HeaderName::from_static("x-trigger-request-idempotency-key");

/// A request body.
pub(crate) enum Body {
    None,
    Json(Vec<u8>),
    Raw {
        content_type: &'static str,
        bytes: Vec<u8>,
    },
}

/// A request, described by a resource.
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// A path under the base URL (already encoded), or an absolute URL for presigned uploads.
    pub(crate) path: String,
    /// The encoded query string, without `?`.
    pub(crate) query: String,
    pub(crate) body: Body,
    pub(crate) access: Access,
    /// Send `x-trigger-request-idempotency-key` (all zodfetch calls and packet uploads; not batch
    /// items or packet downloads).
    pub(crate) request_key: bool,
    /// A retry policy that replaces the client's (batch items).
    pub(crate) retry: Option<RetryPolicy>,
    /// The argument blamed when the URL is too long: the query's, once there is one.
    pub(crate) url_argument: &'static str,
    /// Headers of this call alone (`X-Part-Id`, SSE's `Accept` and `Last-Event-ID`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The realtime header set: no `Content-Type`, `x-trigger-source`, streams version or
    /// request key (`docs/wire.md#realtime-headers`).
    pub(crate) lean: bool,
    /// Response headers the caller reads (realtime shapes' `electric-*`).
    pub(crate) response_headers: &'static [&'static str],
}

impl Call {
    pub(crate) fn new(
        operation: &'static str,
        method: Method,
        path: String,
        access: Access,
    ) -> Call {
        Call {
            operation,
            method,
            path,
            query: String::new(),
            body: Body::None,
            access,
            request_key: true,
            retry: None,
            url_argument: "id",
            headers: Vec::new(),
            lean: false,
            response_headers: &[],
        }
    }

    /// Adds a header of this call alone.
    pub(crate) fn header(mut self, name: &'static str, value: HeaderValue) -> Call {
        self.headers.push((HeaderName::from_static(name), value));
        self
    }

    /// Sets the encoded query string built from the argument `argument`.
    pub(crate) fn query(mut self, query: String, argument: &'static str) -> Call {
        self.query = query;
        self.url_argument = argument;
        self
    }

    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Result<Call> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be serialized: {e}")))?;
        self.body = Body::Json(bytes);
        Ok(self)
    }
}

/// A success response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// `x-trigger-jwt`, the public access token of a trigger or batch.
    pub(crate) jwt: Option<String>,
    /// `x-trigger-jwt-claims`, to sign a token locally when `x-trigger-jwt` is missing.
    pub(crate) jwt_claims: Option<String>,
    /// `Content-Type`, read only for presigned downloads (packets).
    pub(crate) content_type: Option<String>,
    /// The headers of `Call::response_headers` the response had.
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// Decodes the body into `T`; a mismatch keeps the raw body.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        // Checking UTF-8 once is cheaper than serde_json's string-by-string checks.
        let text =
            std::str::from_utf8(&self.body).map_err(|e| not_utf8(self.status, e, &self.body))?;
        crate::json::decode_model(text).map_err(|e| mismatch(self.status, e, text.to_owned()))
    }

    /// Decodes the body as an operation's result for model `M` (which may keep the body's
    /// text, for the C ABI, without copying it); a mismatch keeps the raw body.
    pub(crate) fn decoded<M: serde::de::DeserializeOwned, T: Decoded<M>>(self) -> Result<T> {
        let status = self.status;
        let text = String::from_utf8(self.body)
            .map_err(|e| not_utf8(status, e.utf8_error(), e.as_bytes()))?;
        match crate::json::decode_model(&text) {
            Ok(model) => Ok(T::from_model(model, text)),
            Err(e) => Err(mismatch(status, e, text)),
        }
    }
}

/// A success body that is not UTF-8 (kept, lossily).
fn not_utf8(status: u16, e: std::str::Utf8Error, body: &[u8]) -> Error {
    Error::Decode {
        status,
        message: format!("the body is not UTF-8: {e}"),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

/// A success body that is not the operation's model.
fn mismatch(status: u16, e: serde_json::Error, body: String) -> Error {
    Error::Decode {
        status,
        message: e.to_string(),
        body,
    }
}

/// The `ureq` agent a client uses, with the settings it was built with.
#[derive(Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    timeout: Duration,
    resolver: CachingResolver,
}

impl Transport {
    /// Proxies come from env `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (read by
    /// ureq, now).
    pub(crate) fn new(timeout: Duration, user_agent: &str, trust: &TrustRoots) -> Transport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(user_agent)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(Duration::from_secs(10)))
            .max_redirects(3)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .tls_config(trust.tls_config())
            .build();
        let resolver = CachingResolver::default();
        Transport {
            agent: ureq::Agent::with_parts(config, QuietConnector::default(), resolver.clone()),
            timeout,
            resolver,
        }
    }

    /// The transport ambient clients with these trust roots share: one connection pool per
    /// distinct set of roots (nearly always just one).
    pub(crate) fn shared(trust: &TrustRoots) -> Transport {
        static SHARED: Mutex<Vec<(TrustRoots, Transport)>> = Mutex::new(Vec::new());
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, transport)) = shared.iter().find(|(t, _)| t == trust) {
            return transport.clone();
        }
        let transport = Transport::new(DEFAULT_TIMEOUT, &crate::config::user_agent(None), trust);
        shared.push((trust.clone(), transport.clone()));
        transport
    }
}

/// An agent of its own for one long-lived streaming response (SSE), so that it can be shut down
/// from another thread without touching the client's pool. After `fork()` the child gets an
/// agent of its own, and never shuts down a connection it shares with its parent.
#[derive(Clone)]
pub(crate) struct StreamAgent {
    idle_timeout: Duration,
    tls: TlsConfig,
    /// The agent, and the process it belongs to.
    current: Arc<Mutex<(u32, ureq::Agent)>>,
}

/// How long an SSE connection may take to answer, and to stay silent (the server pings every
/// few seconds, so a silent connection is a dead one).
const STREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl StreamAgent {
    pub(crate) fn new(idle_timeout: Duration, trust: &TrustRoots) -> StreamAgent {
        let tls = trust.tls_config();
        let agent = Self::build(idle_timeout, &tls);
        StreamAgent {
            idle_timeout,
            tls,
            current: Arc::new(Mutex::new((crate::process::last_seen(), agent))),
        }
    }

    fn build(idle_timeout: Duration, tls: &TlsConfig) -> ureq::Agent {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(crate::config::user_agent(None))
            .timeout_connect(Some(STREAM_CONNECT_TIMEOUT))
            .timeout_recv_response(Some(STREAM_CONNECT_TIMEOUT))
            .timeout_per_read(Some(idle_timeout))
            .max_redirects(0)
            .tls_config(tls.clone())
            .build();
        // The same connections as a client's: reads look at a cancel token or interrupt check.
        ureq::Agent::with_parts(
            config,
            QuietConnector::default(),
            DefaultResolver::default(),
        )
    }

    /// The agent of this process.
    fn agent(&self) -> ureq::Agent {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = crate::process::last_seen();
        if current.0 != pid {
            *current = (pid, Self::build(self.idle_timeout, &self.tls));
        }
        current.1.clone()
    }

    /// Interrupts the request or body read in progress on any thread, and every later one.
    pub(crate) fn shutdown(&self) {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.0 == crate::process::refresh() {
            current.1.clone().shutdown();
        }
    }
}

/// A streaming response: a reader over its body, and the headers of the call's
/// `response_headers` it came with.
pub(crate) struct Stream {
    pub(crate) body: ureq::BodyReader<'static>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

/// Sends `call` once (no retries: the caller has its own reconnection policy) and returns the
/// body as a stream, or the error of a non-success status.
pub(crate) fn open_stream(agent: &StreamAgent, cfg: &Resolved, call: &Call) -> Result<Stream> {
    crate::process::refresh();
    if let Some(problem) = &cfg.problem {
        return Err(problem.into());
    }
    credentials::check(cfg, call.operation, call.access)?;
    let request = request(cfg, call, None)?
        .body(())
        .map_err(|_| Error::invalid(call.url_argument, "does not make a valid request URL"))?;
    let response = agent
        .agent()
        .run(request)
        .map_err(|e| map_transport_error(e, STREAM_CONNECT_TIMEOUT, cfg.max_response_bytes))?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let headers = call
        .response_headers
        .iter()
        .filter_map(|name| header(name).map(|value| (*name, value)))
        .collect();
    let mut body = response.into_body();
    if !(200..300).contains(&status) {
        let text = read_body(&mut body, 0, cfg.max_response_bytes, STREAM_CONNECT_TIMEOUT)?;
        return Err(Error::from_status(
            status,
            content_type.as_deref(),
            &text,
            None,
        ));
    }
    Ok(Stream {
        body: body.into_with_config().limit(u64::MAX).reader(),
        headers,
    })
}

/// The request of `call` to the configured server (or the presigned URL it holds), with its
/// headers: the one place that builds URLs and checks their length.
fn request(
    cfg: &Resolved,
    call: &Call,
    request_key: Option<&str>,
) -> Result<http::request::Builder> {
    let mut url = if call.access == Access::Presigned {
        call.path.clone()
    } else {
        let mut url =
            String::with_capacity(cfg.base_url.len() + call.path.len() + 1 + call.query.len());
        url.push_str(&cfg.base_url);
        url.push_str(&call.path);
        url
    };
    if !call.query.is_empty() {
        url.push('?');
        url.push_str(&call.query);
    }
    if url.len() > MAX_URL_LEN {
        return Err(Error::invalid(
            call.url_argument,
            format!(
                "makes a request URL of {} bytes, more than the {MAX_URL_LEN} a URL may have",
                url.len()
            ),
        ));
    }
    let mut builder = http::Request::builder()
        .method(call.method.clone())
        .uri(&url);
    let headers = builder.headers_mut().ok_or_else(|| {
        if call.access == Access::Presigned {
            Error::Connection {
                message: "the storage URL the server sent is not a valid URL".to_owned(),
            }
        } else {
            Error::invalid(call.url_argument, "does not make a valid request URL")
        }
    })?;
    add_headers(headers, cfg, call, request_key)?;
    Ok(builder)
}

/// Reads a whole response body (at most `limit` bytes; `announced` sizes the buffer).
fn read_body(
    body: &mut ureq::Body,
    announced: u64,
    limit: u64,
    timeout: Duration,
) -> Result<Vec<u8>> {
    // One byte more than announced: the C ABI hands the text out NUL-terminated without
    // reallocating it, and reading to the end needs no extra probe for the end of the body.
    let mut bytes = Vec::with_capacity(announced.min(PREALLOCATE_MAX) as usize + 1);
    body.with_config()
        .limit(limit)
        .reader()
        .read_to_end(&mut bytes)
        .map_err(|e| map_io_error(e, timeout, limit))?;
    Ok(bytes)
}

/// ureq's connections with fewer system calls per pooled request (10 → 4 on loopback, where
/// they are most of a call's CPU):
/// - timeouts handed to the socket are rounded up to the millisecond, so a call's deadline
///   (a fresh 60 s each call) is the same value each time and ureq skips its two
///   `setsockopt`s (a timeout fires at most 1 ms late);
/// - the pool probes a connection (3 system calls) when it gets it back and again when it hands
///   it out; right after a response was read, only the second probe is made.
#[derive(Debug, Default)]
struct QuietConnector(DefaultConnector);

impl Connector for QuietConnector {
    type Out = QuietTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> std::result::Result<Option<QuietTransport>, ureq::Error> {
        let inner = self.0.connect(details, chained)?;
        Ok(inner.map(|inner| QuietTransport {
            inner,
            just_answered: false,
            opened_in: crate::process::last_seen(),
        }))
    }
}

#[derive(Debug)]
struct QuietTransport {
    inner: Box<dyn UreqTransport>,
    /// Data arrived since the last probe: the pool is taking the connection back.
    just_answered: bool,
    /// The process that opened the connection (see `crate::process`).
    opened_in: u32,
}

impl UreqTransport for QuietTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        self.just_answered = false;
        self.inner.transmit_output(amount, whole_millis(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        let timeout = whole_millis(timeout);
        let got = match cancel::current_read() {
            None => self.inner.await_input(timeout)?,
            Some(watch) => self.await_watched(timeout, &watch)?,
        };
        self.just_answered = got;
        Ok(got)
    }

    fn is_open(&mut self) -> bool {
        // A connection inherited through fork() is never used, nor even probed (a probe reads
        // from the socket the parent shares): dropping it closes only this process's copy.
        if self.opened_in != crate::process::last_seen() {
            return false;
        }
        // A server that closed or sent extra bytes meanwhile is caught by the probe before reuse.
        std::mem::take(&mut self.just_answered) || self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl QuietTransport {
    /// Waits for input as `await_input` does, in slices of [`cancel::CHECK_INTERVAL`], so that
    /// a cancel token or an interrupt check is looked at while a response is slow to come. The
    /// slice length stays the same from call to call, so the socket's timeout is set once.
    fn await_watched(
        &mut self,
        timeout: NextTimeout,
        watch: &cancel::ReadWatch,
    ) -> std::result::Result<bool, ureq::Error> {
        let total = match timeout.after {
            UreqDuration::Exact(after) => Some(after),
            UreqDuration::NotHappening => None,
        };
        let started = Instant::now();
        loop {
            if watch.should_stop() {
                // Not ErrorKind::Interrupted: std's readers retry on that.
                return Err(ureq::Error::Io(std::io::Error::other(
                    "the call was cancelled",
                )));
            }
            let left = total.map(|t| t.saturating_sub(started.elapsed()));
            let slice = left.map_or(cancel::CHECK_INTERVAL, |l| l.min(cancel::CHECK_INTERVAL));
            let mut piece = timeout;
            piece.after = UreqDuration::Exact(slice);
            match self.inner.await_input(piece) {
                Err(ureq::Error::Timeout(_)) if left.is_none_or(|l| l > slice) => continue,
                other => return other,
            }
        }
    }
}

/// `timeout` with its remaining time rounded up to a whole millisecond.
fn whole_millis(mut timeout: NextTimeout) -> NextTimeout {
    if let UreqDuration::Exact(after) = timeout.after {
        let rounded = Duration::from_millis(after.as_millis().try_into().unwrap_or(u64::MAX));
        if rounded < after {
            timeout.after = UreqDuration::Exact(rounded + Duration::from_millis(1));
        }
    }
    timeout
}

/// ureq resolves the host on every request, pooled connection or not, and with a timeout set
/// its resolver does it on a new thread: 20 system calls per request. Reusing the last answer
/// for a minute (dropped after a connection error) makes a pooled call cost what bare ureq does.
#[derive(Clone, Debug, Default)]
struct CachingResolver {
    cache: Arc<ResolverCache>,
}

#[derive(Debug, Default)]
struct ResolverCache {
    resolver: DefaultResolver,
    last: Mutex<Option<CachedAddrs>>,
}

#[derive(Debug)]
struct CachedAddrs {
    scheme: String,
    authority: String,
    addrs: ResolvedSocketAddrs,
    at: Instant,
}

impl CachingResolver {
    fn forget(&self) {
        *self
            .cache
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let scheme = uri.scheme_str().unwrap_or("");
        let authority = uri.authority().map_or("", |a| a.as_str());
        if let Some(hit) = &*self
            .cache
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            if hit.scheme == scheme && hit.authority == authority && hit.at.elapsed() < DNS_TTL {
                return Ok(hit.addrs.clone());
            }
        }
        let addrs = self.cache.resolver.resolve(uri, config, timeout)?;
        *self
            .cache
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(CachedAddrs {
            scheme: scheme.to_owned(),
            authority: authority.to_owned(),
            addrs: addrs.clone(),
            at: Instant::now(),
        });
        Ok(addrs)
    }
}

/// Sends `call` with retries and maps the outcome.
pub(crate) fn execute(transport: &Transport, cfg: &Resolved, call: &Call) -> Result<Reply> {
    crate::process::refresh();
    if call.access != Access::Presigned {
        if let Some(problem) = &cfg.problem {
            return Err(problem.into());
        }
    }
    credentials::check(cfg, call.operation, call.access)?;
    let watch = Watch::new(cfg.cancel.as_ref(), cfg.deadline, &*cfg.clock);
    watch.check()?;
    let request_key = call.request_key.then(crate::encode::uuid_v4);
    let policy = call.retry.as_ref().unwrap_or(&cfg.retry);
    let max_attempts = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        let started = Instant::now();
        let outcome = {
            let reading = cancel::reading(&watch);
            let outcome = send_once(transport, cfg, call, request_key.as_deref(), &watch);
            if let Some(stopped) = reading.stopped() {
                log::debug!(target: "triggerdev", "{} {} stopped: {stopped} (attempt {attempt})", call.method, shown_path(call));
                return Err(stopped);
            }
            outcome
        };
        log_attempt(call, &outcome, started.elapsed(), attempt);
        let delay = match outcome {
            Ok(Attempt::Success(reply)) => return Ok(reply),
            Ok(Attempt::Failure {
                status,
                content_type,
                body,
                should_retry,
                reset_at,
                ..
            }) => {
                let reset_after = reset_at.map(|at| duration_until(cfg, at));
                let error = Error::from_status(status, content_type.as_deref(), &body, reset_after);
                let retry = match should_retry {
                    _ if matches!(error, Error::SessionClosed(_)) => false,
                    Some(explicit) => explicit,
                    None => matches!(status, 408 | 409 | 429) || status >= 500,
                };
                if !retry || attempt >= max_attempts {
                    return Err(error);
                }
                let delay = match (status, reset_after) {
                    (429, Some(wait)) if !wait.is_zero() => {
                        let wait = wait + jitter(cfg, Duration::from_millis(1000));
                        if wait > policy.max_rate_limit_wait {
                            return Err(error);
                        }
                        wait
                    }
                    _ => backoff(cfg, policy, attempt),
                };
                log_retry(call, &error, delay, attempt, max_attempts);
                delay
            }
            Err(Error::Timeout { .. }) if watch.remaining() == Some(Duration::ZERO) => {
                return Err(watch.timed_out().expect("the watch has a deadline"));
            }
            Err(error @ (Error::Connection { .. } | Error::Timeout { .. })) => {
                if attempt >= max_attempts {
                    return Err(error);
                }
                let delay = backoff(cfg, policy, attempt);
                log_retry(call, &error, delay, attempt, max_attempts);
                delay
            }
            Err(other) => return Err(other),
        };
        watch.sleep(delay)?;
        attempt += 1;
    }
}

/// The request line of `call` as logs show it: the path (a presigned storage URL without its
/// signed query). Never a header, a body or a token.
fn shown_path(call: &Call) -> &str {
    call.path.split('?').next().unwrap_or_default()
}

/// One DEBUG line per attempt: method, path, status (or what failed), time, attempt.
fn log_attempt(call: &Call, outcome: &Result<Attempt>, took: Duration, attempt: u32) {
    if !log::log_enabled!(target: "triggerdev", log::Level::Debug) {
        return;
    }
    let ms = took.as_millis();
    let (method, path) = (&call.method, shown_path(call));
    match outcome {
        Ok(Attempt::Success(reply)) => {
            log::debug!(target: "triggerdev", "{method} {path} -> {} in {ms} ms (attempt {attempt})", reply.status)
        }
        Ok(Attempt::Failure { status, .. }) => {
            log::debug!(target: "triggerdev", "{method} {path} -> {status} in {ms} ms (attempt {attempt})")
        }
        Err(error) => {
            log::debug!(target: "triggerdev", "{method} {path} failed in {ms} ms: {error} (attempt {attempt})")
        }
    }
}

/// One INFO line per retry: why, and how long the wait before the next attempt is.
fn log_retry(call: &Call, error: &Error, delay: Duration, attempt: u32, max_attempts: u32) {
    log::info!(
        target: "triggerdev",
        "retrying {} {} in {} ms after {error} (attempt {} of {max_attempts} next)",
        call.method,
        shown_path(call),
        delay.as_millis(),
        attempt + 1,
    );
}

/// The delay after failed attempt `attempt` under `policy`.
pub(crate) fn backoff(cfg: &Resolved, policy: &RetryPolicy, attempt: u32) -> Duration {
    let base = policy.delay(attempt);
    if policy.randomize {
        base.mul_f64(1.0 + cfg.clock.random())
    } else {
        base
    }
}

fn jitter(cfg: &Resolved, below: Duration) -> Duration {
    below.mul_f64(cfg.clock.random())
}

fn duration_until(cfg: &Resolved, at: SystemTime) -> Duration {
    at.duration_since(cfg.clock.now()).unwrap_or(Duration::ZERO)
}

enum Attempt {
    Success(Reply),
    Failure {
        status: u16,
        /// For the error's message when the body is not JSON.
        content_type: Option<String>,
        body: Vec<u8>,
        should_retry: Option<bool>,
        reset_at: Option<SystemTime>,
        /// The headers of `Call::response_headers` the response had.
        headers: Vec<(&'static str, String)>,
    },
}

/// A response of any status, for a protocol with its own retries (realtime shapes).
pub(crate) struct Exchange {
    pub(crate) status: u16,
    /// The headers of `Call::response_headers` the response had.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl Exchange {
    /// The value of response header `name` (one of the call's `response_headers`).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `call` once, without retries, and returns its response whatever the status; the
/// watch's signals end it early, as they end `execute`'s attempts.
pub(crate) fn exchange(
    transport: &Transport,
    cfg: &Resolved,
    call: &Call,
    watch: &Watch<'_>,
) -> Result<Exchange> {
    crate::process::refresh();
    if let Some(problem) = &cfg.problem {
        return Err(problem.into());
    }
    credentials::check(cfg, call.operation, call.access)?;
    watch.check()?;
    let started = Instant::now();
    let reading = cancel::reading(watch);
    let outcome = send_once(transport, cfg, call, None, watch);
    if let Some(stopped) = reading.stopped() {
        return Err(stopped);
    }
    log_attempt(call, &outcome, started.elapsed(), 1);
    match outcome {
        Err(Error::Timeout { .. }) if watch.remaining() == Some(Duration::ZERO) => {
            Err(watch.timed_out().expect("the watch has a deadline"))
        }
        Err(e) => Err(e),
        Ok(Attempt::Success(reply)) => Ok(Exchange {
            status: reply.status,
            headers: reply.headers,
            body: reply.body,
        }),
        Ok(Attempt::Failure {
            status,
            body,
            headers,
            ..
        }) => Ok(Exchange {
            status,
            headers,
            body,
        }),
    }
}

fn send_once(
    transport: &Transport,
    cfg: &Resolved,
    call: &Call,
    request_key: Option<&str>,
    watch: &Watch<'_>,
) -> Result<Attempt> {
    let builder = request(cfg, call, request_key)?;

    // An overall wait's deadline bounds the attempt too (a timeout then ends the wait).
    let timeout = match watch.remaining() {
        Some(left) => cfg.timeout.min(left.max(Duration::from_millis(1))),
        None => cfg.timeout,
    };
    let result = match &call.body {
        Body::None if call.method == Method::GET || call.method == Method::DELETE => {
            run(transport, builder.body(()), timeout)
        }
        Body::None => run(transport, builder.body(&[][..]), timeout),
        Body::Json(bytes) | Body::Raw { bytes, .. } => {
            run(transport, builder.body(bytes.as_slice()), timeout)
        }
    };
    let mut response = match result {
        Ok(r) => r,
        Err(e) => {
            transport.resolver.forget();
            return Err(map_transport_error(e, timeout, cfg.max_response_bytes));
        }
    };
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let jwt = header("x-trigger-jwt");
    let jwt_claims = header("x-trigger-jwt-claims");
    let content_type = header("content-type");
    let read_headers: Vec<(&'static str, String)> = call
        .response_headers
        .iter()
        .filter_map(|name| header(name).map(|value| (*name, value)))
        .collect();
    let should_retry = header("x-should-retry").and_then(|v| match v.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    });
    let reset_at = if status == 429 {
        rate_limit_reset(
            header("x-ratelimit-reset").as_deref(),
            header("retry-after").as_deref(),
            cfg.clock.now(),
        )
    } else {
        None
    };
    let limit = cfg.max_response_bytes;
    let announced = response.body().content_length().unwrap_or(0);
    if announced > limit {
        return Err(Error::ResponseTooLarge { limit });
    }
    let body = read_body(response.body_mut(), announced, limit, timeout)?;
    if (200..300).contains(&status) {
        Ok(Attempt::Success(Reply {
            status,
            body,
            jwt,
            jwt_claims,
            content_type: content_type.filter(|_| call.access == Access::Presigned),
            headers: read_headers,
        }))
    } else {
        Ok(Attempt::Failure {
            status,
            content_type,
            body,
            should_retry,
            reset_at,
            headers: read_headers,
        })
    }
}

fn run<B: ureq::AsSendBody>(
    transport: &Transport,
    request: http::Result<http::Request<B>>,
    timeout: Duration,
) -> std::result::Result<http::Response<ureq::Body>, ureq::Error> {
    let request = request?;
    if timeout == transport.timeout {
        transport.agent.run(request)
    } else {
        let request = transport
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        transport.agent.run(request)
    }
}

fn add_headers(
    headers: &mut http::HeaderMap,
    cfg: &Resolved,
    call: &Call,
    request_key: Option<&str>,
) -> Result<()> {
    if !call.lean {
        let content_type = match &call.body {
            Body::Raw { content_type, .. } => content_type,
            _ => "application/json",
        };
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
    }
    if let Some(ua) = &cfg.user_agent {
        headers.insert(http::header::USER_AGENT, ua.clone());
    }
    // A packet upload carries its request key as the official SDK's does; nothing else of ours
    // goes to a presigned URL (`docs/wire.md#other-requests`).
    if let Some(key) = request_key {
        let value = HeaderValue::from_str(key).expect("a UUID is a valid header value");
        headers.insert(REQUEST_KEY, value);
    }
    if call.access == Access::Presigned {
        return Ok(());
    }
    // The timezones list has its own header set in the official SDK: no auth, no API headers.
    if call.access == Access::Public {
        return Ok(());
    }
    // credentials::check has already ruled out a missing or unusable token.
    if let Some(Ok(value)) = &cfg.authorization {
        headers.insert(http::header::AUTHORIZATION, value.clone());
    }
    if let Some(branch) = branch_for(cfg, call.access) {
        headers.insert(
            TRIGGER_BRANCH,
            branch.header.clone().map_err(|p| Error::from(&p))?,
        );
    }
    headers.insert(TRIGGER_VERSION, HeaderValue::from_static(VERSION));
    headers.insert(TRIGGER_API_VERSION, HeaderValue::from_static(API_VERSION));
    if !call.lean {
        headers.insert(TRIGGER_SOURCE, HeaderValue::from_static("sdk"));
        headers.insert(REALTIME_STREAMS, cfg.realtime_streams.clone());
    }
    for (name, value) in &call.headers {
        headers.insert(name.clone(), value.clone());
    }
    for (name, value) in &cfg.headers {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    Ok(())
}

/// The branch a call sends as `x-trigger-branch` (`docs/design.md#branch-header`): the preview
/// branch to the `preview` environment, the dev branch to `dev`, none to `staging` or `prod`.
/// The environment is the one an envvars path names, else a secret key's own; where neither
/// tells it (a PAT elsewhere, a public token, a token of unknown kind), only a branch the caller
/// set is sent, the preview one first.
fn branch_for(cfg: &Resolved, access: Access) -> Option<&Branch> {
    let env = match (access, cfg.kind) {
        (Access::Branches, _) => return None,
        (Access::EnvVars(env), _) | (_, TokenKind::SecretKey(env)) => Some(env),
        _ => None,
    };
    match env {
        Some(EnvKind::Preview) => cfg.preview_branch.as_ref(),
        Some(EnvKind::Development) => cfg.dev_branch.as_ref(),
        Some(EnvKind::Staging | EnvKind::Production) => None,
        None => [&cfg.preview_branch, &cfg.dev_branch]
            .into_iter()
            .flatten()
            .find(|b| b.explicit),
    }
}

/// When a rate limit resets: `x-ratelimit-reset` as epoch ms, epoch s or delta seconds (told
/// apart by magnitude, `docs/design.md#rate-limit-reset`), else `retry-after` in seconds.
pub(crate) fn rate_limit_reset(
    reset: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<SystemTime> {
    if let Some(v) = reset
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v >= 0.0)
    {
        let at = if v >= 1e12 {
            SystemTime::UNIX_EPOCH + Duration::from_millis(v as u64)
        } else if v >= 1e9 {
            SystemTime::UNIX_EPOCH + Duration::from_secs_f64(v)
        } else {
            now + Duration::from_secs_f64(v.min(1e7))
        };
        return Some(at);
    }
    retry_after
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v >= 0.0)
        .map(|secs| now + Duration::from_secs_f64(secs.min(1e7)))
}

fn map_transport_error(error: ureq::Error, timeout: Duration, limit: u64) -> Error {
    match error {
        ureq::Error::Timeout(_) => Error::Timeout { timeout },
        ureq::Error::BodyExceedsLimit(_) => Error::ResponseTooLarge { limit },
        ureq::Error::Io(e) => map_io_error(e, timeout, limit),
        ureq::Error::Http(_) | ureq::Error::BadUri(_) => Error::invalid(
            "base_url",
            "does not make a valid request URL with this path",
        ),
        other => Error::Connection {
            message: other.to_string(),
        },
    }
}

fn map_io_error(error: std::io::Error, timeout: Duration, limit: u64) -> Error {
    if error.kind() == std::io::ErrorKind::TimedOut {
        return Error::Timeout { timeout };
    }
    // ureq wraps its own errors (timeouts among them) in io::Error when reading a body.
    if let Some(inner) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<ureq::Error>())
    {
        match inner {
            ureq::Error::Timeout(_) => return Error::Timeout { timeout },
            ureq::Error::BodyExceedsLimit(_) => return Error::ResponseTooLarge { limit },
            _ => {}
        }
    }
    Error::Connection {
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_timeouts_are_whole_milliseconds_rounded_up() {
        let at = |after| {
            whole_millis(NextTimeout {
                after,
                ..NextTimeout::default()
            })
            .after
        };
        let exact = |d| UreqDuration::Exact(d);
        // A fresh 60 s deadline read a few µs into the call is 60 s every time.
        assert_eq!(
            at(exact(Duration::from_micros(59_999_987))),
            exact(Duration::from_secs(60))
        );
        assert_eq!(
            at(exact(Duration::from_millis(250))),
            exact(Duration::from_millis(250))
        );
        assert_eq!(
            at(exact(Duration::from_nanos(1))),
            exact(Duration::from_millis(1))
        );
        assert_eq!(at(exact(Duration::ZERO)), exact(Duration::ZERO));
        assert_eq!(at(UreqDuration::NotHappening), UreqDuration::NotHappening);
    }

    #[test]
    fn reset_header_is_read_by_magnitude() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let ms = rate_limit_reset(Some("1700000002500"), None, now).unwrap();
        assert_eq!(ms.duration_since(now).unwrap(), Duration::from_millis(2500));
        let secs = rate_limit_reset(Some("1700000003"), None, now).unwrap();
        assert_eq!(secs.duration_since(now).unwrap(), Duration::from_secs(3));
        let delta = rate_limit_reset(Some("4"), None, now).unwrap();
        assert_eq!(delta.duration_since(now).unwrap(), Duration::from_secs(4));
        let after = rate_limit_reset(Some("soon"), Some("7"), now).unwrap();
        assert_eq!(after.duration_since(now).unwrap(), Duration::from_secs(7));
        assert_eq!(rate_limit_reset(None, None, now), None);
    }

    #[test]
    fn default_backoff_matches_the_official_sdk() {
        let p = RetryPolicy::default();
        let delays: Vec<u128> = (1..=5).map(|a| p.delay(a).as_millis()).collect();
        assert_eq!(delays, [1000, 1600, 2560, 4096, 6554]);
        assert_eq!(p.delay(20), Duration::from_secs(30));
    }
}
