# frozen_string_literal: true

# The Trigger.dev "Authentication" page, end to end, from Ruby (the steps of
# examples/quickstart.rs).
#
# With no TRIGGER_SECRET_KEY set, this starts the local API emulator (the triggerdev-emulator
# binary: TRIGGERDEV_EMULATOR, or `cargo build -p triggerdev-emulator`) and walks through every
# step: trigger, list, retrieve, cancel and replay runs; watch a run finish; personal access tokens; envvars on a
# preview branch; schedules; a with_auth override; two isolated clients; a session and a
# session-scoped public token. With a real key set, it
# runs the read-only steps against Trigger.dev (or TRIGGER_API_URL).
#
#   cargo cdylib && cargo build -p triggerdev-emulator
#   ruby -Ibindings/ruby/lib examples/ruby/quickstart.rb

require "triggerdev"

def step(title)
  puts "\n== #{title}"
end

def token_length(token)
  token ? token.length : 0
end

def walk_through(emulator)
  url = emulator.base_url
  puts "No TRIGGER_SECRET_KEY set: started the local emulator at #{url}"
  puts "  project #{emulator.project_ref}, dev key #{emulator.dev_key}, PAT #{emulator.pat}"

  step "Secret key: configure() and trigger a task"
  Triggerdev.configure(secret_key: emulator.dev_key, base_url: url)
  options = { idempotency_key: "welcome-ada", tags: ["welcome"], metadata: { plan: "pro" } }
  payload = { to: "ada@example.com" }
  handle = Triggerdev.tasks.trigger("send-email", payload, **options)
  puts "  triggered run #{handle.id} (public access token: #{token_length(handle.public_access_token)} chars)"
  again = Triggerdev.tasks.trigger("send-email", payload, **options)
  puts "  same idempotency key again -> run #{again.id} (cached: #{again.cached?})"

  step "runs.list and runs.retrieve"
  page = Triggerdev.runs.list_page(limit: 10, status: Triggerdev::RunStatus::QUEUED)
  puts "  #{page.size} queued run(s) in dev"
  run = Triggerdev.runs.retrieve(handle.id)
  puts "  #{run.id} is #{run.status}, task #{run.task_identifier}, tags #{run.tags}, created #{run.created_at}"

  step "runs.cancel and runs.replay"
  Triggerdev.runs.cancel(handle.id)
  puts "  canceled: #{Triggerdev.runs.retrieve(handle.id).status}"
  replayed = Triggerdev.runs.replay(handle.id)
  puts "  replayed as #{replayed.id}"

  step "Realtime: trigger, then watch it finish"
  watched = Triggerdev.tasks.trigger("send-email", { to: "grace@example.com" })
  Triggerdev.runs.subscribe(watched.id).each do |snapshot|
    print "\r  #{snapshot.id}: #{snapshot.status.ljust(10)}"
    $stdout.flush
    # No worker runs tasks here: the emulator plays one, a step per change we see.
    case snapshot.status
    when "QUEUED" then emulator.start_run(snapshot.id)
    when "EXECUTING" then emulator.complete_run(snapshot.id, { "sent" => true })
    end
  end
  puts
  finished = Triggerdev.runs.wait(watched.id, timeout: 30)
  puts "  runs.wait: #{finished.status}, output #{finished.output}"

  step "Personal access token: runs.list needs a projectRef"
  pat = Triggerdev::Client.new(access_token: emulator.pat, base_url: url)
  begin
    pat.runs.list_page(limit: 10)
  rescue Triggerdev::MissingProjectRefError => e
    puts "  without a project ref: #{e.message}"
  end
  page = pat.runs.list_page(project_ref: emulator.project_ref, env: "dev", status: "CANCELED", limit: 10)
  puts "  with project ref #{emulator.project_ref}: #{page.size} canceled run(s)"
  begin
    pat.runs.retrieve(handle.id)
  rescue Triggerdev::UnsupportedCredentialError => e
    puts "  runs.retrieve: #{e.message}"
  end

  step "Preview branch targeting: envvars for `#{emulator.preview_branch}`"
  preview = Triggerdev::Client.new(access_token: emulator.pat, base_url: url,
                                   preview_branch: emulator.preview_branch)
  project = emulator.project_ref
  preview.envvars.upload_dotenv(project, "preview", "DATABASE_URL=postgres://old\nFEATURE_FLAG=on\n",
                                override: true)
  preview.envvars.update(project, "preview", "DATABASE_URL", value: "your_preview_database_url")
  preview.envvars.list(project, "preview").each { |var| puts "  #{var.name} = #{var.value}" }
  preview.envvars.delete(project, "preview", "FEATURE_FLAG")
  puts "  after delete: #{preview.envvars.list(project, 'preview').size} variable(s)"

  step "Schedules"
  schedule = Triggerdev.schedules.create(task: "daily-report", cron: "0 9 * * *",
                                         deduplication_key: "daily-report-9am", timezone: "Europe/Paris")
  puts "  created #{schedule.id} (#{schedule.generator.description}, next run #{schedule.next_run})"
  puts "  deactivated: active = #{Triggerdev.schedules.deactivate(schedule.id).active?}"
  puts "  activated: active = #{Triggerdev.schedules.activate(schedule.id).active?}"
  Triggerdev.schedules.delete(schedule.id)
  puts "  deleted; #{Triggerdev.schedules.list.count} schedule(s) left"

  step "Triggerdev.with_auth: a temporary override on this thread"
  prod_runs = Triggerdev.with_auth(access_token: emulator.prod_key) { Triggerdev.runs.list_page(limit: 10) }
  dev_runs = Triggerdev.runs.list_page(limit: 10)
  puts "  inside (prod key): #{prod_runs.size} run(s); outside (dev key): #{dev_runs.size} run(s)"

  step "Two isolated clients, used from two threads"
  dev = Triggerdev::Client.new(access_token: emulator.dev_key, base_url: url)
  prod = Triggerdev::Client.new(access_token: emulator.prod_key, base_url: url)
  a = Thread.new { dev.tasks.trigger("hello", "from dev") }
  b = Thread.new { prod.tasks.trigger("hello", "from prod") }
  a, b = a.value, b.value
  puts "  dev triggered #{a.id}, prod triggered #{b.id}"
  puts "  prod sees its own run: #{prod.runs.retrieve(b.id).status}"
  # A missing run's 404 is retryable (the server says so); skip the retries for this check.
  begin
    prod.with_options(max_retries: 0).runs.retrieve(handle.id)
  rescue Triggerdev::NotFoundError => e
    puts "  prod cannot see the dev run: #{e.message}"
  end
  [pat, preview, dev, prod].each(&:close)

  step "Session scopes: a session-scoped public token"
  started = Triggerdev.sessions.start(type: "chat", task_identifier: "chat-agent",
                                      base_payload: { model: "small" }, external_id: "chat-ada")
  puts "  started #{started.id} (external id chat-ada), run #{started.run_id}"
  # What the backend hands to the frontend: 1 hour unless told otherwise.
  token = Triggerdev::Auth.create_public_token(
    scopes: { read: { sessions: "chat-ada" }, write: { sessions: "chat-ada" } },
  )
  frontend = Triggerdev::Client.new(access_token: token, base_url: url)
  # One token authorizes both URL forms.
  by_id = frontend.sessions.retrieve(started.id)
  by_external = frontend.sessions.retrieve("chat-ada")
  puts "  the token retrieves it by id and by external id: #{by_id == by_external}"
  session = frontend.sessions.open("chat-ada")
  appended = session.input.append({ text: "hello" })
  puts "  write:sessions appends to .in (seq #{appended.seq})"
  emulator.append_session_out("chat-ada", { text: "hi Ada" })   # what the task would write
  first = session.output.subscribe(stop_at_end_of_window: true).first
  puts "  read:sessions subscribes to .out: #{first&.data.inspect}"
  begin
    session.output.append("not mine")
  rescue Triggerdev::UnsupportedCredentialError => e
    puts "  .out append: #{e.message}"
  end
  begin
    frontend.sessions.update("chat-ada", tags: ["x"])
  rescue Triggerdev::UnsupportedCredentialError => e
    puts "  update: #{e.message}"
  end
  Triggerdev.sessions.close("chat-ada", reason: "quickstart done")
  puts "  the secret key closes it"
  frontend.close

  puts "\nDone: #{emulator.runs.size} runs exist in the emulator."
end

def read_only_against_trigger_dev
  client = Triggerdev::Client.new
  puts "TRIGGER_SECRET_KEY is set: read-only steps against #{ENV.fetch('TRIGGER_API_URL', 'https://api.trigger.dev')}"
  step "runs.list"
  client.runs.list_page(limit: 5).each { |run| puts "  #{run.id} #{run.status} #{run.task_identifier}" }
  step "schedules.list"
  client.schedules.list_page.each { |s| puts "  #{s.id} #{s.task} #{s.generator.expression}" }
  step "schedules.timezones"
  puts "  #{client.schedules.timezones.size} timezones"
end

begin
  if ENV["TRIGGER_SECRET_KEY"].to_s.empty?
    require "triggerdev/testing"
    Triggerdev::Testing::Emulator.start { |emulator| walk_through(emulator) }
  else
    read_only_against_trigger_dev
  end
rescue Triggerdev::Error, LoadError => e
  warn "quickstart failed: #{e.class}: #{e.message}"
  exit 1
end
