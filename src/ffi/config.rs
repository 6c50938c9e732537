//! `Config` from the official SDK's option names, as JSON.
//!
//! Parsed by hand rather than with serde so that no error message can echo a value: a token in
//! the wrong field must not end up in a log.

use std::time::Duration;

use serde_json::{Map, Value};

use super::boundary::{parse_json, FfiResult};
use super::error::trigger_error;
use crate::config::{Config, RequestOptions, RetryPolicy};

/// Which token field wins when both `accessToken` and `secretKey` are given (API.md §1.2): the
/// global path prefers `secretKey`, scopes and clients prefer `accessToken`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Precedence {
    /// `trigger_configure`.
    Global,
    /// `trigger_client_new`, `trigger_auth_push`.
    Scoped,
}

const FIELDS: &str = "`accessToken`, `secretKey`, `baseURL`, `previewBranch`, `requestOptions`, \
                      `inheritContext`, `userAgentSuffix`, `externalDeploymentId`";
const REQUEST_FIELDS: &str = "`retry`, `timeoutMs`, `additionalHeaders`";
const RETRY_FIELDS: &str =
    "`maxAttempts`, `factor`, `minTimeoutInMs`, `maxTimeoutInMs`, `randomize`";

/// Milliseconds above this (about 31 years) are refused rather than overflowing.
const MAX_MS: f64 = 1e12;

/// Builds a [`Config`] from `text` (`None` = everything from the environment).
pub(crate) fn parse(text: Option<&str>, arg: &str, precedence: Precedence) -> FfiResult<Config> {
    let Some(text) = text else {
        return Ok(Config::new());
    };
    let value: Value = parse_json(text, arg)?;
    let Value::Object(map) = value else {
        return Err(trigger_error::invalid(
            arg,
            format_args!("must be a JSON object, not {}", kind(&value)),
        ));
    };
    let p = Path { arg };
    let mut config = Config::new();
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
                    config = config.request_options(request_options(&p, options)?);
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

fn request_options(p: &Path, map: &Map<String, Value>) -> FfiResult<RequestOptions> {
    let mut options = RequestOptions::new();
    for (key, value) in map {
        let field = format!("requestOptions.{key}");
        match key.as_str() {
            "retry" => {
                if let Some(retry) = p.object(&field, value)? {
                    options = options.retry(retry_policy(p, retry)?);
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
            other => return Err(p.unknown("requestOptions.", other, REQUEST_FIELDS)),
        }
    }
    Ok(options)
}

fn retry_policy(p: &Path, map: &Map<String, Value>) -> FfiResult<RetryPolicy> {
    let mut policy = RetryPolicy::default();
    for (key, value) in map {
        let field = format!("requestOptions.retry.{key}");
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
            other => return Err(p.unknown("requestOptions.retry.", other, RETRY_FIELDS)),
        }
    }
    Ok(policy)
}

/// Error messages that name the field, never its value.
struct Path<'a> {
    arg: &'a str,
}

impl Path<'_> {
    fn error(&self, field: &str, why: &str) -> trigger_error {
        trigger_error::invalid(self.arg, format_args!("`{field}` {why}"))
    }

    fn unknown(&self, prefix: &str, key: &str, expected: &str) -> trigger_error {
        trigger_error::invalid(
            self.arg,
            format_args!("unknown field `{prefix}{key}`, expected one of {expected}"),
        )
    }

    fn string<'v>(&self, field: &str, value: &'v Value) -> FfiResult<Option<&'v str>> {
        match value {
            Value::String(s) => Ok(Some(s)),
            Value::Null => Ok(None),
            other => Err(self.error(field, &format!("must be a string, not {}", kind(other)))),
        }
    }

    fn boolean(&self, field: &str, value: &Value) -> FfiResult<Option<bool>> {
        match value {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Null => Ok(None),
            other => Err(self.error(field, &format!("must be a boolean, not {}", kind(other)))),
        }
    }

    fn object<'v>(
        &self,
        field: &str,
        value: &'v Value,
    ) -> FfiResult<Option<&'v Map<String, Value>>> {
        match value {
            Value::Object(m) => Ok(Some(m)),
            Value::Null => Ok(None),
            other => Err(self.error(field, &format!("must be an object, not {}", kind(other)))),
        }
    }

    fn millis(&self, field: &str, value: &Value) -> FfiResult<Option<Duration>> {
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

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
