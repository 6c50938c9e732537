//! Realtime: the shapes the run feeds serve (the Electric shape protocol,
//! `docs/wire.md#realtime-shape-protocol`), how long a live request is held, and what was sent to
//! input streams.
//!
//! A shape is one feed (a run, the runs with some tags, a batch's runs) under one handle. It
//! remembers the last row it served per key and the sequence number of that row's last change,
//! so an offset (`<ms>_<seq>`) tells which rows a client has not seen. Rows are compared whole:
//! whatever changes a run (status, metadata, tags, output) gives it a new sequence number.
//!
//! Run streams are S2 streams like session channels; their records live in the session channel
//! store under [`run_stream_key`].

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::model::sessions::{ChannelKey, Io};
use crate::util::{hashed, hashed_hex};

/// Shapes kept at most; the oldest are forgotten (a later request for one gets 409, as for an
/// expired shape on the server).
const MAX_SHAPES: usize = 1000;

/// How realtime requests are served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealtimeOptions {
    /// How long a live request with no change is held, on the emulator clock (the server holds
    /// about 20 s; the default is short so that tests are quick).
    pub hold: Duration,
}

impl Default for RealtimeOptions {
    fn default() -> Self {
        RealtimeOptions {
            hold: Duration::from_millis(1000),
        }
    }
}

/// What a shape selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// One run (its friendly id).
    Run(String),
    /// Runs carrying every tag, created at or after `since_ms` (fixed when the shape is made).
    Tags { tags: Vec<String>, since_ms: i64 },
    /// A batch's runs.
    Batch(String),
}

/// A row as served: column → wire value (a string or null).
pub type Row = Map<String, Value>;

#[derive(Debug, Clone)]
struct Entry {
    row: Row,
    /// The sequence number the row was first served with (later ones are updates).
    first_seq: u64,
    /// The sequence number of its last change.
    seq: u64,
}

/// One change a client has not seen.
pub struct Change<'a> {
    pub key: &'a str,
    pub row: &'a Row,
    /// First time this row is in the shape after the client's offset.
    pub insert: bool,
}

#[derive(Debug, Clone)]
pub struct Shape {
    pub handle: String,
    pub env_id: String,
    pub feed: Feed,
    /// Columns left out (`skipColumns`).
    pub skip: Vec<String>,
    rows: HashMap<String, Entry>,
    /// The newest sequence number, and the emulator time of that change.
    pub seq: u64,
    pub seq_ms: i64,
    /// Set when the shape was rotated: requests for it get 409 and this handle.
    pub replaced_by: Option<String>,
    /// The next answer starts with `must-refetch` and carries every row.
    pub must_refetch: bool,
}

impl Shape {
    /// The offset of everything served so far (`0_0` for an empty shape).
    pub fn offset(&self) -> String {
        format!("{}_{}", self.seq_ms, self.seq)
    }

    /// Records the current row of `key`; true when it differs from the last one served.
    pub fn record(&mut self, key: &str, row: Row, now_ms: i64) -> bool {
        if self.rows.get(key).is_some_and(|e| e.row == row) {
            return false;
        }
        self.seq += 1;
        self.seq_ms = now_ms;
        let seq = self.seq;
        let first_seq = self.rows.get(key).map_or(seq, |e| e.first_seq);
        self.rows.insert(
            key.to_string(),
            Entry {
                row,
                first_seq,
                seq,
            },
        );
        true
    }

    /// Rows changed after sequence number `after` (every row for `None`: the snapshot), in the
    /// order of their last change (the snapshot: in the order they joined the shape).
    pub fn changes(&self, after: Option<u64>) -> Vec<Change<'_>> {
        let mut list: Vec<(u64, Change)> = self
            .rows
            .iter()
            .filter(|(_, e)| after.is_none_or(|a| e.seq > a))
            .map(|(k, e)| {
                let order = if after.is_none() { e.first_seq } else { e.seq };
                let insert = after.is_none_or(|a| e.first_seq > a);
                (
                    order,
                    Change {
                        key: k,
                        row: &e.row,
                        insert,
                    },
                )
            })
            .collect();
        list.sort_by_key(|(order, _)| *order);
        list.into_iter().map(|(_, c)| c).collect()
    }

    /// Whether rows changed after `after`.
    pub fn changed_since(&self, after: u64) -> bool {
        self.seq > after
    }
}

/// The sequence number in an offset (`<ms>_<seq>`); `None` when it is not one.
pub fn parse_offset(offset: &str) -> Option<u64> {
    let (ms, seq) = offset.split_once('_')?;
    ms.parse::<i64>().ok()?;
    seq.parse().ok()
}

/// The internal id (`TaskRun.id`) the feeds show for a run: derived from its friendly id.
pub fn internal_id(run_id: &str) -> String {
    format!("cm{}", hashed(&[run_id], 23))
}

/// Where a run stream's records live (the session channel store).
pub fn run_stream_key(env_id: &str, run_id: &str, stream: &str) -> ChannelKey {
    ChannelKey {
        env_id: env_id.to_string(),
        key: format!("run:{run_id}"),
        channel: Some(stream.to_string()),
        io: Io::Out,
    }
}

/// A value sent to a run's input stream.
#[derive(Debug, Clone)]
pub struct InputSend {
    pub env_id: String,
    pub run_id: String,
    pub stream: String,
    pub data: Value,
    pub at_ms: i64,
}

/// Tells one world's realtime state from the next one's (after a reset).
static INSTANCES: AtomicU64 = AtomicU64::new(0);

/// The realtime side of the world.
#[derive(Debug)]
pub struct Realtime {
    /// Differs after a reset, so a request held before it does not count in the new world.
    pub instance: u64,
    pub shapes: HashMap<String, Shape>,
    /// Creation order, for forgetting the oldest.
    order: VecDeque<String>,
    next_shape: u64,
    /// Live requests being held right now (a readiness signal for tests).
    pub held: usize,
    /// The hold set through the admin API, until reset.
    pub hold_override: Option<Duration>,
    /// Stream keys each run has written to (the `realtimeStreams` column), by run id.
    pub streams: HashMap<String, Vec<String>>,
    /// Input stream sends, oldest first.
    pub inputs: Vec<InputSend>,
}

impl Default for Realtime {
    fn default() -> Self {
        Realtime {
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            shapes: HashMap::new(),
            order: VecDeque::new(),
            next_shape: 0,
            held: 0,
            hold_override: None,
            streams: HashMap::new(),
            inputs: Vec::new(),
        }
    }
}

impl Realtime {
    /// A new shape for `feed`; returns its handle.
    pub fn open(&mut self, env_id: &str, feed: Feed, skip: Vec<String>) -> String {
        self.next_shape += 1;
        let n = self.next_shape;
        let hex = hashed_hex(&[env_id, &n.to_string()], 8);
        let handle = match &feed {
            Feed::Run(id) => format!("run-{}-{n}", internal_id(id)),
            Feed::Tags { since_ms, .. } => format!("runs_{}_{n}_{hex}", since_ms - since_ms % 1000),
            Feed::Batch(id) => format!("batch_{id}_{n}_{hex}"),
        };
        self.shapes.insert(
            handle.clone(),
            Shape {
                handle: handle.clone(),
                env_id: env_id.to_string(),
                feed,
                skip,
                rows: HashMap::new(),
                seq: 0,
                seq_ms: 0,
                replaced_by: None,
                must_refetch: false,
            },
        );
        self.order.push_back(handle.clone());
        while self.order.len() > MAX_SHAPES {
            if let Some(old) = self.order.pop_front() {
                self.shapes.remove(&old);
            }
        }
        handle
    }

    /// Replaces the current shapes (all, or the one with `handle`) with fresh ones of the same
    /// feed; returns (old, new) handles.
    pub fn rotate(&mut self, handle: Option<&str>) -> Vec<(String, String)> {
        let mut current: Vec<(String, String, Feed, Vec<String>)> = self
            .order
            .iter()
            .filter_map(|h| self.shapes.get(h))
            .filter(|s| s.replaced_by.is_none() && handle.is_none_or(|h| h == s.handle))
            .map(|s| {
                (
                    s.handle.clone(),
                    s.env_id.clone(),
                    s.feed.clone(),
                    s.skip.clone(),
                )
            })
            .collect();
        let mut out = Vec::new();
        for (old, env_id, feed, skip) in current.drain(..) {
            let new = self.open(&env_id, feed, skip);
            if let Some(s) = self.shapes.get_mut(&old) {
                s.replaced_by = Some(new.clone());
            }
            out.push((old, new));
        }
        out
    }

    /// Marks the current shapes (all, or the one with `handle`) so that their next answer is a
    /// `must-refetch` followed by every row; returns how many.
    pub fn must_refetch(&mut self, handle: Option<&str>) -> usize {
        let mut n = 0;
        for s in self.shapes.values_mut() {
            if s.replaced_by.is_none() && handle.is_none_or(|h| h == s.handle) {
                s.must_refetch = true;
                n += 1;
            }
        }
        n
    }

    /// Notes that `run_id` wrote to stream `key`.
    pub fn note_stream(&mut self, run_id: &str, key: &str) {
        let keys = self.streams.entry(run_id.to_string()).or_default();
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
    }
}
