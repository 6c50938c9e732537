//! Sessions: the rows, the runs they own, and their channels' records (an in-memory stand-in
//! for the S2 streams behind `/realtime/v1/sessions/…`).
//!
//! A channel is addressed by (env, addressing key, channel name, io). The addressing key is the
//! session's `externalId` when it has one, else its friendly id — as on the real server, so a
//! reader using one URL form and a writer using the other meet on the same records. Reads may
//! address an `externalId` that has no session row yet; the channel then simply starts empty.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::util::random_id;

/// Largest metered S2 record (the JSON-wrapped body plus per-record overhead), as on the server.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// S2's per-record overhead in metered bytes.
const RECORD_OVERHEAD_BYTES: usize = 8;

/// How SSE long-poll windows end. Start-up values come from [`Options::sessions`](crate::Options);
/// `POST /__emulator/sessions/config` (or `Emulator::set_session_options`) overrides them until reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOptions {
    /// Window length when the request has no `Timeout-Seconds` header (the real server: 60).
    /// The window ends when the **emulator clock** passes it, so `advance` ends it at once.
    pub sse_timeout_secs: u64,
    /// End a window with `[DONE]` once it has delivered everything and nothing new arrived for
    /// this long (wall clock). `Some(Duration::ZERO)` drains and closes at once, like the
    /// server's `wait=0`; `None` (the default) waits for the whole window, like the server.
    pub sse_linger: Option<Duration>,
    /// Interval of the `ping` events sent while a stream is idle (the real server: about 5 s).
    /// The first ping is always sent as soon as the backlog has been delivered.
    pub sse_ping_interval: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            sse_timeout_secs: 60,
            sse_linger: None,
            sse_ping_interval: Duration::from_secs(5),
        }
    }
}

/// A channel direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Io {
    In,
    Out,
}

impl Io {
    pub fn parse(s: &str) -> Option<Io> {
        match s {
            "in" => Some(Io::In),
            "out" => Some(Io::Out),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Io::In => "in",
            Io::Out => "out",
        }
    }
}

/// Where a channel's records live.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelKey {
    pub env_id: String,
    /// The session's addressing key (externalId ?? friendly id), or the URL key without a row.
    pub key: String,
    /// `None` for the session's own `.in`/`.out`, `Some(name)` for a named channel.
    pub channel: Option<String>,
    pub io: Io,
}

impl ChannelKey {
    /// The S2 stream name the PUT handshake reports.
    pub fn stream_name(&self) -> String {
        match &self.channel {
            None => format!("sessions/{}/{}", self.key, self.io.as_str()),
            Some(n) => format!("sessions/{}/channels/{n}/{}", self.key, self.io.as_str()),
        }
    }
}

/// One S2 record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub seq: u64,
    /// Emulator clock, Unix ms.
    pub timestamp: i64,
    /// The raw record body: `{"data":…,"id":"<partId>"}` for data records, empty for control records.
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Record {
    /// S2 command records (trim, fence) have a first header whose name is empty.
    pub fn is_command(&self) -> bool {
        self.headers.first().is_some_and(|(k, _)| k.is_empty())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One channel's records.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Changes when the channel is recreated (after a reset), so old streams notice.
    pub uid: u64,
    /// Ascending by seq; trimmed records are gone.
    pub records: Vec<Record>,
    pub next_seq: u64,
    pub last_timestamp: i64,
    /// `X-Part-Id` → seq of the record it produced (dedupe of retried appends).
    pub parts: HashMap<String, u64>,
    /// SSE streams currently reading this channel.
    pub subscribers: usize,
}

impl Channel {
    /// Records with `seq >= start`.
    pub fn records_from(&self, start: u64) -> &[Record] {
        let i = self.records.partition_point(|r| r.seq < start);
        &self.records[i..]
    }

    /// True when the newest non-command record is a `turn-complete` control record.
    pub fn settled(&self) -> bool {
        self.records
            .iter()
            .rev()
            .find(|r| !r.is_command())
            .is_some_and(|r| r.header("trigger-control") == Some("turn-complete"))
    }

    fn push(&mut self, body: String, headers: Vec<(String, String)>, now: i64) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.last_timestamp = now;
        self.records.push(Record {
            seq,
            timestamp: now,
            body,
            headers,
        });
        seq
    }
}

/// A session row.
#[derive(Debug, Clone)]
pub struct Session {
    /// Friendly id, `session_…`.
    pub id: String,
    /// Creation order (list cursors).
    pub seq: u64,
    pub env_id: String,
    pub external_id: Option<String>,
    pub kind: String,
    pub task: String,
    /// The validated `triggerConfig` (unknown keys dropped).
    pub trigger_config: Value,
    pub current_run_id: Option<String>,
    /// Every run the session has owned, oldest first.
    pub run_ids: Vec<String>,
    pub tags: Vec<String>,
    pub metadata: Option<Value>,
    pub closed_ms: Option<i64>,
    pub closed_reason: Option<String>,
    pub expires_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Session {
    /// The canonical addressing key: externalId ?? friendly id.
    pub fn key(&self) -> &str {
        self.external_id.as_deref().unwrap_or(&self.id)
    }

    /// `ACTIVE`, `CLOSED` or `EXPIRED` (closed wins; expired once `expiresAt` has passed).
    pub fn status(&self, now: i64) -> &'static str {
        if self.closed_ms.is_some() {
            "CLOSED"
        } else if self.is_expired(now) {
            "EXPIRED"
        } else {
            "ACTIVE"
        }
    }

    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_ms.is_some_and(|t| t <= now)
    }

    /// Both forms the session answers to.
    pub fn ids(&self) -> Vec<String> {
        let mut v = vec![self.id.clone()];
        if let Some(e) = &self.external_id {
            v.push(e.clone());
        }
        v
    }
}

/// A record to append as the task would (admin API).
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub part_id: Option<String>,
    /// For a trim command: drop records below this seq.
    pub trim_to: Option<u64>,
}

/// Every session and channel.
#[derive(Debug, Default)]
pub struct Sessions {
    pub list: Vec<Session>,
    pub channels: HashMap<ChannelKey, Channel>,
    /// Bumped by "end windows now"; a stream ends when it differs from its start value.
    pub end_epoch: u64,
    /// Runtime override of the start-up [`SessionOptions`] (cleared by reset).
    pub overrides: Option<SessionOptions>,
    next_uid: u64,
}

impl Sessions {
    /// The session in `env_id` named by a friendly id (`session_…`) or an externalId.
    pub fn find(&self, env_id: &str, id_or_ext: &str) -> Option<usize> {
        let by_friendly = id_or_ext.starts_with("session_");
        self.list.iter().position(|s| {
            s.env_id == env_id
                && if by_friendly {
                    s.id == id_or_ext
                } else {
                    s.external_id.as_deref() == Some(id_or_ext)
                }
        })
    }

    /// The channel, created empty if it does not exist yet.
    pub fn channel_mut(&mut self, key: &ChannelKey) -> &mut Channel {
        if !self.channels.contains_key(key) {
            self.next_uid += 1;
            let uid = self.next_uid;
            self.channels.insert(
                key.clone(),
                Channel {
                    uid,
                    records: Vec::new(),
                    next_seq: 0,
                    last_timestamp: 0,
                    parts: HashMap::new(),
                    subscribers: 0,
                },
            );
        }
        self.channels.get_mut(key).expect("inserted above")
    }

    /// Appends a record; a repeated `part_id` returns the first append's seq and adds nothing.
    /// Returns (seq, deduplicated).
    pub fn append(&mut self, key: &ChannelKey, rec: NewRecord, now: i64) -> (u64, bool) {
        let ch = self.channel_mut(key);
        if let Some(seq) = rec.part_id.as_ref().and_then(|p| ch.parts.get(p)) {
            return (*seq, true);
        }
        let seq = ch.push(rec.body, rec.headers, now);
        if let Some(p) = rec.part_id {
            ch.parts.insert(p, seq);
        }
        if let Some(to) = rec.trim_to {
            let to = to.min(seq);
            ch.records.retain(|r| r.seq >= to);
        }
        (seq, false)
    }
}

/// Wraps a raw append body the way the server does before writing it to S2.
pub fn data_record_body(data: &Value, part_id: &str) -> String {
    json!({"data": data, "id": part_id}).to_string()
}

/// The metered size of a data record, checked against [`MAX_RECORD_BYTES`].
pub fn metered_bytes(body: &str) -> usize {
    body.len() + RECORD_OVERHEAD_BYTES
}

/// A part id for appends without `X-Part-Id` (the server uses a 7-char nanoid).
pub fn random_part_id() -> String {
    random_id("")[..7].to_string()
}

/// `^[A-Za-z0-9._-]{1,128}$`
pub fn valid_channel_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
