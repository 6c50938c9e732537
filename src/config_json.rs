//! `Config` from the official SDK's option names, as JSON (what the C ABI and the bindings
//! pass).
//!
//! Parsed by hand rather than with serde so that no error message can echo a value: a token in
//! the wrong field must not end up in a log.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::config::{Config, RequestOptions, RetryPolicy};
use crate::json::{serde_message, type_name};

/// A configuration JSON argument that cannot be used: the C argument (`config_json`), the
/// field at fault (`requestOptions.timeoutMs`; none for the whole text) and why. Turned into
/// the C ABI's error by `From` (in `ffi::error`).
#[derive(Debug)]
pub(crate) struct JsonError {
    pub(crate) arg: &'static str,
    pub(crate) field: Option<String>,
    pub(crate) reason: String,
    /// Where in the text serde stopped (` at line 1 column 9`), for malformed JSON.
    pub(crate) position: String,
}

type Result<T> = std::result::Result<T, JsonError>;

/// Which token field wins when both `accessToken` and `secretKey` are given
/// (`docs/design.md#configuration`): the global path prefers `secretKey`, scopes and clients
/// prefer `accessToken`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Precedence {
    /// `trigger_configure`.
    Global,
    /// `trigger_client_new`, `trigger_auth_push`.
    Scoped,
}

const FIELDS: &str =
    "`accessToken`, `secretKey`, `baseURL`, `previewBranch`, `devBranch`, `requestOptions`, \
                      `inheritContext`, `userAgentSuffix`, `externalDeploymentId`, `future`, \
                      `dangerouslyAllowInsecureHttp`, `maxResponseBytes`, `caBundlePath`, \
                      `caBundlePem`, `usePlatformTrustStore`";
const REQUEST_FIELDS: &str = "`retry`, `timeoutMs`, `additionalHeaders`";
const RETRY_FIELDS: &str = "`maxAttempts`, `factor`, `minTimeoutInMs`, `maxTimeoutInMs`, \
                            `randomize`, `maxRateLimitWaitMs`";
const FUTURE_FIELDS: &str = "`v2RealtimeStreams`";

/// Milliseconds above this (about 31 years) are refused rather than overflowing.
const MAX_MS: f64 = 1e12;

/// Parses `text` as a JSON object; errors name `arg` and never echo a string value.
fn object(text: &str, arg: &'static str) -> Result<Map<String, Value>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let (message, position) = serde_message(&e);
        JsonError {
            arg,
            field: None,
            reason: format!("malformed JSON: {message}"),
            position,
        }
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(JsonError {
            arg,
            field: None,
            reason: format!("must be a JSON object, not {}", type_name(&other)),
            position: String::new(),
        }),
    }
}

/// Builds a [`Config`] from `text` (`None` = everything from the environment).
pub(crate) fn parse(
    text: Option<&str>,
    arg: &'static str,
    precedence: Precedence,
) -> Result<Config> {
    let Some(text) = text else {
        return Ok(Config::new());
    };
    let map = object(text, arg)?;
    let p = Path { arg };
    let mut config = Config::new();
    let set = |key: &str| map.get(key).is_some_and(|v| !v.is_null());
    if set("caBundlePath") && set("caBundlePem") {
        return Err(p.error(
            "caBundlePem",
            "cannot be combined with `caBundlePath`: give one",
        ));
    }
    let mut access_token = None;
    let mut secret_key = None;
    for (key, value) in &map {
        match key.as_str() {
            "accessToken" => access_token = p.string(key, value)?,
            "secretKey" => secret_key = p.string(key, value)?,
            "baseURL" => {
                if let Some(url) = p.string(key, value)? {
                    config = config.base_url(url);
                }
            }
            "previewBranch" => {
                if let Some(branch) = p.string(key, value)? {
                    config = config.preview_branch(branch);
                }
            }
            "devBranch" => {
                if let Some(branch) = p.string(key, value)? {
                    config = config.dev_branch(branch);
                }
            }
            "inheritContext" => {
                if let Some(inherit) = p.boolean(key, value)? {
                    config = config.inherit_context(inherit);
                }
            }
            "userAgentSuffix" => {
                if let Some(suffix) = p.string(key, value)? {
                    config = config.user_agent_suffix(suffix);
                }
            }
            "externalDeploymentId" => {
                if let Some(id) = p.string(key, value)? {
                    config = config.external_deployment_id(id);
                }
            }
            "requestOptions" => {
                if let Some(options) = p.object(key, value)? {
                    config =
                        config.request_options(request_options(&p, "requestOptions.", options)?);
                }
            }
            "future" => {
                if let Some(future) = p.object(key, value)? {
                    for (k, v) in future {
                        match k.as_str() {
                            "v2RealtimeStreams" => {
                                if let Some(v2) = p.boolean("future.v2RealtimeStreams", v)? {
                                    config = config.v2_realtime_streams(v2);
                                }
                            }
                            other => return Err(p.unknown("future.", other, FUTURE_FIELDS)),
                        }
                    }
                }
            }
            "dangerouslyAllowInsecureHttp" => {
                if let Some(allow) = p.boolean(key, value)? {
                    config = config.dangerously_allow_insecure_http(allow);
                }
            }
            "maxResponseBytes" => {
                if !value.is_null() {
                    let n = value
                        .as_u64()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| p.error(key, "must be a positive integer"))?;
                    config = config.max_response_bytes(n);
                }
            }
            "caBundlePath" => {
                if let Some(path) = p.string(key, value)? {
                    config = config.ca_bundle_path(path);
                }
            }
            "caBundlePem" => {
                if let Some(pem) = p.string(key, value)? {
                    config = config.ca_bundle_pem(pem);
                }
            }
            "usePlatformTrustStore" => {
                if let Some(platform) = p.boolean(key, value)? {
                    config = config.use_platform_trust_store(platform);
                }
            }
            other => return Err(p.unknown("", other, FIELDS)),
        }
    }
    let token = match precedence {
        Precedence::Global => secret_key.or(access_token),
        Precedence::Scoped => access_token.or(secret_key),
    };
    if let Some(token) = token {
        config = config.access_token(token);
    }
    Ok(config)
}

/// Builds [`RequestOptions`] from `text` (`{"retry":…,"timeoutMs":…,"additionalHeaders":…}`).
pub(crate) fn parse_request_options(text: &str, arg: &'static str) -> Result<RequestOptions> {
    request_options(&Path { arg }, "", &object(text, arg)?)
}

fn request_options(p: &Path, prefix: &str, map: &Map<String, Value>) -> Result<RequestOptions> {
    let mut options = RequestOptions::new();
    for (key, value) in map {
        let field = format!("{prefix}{key}");
        match key.as_str() {
            "retry" => {
                if let Some(retry) = p.object(&field, value)? {
                    options = options.retry(retry_policy(p, &field, retry)?);
                }
            }
            "timeoutMs" => {
                if let Some(ms) = p.millis(&field, value)? {
                    if ms.is_zero() {
                        return Err(p.error(&field, "must be greater than 0"));
                    }
                    options = options.timeout(ms);
                }
            }
            "additionalHeaders" => {
                if let Some(headers) = p.object(&field, value)? {
                    for (name, value) in headers {
                        match value {
                            Value::String(v) => options = options.header(name.clone(), v.clone()),
                            Value::Null => {}
                            _ => {
                                let field = format!("{field}.{name}");
                                return Err(p.error(&field, "must be a string"));
                            }
                        }
                    }
                }
            }
            other => return Err(p.unknown(prefix, other, REQUEST_FIELDS)),
        }
    }
    Ok(options)
}

fn retry_policy(p: &Path, prefix: &str, map: &Map<String, Value>) -> Result<RetryPolicy> {
    let mut policy = RetryPolicy::default();
    for (key, value) in map {
        let field = format!("{prefix}.{key}");
        match key.as_str() {
            "maxAttempts" => {
                if !value.is_null() {
                    let n = value
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| p.error(&field, "must be a non-negative integer"))?;
                    policy.max_attempts = n;
                }
            }
            "factor" => {
                if !value.is_null() {
                    let f = value
                        .as_f64()
                        .filter(|f| f.is_finite() && *f > 0.0 && *f <= 1e6)
                        .ok_or_else(|| p.error(&field, "must be a positive number"))?;
                    policy.factor = f;
                }
            }
            "minTimeoutInMs" => {
                if let Some(d) = p.millis(&field, value)? {
                    policy.min_delay = d;
                }
            }
            "maxTimeoutInMs" => {
                if let Some(d) = p.millis(&field, value)? {
                    policy.max_delay = d;
                }
            }
            "randomize" => {
                if let Some(r) = p.boolean(&field, value)? {
                    policy.randomize = r;
                }
            }
            "maxRateLimitWaitMs" => {
                if let Some(d) = p.millis(&field, value)? {
                    policy.max_rate_limit_wait = d;
                }
            }
            other => return Err(p.unknown(&format!("{prefix}."), other, RETRY_FIELDS)),
        }
    }
    Ok(policy)
}

/// Error messages that name the field, never its value.
struct Path {
    arg: &'static str,
}

impl Path {
    fn error(&self, field: &str, why: &str) -> JsonError {
        JsonError {
            arg: self.arg,
            field: Some(field.to_owned()),
            reason: why.to_owned(),
            position: String::new(),
        }
    }

    fn unknown(&self, prefix: &str, key: &str, expected: &str) -> JsonError {
        JsonError {
            arg: self.arg,
            field: None,
            reason: format!(
                "unknown field `{prefix}{}`, expected one of {expected}",
                crate::shown::Shown(key).to_string().trim_matches('`')
            ),
            position: String::new(),
        }
    }

    fn string<'v>(&self, field: &str, value: &'v Value) -> Result<Option<&'v str>> {
        match value {
            Value::String(s) => Ok(Some(s)),
            Value::Null => Ok(None),
            other => Err(self.error(
                field,
                &format!("must be a string, not {}", type_name(other)),
            )),
        }
    }

    fn boolean(&self, field: &str, value: &Value) -> Result<Option<bool>> {
        match value {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Null => Ok(None),
            other => Err(self.error(
                field,
                &format!("must be a boolean, not {}", type_name(other)),
            )),
        }
    }

    fn object<'v>(&self, field: &str, value: &'v Value) -> Result<Option<&'v Map<String, Value>>> {
        match value {
            Value::Object(m) => Ok(Some(m)),
            Value::Null => Ok(None),
            other => Err(self.error(
                field,
                &format!("must be an object, not {}", type_name(other)),
            )),
        }
    }

    fn millis(&self, field: &str, value: &Value) -> Result<Option<Duration>> {
        if value.is_null() {
            return Ok(None);
        }
        value
            .as_f64()
            .filter(|ms| ms.is_finite() && (0.0..=MAX_MS).contains(ms))
            .map(|ms| Some(Duration::from_secs_f64(ms / 1000.0)))
            .ok_or_else(|| self.error(field, "must be a non-negative number of milliseconds"))
    }
}
