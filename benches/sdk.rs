//! The SDK benchmark: `cargo bench --bench sdk` (full run, ~6 minutes), or
//! `cargo bench --bench sdk -- --smoke` (every case once for ~0.2 s, checked; what CI runs).
//! `benches/run.sh` builds what the full run needs first and prints the README table.
//!
//! How it measures
//! - A fixed-response HTTP/1.1 server (`benches/server.rs`) runs in its own process pinned to
//!   CPU 1 (`taskset -c 1`); this process pins itself, and so every client it starts, to CPU 0.
//! - Every case runs in a fresh child process of this binary (`--case NAME`), so the peak RSS
//!   (`VmHWM`) is the case's own. A case warms up, then makes sequential calls on one thread for
//!   `--secs` seconds; the child reports calls/s, p50/p99 latency, client CPU per call (the
//!   thread's own CPU time from `/proc/thread-self/schedstat`) and peak RSS.
//! - Each case runs `--reps` times (interleaved with the other cases); the table shows medians,
//!   and each row's calls/s as a ratio to the bare ureq loop and to raw TCP + JSON of the same run.
//! - Nothing is asserted on timings; `--smoke` only checks that every case made calls without
//!   errors and produced sane numbers, and exits non-zero otherwise.
//!
//! Options (after `--`): `--smoke`, `--reps N` (3), `--secs S` (5), `--warmup S` (1),
//! `--cold N` (cold starts, 20), `--only a,b` (case names, see `--list`; `cold-start` and
//! `cdylib` name the last two rows), `--no-pin`, `--list`.
//!
//! Profiling: `--list` also shows comparison cases that only run when named with `--only`
//! (bare ureq with the SDK's Agent settings, with a caching resolver, decoding without I/O).
//! One case alone, a fixed number of calls, against a server started by hand:
//! `<bench binary> --case retrieve --port N --calls 1000 --warmup-calls 0` (e.g. under
//! `valgrind --tool=callgrind` or `strace -c -f`); the server: `<bench binary> --serve`.
//! Environment: `TRIGGERDEV_BENCH_PYTHON` (interpreter for the Python rows, default `python3`),
//! `TRIGGERDEV_CDYLIB` (the release cdylib to strip and weigh; default
//! `<target>/release/libtriggerdev.so`), `TRIGGERDEV_BENCH_NODE_DIR` (where `@trigger.dev/sdk` is
//! installed; default `bench-scratch/node`).

mod server;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use triggerdev::{
    auth, BatchItem, BatchTriggerOptions, Client, Config, Env, ListRunsParams, TriggerOptions,
};

const TOKEN: &str = "tr_dev_bench0000000000000000";
const RUN_ID: &str = "run_cm9bench0001x7k2q4r8s5t6";
const TASK_ID: &str = "send-welcome-email";
const THREADS: usize = 8;
const BATCH_ITEMS: usize = 1_000;
const REPO: &str = env!("CARGO_MANIFEST_DIR");

// ---------------------------------------------------------------------------------------------
// The table of cases (the program or script of an external row goes in benches/, its runner
// below).
// ---------------------------------------------------------------------------------------------

/// How a case is run.
#[derive(Clone, Copy)]
enum Runner {
    /// In a fresh child process of this binary: `--case NAME`.
    Rust(fn(&Ctx) -> Result<Measured, String>),
    /// An external program: the command, or why the row is skipped on this machine.
    External(fn(&Setup) -> Result<Command, String>),
}

/// Which column the ratios are taken against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    RawTcpJson,
    BareUreq,
    SdkRetrieve,
    Threads,
    Iter,
    Node,
    CAbi,
}

struct Case {
    /// Name for `--case` and `--only`.
    name: &'static str,
    /// Table label.
    label: &'static str,
    runner: Runner,
    role: Role,
    /// Part of a run without `--only` (a comparison row for profiling is not).
    default: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "raw-tcp",
        label: "raw TCP, pre-built request bytes",
        runner: Runner::Rust(case_raw_tcp),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "raw-tcp-json",
        label: "raw TCP + serde_json::Value",
        runner: Runner::Rust(case_raw_tcp_json),
        role: Role::RawTcpJson,
        default: true,
    },
    Case {
        name: "ureq",
        label: "bare ureq 3 loop (one Agent) + serde_json::Value",
        runner: Runner::Rust(case_bare_ureq),
        role: Role::BareUreq,
        default: true,
    },
    Case {
        name: "retrieve",
        label: "`Client::runs().retrieve`",
        runner: Runner::Rust(case_sdk_retrieve),
        role: Role::SdkRetrieve,
        default: true,
    },
    Case {
        name: "ambient",
        label: "ambient `runs().retrieve` inside one `with_auth`",
        runner: Runner::Rust(case_ambient_scoped),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "with-auth-per-call",
        label: "`with_auth` per call around ambient `runs().retrieve`",
        runner: Runner::Rust(case_with_auth_per_call),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "threads",
        label: "8 threads sharing one `Client` (aggregate)",
        runner: Runner::Rust(case_threads),
        role: Role::Threads,
        default: true,
    },
    Case {
        name: "threads-2cpu",
        label: "8 threads sharing one `Client`, clients on both CPUs (aggregate)",
        runner: Runner::Rust(case_threads_2cpu),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "ureq-threads",
        label: "bare ureq, 8 threads sharing one Agent (aggregate)",
        runner: Runner::Rust(case_ureq_threads),
        role: Role::Plain,
        default: false,
    },
    Case {
        name: "decode-run",
        label: "decode the run JSON into `triggerdev::Run` (no I/O)",
        runner: Runner::Rust(case_decode_run),
        role: Role::Plain,
        default: false,
    },
    Case {
        name: "decode-value",
        label: "decode the run JSON into `serde_json::Value` (no I/O)",
        runner: Runner::Rust(case_decode_value),
        role: Role::Plain,
        default: false,
    },
    Case {
        name: "trigger",
        label: "`tasks().trigger`, 1 KB payload",
        runner: Runner::Rust(case_trigger),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "batch",
        label: "`tasks().batch_trigger`, 1,000 items (CPU per item)",
        runner: Runner::Rust(case_batch),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "iter",
        label: "`runs().iter` over 100,000 runs (calls = pages of 100)",
        runner: Runner::Rust(case_iter),
        role: Role::Iter,
        default: true,
    },
    Case {
        name: "c-abi",
        label: "C ABI `trigger_runs_retrieve` from a C program",
        runner: Runner::External(ext_c_abi),
        role: Role::CAbi,
        default: true,
    },
    // Extension point: the Python binding; add a `triggerdev` mode to benches/python_baseline.py.
    Case {
        name: "python-binding",
        label: "Python binding `runs.retrieve`",
        runner: Runner::External(ext_python_binding),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "python-httpclient",
        label: "Python http.client keep-alive + json.loads",
        runner: Runner::External(ext_python_httpclient),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "python-socket",
        label: "Python raw socket, pre-built request bytes + json.loads",
        runner: Runner::External(ext_python_socket),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "python-requests",
        label: "Python requests.Session + .json()",
        runner: Runner::External(ext_python_requests),
        role: Role::Plain,
        default: true,
    },
    // Extension point: the Ruby binding; add a mode to benches/ruby_nethttp.rb.
    Case {
        name: "ruby-binding",
        label: "Ruby binding `runs.retrieve`",
        runner: Runner::External(ext_ruby_binding),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "ruby-nethttp",
        label: "Ruby Net::HTTP keep-alive + JSON.parse",
        runner: Runner::External(ext_ruby_nethttp),
        role: Role::Plain,
        default: true,
    },
    Case {
        name: "node-sdk",
        label: "official Node `@trigger.dev/sdk` `runs.retrieve`",
        runner: Runner::External(ext_node_sdk),
        role: Role::Node,
        default: true,
    },
];

// ---------------------------------------------------------------------------------------------
// Measuring inside a case process.
// ---------------------------------------------------------------------------------------------

/// What a case child knows.
struct Ctx {
    port: u16,
    warmup: Duration,
    secs: Duration,
    /// For profiling (`--calls N --warmup-calls W`): a fixed number of calls instead of a time.
    calls: Option<(u64, u64)>,
}

impl Ctx {
    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn config(&self) -> Config {
        Config::new().access_token(TOKEN).base_url(self.base_url())
    }

    fn client(&self) -> Client {
        Client::with_env(self.config(), &Env::default())
    }
}

/// Latencies in 250 ns buckets up to 50 ms (a zeroed allocation: only touched pages count
/// towards RSS).
struct Histogram {
    buckets: Vec<u32>,
    count: u64,
}

const BUCKET_NS: u64 = 250;
const BUCKETS: usize = 200_000;

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            buckets: vec![0; BUCKETS + 1],
            count: 0,
        }
    }

    fn record(&mut self, d: Duration) {
        let i = (d.as_nanos() as u64 / BUCKET_NS).min(BUCKETS as u64) as usize;
        self.buckets[i] += 1;
        self.count += 1;
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
    }

    /// The `q` quantile in microseconds (bucket midpoint).
    fn quantile_us(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += u64::from(*n);
            if seen >= rank {
                return (i as f64 + 0.5) * BUCKET_NS as f64 / 1000.0;
            }
        }
        (BUCKETS as f64) * BUCKET_NS as f64 / 1000.0
    }
}

/// One case's numbers, as a child reports them.
struct Measured {
    calls: u64,
    secs: f64,
    hist: Histogram,
    cpu_ns: u64,
    /// Units the CPU column is divided into per call (items of a batch).
    cpu_units_per_call: u64,
    errors: u64,
    first_error: Option<String>,
    note: String,
}

impl Measured {
    fn note(mut self, note: impl Into<String>) -> Measured {
        self.note = note.into();
        self
    }
}

/// This thread's CPU time in ns (`schedstat`, else utime+stime in clock ticks).
fn thread_cpu_ns() -> u64 {
    if let Ok(s) = std::fs::read_to_string("/proc/thread-self/schedstat") {
        if let Some(ns) = s.split_whitespace().next().and_then(|v| v.parse().ok()) {
            return ns;
        }
    }
    if let Ok(s) = std::fs::read_to_string("/proc/thread-self/stat") {
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        if let Some(rest) = s.rsplit_once(')').map(|(_, r)| r) {
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            return (ticks(11) + ticks(12)) * 10_000_000; // CLK_TCK = 100
        }
    }
    0
}

/// Peak resident set size of this process, in kB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Warms up, then calls `call` sequentially for `ctx.secs`, timing each call. With a barrier,
/// every thread starts measuring at the same time.
fn run_loop(
    ctx: &Ctx,
    barrier: Option<&Barrier>,
    mut call: impl FnMut() -> Result<(), String>,
) -> Measured {
    const MAX_ERRORS: u64 = 20;
    let mut errors = 0u64;
    let mut first_error = None;
    let mut fail = |e: String, errors: &mut u64| {
        *errors += 1;
        first_error.get_or_insert(e);
    };
    let (limit, warmup_calls) = ctx.calls.unwrap_or((u64::MAX, 0));
    for _ in 0..warmup_calls {
        if let Err(e) = call() {
            fail(e, &mut errors);
        }
    }
    let warm_end = Instant::now()
        + if ctx.calls.is_some() {
            Duration::ZERO
        } else {
            ctx.warmup
        };
    while Instant::now() < warm_end && errors < MAX_ERRORS {
        if let Err(e) = call() {
            fail(e, &mut errors);
        }
    }
    if let Some(b) = barrier {
        b.wait();
    }
    let mut hist = Histogram::new();
    let mut calls = 0u64;
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    let end = ctx.calls.is_none().then(|| start + ctx.secs);
    let mut t = start;
    while errors < MAX_ERRORS && calls < limit {
        let r = call();
        let now = Instant::now();
        match r {
            Ok(()) => {
                hist.record(now - t);
                calls += 1;
            }
            Err(e) => fail(e, &mut errors),
        }
        t = now;
        if end.is_some_and(|end| now >= end) {
            break;
        }
    }
    let cpu_ns = thread_cpu_ns().saturating_sub(cpu0);
    Measured {
        calls,
        secs: (t - start).as_secs_f64(),
        hist,
        cpu_ns,
        cpu_units_per_call: 1,
        errors,
        first_error,
        note: String::new(),
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

// ---------------------------------------------------------------------------------------------
// The Rust cases.
// ---------------------------------------------------------------------------------------------

/// Sequential request/response on one keep-alive socket, bytes prepared in advance.
struct RawConn {
    stream: TcpStream,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl RawConn {
    fn new(ctx: &Ctx) -> Result<RawConn, String> {
        let stream = TcpStream::connect(("127.0.0.1", ctx.port)).map_err(err)?;
        stream.set_nodelay(true).map_err(err)?;
        // Roughly the headers the SDK sends.
        let request = format!(
            "GET /api/v3/runs/{RUN_ID} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\naccept: */*\r\n\
             authorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\n\
             user-agent: triggerdev-rust/{version}\r\ntrigger-version: {version}\r\n\
             x-trigger-source: sdk\r\nx-trigger-api-version: {api}\r\n\
             x-trigger-request-idempotency-key: 9b2f6c1e-4a7d-4e3b-8f21-0c5d7a9e1b34\r\n\r\n",
            port = ctx.port,
            version = triggerdev::VERSION,
            api = triggerdev::API_VERSION,
        )
        .into_bytes();
        Ok(RawConn {
            stream,
            request,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Sends the request and returns the response body.
    fn roundtrip(&mut self) -> Result<&[u8], String> {
        self.stream.write_all(&self.request).map_err(err)?;
        let mut filled = 0;
        let head_end = loop {
            let n = self.stream.read(&mut self.buf[filled..]).map_err(err)?;
            if n == 0 {
                return Err("connection closed".into());
            }
            let from = filled.saturating_sub(3);
            filled += n;
            if let Some(p) = self.buf[from..filled]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                break from + p + 4;
            }
        };
        let head = &self.buf[..head_end];
        if !head.starts_with(b"HTTP/1.1 200") {
            return Err(format!(
                "unexpected response: {}",
                String::from_utf8_lossy(&head[..head.len().min(40)])
            ));
        }
        let len = content_length(head).ok_or("response without content-length")?;
        let total = head_end + len;
        if total > self.buf.len() {
            self.buf.resize(total, 0);
        }
        while filled < total {
            let n = self
                .stream
                .read(&mut self.buf[filled..total])
                .map_err(err)?;
            if n == 0 {
                return Err("connection closed inside the body".into());
            }
            filled += n;
        }
        Ok(&self.buf[head_end..total])
    }
}

fn content_length(head: &[u8]) -> Option<usize> {
    head.split(|&b| b == b'\n').find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        if !line[..colon].eq_ignore_ascii_case(b"content-length") {
            return None;
        }
        std::str::from_utf8(&line[colon + 1..])
            .ok()?
            .trim()
            .parse()
            .ok()
    })
}

fn case_raw_tcp(ctx: &Ctx) -> Result<Measured, String> {
    let mut conn = RawConn::new(ctx)?;
    Ok(run_loop(ctx, None, || {
        black_box(conn.roundtrip()?);
        Ok(())
    }))
}

fn case_raw_tcp_json(ctx: &Ctx) -> Result<Measured, String> {
    let mut conn = RawConn::new(ctx)?;
    Ok(run_loop(ctx, None, || {
        let v: Value = serde_json::from_slice(conn.roundtrip()?).map_err(err)?;
        black_box(v);
        Ok(())
    }))
}

fn bare_ureq_call(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let mut response = agent
        .get(url)
        .header(
            "authorization",
            concat!("Bearer ", "tr_dev_bench0000000000000000"),
        )
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("triggerdev-rust/", env!("CARGO_PKG_VERSION")),
        )
        .header("trigger-version", triggerdev::VERSION)
        .header("x-trigger-source", "sdk")
        .header("x-trigger-api-version", triggerdev::API_VERSION)
        .header(
            "x-trigger-request-idempotency-key",
            "9b2f6c1e-4a7d-4e3b-8f21-0c5d7a9e1b34",
        )
        .call()
        .map_err(err)?;
    let body = response.body_mut().read_to_vec().map_err(err)?;
    let v: Value = serde_json::from_slice(&body).map_err(err)?;
    black_box(v);
    Ok(())
}

fn case_bare_ureq(ctx: &Ctx) -> Result<Measured, String> {
    let agent = ureq::Agent::new_with_defaults();
    let url = format!("{}/api/v3/runs/{RUN_ID}", ctx.base_url());
    Ok(run_loop(ctx, None, || bare_ureq_call(&agent, &url)))
}

fn case_decode_run(ctx: &Ctx) -> Result<Measured, String> {
    Ok(run_loop(ctx, None, || {
        let run: triggerdev::Run = serde_json::from_str(server::RUN_JSON).map_err(err)?;
        black_box(run);
        Ok(())
    }))
}

fn case_decode_value(ctx: &Ctx) -> Result<Measured, String> {
    Ok(run_loop(ctx, None, || {
        let v: Value = serde_json::from_str(server::RUN_JSON).map_err(err)?;
        black_box(v);
        Ok(())
    }))
}

fn case_sdk_retrieve(ctx: &Ctx) -> Result<Measured, String> {
    let client = ctx.client();
    Ok(run_loop(ctx, None, || {
        black_box(client.runs().retrieve(RUN_ID).map_err(err)?);
        Ok(())
    }))
}

fn case_ambient_scoped(ctx: &Ctx) -> Result<Measured, String> {
    Ok(auth::with_auth(ctx.config(), || {
        run_loop(ctx, None, || {
            black_box(triggerdev::runs().retrieve(RUN_ID).map_err(err)?);
            Ok(())
        })
    }))
}

fn case_with_auth_per_call(ctx: &Ctx) -> Result<Measured, String> {
    let config = ctx.config();
    Ok(run_loop(ctx, None, || {
        let run = auth::with_auth(config.clone(), || triggerdev::runs().retrieve(RUN_ID));
        black_box(run.map_err(err)?);
        Ok(())
    }))
}

/// Runs `THREADS` threads of sequential calls at once; `make` gives each thread its call.
fn on_threads<F>(ctx: &Ctx, make: impl Fn() -> F + Sync) -> Measured
where
    F: FnMut() -> Result<(), String>,
{
    let barrier = Barrier::new(THREADS);
    let results: Vec<Measured> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (barrier, make) = (&barrier, &make);
                s.spawn(move || run_loop(ctx, Some(barrier), make()))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a bench thread panicked"))
            .collect()
    });
    let mut total = Measured {
        calls: 0,
        secs: 0.0,
        hist: Histogram::new(),
        cpu_ns: 0,
        cpu_units_per_call: 1,
        errors: 0,
        first_error: None,
        note: String::new(),
    };
    for m in results {
        total.calls += m.calls;
        total.secs = total.secs.max(m.secs);
        total.hist.merge(&m.hist);
        total.cpu_ns += m.cpu_ns;
        total.errors += m.errors;
        if total.first_error.is_none() {
            total.first_error = m.first_error;
        }
    }
    total
}

fn sdk_threads(ctx: &Ctx) -> Measured {
    let client = ctx.client();
    on_threads(ctx, || {
        let client = client.clone();
        move || {
            black_box(client.runs().retrieve(RUN_ID).map_err(err)?);
            Ok(())
        }
    })
}

fn case_threads(ctx: &Ctx) -> Result<Measured, String> {
    Ok(sdk_threads(ctx))
}

/// The same on both CPUs: this process gives up its pinning, so the clients may also run on
/// CPU 1 beside the server.
fn case_threads_2cpu(ctx: &Ctx) -> Result<Measured, String> {
    let pid = std::process::id().to_string();
    probe("taskset", &["-a", "-p", "-c", "0,1", &pid]).map_err(|e| format!("cannot unpin: {e}"))?;
    Ok(sdk_threads(ctx).note("clients unpinned (CPUs 0 and 1), the server stays on CPU 1"))
}

/// Bare ureq on 8 threads sharing one Agent (for comparison with the SDK's row; `--only`).
fn case_ureq_threads(ctx: &Ctx) -> Result<Measured, String> {
    let agent = ureq::Agent::new_with_defaults();
    let url = format!("{}/api/v3/runs/{RUN_ID}", ctx.base_url());
    Ok(on_threads(ctx, || {
        let (agent, url) = (agent.clone(), url.clone());
        move || bare_ureq_call(&agent, &url)
    }))
}

/// A JSON object that serializes to exactly `size` bytes.
fn payload_of_size(size: usize) -> Value {
    let mut payload = json!({
        "to": "ada@example.com",
        "subject": "Welcome to the beta",
        "template": "welcome-v3",
        "html": "",
    });
    let base = serde_json::to_vec(&payload).map(|v| v.len()).unwrap_or(0);
    let sentence =
        "Thanks for signing up. Your workspace is ready, and your first task runs today. ";
    let html: String = sentence
        .chars()
        .cycle()
        .take(size.saturating_sub(base))
        .collect();
    payload["html"] = Value::String(html);
    payload
}

fn case_trigger(ctx: &Ctx) -> Result<Measured, String> {
    let client = ctx.client();
    let payload = payload_of_size(1024);
    let size = serde_json::to_vec(&payload).map_err(err)?.len();
    let options = TriggerOptions::new();
    let m = run_loop(ctx, None, || {
        let handle = client
            .tasks()
            .trigger(TASK_ID, &payload, &options)
            .map_err(err)?;
        if handle.public_access_token.is_none() {
            return Err("no x-trigger-jwt in the handle".into());
        }
        black_box(handle);
        Ok(())
    });
    Ok(m.note(format!("payload {size} bytes of JSON")))
}

fn case_batch(ctx: &Ctx) -> Result<Measured, String> {
    let client = ctx.client();
    let items = (0..BATCH_ITEMS)
        .map(|i| {
            BatchItem::new(
                TASK_ID,
                &json!({ "userId": format!("user_{i}"), "email": format!("user{i}@example.com"), "plan": "pro" }),
            )
            .map_err(err)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let options = BatchTriggerOptions::new();
    let mut m = run_loop(ctx, None, || {
        let handle = client
            .tasks()
            .batch_trigger(&items, &options)
            .map_err(err)?;
        if handle.run_count != BATCH_ITEMS as u64 {
            return Err(format!("runCount {} != {BATCH_ITEMS}", handle.run_count));
        }
        black_box(handle);
        Ok(())
    });
    m.cpu_units_per_call = BATCH_ITEMS as u64;
    let rate = m.calls as f64 * BATCH_ITEMS as f64 / m.secs.max(1e-9);
    Ok(m.note(format!(
        "2 requests per call; {} items/s; CPU column is per item",
        fmt_int(rate)
    )))
}

fn case_iter(ctx: &Ctx) -> Result<Measured, String> {
    let client = ctx.client();
    let params = ListRunsParams::new().limit(100);
    // Warm-up: a few pages.
    if !ctx.warmup.is_zero() {
        for run in client.runs().iter(&params).map_err(err)?.take(1_000) {
            black_box(run.map_err(err)?);
        }
    }
    let mut hist = Histogram::new();
    let (mut pages, mut runs, mut passes) = (0u64, 0u64, 0u64);
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    loop {
        let mut iter = client.runs().iter(&params).map_err(err)?;
        let mut n = 0u64;
        let mut t = Instant::now();
        for run in iter.by_ref() {
            black_box(run.map_err(err)?);
            n += 1;
            if n % 100 == 0 {
                let now = Instant::now();
                hist.record(now - t);
                t = now;
            }
        }
        if n != server::TOTAL_RUNS {
            return Err(format!(
                "iterated {n} runs, expected {}",
                server::TOTAL_RUNS
            ));
        }
        pages += iter.pages_fetched();
        runs += n;
        passes += 1;
        if start.elapsed() >= ctx.secs {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_ns = thread_cpu_ns().saturating_sub(cpu0);
    Ok(Measured {
        calls: pages,
        secs,
        hist,
        cpu_ns,
        cpu_units_per_call: 1,
        errors: 0,
        first_error: None,
        note: format!(
            "{} requests per {} runs; {} runs/s; {passes} pass(es)",
            pages / passes,
            fmt_int(server::TOTAL_RUNS as f64),
            fmt_int(runs as f64 / secs)
        ),
    })
}

/// Cold start: a new process makes one call and says `ok <µs since main>` (the parent times
/// spawn → `ok`).
fn cold_start(port: u16, main_entered: Instant) -> ExitCode {
    let client = Client::with_env(
        Config::new()
            .access_token(TOKEN)
            .base_url(format!("http://127.0.0.1:{port}")),
        &Env::default(),
    );
    match client.runs().retrieve(RUN_ID) {
        Ok(run) => {
            black_box(run);
            println!("ok {}", main_entered.elapsed().as_micros());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cold start call failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The child side of `--case NAME`: run it and print `RESULT {json}`.
fn run_case_child(name: &str, ctx: &Ctx) -> ExitCode {
    let Some(case) = CASES.iter().find(|c| c.name == name) else {
        eprintln!("unknown case {name}");
        return ExitCode::FAILURE;
    };
    let Runner::Rust(f) = case.runner else {
        eprintln!("case {name} does not run in this binary");
        return ExitCode::FAILURE;
    };
    match f(ctx) {
        Ok(m) => {
            let calls = m.calls.max(1) as f64;
            let result = json!({
                "calls": m.calls,
                "secs": m.secs,
                "p50_us": m.hist.quantile_us(0.50),
                "p99_us": m.hist.quantile_us(0.99),
                "cpu_us_per_call": m.cpu_ns as f64 / 1000.0 / calls / m.cpu_units_per_call as f64,
                "rss_kb": peak_rss_kb(),
                "errors": m.errors,
                "first_error": m.first_error,
                "note": m.note,
            });
            println!("RESULT {result}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("case {name} failed: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// External rows.
// ---------------------------------------------------------------------------------------------

/// What an external runner gets.
struct Setup {
    port: u16,
    warmup: Duration,
    secs: Duration,
}

fn timing_args(cmd: &mut Command, s: &Setup) {
    cmd.arg(s.port.to_string())
        .arg(format!("{:.3}", s.secs.as_secs_f64()))
        .arg(format!("{:.3}", s.warmup.as_secs_f64()));
}

fn python() -> String {
    std::env::var("TRIGGERDEV_BENCH_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs `program args` quietly; Ok when it exits 0.
fn probe(program: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_owned()),
        Err(e) => Err(format!("`{program}` not found ({e})")),
    }
}

fn python_row(mode: &str, s: &Setup, import: &str) -> Result<Command, String> {
    let py = python();
    probe(&py, &["-c", &format!("import {import}")])
        .map_err(|e| format!("{py} cannot import {import}: {e}"))?;
    let mut cmd = Command::new(&py);
    cmd.arg(Path::new(REPO).join("benches/python_baseline.py"))
        .arg(mode);
    timing_args(&mut cmd, s);
    Ok(cmd)
}

fn ext_python_httpclient(s: &Setup) -> Result<Command, String> {
    python_row("httpclient", s, "http.client")
}

/// The floor of any Python client here: a blocking round trip of pre-built bytes plus json.loads.
fn ext_python_socket(s: &Setup) -> Result<Command, String> {
    python_row("socket", s, "socket")
}

/// The binding from bindings/python (no install needed), over the release cdylib when it is built.
fn ext_python_binding(s: &Setup) -> Result<Command, String> {
    let script = Path::new(REPO).join("benches/python_baseline.py");
    probe(&python(), &[&script.to_string_lossy(), "triggerdev", "--check"]).map_err(|e| {
        format!("the Python binding cannot be loaded: {e} (`cargo cdylib --release` builds its library)")
    })?;
    python_row("triggerdev", s, "ctypes")
}

fn ext_python_requests(s: &Setup) -> Result<Command, String> {
    python_row("requests", s, "requests").map_err(|e| {
        format!("{e} (benches/run.sh makes a venv with requests under bench-scratch/)")
    })
}

fn ext_ruby_nethttp(s: &Setup) -> Result<Command, String> {
    probe("ruby", &["-e", "require 'net/http'; require 'json'"])
        .map_err(|e| format!("ruby unavailable: {e}"))?;
    let mut cmd = Command::new("ruby");
    cmd.arg(Path::new(REPO).join("benches/ruby_nethttp.rb"));
    timing_args(&mut cmd, s);
    Ok(cmd)
}

/// The Ruby binding (bindings/ruby), `binding` mode of benches/ruby_nethttp.rb; it loads the
/// release cdylib when built, else the debug one (the binding's own search order).
fn ext_ruby_binding(s: &Setup) -> Result<Command, String> {
    probe("ruby", &["-e", "require 'ffi'; require 'json'"])
        .map_err(|e| format!("ruby with ruby-ffi unavailable: {e}"))?;
    let mut cmd = Command::new("ruby");
    cmd.arg(Path::new(REPO).join("benches/ruby_nethttp.rb"))
        .arg("binding");
    timing_args(&mut cmd, s);
    Ok(cmd)
}

/// Builds benches/c/retrieve.c against include/ and the cdylib (release if built, else debug).
fn ext_c_abi(s: &Setup) -> Result<Command, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                Path::new(REPO).join(t)
            }
        })
        .unwrap_or_else(|| Path::new(REPO).join("target"));
    let lib_dir = ["release", "debug"]
        .iter()
        .map(|p| target.join(p))
        .find(|d| d.join("libtriggerdev.so").exists())
        .ok_or("no libtriggerdev.so: run `cargo cdylib` (benches/run.sh builds the release one)")?;
    let exe = target.join("bench-c-retrieve");
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(Path::new(REPO).join("benches/c/retrieve.c"))
        .arg(format!("-I{REPO}/include"))
        .arg(format!("-L{}", lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-ltriggerdev")
        .status()
        .map_err(|e| format!("cc unavailable: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cc failed to build benches/c/retrieve.c ({status})"
        ));
    }
    let mut cmd = Command::new(exe);
    timing_args(&mut cmd, s);
    Ok(cmd)
}

fn node_dir() -> PathBuf {
    std::env::var_os("TRIGGERDEV_BENCH_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(REPO).join("bench-scratch/node"))
}

fn ext_node_sdk(s: &Setup) -> Result<Command, String> {
    probe("node", &["--version"]).map_err(|e| format!("node unavailable: {e}"))?;
    let dir = node_dir();
    if !dir
        .join("node_modules/@trigger.dev/sdk/package.json")
        .exists()
    {
        return Err(format!(
            "@trigger.dev/sdk is not installed in {} (benches/run.sh installs it with npm)",
            dir.display()
        ));
    }
    let mut cmd = Command::new("node");
    cmd.arg(Path::new(REPO).join("benches/node_sdk.cjs"));
    timing_args(&mut cmd, s);
    cmd.arg(dir);
    Ok(cmd)
}

// ---------------------------------------------------------------------------------------------
// The orchestrating process.
// ---------------------------------------------------------------------------------------------

struct Opts {
    smoke: bool,
    reps: usize,
    secs: f64,
    warmup: f64,
    cold: usize,
    only: Option<Vec<String>>,
    pin: bool,
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        smoke: false,
        reps: 3,
        secs: 5.0,
        warmup: 1.0,
        cold: 20,
        only: None,
        pin: true,
    };
    let mut explicit = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            explicit.push(name.to_owned());
            it.next().cloned().ok_or(format!("{name} needs a value"))
        };
        match a.as_str() {
            "--bench" => {}
            "--smoke" => o.smoke = true,
            "--no-pin" => o.pin = false,
            "--reps" => o.reps = value("--reps")?.parse().map_err(err)?,
            "--secs" => o.secs = value("--secs")?.parse().map_err(err)?,
            "--warmup" => o.warmup = value("--warmup")?.parse().map_err(err)?,
            "--cold" => o.cold = value("--cold")?.parse().map_err(err)?,
            "--only" => {
                o.only = Some(
                    value("--only")?
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .collect(),
                )
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.smoke {
        let set = |name: &str| explicit.iter().any(|e| e == name);
        if !set("--reps") {
            o.reps = 1;
        }
        if !set("--secs") {
            o.secs = 0.2;
        }
        if !set("--warmup") {
            o.warmup = 0.05;
        }
        if !set("--cold") {
            o.cold = 3;
        }
    }
    o.reps = o.reps.max(1);
    Ok(o)
}

/// One repetition's numbers for one row.
#[derive(Clone, Debug, Default)]
struct Sample {
    calls: u64,
    calls_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    cpu_us: f64,
    rss_mb: f64,
    errors: u64,
    first_error: Option<String>,
    note: String,
}

fn parse_result(stdout: &str) -> Result<Sample, String> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or("no RESULT line")?;
    let v: Value = serde_json::from_str(line).map_err(|e| format!("bad RESULT line: {e}"))?;
    let f = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let calls = v.get("calls").and_then(Value::as_u64).unwrap_or(0);
    let secs = f("secs");
    Ok(Sample {
        calls,
        calls_per_s: calls as f64 / secs,
        p50_us: f("p50_us"),
        p99_us: f("p99_us"),
        cpu_us: f("cpu_us_per_call"),
        rss_mb: f("rss_kb") / 1024.0,
        errors: v.get("errors").and_then(Value::as_u64).unwrap_or(0),
        first_error: v
            .get("first_error")
            .and_then(Value::as_str)
            .map(str::to_owned),
        note: v
            .get("note")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    })
}

/// Why a sample is not sane, if it is not.
fn insane(s: &Sample) -> Option<String> {
    if s.errors > 0 {
        return Some(format!(
            "{} error(s), first: {}",
            s.errors,
            s.first_error.as_deref().unwrap_or("?")
        ));
    }
    if s.calls == 0 {
        return Some("made no calls".into());
    }
    let finite_pos = |x: f64| x.is_finite() && x > 0.0;
    if !finite_pos(s.calls_per_s) || !finite_pos(s.p50_us) || !finite_pos(s.p99_us) {
        return Some(format!(
            "bad numbers: {:.1} calls/s, p50 {:.1} µs, p99 {:.1} µs",
            s.calls_per_s, s.p50_us, s.p99_us
        ));
    }
    if !(s.cpu_us.is_finite() && s.cpu_us >= 0.0 && finite_pos(s.rss_mb)) {
        return Some(format!(
            "bad numbers: CPU {:.1} µs/call, RSS {:.1} MB",
            s.cpu_us, s.rss_mb
        ));
    }
    None
}

/// Runs a child to completion (killed after `timeout`); returns its stdout, or why it failed.
fn run_child(mut cmd: Command, timeout: Duration) -> Result<String, String> {
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let mut out = child.stdout.take().expect("piped");
    let mut errs = child.stderr.take().expect("piped");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = errs.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let tail: String = stderr
        .lines()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" | ");
    match status {
        None => Err(format!("{program} timed out after {timeout:?}: {tail}")),
        Some(s) if !s.success() => Err(format!("{program} exited with {s}: {tail}")),
        Some(_) => Ok(stdout),
    }
}

/// The benchmark server child; closing its stdin stops it.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(exe: &Path, pin: bool) -> Result<Server, String> {
        let mut cmd = if pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "1"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        let mut child = cmd
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped");
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("server: {e}"))?;
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok());
        match port {
            Some(port) => Ok(Server { child, port }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("server did not start (said {line:?})"))
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        for _ in 0..40 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `taskset` can pin to CPUs 0 and 1 here.
fn can_pin() -> bool {
    std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2
        && probe("taskset", &["-c", "1", "true"]).is_ok()
        && probe("taskset", &["-c", "0", "true"]).is_ok()
}

/// Pins this process (and so every child it starts) to CPU 0.
fn pin_self_to_cpu0() -> bool {
    let pid = std::process::id().to_string();
    probe("taskset", &["-a", "-p", "-c", "0", &pid]).is_ok()
}

/// Times `exe args` from spawn to its `ok <µs>` line; returns that and the child's own `<µs>`
/// (from entering `main` to the call done).
fn time_start(exe: &Path, args: &[&str]) -> Result<(Duration, f64), String> {
    let t0 = Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
    let elapsed = t0.elapsed();
    let out = child.wait_with_output().map_err(err)?;
    let inside = line
        .trim()
        .strip_prefix("ok ")
        .and_then(|us| us.parse::<f64>().ok());
    let Some(inside) = inside.filter(|_| out.status.success()) else {
        return Err(format!(
            "cold start child failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    };
    Ok((elapsed, inside))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The stripped size of the release cdylib: (stripped bytes, unstripped bytes, path).
fn cdylib_size(exe: &Path) -> Result<(u64, u64, PathBuf), String> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("TRIGGERDEV_CDYLIB") {
        candidates.push(PathBuf::from(p));
    }
    // <target>/release/deps/sdk-<hash> → <target>/release/libtriggerdev.so
    if let Some(release) = exe.parent().and_then(Path::parent) {
        candidates.push(release.join("libtriggerdev.so"));
    }
    candidates.push(Path::new(REPO).join("target/release/libtriggerdev.so"));
    let path = candidates
        .into_iter()
        .find(|p| p.exists())
        .ok_or("no release cdylib found: run `cargo cdylib --release` (benches/run.sh does)")?;
    let unstripped = std::fs::metadata(&path).map_err(err)?.len();
    let copy = std::env::temp_dir().join(format!("triggerdev-bench-{}.so", std::process::id()));
    std::fs::copy(&path, &copy).map_err(err)?;
    let stripped = probe("strip", &["--strip-all", &copy.to_string_lossy()])
        .and_then(|()| std::fs::metadata(&copy).map(|m| m.len()).map_err(err));
    let _ = std::fs::remove_file(&copy);
    Ok((
        stripped.map_err(|e| format!("strip failed: {e}"))?,
        unstripped,
        path,
    ))
}

fn fmt_int(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let s = format!("{:.0}", x.round());
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn fmt_us(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x < 10.0 {
        format!("{x:.2}")
    } else if x < 1000.0 {
        format!("{x:.1}")
    } else {
        fmt_int(x)
    }
}

fn fmt_ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}×")
    } else {
        "—".into()
    }
}

/// What a row ended with.
enum Outcome {
    Measured(Sample),
    Failed(String),
    Skipped(String),
}

struct Row {
    case: &'static Case,
    samples: Vec<Sample>,
    failure: Option<String>,
    skipped: Option<String>,
}

impl Row {
    fn median(&self) -> Option<Sample> {
        if self.samples.is_empty() {
            return None;
        }
        let m = |f: fn(&Sample) -> f64| median(self.samples.iter().map(f).collect());
        Some(Sample {
            calls: self.samples.iter().map(|s| s.calls).sum(),
            calls_per_s: m(|s| s.calls_per_s),
            p50_us: m(|s| s.p50_us),
            p99_us: m(|s| s.p99_us),
            cpu_us: m(|s| s.cpu_us),
            rss_mb: m(|s| s.rss_mb),
            errors: self.samples.iter().map(|s| s.errors).sum(),
            first_error: None,
            note: self
                .samples
                .last()
                .map(|s| s.note.clone())
                .unwrap_or_default(),
        })
    }
}

fn run_one(case: &Case, exe: &Path, setup: &Setup) -> Outcome {
    let timeout = setup.warmup + setup.secs + Duration::from_secs(180);
    let cmd = match case.runner {
        Runner::External(prepare) => match prepare(setup) {
            Ok(cmd) => cmd,
            Err(why) => return Outcome::Skipped(why),
        },
        Runner::Rust(_) => {
            let mut cmd = Command::new(exe);
            cmd.args(["--case", case.name, "--port"])
                .arg(setup.port.to_string())
                .arg("--secs")
                .arg(setup.secs.as_secs_f64().to_string())
                .arg("--warmup")
                .arg(setup.warmup.as_secs_f64().to_string());
            cmd
        }
    };
    match run_child(cmd, timeout).and_then(|out| parse_result(&out)) {
        Ok(sample) => match insane(&sample) {
            None => Outcome::Measured(sample),
            Some(why) => Outcome::Failed(why),
        },
        Err(e) => Outcome::Failed(e),
    }
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "(date unavailable)".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn orchestrate(opts: &Opts) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot find this executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pinned = opts.pin && can_pin() && pin_self_to_cpu0();
    let server = match Server::start(&exe, pinned) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let setup = Setup {
        port: server.port,
        warmup: Duration::from_secs_f64(opts.warmup),
        secs: Duration::from_secs_f64(opts.secs),
    };
    let selected: Vec<&'static Case> = CASES
        .iter()
        .filter(|c| match &opts.only {
            Some(only) => only.iter().any(|n| n == c.name),
            None => c.default,
        })
        .collect();
    let mut rows: Vec<Row> = selected
        .iter()
        .map(|&case| Row {
            case,
            samples: Vec::new(),
            failure: None,
            skipped: None,
        })
        .collect();
    eprintln!(
        "bench: server on 127.0.0.1:{} ({}), {} rep(s) × {:.1} s (+{:.2} s warm-up) per case",
        server.port,
        if pinned {
            "server on CPU 1, clients on CPU 0"
        } else {
            "not pinned"
        },
        opts.reps,
        opts.secs,
        opts.warmup
    );
    for rep in 0..opts.reps {
        for row in rows.iter_mut() {
            if row.failure.is_some() || row.skipped.is_some() {
                continue;
            }
            eprint!("bench: [{}/{}] {:<20} ", rep + 1, opts.reps, row.case.name);
            match run_one(row.case, &exe, &setup) {
                Outcome::Measured(s) => {
                    eprintln!(
                        "{:>9} calls/s  p50 {:>7} µs  CPU {:>7} µs  RSS {:.1} MB",
                        fmt_int(s.calls_per_s),
                        fmt_us(s.p50_us),
                        fmt_us(s.cpu_us),
                        s.rss_mb
                    );
                    row.samples.push(s);
                }
                Outcome::Failed(e) => {
                    eprintln!("FAILED: {e}");
                    row.failure = Some(e);
                }
                Outcome::Skipped(why) => {
                    eprintln!("skipped: {why}");
                    row.skipped = Some(why);
                }
            }
        }
    }

    let want = |name: &str| {
        opts.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|n| n == name))
    };
    let mut failures: Vec<String> = rows
        .iter()
        .filter_map(|r| r.failure.as_ref().map(|f| format!("{}: {f}", r.case.name)))
        .collect();

    // Cold start, against a no-op start of the same binary.
    // (median µs spawn → done, worst, median no-op start, median inside the child)
    let mut cold: Option<(f64, f64, f64, f64)> = None;
    if want("cold-start") && opts.cold > 0 {
        eprint!("bench: cold start × {} ", opts.cold);
        let port = server.port.to_string();
        let mut starts = Vec::new();
        let mut noops = Vec::new();
        let mut insides = Vec::new();
        let mut failed = None;
        for _ in 0..opts.cold {
            match time_start(&exe, &["--case", "noop"]).and_then(|n| {
                time_start(&exe, &["--case", "cold-start", "--port", &port]).map(|c| (n, c))
            }) {
                Ok(((n, _), (c, inside))) => {
                    noops.push(n.as_secs_f64() * 1e6);
                    starts.push(c.as_secs_f64() * 1e6);
                    insides.push(inside);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            Some(e) => {
                eprintln!("FAILED: {e}");
                failures.push(format!("cold-start: {e}"));
            }
            None => {
                let worst = starts.iter().cloned().fold(0.0, f64::max);
                let m = median(starts);
                let n = median(noops);
                let i = median(insides);
                eprintln!("median {m:.0} µs (no-op start {n:.0} µs; main → call done {i:.0} µs)");
                cold = Some((m, worst, n, i));
            }
        }
    }

    let mut cdylib: Option<Result<(u64, u64, PathBuf), String>> = None;
    if want("cdylib") {
        let r = cdylib_size(&exe);
        match &r {
            Ok((s, u, p)) => eprintln!(
                "bench: cdylib {} → {} bytes stripped ({} unstripped)",
                p.display(),
                fmt_int(*s as f64),
                fmt_int(*u as f64)
            ),
            Err(e) => eprintln!("bench: cdylib size skipped: {e}"),
        }
        cdylib = Some(r);
    }
    drop(server);

    // ---- The table ----
    let by_role = |role: Role| {
        rows.iter()
            .find(|r| r.case.role == role)
            .and_then(Row::median)
    };
    let ureq = by_role(Role::BareUreq);
    let rawjson = by_role(Role::RawTcpJson);
    let sdk = by_role(Role::SdkRetrieve);
    let threads = by_role(Role::Threads);
    let iter = by_role(Role::Iter);
    let node = by_role(Role::Node);
    let c_abi = by_role(Role::CAbi);
    let ratio = |s: &Sample, base: &Option<Sample>| {
        base.as_ref()
            .map_or(f64::NAN, |b| s.calls_per_s / b.calls_per_s)
    };

    println!();
    println!(
        "Measured {} on {} (nproc = {}, {}), {}; {} repetition(s) of {:.1} s per case after {:.2} s \
         warm-up, medians shown.{}",
        date(),
        cpu_model(),
        nproc,
        std::env::consts::ARCH,
        if pinned {
            "server pinned to CPU 1 and clients to CPU 0"
        } else {
            "no CPU pinning"
        },
        opts.reps,
        opts.secs,
        opts.warmup,
        if opts.smoke { " SMOKE RUN: numbers are not meaningful." } else { "" }
    );
    println!();
    println!(
        "| case | calls/s | p50 µs | p99 µs | CPU µs/call | peak RSS MB | × bare ureq | × raw TCP+JSON |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut notes = vec![format!(
        "`GET /api/v3/runs/{{id}}` answers {} bytes of JSON; notes with rates are from the last \
         repetition",
        server::RUN_JSON.len()
    )];
    for row in &rows {
        let Some(s) = row.median() else { continue };
        println!(
            "| {} | {} | {} | {} | {} | {:.1} | {} | {} |",
            row.case.label,
            fmt_int(s.calls_per_s),
            fmt_us(s.p50_us),
            fmt_us(s.p99_us),
            fmt_us(s.cpu_us),
            s.rss_mb,
            fmt_ratio(ratio(&s, &ureq)),
            fmt_ratio(ratio(&s, &rawjson)),
        );
        if !s.note.is_empty() {
            notes.push(format!("{}: {}", row.case.label, s.note));
        }
    }
    if let Some((m, worst, noop, inside)) = cold {
        println!(
            "| cold start: process start → first `retrieve` done (median of {}) | — | {} | {} (max) | — | — | — | — |",
            opts.cold,
            fmt_us(m),
            fmt_us(worst),
        );
        notes.push(format!(
            "cold start: timed by the parent from spawn to the child's `ok`; a start of the same \
             binary that exits at once takes {} µs, and inside the child `main` → call done takes \
             {} µs (client construction, connect, one request)",
            fmt_us(noop),
            fmt_us(inside)
        ));
    }
    if let Some(Ok((stripped, unstripped, _))) = &cdylib {
        println!(
            "| stripped release cdylib `libtriggerdev.so`: {} bytes ({:.2} MB; {:.2} MB unstripped) | — | — | — | — | — | — | — |",
            fmt_int(*stripped as f64),
            *stripped as f64 / 1048576.0,
            *unstripped as f64 / 1048576.0,
        );
    }
    println!();
    if let (Some(t), Some(one)) = (&threads, &sdk) {
        notes.push(format!(
            "8 threads: {:.2}× one thread's calls/s; latency and CPU are per call",
            t.calls_per_s / one.calls_per_s
        ));
    }
    for row in &rows {
        if let Some(why) = &row.skipped {
            notes.push(format!("not measured: {}: {why}", row.case.label));
        }
        if let Some(why) = &row.failure {
            notes.push(format!("FAILED: {}: {why}", row.case.label));
        }
    }
    if let Some(Err(e)) = &cdylib {
        notes.push(format!("not measured: cdylib size: {e}"));
    }
    notes.push(
        "CPU µs/call is the client thread's own CPU time (schedstat) over the calls; the Python, \
         Ruby and Node rows report their process or thread CPU as their runtime exposes it"
            .into(),
    );
    for n in &notes {
        println!("- {n}");
    }

    // ---- Targets (informational) ----
    println!();
    println!("Targets (informational, never enforced):");
    let mark = |ok: bool| if ok { "met" } else { "missed" };
    match (&sdk, &ureq, &rawjson) {
        (Some(s), Some(u), Some(r)) => {
            let a = s.calls_per_s / u.calls_per_s;
            let b = s.calls_per_s / r.calls_per_s;
            println!(
                "- `Client::runs().retrieve` ≥ 1.0× bare ureq: {a:.2}× — {}; stretch ≥ 0.7× raw \
                 TCP+JSON: {b:.2}× — {}",
                mark(a >= 1.0),
                mark(b >= 0.7)
            );
        }
        _ => println!("- `Client::runs().retrieve` vs bare ureq / raw TCP+JSON: not measured"),
    }
    match (&c_abi, &sdk) {
        (Some(c), Some(s)) => {
            let x = c.calls_per_s / s.calls_per_s;
            println!(
                "- C ABI ≥ 0.95× the Rust API: {x:.2}× — {}; {:.1} MB peak RSS for a C host loop",
                mark(x >= 0.95),
                c.rss_mb
            );
        }
        _ => println!("- C ABI ≥ 0.95× the Rust API: not measured"),
    }
    match (&sdk, &node) {
        (Some(s), Some(n)) => {
            let speed = s.calls_per_s / n.calls_per_s;
            let rss = n.rss_mb / s.rss_mb;
            println!(
                "- ≥ 10× Node calls/s with ≤ 1/40 its RSS: {speed:.1}× calls/s — {}; RSS 1/{rss:.0} \
                 ({:.1} MB vs {:.1} MB) — {}",
                mark(speed >= 10.0),
                s.rss_mb,
                n.rss_mb,
                mark(rss >= 40.0)
            );
        }
        _ => println!("- ≥ 10× Node calls/s with ≤ 1/40 its RSS: Node row not measured"),
    }
    match (&threads, &sdk) {
        (Some(t), Some(s)) => {
            let x = t.calls_per_s / s.calls_per_s;
            println!(
                "- 8 threads ≥ 1.6× one thread: {x:.2}× — {}{}",
                mark(x >= 1.6),
                if pinned {
                    " (all client threads share CPU 0)"
                } else {
                    ""
                }
            );
        }
        _ => println!("- 8 threads ≥ 1.6× one thread: not measured"),
    }
    match &iter {
        Some(i) => println!(
            "- iterating 100,000 runs peak RSS < 10 MB: {:.1} MB — {}",
            i.rss_mb,
            mark(i.rss_mb < 10.0)
        ),
        None => println!("- iterating 100,000 runs peak RSS < 10 MB: not measured"),
    }
    match cold {
        Some((m, _, _, _)) => println!(
            "- cold start < 2 ms: {:.2} ms — {}",
            m / 1000.0,
            mark(m < 2000.0)
        ),
        None => println!("- cold start < 2 ms: not measured"),
    }
    match &cdylib {
        Some(Ok((s, _, _))) => println!(
            "- stripped cdylib ≤ 3 MB: {:.2} MB — {}",
            *s as f64 / 1048576.0,
            mark(*s <= 3 * 1024 * 1024)
        ),
        _ => println!("- stripped cdylib ≤ 3 MB: not measured"),
    }

    if failures.is_empty() {
        if opts.smoke {
            let measured = rows.iter().filter(|r| !r.samples.is_empty()).count();
            eprintln!(
                "bench: smoke run passed ({measured} case(s) measured, {} skipped)",
                rows.iter().filter(|r| r.skipped.is_some()).count()
            );
        }
        ExitCode::SUCCESS
    } else {
        eprintln!("bench: {} case(s) failed:", failures.len());
        for f in &failures {
            eprintln!("  {f}");
        }
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let main_entered = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--serve") {
        server::main();
        return ExitCode::SUCCESS;
    }
    if args.first().map(String::as_str) == Some("--case") {
        let name = args.get(1).map(String::as_str).unwrap_or("");
        let value = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .and_then(|i| args.get(i + 1))
        };
        let port: u16 = value("--port").and_then(|p| p.parse().ok()).unwrap_or(0);
        match name {
            "noop" => {
                println!("ok 0");
                return ExitCode::SUCCESS;
            }
            "cold-start" => return cold_start(port, main_entered),
            _ => {}
        }
        let secs = |flag: &str, default: f64| {
            Duration::from_secs_f64(value(flag).and_then(|v| v.parse().ok()).unwrap_or(default))
        };
        let count = |flag: &str| value(flag).and_then(|v| v.parse::<u64>().ok());
        let ctx = Ctx {
            port,
            warmup: secs("--warmup", 1.0),
            secs: secs("--secs", 5.0),
            calls: count("--calls").map(|n| (n, count("--warmup-calls").unwrap_or(0))),
        };
        return run_case_child(name, &ctx);
    }
    if args.iter().any(|a| a == "--list") {
        for c in CASES {
            let kind = match c.runner {
                Runner::Rust(_) => "rust",
                Runner::External(_) => "external",
            };
            let only = if c.default {
                ""
            } else {
                "  [only with --only]"
            };
            println!("{:<24} {:<9} {}{only}", c.name, kind, c.label);
        }
        println!("{:<20} {:<9} cold start", "cold-start", "rust");
        println!(
            "{:<20} {:<9} stripped release cdylib size",
            "cdylib", "file"
        );
        return ExitCode::SUCCESS;
    }
    match parse_opts(&args) {
        Ok(opts) => orchestrate(&opts),
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
