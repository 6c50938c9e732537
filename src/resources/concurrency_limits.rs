//! Named concurrency limits of the key's environment: list, retrieve, override, reset, pause
//! and resume, for a limit as a whole or for one of its concurrency keys.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use super::tasks::Ttl;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::pagination::{numbered_pages, OffsetPage, PageIter};
use crate::transport::Call;

/// The largest bound the server accepts (0 blocks the runs).
pub const MAX_CONCURRENCY_BOUND: u32 = 100_000;
/// The longest concurrency key the server accepts, in characters.
const MAX_KEY_CHARS: usize = 128;

/// Concurrency limit calls. Get one with [`Client::concurrency_limits`] or
/// [`crate::concurrency_limits`].
#[derive(Clone, Debug)]
pub struct ConcurrencyLimits {
    client: Client,
}

/// A concurrency key: text, or a number, which stays a JSON number in request bodies (the
/// server turns it into text). From JSON: `"tenant-42"` or `42`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "must be a string or a number")]
pub enum ConcurrencyKey {
    /// A key as text.
    Text(String),
    /// A numeric key.
    Number(serde_json::Number),
}

impl ConcurrencyKey {
    /// The key as the server stores it (a number as its JSON text).
    pub fn as_text(&self) -> String {
        match self {
            ConcurrencyKey::Text(s) => s.clone(),
            ConcurrencyKey::Number(n) => n.to_string(),
        }
    }

    /// Refuses a key the server would refuse (empty, or over 128 characters).
    fn check(&self, argument: &'static str) -> Result<()> {
        let text = self.as_text();
        if text.is_empty() {
            return Err(Error::invalid(argument, "must not be empty"));
        }
        let chars = text.chars().count();
        if chars > MAX_KEY_CHARS {
            return Err(Error::invalid(
                argument,
                format!("has {chars} characters; at most {MAX_KEY_CHARS} are allowed"),
            ));
        }
        Ok(())
    }
}

impl From<&str> for ConcurrencyKey {
    fn from(key: &str) -> ConcurrencyKey {
        ConcurrencyKey::Text(key.to_owned())
    }
}

impl From<String> for ConcurrencyKey {
    fn from(key: String) -> ConcurrencyKey {
        ConcurrencyKey::Text(key)
    }
}

macro_rules! key_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for ConcurrencyKey {
            fn from(key: $t) -> ConcurrencyKey {
                ConcurrencyKey::Number(key.into())
            }
        }
    )*};
}
key_from_int!(i32, i64, u32, u64);

/// One bound of a limit (`perKey` or `total`): in force, declared and overridden.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConcurrencyBound {
    /// The bound in force (`None`: unbounded).
    pub current: Option<u64>,
    /// The bound declared in code.
    pub base: Option<u64>,
    /// The overriding bound, if any (`override`).
    #[serde(rename = "override")]
    pub override_limit: Option<u64>,
    /// When it was overridden, ISO-8601.
    pub overridden_at: Option<String>,
}

/// A named concurrency limit (`climit_…`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConcurrencyLimit {
    /// `climit_…`
    pub id: String,
    /// The name runs refer to it by.
    pub name: String,
    /// Runs at once for each concurrency key.
    pub per_key: ConcurrencyBound,
    /// Runs at once across every key.
    pub total: ConcurrencyBound,
    /// Runs holding it now.
    pub running: u64,
    /// Runs waiting for it.
    pub queued: u64,
    /// Whether runs are held back.
    #[serde(default)]
    pub paused: bool,
}

/// The per-key bound of one concurrency key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConcurrencyKeyBound {
    /// The bound in force for this key.
    pub current: Option<u64>,
    /// The limit's own per-key bound.
    pub base: Option<u64>,
    /// This key's overriding bound, if any (`override`).
    #[serde(rename = "override")]
    pub override_limit: Option<u64>,
    /// When the key's override lapses, ISO-8601.
    pub expires_at: Option<String>,
}

/// A concurrency limit as it applies to one concurrency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConcurrencyKeyLimit {
    /// The limit's name.
    pub name: String,
    /// The key, as text (numeric keys too).
    pub concurrency_key: String,
    /// The key's bound.
    pub per_key: ConcurrencyKeyBound,
    /// Runs with this key holding the limit now.
    pub running: u64,
    /// Whether the limit is paused.
    #[serde(default)]
    pub paused: bool,
}

/// Paging of [`ConcurrencyLimits::list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListConcurrencyLimitsParams {
    /// 1-based page (server default 1).
    pub page: Option<u32>,
    /// Items per page, at most 100.
    pub per_page: Option<u32>,
}

/// A lazy iterator over every concurrency limit; see [`ConcurrencyLimits::iter`].
pub type ConcurrencyLimitsIter = PageIter<ConcurrencyLimit, u32>;

/// A new bound for a limit as a whole (the official `override(name, {perKey?, total?})`),
/// kept until [`ConcurrencyLimits::reset`]. At least one bound, each 0–100000 (0 blocks the
/// runs). From JSON: `{"perKey":5,"total":20}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct OverrideConcurrencyLimit {
    /// Runs at once for each concurrency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_key: Option<u32>,
    /// Runs at once across every key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
}

impl OverrideConcurrencyLimit {
    /// No bound yet: set one or both.
    pub fn new() -> OverrideConcurrencyLimit {
        OverrideConcurrencyLimit::default()
    }

    /// Runs at once for each concurrency key.
    pub fn per_key(mut self, n: u32) -> Self {
        self.per_key = Some(n);
        self
    }

    /// Runs at once across every key.
    pub fn total(mut self, n: u32) -> Self {
        self.total = Some(n);
        self
    }

    fn check(&self) -> Result<()> {
        if self.per_key.is_none() && self.total.is_none() {
            return Err(Error::invalid("options", "must set perKey, total or both"));
        }
        check_bound("options.perKey", self.per_key)?;
        check_bound("options.total", self.total)
    }
}

/// A per-key bound for one concurrency key (the official
/// `override(name, {concurrencyKey, perKey, ttl?})`), until it lapses (after `ttl`: the
/// server's default is 7 days, its maximum 30) or is reset. From JSON:
/// `{"concurrencyKey":42,"perKey":0,"ttl":"1d"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct OverrideConcurrencyKey {
    /// The key (a number is sent as a number).
    pub concurrency_key: ConcurrencyKey,
    /// Runs at once with this key, 0–100000.
    pub per_key: u32,
    /// How long the override lasts: a duration (`"1d"`) or a number of seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Ttl>,
}

impl OverrideConcurrencyKey {
    /// A bound of `per_key` runs at once for `key`.
    pub fn new(key: impl Into<ConcurrencyKey>, per_key: u32) -> OverrideConcurrencyKey {
        OverrideConcurrencyKey {
            concurrency_key: key.into(),
            per_key,
            ttl: None,
        }
    }

    /// How long the override lasts.
    pub fn ttl(mut self, ttl: Ttl) -> Self {
        self.ttl = Some(ttl);
        self
    }

    fn check(&self) -> Result<()> {
        self.concurrency_key.check("options.concurrencyKey")?;
        check_bound("options.perKey", Some(self.per_key))?;
        match &self.ttl {
            Some(Ttl::Seconds(0)) => Err(Error::invalid("options.ttl", "must be positive")),
            Some(Ttl::Duration(d)) if d.trim().is_empty() => {
                Err(Error::invalid("options.ttl", "must not be empty"))
            }
            _ => Ok(()),
        }
    }
}

fn check_bound(argument: &'static str, n: Option<u32>) -> Result<()> {
    match n {
        Some(n) if n > MAX_CONCURRENCY_BOUND => Err(Error::invalid(
            argument,
            format!("{n} is over the maximum of {MAX_CONCURRENCY_BOUND}"),
        )),
        _ => Ok(()),
    }
}

#[derive(Serialize)]
struct PauseBody {
    action: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency_key: Option<&'a ConcurrencyKey>,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Named concurrency limits.
    pub fn concurrency_limits(&self) -> ConcurrencyLimits {
        ConcurrencyLimits {
            client: self.clone(),
        }
    }
}

impl ConcurrencyLimits {
    /// One page of limits (`GET /api/v1/concurrency-limits?perPage=&page=`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// let page = client.concurrency_limits().list(&Default::default())?;
    /// assert_eq!(page.data[0].name, "openai");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for more than 100 per page; the API errors of [`Error`]
    /// otherwise.
    pub fn list(
        &self,
        params: &ListConcurrencyLimitsParams,
    ) -> Result<OffsetPage<ConcurrencyLimit>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<ConcurrencyLimit>>(
        &self,
        params: &ListConcurrencyLimitsParams,
    ) -> Result<OffsetPage<T>> {
        self.client.execute(&list_call(params)?)?.decoded()
    }

    /// Every limit, fetching one page at a time as the iterator advances.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # for name in ["a", "b", "c"] { emulator.add_concurrency_limit("dev", name, None, Some(1)).unwrap(); }
    /// use triggerdev::ListConcurrencyLimitsParams;
    ///
    /// let params = ListConcurrencyLimitsParams { per_page: Some(2), ..Default::default() };
    /// assert_eq!(client.concurrency_limits().iter(&params)?.count(), 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The argument errors of [`ConcurrencyLimits::list`] at once; a page that fails to load
    /// is the iterator's last item.
    pub fn iter(&self, params: &ListConcurrencyLimitsParams) -> Result<ConcurrencyLimitsIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<ConcurrencyLimit> + Send + 'static>(
        &self,
        params: &ListConcurrencyLimitsParams,
    ) -> Result<PageIter<T, u32>> {
        list_call(params)?;
        let client = self.client.clone();
        let params = params.clone();
        let first = params.page.unwrap_or(1);
        Ok(numbered_pages(first, move |number| {
            let mut p = params.clone();
            p.page = number.or(p.page);
            client.execute(&list_call(&p)?)?.decoded()
        }))
    }

    /// One limit (`GET /api/v1/concurrency-limits/{name}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// let limit = client.concurrency_limits().retrieve("openai")?;
    /// assert_eq!((limit.per_key.current, limit.total.current), (Some(2), Some(10)));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty name; [`Error::NotFound`]; the API errors of
    /// [`Error`] otherwise.
    pub fn retrieve(&self, name: &str) -> Result<ConcurrencyLimit> {
        self.retrieve_as(name)
    }

    pub(crate) fn retrieve_as<T: Decoded<ConcurrencyLimit>>(&self, name: &str) -> Result<T> {
        let call = Call::new(
            "concurrencyLimits.retrieve",
            Method::GET,
            limit_path(name, "")?,
            Access::SecretKey { jwt: false },
        );
        self.client.execute(&call)?.decoded()
    }

    /// The limit as it applies to one concurrency key
    /// (`GET /api/v1/concurrency-limits/{name}?concurrencyKey=`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// let key = client.concurrency_limits().retrieve_key("openai", &"tenant-42".into())?;
    /// assert_eq!(key.per_key.current, Some(2));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve`], and [`Error::InvalidArgument`] for an empty key or
    /// one over 128 characters.
    pub fn retrieve_key(&self, name: &str, key: &ConcurrencyKey) -> Result<ConcurrencyKeyLimit> {
        self.retrieve_key_as(name, key)
    }

    pub(crate) fn retrieve_key_as<T: Decoded<ConcurrencyKeyLimit>>(
        &self,
        name: &str,
        key: &ConcurrencyKey,
    ) -> Result<T> {
        let path = limit_path(name, "")?;
        key.check("concurrency_key")?;
        let mut query = Query::default();
        query.push("concurrencyKey", &key.as_text());
        let call = Call::new(
            "concurrencyLimits.retrieve",
            Method::GET,
            path,
            Access::SecretKey { jwt: false },
        )
        .query(query.into_string(), "concurrency_key");
        self.client.execute(&call)?.decoded()
    }

    /// Overrides a limit's bounds until it is reset
    /// (`POST /api/v1/concurrency-limits/{name}/override`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// use triggerdev::OverrideConcurrencyLimit;
    ///
    /// let limit = client
    ///     .concurrency_limits()
    ///     .override_limit("openai", &OverrideConcurrencyLimit::new().total(20))?;
    /// assert_eq!((limit.total.current, limit.total.base), (Some(20), Some(10)));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve`], and [`Error::InvalidArgument`] for neither bound or
    /// one over 100000.
    pub fn override_limit(
        &self,
        name: &str,
        options: &OverrideConcurrencyLimit,
    ) -> Result<ConcurrencyLimit> {
        self.override_limit_as(name, options)
    }

    pub(crate) fn override_limit_as<T: Decoded<ConcurrencyLimit>>(
        &self,
        name: &str,
        options: &OverrideConcurrencyLimit,
    ) -> Result<T> {
        let path = limit_path(name, "/override")?;
        options.check()?;
        let call = post("concurrencyLimits.override", path).json(options)?;
        self.client.execute(&call)?.decoded()
    }

    /// Overrides the per-key bound of one concurrency key until it lapses or is reset (same
    /// route as [`ConcurrencyLimits::override_limit`]).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// use triggerdev::{OverrideConcurrencyKey, Ttl};
    ///
    /// let options = OverrideConcurrencyKey::new(42, 0).ttl(Ttl::Duration("1d".into()));
    /// let key = client.concurrency_limits().override_key("openai", &options)?;
    /// assert_eq!((key.concurrency_key.as_str(), key.per_key.current), ("42", Some(0)));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve_key`], and [`Error::InvalidArgument`] for a bound over
    /// 100000 or a zero or empty `ttl`.
    pub fn override_key(
        &self,
        name: &str,
        options: &OverrideConcurrencyKey,
    ) -> Result<ConcurrencyKeyLimit> {
        self.override_key_as(name, options)
    }

    pub(crate) fn override_key_as<T: Decoded<ConcurrencyKeyLimit>>(
        &self,
        name: &str,
        options: &OverrideConcurrencyKey,
    ) -> Result<T> {
        let path = limit_path(name, "/override")?;
        options.check()?;
        let call = post("concurrencyLimits.override", path).json(options)?;
        self.client.execute(&call)?.decoded()
    }

    /// Goes back to the bounds declared in code
    /// (`POST /api/v1/concurrency-limits/{name}/reset`, body `{}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// # client.concurrency_limits().override_limit("openai",
    /// #     &triggerdev::OverrideConcurrencyLimit::new().total(20))?;
    /// let limit = client.concurrency_limits().reset("openai")?;
    /// assert_eq!((limit.total.current, limit.total.override_limit), (Some(10), None));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve`].
    pub fn reset(&self, name: &str) -> Result<ConcurrencyLimit> {
        self.reset_as(name)
    }

    pub(crate) fn reset_as<T: Decoded<ConcurrencyLimit>>(&self, name: &str) -> Result<T> {
        let path = limit_path(name, "/reset")?;
        let call = post("concurrencyLimits.reset", path).json(&KeyBody {
            concurrency_key: None,
        })?;
        self.client.execute(&call)?.decoded()
    }

    /// Removes one concurrency key's override (same route as [`ConcurrencyLimits::reset`],
    /// body `{"concurrencyKey": key}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// # client.concurrency_limits().override_key("openai",
    /// #     &triggerdev::OverrideConcurrencyKey::new("tenant-42", 0))?;
    /// let key = client.concurrency_limits().reset_key("openai", &"tenant-42".into())?;
    /// assert_eq!(key.per_key.override_limit, None);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve_key`].
    pub fn reset_key(&self, name: &str, key: &ConcurrencyKey) -> Result<ConcurrencyKeyLimit> {
        self.reset_key_as(name, key)
    }

    pub(crate) fn reset_key_as<T: Decoded<ConcurrencyKeyLimit>>(
        &self,
        name: &str,
        key: &ConcurrencyKey,
    ) -> Result<T> {
        let path = limit_path(name, "/reset")?;
        key.check("concurrency_key")?;
        let call = post("concurrencyLimits.reset", path).json(&KeyBody {
            concurrency_key: Some(key),
        })?;
        self.client.execute(&call)?.decoded()
    }

    /// Pauses a limit: runs that need it stay queued until it is resumed.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.add_concurrency_limit("dev", "openai", Some(2), Some(10)).unwrap();
    /// assert!(client.concurrency_limits().pause("openai")?.paused);
    /// assert!(!client.concurrency_limits().resume("openai")?.paused);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve`].
    pub fn pause(&self, name: &str) -> Result<ConcurrencyLimit> {
        self.pause_as(name, "pause")
    }

    /// Resumes a paused limit.
    ///
    /// # Errors
    ///
    /// As [`ConcurrencyLimits::retrieve`].
    pub fn resume(&self, name: &str) -> Result<ConcurrencyLimit> {
        self.pause_as(name, "resume")
    }

    pub(crate) fn pause_as<T: Decoded<ConcurrencyLimit>>(
        &self,
        name: &str,
        action: &'static str,
    ) -> Result<T> {
        let operation = if action == "pause" {
            "concurrencyLimits.pause"
        } else {
            "concurrencyLimits.resume"
        };
        let call = post(operation, limit_path(name, "/pause")?).json(&PauseBody { action })?;
        self.client.execute(&call)?.decoded()
    }
}

/// `/api/v1/concurrency-limits/{name}{suffix}`, the name encoded as one segment.
fn limit_path(name: &str, suffix: &str) -> Result<String> {
    require("name", name)?;
    Ok(format!(
        "/api/v1/concurrency-limits/{}{suffix}",
        encode::path_segment(name)
    ))
}

fn post(operation: &'static str, path: String) -> Call {
    Call::new(
        operation,
        Method::POST,
        path,
        Access::SecretKey { jwt: false },
    )
}

fn list_call(params: &ListConcurrencyLimitsParams) -> Result<Call> {
    if params.per_page.is_some_and(|n| n > 100) {
        return Err(Error::invalid("params.perPage", "must be at most 100"));
    }
    let mut q = Query::default();
    if let Some(n) = params.per_page.filter(|n| *n != 0) {
        q.push("perPage", &n.to_string());
    }
    if let Some(n) = params.page.filter(|n| *n != 0) {
        q.push("page", &n.to_string());
    }
    Ok(Call::new(
        "concurrencyLimits.list",
        Method::GET,
        "/api/v1/concurrency-limits".to_owned(),
        Access::SecretKey { jwt: false },
    )
    .query(q.into_string(), "params"))
}
