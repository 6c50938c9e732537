//! Alert webhooks: checking that a request to your alert URL came from Trigger.dev, and decoding
//! its event (the official SDK's `webhooks.constructEvent`). No request is made and no client
//! or configuration is needed.
//!
//! Trigger.dev POSTs JSON to the URL of a webhook alert with the header
//! [`SIGNATURE_HEADER`]: the lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the
//! alert's secret (no timestamp, no prefix). Pass the body as received, before any JSON parser
//! touches it: a re-serialized body no longer matches its signature.
//!
//! ```
//! use triggerdev::webhooks::{self, Alert};
//!
//! # let body = br#"{"id":"w1","created":"2026-01-01T00:00:00.000Z","webhookVersion":"2026-08-02","type":"alert.dashboard_agent_watch","object":{}}"#;
//! # let header = Some("42c25221c4d790816d36a724067df681576c7a5231bf6e8f4276a7d7c7020f22");
//! # let secret = "whsec_test";
//! // `body`: the request's raw bytes; `header`: its x-trigger-signature-hmacsha256 header.
//! match webhooks::construct_event(body, header, secret) {
//!     Ok(event) => match &event.alert {
//!         Alert::RunFailed(alert) => println!("run {} failed", alert.run.id),
//!         Alert::DeploymentFailed(alert) => println!("deploy {} failed", alert.deployment.version),
//!         _ => println!("{} ({})", event.event_type(), event.id),
//!     },
//!     Err(e) => println!("answer 400: {e}"),
//! }
//! # assert!(webhooks::construct_event(body, header, secret).is_ok());
//! ```

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::json::{serde_message, Decoded};
use crate::raw_json::RawJson;
use crate::resources::RunStatus;

pub use crate::error::WebhookError;
/// How a run failed, as in batch results.
pub use crate::resources::TaskRunError;

/// The request header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-trigger-signature-hmacsha256";

/// Verifies an alert webhook's request and decodes its event.
///
/// `payload` is the raw request body, `signature` the value of the
/// `x-trigger-signature-hmacsha256` header (`None` when the request has none), `secret` the
/// webhook alert's secret. The signature must be the lower-case hex HMAC-SHA256 of `payload`
/// keyed with `secret`; it is compared in constant time. An event of a type this SDK does not
/// know (the server also sends `alert.dashboard_agent_watch`) is verified and returned as
/// [`Alert::Other`], where the official SDK fails.
///
/// # Errors
///
/// - [`Error::InvalidArgument`] (`secret`) when `secret` is empty;
/// - [`Error::Webhook`] with [`WebhookError::MissingSignature`] when `signature` is `None` or
///   empty, [`WebhookError::InvalidSignature`] when it does not match (another secret,
///   upper-case hex, a body changed after signing), [`WebhookError::InvalidPayload`] when the
///   signed body is not JSON, not an event, or an event of a known type whose `object` does not
///   decode.
pub fn construct_event(
    payload: &[u8],
    signature: Option<&str>,
    secret: &str,
) -> Result<WebhookEvent> {
    construct_event_as(payload, signature, secret)
}

/// [`construct_event`], returning any [`Decoded`] form of the event (the C ABI keeps the body's
/// text beside it).
pub(crate) fn construct_event_as<D: Decoded<WebhookEvent>>(
    payload: &[u8],
    signature: Option<&str>,
    secret: &str,
) -> Result<D> {
    verify(payload, signature, secret)?;
    let text = std::str::from_utf8(payload).map_err(|e| {
        invalid_payload(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let event = decode(text)?;
    Ok(D::from_model(event, text.to_owned()))
}

/// Checks `signature` against the HMAC-SHA256 of `payload` keyed with `secret`.
fn verify(payload: &[u8], signature: Option<&str>, secret: &str) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::invalid(
            "secret",
            "must not be empty (it is the webhook alert's secret, shown when the alert is created)",
        ));
    }
    let signature = match signature {
        Some(s) if !s.is_empty() => s,
        _ => return Err(Error::Webhook(WebhookError::MissingSignature)),
    };
    // The official SDK compares the hex text exactly, so upper-case hex is refused too.
    let mac = lower_hex(signature).ok_or(Error::Webhook(WebhookError::InvalidSignature))?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(&key, payload, &mac)
        .map_err(|_| Error::Webhook(WebhookError::InvalidSignature))
}

/// The 32 bytes of 64 lower-case hex digits; `None` for anything else.
fn lower_hex(text: &str) -> Option<[u8; 32]> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

fn invalid_payload(message: String) -> Error {
    Error::Webhook(WebhookError::InvalidPayload { message })
}

/// The members every event has; `object` is decoded by `type` afterwards.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    id: String,
    created: String,
    webhook_version: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(borrow)]
    object: &'a RawValue,
}

/// Decodes a verified body: the envelope, then the `object` of a known type (an error names
/// where in the body it is, without the body's string values).
fn decode(text: &str) -> Result<WebhookEvent> {
    let envelope: Envelope = at_path(text, "")?;
    let object = envelope.object.get();
    let alert = match envelope.event_type.as_str() {
        "alert.run.failed" => Alert::RunFailed(at_path(object, "object")?),
        "alert.deployment.success" => Alert::DeploymentSuccess(at_path(object, "object")?),
        "alert.deployment.failed" => Alert::DeploymentFailed(at_path(object, "object")?),
        "alert.error" => Alert::Error(at_path(object, "object")?),
        _ => Alert::Other {
            event_type: envelope.event_type,
            object: RawJson(envelope.object.to_owned()),
        },
    };
    Ok(WebhookEvent {
        id: envelope.id,
        created: envelope.created,
        webhook_version: envelope.webhook_version,
        alert,
    })
}

/// Decodes `text` into `T`; an error says where (`object.run.status: ...`), under `prefix`.
fn at_path<'de, T: Deserialize<'de>>(text: &'de str, prefix: &str) -> Result<T> {
    let fail = |path: String, e: &serde_json::Error| {
        let kind = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "malformed JSON: "
            }
            _ => "",
        };
        // A position is one in the body only for the envelope; elsewhere the path says where.
        let (message, position) = serde_message(e);
        // Words rather than the Rust type, for the bindings' users too.
        let message = message.replace("expected u64", "expected a non-negative integer");
        invalid_payload(match (prefix, path.as_str()) {
            ("", "") => format!("{kind}{message}{position}"),
            (p, "") => format!("`{p}`: {kind}{message}"),
            ("", p) => format!("`{p}`: {kind}{message}"),
            (p, rest) => format!("`{p}.{rest}`: {kind}{message}"),
        })
    };
    // Serde would fill a struct from an array, by position: only an object is an event.
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => invalid_payload(format!(
                "{} must be a JSON object, not {}",
                if prefix.is_empty() {
                    "the body"
                } else {
                    "`object`"
                },
                crate::json::type_name(&value)
            )),
            Err(e) => fail(String::new(), &e),
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| fail(path_text(e.path()), e.inner()))?;
    de.end().map_err(|e| fail(String::new(), &e))?;
    Ok(value)
}

/// Where in a JSON value serde stopped, as `run.tags[0]` (empty at the top).
fn path_text(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// A verified alert webhook event.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event id.
    pub id: String,
    /// When the event was created, ISO-8601.
    pub created: String,
    /// The payload's version (`webhookVersion`).
    pub webhook_version: String,
    /// The alert, by the event's `type`.
    pub alert: Alert,
}

impl WebhookEvent {
    /// The event's `type` (`alert.run.failed`, ..., or the type of an [`Alert::Other`]).
    pub fn event_type(&self) -> &str {
        match &self.alert {
            Alert::RunFailed(_) => "alert.run.failed",
            Alert::DeploymentSuccess(_) => "alert.deployment.success",
            Alert::DeploymentFailed(_) => "alert.deployment.failed",
            Alert::Error(_) => "alert.error",
            Alert::Other { event_type, .. } => event_type,
        }
    }
}

/// Decodes an event without verifying it (as [`construct_event`] does after the signature
/// check): for bodies checked before, or stored.
impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<WebhookEvent, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        decode(raw.get()).map_err(|e| match e {
            Error::Webhook(WebhookError::InvalidPayload { message }) => D::Error::custom(message),
            other => D::Error::custom(other),
        })
    }
}

/// Serializes as the wire's `{id, created, webhookVersion, type, object}`.
impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("created", &self.created)?;
        map.serialize_entry("webhookVersion", &self.webhook_version)?;
        map.serialize_entry("type", self.event_type())?;
        match &self.alert {
            Alert::RunFailed(a) => map.serialize_entry("object", a)?,
            Alert::DeploymentSuccess(a) => map.serialize_entry("object", a)?,
            Alert::DeploymentFailed(a) => map.serialize_entry("object", a)?,
            Alert::Error(a) => map.serialize_entry("object", a)?,
            Alert::Other { object, .. } => map.serialize_entry("object", object)?,
        }
        map.end()
    }
}

/// An event's alert, by its `type`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Alert {
    /// `alert.run.failed`: a run failed.
    RunFailed(RunFailedAlert),
    /// `alert.deployment.success`: a deployment finished.
    DeploymentSuccess(DeploymentSuccessAlert),
    /// `alert.deployment.failed`: a deployment failed.
    DeploymentFailed(DeploymentFailedAlert),
    /// `alert.error`: an error group is new, regressed or no longer ignored.
    Error(ErrorAlert),
    /// A type this SDK does not know (such as `alert.dashboard_agent_watch`), verified but not
    /// decoded.
    Other {
        /// The event's `type`.
        event_type: String,
        /// The event's `object`, as sent.
        object: RawJson,
    },
}

/// The object of `alert.run.failed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunFailedAlert {
    /// The task.
    pub task: AlertTask,
    /// The run.
    pub run: AlertRun,
    /// The environment.
    pub environment: AlertEnvironment,
    /// The organization.
    pub organization: AlertOrganization,
    /// The project.
    pub project: AlertProject,
}

/// The task of a failed run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertTask {
    /// The task id.
    pub id: String,
    /// The file that defines it.
    pub file_path: String,
    /// The name it is exported as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_name: Option<String>,
    /// The worker version.
    pub version: String,
    /// The SDK version of the deployment.
    pub sdk_version: String,
    /// The CLI version of the deployment.
    pub cli_version: String,
}

/// The run of `alert.run.failed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertRun {
    /// The run id.
    pub id: String,
    /// The run's number.
    pub number: u64,
    /// The status.
    pub status: RunStatus,
    /// Creation time, ISO-8601.
    pub created_at: String,
    /// Start time, ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Finish time, ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// A test run.
    pub is_test: bool,
    /// The idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// How it failed.
    pub error: TaskRunError,
    /// It ran out of memory.
    pub is_out_of_memory_error: bool,
    /// The machine preset (`small-1x`, ...).
    pub machine: String,
    /// The run's page in the dashboard.
    pub dashboard_url: String,
}

/// The type of an environment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvironmentType {
    /// Production.
    Production,
    /// Staging.
    Staging,
    /// Development.
    Development,
    /// A preview branch.
    Preview,
    /// A type this SDK does not know yet.
    #[serde(untagged)]
    Unknown(String),
}

/// The environment of a run or deployment alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertEnvironment {
    /// The environment id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub env_type: EnvironmentType,
    /// Its slug (`prod`, `dev`, ...).
    pub slug: String,
    /// The branch of a preview environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
}

/// The organization an alert is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlertOrganization {
    /// The organization id.
    pub id: String,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
}

/// The project an alert is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlertProject {
    /// The project id.
    pub id: String,
    /// Its ref (`proj_...`).
    #[serde(rename = "ref")]
    pub project_ref: String,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
}

/// The object of `alert.deployment.success`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeploymentSuccessAlert {
    /// The deployment.
    pub deployment: DeployedDeployment,
    /// The tasks it deployed.
    pub tasks: Vec<DeployedTask>,
    /// The environment.
    pub environment: AlertEnvironment,
    /// The organization.
    pub organization: AlertOrganization,
    /// The project.
    pub project: AlertProject,
    /// The commit it was built from, when it came from git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<AlertGit>,
    /// The Vercel deployment, when Vercel started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vercel: Option<AlertVercel>,
}

/// The object of `alert.deployment.failed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeploymentFailedAlert {
    /// The deployment.
    pub deployment: FailedDeployment,
    /// The tasks it would have deployed (empty when the server sent none).
    #[serde(default)]
    pub tasks: Vec<DeployedTask>,
    /// The environment.
    pub environment: AlertEnvironment,
    /// The organization.
    pub organization: AlertOrganization,
    /// The project.
    pub project: AlertProject,
    /// The commit it was built from, when it came from git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<AlertGit>,
    /// The Vercel deployment, when Vercel started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vercel: Option<AlertVercel>,
    /// Why it failed.
    pub error: DeployError,
}

/// A deployment that finished.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeployedDeployment {
    /// The deployment id.
    pub id: String,
    /// Its status (`DEPLOYED`).
    pub status: String,
    /// The version it deployed.
    pub version: String,
    /// Its short code.
    pub short_code: String,
    /// When it was deployed, ISO-8601.
    pub deployed_at: String,
}

/// A deployment that failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FailedDeployment {
    /// The deployment id.
    pub id: String,
    /// Its status (`FAILED`, `TIMED_OUT`, ...).
    pub status: String,
    /// The version it was to deploy.
    pub version: String,
    /// Its short code.
    pub short_code: String,
    /// When it failed, ISO-8601.
    pub failed_at: String,
}

/// A task of a deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeployedTask {
    /// The task id.
    pub id: String,
    /// The file that defines it.
    pub file_path: String,
    /// The name it is exported as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_name: Option<String>,
    /// What triggers it (`STANDARD`, `SCHEDULED`).
    pub trigger_source: String,
}

/// The git commit of a deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertGit {
    /// The branch.
    pub branch: String,
    /// The commit SHA.
    pub commit_sha: String,
    /// The commit message.
    pub commit_message: String,
    /// The commit's page.
    pub commit_url: String,
    /// The branch's page.
    pub branch_url: String,
    /// The pull request's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request_number: Option<u64>,
    /// The pull request's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request_title: Option<String>,
    /// The pull request's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request_url: Option<String>,
    /// The git host (`github`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// The Vercel deployment of a deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertVercel {
    /// The Vercel deployment's URL.
    pub deployment_url: String,
}

/// Why a deployment failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeployError {
    /// The error's name.
    pub name: String,
    /// Its message.
    pub message: String,
    /// Its stack trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// The build's standard error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

/// The object of `alert.error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorAlert {
    /// Why the alert fired.
    pub classification: ErrorClassification,
    /// The error group.
    pub error: ErrorGroup,
    /// The environment.
    pub environment: ErrorAlertEnvironment,
    /// The organization.
    pub organization: AlertOrganization,
    /// The project.
    pub project: AlertProject,
    /// The error's page in the dashboard.
    pub dashboard_url: String,
}

/// Why an `alert.error` fired.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClassification {
    /// An error not seen before.
    NewIssue,
    /// An error that was resolved came back.
    Regression,
    /// An error that was ignored is no longer.
    Unignored,
    /// A classification this SDK does not know yet.
    #[serde(untagged)]
    Unknown(String),
}

/// An error group of `alert.error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorGroup {
    /// What groups the occurrences.
    pub fingerprint: String,
    /// The error's type (`TypeError`, ...).
    #[serde(rename = "type")]
    pub error_type: String,
    /// The message.
    pub message: String,
    /// A stack trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<String>,
    /// First occurrence, ISO-8601.
    pub first_seen: String,
    /// Last occurrence, ISO-8601.
    pub last_seen: String,
    /// How many times it happened.
    pub occurrence_count: u64,
    /// The task it happened in.
    pub task_identifier: String,
}

/// The environment of `alert.error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorAlertEnvironment {
    /// The environment id.
    pub id: String,
    /// Its name.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::lower_hex;

    #[test]
    fn hex_is_64_lower_case_digits() {
        let lower = "00ff".repeat(16);
        assert_eq!(lower_hex(&lower).unwrap()[..2], [0x00, 0xff]);
        assert_eq!(lower_hex(&lower.to_uppercase()), None);
        assert_eq!(lower_hex(&lower[..62]), None);
        assert_eq!(lower_hex(&format!("{lower}00")), None);
        assert_eq!(lower_hex(&"0g".repeat(32)), None);
        assert_eq!(lower_hex(&"é".repeat(32)), None);
    }
}
