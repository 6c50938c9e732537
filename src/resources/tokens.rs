//! Public access tokens: short-lived JWTs a backend mints for a frontend or another server,
//! limited to scopes such as reading one run or appending to one session.
//!
//! With a root secret key they are signed here (HS256, `docs/wire.md#jwt-signing`) after one
//! request for the environment's claims; with an additional key (`tr_<env>_sk_…`) the server
//! mints them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use ureq::http::Method;

use crate::client::Client;
use crate::credentials::{self, Access};
use crate::error::{Error, Result};
use crate::jwt::{self, Claims};
use crate::raw_json::RawJson;
use crate::shown::Shown;
use crate::transport::Call;

/// Public token calls. Get one with [`Client::auth`], or use [`crate::auth::create_public_token`]
/// and its siblings.
#[derive(Clone, Debug)]
pub struct PublicTokens {
    client: Client,
}

/// The default lifetime of a public token: one hour, as the Authentication page states (the
/// official code uses 15 minutes; `docs/design.md#public-token-lifetime`).
pub const DEFAULT_PUBLIC_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// The longest a public token may live: 30 days.
pub const MAX_PUBLIC_TOKEN_TTL: Duration = Duration::from_secs(30 * 86_400);

/// What a scope is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeResource {
    /// `tasks`
    Tasks,
    /// `tags`
    Tags,
    /// `runs`
    Runs,
    /// `batch`
    Batch,
    /// `waitpoints`
    Waitpoints,
    /// `inputStreams`
    InputStreams,
    /// `sessions` (a `session_…` id or the caller's `externalId`)
    Sessions,
}

impl ScopeResource {
    /// The name in a scope (`runs`).
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeResource::Tasks => "tasks",
            ScopeResource::Tags => "tags",
            ScopeResource::Runs => "runs",
            ScopeResource::Batch => "batch",
            ScopeResource::Waitpoints => "waitpoints",
            ScopeResource::InputStreams => "inputStreams",
            ScopeResource::Sessions => "sessions",
        }
    }

    fn from_name(name: &str) -> Option<ScopeResource> {
        [
            ScopeResource::Tasks,
            ScopeResource::Tags,
            ScopeResource::Runs,
            ScopeResource::Batch,
            ScopeResource::Waitpoints,
            ScopeResource::InputStreams,
            ScopeResource::Sessions,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }
}

const ACTIONS: [&str; 4] = ["read", "write", "trigger", "batchTrigger"];

/// The scopes of a public token, in order; each is `<action>:<resource>[:<id>]`
/// (`read:runs:run_1`, `read:runs`, `write:sessions:chat-42`), as the official SDK flattens
/// `{read: {runs: [...]}, write: {...}, trigger: {...}, batchTrigger: {...}}`. From JSON they
/// take that object form.
///
/// ```
/// use triggerdev::{ScopeResource, TokenScopes};
///
/// let scopes = TokenScopes::new()
///     .read(ScopeResource::Sessions, "session_123")
///     .write(ScopeResource::Sessions, "session_123")
///     .read_all(ScopeResource::Runs);
/// assert_eq!(
///     scopes.to_strings()?,
///     ["read:sessions:session_123", "write:sessions:session_123", "read:runs"]
/// );
/// # Ok::<(), triggerdev::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenScopes {
    entries: Vec<(&'static str, ScopeResource, Option<String>)>,
}

impl TokenScopes {
    /// No scopes.
    pub fn new() -> TokenScopes {
        TokenScopes::default()
    }

    fn push(mut self, action: &'static str, resource: ScopeResource, id: Option<String>) -> Self {
        self.entries.push((action, resource, id));
        self
    }

    /// Read one resource (`read:<resource>:<id>`).
    pub fn read(self, resource: ScopeResource, id: impl Into<String>) -> Self {
        self.push("read", resource, Some(id.into()))
    }
    /// Read every resource of a kind (`read:<resource>`).
    pub fn read_all(self, resource: ScopeResource) -> Self {
        self.push("read", resource, None)
    }
    /// Write one resource (`write:<resource>:<id>`; for a session: append to its `.in`).
    pub fn write(self, resource: ScopeResource, id: impl Into<String>) -> Self {
        self.push("write", resource, Some(id.into()))
    }
    /// Write every resource of a kind.
    pub fn write_all(self, resource: ScopeResource) -> Self {
        self.push("write", resource, None)
    }
    /// Trigger one task (`trigger:tasks:<id>`).
    pub fn trigger(self, resource: ScopeResource, id: impl Into<String>) -> Self {
        self.push("trigger", resource, Some(id.into()))
    }
    /// Batch-trigger one task (`batchTrigger:tasks:<id>`).
    pub fn batch_trigger(self, resource: ScopeResource, id: impl Into<String>) -> Self {
        self.push("batchTrigger", resource, Some(id.into()))
    }
    /// Read one named channel of a session, both directions
    /// (`read:sessions:<session>:channels:<name>`).
    pub fn read_channel(self, session: &str, channel: &str) -> Self {
        self.read(
            ScopeResource::Sessions,
            format!("{session}:channels:{channel}"),
        )
    }
    /// Read the `.out` of a named channel (`read:sessions:<session>:channels:<name>:out`).
    pub fn read_channel_out(self, session: &str, channel: &str) -> Self {
        self.read(
            ScopeResource::Sessions,
            format!("{session}:channels:{channel}:out"),
        )
    }
    /// Append to the `.in` of a named channel (`write:sessions:<session>:channels:<name>`).
    pub fn write_channel(self, session: &str, channel: &str) -> Self {
        self.write(
            ScopeResource::Sessions,
            format!("{session}:channels:{channel}"),
        )
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The scopes as the token carries them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a blank id, or a channel name that is not 1–128 of
    /// `A-Z a-z 0-9 . _ -`.
    pub fn to_strings(&self) -> Result<Vec<String>> {
        self.entries
            .iter()
            .map(|(action, resource, id)| {
                let Some(id) = id else {
                    return Ok(format!("{action}:{}", resource.as_str()));
                };
                if id.trim().is_empty() {
                    return Err(Error::invalid(
                        "options.scopes",
                        "scope resource ids must not be empty",
                    ));
                }
                if *resource == ScopeResource::Sessions {
                    if let Some((_, rest)) = id.split_once(":channels:") {
                        let name = rest.strip_suffix(":out").unwrap_or(rest);
                        crate::resources::sessions::check_channel_name(name, "options.scopes")?;
                    }
                }
                Ok(format!("{action}:{}:{id}", resource.as_str()))
            })
            .collect()
    }
}

/// From the official object form, in its order: `{"read":{"runs":["run_1"],"sessions":"s1"},
/// "write":{"sessions":"s1"},"trigger":{"tasks":true}}`.
impl<'de> Deserialize<'de> for TokenScopes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<TokenScopes, D::Error> {
        struct Actions;
        impl<'de> Visitor<'de> for Actions {
            type Value = TokenScopes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of read/write/trigger/batchTrigger scopes")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TokenScopes, A::Error> {
                use serde::de::Error as _;
                let mut scopes = TokenScopes::new();
                while let Some(action) = map.next_key::<String>()? {
                    let Some(action) = ACTIONS.iter().find(|a| **a == action) else {
                        return Err(A::Error::custom(format!(
                            "unknown scope action {}, expected one of read, write, trigger, batchTrigger",
                            Shown(&action)
                        )));
                    };
                    let resources: Vec<(String, Ids)> = map.next_value::<Ordered<Ids>>()?.0;
                    for (name, ids) in resources {
                        let resource = ScopeResource::from_name(&name).ok_or_else(|| {
                            A::Error::custom(format!(
                                "unknown scope resource {}, expected one of tasks, tags, runs, \
                                 batch, waitpoints, inputStreams, sessions",
                                Shown(&name)
                            ))
                        })?;
                        match ids {
                            Ids::All(true) => scopes = scopes.push(action, resource, None),
                            Ids::All(false) => {}
                            Ids::One(id) => scopes = scopes.push(action, resource, Some(id)),
                            Ids::Many(list) => {
                                for id in list {
                                    scopes = scopes.push(action, resource, Some(id));
                                }
                            }
                        }
                    }
                }
                Ok(scopes)
            }
        }
        d.deserialize_map(Actions)
    }
}

/// One resource's ids: one, several, or all (`true`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "must be true, an id or an array of ids")]
enum Ids {
    All(bool),
    One(String),
    Many(Vec<String>),
}

/// A JSON object's members in their order.
struct Ordered<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Ordered<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Ordered<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, T>()? {
                    out.push(entry);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// When a public token expires. From JSON: a duration string (`"15m"`, `"2 hours"`, `"1d"`)
/// or a number, the absolute Unix time in seconds (as the official SDK reads one).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "must be a duration like \"15m\" or a Unix time in seconds"
)]
pub enum Expiration {
    /// A duration in the jose syntax (`"15m"`, `"2h"`, `"1d"`).
    Text(String),
    /// An absolute Unix time, seconds.
    UnixSeconds(u64),
    /// A duration from now.
    #[serde(skip)]
    In(Duration),
    /// An absolute time.
    #[serde(skip)]
    At(SystemTime),
}

impl From<&str> for Expiration {
    fn from(text: &str) -> Expiration {
        Expiration::Text(text.to_owned())
    }
}

impl From<Duration> for Expiration {
    fn from(d: Duration) -> Expiration {
        Expiration::In(d)
    }
}

impl From<SystemTime> for Expiration {
    fn from(t: SystemTime) -> Expiration {
        Expiration::At(t)
    }
}

impl Expiration {
    /// The expiry in Unix seconds, checked to be in the future and at most 30 days away, and
    /// what to send to a server that mints (the caller's form).
    fn resolve(&self, now: SystemTime) -> Result<(u64, serde_json::Value)> {
        let now_s = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let (exp, sent) = match self {
            Expiration::Text(text) => {
                let secs = jwt::parse_duration(text).ok_or_else(|| {
                    Error::invalid(
                        "options.expirationTime",
                        format!(
                            "{} is not a duration like \"15m\", \"2h\" or \"1d\"",
                            Shown(text)
                        ),
                    )
                })?;
                (now_s + secs, serde_json::Value::from(text.as_str()))
            }
            Expiration::UnixSeconds(at) => (*at as f64, serde_json::Value::from(*at)),
            Expiration::In(d) => (
                now_s + d.as_secs_f64(),
                serde_json::Value::from(format!("{}s", d.as_secs())),
            ),
            Expiration::At(t) => {
                let at = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
                (at as f64, serde_json::Value::from(at))
            }
        };
        if exp <= now_s {
            return Err(Error::invalid(
                "options.expirationTime",
                "is in the past: a token must expire later",
            ));
        }
        if exp - now_s > MAX_PUBLIC_TOKEN_TTL.as_secs_f64() {
            return Err(Error::invalid(
                "options.expirationTime",
                "is more than 30 days away, the longest a public token may live",
            ));
        }
        Ok((exp.floor() as u64, sent))
    }
}

/// Options of [`PublicTokens::create_public_token`].
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PublicTokenOptions {
    /// What the token may do. Without scopes (root key only) it can do nothing.
    pub scopes: Option<TokenScopes>,
    /// When it expires. Default: [`DEFAULT_PUBLIC_TOKEN_TTL`] (1 hour).
    pub expiration_time: Option<Expiration>,
    /// Realtime options (`{"skipColumns":["payload"]}`).
    pub realtime: Option<RawJson>,
}

impl PublicTokenOptions {
    /// A token with `scopes`.
    pub fn new(scopes: TokenScopes) -> PublicTokenOptions {
        PublicTokenOptions {
            scopes: Some(scopes),
            ..PublicTokenOptions::default()
        }
    }
    /// Sets [`PublicTokenOptions::expiration_time`].
    pub fn expiration_time(mut self, expiration: impl Into<Expiration>) -> Self {
        self.expiration_time = Some(expiration.into());
        self
    }
}

/// Options of [`PublicTokens::create_trigger_public_token`] and
/// [`PublicTokens::create_batch_trigger_public_token`].
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerTokenOptions {
    /// When it expires. Default: [`DEFAULT_PUBLIC_TOKEN_TTL`] (1 hour).
    pub expiration_time: Option<Expiration>,
    /// Whether it may be used more than once. Default: false (one use).
    pub multiple_use: Option<bool>,
    /// Realtime options.
    pub realtime: Option<RawJson>,
}

impl TriggerTokenOptions {
    /// One use, one hour.
    pub fn new() -> TriggerTokenOptions {
        TriggerTokenOptions::default()
    }
    /// Sets [`TriggerTokenOptions::expiration_time`].
    pub fn expiration_time(mut self, expiration: impl Into<Expiration>) -> Self {
        self.expiration_time = Some(expiration.into());
        self
    }
    /// Sets [`TriggerTokenOptions::multiple_use`].
    pub fn multiple_use(mut self, yes: bool) -> Self {
        self.multiple_use = Some(yes);
        self
    }
}

/// The body of `POST /api/v1/auth/public-tokens`, in the official SDK's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MintBody<'a> {
    scopes: &'a [String],
    expiration_time: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    one_time_use: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    realtime: Option<&'a RawJson>,
}

#[derive(Deserialize)]
struct Minted {
    token: String,
}

/// What one mint asks for.
struct Mint<'a> {
    operation: &'static str,
    /// `None`: no `scopes` claim at all (a root-key token made without scopes).
    scopes: Option<Vec<String>>,
    one_time_use: Option<bool>,
    realtime: Option<&'a RawJson>,
    expiration: Option<&'a Expiration>,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Public access tokens.
    pub fn auth(&self) -> PublicTokens {
        PublicTokens {
            client: self.clone(),
        }
    }
}

impl PublicTokens {
    /// Mints a public access token with `options.scopes`, valid 1 hour unless
    /// `options.expiration_time` says otherwise.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::{PublicTokenOptions, ScopeResource, TokenScopes};
    ///
    /// let scopes = TokenScopes::new()
    ///     .read(ScopeResource::Sessions, "session_123")
    ///     .write(ScopeResource::Sessions, "session_123");
    /// let token = client.auth().create_public_token(&PublicTokenOptions::new(scopes).expiration_time("15m"))?;
    /// assert_eq!(token.split('.').count(), 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a blank scope id, a bad channel name, or an expiry that is
    /// malformed, in the past or more than 30 days away (before any request);
    /// [`Error::UnsupportedCredential`] with a personal access token or a public token;
    /// with an additional key, [`Error::InvalidArgument`] without scopes and
    /// [`Error::PermissionDenied`] (code `scopes_exceed_key_access`, see
    /// [`crate::ApiError::denied_scopes`]) for scopes the key lacks.
    pub fn create_public_token(&self, options: &PublicTokenOptions) -> Result<String> {
        let scopes = options
            .scopes
            .as_ref()
            .map(TokenScopes::to_strings)
            .transpose()?;
        self.mint(Mint {
            operation: "auth.createPublicToken",
            scopes,
            one_time_use: None,
            realtime: options.realtime.as_ref(),
            expiration: options.expiration_time.as_ref(),
        })
    }

    /// Mints a token that may trigger `tasks` (`trigger:tasks:<id>` each), once unless
    /// `multiple_use`.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let token = client.auth().create_trigger_public_token(&["send-email"], &Default::default())?;
    /// let frontend = triggerdev::Client::new(triggerdev::Config::new()
    ///     .access_token(token).base_url(emulator.base_url()));
    /// frontend.tasks().trigger("send-email", &(), &Default::default())?;
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PublicTokens::create_public_token`], and [`Error::InvalidArgument`] for no task or
    /// an empty task id.
    pub fn create_trigger_public_token(
        &self,
        tasks: &[&str],
        options: &TriggerTokenOptions,
    ) -> Result<String> {
        self.task_token("auth.createTriggerPublicToken", "trigger", tasks, options)
    }

    /// Mints a token that may batch-trigger `tasks` (`batchTrigger:tasks:<id>` each).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::TriggerTokenOptions;
    ///
    /// let token = client.auth().create_batch_trigger_public_token(
    ///     &["send-email"],
    ///     &TriggerTokenOptions::new().multiple_use(true).expiration_time("2h"),
    /// )?;
    /// assert!(token.starts_with("eyJ"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PublicTokens::create_trigger_public_token`].
    pub fn create_batch_trigger_public_token(
        &self,
        tasks: &[&str],
        options: &TriggerTokenOptions,
    ) -> Result<String> {
        self.task_token(
            "auth.createBatchTriggerPublicToken",
            "batchTrigger",
            tasks,
            options,
        )
    }

    fn task_token(
        &self,
        operation: &'static str,
        action: &'static str,
        tasks: &[&str],
        options: &TriggerTokenOptions,
    ) -> Result<String> {
        if tasks.is_empty() {
            return Err(Error::invalid("tasks", "give at least one task"));
        }
        let scopes = tasks
            .iter()
            .map(|task| {
                if task.trim().is_empty() {
                    Err(Error::invalid(
                        "tasks",
                        "scope resource ids must not be empty",
                    ))
                } else {
                    Ok(format!("{action}:tasks:{task}"))
                }
            })
            .collect::<Result<Vec<String>>>()?;
        self.mint(Mint {
            operation,
            scopes: Some(scopes),
            one_time_use: Some(!options.multiple_use.unwrap_or(false)),
            realtime: options.realtime.as_ref(),
            expiration: options.expiration_time.as_ref(),
        })
    }

    fn mint(&self, mint: Mint) -> Result<String> {
        let cfg = self.client.resolved();
        credentials::check(cfg, mint.operation, Access::SecretKey { jwt: false })?;
        let default = Expiration::In(DEFAULT_PUBLIC_TOKEN_TTL);
        // One reading of the clock for `iat` and `exp`, so that `exp - iat` is the TTL asked.
        let now = cfg.clock.now();
        let (exp, sent) = mint.expiration.unwrap_or(&default).resolve(now)?;
        match credentials::signing_key(cfg) {
            Some(key) => {
                let call = Call::new(
                    mint.operation,
                    Method::POST,
                    "/api/v1/auth/jwt/claims".to_owned(),
                    Access::SecretKey { jwt: false },
                );
                let reply = self.client.execute(&call)?;
                let mut claims = Claims::parse(std::str::from_utf8(&reply.body).unwrap_or(""))
                    .ok_or_else(|| Error::Decode {
                        status: reply.status,
                        message: "the claims are not a JSON object".to_owned(),
                        body: String::from_utf8_lossy(&reply.body).into_owned(),
                    })?;
                // The official payload orders: claims, then scopes and realtime (otu first for
                // trigger tokens).
                if let Some(otu) = mint.one_time_use {
                    claims.set("otu", &otu);
                    if let Some(realtime) = mint.realtime {
                        claims.set("realtime", realtime);
                    }
                    claims.set("scopes", &mint.scopes);
                } else {
                    if let Some(scopes) = &mint.scopes {
                        claims.set("scopes", scopes);
                    }
                    if let Some(realtime) = mint.realtime {
                        claims.set("realtime", realtime);
                    }
                }
                Ok(jwt::sign(key.as_bytes(), claims, now, exp))
            }
            None => {
                let scopes = mint.scopes.unwrap_or_default();
                if scopes.is_empty() {
                    return Err(Error::invalid(
                        "options.scopes",
                        "an additional key mints through the server, which needs at least one \
                         scope",
                    ));
                }
                let body = MintBody {
                    scopes: &scopes,
                    expiration_time: sent,
                    one_time_use: mint.one_time_use,
                    realtime: mint.realtime,
                };
                let call = Call::new(
                    mint.operation,
                    Method::POST,
                    "/api/v1/auth/public-tokens".to_owned(),
                    Access::SecretKey { jwt: false },
                )
                .json(&body)?;
                Ok(self.client.execute(&call)?.json::<Minted>()?.token)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_flatten_in_order_from_the_official_object() {
        let scopes: TokenScopes = serde_json::from_str(
            r#"{"read":{"runs":["run_1","run_2"],"sessions":"s1","tags":"a:b"},"write":{"sessions":"s1"},"trigger":{"tasks":true},"batchTrigger":{"runs":false}}"#,
        )
        .unwrap();
        assert_eq!(
            scopes.to_strings().unwrap(),
            [
                "read:runs:run_1",
                "read:runs:run_2",
                "read:sessions:s1",
                "read:tags:a:b",
                "write:sessions:s1",
                "trigger:tasks"
            ]
        );
        let err = serde_json::from_str::<TokenScopes>(r#"{"delete":{"runs":true}}"#).unwrap_err();
        assert!(err.to_string().contains("unknown scope action"), "{err}");
        let err = serde_json::from_str::<TokenScopes>(r#"{"read":{"jobs":true}}"#).unwrap_err();
        assert!(err.to_string().contains("unknown scope resource"), "{err}");
    }

    #[test]
    fn blank_ids_and_bad_channel_names_are_refused() {
        let blank = TokenScopes::new().read(ScopeResource::Runs, " ");
        assert_eq!(
            blank.to_strings().unwrap_err().to_string(),
            "invalid argument `options.scopes`: scope resource ids must not be empty"
        );
        let ok = TokenScopes::new()
            .read_channel("s1", "chat")
            .read_channel_out("s1", "chat")
            .write_channel("s1", "chat");
        assert_eq!(
            ok.to_strings().unwrap(),
            [
                "read:sessions:s1:channels:chat",
                "read:sessions:s1:channels:chat:out",
                "write:sessions:s1:channels:chat"
            ]
        );
        assert!(TokenScopes::new()
            .read_channel("s1", "a b")
            .to_strings()
            .is_err());
    }

    #[test]
    fn expirations_are_checked() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let (exp, sent) = Expiration::from("15m").resolve(now).unwrap();
        assert_eq!((exp, sent), (1_700_000_900, serde_json::json!("15m")));
        let (exp, sent) = Expiration::from(Duration::from_secs(60))
            .resolve(now)
            .unwrap();
        assert_eq!((exp, sent), (1_700_000_060, serde_json::json!("60s")));
        let (exp, sent) = Expiration::UnixSeconds(1_700_000_100).resolve(now).unwrap();
        assert_eq!(
            (exp, sent),
            (1_700_000_100, serde_json::json!(1_700_000_100u64))
        );
        for bad in [
            Expiration::from("31d"),
            Expiration::from("soon"),
            Expiration::UnixSeconds(1_600_000_000),
            Expiration::At(now),
        ] {
            assert!(bad.resolve(now).is_err(), "{bad:?}");
        }
    }
}
