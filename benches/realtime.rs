//! The realtime benchmark: `cargo bench --bench realtime` (full run, about a minute), or
//! `cargo bench --bench realtime -- --smoke` (seconds, checked; what CI runs).
//!
//! What it measures, against the emulator in a child process of this binary (so the memory
//! and CPU read here are the client's alone):
//! - **wait vs poll**: runs that finish `--finish-after` seconds after the waiters start (30),
//!   the emulator holding live requests `--hold` seconds (20, as the server does). Each
//!   repetition waits on one run with `runs().wait` and on another with `runs().poll` at a
//!   `--interval` (1 s), at the same time; the table shows the requests each made (from the
//!   emulator's request log), the delay from the completion request to the call returning,
//!   and the waiting thread's CPU.
//! - **one tag subscription over `--runs` runs** (1,000): `subscribe_tagged` reads the
//!   snapshot of every run, then the live changes after every run was started, and after
//!   every run was completed (made before the read, so that the read measures the client, not
//!   the pace of the changes); rows/s and CPU per row of each phase, and the client's
//!   resident memory after each phase beside its peak.
//!
//! Nothing is asserted on timings; `--smoke` shortens every wait and checks the counts (every
//! call returned the finished run, every row arrived), exiting non-zero otherwise.
//! Options (after `--`): `--smoke`, `--reps N` (3), `--finish-after S` (30), `--hold S` (20),
//! `--interval S` (1), `--runs N` (1000).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use triggerdev::{Client, Config, PollOptions, RunStatus, SubscribeRunsOptions, TriggerOptions};
use triggerdev_emulator::{Emulator, Options, RealtimeOptions};

const TASK: &str = "bench-task";
const TAG: &str = "bench-tag";

struct Opts {
    smoke: bool,
    reps: usize,
    finish_after: Duration,
    hold: Duration,
    interval: Duration,
    runs: usize,
}

fn parse_opts() -> Result<Opts, String> {
    let mut o = Opts {
        smoke: false,
        reps: 3,
        finish_after: Duration::from_secs(30),
        hold: Duration::from_secs(20),
        interval: Duration::from_secs(1),
        runs: 1000,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let secs = |v: Option<String>, name: &str| -> Result<Duration, String> {
        v.and_then(|v| v.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{name} takes a number of seconds"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--smoke" => {
                o.smoke = true;
                o.reps = 2;
                o.finish_after = Duration::from_millis(1500);
                o.hold = Duration::from_millis(1000);
                o.interval = Duration::from_millis(100);
                o.runs = 100;
            }
            "--reps" => o.reps = count(args.next(), "--reps")?,
            "--runs" => o.runs = count(args.next(), "--runs")?,
            "--finish-after" => o.finish_after = secs(args.next(), "--finish-after")?,
            "--hold" => o.hold = secs(args.next(), "--hold")?,
            "--interval" => o.interval = secs(args.next(), "--interval")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn count(v: Option<String>, name: &str) -> Result<usize, String> {
    v.and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{name} takes a positive number"))
}

// ---------------------------------------------------------------------------------------------
// The emulator child
// ---------------------------------------------------------------------------------------------

/// `--serve-emulator HOLD_MS`: serves until stdin closes.
fn serve(hold_ms: &str) -> ExitCode {
    let Ok(ms) = hold_ms.parse() else {
        eprintln!("--serve-emulator takes the live hold in ms");
        return ExitCode::FAILURE;
    };
    let opts = Options {
        realtime: RealtimeOptions {
            hold: Duration::from_millis(ms),
        },
        ..Options::default()
    };
    let emulator = match Emulator::start_with(opts) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "LISTENING {} {}",
        emulator.base_url(),
        emulator.seed().dev_key()
    );
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}

struct EmulatorChild {
    child: Child,
    base_url: String,
    key: String,
    admin: ureq::Agent,
}

impl EmulatorChild {
    fn start(hold: Duration) -> Result<EmulatorChild, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(["--serve-emulator", &hold.as_millis().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let mut words = line.split_whitespace().skip(1);
        let (Some(base_url), Some(key)) = (words.next(), words.next()) else {
            return Err(format!("the emulator did not start (said {line:?})"));
        };
        Ok(EmulatorChild {
            base_url: base_url.to_owned(),
            key: key.to_owned(),
            child,
            admin: ureq::Agent::new_with_defaults(),
        })
    }

    fn client(&self) -> Client {
        Client::new(
            Config::new()
                .access_token(self.key.as_str())
                .base_url(self.base_url.as_str()),
        )
    }

    fn admin(&self, path: &str, body: Value) -> Result<(), String> {
        self.admin
            .post(format!("{}/__emulator/{path}", self.base_url))
            .header("content-type", "application/json")
            .send(body.to_string())
            .map(drop)
            .map_err(|e| format!("{path}: {e}"))
    }

    /// The API requests whose path names `run_id`.
    fn requests_for(&self, run_id: &str) -> Result<usize, String> {
        let log: Value = self
            .admin
            .get(format!("{}/__emulator/requests", self.base_url))
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .map_err(|e| format!("request log: {e}"))
            .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("request log: {e}")))?;
        let entries = log["requests"].as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter(|e| e["path"].as_str().is_some_and(|p| p.contains(run_id)))
            .count())
    }
}

impl Drop for EmulatorChild {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------------------------

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// `VmRSS` (now) or `VmHWM` (peak) of this process, in KiB.
fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One waiter's result: requests made, µs from the completion request to the return, CPU µs.
struct Waited {
    requests: usize,
    delay_us: f64,
    cpu_us: f64,
}

fn wait_vs_poll(o: &Opts) -> Result<(Vec<Waited>, Vec<Waited>), String> {
    let emu = EmulatorChild::start(o.hold)?;
    let client = emu.client();
    let trigger = || -> Result<String, String> {
        client
            .tasks()
            .trigger(TASK, &json!({}), &TriggerOptions::default())
            .map(|r| r.id)
            .map_err(|e| e.to_string())
    };
    let pairs: Vec<(String, String)> = (0..o.reps)
        .map(|_| Ok((trigger()?, trigger()?)))
        .collect::<Result<_, String>>()?;
    let limit = o.finish_after * 4;
    // Every waiter starts, then the runs finish `finish_after` later.
    let started = Barrier::new(2 * o.reps + 1);
    let (waited, polled) = thread::scope(|s| {
        let spawn = |run_id: &str, by_wait: bool| {
            let (client, started, run_id) = (&client, &started, run_id.to_owned());
            s.spawn(move || -> Result<(Instant, u64), String> {
                started.wait();
                let cpu0 = thread_cpu_ns();
                let run = if by_wait {
                    client.runs().wait(&run_id, limit)
                } else {
                    let options = PollOptions::new().interval(o.interval).timeout(limit);
                    client.runs().poll(&run_id, &options)
                }
                .map_err(|e| format!("{run_id}: {e}"))?;
                let done = Instant::now();
                if run.status != RunStatus::Completed {
                    return Err(format!("{run_id} returned as {:?}", run.status));
                }
                Ok((done, thread_cpu_ns() - cpu0))
            })
        };
        let handles: Vec<_> = pairs
            .iter()
            .map(|(w, p)| (spawn(w, true), spawn(p, false)))
            .collect();
        started.wait();
        thread::sleep(o.finish_after);
        let mut completed = Vec::new();
        for (w, p) in &pairs {
            for id in [w, p] {
                let at = Instant::now();
                emu.admin(
                    &format!("runs/{id}/complete"),
                    json!({"output": {"ok": true}}),
                )?;
                completed.push(at);
            }
        }
        let mut waited = Vec::new();
        let mut polled = Vec::new();
        for (i, (hw, hp)) in handles.into_iter().enumerate() {
            for (h, at, out, id) in [
                (hw, completed[2 * i], &mut waited, &pairs[i].0),
                (hp, completed[2 * i + 1], &mut polled, &pairs[i].1),
            ] {
                let (done, cpu) = h.join().map_err(|_| "a waiter panicked")??;
                out.push(Waited {
                    requests: emu.requests_for(id)?,
                    delay_us: done.saturating_duration_since(at).as_secs_f64() * 1e6,
                    cpu_us: cpu as f64 / 1e3,
                });
            }
        }
        Ok::<_, String>((waited, polled))
    })?;
    Ok((waited, polled))
}

/// One phase of the tag subscription: rows read, seconds, CPU ns, RSS after it (KiB).
struct Phase {
    name: String,
    rows: usize,
    secs: f64,
    cpu_ns: u64,
    rss_kb: u64,
}

/// The phases, the RSS before subscribing and the peak RSS (KiB).
fn tag_subscription(o: &Opts) -> Result<(Vec<Phase>, u64, u64), String> {
    let emu = EmulatorChild::start(o.hold)?;
    let client = emu.client();
    let tagged = TriggerOptions::new().tag(TAG);
    let ids: Vec<String> = (0..o.runs)
        .map(|i| {
            client
                .tasks()
                .trigger(TASK, &json!({"n": i}), &tagged)
                .map(|r| r.id)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let rss_before = rss_kb("VmRSS:");
    let mut sub = client
        .runs()
        .subscribe_tagged(&[TAG], &SubscribeRunsOptions::new())
        .map_err(|e| e.to_string())?;
    let mut phases = Vec::new();
    // Reads rows until every run has been seen in `want` (the status the phase moves it to).
    let mut read_phase = |name: &str, want: Option<RunStatus>| -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        let (t0, cpu0) = (Instant::now(), thread_cpu_ns());
        let mut rows = 0;
        while seen.len() < ids.len() {
            let run = sub
                .next()
                .ok_or("the subscription ended")?
                .map_err(|e| e.to_string())?;
            rows += 1;
            if want.as_ref().is_none_or(|w| &run.status == w) {
                seen.insert(run.id);
            }
        }
        phases.push(Phase {
            name: name.to_owned(),
            rows,
            secs: t0.elapsed().as_secs_f64(),
            cpu_ns: thread_cpu_ns() - cpu0,
            rss_kb: rss_kb("VmRSS:"),
        });
        Ok(())
    };
    read_phase(&format!("snapshot of {} runs", ids.len()), None)?;
    for (action, status) in [
        ("start", RunStatus::Executing),
        ("complete", RunStatus::Completed),
    ] {
        // Every run changes before the next read, so the reads measure the client (decoding
        // update rows) rather than the pace of the changes.
        ids.iter()
            .try_for_each(|id| emu.admin(&format!("runs/{id}/{action}"), json!({})))?;
        read_phase(&format!("live: every run's {action}"), Some(status))?;
    }
    Ok((phases, rss_before, rss_kb("VmHWM:")))
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

struct Subscribed {
    phases: Vec<Phase>,
    before_kb: u64,
    peak_kb: u64,
}

fn report(o: &Opts, waited: &[Waited], polled: &[Waited], sub: &Subscribed) {
    let row = |name: &str, w: &[Waited]| {
        let req = median(w.iter().map(|x| x.requests as f64).collect());
        let delay = median(w.iter().map(|x| x.delay_us / 1e3).collect());
        let max_delay = w.iter().map(|x| x.delay_us / 1e3).fold(0.0, f64::max);
        let cpu = median(w.iter().map(|x| x.cpu_us).collect());
        println!("| {name} | {req:.0} | {delay:.2} | {max_delay:.2} | {cpu:.0} |");
    };
    println!(
        "Waiting for a run that finishes {:.1} s after the wait starts ({} repetition(s), medians; \
         live requests held {:.1} s):\n",
        o.finish_after.as_secs_f64(),
        o.reps,
        o.hold.as_secs_f64()
    );
    println!("| call | requests | completion → return ms | max ms | CPU µs (whole wait) |");
    println!("|---|---:|---:|---:|---:|");
    row("`runs().wait` (realtime feed)", waited);
    row(
        &format!("`runs().poll`, {:.1} s interval", o.interval.as_secs_f64()),
        polled,
    );
    println!(
        "\nOne `subscribe_tagged` subscription over {} runs:\n",
        o.runs
    );
    println!("| phase | rows | rows/s | CPU µs/row | RSS after, MB |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| before subscribing | — | — | — | {:.1} |",
        sub.before_kb as f64 / 1024.0
    );
    for p in &sub.phases {
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.1} |",
            p.name,
            p.rows,
            p.rows as f64 / p.secs,
            p.cpu_ns as f64 / 1e3 / p.rows as f64,
            p.rss_kb as f64 / 1024.0
        );
    }
    println!(
        "\nPeak RSS of the client process: {:.1} MB",
        sub.peak_kb as f64 / 1024.0
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-emulator") {
        return serve(args.get(i + 1).map_or("", String::as_str));
    }
    let o = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("realtime bench: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "realtime bench: wait vs poll ({} s each)",
        o.finish_after.as_secs_f64()
    );
    let measured = wait_vs_poll(&o).and_then(|(w, p)| {
        eprintln!("realtime bench: one tag subscription over {} runs", o.runs);
        let (phases, before_kb, peak_kb) = tag_subscription(&o)?;
        let sub = Subscribed {
            phases,
            before_kb,
            peak_kb,
        };
        Ok((w, p, sub))
    });
    match measured {
        Ok((w, p, sub)) => {
            report(&o, &w, &p, &sub);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("realtime bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}
