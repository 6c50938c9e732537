//! The ambient configuration: [`configure`], and scoped overrides with [`with_auth`].
//!
//! The config of an ambient call is the top of this thread's override stack, which was merged
//! field by field over the outer overrides and the global config when it was pushed; with no
//! override it is the global config set by [`configure`], over the environment. Each thread has
//! its own stack, so a spawned thread starts with no override: carry one across with
//! [`current`] and [`with_auth`].
//!
//! ```
//! use triggerdev::{auth, Config};
//!
//! let outer = Config::new().base_url("http://127.0.0.1:3030");
//! let inner = Config::new().access_token("tr_dev_project_b");
//! auth::with_auth(outer, || {
//!     auth::with_auth(inner, || {
//!         // Both fields apply here.
//!         let client = triggerdev::ambient();
//!         assert_eq!(client.base_url(), "http://127.0.0.1:3030");
//!         assert_eq!(client.token_kind(), Some(triggerdev::TokenKind::SecretKey(triggerdev::EnvKind::Development)));
//!     })
//! });
//! ```

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::client::Client;
use crate::config::{Config, Env};
use crate::transport::Transport;

/// The global configuration, the environment snapshot it was resolved with, and its client.
struct Global {
    config: Config,
    env: Arc<Env>,
    client: Client,
}

static GLOBAL: RwLock<Option<Global>> = RwLock::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct Entry {
    id: u64,
    /// The override's client; its `config()` is the override merged over everything outside it.
    client: Client,
}

thread_local! {
    static STACK: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

fn ambient_client(config: Config, env: &Env) -> Client {
    let resolved = config.resolve(env, true);
    // One connection pool for every ambient call and override (per set of trusted CAs).
    let transport = Transport::shared(&resolved.trust);
    Client::from_parts(config, resolved, transport)
}

impl Global {
    /// `config` over the environment as it is now.
    fn new(config: Config) -> Global {
        let env = Arc::new(Env::from_process());
        let client = ambient_client(config.clone(), &env);
        Global {
            config,
            env,
            client,
        }
    }
}

/// Sets the process-wide configuration, replacing any earlier one. Unset fields fall back to
/// the environment, read now. Without a `configure` call, the environment is read once, when
/// the ambient API is first used.
pub fn configure(config: Config) {
    let global = Global::new(config);
    *GLOBAL.write().unwrap_or_else(PoisonError::into_inner) = Some(global);
}

/// The global configuration, its environment snapshot and its client.
fn global() -> (Config, Arc<Env>, Client) {
    if let Some(g) = GLOBAL
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
    {
        return (g.config.clone(), g.env.clone(), g.client.clone());
    }
    let mut slot = GLOBAL.write().unwrap_or_else(PoisonError::into_inner);
    let g = slot.get_or_insert_with(|| Global::new(Config::new()));
    (g.config.clone(), g.env.clone(), g.client.clone())
}

/// The client the ambient API uses on this thread right now: the innermost override, or the
/// global configuration.
pub fn ambient() -> Client {
    if let Some(client) = STACK.with(|s| s.borrow().last().map(|e| e.client.clone())) {
        return client;
    }
    if let Some(g) = GLOBAL
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
    {
        return g.client.clone();
    }
    global().2
}

/// The partial configuration in force on this thread (overrides merged over the global config),
/// to carry into another thread with [`with_auth`]. The token stays redacted in `Debug`.
pub fn current() -> Config {
    STACK
        .with(|s| s.borrow().last().map(|e| e.client.config().clone()))
        .unwrap_or_else(|| global().0)
}

/// Runs `f` with `config` merged field by field over the current configuration, on this thread
/// only. The previous configuration comes back when `f` returns or panics.
pub fn with_auth<R>(config: Config, f: impl FnOnce() -> R) -> R {
    let _guard = push(config);
    f()
}

/// Pushes an override for this thread; it lasts until the returned guard is dropped.
#[must_use = "the override ends when the guard is dropped"]
pub fn push(config: Config) -> AuthGuard {
    let client = override_client(None, config);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    STACK.with(|s| s.borrow_mut().push(Entry { id, client }));
    AuthGuard {
        id,
        _not_send: PhantomData,
    }
}

/// The client an override gives, without making it current anywhere: `config` merged field by
/// field over `base` (a client this function returned, i.e. an enclosing override) or, when
/// `base` is `None`, over this thread's current configuration ([`current`]). It shares the
/// ambient connection pool and environment snapshot, as [`with_auth`] does (which is built on
/// it).
///
/// For callers whose unit of concurrency is not an OS thread (an async task, a fiber): keep the
/// client with the task, pass it as `base` to nest, and make the task's ambient calls with it.
/// The Python and Ruby bindings scope their `with_auth` this way.
///
/// ```
/// use triggerdev::{auth, Config, EnvKind, TokenKind};
///
/// let outer = auth::override_client(None, Config::new().base_url("http://127.0.0.1:3030"));
/// let inner = auth::override_client(Some(&outer), Config::new().access_token("tr_dev_b"));
/// assert_eq!(inner.base_url(), "http://127.0.0.1:3030");
/// assert_eq!(inner.token_kind(), Some(TokenKind::SecretKey(EnvKind::Development)));
/// // Calls made with `inner` (`inner.runs().list(..)`) use both fields; this thread's ambient
/// // API is unchanged.
/// ```
pub fn override_client(base: Option<&Client>, config: Config) -> Client {
    let (_, env, _) = global();
    let merged = match base {
        Some(base) => base.config().merged_with(&config),
        None => current().merged_with(&config),
    };
    ambient_client(merged, &env)
}

/// Ends an override when dropped (panics included). Not `Send`: an override belongs to the
/// thread that pushed it.
#[derive(Debug)]
pub struct AuthGuard {
    id: u64,
    _not_send: PhantomData<*const ()>,
}

impl Drop for AuthGuard {
    fn drop(&mut self) {
        // Remove our own entry even if guards are dropped out of order.
        let _ = STACK.try_with(|s| s.borrow_mut().retain(|e| e.id != self.id));
    }
}

/// Pops the innermost override of this thread, if any (the C ABI's `trigger_auth_pop`, which
/// has no guard object to drop).
pub(crate) fn pop_innermost() -> bool {
    STACK.with(|s| s.borrow_mut().pop().is_some())
}

/// Mints a public access token with the ambient configuration; see
/// [`crate::PublicTokens::create_public_token`].
///
/// ```
/// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
/// use triggerdev::{auth, Config, PublicTokenOptions, ScopeResource, TokenScopes};
///
/// let backend = Config::new().access_token(emulator.seed().dev_key()).base_url(emulator.base_url());
/// let token = auth::with_auth(backend, || {
///     auth::create_public_token(&PublicTokenOptions::new(
///         TokenScopes::new().read(ScopeResource::Runs, "run_123"),
///     ))
/// })?;
/// assert!(token.starts_with("eyJ"));
/// # Ok::<(), triggerdev::Error>(())
/// ```
///
/// # Errors
///
/// As [`crate::PublicTokens::create_public_token`].
pub fn create_public_token(options: &crate::PublicTokenOptions) -> crate::Result<String> {
    ambient().auth().create_public_token(options)
}

/// Mints a token that may trigger `tasks`, with the ambient configuration; see
/// [`crate::PublicTokens::create_trigger_public_token`].
///
/// # Errors
///
/// As [`crate::PublicTokens::create_trigger_public_token`].
pub fn create_trigger_public_token(
    tasks: &[&str],
    options: &crate::TriggerTokenOptions,
) -> crate::Result<String> {
    ambient().auth().create_trigger_public_token(tasks, options)
}

/// Mints a token that may batch-trigger `tasks`, with the ambient configuration; see
/// [`crate::PublicTokens::create_batch_trigger_public_token`].
///
/// # Errors
///
/// As [`crate::PublicTokens::create_batch_trigger_public_token`].
pub fn create_batch_trigger_public_token(
    tasks: &[&str],
    options: &crate::TriggerTokenOptions,
) -> crate::Result<String> {
    ambient()
        .auth()
        .create_batch_trigger_public_token(tasks, options)
}
