//! A minimal SSE reader over ureq (chunked bodies, streamed), for the session channel tests.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader};
use std::time::Duration;

use serde_json::Value;

/// One SSE event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub event: Option<String>,
    pub id: Option<String>,
    pub data: String,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {:?}", self.data))
    }
    pub fn is(&self, kind: &str) -> bool {
        self.event.as_deref() == Some(kind)
    }
    pub fn is_done(&self) -> bool {
        self.event.is_none() && self.data == "[DONE]"
    }
}

pub struct Sse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: BufReader<ureq::BodyReader<'static>>,
}

/// How a stream ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The body ended cleanly (terminating chunk).
    Clean,
    /// The connection was cut mid-body.
    Cut,
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A safety net against a hung test, not a timing assumption.
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// `GET path` with `token` and extra headers; the body is read lazily.
pub fn open(base: &str, path: &str, token: &str, headers: &[(&str, &str)]) -> Sse {
    let mut req = agent()
        .get(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept", "text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.call().expect("SSE request");
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    Sse {
        status,
        headers,
        reader: BufReader::new(resp.into_body().into_reader()),
    }
}

impl Sse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The whole body as text (for error answers).
    pub fn text(mut self) -> String {
        let mut s = String::new();
        let _ = io::Read::read_to_string(&mut self.reader, &mut s);
        s
    }

    /// The next event; `Ok(None)` at a clean end of the body.
    pub fn next(&mut self) -> io::Result<Option<Event>> {
        let mut ev = Event::default();
        let mut any = false;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return if any {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "partial event",
                    ))
                } else {
                    Ok(None)
                };
            }
            let line = line.strip_suffix('\n').unwrap_or(&line);
            if line.is_empty() {
                if any {
                    return Ok(Some(ev));
                }
                continue;
            }
            any = true;
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            let v = v.strip_prefix(' ').unwrap_or(v);
            match k {
                "event" => ev.event = Some(v.to_string()),
                "id" => ev.id = Some(v.to_string()),
                "data" => {
                    if !ev.data.is_empty() {
                        ev.data.push('\n');
                    }
                    ev.data.push_str(v);
                }
                _ => {}
            }
        }
    }

    /// Reads events until `pred` matches one (returned with those before it).
    pub fn until(&mut self, pred: impl Fn(&Event) -> bool) -> Vec<Event> {
        let mut out = Vec::new();
        loop {
            let ev = self
                .next()
                .expect("stream failed")
                .expect("stream ended early");
            let stop = pred(&ev);
            out.push(ev);
            if stop {
                return out;
            }
        }
    }

    /// Reads to the end: every event and how the body ended.
    pub fn rest(&mut self) -> (Vec<Event>, End) {
        let mut out = Vec::new();
        loop {
            match self.next() {
                Ok(Some(ev)) => out.push(ev),
                Ok(None) => return (out, End::Clean),
                Err(_) => return (out, End::Cut),
            }
        }
    }
}

/// The records of every `batch` event, in order.
pub fn records(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.is("batch"))
        .flat_map(|e| e.json()["records"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The seq numbers of every record in `events`.
pub fn seqs(events: &[Event]) -> Vec<u64> {
    records(events)
        .iter()
        .map(|r| r["seq_num"].as_u64().unwrap())
        .collect()
}

/// A record's decoded `body` (`{"data", "id"}`), or `Null` for an empty body.
pub fn body(record: &Value) -> Value {
    let b = record["body"].as_str().unwrap();
    if b.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(b).unwrap()
    }
}
