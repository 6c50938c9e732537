//! Run streams (what a task writes with `streams.pipe` / `metadata.stream`, read over SSE from
//! `/realtime/v1/streams/{runId}/{key}`) and input streams (values sent to a running task,
//! `POST /realtime/v1/streams/{runId}/input/{id}`).

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ureq::http::{HeaderValue, Method};

use super::require;
use super::runs::Runs;
use crate::cancel::{self, Watch};
use crate::client::Client;
use crate::credentials::Access;
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::raw_json::RawJson;
use crate::streaming::sse::{Event, Next, SeenIds, Source, Stopper, DEFAULT_IDLE};
use crate::transport::Call;

/// Input stream calls. Get one with [`Client::streams`] or [`crate::streams`].
#[derive(Clone, Debug)]
pub struct Streams {
    client: Client,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Input streams (run streams are read with [`Runs::stream`]).
    pub fn streams(&self) -> Streams {
        Streams {
            client: self.clone(),
        }
    }
}

/// What [`Streams::send_input`] returns: `{"ok":true}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InputSent {
    /// Whether the run took it.
    pub ok: bool,
}

#[derive(Serialize)]
struct InputBody<'a> {
    data: &'a RawJson,
}

impl Streams {
    /// Sends `data` to a run's input stream `stream_id` (`POST
    /// /realtime/v1/streams/{runId}/input/{id}`, body `{"data": …}`; the official
    /// `streams.input({id}).send(runId, data)`), with the client's retries.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let run = client.tasks().trigger("approve", &serde_json::json!({}), &Default::default())?;
    /// let sent = client.streams().send_input(&run.id, "approval", &serde_json::json!({"ok": "yes"}))?;
    /// assert!(sent.ok);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id or a value that is not JSON;
    /// [`Error::NotFound`] for an unknown run; the API errors of [`Error`] otherwise.
    pub fn send_input(
        &self,
        run_id: &str,
        stream_id: &str,
        data: &(impl Serialize + ?Sized),
    ) -> Result<InputSent> {
        let data = RawJson::new(data).map_err(|e| Error::invalid("data", e.to_string()))?;
        self.send_input_as(run_id, stream_id, &data)
    }

    pub(crate) fn send_input_as<T: Decoded<InputSent>>(
        &self,
        run_id: &str,
        stream_id: &str,
        data: &RawJson,
    ) -> Result<T> {
        require("run_id", run_id)?;
        require("stream_id", stream_id)?;
        let call = Call::new(
            "streams.input.send",
            Method::POST,
            format!(
                "/realtime/v1/streams/{}/input/{}",
                crate::encode::path_segment(run_id),
                crate::encode::path_segment(stream_id)
            ),
            Access::SecretKey { jwt: true },
        )
        .json(&InputBody { data })?;
        self.client.execute(&call)?.decoded()
    }
}

/// Where a run stream starts, and the server's window (options of [`Runs::stream`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct StreamOptions {
    /// Start at this record index (sent as `Last-Event-ID: start_index - 1`; 0 is the start).
    pub start_index: Option<u64>,
    /// Start at the tail, not the beginning, when there is no `start_index`
    /// (`X-Trigger-Stream-Start: latest`).
    #[serde(default)]
    pub from_latest: bool,
    /// How long the server keeps the stream open without a new record, seconds, 1–600
    /// (`Timeout-Seconds`; the server's default when unset).
    pub timeout_seconds: Option<u32>,
}

impl StreamOptions {
    /// From the beginning, the server's window.
    pub fn new() -> StreamOptions {
        StreamOptions::default()
    }
    /// Sets [`StreamOptions::start_index`].
    pub fn start_index(mut self, index: u64) -> Self {
        self.start_index = Some(index);
        self
    }
    /// Sets [`StreamOptions::from_latest`].
    pub fn from_latest(mut self, yes: bool) -> Self {
        self.from_latest = yes;
        self
    }
    /// Sets [`StreamOptions::timeout_seconds`].
    pub fn timeout_seconds(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }
}

impl Runs {
    /// Reads a run's stream `key` (`GET /realtime/v1/streams/{runId}/{key}`, server-sent
    /// events; the official `runs.fetchStream` / `streams.read`): a blocking iterator of the
    /// chunks the task wrote, as JSON values. No request is made until the first `next`.
    ///
    /// - Both formats: v2 (`X-Stream-Version: v2`, S2 `batch` events, the chunk is the record
    ///   body's `data`; a body that is not JSON is its text) and v1 (`id:` / `data:` lines, the
    ///   chunk is the data parsed as JSON, else its text). S2 command records are skipped.
    /// - A dropped connection, an `error` event, 429, 5xx or a timeout reconnects after a
    ///   back-off (100 ms × 2ⁿ, at most 5 s, with jitter) and resumes after the last record
    ///   (`Last-Event-ID`); as many failed connection attempts in a row as the client's retry
    ///   policy's `max_attempts` end the iteration with the last error.
    /// - A record is never yielded twice, also when a reconnect delivers it again: records are
    ///   de-duplicated by their id across reconnects (the official client keeps the ids per
    ///   connection, so it yields a re-sent record again).
    /// - A clean end of the body (the server's window, `timeout_seconds`, passed) ends the
    ///   iteration; so do [`RunStream::stopper`] (from any thread), the client's cancel token
    ///   and the thread's interrupt check ([`Error::Cancelled`]).
    /// - A terminal status (400, 401, 403, 404, 409, 410, 422, …) is the typed API error, as the
    ///   last item.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # emulator.set_session_options(triggerdev_emulator::SessionOptions {
    /// #     sse_linger: Some(std::time::Duration::ZERO), ..Default::default() });
    /// use serde_json::json;
    /// use triggerdev::StreamOptions;
    ///
    /// let run = client.tasks().trigger("write-story", &json!({}), &Default::default())?;
    /// // What the task would write with `streams.pipe("llm", …)`:
    /// emulator.append_run_stream(&run.id, "llm", json!([{"data": "Once"}, {"data": "upon"}])).unwrap();
    /// let chunks: Vec<_> = client.runs().stream(&run.id, "llm", &StreamOptions::new())?
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(chunks, [json!("Once"), json!("upon")]);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id or key, or a `timeout_seconds` outside
    /// 1–600; [`Error::UnsupportedCredential`] with a personal access token. The stream's own
    /// errors come as the iterator's last item.
    pub fn stream(&self, run_id: &str, key: &str, options: &StreamOptions) -> Result<RunStream> {
        require("run_id", run_id)?;
        require("key", key)?;
        if options
            .timeout_seconds
            .is_some_and(|t| !(1..=600).contains(&t))
        {
            return Err(Error::invalid(
                "options.timeoutSeconds",
                "must be between 1 and 600",
            ));
        }
        crate::credentials::check(
            self.client.resolved(),
            OPERATION,
            Access::SecretKey { jwt: true },
        )?;
        let path = format!(
            "/realtime/v1/streams/{}/{}",
            crate::encode::path_segment(run_id),
            crate::encode::path_segment(key)
        );
        let idle = options.timeout_seconds.map_or(DEFAULT_IDLE, |t| {
            Duration::from_secs(u64::from(t)) + DEFAULT_IDLE / 2
        });
        Ok(RunStream {
            source: Source::new(&self.client, path.clone(), idle),
            path,
            options: options.clone(),
            v2: false,
            pending: VecDeque::new(),
            cursor: None,
            seen: SeenIds::default(),
            done: false,
        })
    }
}

/// The operation name run streams report (credential errors, logs).
const OPERATION: &str = "streams.read";

/// A run stream being read; see [`Runs::stream`]. An iterator of `Result<Value>`: the chunks,
/// then at most one error.
pub struct RunStream {
    path: String,
    options: StreamOptions,
    source: Source,
    /// The connection open now answered `X-Stream-Version: v2`.
    v2: bool,
    /// Chunks to hand out, each with the resume cursor once it is handed out (past the
    /// records skipped after it).
    pending: VecDeque<(Value, Option<String>)>,
    /// Where a reconnect resumes (`Last-Event-ID`): after the last record handed out, and the
    /// records skipped after it.
    cursor: Option<String>,
    seen: SeenIds,
    done: bool,
}

impl std::fmt::Debug for RunStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStream")
            .field("path", &self.path)
            .field("last_event_id", &self.cursor)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl RunStream {
    /// A handle that stops this stream from another thread.
    pub fn stopper(&self) -> Stopper {
        self.source.stopper()
    }

    /// The id of the last record handed out (v2: its `seq_num`; v1: its `<ms>-<seq>` id), or
    /// of records skipped after it: what a reconnect sends as `Last-Event-ID`.
    pub fn last_event_id(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    /// The request that (re)connects, resuming after the cursor.
    fn call(&self) -> Call {
        let mut call = Call::new(
            OPERATION,
            Method::GET,
            self.path.clone(),
            Access::SecretKey { jwt: true },
        )
        .header("accept", HeaderValue::from_static("text/event-stream"));
        let resume = match (&self.cursor, self.options.start_index) {
            (Some(cursor), _) => Some(cursor.clone()),
            (None, Some(index)) if index > 0 => Some((index - 1).to_string()),
            _ => None,
        };
        match resume.and_then(|r| HeaderValue::from_str(&r).ok()) {
            Some(id) => call = call.header("last-event-id", id),
            None if self.options.from_latest && self.options.start_index.unwrap_or(0) == 0 => {
                call = call.header("x-trigger-stream-start", HeaderValue::from_static("latest"));
            }
            None => {}
        }
        if let Some(t) = self.options.timeout_seconds {
            call = call.header(
                "timeout-seconds",
                HeaderValue::from_str(&t.to_string()).expect("digits"),
            );
        }
        call.request_key = false;
        call.response_headers = &["x-stream-version"];
        call
    }

    /// A v2 `batch` event: its records' chunks go to `pending`; every record moves the cursor.
    fn take_batch(&mut self, data: &str) {
        #[derive(Deserialize)]
        struct Frame {
            #[serde(default)]
            records: Vec<Raw>,
        }
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            body: String,
            seq_num: u64,
            #[serde(default)]
            headers: Vec<(String, String)>,
        }
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(default)]
            data: Value,
            #[serde(default)]
            id: Option<String>,
        }
        let Ok(frame) = serde_json::from_str::<Frame>(data) else {
            return;
        };
        for raw in frame.records {
            let cursor = raw.seq_num.to_string();
            // S2 command records (trim, fence) have one header with an empty name.
            if raw.headers.first().is_some_and(|(name, _)| name.is_empty()) {
                self.skipped(cursor);
                continue;
            }
            let chunk = if raw.body.is_empty() {
                Value::Null
            } else {
                match serde_json::from_str::<Envelope>(&raw.body) {
                    Ok(envelope) => {
                        if let Some(id) = &envelope.id {
                            if !self.seen.insert(id) {
                                self.skipped(cursor);
                                continue;
                            }
                        }
                        envelope.data
                    }
                    Err(_) => Value::String(raw.body),
                }
            };
            self.push(chunk, cursor);
        }
    }

    /// A v1 event: `id: <ms>-<seq>` and the chunk as its data (parsed as JSON, else text).
    fn take_v1(&mut self, event: Event) {
        if let Some(id) = &event.id {
            if !self.seen.insert(id) {
                self.skipped(id.clone());
                return;
            }
        }
        let chunk = serde_json::from_str(&event.data).unwrap_or(Value::String(event.data));
        match event.id {
            Some(id) => self.push(chunk, id),
            // No id: nothing to resume after or to de-duplicate by; the cursor stays.
            None => {
                let cursor = match self.pending.back() {
                    Some((_, cursor)) => cursor.clone(),
                    None => self.cursor.clone(),
                };
                self.pending.push_back((chunk, cursor));
            }
        }
    }

    fn push(&mut self, chunk: Value, cursor: String) {
        self.source.delivered();
        self.pending.push_back((chunk, Some(cursor)));
    }

    /// A record that is not handed out still moves the cursor past it.
    fn skipped(&mut self, cursor: String) {
        match self.pending.back_mut() {
            Some((_, last)) => *last = Some(cursor),
            None => self.cursor = Some(cursor),
        }
    }

    fn finish(&mut self, error: Option<Error>) -> Option<Result<Value>> {
        self.done = true;
        self.source.close();
        error.filter(|_| !self.source.is_stopped()).map(Err)
    }
}

impl Iterator for RunStream {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Result<Value>> {
        let client = self.source.client().clone();
        let cfg = client.resolved();
        let stop = self.source.stop_signal().clone();
        let watch = Watch::new(cfg.cancel.as_ref(), cfg.deadline, &*cfg.clock).stopped_by(&stop);
        let reading = cancel::reading(&watch);
        loop {
            if let Some((chunk, cursor)) = self.pending.pop_front() {
                self.cursor = cursor;
                return Some(Ok(chunk));
            }
            if self.done {
                return self.finish(None);
            }
            let call = self.call();
            let waited = match self.source.next(&watch, &reading, &call) {
                Next::Opened(headers) => {
                    self.v2 = headers
                        .iter()
                        .any(|(name, value)| *name == "x-stream-version" && value == "v2");
                    Ok(())
                }
                // The server ends the stream after an error event: resume after a pause.
                Next::Event(event) if event.kind == "error" => self.source.pause(&watch),
                Next::Event(event) if event.kind == "ping" => Ok(()),
                Next::Event(event) if self.v2 => {
                    if event.kind == "batch" {
                        self.take_batch(&event.data);
                    }
                    // `[DONE]` and other events: the end of the body ends the stream.
                    Ok(())
                }
                Next::Event(event) => {
                    self.take_v1(event);
                    Ok(())
                }
                // A clean end of the body ends the stream (there is no reconnect).
                Next::End => return self.finish(None),
                Next::Stopped => return self.finish(None),
                Next::Failed(e) => return self.finish(Some(e)),
            };
            if let Err(e) = waited {
                return self.finish(Some(e));
            }
        }
    }
}
