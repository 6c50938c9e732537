//! After `fork()`, a parent and its children calling at once on a client and an ambient API
//! they all inherited each receive the responses to their own requests: no process reuses a
//! pooled connection another opened, and no two send the same request idempotency key.
//!
//! The scenario forks, so it runs alone in a helper process (this test binary started again
//! with `TRIGGERDEV_FORK_HELPER` set): the test harness's other threads stay out of the child.

use std::process::Command;

use serde_json::json;
use triggerdev::{Client, Config, Env, RequestOptions, RetryPolicy, TriggerOptions};
use triggerdev_emulator::Emulator;

const HELPER: &str = "TRIGGERDEV_FORK_HELPER";
const CHILDREN: usize = 4;
const CALLS: usize = 200;
const RUNS: usize = 16;

extern "C" {
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn _exit(code: i32) -> !;
}

#[test]
fn forked_children_and_their_parent_each_get_their_own_responses() {
    if std::env::var_os(HELPER).is_some() {
        scenario();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "forked_children_and_their_parent_each_get_their_own_responses",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the fork scenario failed:\n{text}");
    assert!(text.contains("1 passed"), "{text}");
}

/// What one process saw: calls answered with another run than the one asked for, errors.
#[derive(Default, Debug)]
struct Tally {
    crossed: usize,
    errors: Vec<String>,
}

fn scenario() {
    let emu = Emulator::start().unwrap();
    let config = Config::new()
        .access_token(emu.seed().dev_key())
        .base_url(emu.base_url())
        .request_options(RequestOptions::new().retry(RetryPolicy::none()));
    let client = Client::with_env(config.clone(), &Env::default());
    triggerdev::configure(config);
    let ids: Vec<String> = (0..RUNS)
        .map(|i| {
            let options = TriggerOptions::new().tag(format!("n{i}"));
            let handle = client
                .tasks()
                .trigger("fork-test", &json!({ "n": i }), &options);
            handle.map(|h| h.id)
        })
        .collect::<Result<_, _>>()
        .unwrap();
    // Both pools hold a connection when the processes part.
    client.runs().retrieve(&ids[0]).unwrap();
    triggerdev::runs().retrieve(&ids[0]).unwrap();

    let mut children = Vec::new();
    for n in 1..=CHILDREN {
        // SAFETY: the child only makes calls and leaves with _exit.
        match unsafe { fork() } {
            0 => {
                let tally = calls(&client, &ids, n);
                eprintln!("child {n}: {tally:?}");
                let ok = tally.crossed == 0 && tally.errors.is_empty();
                // SAFETY: ends the child without running the parent's destructors or atexit.
                unsafe { _exit(i32::from(!ok)) };
            }
            pid if pid > 0 => children.push(pid),
            _ => panic!("fork failed"),
        }
    }
    let tally = calls(&client, &ids, 0);
    eprintln!("parent: {tally:?}");
    let mut failed = Vec::new();
    for pid in children {
        let mut status = 0;
        // SAFETY: waits for a child of this process.
        assert_eq!(unsafe { waitpid(pid, &mut status, 0) }, pid);
        if status != 0 {
            failed.push(pid);
        }
    }
    assert_eq!(tally.crossed, 0, "the parent got other runs: {tally:?}");
    assert!(tally.errors.is_empty(), "the parent: {tally:?}");
    assert!(
        failed.is_empty(),
        "children {failed:?} got other runs or errors"
    );
}

/// Process `n`: a trigger of its own (a request key shared with another process would return
/// that process's run), then retrieves on the inherited client and the ambient API.
fn calls(client: &Client, ids: &[String], n: usize) -> Tally {
    let mut tally = Tally::default();
    let mine = format!("process-{n}");
    match client
        .tasks()
        .trigger(
            "fork-test",
            &json!({ "from": mine }),
            &TriggerOptions::new(),
        )
        .and_then(|handle| client.runs().retrieve(&handle.id))
    {
        Ok(run) if run.payload.as_ref().map(|p| p.to_value()) == Some(json!({ "from": mine })) => {}
        Ok(run) => {
            tally.crossed += 1;
            tally.errors.push(format!("triggered {:?}", run.payload));
        }
        Err(e) => tally.errors.push(e.to_string()),
    }
    for i in 0..CALLS {
        let id = &ids[(i * 7 + n) % ids.len()];
        let answers = [client.runs().retrieve(id), triggerdev::runs().retrieve(id)];
        for answer in answers {
            match answer {
                Ok(run) if &run.id == id => {}
                Ok(_) => tally.crossed += 1,
                Err(e) => tally.errors.push(e.to_string()),
            }
        }
    }
    tally
}
