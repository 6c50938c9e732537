//! `triggerdev-emulator --port 0`: serves the emulator until killed (or, with
//! `--exit-on-stdin-eof`, until its stdin reaches end of file).
//! The first stdout line is `listening on http://HOST:PORT`.
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::IpAddr;

use triggerdev_emulator::{Emulator, FaultRule, Faults, Options, Seed};

const USAGE: &str = "usage: triggerdev-emulator [--host IP] [--port N] [--seed FILE] \
[--fail-rate F] [--fail-status CODE] [--latency-ms N] [--fault-seed N] [--id-seed N] [--unknown-task ID]... \
[--sse-timeout-secs N] [--sse-linger-ms N] [--sse-ping-ms N] [--realtime-hold-ms N] \
[--exit-on-stdin-eof]";

/// What the command line asks for.
struct Args {
    opts: Options,
    /// Exit once stdin reaches end of file (the owner's end of the pipe closed).
    exit_on_stdin_eof: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut opts = Options::default();
    let mut exit_on_stdin_eof = false;
    let mut faults = Faults::default();
    let mut fail_rate = None;
    let mut fail_status = 503;
    let mut args = std::env::args().skip(1);
    let mut custom_unknown = Vec::new();
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Err(USAGE.to_string()),
            "--host" => {
                opts.host = value("--host")?
                    .parse::<IpAddr>()
                    .map_err(|e| format!("--host: {e}"))?
            }
            "--port" => {
                opts.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--seed" => {
                let path = value("--seed")?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                opts.seed = Seed::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
            }
            "--fail-rate" => {
                let r: f64 = value("--fail-rate")?
                    .parse()
                    .map_err(|e| format!("--fail-rate: {e}"))?;
                fail_rate = Some(r.clamp(0.0, 1.0));
            }
            "--fail-status" => {
                fail_status = value("--fail-status")?
                    .parse()
                    .map_err(|e| format!("--fail-status: {e}"))?
            }
            "--latency-ms" => {
                let ms: u64 = value("--latency-ms")?
                    .parse()
                    .map_err(|e| format!("--latency-ms: {e}"))?;
                faults.rules.push(FaultRule::latency(ms));
            }
            "--fault-seed" => {
                faults.seed = value("--fault-seed")?
                    .parse()
                    .map_err(|e| format!("--fault-seed: {e}"))?
            }
            "--id-seed" => {
                let seed: u64 = value("--id-seed")?
                    .parse()
                    .map_err(|e| format!("--id-seed: {e}"))?;
                triggerdev_emulator::seed_ids(seed);
            }
            "--unknown-task" => custom_unknown.push(value("--unknown-task")?),
            "--sse-timeout-secs" => {
                opts.sessions.sse_timeout_secs = value("--sse-timeout-secs")?
                    .parse()
                    .map_err(|e| format!("--sse-timeout-secs: {e}"))?
            }
            "--sse-linger-ms" => {
                let ms: u64 = value("--sse-linger-ms")?
                    .parse()
                    .map_err(|e| format!("--sse-linger-ms: {e}"))?;
                opts.sessions.sse_linger = Some(std::time::Duration::from_millis(ms));
            }
            "--sse-ping-ms" => {
                let ms: u64 = value("--sse-ping-ms")?
                    .parse()
                    .map_err(|e| format!("--sse-ping-ms: {e}"))?;
                opts.sessions.sse_ping_interval = std::time::Duration::from_millis(ms);
            }
            "--realtime-hold-ms" => {
                let ms: u64 = value("--realtime-hold-ms")?
                    .parse()
                    .map_err(|e| format!("--realtime-hold-ms: {e}"))?;
                opts.realtime.hold = std::time::Duration::from_millis(ms);
            }
            "--exit-on-stdin-eof" if inline.is_some() => {
                return Err("--exit-on-stdin-eof takes no value".to_string())
            }
            "--exit-on-stdin-eof" => exit_on_stdin_eof = true,
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if let Some(rate) = fail_rate {
        faults.rules.push(FaultRule::status(fail_status).rate(rate));
    }
    if !custom_unknown.is_empty() {
        opts.unknown_tasks = custom_unknown;
    }
    opts.faults = faults;
    Ok(Args {
        opts,
        exit_on_stdin_eof,
    })
}

/// Exits the process once stdin reaches end of file (or cannot be read). An owner that starts
/// the emulator with stdin a pipe and keeps the write end open gets a helper that never outlives
/// it: when the owner dies, however it dies (SIGKILL, a crash), the kernel closes its end.
fn spawn_stdin_watch() {
    std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            std::process::exit(0);
        })
        .expect("cannot start the stdin watch thread");
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    if args.exit_on_stdin_eof {
        spawn_stdin_watch();
    }
    let emu = match Emulator::start_with(args.opts) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("triggerdev-emulator: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let seed = emu.seed();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", emu.base_url());
    for p in &seed.projects {
        let _ = writeln!(out, "project {}", p.project_ref);
        for e in &p.envs {
            let _ = writeln!(out, "  {:<8} {}", e.slug, e.api_key);
            for k in &e.additional_keys {
                let _ = writeln!(out, "    additional {} {}", k.key, k.scopes.join(","));
            }
            for b in &e.branches {
                let _ = writeln!(out, "    branch {b}");
            }
        }
    }
    for p in &seed.pats {
        let _ = writeln!(out, "pat {}", p.token);
    }
    let _ = writeln!(out, "admin {}/__emulator/state", emu.base_url());
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
