//! `Client`: a resolved configuration and a connection pool, isolated from everything ambient.
//! Each resource module adds its own accessor (`Client::runs` in `resources/runs`, ...), so
//! that this module depends on none of them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::cancel::{Deadline, Watch};
use crate::config::{self, Config, Env, RequestOptions, Resolved};
use crate::error::Result;
use crate::token_kind::TokenKind;
use crate::transport::{self, Call, Reply, Transport};

/// A Trigger.dev API client that owns its credentials, base URL, preview branch and connection
/// pool.
///
/// A client resolves its [`Config`] once, at construction (explicit values, then environment
/// variables, then defaults), and never reads the global configuration, `with_auth` overrides or
/// the environment again. It is `Send + Sync`; clones share one connection pool.
///
/// ```no_run
/// use triggerdev::{Client, Config};
///
/// let prod = Client::new(Config::new().access_token("tr_prod_..."));
/// let run = prod.runs().retrieve("run_1234")?;
/// println!("{} is {:?}", run.id, run.status);
/// # Ok::<(), triggerdev::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    resolved: Resolved,
    transport: Transport,
}

impl Client {
    /// A client from `config`, with the process environment as fallback.
    pub fn new(config: Config) -> Client {
        Client::with_env(config, &Env::from_process())
    }

    /// A client configured from the environment alone (`TRIGGER_SECRET_KEY`, ...).
    pub fn from_env() -> Client {
        Client::new(Config::new())
    }

    /// A client from `config`, with `env` as fallback instead of the process environment.
    pub fn with_env(config: Config, env: &Env) -> Client {
        let resolved = config.resolve(env, false);
        let transport =
            Transport::new(resolved.timeout, &config::user_agent(None), &resolved.trust);
        Client::from_parts(config, resolved, transport)
    }

    pub(crate) fn from_parts(config: Config, resolved: Resolved, transport: Transport) -> Client {
        Client {
            inner: Arc::new(Inner {
                config,
                resolved,
                transport,
            }),
        }
    }

    /// A client sharing this one's connection pool, with `options` applied over its own (for
    /// one call or a group of calls: `client.with_options(o).runs().retrieve(id)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use triggerdev::{Client, Config, RequestOptions, RetryPolicy};
    ///
    /// let client = Client::new(Config::new().access_token("tr_dev_..."));
    /// let quick = client.with_options(
    ///     RequestOptions::new().retry(RetryPolicy::none()).timeout(Duration::from_secs(5)),
    /// );
    /// # let _ = quick;
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        let resolved = self
            .inner
            .resolved
            .with_options(&self.inner.config, &options);
        let mut config = self.inner.config.clone();
        config.request_options = config.request_options.merged_with(&options);
        Client::from_parts(config, resolved, self.inner.transport.clone())
    }

    /// The kind of the configured token, if there is one.
    pub fn token_kind(&self) -> Option<TokenKind> {
        self.inner
            .resolved
            .token
            .as_ref()
            .map(|_| self.inner.resolved.kind)
    }

    /// The API origin calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.resolved.base_url
    }

    /// The preview branch this client sends to the `preview` environment, if any.
    pub fn preview_branch(&self) -> Option<&str> {
        self.inner
            .resolved
            .preview_branch
            .as_ref()
            .map(|b| b.name.as_str())
    }

    /// The dev branch this client sends to the `dev` environment, if any.
    pub fn dev_branch(&self) -> Option<&str> {
        self.inner
            .resolved
            .dev_branch
            .as_ref()
            .map(|b| b.name.as_str())
    }

    /// The partial configuration this client was built from (token redacted in `Debug`).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// This client with its waits ending `timeout` from now (a poll's overall timeout); an
    /// earlier deadline it already has stays.
    pub(crate) fn with_deadline(&self, timeout: Option<Duration>) -> Client {
        let Some(timeout) = timeout else {
            return self.clone();
        };
        let mut resolved = self.inner.resolved.clone();
        let at = resolved.clock.now() + timeout;
        if resolved.deadline.is_none_or(|d| at < d.at) {
            resolved.deadline = Some(Deadline { at, timeout });
        }
        Client::from_parts(
            self.inner.config.clone(),
            resolved,
            self.inner.transport.clone(),
        )
    }

    pub(crate) fn resolved(&self) -> &Resolved {
        &self.inner.resolved
    }

    pub(crate) fn execute(&self, call: &Call) -> Result<Reply> {
        transport::execute(&self.inner.transport, &self.inner.resolved, call)
    }

    /// Sends `call` once, whatever the answer's status (a protocol with its own retries).
    pub(crate) fn exchange(&self, call: &Call, watch: &Watch<'_>) -> Result<transport::Exchange> {
        transport::exchange(&self.inner.transport, &self.inner.resolved, call, watch)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.resolved)
            .finish()
    }
}
