# frozen_string_literal: true

require_relative "test_helper"

# TriggerObject without a server: readers, times, nesting, to_h.
class ObjectTest < Minitest::Test
  JSON_RUN = {
    "id" => "run_1", "status" => "COMPLETED", "taskIdentifier" => "t", "isCompleted" => true,
    "createdAt" => "2025-01-02T03:04:05.678Z", "delayedUntil" => nil, "startedAt" => "not a time",
    "error" => { "message" => "m", "stackTrace" => "s" }, "attempts" => [{ "id" => "a", "createdAt" => "2025-01-01T00:00:00Z" }],
    "payload" => { "createdAt" => "2025-01-01T00:00:00Z", "nested" => { "x" => 1 } },
    "someNewField" => { "innerValue" => 5 }, "idempotencyKeyTTL" => "1h"
  }.freeze

  def run_object = Triggerdev::Run.new(JSON.parse(JSON.generate(JSON_RUN)))

  def test_readers_and_times
    run = run_object
    assert_equal "run_1", run.id
    assert_equal "t", run.task_identifier
    assert run.completed?
    assert run.finished?
    assert_equal Time.utc(2025, 1, 2, 3, 4, 5.678r), run.created_at
    assert run.created_at.utc?
    assert_same run.created_at, run.created_at, "converted once"
    assert_nil run.delayed_until
    assert_nil run.finished_at, "declared, absent: nil"
    assert_equal "not a time", run.started_at
    assert_kind_of Triggerdev::RunError, run.error
    assert_equal "s", run.error.stack_trace
    assert_kind_of Triggerdev::RunAttempt, run.attempts.first
    assert_equal Time.utc(2025), run.attempts.first.created_at
    assert_equal({ "createdAt" => "2025-01-01T00:00:00Z", "nested" => { "x" => 1 } }, run.payload, "user data as sent")
    assert_equal 5, run.some_new_field.inner_value
    assert_equal "1h", run.idempotency_key_ttl
    assert run.respond_to?(:some_new_field)
    refute run.respond_to?(:nothing_here)
    assert_raises(NoMethodError) { run.nothing_here }
    assert_equal 5, run.dig(:someNewField, :innerValue)
  end

  def test_to_h_equality_and_inspect
    run = run_object
    assert_equal JSON_RUN, run.to_h
    assert_equal run, run_object
    refute_equal run, Triggerdev::TriggerObject.new(run.to_h)
    assert_equal JSON_RUN, JSON.parse(run.to_json)
    handle = Triggerdev::RunHandle.new({ "id" => "run_1", "isCached" => true, "publicAccessToken" => "eyJsecret" })
    assert handle.cached?
    refute_includes handle.inspect, "eyJsecret"
    assert_includes handle.inspect, "run_1"
    assert_raises(TypeError) { Triggerdev::Run.new(5) }
    assert_equal "r", Triggerdev::Run.new(%({"id":"r"})).id, "JSON text, parsed when first read"
    assert_raises(Triggerdev::DecodeError) { Triggerdev::Run.new("[1]").id }
  end

  # RunResult#output is the library's decoding (trigger_runs_result_output) of the result's
  # JSON, also for a result made from a Hash.
  def test_run_result_output_is_decoded_by_the_library
    json = { "ok" => true, "id" => "r", "output" => "{\"a\":1}", "outputType" => "application/json" }
    assert_equal({ "a" => 1 }, Triggerdev::RunResult.new(json).output)
    assert_equal({ "a" => 1 }, Triggerdev::RunResult.new(JSON.generate(json)).output_value)
    superjson = json.merge("output" => "{\"json\":[1,2]}", "outputType" => "application/super+json")
    assert_equal [1, 2], Triggerdev::RunResult.new(superjson).output
    text = json.merge("output" => "plain", "outputType" => "text/plain")
    assert_equal "plain", Triggerdev::RunResult.new(text).output
    assert_equal "{\"a\":1}", Triggerdev::RunResult.new(json).to_h["output"]
    assert_equal "{\"a\":1}", Triggerdev::RunResult.new(json).raw_output
    assert_nil Triggerdev::RunResult.new(json.merge("output" => "not json")).output, "undecodable, as in Rust"
    assert_nil Triggerdev::RunResult.new(json.reject { |k, _| k == "output" }).output
  end

  def test_names
    assert_equal "taskIdentifier", Triggerdev::Util.camelize(:task_identifier)
    assert_equal "idempotencyKeyTTL", Triggerdev::Util.camelize(:idempotency_key_ttl)
    assert_equal "baseURL", Triggerdev::Util.camelize(:base_url)
    assert_equal "idempotency_key_ttl", Triggerdev::Util.underscore("idempotencyKeyTTL")
    assert_equal "payload_presigned_url", Triggerdev::Util.underscore("payloadPresignedUrl")
  end

  # Shapes as the open-source server sends them (../shared/real-server recording).
  def test_the_fields_the_real_server_adds
    item = Triggerdev::Run.new({ "id" => "run_1", "ttl" => "10m", "depth" => 0, "taskKind" => "STANDARD",
                                 "region" => "local-dev" })
    assert_equal ["10m", 0, "STANDARD", "local-dev"], [item.ttl, item.depth, item.task_kind, item.region]
    schedule = Triggerdev::Schedule.new({ "nextRunEffectiveAt" => "2026-12-07T19:00:35.897Z" })
    assert_equal Time.utc(2026, 12, 7, 19, 0, 35.897r), schedule.next_run_effective_at
    token = Triggerdev::WaitpointToken.new({ "type" => "MANUAL", "completedAfter" => "2026-12-07T19:42:00Z",
                                             "userProvidedIdempotencyKey" => false })
    assert_equal ["MANUAL", Time.utc(2026, 12, 7, 19, 42), false],
                 [token.type, token.completed_after, token.user_provided_idempotency_key]
    deployment = Triggerdev::Deployment.new({ "commitSHA" => "0123abc", "imagePlatform" => "linux/amd64",
                                              "externalBuildData" => { "buildId" => "-" } })
    assert_equal %w[0123abc linux/amd64 -],
                 [deployment.commit_sha, deployment.image_platform, deployment.external_build_data.build_id]
    assert_nil deployment.canceled_reason
    event = Triggerdev::RunEvent.new({ "environmentType" => "DEVELOPMENT" })
    assert_equal "DEVELOPMENT", event.environment_type
    queue = Triggerdev::Queue.new({ "releaseConcurrencyOnWaitpoint" => true })
    assert_equal [true, nil], [queue.release_concurrency_on_waitpoint, queue.concurrency_limit_override_percent]
    outcome = Triggerdev::RunOutcome.new({ "outcome" => "failed", "status" => "CANCELED",
                                           "error" => { "message" => "Canceled by user" } })
    assert outcome.finished?
    refute outcome.ok?
    assert_equal "Canceled by user", outcome.error.message
  end
end
