//! What trigger `options` mean: checked and turned into [`RunOptions`] as the server does (for
//! triggers, batch items and session runs). Errors are the server's 400 messages.

use serde_json::{Map, Value};

use crate::model::runs::{Debounce, RunOptions};
use crate::util::{parse_duration_ms, parse_iso};

const MAX_TAGS: usize = 10;

const MAX_TAG_LEN: usize = 128;

const DEFAULT_IDEMPOTENCY_TTL_MS: i64 = 30 * 86_400_000;

const MACHINES: &[&str] = &[
    "micro",
    "small-1x",
    "small-2x",
    "medium-1x",
    "medium-2x",
    "large-1x",
    "large-2x",
];

/// A 400 message (the routes answer `{"error": msg}`).
fn bad(msg: impl AsRef<str>) -> String {
    msg.as_ref().to_string()
}

/// `tags` as a string or a list of strings, checked against the server's limits.
pub fn parse_tags(v: Option<&Value>) -> Result<Vec<String>, String> {
    let list: Vec<String> = match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(String::from)
                    .ok_or_else(|| bad("tags must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("tags must be a string or an array of strings")),
    };
    if let Some(t) = list
        .iter()
        .find(|t| t.is_empty() || t.chars().count() > MAX_TAG_LEN)
    {
        return Err(bad(format!(
            "Tags must be between 1 and {MAX_TAG_LEN} characters, got '{t}'"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for t in list {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// `^\d+[smhd]$`, else the server's 30-day default.
fn idempotency_ttl(s: Option<&str>) -> i64 {
    s.filter(|s| {
        s.len() >= 2
            && s[..s.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && matches!(s.as_bytes()[s.len() - 1], b's' | b'm' | b'h' | b'd')
    })
    .and_then(parse_duration_ms)
    .unwrap_or(DEFAULT_IDEMPOTENCY_TTL_MS)
}

/// Seconds as the server's duration string: weeks, days, hours, minutes, seconds, zero parts
/// left out (`3600` → `"1h"`, `90` → `"1m30s"`); `None` for 0.
pub fn stringify_duration(secs: u64) -> Option<String> {
    let parts = [
        (secs / 604_800, 'w'),
        (secs % 604_800 / 86_400, 'd'),
        (secs % 86_400 / 3_600, 'h'),
        (secs % 3_600 / 60, 'm'),
        (secs % 60, 's'),
    ];
    let text: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    (!text.is_empty()).then_some(text)
}

/// A delay as a duration (`"1h"`) or an absolute ISO date; returns the absolute time.
pub fn parse_delay(v: &Value, now: i64) -> Option<i64> {
    let s = v.as_str()?;
    parse_duration_ms(s)
        .map(|d| now + d)
        .or_else(|| parse_iso(s))
}

fn opt_str(o: &Map<String, Value>, k: &str) -> Result<Option<String>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("options.{k} must be a string"))),
    }
}

fn opt_num(o: &Map<String, Value>, k: &str) -> Result<Option<f64>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad(format!("options.{k} must be a number"))),
    }
}

/// Parses trigger `options` (also used for batch items and session runs). The
/// `idempotency-key` / `idempotency-key-ttl` headers, when given, win over the body.
pub fn parse_options(
    options: Option<&Value>,
    key_header: Option<&str>,
    ttl_header: Option<&str>,
    now: i64,
) -> Result<RunOptions, String> {
    let empty = Map::new();
    let o = match options {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad("options must be an object")),
    };
    let tags = parse_tags(o.get("tags"))?;
    if tags.len() > MAX_TAGS {
        return Err(bad(format!(
            "Runs can only have {MAX_TAGS} tags, you're trying to set {}",
            tags.len()
        )));
    }
    let metadata = match o.get("metadata") {
        None | Some(Value::Null) => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        Some(_) => return Err(bad("options.metadata must be an object")),
    };
    let idempotency_key = key_header
        .map(String::from)
        .or(opt_str(o, "idempotencyKey")?)
        .filter(|k| !k.is_empty());
    if idempotency_key.as_ref().is_some_and(|k| k.len() > 2048) {
        return Err(bad("options.idempotencyKey is too long"));
    }
    let ttl_text = ttl_header
        .map(String::from)
        .or(opt_str(o, "idempotencyKeyTTL")?);
    let delay_until_ms = match o.get("delay") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_delay(v, now).ok_or_else(|| bad(format!("Invalid delay: {}", v)))?),
    };
    // Seconds become the duration string the server stores and shows (`3600` → `"1h"`).
    let (ttl, ttl_ms) = match o.get("ttl") {
        None | Some(Value::Null) => (None, None),
        Some(Value::String(s)) => (
            Some(s.clone()),
            Some(parse_duration_ms(s).ok_or_else(|| bad(format!("Invalid ttl: {s}")))?),
        ),
        Some(Value::Number(n)) => match n.as_f64().filter(|f| *f >= 0.0) {
            Some(secs) => (
                stringify_duration(secs as u64),
                Some((secs * 1000.0) as i64),
            ),
            None => return Err(bad("options.ttl must be non-negative")),
        },
        Some(_) => return Err(bad("options.ttl must be a string or a number")),
    };
    let ttl_given = !matches!(o.get("ttl"), None | Some(Value::Null));
    let queue = match o.get("queue") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(q)) => q.get("name").and_then(Value::as_str).map(String::from),
        Some(_) => return Err(bad("options.queue must be an object")),
    };
    let machine = opt_str(o, "machine")?;
    if let Some(m) = machine.as_deref().filter(|m| !MACHINES.contains(m)) {
        let expected: Vec<String> = MACHINES.iter().map(|m| format!("'{m}'")).collect();
        return Err(bad(format!(
            "Validation error: Invalid enum value. Expected {}, received '{m}' at \"options.machine\"",
            expected.join(" | ")
        )));
    }
    let concurrency_key = match o.get("concurrencyKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(bad("options.concurrencyKey must be a string")),
    };
    let max_attempts = opt_num(o, "maxAttempts")?.map(|n| n.max(0.0) as u64);
    Ok(RunOptions {
        tags,
        metadata,
        idempotency_key,
        idempotency_ttl_ms: idempotency_ttl(ttl_text.as_deref()),
        delay_until_ms,
        ttl,
        ttl_given,
        // A zero TTL means "no TTL".
        ttl_ms: ttl_ms.filter(|t| *t > 0),
        version: opt_str(o, "lockToVersion")?,
        is_test: o.get("test").and_then(Value::as_bool).unwrap_or(false),
        queue,
        machine,
        concurrency_key,
        max_attempts,
        priority: opt_num(o, "priority")?,
        max_duration: opt_num(o, "maxDuration")?,
        region: opt_str(o, "region")?,
        debounce: None,
        raw: Value::Object(o.clone()),
    })
}

/// `payloadType` from the options, defaulting like the server.
pub fn payload_type(options: Option<&Value>) -> String {
    options
        .and_then(|o| o.get("payloadType"))
        .and_then(Value::as_str)
        .unwrap_or("application/json")
        .to_string()
}

/// `options.debounce` `{key, delay, mode?, maxDelay?}`, with its times resolved against `now`.
pub fn parse_debounce(options: Option<&Value>, now: i64) -> Result<Option<Debounce>, String> {
    let Some(d) = options
        .and_then(|o| o.get("debounce"))
        .filter(|d| !d.is_null())
    else {
        return Ok(None);
    };
    let key = d
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty() && k.len() <= 512)
        .ok_or_else(|| bad("options.debounce.key must be a string of 1 to 512 characters"))?;
    let delay = |field: &str| -> Result<Option<i64>, String> {
        match d.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(parse_duration_ms)
                .map(Some)
                .ok_or_else(|| bad(format!("Invalid options.debounce.{field}: {v}"))),
        }
    };
    let until_ms =
        now + delay("delay")?.ok_or_else(|| bad("options.debounce.delay is required"))?;
    Ok(Some(Debounce {
        key: key.to_string(),
        until_ms,
        max_until_ms: delay("maxDelay")?.map(|m| now + m),
        trailing: d.get("mode").and_then(Value::as_str) == Some("trailing"),
    }))
}
