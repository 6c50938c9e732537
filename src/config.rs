//! Configuration: what a caller sets, what the environment supplies, and how the two resolve.
//!
//! This module is a leaf: it knows tokens, URLs and headers, not requests or errors. What
//! cannot go on the wire is recorded as a [`Problem`] when the configuration is resolved, and
//! reported as [`crate::Error::InvalidArgument`] by the calls that would send it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::{HeaderName, HeaderValue, Uri};

use crate::cancel::{CancelToken, Deadline};
use crate::clock::{Clock, SystemClock};
use crate::error::Problem;
use crate::shown::Shown;
use crate::tls::{self, CaBundle, TrustRoots};
use crate::token_kind::TokenKind;

/// The default API origin.
pub const DEFAULT_BASE_URL: &str = "https://api.trigger.dev";

/// Default time allowed for one HTTP attempt (connect, send, receive).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default cap on a response body read into memory (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// Partial configuration. Every field is optional; unset fields fall back to the environment,
/// then to defaults (see [`Config::access_token`] and friends for each rule).
///
/// `Debug` never shows the token nor any header value.
#[derive(Clone, Default)]
pub struct Config {
    pub(crate) access_token: Option<Secret>,
    pub(crate) base_url: Option<String>,
    pub(crate) preview_branch: Option<String>,
    pub(crate) dev_branch: Option<String>,
    pub(crate) request_options: RequestOptions,
    pub(crate) inherit_context: Option<bool>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) external_deployment_id: Option<String>,
    pub(crate) v2_realtime_streams: Option<bool>,
    pub(crate) allow_insecure_http: Option<bool>,
    pub(crate) max_response_bytes: Option<u64>,
    pub(crate) ca_bundle: Option<CaBundle>,
    pub(crate) platform_trust_store: Option<bool>,
}

impl Config {
    /// An empty configuration: everything comes from the environment.
    pub fn new() -> Config {
        Config::default()
    }

    /// The secret key (`tr_dev_…`, `tr_prod_…`, …), personal access token (`tr_pat_…`) or
    /// public access token (a JWT). Default: env `TRIGGER_SECRET_KEY`, then
    /// `TRIGGER_ACCESS_TOKEN`.
    pub fn access_token(mut self, token: impl Into<String>) -> Config {
        self.access_token = Some(Secret(token.into()));
        self
    }

    /// Alias of [`Config::access_token`], named like the official SDK's `secretKey`.
    pub fn secret_key(self, key: impl Into<String>) -> Config {
        self.access_token(key)
    }

    /// The API origin. Default: env `TRIGGER_API_URL`, then `https://api.trigger.dev`.
    /// A trailing `/` is removed. Plain `http://` is refused unless the host is loopback
    /// (`localhost`, `127.0.0.0/8`, `::1`) or [`Config::dangerously_allow_insecure_http`] is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Config {
        self.base_url = Some(url.into());
        self
    }

    /// The preview branch, sent as `x-trigger-branch` on calls to the `preview` environment (a
    /// `tr_preview_` key, or an envvars call for `preview`), and never on a call to `dev`,
    /// `staging` or `prod`. Default: env `TRIGGER_PREVIEW_BRANCH`, then `VERCEL_GIT_COMMIT_REF`.
    /// An empty string turns every branch variable off (`TRIGGER_DEV_BRANCH` too), as the
    /// official `previewBranch: ""` does.
    pub fn preview_branch(mut self, branch: impl Into<String>) -> Config {
        self.preview_branch = Some(branch.into());
        self
    }

    /// The dev branch, sent as `x-trigger-branch` on calls to the `dev` environment (a `tr_dev_`
    /// key, or an envvars call for `dev`) and nowhere else; `default` is the root dev
    /// environment. Default: env `TRIGGER_DEV_BRANCH` (unless `default`). An empty string turns
    /// that variable off.
    pub fn dev_branch(mut self, branch: impl Into<String>) -> Config {
        self.dev_branch = Some(branch.into());
        self
    }

    /// Retry policy, timeout and extra headers. Default: [`RequestOptions::default`].
    pub fn request_options(mut self, options: RequestOptions) -> Config {
        self.request_options = options;
        self
    }

    /// Whether a [`crate::Client`] picks up the ambient run context (the version lock from env
    /// `TRIGGER_VERSION`). Default: `false` for clients; the ambient API always inherits it.
    pub fn inherit_context(mut self, inherit: bool) -> Config {
        self.inherit_context = Some(inherit);
        self
    }

    /// The clock used to sleep between retries and to read the time. Default: the system clock.
    /// Tests inject a fake one to check retry delays without sleeping.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Config {
        self.clock = Some(clock);
        self
    }

    /// The deployment triggered runs belong to (`externalDeploymentId`, at most 128 characters),
    /// unless a trigger sets its own. Default: env `TRIGGER_EXTERNAL_DEPLOYMENT_ID`, then, when
    /// `TRIGGER_AUTOMATIC_SKEW_VERSION_PROTECTION` is `1` or `true`, the first commit SHA a CI
    /// sets (`VERCEL_GIT_COMMIT_SHA`, `GITHUB_SHA`, ...).
    pub fn external_deployment_id(mut self, id: impl Into<String>) -> Config {
        self.external_deployment_id = Some(id.into());
        self
    }

    /// Text appended to the `User-Agent` (`triggerdev-rust/<version> <suffix>`); the Python and
    /// Ruby bindings add theirs. Default: none.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Config {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Whether runs use the v2 realtime streams (`x-trigger-realtime-streams-version: v2`,
    /// the official `future.v2RealtimeStreams`). Default: true, unless env
    /// `TRIGGER_V2_REALTIME_STREAMS` or `TRIGGER_REALTIME_STREAMS_V2` is `0` or `false`.
    pub fn v2_realtime_streams(mut self, v2: bool) -> Config {
        self.v2_realtime_streams = Some(v2);
        self
    }

    /// Lets the access token travel over plain `http://` to a host that is not loopback. Only
    /// for a network you trust end to end: anyone on the path can read the token. Default:
    /// false (such a base URL fails every call with [`crate::Error::InvalidArgument`]).
    pub fn dangerously_allow_insecure_http(mut self, allow: bool) -> Config {
        self.allow_insecure_http = Some(allow);
        self
    }

    /// The largest response body read into memory; a larger one fails the call with
    /// [`crate::Error::ResponseTooLarge`]. Default: 64 MiB.
    pub fn max_response_bytes(mut self, bytes: u64) -> Config {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Extra certificate authorities to trust, from a PEM file of one or more `-----BEGIN
    /// CERTIFICATE-----` blocks: a company's TLS-inspecting proxy, or a self-hosted server with a
    /// private CA. They are trusted in addition to the bundled Mozilla roots (not instead), so
    /// hosts the proxy does not intercept keep working. The file is read when the configuration
    /// is resolved (when a [`crate::Client`] is made, by [`crate::configure`], by each
    /// [`crate::auth::with_auth`]); a file that cannot be read, or holds no usable certificate,
    /// fails every call with [`crate::Error::InvalidArgument`] naming `ca_bundle_path`. Replaces
    /// a [`Config::ca_bundle_pem`]. Default: the file named by env `SSL_CERT_FILE`, else none.
    pub fn ca_bundle_path(mut self, path: impl Into<PathBuf>) -> Config {
        self.ca_bundle = Some(CaBundle::Path(path.into()));
        self
    }

    /// As [`Config::ca_bundle_path`], with the PEM text itself (errors name `ca_bundle_pem`).
    /// Replaces a [`Config::ca_bundle_path`].
    pub fn ca_bundle_pem(mut self, pem: impl Into<Vec<u8>>) -> Config {
        self.ca_bundle = Some(CaBundle::Pem(pem.into().into()));
        self
    }

    /// Verifies servers with the operating system's verifier and trust store (macOS Keychain,
    /// Windows certificate store, Linux's CA files, which honour `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR`) instead of the bundled Mozilla roots: where IT installs a company CA.
    /// It cannot be combined with a CA bundle set in the configuration (calls fail with
    /// [`crate::Error::InvalidArgument`]); env `SSL_CERT_FILE` is then left to the platform.
    /// Default: false.
    pub fn use_platform_trust_store(mut self, platform: bool) -> Config {
        self.platform_trust_store = Some(platform);
        self
    }

    /// `self` with every field that `other` sets taken from `other` (field by field).
    pub fn merged_with(&self, other: &Config) -> Config {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            b.clone().or_else(|| a.clone())
        }
        Config {
            access_token: pick(&self.access_token, &other.access_token),
            base_url: pick(&self.base_url, &other.base_url),
            preview_branch: pick(&self.preview_branch, &other.preview_branch),
            dev_branch: pick(&self.dev_branch, &other.dev_branch),
            request_options: self.request_options.merged_with(&other.request_options),
            inherit_context: pick(&self.inherit_context, &other.inherit_context),
            clock: pick(&self.clock, &other.clock),
            user_agent_suffix: pick(&self.user_agent_suffix, &other.user_agent_suffix),
            external_deployment_id: pick(
                &self.external_deployment_id,
                &other.external_deployment_id,
            ),
            v2_realtime_streams: pick(&self.v2_realtime_streams, &other.v2_realtime_streams),
            allow_insecure_http: pick(&self.allow_insecure_http, &other.allow_insecure_http),
            max_response_bytes: pick(&self.max_response_bytes, &other.max_response_bytes),
            ca_bundle: pick(&self.ca_bundle, &other.ca_bundle),
            platform_trust_store: pick(&self.platform_trust_store, &other.platform_trust_store),
        }
    }

    /// Resolves against an environment snapshot.
    pub(crate) fn resolve(&self, env: &Env, inherit_by_default: bool) -> Resolved {
        let token = self
            .access_token
            .clone()
            .or_else(|| env.secret_key.clone().map(Secret))
            .or_else(|| env.access_token.clone().map(Secret));
        let kind = token
            .as_ref()
            .map_or(TokenKind::Unknown, |t| TokenKind::of(&t.0));
        let base_url = self
            .base_url
            .clone()
            .or_else(|| env.api_url.clone())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = base_url.trim_end_matches('/').to_owned();
        // `preview_branch("")` turns every branch variable off, as the official `previewBranch: ""`.
        let env_off = self.preview_branch.as_deref() == Some("");
        let branch = |explicit: &Option<String>, from_env: Option<&str>, argument| match explicit
            .as_deref()
        {
            Some("") => None,
            Some(name) => Some(Branch::new(name, true, argument)),
            None if env_off => None,
            None => from_env.map(|name| Branch::new(name, false, argument)),
        };
        let preview_branch = branch(
            &self.preview_branch,
            env.preview_branch
                .as_deref()
                .or(env.vercel_branch.as_deref()),
            "preview_branch",
        );
        let dev_branch = branch(&self.dev_branch, env.dev_branch.as_deref(), "dev_branch");
        // A branch the caller set that cannot be a header fails every call, sent or not.
        let branch_problem = [&preview_branch, &dev_branch]
            .into_iter()
            .flatten()
            .find_map(|b| b.header.clone().err().filter(|_| b.explicit));
        let inherit = self.inherit_context.unwrap_or(inherit_by_default);
        let external_deployment_id = self
            .external_deployment_id
            .as_deref()
            .or(env.deployment_id.as_deref())
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty());
        let user_agent = self
            .user_agent_suffix
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| HeaderValue::from_str(&user_agent(Some(s))));
        let (headers, header_problem) = match header_list(&self.request_options.headers) {
            Ok(list) => (list, None),
            Err(p) => (Vec::new(), Some(p)),
        };
        let (trust, trust_problem) = match tls::trust_roots(
            self.ca_bundle.as_ref(),
            self.platform_trust_store.unwrap_or(false),
            env.ssl_cert_file.as_deref(),
        ) {
            Ok(trust) => (trust, None),
            Err(p) => (TrustRoots::default(), Some(p)),
        };
        let problem = check_base_url(&base_url, self.allow_insecure_http.unwrap_or(false))
            .err()
            .or(header_problem)
            .or_else(|| match &user_agent {
                Some(Err(_)) => Some(Problem::new(
                    "user_agent_suffix",
                    "holds characters a header cannot carry",
                )),
                _ => None,
            })
            .or(trust_problem)
            .or(branch_problem);
        let v2 = self.v2_realtime_streams.unwrap_or(!env.realtime_streams_v1);
        Resolved {
            authorization: token.as_ref().map(Secret::authorization),
            token,
            kind,
            base_url,
            preview_branch,
            dev_branch,
            retry: self.request_options.retry.clone().unwrap_or_default(),
            timeout: self.request_options.timeout.unwrap_or(DEFAULT_TIMEOUT),
            cancel: self.request_options.cancel.clone(),
            deadline: None,
            headers,
            problem,
            lock_to_version: if inherit { env.version.clone() } else { None },
            clock: self.clock.clone().unwrap_or_else(|| Arc::new(SystemClock)),
            user_agent: user_agent.and_then(Result::ok),
            external_deployment_id,
            realtime_streams: HeaderValue::from_static(if v2 { "v2" } else { "v1" }),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            trust,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("access_token", &self.access_token)
            .field("base_url", &self.base_url.as_deref().map(Shown))
            .field("preview_branch", &self.preview_branch)
            .field("dev_branch", &self.dev_branch)
            .field("request_options", &self.request_options)
            .field("inherit_context", &self.inherit_context)
            .field("external_deployment_id", &self.external_deployment_id)
            .field("v2_realtime_streams", &self.v2_realtime_streams)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("ca_bundle", &self.ca_bundle)
            .field("platform_trust_store", &self.platform_trust_store)
            .finish_non_exhaustive()
    }
}

/// A token whose `Debug` shows only its kind.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl Secret {
    /// `Bearer <token>` as a header value, or why the token cannot be sent (checked once, when
    /// the configuration is resolved, not on every request).
    fn authorization(&self) -> Result<HeaderValue, &'static str> {
        if self.0.trim().is_empty() {
            return Err("the token is empty");
        }
        if !self.0.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the token holds whitespace, control or non-ASCII characters");
        }
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0))
            .map_err(|_| "the token cannot be sent in a header")?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {}>", TokenKind::of(&self.0))
    }
}

/// Per-request behaviour: retries, timeout, extra headers. `Debug` shows header names only.
#[derive(Clone, Default, PartialEq)]
pub struct RequestOptions {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) cancel: Option<CancelToken>,
}

impl RequestOptions {
    /// Empty options: every field inherits.
    pub fn new() -> RequestOptions {
        RequestOptions::default()
    }

    /// The retry policy; replaces the inherited one as a whole. Default:
    /// [`RetryPolicy::default`] (5 attempts, factor 1.6, 1 s..30 s).
    pub fn retry(mut self, policy: RetryPolicy) -> RequestOptions {
        self.retry = Some(policy);
        self
    }

    /// Time allowed for one attempt, connect to last body byte. Default: 60 s.
    pub fn timeout(mut self, timeout: Duration) -> RequestOptions {
        self.timeout = Some(timeout);
        self
    }

    /// A token that ends every wait of the calls made with these options when it fires, from
    /// any thread ([`crate::cancel`]): back-offs, polls, slow responses. Default: none.
    pub fn cancel_token(mut self, token: CancelToken) -> RequestOptions {
        self.cancel = Some(token);
        self
    }

    /// A header added to every request unless the SDK already sets it. Default: none.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> RequestOptions {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub(crate) fn merged_with(&self, other: &RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        for (name, value) in &other.headers {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value.clone()));
        }
        RequestOptions {
            retry: other.retry.clone().or_else(|| self.retry.clone()),
            timeout: other.timeout.or(self.timeout),
            headers,
            cancel: other.cancel.clone().or_else(|| self.cancel.clone()),
        }
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(String, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(n, _)| (n, "<redacted>")))
                    .finish()
            }
        }
        f.debug_struct("RequestOptions")
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("headers", &Headers(&self.headers))
            .field("cancel", &self.cancel)
            .finish()
    }
}

/// How failed requests are retried (`docs/wire.md#retries`).
///
/// `max_attempts` counts requests, not retries: 5 means at most 5 requests per call. The delay
/// before attempt `n + 1` is `min(max_delay, min_delay * factor^(n-1))`, times a random factor in
/// `[1, 2)` when `randomize` is set.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Requests per call, at least 1. Default: 5.
    pub max_attempts: u32,
    /// Growth of the delay per attempt. Default: 1.6.
    pub factor: f64,
    /// First delay. Default: 1 s.
    pub min_delay: Duration,
    /// Longest delay. Default: 30 s.
    pub max_delay: Duration,
    /// Multiply each delay by a random factor in `[1, 2)`. Default: false.
    pub randomize: bool,
    /// Longest wait for a rate limit to reset before giving up with
    /// [`crate::Error::RateLimited`]. Default: 60 s.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            factor: 1.6,
            min_delay: Duration::from_millis(1000),
            max_delay: Duration::from_millis(30_000),
            randomize: false,
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The delay after failed attempt `attempt` (1-based), before randomization.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let exp = self.factor.powi(attempt.saturating_sub(1).min(64) as i32);
        let ms = (self.min_delay.as_millis() as f64 * exp).min(self.max_delay.as_millis() as f64);
        Duration::from_millis(ms.round() as u64)
    }
}

/// The `User-Agent` this SDK sends.
pub(crate) fn user_agent(suffix: Option<&str>) -> String {
    let version = crate::VERSION;
    match suffix {
        Some(s) if !s.is_empty() => format!("triggerdev-rust/{version} {s}"),
        _ => format!("triggerdev-rust/{version}"),
    }
}

/// Checks that `url` is an absolute `http(s)://host[:port][/path]` URL, and that a plain
/// `http://` one goes to a loopback host unless `allow_insecure`.
fn check_base_url(url: &str, allow_insecure: bool) -> Result<(), Problem> {
    let invalid = || {
        Problem::new(
            "base_url",
            format!(
                "{} is not a URL of the form https://host[:port]",
                Shown(url)
            ),
        )
    };
    let uri: Uri = url.parse().map_err(|_| invalid())?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(invalid)?;
    if uri.query().is_some() {
        return Err(Problem::new("base_url", "must not have a query string"));
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if allow_insecure || is_loopback(host) => Ok(()),
        Some("http") => Err(Problem::new(
            "base_url",
            "plain http:// to a host that is not loopback would send the access token \
             unencrypted; use https://, or allow it explicitly by setting \
             `dangerously_allow_insecure_http` to true",
        )),
        _ => Err(invalid()),
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost.") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The environment variables the SDK reads, captured once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    secret_key: Option<String>,
    access_token: Option<String>,
    api_url: Option<String>,
    preview_branch: Option<String>,
    vercel_branch: Option<String>,
    dev_branch: Option<String>,
    version: Option<String>,
    deployment_id: Option<String>,
    realtime_streams_v1: bool,
    ssl_cert_file: Option<String>,
}

/// Commit SHAs CI and hosting providers set, in the official SDK's order of preference.
const COMMIT_SHA_VARS: [&str; 24] = [
    "VERCEL_GIT_COMMIT_SHA",
    "RAILWAY_GIT_COMMIT_SHA",
    "RENDER_GIT_COMMIT",
    "CF_PAGES_COMMIT_SHA",
    "WORKERS_CI_COMMIT_SHA",
    "COMMIT_REF",
    "AWS_COMMIT_ID",
    "HEROKU_BUILD_COMMIT",
    "HEROKU_SLUG_COMMIT",
    "KOYEB_GIT_SHA",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "CIRCLE_SHA1",
    "BITBUCKET_COMMIT",
    "BUILDKITE_COMMIT",
    "BUILD_SOURCEVERSION",
    "COMMIT_SHA",
    "DRONE_COMMIT_SHA",
    "GIT_COMMIT",
    "BUILD_VCS_NUMBER",
    "TRAVIS_COMMIT",
    "COMMIT_HASH",
    "GIT_SHA",
    "GIT_HASH",
];

impl Env {
    /// Reads the process environment. Empty values count as unset.
    pub fn from_process() -> Env {
        Env::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds a snapshot from any lookup (tests use a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Env {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let off = |name: &str| matches!(get(name).as_deref(), Some("0" | "false"));
        Env {
            secret_key: get("TRIGGER_SECRET_KEY"),
            access_token: get("TRIGGER_ACCESS_TOKEN"),
            api_url: get("TRIGGER_API_URL"),
            preview_branch: get("TRIGGER_PREVIEW_BRANCH"),
            vercel_branch: get("VERCEL_GIT_COMMIT_REF"),
            dev_branch: get("TRIGGER_DEV_BRANCH").filter(|b| b != "default"),
            version: get("TRIGGER_VERSION"),
            deployment_id: get("TRIGGER_EXTERNAL_DEPLOYMENT_ID").or_else(|| {
                let skew = get("TRIGGER_AUTOMATIC_SKEW_VERSION_PROTECTION");
                matches!(skew.as_deref(), Some("1" | "true"))
                    .then(|| COMMIT_SHA_VARS.iter().find_map(|name| get(name)))
                    .flatten()
            }),
            realtime_streams_v1: off("TRIGGER_V2_REALTIME_STREAMS")
                || off("TRIGGER_REALTIME_STREAMS_V2"),
            ssl_cert_file: get("SSL_CERT_FILE"),
        }
    }

    /// Builds a snapshot from `(name, value)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        let map: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Env::from_lookup(|name| map.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }
}

/// The branch to send and where it came from (`docs/design.md#branch-header`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Branch {
    pub(crate) name: String,
    pub(crate) explicit: bool,
    /// The `x-trigger-branch` value, or why the name cannot be one.
    pub(crate) header: Result<HeaderValue, Problem>,
}

impl Branch {
    fn new(name: &str, explicit: bool, argument: &'static str) -> Branch {
        Branch {
            name: name.to_owned(),
            explicit,
            header: HeaderValue::from_str(name)
                .map_err(|_| Problem::new(argument, "holds characters a header cannot carry")),
        }
    }
}

/// Additional headers as header names and values, checked once. Messages name the header,
/// never its value.
fn header_list(headers: &[(String, String)]) -> Result<Vec<(HeaderName, HeaderValue)>, Problem> {
    headers
        .iter()
        .map(|(name, value)| {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Problem::new(
                    "additional_headers",
                    format!("{} is not a header name", Shown(name)),
                )
            })?;
            let mut v = HeaderValue::from_str(value).map_err(|_| {
                Problem::new(
                    "additional_headers",
                    format!(
                        "the value of {} holds characters a header cannot carry",
                        Shown(name)
                    ),
                )
            })?;
            v.set_sensitive(true);
            Ok((n, v))
        })
        .collect()
}

/// A configuration with every fallback applied: what one call uses.
#[derive(Clone)]
pub(crate) struct Resolved {
    pub(crate) token: Option<Secret>,
    pub(crate) kind: TokenKind,
    pub(crate) base_url: String,
    /// The branch sent to the `preview` environment, and the one sent to `dev`.
    pub(crate) preview_branch: Option<Branch>,
    pub(crate) dev_branch: Option<Branch>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    /// What ends this client's waits early, from another thread.
    pub(crate) cancel: Option<CancelToken>,
    /// When an overall wait (a poll's timeout) ends.
    pub(crate) deadline: Option<Deadline>,
    /// Additional headers, parsed once.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The first setting that keeps every call from being sent (a bad base URL, header or CA
    /// bundle).
    pub(crate) problem: Option<Problem>,
    pub(crate) lock_to_version: Option<String>,
    pub(crate) clock: Arc<dyn Clock>,
    /// A `User-Agent` other than the transport's default, when a suffix is set.
    pub(crate) user_agent: Option<HeaderValue>,
    /// `Bearer <token>`, built once, or why the token cannot be sent.
    pub(crate) authorization: Option<Result<HeaderValue, &'static str>>,
    /// `externalDeploymentId` for triggers that do not set one.
    pub(crate) external_deployment_id: Option<String>,
    /// `x-trigger-realtime-streams-version`.
    pub(crate) realtime_streams: HeaderValue,
    pub(crate) max_response_bytes: u64,
    /// The certificate authorities servers are verified with.
    pub(crate) trust: TrustRoots,
}

impl Resolved {
    /// `self` with another token (a subscription's refreshed public token).
    pub(crate) fn with_token(&self, token: &str) -> Resolved {
        let secret = Secret(token.to_owned());
        let mut resolved = self.clone();
        resolved.kind = TokenKind::of(token);
        resolved.authorization = Some(secret.authorization());
        resolved.token = Some(secret);
        resolved
    }

    /// `self` with per-call `options` applied over its own request options (the one place
    /// where per-call options are resolved).
    pub(crate) fn with_options(&self, config: &Config, options: &RequestOptions) -> Resolved {
        let merged = config.request_options.merged_with(options);
        let mut resolved = self.clone();
        if let Some(retry) = &options.retry {
            resolved.retry = retry.clone();
        }
        if let Some(timeout) = options.timeout {
            resolved.timeout = timeout;
        }
        if let Some(token) = &options.cancel {
            resolved.cancel = Some(token.clone());
        }
        match header_list(&merged.headers) {
            Ok(list) => resolved.headers = list,
            Err(p) => resolved.problem = resolved.problem.or(Some(p)),
        }
        resolved
    }
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Resolved")
            .field("token", &self.token)
            .field("base_url", &Shown(&self.base_url))
            .field(
                "preview_branch",
                &self.preview_branch.as_ref().map(|b| &b.name),
            )
            .field("dev_branch", &self.dev_branch.as_ref().map(|b| &b.name))
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("additional_headers", &header_names)
            .field("lock_to_version", &self.lock_to_version)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "127.0.0.1", "127.8.9.10", "[::1]", "::1"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["example.com", "10.0.0.1", "localhost.example.com", "[::2]"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plain_http_needs_loopback_or_the_opt_in() {
        assert!(check_base_url("http://127.0.0.1:3030", false).is_ok());
        assert!(check_base_url("http://localhost", false).is_ok());
        assert!(check_base_url("https://api.trigger.dev", false).is_ok());
        let p = check_base_url("http://api.example.com", false).unwrap_err();
        assert_eq!(p.argument, "base_url");
        assert!(p.reason.contains("unencrypted"), "{}", p.reason);
        assert!(check_base_url("http://api.example.com", true).is_ok());
    }

    #[test]
    fn a_bad_base_url_is_named_without_echoing_a_credential() {
        let p = check_base_url("tr_prod_abcdef", false).unwrap_err();
        assert_eq!(
            p.reason,
            "(a value that looks like a credential, not shown) is not a URL of the form \
             https://host[:port]"
        );
        let p = check_base_url("ftp://x", false).unwrap_err();
        assert_eq!(
            p.reason,
            "`ftp://x` is not a URL of the form https://host[:port]"
        );
    }
}
