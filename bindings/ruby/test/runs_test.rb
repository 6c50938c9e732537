# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e.rs: runs_trigger_list_retrieve_cancel_replay_reschedule_tags_metadata_result, plus
# events, trace, metadata and the object model on a real run.
class RunsTest < TriggerdevTest
  def test_trigger_list_retrieve_cancel_replay_reschedule_tags_metadata_result
    c = client
    handle = c.tasks.trigger("email/send", { to: "ada" }, tags: "welcome", metadata: { step: 1 })
    assert_kind_of Triggerdev::RunHandle, handle
    assert_match(/\Arun_/, handle.id)
    assert handle.public_access_token.start_with?("eyJ")
    refute handle.cached?

    run = c.runs.retrieve(handle.id)
    assert_kind_of Triggerdev::Run, run
    assert_equal "email/send", run.task_identifier
    assert_equal Triggerdev::RunStatus::QUEUED, run.status
    assert_equal({ "to" => "ada" }, run.payload)
    assert_equal ["welcome"], run.tags
    assert run.queued?
    refute run.finished?

    text = c.tasks.trigger("echo", "plain text")
    assert_equal "plain text", c.runs.retrieve(text.id).payload

    page = c.runs.list_page(task_identifier: "email/send")
    assert_equal [handle.id], page.data.map(&:id)
    assert_equal [handle.id], c.runs.list(task_identifier: ["email/send"]).map(&:id)

    message = c.runs.add_tags(handle.id, %w[vip eu])
    assert_equal "Successfully set 2 new tags.", message.message
    c.runs.add_tags(handle.id, "one-more")
    assert_equal %w[welcome vip eu one-more], c.runs.retrieve(handle.id).tags

    updated = c.runs.update_metadata(handle.id, operations: [{ type: "increment", key: "step", value: 2 }])
    assert_kind_of Triggerdev::RunMetadata, updated
    assert_equal({ "step" => 3 }, updated.metadata)
    assert_equal({ "step" => 3 }, c.runs.metadata(handle.id).metadata)
    c.runs.update_metadata(handle.id, metadata: { "replaced" => true })
    assert_equal({ "replaced" => true }, c.runs.metadata(handle.id).metadata)

    pending = c.runs.outcome(handle.id)
    assert_kind_of Triggerdev::RunOutcome, pending
    assert_equal %w[notFinished QUEUED], [pending.outcome, pending.status]
    refute pending.finished?
    emu.complete_run(handle.id, { sent: true })
    outcome = c.runs.outcome(handle.id)
    assert outcome.ok?
    assert outcome.finished?
    assert_equal({ "sent" => true }, outcome.output)
    done = c.runs.poll(handle.id, interval: 0.01)
    assert_equal "COMPLETED", done.status
    assert_equal({ "sent" => true }, done.output)
    assert done.completed?
    assert done.finished?
    assert_kind_of Time, done.finished_at if done.finished_at

    assert_equal text.id, c.runs.cancel(text.id).id
    assert_equal "CANCELED", c.runs.retrieve(text.id).status
    gone = c.runs.outcome(text.id)
    assert_equal %w[failed CANCELED], [gone.outcome, gone.status]
    assert_equal "Canceled by user", gone.error.message
    replay = c.runs.replay(text.id)
    refute_equal text.id, replay.id
    assert_equal "plain text", c.runs.retrieve(replay.id).payload
    c.runs.replay(text.id, tags: ["replayed"], payload: { "new" => 1 }, max_attempts: 2)
    body = logged("/api/v1/runs/#{text.id}/replay").last["body"]
    # A payload without payload_type: goes as superjson, as the official SDK (the emulator
    # replays the source run's payload whatever the body says).
    assert_equal({ "payload" => "{\"json\":{\"new\":1}}", "payloadType" => "application/super+json",
                   "tags" => ["replayed"], "maxAttempts" => 2 }, body)

    delayed = c.tasks.trigger("later", {}, delay: "1h")
    assert_equal "DELAYED", c.runs.retrieve(delayed.id).status
    moved = c.runs.reschedule(delayed.id, delay: "2h")
    assert_equal "DELAYED", moved.status
    moved = c.runs.reschedule(delayed.id, delay: Time.now + 7200)
    assert_kind_of Time, moved.delayed_until
    error = assert_raises(Triggerdev::BadRequestError) { c.runs.reschedule(text.id, delay: "2h") }
    assert_equal [400, "400 Cannot reschedule a run that is not delayed"], [error.status, error.message]
  end

  def test_events_and_trace
    c = client
    handle = c.tasks.trigger("traced", { n: 1 })
    emu.start_run(handle.id)
    emu.fail_run(handle.id, "boom", name: "Error")
    run = c.runs.retrieve(handle.id)
    assert_equal "FAILED", run.status
    assert run.failed?
    assert_kind_of Triggerdev::RunError, run.error
    assert_equal "boom", run.error.message

    events = c.runs.events(handle.id)
    assert_kind_of Triggerdev::RunEvents, events
    refute_empty events.events
    assert(events.events.all? { |e| e.is_a?(Triggerdev::RunEvent) })
    assert(events.events.any? { |e| e.run_id == handle.id || e.message })
    trace = c.runs.trace(handle.id)
    assert_kind_of Triggerdev::RunTrace, trace
    refute_nil trace.trace_id
    refute_nil trace.root_span
  end

  # RunOutcome#output is the run's output as retrieve gives it.
  def test_an_outcomes_output_is_the_value_and_none_is_nil
    c = client
    values = [{ "approved" => true }, [1, "two", nil], "text", 42]
    ids = values.map do |value|
      c.tasks.trigger("result", {}).id.tap { |id| emu.complete_run(id, value) }
    end
    emu.clear_requests
    assert_equal values, ids.map { |id| c.runs.outcome(id).output }
    assert_equal ids.size, logged.size, "one request per outcome"

    bare = c.tasks.trigger("result", {}).id
    emu.complete_run(bare)
    assert_nil c.runs.outcome(bare).output, "completed without output"

    failed = c.tasks.trigger("result", {}).id
    emu.fail_run(failed, "boom")
    outcome = c.runs.outcome(failed)
    refute outcome.ok?
    assert_equal %w[failed FAILED boom], [outcome.outcome, outcome.status, outcome.error.message]
    assert_nil outcome.output, "a failed run has no output"
  end

  # The deprecated runs.result: the server's route is a 404 for finished runs (nil) and answers
  # only for canceled ones; RunResult#output is the library's decoding of the text.
  def test_the_deprecated_result_warns_and_reads_the_route
    c = client
    done = c.tasks.trigger("result", {}).id
    emu.complete_run(done, { "x" => 1 })
    canceled = c.tasks.trigger("result", {}).id
    c.runs.cancel(canceled)
    deprecated = Warning[:deprecated]
    Warning[:deprecated] = true
    result = nil
    assert_output(nil, /Runs#result is deprecated.*#outcome/) { assert_nil c.runs.result(done) }
    assert_output(nil, /deprecated/) { result = c.runs.result(canceled) }
    refute result.ok?
    assert_equal({ "type" => "INTERNAL_ERROR", "code" => "TASK_RUN_CANCELLED" }, result.error.to_h)
    decoded = Triggerdev::RunResult.new({ "ok" => true, "id" => "run_x", "output" => '{"json":[1,2]}', "outputType" => "application/super+json" })
    assert_equal [1, 2], decoded.output
  ensure
    Warning[:deprecated] = deprecated
  end

  def test_run_objects_keep_the_servers_json
    c = client
    handle = c.tasks.trigger("t", { "a" => [1, 2] })
    run = c.runs.retrieve(handle.id)
    json = run.to_h
    assert_equal handle.id, json["id"]
    assert_equal "t", json["taskIdentifier"]
    assert_equal run.task_identifier, run[:taskIdentifier]
    assert_equal run.task_identifier, run["taskIdentifier"]
    assert_equal run.task_identifier, run[:task_identifier]
    assert_kind_of Time, run.created_at
    assert run.created_at.utc?
    assert_in_delta Time.now.to_f, run.created_at.to_f, 120
    assert_equal json["createdAt"], run.to_h["createdAt"], "to_h keeps the text"
    # A field no class declares still has a reader.
    assert_equal json["triggerFunction"], run.trigger_function
    assert_respond_to run, :base_cost_in_cents
    assert_raises(NoMethodError) { run.no_such_field }
    assert_equal JSON.parse(JSON.generate(run)), json
    assert_equal run, c.runs.retrieve(handle.id).tap { |r| r.to_h.delete("updatedAt") && r.to_h["updatedAt"] = json["updatedAt"] }
  end
end
