# frozen_string_literal: true

require_relative "test_helper"

# Named concurrency limits, batch results and run spans: the exact request of each call (from
# the emulator's log), the decoded objects, argument errors and 404s.
class ConcurrencyLimitsTest < TriggerdevTest
  def declare
    emu.add_concurrency_limit("openai", per_key: 2, total: 10)["id"]
  end

  def test_list_pages_through_every_limit
    %w[b-limit a-limit c-limit].each { |name| emu.add_concurrency_limit(name, total: 1) }
    c = client
    limits = c.concurrency_limits.list(per_page: 2).to_a
    assert_equal %w[a-limit b-limit c-limit], limits.map(&:name)
    assert(limits.all? { |l| l.is_a?(Triggerdev::ConcurrencyLimit) })
    assert_equal [{ "perPage" => "2" }, { "page" => "2", "perPage" => "2" }],
                 logged("/api/v1/concurrency-limits").map { |r| r["query"] }
    page = c.concurrency_limits.list_page(page: 2, per_page: 2)
    assert_kind_of Triggerdev::ConcurrencyLimitsPage, page
    assert_equal [["c-limit"], 2, 3], [page.data.map(&:name), page.current_page, page.count]
  end

  def test_retrieve_override_reset_pause_and_resume
    id = declare
    c = client
    limit = c.concurrency_limits.retrieve("openai")
    assert_kind_of Triggerdev::ConcurrencyLimit, limit
    assert_equal [id, "openai", false, 2, 2, nil, 10], [limit.id, limit.name, limit.paused?, limit.per_key.current,
                                                         limit.per_key.base, limit.per_key.override, limit.total.current]

    limit = c.concurrency_limits.override("openai", per_key: 5, total: 0)
    assert_equal '{"perKey":5,"total":0}', logged("/api/v1/concurrency-limits/openai/override").last["rawBody"]
    assert_equal [5, 2, 0], [limit.per_key.current, limit.per_key.base, limit.total.override]
    assert_kind_of Time, limit.total.overridden_at

    limit = c.concurrency_limits.reset("openai")
    assert_equal "{}", logged("/api/v1/concurrency-limits/openai/reset").last["rawBody"]
    assert_equal [2, 10, nil], [limit.per_key.current, limit.total.current, limit.total.override]

    assert c.concurrency_limits.pause("openai").paused?
    refute c.concurrency_limits.resume("openai").paused?
    assert_equal ['{"action":"pause"}', '{"action":"resume"}'],
                 logged("/api/v1/concurrency-limits/openai/pause").map { |r| r["rawBody"] }
  end

  def test_one_concurrency_key
    declare
    c = client
    # A numeric key stays a JSON number; the answer has it as text.
    key = c.concurrency_limits.override_key("openai", 42, per_key: 0, ttl: "1d")
    assert_equal '{"concurrencyKey":42,"perKey":0,"ttl":"1d"}',
                 logged("/api/v1/concurrency-limits/openai/override").last["rawBody"]
    assert_kind_of Triggerdev::ConcurrencyKeyLimit, key
    assert_equal ["42", 0, 0], [key.concurrency_key, key.per_key.current, key.per_key.override]
    assert_kind_of Time, key.per_key.expires_at

    key = c.concurrency_limits.retrieve_key("openai", "tenant 42/x")
    assert_equal "concurrencyKey=tenant+42%2Fx", logged("/api/v1/concurrency-limits/openai").last["rawQuery"]
    assert_equal ["tenant 42/x", 2, nil], [key.concurrency_key, key.per_key.current, key.per_key.expires_at]
    assert_equal 0, c.concurrency_limits.retrieve_key("openai", 42).per_key.override

    key = c.concurrency_limits.reset_key("openai", 42)
    assert_equal '{"concurrencyKey":42}', logged("/api/v1/concurrency-limits/openai/reset").last["rawBody"]
    assert_nil key.per_key.override
    c.concurrency_limits.override_key("openai", "k", per_key: 1, ttl: 3600)
    assert_equal({ "concurrencyKey" => "k", "perKey" => 1, "ttl" => 3600 },
                 logged("/api/v1/concurrency-limits/openai/override").last["body"])
  end

  def test_errors
    declare
    c = no_retry
    error = assert_raises(Triggerdev::NotFoundError) { c.concurrency_limits.retrieve("nope") }
    assert_equal 404, error.status
    emu.clear_requests
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.concurrency_limits.override("openai") }
    assert_match(/must set perKey, total or both/, error.message)
    error = assert_raises(Triggerdev::InvalidArgumentError) do
      c.concurrency_limits.override_key("openai", "k", per_key: 100_001)
    end
    assert_match(/per_key: 100001 is over the maximum of 100000/, error.message)
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.concurrency_limits.retrieve_key("openai", "") }
    assert_match(/\Aconcurrency_key: must not be empty\z/, error.message)
    assert_raises(TypeError) { c.concurrency_limits.reset_key("openai", 1.5) }
    assert_raises(ArgumentError) { c.concurrency_limits.override("openai", ttl: "1d") }
    assert_empty logged
    error = assert_raises(Triggerdev::BadRequestError) do
      c.concurrency_limits.override_key("openai", "k", per_key: 1, ttl: "31d")
    end
    assert_match(/at most 30 days/, error.message)
  end

  def test_batch_results_and_a_span
    c = no_retry
    handle = c.tasks.batch_trigger([{ task: "a", payload: { i: 0 } }, { task: "b" }, { task: "c" }])
    runs = c.batches.retrieve(handle.batch_id).runs
    emu.complete_run(runs[0], { "sent" => true })
    emu.fail_run(runs[1], "boom", name: "TypeError")
    results = c.batches.results(handle.batch_id)
    assert_equal "/api/v1/batches/#{handle.batch_id}/results", logged("/api/v1/batches").last["path"]
    assert_kind_of Triggerdev::BatchResults, results
    assert_equal 2, results.items.size, "the unfinished run has no result"
    ok, failed = results.items
    assert_equal [true, runs[0], { "sent" => true }, '{"sent":true}', "a"],
                 [ok.ok?, ok.id, ok.output, ok.raw_output, ok.task_identifier]
    assert_kind_of Triggerdev::TaskRunError, failed.error
    assert_equal [false, "BUILT_IN_ERROR", "TypeError", "boom", "", nil],
                 [failed.ok?, failed.error.type, failed.error.name, failed.error.message, failed.error.stack_trace,
                  failed.output]
    assert_raises(Triggerdev::NotFoundError) { c.batches.results("batch_nope") }

    events = c.runs.events(runs[1]).events
    span = c.runs.retrieve_span(runs[1], events[1].span_id)
    assert_equal "/api/v1/runs/#{runs[1]}/spans/#{events[1].span_id}", logged("/api/v1/runs").last["path"]
    assert_kind_of Triggerdev::RunSpan, span
    assert_equal [events[0].span_id, "Attempt 1", true, "attempt"],
                 [span.parent_id, span.message, span.error?, span.entity_type]
    assert_kind_of Time, span.start_time
    assert_raises(Triggerdev::NotFoundError) { c.runs.retrieve_span(runs[1], "0000000000000000") }
  end
end
