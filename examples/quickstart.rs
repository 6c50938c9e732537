//! The Trigger.dev "Authentication" page, end to end.
//!
//! With no `TRIGGER_SECRET_KEY` set, this starts the bundled API emulator in-process and walks
//! through every step: trigger, list, retrieve, cancel and replay runs; personal access tokens;
//! envvars on a preview branch; schedules; a `with_auth` override; two isolated clients. With a
//! real key set, it runs the read-only steps against Trigger.dev (or `TRIGGER_API_URL`).
//!
//! Run it with `cargo run --example quickstart`.

use serde_json::json;
use triggerdev::{
    auth, Client, Config, CreateSchedule, Error, ImportEnvVars, ListRunsParams,
    ListSchedulesParams, PublicTokenOptions, RequestOptions, RetryPolicy, RunStatus, ScopeResource,
    StartSession, SubscribeOptions, TokenScopes, TriggerOptions, UpdateSession,
};
use triggerdev_emulator::Emulator;

fn main() {
    if let Err(e) = run() {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var("TRIGGER_SECRET_KEY").is_ok_and(|k| !k.is_empty()) {
        return read_only_against_trigger_dev();
    }
    let emulator = Emulator::start()?;
    let seed = emulator.seed();
    let url = emulator.base_url();
    println!("No TRIGGER_SECRET_KEY set: started the local emulator at {url}");
    println!(
        "  project {}, dev key {}, PAT {}",
        seed.project_ref(),
        seed.dev_key(),
        seed.pat()
    );

    step("Secret key: configure() and trigger a task");
    triggerdev::configure(Config::new().secret_key(seed.dev_key()).base_url(url));
    let options = TriggerOptions::new()
        .idempotency_key("welcome-ada")
        .tag("welcome")
        .metadata(json!({ "plan": "pro" }));
    let payload = json!({ "to": "ada@example.com" });
    let handle = triggerdev::tasks().trigger("send-email", &payload, &options)?;
    println!(
        "  triggered run {} (public access token: {} chars)",
        handle.id,
        token_len(&handle.public_access_token)
    );
    let again = triggerdev::tasks().trigger("send-email", &payload, &options)?;
    println!(
        "  same idempotency key again -> run {} (cached: {})",
        again.id, again.is_cached
    );

    step("runs.list and runs.retrieve");
    let page =
        triggerdev::runs().list(&ListRunsParams::new().limit(10).status(RunStatus::Queued))?;
    println!("  {} queued run(s) in dev", page.data.len());
    let run = triggerdev::runs().retrieve(&handle.id)?;
    println!(
        "  {} is {:?}, task {}, tags {:?}",
        run.id, run.status, run.task_identifier, run.tags
    );

    step("runs.cancel and runs.replay");
    triggerdev::runs().cancel(&handle.id)?;
    println!(
        "  canceled: {:?}",
        triggerdev::runs().retrieve(&handle.id)?.status
    );
    let replayed = triggerdev::runs().replay(&handle.id, &Default::default())?;
    println!("  replayed as {replayed}");

    step("Personal access token: runs.list needs a projectRef");
    let pat = Client::new(Config::new().access_token(seed.pat()).base_url(url));
    match pat.runs().list(&ListRunsParams::new().limit(10)) {
        Err(e @ Error::MissingProjectRef { .. }) => println!("  without a project ref: {e}"),
        other => println!("  unexpected: {other:?}"),
    }
    let params = ListRunsParams::new()
        .project_ref(seed.project_ref())
        .env("dev")
        .status(RunStatus::Canceled)
        .limit(10);
    let page = pat.runs().list(&params)?;
    println!(
        "  with project ref {}: {} canceled run(s)",
        seed.project_ref(),
        page.data.len()
    );
    match pat.runs().retrieve(&handle.id) {
        Err(e @ Error::UnsupportedCredential { .. }) => println!("  runs.retrieve: {e}"),
        other => println!("  unexpected: {other:?}"),
    }

    step("Preview branch targeting: envvars for `feature-xyz`");
    let preview = Client::new(
        Config::new()
            .access_token(seed.pat())
            .base_url(url)
            .preview_branch(seed.preview_branch()),
    );
    let project = seed.project_ref();
    let vars = ImportEnvVars::from_dotenv("DATABASE_URL=postgres://old\nFEATURE_FLAG=on\n")?
        .override_existing(true);
    preview.envvars().upload(project, "preview", &vars)?;
    preview.envvars().update(
        project,
        "preview",
        "DATABASE_URL",
        "your_preview_database_url",
    )?;
    for var in preview.envvars().list(project, "preview")? {
        println!("  {} = {}", var.name, var.value);
    }
    preview.envvars().del(project, "preview", "FEATURE_FLAG")?;
    println!(
        "  after del: {} variable(s)",
        preview.envvars().list(project, "preview")?.len()
    );

    step("Schedules");
    let schedule = triggerdev::schedules().create(
        &CreateSchedule::new("daily-report", "0 9 * * *", "daily-report-9am")
            .timezone("Europe/Paris"),
    )?;
    println!(
        "  created {} ({}, next run {:?})",
        schedule.id, schedule.generator.description, schedule.next_run
    );
    println!(
        "  deactivated: active = {}",
        triggerdev::schedules().deactivate(&schedule.id)?.active
    );
    println!(
        "  activated: active = {}",
        triggerdev::schedules().activate(&schedule.id)?.active
    );
    triggerdev::schedules().del(&schedule.id)?;
    let left = triggerdev::schedules().list(&ListSchedulesParams::default())?;
    println!("  deleted; {} schedule(s) left", left.data.len());

    step("auth::with_auth: a temporary override on this thread");
    let prod_runs = auth::with_auth(Config::new().access_token(seed.prod_key()), || {
        triggerdev::runs().list(&ListRunsParams::new().limit(10))
    })?;
    let dev_runs = triggerdev::runs().list(&ListRunsParams::new().limit(10))?;
    println!(
        "  inside (prod key): {} run(s); outside (dev key): {} run(s)",
        prod_runs.data.len(),
        dev_runs.data.len()
    );

    step("Two isolated clients, used from two threads");
    let dev = Client::new(Config::new().access_token(seed.dev_key()).base_url(url));
    let prod = Client::new(Config::new().access_token(seed.prod_key()).base_url(url));
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| {
            dev.tasks()
                .trigger("hello", "from dev", &TriggerOptions::new())
        });
        let b = s.spawn(|| {
            prod.tasks()
                .trigger("hello", "from prod", &TriggerOptions::new())
        });
        (
            a.join().expect("dev thread"),
            b.join().expect("prod thread"),
        )
    });
    let (a, b) = (a?, b?);
    println!("  dev triggered {}, prod triggered {}", a.id, b.id);
    println!(
        "  prod sees its own run: {:?}",
        prod.runs().retrieve(&b.id)?.status
    );
    // A missing run's 404 is retryable (the server says so); skip the retries for this check.
    let once = prod.with_options(RequestOptions::new().retry(RetryPolicy::none()));
    match once.runs().retrieve(&handle.id) {
        Err(Error::NotFound(e)) => println!("  prod cannot see the dev run: {e}"),
        other => println!("  unexpected: {other:?}"),
    }

    step("Session scopes: a session-scoped public token");
    let started = triggerdev::sessions().start(
        &StartSession::new("chat", "chat-agent", json!({ "model": "small" }))
            .external_id("chat-ada"),
    )?;
    println!(
        "  started {} (external id chat-ada), run {}",
        started.session.id, started.run_id
    );
    // What the backend hands to the frontend: 1 hour unless told otherwise.
    let token = auth::create_public_token(&PublicTokenOptions::new(
        TokenScopes::new()
            .read(ScopeResource::Sessions, "chat-ada")
            .write(ScopeResource::Sessions, "chat-ada"),
    ))?;
    let frontend = Client::new(Config::new().access_token(token).base_url(url));
    // One token authorizes both URL forms.
    let by_id = frontend.sessions().retrieve(&started.session.id)?;
    let by_external = frontend.sessions().retrieve("chat-ada")?;
    println!(
        "  the token retrieves it by id and by external id: {}",
        by_id == by_external
    );
    let session = frontend.sessions().open("chat-ada")?;
    let appended = session.input().append(&json!({ "text": "hello" }))?;
    println!("  write:sessions appends to .in (seq {:?})", appended.seq);
    emulator.append_session_out("chat-ada", json!({ "text": "hi Ada" }))?;
    emulator.end_session_streams();
    let mut reply = session
        .output()
        .subscribe(&SubscribeOptions::new().stop_at_end_of_window(true))?;
    let first = reply.next().transpose()?;
    println!(
        "  read:sessions subscribes to .out: {:?}",
        first.and_then(|r| r.data)
    );
    match session.output().append("not mine") {
        Err(e @ Error::UnsupportedCredential { .. }) => println!("  .out append: {e}"),
        other => println!("  unexpected: {other:?}"),
    }
    match frontend
        .sessions()
        .update("chat-ada", &UpdateSession::new().tags(["x"]))
    {
        Err(e @ Error::UnsupportedCredential { .. }) => println!("  update: {e}"),
        other => println!("  unexpected: {other:?}"),
    }
    triggerdev::sessions().close("chat-ada", Some("quickstart done"))?;
    println!("  the secret key closes it");

    println!(
        "\nDone: {} runs exist in the emulator.",
        emulator.runs().len()
    );
    Ok(())
}

fn read_only_against_trigger_dev() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env();
    println!(
        "TRIGGER_SECRET_KEY is set: read-only steps against {}",
        client.base_url()
    );
    step("runs.list");
    for run in client.runs().list(&ListRunsParams::new().limit(5))?.data {
        println!("  {} {:?} {}", run.id, run.status, run.task_identifier);
    }
    step("schedules.list");
    for s in client
        .schedules()
        .list(&ListSchedulesParams::default())?
        .data
    {
        println!("  {} {} {}", s.id, s.task, s.generator.expression);
    }
    step("schedules.timezones");
    println!("  {} timezones", client.schedules().timezones(false)?.len());
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn token_len(token: &Option<String>) -> usize {
    token.as_ref().map_or(0, String::len)
}
