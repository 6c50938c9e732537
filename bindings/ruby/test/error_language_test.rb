# frozen_string_literal: true

require_relative "test_helper"

# Errors in the caller's language: every argument the library refuses is named as the Ruby
# caller wrote it ("limit:", "value:", "base_url:"), never as the C signature ("params_json")
# or the Rust API ("Config::...") names it, and never with a position in JSON the binding wrote.
#
# One row per check the library makes on arguments a Ruby call can reach: the call, and the
# keyword the message starts with.
class ErrorLanguageTest < TriggerdevTest
  # What no message a Ruby caller reads may contain: C argument names, Rust paths, the C ABI,
  # a position in JSON the binding wrote.
  FOREIGN = ["_json", "Config::", "RequestOptions", "C ABI", "line 1 column", "::"].freeze

  LONG = "x" * 3000
  PAST = Time.utc(2000, 1, 1)

  # A call on a client made with +options+ (a configuration the library refuses at the first
  # call).
  def self.configured(**options)
    lambda do |_c, emu|
      Triggerdev::Client.open(access_token: emu.dev_key, base_url: emu.base_url, max_retries: 0, **options) do |c|
        c.runs.retrieve("run_1")
      end
    end
  end

  # [name, call(client, emulator), the keyword its message starts with]
  CASES = [
    # runs
    ["runs.list limit:", ->(c, _) { c.runs.list_page(limit: 1000) }, "limit:"],
    ["runs.list queue:", ->(c, _) { c.runs.list_page(queue: { type: "planet", name: "q" }) }, "queue[0]:"],
    ["runs.list from:", ->(c, _) { c.runs.list_page(from: -1) }, "from:"],
    ["runs.list env: with a PAT", lambda { |_, emu|
      emu.client(emu.pat, max_retries: 0).runs.list_page(project_ref: "proj_x")
    }, "env:"],
    ["runs.retrieve", ->(c, _) { c.runs.retrieve("") }, "run_id"],
    ["runs.poll interval:", ->(c, _) { c.runs.poll("run_1", interval: 2 * 86_400) }, "interval:"],
    ["runs.poll timeout:", ->(c, _) { c.runs.poll("run_1", timeout: 0) }, "timeout:"],
    ["runs.replay idempotency_key:", ->(c, _) { c.runs.replay("run_1", idempotency_key: LONG) }, "idempotency_key:"],
    ["runs.replay payload_type:", ->(c, _) { c.runs.replay("run_1", payload_type: "text/plain") }, "payload_type:"],
    ["runs.reschedule", ->(c, _) { c.runs.reschedule("run_1", delay: "") }, "delay:"],
    ["runs.add_tags", ->(c, _) { c.runs.add_tags("run_1", []) }, "tags"],
    # tasks, batches, idempotency keys
    ["tasks.trigger", ->(c, _) { c.tasks.trigger("", {}) }, "task_id"],
    ["tasks.trigger concurrency: count", ->(c, _) { c.tasks.trigger("t", {}, concurrency: %w[a b c]) }, "concurrency:"],
    ["tasks.trigger concurrency: name", ->(c, _) { c.tasks.trigger("t", {}, concurrency: "no spaces") }, "concurrency:"],
    ["tasks.batch_trigger task", ->(c, _) { c.tasks.batch_trigger([{ task: " " }]) }, "items"],
    ["tasks.batch_trigger options", lambda { |c, _|
      c.tasks.batch_trigger([{ task: "t", options: { concurrency: %w[a b c] } }])
    }, "items"],
    ["batches.retrieve", ->(c, _) { c.batches.retrieve("") }, "batch_id"],
    ["idempotency_keys.reset task_id", ->(c, _) { c.idempotency_keys.reset("", "k") }, "task_id"],
    ["idempotency_keys.reset key", ->(c, _) { c.idempotency_keys.reset("t", "") }, "key"],
    # envvars
    ["envvars.list env", ->(c, emu) { c.envvars.list(emu.project_ref, "production") }, "env"],
    ["envvars.list project_ref", ->(c, _) { c.envvars.list("", "dev") }, "project_ref"],
    ["envvars.retrieve name", ->(c, emu) { c.envvars.retrieve(emu.project_ref, "dev", "") }, "name"],
    ["envvars.create name:", ->(c, emu) { c.envvars.create(emu.project_ref, "dev", name: "", value: "v") }, "name:"],
    ["envvars.upload variables:", ->(c, emu) { c.envvars.upload(emu.project_ref, "dev", variables: {}) }, "variables:"],
    ["envvars.parse_dotenv", ->(_, _) { Triggerdev::EnvVars.parse_dotenv("A=1\nnot a line") }, "text"],
    ["envvars.upload_dotenv", ->(c, emu) { c.envvars.upload_dotenv(emu.project_ref, "dev", "A=1\nB") }, "text"],
    # schedules
    ["schedules.list per_page:", ->(c, _) { c.schedules.list_page(per_page: 1000) }, "per_page:"],
    ["schedules.create task:", ->(c, _) { c.schedules.create(task: "", cron: "0 * * * *", deduplication_key: "k") }, "task:"],
    ["schedules.create cron:", ->(c, _) { c.schedules.create(task: "t", cron: "", deduplication_key: "k") }, "cron:"],
    ["schedules.create deduplication_key:", lambda { |c, _|
      c.schedules.create(task: "t", cron: "0 * * * *", deduplication_key: "")
    }, "deduplication_key:"],
    ["schedules.retrieve", ->(c, _) { c.schedules.retrieve("") }, "schedule_id"],
    ["schedules.update task:", ->(c, _) { c.schedules.update("sched_1", task: "", cron: "0 * * * *") }, "task:"],
    # queues, deployments
    ["queues.list per_page:", ->(c, _) { c.queues.list_page(per_page: 1000) }, "per_page:"],
    ["queues.retrieve", ->(c, _) { c.queues.retrieve("") }, "queue"],
    ["deployments.list limit:", ->(c, _) { c.deployments.list_page(limit: 1000) }, "limit:"],
    ["deployments.retrieve", ->(c, _) { c.deployments.retrieve("") }, "deployment_id"],
    ["deployments.promote", ->(c, _) { c.deployments.promote("") }, "version"],
    # waitpoints
    ["waitpoints.create_token idempotency_key:", ->(c, _) { c.waitpoints.create_token(idempotency_key: LONG) },
     "idempotency_key:"],
    ["waitpoints.retrieve_token", ->(c, _) { c.waitpoints.retrieve_token("") }, "token_id"],
    ["waitpoints.complete_token", ->(c, _) { c.waitpoints.complete_token("", {}) }, "token_id"],
    # bulk actions
    ["bulk_actions.create neither", ->(c, _) { c.bulk_actions.create(action: :cancel) }, "bulk_actions.create:"],
    ["bulk_actions.create run_ids:", ->(c, _) { c.bulk_actions.create(action: :cancel, run_ids: [" "]) }, "run_ids:"],
    ["bulk_actions.create filter:", ->(c, _) { c.bulk_actions.create(action: :cancel, filter: {}) }, "filter:"],
    ["bulk_actions.create name:", ->(c, _) { c.bulk_actions.create(action: :cancel, run_ids: ["run_1"], name: LONG) },
     "name:"],
    ["bulk_actions.create target_region:", lambda { |c, _|
      c.bulk_actions.create(action: :cancel, run_ids: ["run_1"], target_region: "eu")
    }, "target_region:"],
    ["bulk_actions.retrieve", ->(c, _) { c.bulk_actions.retrieve("") }, "bulk_action_id"],
    # public access tokens
    ["auth expiration_time: text", ->(c, _) { c.auth.create_public_token(expiration_time: "soon") }, "expiration_time:"],
    ["auth expiration_time: past", ->(c, _) { c.auth.create_public_token(expiration_time: PAST) }, "expiration_time:"],
    ["auth expiration_time: far", ->(c, _) { c.auth.create_public_token(expiration_time: "60d") }, "expiration_time:"],
    ["auth scopes: empty id", ->(c, _) { c.auth.create_public_token(scopes: { read: { runs: " " } }) }, "scopes:"],
    ["auth scopes: channel", lambda { |c, _|
      c.auth.create_public_token(scopes: { read: { sessions: "s:channels:bad name" } })
    }, "scopes:"],
    ["auth trigger tasks", ->(c, _) { c.auth.create_trigger_public_token([]) }, "tasks"],
    ["auth batch trigger tasks", ->(c, _) { c.auth.create_batch_trigger_public_token([" "]) }, "tasks"],
    # sessions
    ["sessions.start type:", ->(c, _) { c.sessions.start(type: "", task_identifier: "t", base_payload: {}) }, "type:"],
    ["sessions.start task_identifier:", lambda { |c, _|
      c.sessions.start(type: "chat", task_identifier: "", base_payload: {})
    }, "task_identifier:"],
    ["sessions.start base_payload:", lambda { |c, _|
      c.sessions.start(type: "chat", task_identifier: "t", base_payload: [1])
    }, "base_payload:"],
    ["sessions.start external_id:", lambda { |c, _|
      c.sessions.start(type: "chat", task_identifier: "t", base_payload: {}, external_id: "session_x")
    }, "external_id:"],
    ["sessions.list limit:", ->(c, _) { c.sessions.list_page(limit: 1000) }, "limit:"],
    ["sessions.list after: and before:", ->(c, _) { c.sessions.list_page(after: "a", before: "b") }, "before:"],
    ["sessions.retrieve", ->(c, _) { c.sessions.retrieve("") }, "session"],
    ["sessions.close reason:", ->(c, _) { c.sessions.close("session_1", reason: LONG) }, "reason:"],
    ["sessions subscribe timeout_seconds:", lambda { |c, _|
      c.sessions.open("session_1").output.subscribe(timeout_seconds: 1000).first
    }, "timeout_seconds:"],
    # configuration (refused at the first call)
    ["base_url: insecure", configured(base_url: "http://example.com"), "base_url:"],
    ["base_url: not a URL", configured(base_url: "not a url"), "base_url:"],
    ["preview_branch:", configured(preview_branch: "a\nb"), "preview_branch:"],
    ["additional_headers: name", configured(additional_headers: { "bad name" => "x" }), "additional_headers:"],
    ["additional_headers: value", configured(additional_headers: { "x-a" => "a\nb" }), "additional_headers:"],
    ["user_agent_suffix:", configured(user_agent_suffix: "x\ny"), "user_agent_suffix:"],
    ["ca_bundle_path:", configured(ca_bundle_path: "/nonexistent/ca.pem"), "ca_bundle_path:"],
    ["ca_bundle_pem:", configured(ca_bundle_pem: "not a certificate"), "ca_bundle_pem:"],
    ["ca_bundle_pem: and platform", configured(ca_bundle_pem: "x", use_platform_trust_store: true), "ca_bundle_pem:"],
    ["ca_bundle_pem: and path", configured(ca_bundle_pem: "x", ca_bundle_path: "/x"), "ca_bundle_pem:"],
    ["retry: factor:", configured(retry: { factor: -1 }), "retry.factor:"],
    ["with_options retry: factor:", ->(c, _) { c.with_options(retry: { factor: 0 }) }, "retry.factor:"],
    ["with_auth retry: factor:", ->(_, _) { Triggerdev.with_auth(retry: { factor: 0 }) { nil } }, "retry.factor:"],
    ["configure retry: factor:", ->(_, _) { Triggerdev.configure(retry: { factor: 0 }) }, "retry.factor:"],
  ].freeze

  def test_invalid_arguments_are_named_as_the_caller_wrote_them
    c = no_retry
    failures = CASES.filter_map do |name, call, keyword|
      call.call(c, emu)
      "#{name}: no error"
    rescue Triggerdev::InvalidArgumentError => e
      problems = []
      problems << "does not start with #{keyword.inspect}" unless e.message.start_with?("#{keyword.delete_suffix(':')}: ")
      problems << "argument is #{e.argument.inspect}" unless e.argument == keyword
      foreign = FOREIGN.select { |f| e.message.include?(f) }
      problems << "names #{foreign.join(', ')}" unless foreign.empty?
      "#{name}: #{e.message.inspect} #{problems.join('; ')}" unless problems.empty?
    rescue StandardError => e
      "#{name}: #{e.class}: #{e.message}"
    end
    assert_empty failures, failures.join("\n")
  ensure
    c&.close
  end

  def test_missing_credentials_name_the_keyword
    Triggerdev::Client.open(base_url: emu.base_url, max_retries: 0) do |c|
      error = assert_raises(Triggerdev::MissingCredentialsError) { c.runs.retrieve("run_1") }
      assert_includes error.message, "`access_token:`"
      assert_includes error.message, "TRIGGER_SECRET_KEY"
      refute_match(/Config|accessToken/, error.message)
    end
  end

  def test_c_messages_keep_the_c_names
    # What the library itself says, for C callers: the C argument and the JSON's position.
    errp = FFI::MemoryPointer.new(:pointer)
    out = FFI::MemoryPointer.new(:pointer)
    rc = Triggerdev::Native.trigger_runs_list(nil, '{"limit":1000}', out, errp)
    err = errp.get_pointer(0)
    assert_equal 1, rc
    assert_equal "params_json: `limit` 1000 is over the maximum of 100", Triggerdev::Native.trigger_error_message(err)
    assert_equal "params.limit", Triggerdev::Native.trigger_error_argument(err)
    assert_equal "1000 is over the maximum of 100", Triggerdev::Native.trigger_error_reason(err)
  ensure
    Triggerdev::Native.trigger_error_free(err) if err
  end
end
