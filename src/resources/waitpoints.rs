//! Waitpoint tokens: create one, hand its URL or public token to whoever decides, and complete
//! it with data; a run waiting on it resumes with that data.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::{one_or_many, payload, require};
use crate::client::Client;
use crate::credentials::{self, Access};
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::jwt;
use crate::pagination::{cursor_pages, CursorPage, PageIter};
use crate::raw_json::RawJson;
use crate::transport::Call;

/// Waitpoint token calls. Get one with [`Client::waitpoints`] or [`crate::waitpoints`].
#[derive(Clone, Debug)]
pub struct Waitpoints {
    client: Client,
}

/// Options of [`Waitpoints::create_token`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateWaitpointToken {
    /// The same key (until its TTL) returns the same token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// How long the idempotency key lasts (`"1d"`).
    #[serde(rename = "idempotencyKeyTTL", skip_serializing_if = "Option::is_none")]
    pub idempotency_key_ttl: Option<String>,
    /// When the token times out: a duration (`"1h"`) or an ISO-8601 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Tags (at most 10).
    #[serde(
        default,
        deserialize_with = "one_or_many::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
}

impl CreateWaitpointToken {
    /// No options.
    pub fn new() -> CreateWaitpointToken {
        CreateWaitpointToken::default()
    }
    /// Sets [`CreateWaitpointToken::idempotency_key`].
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sets [`CreateWaitpointToken::idempotency_key_ttl`].
    pub fn idempotency_key_ttl(mut self, ttl: impl Into<String>) -> Self {
        self.idempotency_key_ttl = Some(ttl.into());
        self
    }
    /// Sets [`CreateWaitpointToken::timeout`].
    pub fn timeout(mut self, timeout: impl Into<String>) -> Self {
        self.timeout = Some(timeout.into());
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

/// A token just created. Serializes (for the C ABI) as `{"id","isCached","url",
/// "publicAccessToken"}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreatedWaitpointToken {
    /// `waitpoint_…`
    pub id: String,
    /// True when an idempotency key matched an existing token.
    #[serde(default)]
    pub is_cached: bool,
    /// A URL that completes the token when POSTed to (no credentials needed).
    pub url: String,
    /// A public access token scoped `write:waitpoints:<id>` (24 h), enough to complete it.
    #[serde(default)]
    pub public_access_token: Option<String>,
}

impl std::fmt::Debug for CreatedWaitpointToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedWaitpointToken")
            .field("id", &self.id)
            .field("is_cached", &self.is_cached)
            .field("url", &"<redacted>")
            .field(
                "public_access_token",
                &self.public_access_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A waitpoint token as listed or retrieved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WaitpointToken {
    /// `waitpoint_…`
    pub id: String,
    /// The completion URL.
    #[serde(default)]
    pub url: String,
    /// `WAITING`, `COMPLETED` or `TIMED_OUT`.
    pub status: String,
    /// When it was completed, ISO-8601.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// When it times out, ISO-8601.
    #[serde(default)]
    pub timeout_at: Option<String>,
    /// The idempotency key.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// When the idempotency key expires, ISO-8601.
    #[serde(default)]
    pub idempotency_key_expires_at: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Creation time, ISO-8601.
    pub created_at: String,
    /// The completion data as stored (retrieve only; see [`WaitpointToken::output_value`]).
    #[serde(default)]
    pub output: Option<String>,
    /// How `output` is encoded (`application/super+json`, `application/json`, `text/plain`).
    #[serde(default)]
    pub output_type: Option<String>,
    /// True when the token timed out (`output` then holds the error).
    #[serde(default)]
    pub output_is_error: bool,
    /// The waitpoint's type (`MANUAL` for tokens; retrieve only).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// When the token times out, ISO-8601 (as `timeout_at`).
    #[serde(default)]
    pub completed_after: Option<String>,
    /// Whether the idempotency key was given at creation (otherwise the server made one up;
    /// retrieve only).
    #[serde(default)]
    pub user_provided_idempotency_key: Option<bool>,
}

impl WaitpointToken {
    /// The completion data, decoded from `output` by `output_type` as the official SDK does
    /// (`None` when there is none or it cannot be decoded).
    pub fn output_value(&self) -> Option<serde_json::Value> {
        let output = self.output.as_deref()?;
        let kind = self.output_type.as_deref().unwrap_or("application/json");
        payload::decode_packet(output.as_bytes(), kind)
    }
}

/// Filters and paging of [`Waitpoints::list_tokens`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ListWaitpointTokensParams {
    /// Only these statuses (`WAITING`, `COMPLETED`, `TIMED_OUT`).
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub status: Vec<String>,
    /// Only the token with this idempotency key.
    pub idempotency_key: Option<String>,
    /// Only tokens with these tags.
    #[serde(default, deserialize_with = "one_or_many::deserialize")]
    pub tags: Vec<String>,
    /// Created within this period (`"1d"`).
    pub period: Option<String>,
    /// Created at or after this time, epoch milliseconds.
    pub from: Option<u64>,
    /// Created at or before this time, epoch milliseconds.
    pub to: Option<u64>,
    /// Page size.
    pub limit: Option<u32>,
    /// The cursor to list after.
    pub after: Option<String>,
    /// The cursor to list before.
    pub before: Option<String>,
}

impl ListWaitpointTokensParams {
    /// No filters.
    pub fn new() -> ListWaitpointTokensParams {
        ListWaitpointTokensParams::default()
    }
    /// Adds a status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status.push(status.into());
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Sets [`ListWaitpointTokensParams::limit`].
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> String {
        let mut q = Query::default();
        q.push_list("filter[status]", &self.status);
        q.push_opt("filter[idempotencyKey]", self.idempotency_key.as_deref());
        q.push_list("filter[tags]", &self.tags);
        q.push_opt("filter[createdAt][period]", self.period.as_deref());
        if let Some(from) = self.from.filter(|v| *v != 0) {
            q.push("filter[createdAt][from]", &from.to_string());
        }
        if let Some(to) = self.to.filter(|v| *v != 0) {
            q.push("filter[createdAt][to]", &to.to_string());
        }
        if let Some(l) = self.limit.filter(|l| *l != 0) {
            q.push("page[size]", &l.to_string());
        }
        q.push_opt("page[after]", self.after.as_deref());
        q.push_opt("page[before]", self.before.as_deref());
        q.into_string()
    }
}

/// A lazy iterator over every token a list matches; see [`Waitpoints::iter_tokens`].
pub type WaitpointTokensIter = PageIter<WaitpointToken, String>;

#[derive(Deserialize)]
struct CreateResponse {
    id: String,
    #[serde(default, rename = "isCached")]
    is_cached: bool,
    url: String,
}

/// `{"success": true}`, checked.
#[derive(Deserialize)]
pub(crate) struct Completed {
    #[serde(deserialize_with = "crate::json::literal_true")]
    #[allow(dead_code)]
    success: bool,
}

#[derive(Serialize)]
struct CompleteBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a RawJson>,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Waitpoint tokens.
    pub fn waitpoints(&self) -> Waitpoints {
        Waitpoints {
            client: self.clone(),
        }
    }
}

impl Waitpoints {
    /// Creates a waitpoint token (`POST /api/v1/waitpoints/tokens`). The answer carries its
    /// callback URL and a public access token that can complete it (`x-trigger-jwt`, or, as
    /// the official SDK, one signed here with the root secret key, valid 24 h).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::CreateWaitpointToken;
    ///
    /// let token = client.waitpoints().create_token(
    ///     &CreateWaitpointToken::new().timeout("1h").idempotency_key("approve-42").tag("approval"),
    /// )?;
    /// assert!(token.id.starts_with("waitpoint_"));
    /// assert!(token.public_access_token.is_some());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an idempotency key over 2048 characters;
    /// [`Error::UnsupportedCredential`] with a PAT or a public token; the API errors of
    /// [`Error`] otherwise.
    pub fn create_token(&self, options: &CreateWaitpointToken) -> Result<CreatedWaitpointToken> {
        if options
            .idempotency_key
            .as_ref()
            .is_some_and(|k| k.chars().count() > 2048)
        {
            return Err(Error::invalid(
                "options.idempotencyKey",
                "must be 2048 characters or less",
            ));
        }
        let call = Call::new(
            "wait.createToken",
            Method::POST,
            "/api/v1/waitpoints/tokens".to_owned(),
            Access::SecretKey { jwt: false },
        )
        .json(options)?;
        let reply = self.client.execute(&call)?;
        let created: CreateResponse = reply.json()?;
        let token = reply.jwt.clone().or_else(|| {
            let cfg = self.client.resolved();
            let key = credentials::signing_key(cfg)?;
            jwt::token_from_claims(
                key,
                reply.jwt_claims.as_deref().unwrap_or("{}"),
                format!("write:waitpoints:{}", created.id),
                cfg.clock.now(),
                Duration::from_secs(24 * 3600),
            )
        });
        Ok(CreatedWaitpointToken {
            id: created.id,
            is_cached: created.is_cached,
            url: created.url,
            public_access_token: token,
        })
    }

    /// One page of tokens (`GET /api/v1/waitpoints/tokens`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.waitpoints().create_token(&triggerdev::CreateWaitpointToken::new().tag("approval"))?;
    /// use triggerdev::ListWaitpointTokensParams;
    ///
    /// let page = client.waitpoints().list_tokens(&ListWaitpointTokensParams::new().status("WAITING"))?;
    /// assert_eq!(page.data[0].tags, ["approval"]);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The API errors of [`Error`].
    pub fn list_tokens(
        &self,
        params: &ListWaitpointTokensParams,
    ) -> Result<CursorPage<WaitpointToken>> {
        self.list_tokens_as(params)
    }

    pub(crate) fn list_tokens_as<T: Decoded<WaitpointToken>>(
        &self,
        params: &ListWaitpointTokensParams,
    ) -> Result<CursorPage<T>> {
        self.client.execute(&list_call(params))?.decoded()
    }

    /// Every token a list matches, one page at a time.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # for _ in 0..3 { client.waitpoints().create_token(&Default::default())?; }
    /// use triggerdev::ListWaitpointTokensParams;
    ///
    /// let all = client.waitpoints().iter_tokens(&ListWaitpointTokensParams::new().limit(2))?;
    /// assert_eq!(all.count(), 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A page that fails to load is the iterator's last item.
    pub fn iter_tokens(&self, params: &ListWaitpointTokensParams) -> Result<WaitpointTokensIter> {
        self.iter_tokens_as(params)
    }

    pub(crate) fn iter_tokens_as<T: Decoded<WaitpointToken> + Send + 'static>(
        &self,
        params: &ListWaitpointTokensParams,
    ) -> Result<PageIter<T, String>> {
        let client = self.client.clone();
        let params = params.clone();
        Ok(cursor_pages(move |cursor| {
            let mut p = params.clone();
            if let Some(c) = cursor {
                p.after = Some(c.clone());
            }
            client.execute(&list_call(&p))?.decoded()
        }))
    }

    /// One token, with its completion data once completed
    /// (`GET /api/v1/waitpoints/tokens/{id}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let created = client.waitpoints().create_token(&Default::default())?;
    /// client.waitpoints().complete_token(&created.id, &serde_json::json!({"approved": true}))?;
    /// let token = client.waitpoints().retrieve_token(&created.id)?;
    /// assert_eq!(token.status, "COMPLETED");
    /// assert_eq!(token.output_value(), Some(serde_json::json!({"approved": true})));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn retrieve_token(&self, token_id: &str) -> Result<WaitpointToken> {
        self.retrieve_token_as(token_id)
    }

    pub(crate) fn retrieve_token_as<T: Decoded<WaitpointToken>>(
        &self,
        token_id: &str,
    ) -> Result<T> {
        require("token_id", token_id)?;
        let call = Call::new(
            "wait.retrieveToken",
            Method::GET,
            format!(
                "/api/v1/waitpoints/tokens/{}",
                encode::path_segment(token_id)
            ),
            Access::SecretKey { jwt: false },
        );
        self.client.execute(&call)?.decoded()
    }

    /// Completes a token with `data` (`POST /api/v1/waitpoints/tokens/{id}/complete`); a run
    /// waiting on it resumes with the data. A client built from the token's public access
    /// token alone may call this.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::{Client, Config};
    ///
    /// let created = client.waitpoints().create_token(&Default::default())?;
    /// // Whoever approves needs only the token's public access token.
    /// let approver = Client::new(Config::new()
    ///     .access_token(created.public_access_token.unwrap())
    ///     .base_url(emulator.base_url()));
    /// approver.waitpoints().complete_token(&created.id, &serde_json::json!({"approved": true}))?;
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] with a public token for another waitpoint;
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn complete_token(&self, token_id: &str, data: &(impl Serialize + ?Sized)) -> Result<()> {
        let data = RawJson::new(data).map_err(|e| Error::invalid("data", e.to_string()))?;
        self.complete_token_as::<Completed>(token_id, Some(&data))
            .map(drop)
    }

    pub(crate) fn complete_token_as<T: Decoded<Completed>>(
        &self,
        token_id: &str,
        data: Option<&RawJson>,
    ) -> Result<T> {
        require("token_id", token_id)?;
        let call = Call::new(
            "wait.completeToken",
            Method::POST,
            format!(
                "/api/v1/waitpoints/tokens/{}/complete",
                encode::path_segment(token_id)
            ),
            Access::SecretKey { jwt: true },
        )
        .json(&CompleteBody { data })?;
        self.client.execute(&call)?.decoded()
    }
}

fn list_call(params: &ListWaitpointTokensParams) -> Call {
    Call::new(
        "wait.listTokens",
        Method::GET,
        "/api/v1/waitpoints/tokens".to_owned(),
        Access::SecretKey { jwt: false },
    )
    .query(params.query(), "params")
}
