//! The shape protocol of the realtime run feeds (Electric 1.0 long poll;
//! `docs/wire.md#realtime-shape-protocol`): requests, the state kept between them, the rows
//! they deliver.
//!
//! A [`Shape`] sends the first request (`offset=-1`), pages until `up-to-date`, then long-polls
//! live (`live=true`, the server holds the request about 20 s). Each response that ends with
//! `up-to-date` gives the rows that changed since the last one, in the order they first
//! changed; [`Shape::next_rows`] returns them. A 409 (the shape was rotated) restarts with the
//! new handle; 429, 5xx and connection errors are retried with the same URL after a back-off,
//! so nothing is lost or repeated; other 4xx end the shape with the API error. Unlike the
//! official client, a 2xx that lacks a required `electric-*` header or holds a malformed body
//! is a typed error, not a silent stall, and a row the caller has seen is not handed out again
//! after a restart.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Map, Value};
use ureq::http::{HeaderValue, Method};

use crate::cancel::Watch;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::{Error, Result};
use crate::transport::{self, Call};

/// Sent on every request: without it servers answer in the pre-1.0 dialect.
const ELECTRIC_VERSION: &str = "1.0.0-beta.1";
/// The response headers the protocol reads.
const HEADERS: &[&str] = &[
    "electric-handle",
    "electric-offset",
    "electric-schema",
    "electric-cursor",
    "content-type",
];

/// A row: its columns, decoded by the shape's schema.
pub(crate) type Row = Map<String, Value>;

/// One shape URL and what its responses taught.
pub(crate) struct Shape {
    operation: &'static str,
    path: String,
    /// The call's own parameters (`tags`, `createdAt`, `skipColumns`), not encoded.
    params: Vec<(&'static str, String)>,
    handle: Option<String>,
    offset: String,
    /// `electric-cursor`; empty until one is seen.
    cursor: String,
    live: bool,
    /// Column name -> `{"type": …, "dims"?: 1}`, from the first `electric-schema`.
    schema: Option<Map<String, Value>>,
    /// The handle a 409 replaced: sent as `expired_handle` on every later request.
    expired: Option<String>,
    rows: HashMap<String, Row>,
    /// Keys changed since the last rows were handed out, in the order they first changed.
    changed: Vec<String>,
    changed_set: HashSet<String>,
    /// What was last handed out per key, so that a restart does not repeat it.
    handed_out: HashMap<String, Row>,
    /// Failed requests in a row (drives the back-off).
    failures: u32,
}

impl Shape {
    pub(crate) fn new(
        operation: &'static str,
        path: String,
        params: Vec<(&'static str, String)>,
    ) -> Shape {
        Shape {
            operation,
            path,
            params,
            handle: None,
            offset: "-1".to_owned(),
            cursor: String::new(),
            live: false,
            schema: None,
            expired: None,
            rows: HashMap::new(),
            changed: Vec::new(),
            changed_set: HashSet::new(),
            handed_out: HashMap::new(),
            failures: 0,
        }
    }

    /// Whether the shape is long-polling live (it has delivered everything up to now).
    pub(crate) fn is_live(&self) -> bool {
        self.live
    }

    /// The next request: the call's parameters and the protocol's, sorted by name.
    fn call(&self) -> Call {
        let mut params: Vec<(&str, &str)> =
            self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        params.push(("log", "full"));
        params.push(("offset", &self.offset));
        if let Some(handle) = &self.handle {
            params.push(("handle", handle));
        }
        if let Some(expired) = &self.expired {
            params.push(("expired_handle", expired));
        }
        if self.live {
            params.push(("live", "true"));
            params.push(("cursor", &self.cursor));
        }
        params.sort_by(|a, b| a.0.cmp(b.0));
        let mut query = encode::Query::default();
        for (name, value) in params {
            query.push(name, value);
        }
        let mut call = Call::new(
            self.operation,
            Method::GET,
            self.path.clone(),
            Access::SecretKey { jwt: true },
        )
        .query(query.into_string(), "params")
        .header(
            "x-trigger-electric-version",
            HeaderValue::from_static(ELECTRIC_VERSION),
        );
        call.request_key = false;
        call.lean = true;
        call.response_headers = HEADERS;
        call
    }

    /// Blocks until rows changed and returns them (decoded columns), retrying what can be
    /// retried; the watch's signals end the wait.
    pub(crate) fn next_rows(&mut self, client: &Client, watch: &Watch<'_>) -> Result<Vec<Row>> {
        loop {
            let response = match client.exchange(&self.call(), watch) {
                Ok(r) => r,
                Err(e @ (Error::Connection { .. } | Error::Timeout { .. })) => {
                    self.back_off(watch, &e)?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            match response.status {
                200..=299 => {
                    self.failures = 0;
                    let rows = self.take_response(&response)?;
                    if !rows.is_empty() {
                        return Ok(rows);
                    }
                }
                409 => {
                    self.failures = 0;
                    self.restart(response.header("electric-handle"));
                }
                429 | 500..=599 => {
                    let error = Error::from_status(
                        response.status,
                        response.header("content-type"),
                        &response.body,
                        None,
                    );
                    self.back_off(watch, &error)?;
                }
                status => {
                    return Err(Error::from_status(
                        status,
                        response.header("content-type"),
                        &response.body,
                        None,
                    ))
                }
            }
        }
    }

    /// Waits 100 ms × 1.3ⁿ (at most 10 s) before repeating the same request.
    fn back_off(&mut self, watch: &Watch<'_>, error: &Error) -> Result<()> {
        self.failures += 1;
        let delay = Duration::from_millis(100)
            .mul_f64(1.3f64.powi(self.failures.saturating_sub(1).min(40) as i32))
            .min(Duration::from_secs(10));
        log::info!(
            target: "triggerdev",
            "retrying GET {} in {} ms after {error} (failure {} in a row)",
            self.path,
            delay.as_millis(),
            self.failures
        );
        watch.sleep(delay)
    }

    /// A 409: the shape was rotated; start over with the new handle.
    fn restart(&mut self, new_handle: Option<&str>) {
        let old = self.handle.take().unwrap_or_default();
        let new = new_handle.map_or_else(|| format!("{old}-next"), str::to_owned);
        self.expired = Some(old);
        self.handle = Some(new);
        self.offset = "-1".to_owned();
        self.cursor.clear();
        self.live = false;
        self.schema = None;
        self.rows.clear();
        self.changed.clear();
        self.changed_set.clear();
    }

    /// Takes a 2xx response: its state headers and its messages; returns the changed rows when
    /// it ended with `up-to-date`.
    fn take_response(&mut self, response: &transport::Exchange) -> Result<Vec<Row>> {
        let status = response.status;
        let missing = |name: &str| Error::Decode {
            status,
            message: format!("the realtime response lacks the {name} header"),
            body: String::from_utf8_lossy(&response.body).into_owned(),
        };
        if status == 204 {
            return Ok(Vec::new()); // old servers: no change
        }
        let handle = response
            .header("electric-handle")
            .ok_or_else(|| missing("electric-handle"))?;
        let offset = response
            .header("electric-offset")
            .ok_or_else(|| missing("electric-offset"))?;
        if self.live {
            let cursor = response
                .header("electric-cursor")
                .ok_or_else(|| missing("electric-cursor"))?;
            self.cursor = cursor.to_owned();
        } else {
            let schema = response
                .header("electric-schema")
                .ok_or_else(|| missing("electric-schema"))?;
            if self.schema.is_none() {
                let parsed: Map<String, Value> =
                    serde_json::from_str(schema).map_err(|e| Error::Decode {
                        status,
                        message: format!("the electric-schema header is not a JSON object: {e}"),
                        body: schema.to_owned(),
                    })?;
                self.schema = Some(parsed);
            }
        }
        let messages = self.messages(status, &response.body)?;
        self.handle = Some(handle.to_owned());
        self.offset = offset.to_owned();
        let mut up_to_date = false;
        for message in messages {
            up_to_date |= self.take_message(message);
        }
        if !up_to_date {
            return Ok(Vec::new());
        }
        self.live = true;
        let keys = std::mem::take(&mut self.changed);
        self.changed_set.clear();
        let mut rows = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(row) = self.rows.get(&key) else {
                continue;
            };
            if self.handed_out.get(&key) == Some(row) {
                continue; // a restart sent it again unchanged
            }
            self.handed_out.insert(key, row.clone());
            rows.push(row.clone());
        }
        Ok(rows)
    }

    /// The body's messages: a JSON array (an empty body is `[]`).
    fn messages(&self, status: u16, body: &[u8]) -> Result<Vec<Value>> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(messages)) => Ok(messages),
            Ok(_) => Err(Error::Decode {
                status,
                message: "the realtime response is not a JSON array of messages".to_owned(),
                body: String::from_utf8_lossy(body).into_owned(),
            }),
            Err(e) => Err(Error::Decode {
                status,
                message: format!("the realtime response is not JSON: {e}"),
                body: String::from_utf8_lossy(body).into_owned(),
            }),
        }
    }

    /// Applies one message; true for `up-to-date`.
    fn take_message(&mut self, message: Value) -> bool {
        let Value::Object(mut message) = message else {
            return false;
        };
        let headers = message.remove("headers").unwrap_or(Value::Null);
        match headers.get("control").and_then(Value::as_str) {
            Some("up-to-date") => return true,
            Some("must-refetch") => {
                self.rows.clear();
                self.changed.clear();
                self.changed_set.clear();
                return false;
            }
            Some(_) => return false,
            None => {}
        }
        let operation = headers.get("operation").and_then(Value::as_str);
        let (Some(Value::String(key)), Some(Value::Object(value))) =
            (message.remove("key"), message.remove("value"))
        else {
            return false;
        };
        let decoded = self.decode(value);
        match operation {
            Some("insert") => {
                self.rows.insert(key.clone(), decoded);
            }
            // Electric sends the key and the changed columns; the native server the whole row.
            Some("update") => {
                self.rows.entry(key.clone()).or_default().extend(decoded);
            }
            // Deletes are not yielded, and the row stays.
            _ => return false,
        }
        if self.changed_set.insert(key.clone()) {
            self.changed.push(key);
        }
        false
    }

    /// Decodes a row's wire values by the schema's column types.
    fn decode(&self, value: Map<String, Value>) -> Row {
        value
            .into_iter()
            .map(|(column, raw)| {
                let kind = self.schema.as_ref().and_then(|s| s.get(&column));
                let decoded = match (kind, raw) {
                    (Some(kind), Value::String(text)) => decode_column(kind, text),
                    (_, other) => other,
                };
                (column, decoded)
            })
            .collect()
    }
}

/// One wire value (a string) of a column of `kind` (`{"type": "int4", "dims"?: 1}`).
fn decode_column(kind: &Value, text: String) -> Value {
    let ty = kind.get("type").and_then(Value::as_str).unwrap_or("");
    if kind.get("dims").and_then(Value::as_u64).unwrap_or(0) > 0 {
        return pg_array(&text).map_or(Value::String(text), |items| {
            Value::Array(
                items
                    .into_iter()
                    .map(|item| item.map_or(Value::Null, Value::String))
                    .collect(),
            )
        });
    }
    match ty {
        "int2" | "int4" | "int8" => text.parse::<i64>().map_or(Value::String(text), Value::from),
        "float4" | "float8" | "numeric" => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        "bool" => Value::Bool(matches!(text.as_str(), "t" | "true")),
        "json" | "jsonb" => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        _ => Value::String(text),
    }
}

/// A Postgres array literal of text (`{"a","b",NULL,c}`): its items, `None` for `NULL`;
/// `None` when it is not one.
fn pg_array(text: &str) -> Option<Vec<Option<String>>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut items = Vec::new();
    if inner.is_empty() {
        return Some(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let item = if chars.peek() == Some(&'"') {
            chars.next();
            let mut item = String::new();
            loop {
                match chars.next()? {
                    '\\' => item.push(chars.next()?),
                    '"' => break,
                    c => item.push(c),
                }
            }
            Some(item)
        } else {
            let mut item = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                item.push(c);
                chars.next();
            }
            (item != "NULL").then_some(item)
        };
        items.push(item);
        match chars.next() {
            None => return Some(items),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_decode_by_their_schema_type() {
        let kind = |v: Value| v;
        assert_eq!(
            decode_column(&kind(json!({"type": "int4"})), "42".into()),
            json!(42)
        );
        assert_eq!(
            decode_column(&kind(json!({"type": "float8"})), "1.5".into()),
            json!(1.5)
        );
        assert_eq!(
            decode_column(&kind(json!({"type": "bool"})), "t".into()),
            json!(true)
        );
        assert_eq!(
            decode_column(&kind(json!({"type": "bool"})), "f".into()),
            json!(false)
        );
        assert_eq!(
            decode_column(&kind(json!({"type": "jsonb"})), r#"{"a":1}"#.into()),
            json!({"a": 1})
        );
        assert_eq!(
            decode_column(&kind(json!({"type": "text"})), "x".into()),
            json!("x")
        );
        assert_eq!(
            decode_column(
                &kind(json!({"type": "text", "dims": 1})),
                r#"{"a","b c",NULL,d}"#.into()
            ),
            json!(["a", "b c", null, "d"])
        );
        assert_eq!(
            decode_column(
                &kind(json!({"type": "text", "dims": 1})),
                r#"{"a\"b","c\\d"}"#.into()
            ),
            json!(["a\"b", "c\\d"])
        );
        assert_eq!(
            decode_column(&kind(json!({"type": "text", "dims": 1})), "{}".into()),
            json!([])
        );
    }

    #[test]
    fn requests_sort_their_parameters_and_carry_the_protocol_state() {
        let mut shape = Shape::new(
            "runs.subscribeToRunsWithTag",
            "/realtime/v1/runs".into(),
            vec![("tags", "a,b".into()), ("createdAt", "1h".into())],
        );
        assert_eq!(
            shape.call().query,
            "createdAt=1h&log=full&offset=-1&tags=a%2Cb"
        );
        shape.handle = Some("h1".into());
        shape.offset = "0_1".into();
        shape.live = true;
        assert_eq!(
            shape.call().query,
            "createdAt=1h&cursor=&handle=h1&live=true&log=full&offset=0_1&tags=a%2Cb"
        );
        shape.restart(Some("h2"));
        assert_eq!(
            shape.call().query,
            "createdAt=1h&expired_handle=h1&handle=h2&log=full&offset=-1&tags=a%2Cb"
        );
    }
}
