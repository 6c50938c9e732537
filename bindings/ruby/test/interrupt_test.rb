# frozen_string_literal: true

require "socket"
require_relative "test_helper"

# Every wait can be bounded and interrupted: Ctrl-C (SIGINT) ends a call waiting on the main
# thread with Interrupt within 200 ms (a poll's interval, a retry back-off, a slow response, a
# silent subscription); a CancelToken ends one from another thread; a poll's timeout raises
# WaitTimeoutError with the run as last seen.
class InterruptTest < TriggerdevTest
  # The budget the issue sets for Ctrl-C; the library looks every 50 ms.
  SIGINT_BUDGET = 0.2

  # Reads one request, writes +head+, then never answers further; +arrived+ is true once the
  # request is in.
  class SilentServer
    attr_reader :url

    def initialize(head = "")
      @server = TCPServer.new("127.0.0.1", 0)
      @url = "http://127.0.0.1:#{@server.addr[1]}"
      @arrived = false
      @thread = Thread.new do
        conn = @server.accept
        seen = +""
        seen << conn.readpartial(4096) until seen.include?("\r\n\r\n")
        conn.write(head)
        @arrived = true
        sleep
      rescue EOFError, IOError
        nil
      end
    end

    def arrived? = @arrived

    def close
      @thread.kill
      @server.close
    end
  end

  def teardown
    @servers&.each(&:close)
  end

  def silent(head = "")
    (@servers ||= []) << SilentServer.new(head)
    @servers.last
  end

  def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  # Sends SIGINT to this process once the block is true (polled: a readiness signal, bounded as
  # a hang guard); returns an Array that receives the time it was sent.
  def sigint_when(&ready)
    sent = []
    Thread.new do
      5000.times do
        break if ready.call

        sleep 0.002
      end
      sent << now
      Process.kill("INT", Process.pid)
    end
    sent
  end

  # Runs the block on the main thread, sends SIGINT once +ready+ is true, and checks that
  # Interrupt comes within the budget.
  def assert_interrupted_within_budget(ready, &call)
    assert_equal Thread.main, Thread.current
    sent = sigint_when(&ready)
    assert_raises(Interrupt, &call)
    latency = now - sent.first
    assert_operator latency, :<=, SIGINT_BUDGET, "Interrupt #{(latency * 1000).round} ms after SIGINT"
  end

  def requested(path)
    -> { emu.requests.any? { |r| r["path"] == path } }
  end

  def test_ctrl_c_ends_a_poll_waiting_for_its_next_retrieval
    c = no_retry
    run = c.tasks.trigger("never-finishes", {})
    emu.clear_requests
    assert_interrupted_within_budget(requested("/api/v3/runs/#{run.id}")) { c.runs.poll(run.id, interval: 30) }
    assert_equal run.id, c.runs.retrieve(run.id).id, "the client works on afterwards"
  end

  def test_ctrl_c_ends_a_retry_back_off
    c = emu.client(emu.dev_key, retry: { min_timeout_in_ms: 30_000, max_timeout_in_ms: 30_000 })
    emu.add_fault(status: 500, count: 1, path: "/api/v3/runs/run_backoff")
    assert_interrupted_within_budget(requested("/api/v3/runs/run_backoff")) { c.runs.retrieve("run_backoff") }
  end

  def test_ctrl_c_ends_a_slow_response
    server = silent
    c = Triggerdev::Client.new(access_token: "tr_dev_x", base_url: server.url, max_retries: 0)
    assert_interrupted_within_budget(-> { server.arrived? }) { c.runs.retrieve("run_1") }
  end

  def test_ctrl_c_ends_a_silent_subscription
    server = silent("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n")
    c = Triggerdev::Client.new(access_token: "tr_dev_x", base_url: server.url, max_retries: 0)
    subscription = c.sessions.open("chat-1").output.subscribe
    assert_interrupted_within_budget(-> { server.arrived? }) { subscription.each { |record| flunk record.inspect } }
  end

  def test_an_int_trap_of_the_program_decides_whether_the_call_ends
    stop = Class.new(StandardError)
    previous = trap("INT") { raise stop, "stopped by the trap" }
    server = silent
    c = Triggerdev::Client.new(access_token: "tr_dev_x", base_url: server.url, max_retries: 0)
    sigint_when { server.arrived? }
    error = assert_raises(stop) { c.runs.retrieve("run_1") }
    assert_equal "stopped by the trap", error.message

    # A trap that does not raise lets the call go on (here to its 0.3 s timeout), as a SIGCHLD
    # of a child process does.
    seen = []
    trap("INT") { seen << :int }
    server = silent
    c = Triggerdev::Client.new(access_token: "tr_dev_x", base_url: server.url, max_retries: 0, timeout: 0.3)
    sigint_when { server.arrived? }
    assert_raises(Triggerdev::APITimeoutError) { c.runs.retrieve("run_1") }
    assert_equal [:int], seen
  ensure
    trap("INT", previous)
  end

  def test_a_cancel_token_ends_a_call_in_another_thread
    token = Triggerdev::CancelToken.new
    refute token.cancelled?
    c = no_retry
    run = c.tasks.trigger("never-finishes", {})
    emu.clear_requests
    cancellable = c.with_options(cancel_token: token)
    worker = Thread.new do
      cancellable.runs.poll(run.id, interval: 30)
    rescue Triggerdev::Error => e
      e
    end
    ready = requested("/api/v3/runs/#{run.id}")
    5000.times do
      break if ready.call

      sleep 0.002
    end
    token.cancel
    error = worker.value
    assert_instance_of Triggerdev::CancelledError, error
    assert_equal "the call was cancelled", error.message
    assert token.cancelled?
    assert_equal "#<Triggerdev::CancelToken cancelled=true>", token.inspect
    assert_raises(Triggerdev::CancelledError) { cancellable.runs.retrieve(run.id) }
    assert_equal run.id, c.runs.retrieve(run.id).id, "the original client is not affected"
    error = assert_raises(TypeError) { c.with_options(cancel_token: "yes") }
    assert_equal "cancel_token: must be a Triggerdev::CancelToken, not String", error.message
  end

  def test_a_poll_timeout_raises_wait_timeout_with_the_last_run
    c = no_retry
    run = c.tasks.trigger("never-finishes", { n: 1 })
    error = assert_raises(Triggerdev::WaitTimeoutError) { c.runs.poll(run.id, interval: 0.01, timeout: 0.05) }
    assert_equal run.id, error.last_run.id
    assert_equal "QUEUED", error.last_run.status
    assert error.message.start_with?("gave up waiting after 50ms: run #{run.id}"), error.message
  end
end
