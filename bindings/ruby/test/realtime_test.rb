# frozen_string_literal: true

require_relative "test_helper"

# Realtime against the emulator: a run subscription sees each status in order and ends after
# the run finished; runs.wait returns the finished run or raises WaitTimeoutError with the last
# run; tag and batch subscriptions; tasks.trigger_and_subscribe; stop from another thread;
# Ctrl-C; typed errors. Changes are made only once the emulator reports the library's live
# request held (emu.realtime_held), so every status is seen, in order.
class RealtimeTest < TriggerdevTest
  # Only a guard against a hung test; nothing is timed.
  HANG_GUARD = 30
  # The budget the issue sets for Ctrl-C; the library looks every 50 ms.
  SIGINT_BUDGET = 0.2

  def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  # Whether +n+ live realtime requests are held (the readiness signal).
  def held?(n = 1)
    emu.realtime_held >= n
  end

  # Runs the block on another thread once a live realtime request is held.
  def when_held(n = 1)
    Thread.new do
      deadline = now + HANG_GUARD
      sleep 0.002 until held?(n) || now > deadline
      yield
    end
  end

  # The queries of the feed requests to +path+ (a poll a previous test left held may finish, and
  # be logged, after the reset).
  def feed_queries(path)
    emu.requests.select { |r| r["path"] == path }.map { |r| r["rawQuery"] }
  end

  def test_a_subscription_yields_each_status_in_order_and_ends
    c = no_retry
    id = c.tasks.trigger("email/send", { to: "ada" }, tags: ["welcome"], metadata: { step: 1 }).id
    seen = []
    helpers = []
    c.runs.subscribe(id).each do |run|
      seen << run
      case run.status
      when "QUEUED" then helpers << when_held { emu.start_run(id) }
      when "EXECUTING" then helpers << when_held { emu.complete_run(id, { "ok" => true }) }
      end
    end
    helpers.each(&:join)
    assert_equal %w[QUEUED EXECUTING COMPLETED], seen.map(&:status)
    first, executing, done = seen
    assert_equal [id, "email/send", ["welcome"]], [first.id, first.task_identifier, first.tags]
    assert_equal({ "to" => "ada" }, first.payload)
    assert_equal({ "step" => 1 }, first.metadata)
    assert first.is_queued
    refute first.is_completed
    assert_nil first.started_at
    assert executing.is_executing
    refute_nil executing.started_at
    assert done.is_completed && done.is_success
    refute_nil done.finished_at
    assert_equal({ "ok" => true }, done.output)
    queries = feed_queries("/realtime/v1/runs/#{id}")
    assert_equal "log=full&offset=-1", queries.first
    assert_equal 3, queries.size
    assert(queries.drop(1).all? { |q| q.include?("live=true") })
  end

  def test_a_409_or_must_refetch_mid_subscription_restarts_without_a_repeated_row
    # After a 409 the shape is read from the start again; a must-refetch answer holds every row.
    { rotate: [2, -> { emu.rotate_realtime_shapes["rotated"].size }],
      must_refetch: [1, -> { emu.realtime_must_refetch["shapes"] }] }.each do |name, (starts, restart)|
      id = no_retry.tasks.trigger("t", {}).id
      seen = []
      helpers = []
      no_retry.runs.subscribe(id).each do |run|
        seen << run.status
        case run.status
        when "QUEUED"
          helpers << when_held do
            assert_operator restart.call, :>=, 1, name
            emu.start_run(id)
          end
        when "EXECUTING" then helpers << when_held { emu.complete_run(id, 1) }
        end
      end
      helpers.each(&:join)
      assert_equal %w[QUEUED EXECUTING COMPLETED], seen, name
      assert_equal starts, feed_queries("/realtime/v1/runs/#{id}").count { |q| q.include?("offset=-1") }, name
    end
  end

  def test_wait_returns_the_finished_run
    c = no_retry
    id = c.tasks.trigger("t", {}).id
    helper = when_held { emu.fail_run(id, "boom", name: "TypeError") }
    run = c.runs.wait(id, timeout: HANG_GUARD)
    helper.join
    assert_equal "FAILED", run.status
    assert run.is_failed && run.is_completed
    refute run.is_success
    assert_equal %w[TypeError boom], [run.error.name, run.error.message]
  end

  def test_wait_raises_the_typed_timeout_carrying_the_last_run
    c = no_retry
    id = c.tasks.trigger("t", {}).id
    error = assert_raises(Triggerdev::WaitTimeoutError) { c.runs.wait(id, timeout: 0.3) }
    assert_equal [id, "QUEUED"], [error.last_run.id, error.last_run.status]
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.runs.wait(id, timeout: 0) }
    assert_match(/timeout/, error.message)
  end

  def test_a_tag_subscription_sees_new_runs_and_stops_from_another_thread
    c = no_retry
    first = c.tasks.trigger("t", {}, tags: %w[org-1 vip]).id
    c.tasks.trigger("t", {}, tags: ["org-1"])
    later = []
    seen = []
    helpers = []
    sub = c.runs.subscribe_tagged(%w[org-1 vip], created_at: "1h")
    sub.each do |run|
      seen << run.id
      helpers << if seen.size == 1
                   when_held { later << c.tasks.trigger("t", {}, tags: %w[vip org-1]).id }
                 else
                   when_held { sub.stop } # ends the each, blocked in a held live poll
                 end
    end
    helpers.each(&:join)
    assert_equal [first, later.first], seen
    assert_includes feed_queries("/realtime/v1/runs").first, "createdAt=1h"
    assert_includes feed_queries("/realtime/v1/runs").first, "tags=org-1%2Cvip"
  end

  def test_a_batch_subscription_yields_the_batch_runs_and_their_changes
    c = no_retry
    batch = c.tasks.batch_trigger([{ task: "t", payload: { i: 0 } }, { task: "t", payload: { i: 1 } }])
    sub = c.batches.subscribe(batch.batch_id)
    a, b = sub.first(2)
    assert_equal [{ "i" => 0 }, { "i" => 1 }], [a.payload, b.payload]
    helper = when_held { emu.complete_run(b.id, "done") }
    changed = sub.first
    helper.join
    assert_equal [b.id, "COMPLETED", "done"], [changed.id, changed.status, changed.output]
    sub.close
  end

  def test_trigger_and_subscribe_leaves_out_the_payload_and_ends
    c = no_retry
    statuses = []
    helpers = []
    id = nil
    c.tasks.trigger_and_subscribe("t", { big: true }).each do |run|
      id = run.id
      statuses << run.status
      assert_nil run.payload
      helpers << when_held { c.runs.cancel(run.id) } if run.status == "QUEUED"
    end
    helpers.each(&:join)
    assert_equal %w[QUEUED CANCELED], statuses
    assert_includes feed_queries("/realtime/v1/runs/#{id}").first, "skipColumns=payload"
  end

  def test_close_from_another_thread_unblocks_a_blocked_each
    c = no_retry
    sub = c.runs.subscribe(c.tasks.trigger("t", {}).id)
    assert_equal "QUEUED", sub.first.status
    helper = when_held { sub.stop }
    assert_equal [], sub.first(1)
    helper.join
    sub.close
  end

  def test_ctrl_c_ends_a_subscription_waiting_in_a_live_poll
    emu.set_realtime_hold(600_000)
    c = no_retry
    id = c.tasks.trigger("t", {}).id
    sub = c.runs.subscribe(id)
    assert_equal "QUEUED", sub.first.status
    assert_interrupted_within_budget(1) { sub.first }
    # The same through runs.wait (the interrupted poll is still held on the server).
    assert_interrupted_within_budget(2) { c.runs.wait(id, timeout: 600) }
    sub.close
  end

  def assert_interrupted_within_budget(held_count, &call)
    assert_equal Thread.main, Thread.current
    sent = []
    Thread.new do
      deadline = now + HANG_GUARD
      sleep 0.002 until held?(held_count) || now > deadline
      sent << now
      Process.kill("INT", Process.pid)
    end
    assert_raises(Interrupt, &call)
    latency = now - sent.first
    assert_operator latency, :<=, SIGINT_BUDGET, "Interrupt #{(latency * 1000).round} ms after SIGINT"
  end

  def test_errors_are_raised_typed_once
    c = no_retry
    sub = c.runs.subscribe("run_missing")
    error = assert_raises(Triggerdev::NotFoundError) { sub.first }
    assert_equal 404, error.status
    assert_equal [], sub.first(1), "the error ended it"

    handle = c.tasks.trigger("t", {})
    other = c.tasks.trigger("t", {}).id
    public = no_retry(handle.public_access_token)
    assert_equal handle.id, public.runs.subscribe(handle.id).first.id
    assert_raises(Triggerdev::PermissionDeniedError) { public.runs.subscribe(other).first }

    emu.add_fault(status: 200, count: 1, path: "/realtime/v1/", body: { hello: "proxy" })
    error = assert_raises(Triggerdev::DecodeError) { c.runs.subscribe(handle.id).first }
    assert_match(/electric-handle/, error.message)

    error = assert_raises(Triggerdev::InvalidArgumentError) { c.runs.subscribe_tagged([]) }
    assert_match(/tags/, error.message)
  end
end
