# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e.rs: idempotency keys, batches, large payloads; trigger options and payload kinds.
class TasksTest < TriggerdevTest
  def test_idempotency_keys_return_the_same_run
    c = client
    a = c.tasks.trigger("charge", { n: 1 }, idempotency_key: "order-42")
    b = c.tasks.trigger("charge", { n: 1 }, idempotency_key: "order-42")
    assert_equal a.id, b.id
    refute a.cached?
    assert b.cached?
    assert_equal 1, emu.runs.size

    key = Triggerdev::IdempotencyKeys.create(%w[order 42])
    assert_match(/\A[0-9a-f]{64}\z/, key)
    assert_equal key, Triggerdev::IdempotencyKeys.create("order-42")
    # Outside a task every scope hashes the key alone, as the official SDK.
    assert_equal key, Triggerdev::IdempotencyKeys.create("order-42", scope: "global")
    # On an area too, as the official idempotencyKeys.create and Python are called.
    assert_equal key, c.idempotency_keys.create(%w[order 42])
    assert_equal key, Triggerdev.idempotency_keys.create("order-42", scope: "run")
    c1 = c.tasks.trigger("charge", {}, idempotency_key: key)
    assert_equal c1.id, c.tasks.trigger("charge", {}, idempotency_key: key).id
    reset = c.idempotency_keys.reset("charge", key)
    assert_kind_of Triggerdev::TriggerObject, reset
    refute_equal c1.id, c.tasks.trigger("charge", {}, idempotency_key: key).id, "a reset key makes a new run"
    assert_raises(ArgumentError) { Triggerdev::IdempotencyKeys.create("k", scope: "forever") }
  end

  def test_batch_trigger_creates_every_run_and_retrieve_reports_them
    c = client
    items = (0...5).map { |i| { task: i.even? ? "even" : "odd", payload: { i: i } } }
    items << { "task" => "opts", "options" => { tags: ["x"], max_attempts: 2 } }
    handle = c.tasks.batch_trigger(items, idempotency_key: "nightly")
    assert_kind_of Triggerdev::BatchHandle, handle
    assert_equal 6, handle.run_count
    assert_match(/\Abatch_/, handle.batch_id)
    batch = c.batches.retrieve(handle.batch_id)
    assert_kind_of Triggerdev::Batch, batch
    assert_equal 6, batch.runs.size
    assert_equal "PENDING", batch.status, "sealed, but its runs have not finished"
    assert_kind_of Time, batch.processing_completed_at
    batch.runs.each { |id| emu.complete_run(id) }
    assert_equal "COMPLETED", c.batches.retrieve(handle.batch_id).status
    again = c.tasks.batch_trigger(items, idempotency_key: "nightly")
    assert again.cached?
    assert_equal handle.batch_id, again.batch_id
    assert_equal 6, emu.runs.size, "the cached batch created no runs"
    tagged = emu.runs.find { |r| r["taskIdentifier"] == "opts" }
    assert_equal ["x"], tagged["tags"]
  end

  def test_large_payloads_are_offloaded_and_read_back
    c = client
    payload = { "blob" => "z" * 200_000 }
    handle = c.tasks.trigger("big", payload)
    assert_equal "application/store", emu.run(handle.id)["payloadType"]
    run = c.runs.retrieve(handle.id)
    refute_nil run.payload_presigned_url
    assert_equal payload, run.payload, "downloaded from the presigned URL"
  end

  def test_payload_kinds_and_no_payload
    c = client
    none = c.tasks.trigger("no-payload")
    assert_nil emu.run(none.id)["payload"]
    trigger_bodies = logged("/api/v1/tasks/").map { |r| r["body"] }
    refute trigger_bodies.last.key?("payload"), "no payload at all: #{trigger_bodies.last}"

    null = c.tasks.trigger("null-payload", nil)
    body = logged("/api/v1/tasks/null-payload").last["body"]
    assert_equal "{\"json\":null}", body["payload"]
    assert_nil c.runs.retrieve(null.id).payload

    [42, 1.5, true, [1, "two"], { "nested" => { "deep" => [nil] } }, "text"].each do |payload|
      h = c.tasks.trigger("kinds", payload)
      assert_equal payload, c.runs.retrieve(h.id).payload
    end
    sym = c.tasks.trigger(:symbol_task, { key: :value })
    assert_equal({ "key" => "value" }, c.runs.retrieve(sym.id).payload)
    assert_equal "symbol_task", c.runs.retrieve(sym.id).task_identifier
  end

  def test_every_trigger_option_reaches_the_wire
    c = client
    delay_at = Time.utc(2030, 1, 2, 3, 4, 5)
    c.tasks.trigger("opts", { a: 1 },
                    idempotency_key: "k-1", idempotency_key_ttl: "1h", delay: delay_at, ttl: 600,
                    tags: %w[a b], metadata: { "m" => 1 }, queue: "q", concurrency_key: "ck",
                    max_attempts: 3, max_duration: 300, machine: "small-1x", priority: 10,
                    version: "20250101.1", region: "eu", external_deployment_id: "d-1",
                    debounce: { key: "dk", delay: "5s", mode: "trailing", max_delay: "1m" }, test: false)
    options = logged("/api/v1/tasks/opts").last["body"]["options"]
    assert_equal "1h", options["idempotencyKeyTTL"]
    assert_equal({ "key" => "k-1", "scope" => "run" }, options["idempotencyKeyOptions"])
    assert_equal "2030-01-02T03:04:05.000Z", options["delay"]
    assert_equal 600, options["ttl"]
    assert_equal %w[a b], options["tags"]
    assert_equal({ "m" => 1 }, options["metadata"])
    assert_equal "ck", options["concurrencyKey"]
    assert_equal 3, options["maxAttempts"]
    assert_equal 300, options["maxDuration"]
    assert_equal "small-1x", options["machine"]
    assert_equal 10, options["priority"]
    assert_equal "20250101.1", options["lockToVersion"] || options["version"]
    assert_equal({ "key" => "dk", "delay" => "5s", "mode" => "trailing", "maxDelay" => "1m" }, options["debounce"])
  end
end
