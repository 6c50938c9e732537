# frozen_string_literal: true

require "weakref"
require_relative "test_helper"

# Client.new options, with_options, close and the finalizer.
class ClientTest < TriggerdevTest
  def test_options_reach_the_wire
    c = client(emu.preview_key, user_agent_suffix: "my-app/1.0", additional_headers: { "x-extra" => "1" },
               preview_branch: emu.preview_branch)
    c.runs.list_page
    headers = logged.last["headers"]
    assert_equal "triggerdev-rust/0.2.0 ruby/#{RUBY_VERSION} my-app/1.0", headers["user-agent"]
    assert_equal "1", headers["x-extra"]
    assert_equal emu.preview_branch, headers["x-trigger-branch"]
    assert_equal "Bearer #{emu.preview_key}", headers["authorization"]

    alias_client = Triggerdev::Client.new(secret_key: emu.prod_key, base_url: emu.base_url)
    alias_client.runs.list_page
    assert_equal "Bearer #{emu.prod_key}", logged.last["headers"]["authorization"], "secret_key: is an alias"

    Triggerdev::Client.new(access_token: emu.dev_key, base_url: emu.base_url, inherit_context: false,
                           external_deployment_id: "dep-1", future: { v2_realtime_streams: true },
                           max_response_bytes: 1 << 20, dangerously_allow_insecure_http: false,
                           timeout: 30, max_retries: 2,
                           retry: { factor: 2, min_timeout_in_ms: 1, max_timeout_in_ms: 2, randomize: false,
                                    max_rate_limit_wait_ms: 10 }).tasks.trigger("all-options", {})
    assert_equal 1, emu.runs.size
  end

  def test_retries_timeouts_and_with_options
    c = client
    emu.add_fault(status: 503, count: 2)
    c.runs.list_page
    assert_equal 3, logged.size, "two 503s retried"

    emu.clear_requests
    emu.add_fault(status: 503, count: 2)
    once = c.with_options(max_retries: 0)
    assert_kind_of Triggerdev::Client, once
    assert_raises(Triggerdev::InternalServerError) { once.runs.list_page }
    assert_equal 1, logged.size
    c.runs.list_page
    assert_equal 3, logged.size, "the original client still retries"

    emu.add_fault(latency_ms: 800, count: 1)
    assert_raises(Triggerdev::APITimeoutError) { c.with_options(timeout: 0.1, max_retries: 0).runs.list_page }
    await_delayed_request
    emu.clear_requests
    c.with_options(additional_headers: { "x-call" => "yes" }).runs.list_page
    assert_equal "yes", logged.last["headers"]["x-call"]
    assert_raises(ArgumentError) { c.with_options(base_url: "http://x") }
  end

  def test_plain_http_to_a_remote_host_needs_an_opt_in
    # 0.0.0.0 is not loopback to the library, yet Linux connects it to this host: with a closed
    # port the call fails without a name lookup or a packet leaving the machine.
    closed = TCPServer.new("127.0.0.1", 0).then { |s| s.addr[1].tap { s.close } }
    remote = "http://0.0.0.0:#{closed}"
    c = Triggerdev::Client.new(access_token: emu.dev_key, base_url: remote, max_retries: 0)
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.runs.retrieve("run_x") }
    refute_includes error.message, emu.dev_key
    insecure = Triggerdev::Client.new(access_token: emu.dev_key, base_url: remote, max_retries: 0,
                                      dangerously_allow_insecure_http: true, timeout: 0.2)
    assert_raises(Triggerdev::APIConnectionError) { insecure.runs.retrieve("run_x") }
  end

  def test_bad_options_are_refused_in_ruby
    error = assert_raises(ArgumentError) { Triggerdev::Client.new(acces_token: "x", timeoutt: 1) }
    assert_match(/acces_token.*timeoutt/, error.message)
    assert_raises(TypeError) { Triggerdev::Client.new(access_token: 123) }
    assert_raises(TypeError) { Triggerdev::Client.new(max_retries: "3") }
    assert_raises(ArgumentError) { Triggerdev::Client.new(max_retries: -1) }
    assert_raises(ArgumentError) { Triggerdev::Client.new(timeout: 0) }
    assert_raises(TypeError) { Triggerdev::Client.new(timeout: "5") }
    assert_raises(ArgumentError) { Triggerdev::Client.new(retry: { max_atempts: 1 }) }
    assert_raises(TypeError) { Triggerdev::Client.new(additional_headers: { "x" => 1 }) }
    assert_raises(ArgumentError) { Triggerdev.configure(bogus: true) }
  end

  def test_close
    c = client
    c.runs.list_page
    refute c.closed?
    assert_nil c.close
    assert c.closed?
    c.close
    error = assert_raises(IOError) { c.runs.list_page }
    assert_match(/closed/, error.message)
    assert_raises(IOError) { c.with_options(max_retries: 0) }
    assert_raises(IOError) { c.runs.list }

    result = Triggerdev::Client.open(access_token: emu.dev_key, base_url: emu.base_url) do |opened|
      @opened = opened
      opened.runs.list_page.size
    end
    assert_equal 0, result
    assert @opened.closed?
    refute_includes c.inspect, emu.dev_key
  end

  def test_close_waits_for_calls_in_flight
    c = client
    emu.add_fault(latency_ms: 300, count: 1)
    call = Thread.new { c.runs.list_page }
    sleep 0.05 until emu.requests.any? || !call.alive?
    c.close
    assert_kind_of Triggerdev::RunsPage, call.value, "the running call finished on a live client"
    assert_raises(IOError) { c.runs.list_page }
  end

  def test_derived_clients_and_iterators_outlive_their_parent
    c = client
    3.times { c.tasks.trigger("t", {}) }
    derived = c.with_options(max_retries: 0)
    pager = c.runs.list(limit: 1)
    c.close
    assert_equal 3, derived.runs.list_page.size
    enum = derived.runs.list(limit: 1).each
    first = enum.next
    derived.close
    assert_equal 3, [first, enum.next, enum.next].size, "an iteration started goes on"
    assert_raises(IOError) { pager.to_a }
  end

  def test_finalizers_free_clients_without_capturing_them
    refs = Array.new(200) { WeakRef.new(Triggerdev::Client.new(access_token: emu.dev_key, base_url: emu.base_url)) }
    derived = Array.new(50) { WeakRef.new(client.with_options(max_retries: 0)) }
    3.times { GC.start(full_mark: true, immediate_sweep: true) }
    collected = (refs + derived).count { |r| !r.weakref_alive? }
    assert_operator collected, :>, 200, "clients are collectable: their finalizers hold only the pointer"
  end
end
