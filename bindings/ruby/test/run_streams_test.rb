# frozen_string_literal: true

require_relative "test_helper"

# Run streams and input streams against the emulator: a v2 stream cut and failed mid-way read
# with no chunk lost or repeated, a v1 stream, start_index: and from_latest:, stop from another
# thread, typed errors raised once, and input stream sends recorded.
class RunStreamsTest < TriggerdevTest
  # What the task would write to its stream +key+ (the emulator's record forms).
  def task_writes(run_id, records, key: "llm")
    emu.append_run_stream(run_id, key, records)
  end

  # v2 windows close once they have sent what there is (until the next reset).
  def drain_windows
    emu.admin(:post, "/__emulator/sessions/config", { "sseLingerMs" => 0 })
  end

  def connects(run_id, key = "llm")
    emu.requests.select { |r| r["path"] == "/realtime/v1/streams/#{run_id}/#{key}" }
  end

  def test_a_cut_and_failed_v2_stream_resumes_with_nothing_lost_or_repeated
    drain_windows
    c = no_retry
    id = c.tasks.trigger("write-story", {}).id
    task_writes(id, (0...6).map { |i| { "data" => { "i" => i }, "id" => "part-#{i}" } } + [{ "command" => "fence" }])
    emu.add_fault(sse_drop_after: 2, count: 1)
    emu.add_fault(sse_error_after: 2, count: 1)
    chunks = c.runs.stream(id, "llm").to_a
    assert_equal((0...6).map { |i| { "i" => i } }, chunks)
    assert_equal [nil, "1", "3"], connects(id).map { |r| r["headers"]["last-event-id"] }
  end

  def test_a_v1_stream_gives_json_or_text_chunks
    c = no_retry(future: { v2_realtime_streams: false })
    id = c.tasks.trigger("write-story", {}).id
    task_writes(id, [{ "data" => { "n" => 1 } }, { "command" => "fence" }, { "data" => "two" }, { "data" => nil }])
    assert_equal [{ "n" => 1 }, "two", nil], c.runs.stream(id, "llm", timeout_seconds: 1).to_a
  end

  def test_start_index_and_from_latest
    drain_windows
    c = no_retry
    id = c.tasks.trigger("write-story", {}).id
    task_writes(id, (0...4).map { |i| { "data" => i, "id" => "p#{i}" } }, key: "default")
    assert_equal [2, 3], c.runs.stream(id, start_index: 2).to_a
    assert_equal [], c.runs.stream(id, from_latest: true).to_a
    headers = connects(id, "default").map { |r| r["headers"] }
    assert_equal "1", headers[0]["last-event-id"]
    assert_equal "latest", headers[1]["x-trigger-stream-start"]
  end

  def test_stop_from_another_thread_ends_a_waiting_stream
    c = no_retry
    id = c.tasks.trigger("write-story", {}).id
    task_writes(id, { "data" => "first" })
    # The window stays open (no linger): #each blocks until a chunk or the stop.
    stream = c.runs.stream(id, "llm")
    assert_equal ["first"], stream.first(1)
    stopper = Thread.new { stream.stop }
    assert_equal [], stream.to_a
    stopper.join
    stream.close
  end

  def test_errors_are_raised_typed_once_and_arguments_checked
    c = no_retry
    stream = c.runs.stream("run_missing", "llm")
    error = assert_raises(Triggerdev::NotFoundError) { stream.to_a }
    assert_equal 404, error.status
    assert_equal [], stream.to_a
    assert_raises(Triggerdev::InvalidArgumentError) { c.runs.stream("run_1", "llm", timeout_seconds: 601) }
    assert_raises(Triggerdev::InvalidArgumentError) { c.runs.stream("run_1", "") }
    assert_raises(TypeError) { c.runs.stream("run_1", start_index: "2") }
  end

  def test_send_input_posts_the_value
    c = no_retry
    id = c.tasks.trigger("approve", {}).id
    assert_nil c.streams.send_input(id, "approval", { approved: true })
    inputs = emu.realtime["inputs"]
    assert_equal [[id, "approval", { "approved" => true }]], inputs.map { |i| i.values_at("runId", "streamId", "data") }
    assert_raises(Triggerdev::NotFoundError) { c.streams.send_input("run_missing", "approval", 1) }
  end
end
