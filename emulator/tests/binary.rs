//! The `triggerdev-emulator` binary: start-up line, flags, seed files.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Running {
    child: Child,
    /// The write end of the emulator's stdin: it runs with `--exit-on-stdin-eof`, so a test
    /// process that dies (a cancelled `cargo test`) takes its emulators with it.
    stdin: Option<ChildStdin>,
    base: String,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_triggerdev-emulator"))
        .args(args)
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut l = String::new();
        if out.read_line(&mut l).unwrap() == 0 {
            break;
        }
        let l = l.trim_end().to_string();
        let done = l.starts_with("admin ");
        lines.push(l);
        if done {
            break;
        }
    }
    let base = lines[0]
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {:?}", lines[0]))
        .to_string();
    let stdin = child.stdin.take();
    Running {
        child,
        stdin,
        base,
        lines,
    }
}

#[test]
fn prints_the_url_first_then_the_keys() {
    let run = spawn(&["--port", "0"]);
    assert!(run.base.starts_with("http://127.0.0.1:"));
    let all = run.lines.join("\n");
    for key in [
        "tr_dev_emulator_dev_key_0001",
        "tr_stg_emulator_stg_key_0001",
        "tr_prod_emulator_prod_key_001",
        "tr_preview_emulator_preview_01",
        "tr_pat_emulator_personal_token_0001",
        "proj_emulator",
        "feature-xyz",
    ] {
        assert!(all.contains(key), "{key} missing from:\n{all}");
    }
    let r = request(
        &run.base,
        "GET",
        "/api/v1/runs",
        &[("Authorization", "Bearer tr_dev_emulator_dev_key_0001")],
        None,
    );
    assert_eq!(r.status, 200);
}

#[test]
fn seed_files_and_fault_flags() {
    let dir = std::env::temp_dir().join(format!("emu-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seed.json");
    std::fs::write(
        &path,
        r#"{"projects":[{"ref":"proj_custom","envs":[{"slug":"prod","apiKey":"tr_prod_custom_key"}]}],
            "pats":[{"token":"tr_pat_custom"}]}"#,
    )
    .unwrap();
    let run = spawn(&[
        "--port",
        "0",
        "--seed",
        path.to_str().unwrap(),
        "--fail-rate",
        "1",
        "--fail-status",
        "502",
    ]);
    let r = request(
        &run.base,
        "GET",
        "/api/v1/runs",
        &[("Authorization", "Bearer tr_prod_custom_key")],
        None,
    );
    assert_eq!(r.status, 502);
    let r = request(&run.base, "DELETE", "/__emulator/faults", &[], None);
    assert_eq!(r.status, 200);
    let r = request(
        &run.base,
        "GET",
        "/api/v1/runs",
        &[("Authorization", "Bearer tr_prod_custom_key")],
        None,
    );
    assert_eq!(r.status, 200);
    let r = request(
        &run.base,
        "GET",
        "/api/v1/projects/proj_custom/envvars/prod",
        &[("Authorization", "Bearer tr_pat_custom")],
        None,
    );
    assert_eq!(r.status, 200);
    let _ = std::fs::remove_dir_all(dir);

    let bad = Command::new(env!("CARGO_BIN_EXE_triggerdev-emulator"))
        .args(["--port", "0", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn exit_on_stdin_eof_stops_the_emulator_when_its_stdin_closes() {
    let mut run = spawn(&["--port", "0"]);
    // While the owner holds the pipe open, the emulator serves.
    let r = request(&run.base, "GET", "/__emulator/seed", &[], None);
    assert_eq!(r.status, 200);
    drop(run.stdin.take());
    // Polling with a generous bound is a hang guard only: the process exits as soon as it
    // reads end of file.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = run.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the emulator still runs after its stdin closed"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(status.code(), Some(0));
}

/// The ids two runs with `--id-seed 7` hand out, trigger after trigger, and one run without it.
fn trigger_ids(args: &[&str]) -> Vec<String> {
    let run = spawn(args);
    (0..3)
        .map(|_| {
            let r = request(
                &run.base,
                "POST",
                "/api/v1/tasks/hello/trigger",
                &[
                    ("Authorization", "Bearer tr_dev_emulator_dev_key_0001"),
                    ("Content-Type", "application/json"),
                ],
                Some(b"{}"),
            );
            assert_eq!(r.status, 200);
            r.json()["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn id_seed_makes_ids_the_same_in_every_run() {
    let first = trigger_ids(&["--port", "0", "--id-seed", "7"]);
    assert!(
        first
            .iter()
            .all(|id| id.starts_with("run_") && id.len() == 25),
        "{first:?}"
    );
    assert_eq!(first.len(), 3);
    assert_ne!(first[0], first[1]);
    assert_eq!(trigger_ids(&["--port", "0", "--id-seed=7"]), first);
    assert_ne!(trigger_ids(&["--port", "0", "--id-seed", "8"]), first);
    assert_ne!(trigger_ids(&["--port", "0"]), first);
}
