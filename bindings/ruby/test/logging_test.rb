# frozen_string_literal: true

require "stringio"
require "open3"
require "rbconfig"
require_relative "test_helper"

# Observable retries: the library's lines in Triggerdev.logger — a DEBUG line per request, an
# INFO line per retry — silent by default, TRIGGERDEV_LOG=debug|info for a $stderr logger,
# never a secret.
class LoggingTest < TriggerdevTest
  def teardown
    Triggerdev.logger = nil
  end

  # The lines written to +io+, timings blanked.
  def lines(io)
    io.string.lines.map { |l| l.chomp.gsub(/\b\d+ ms\b/, "N ms") }
  end

  def test_a_retried_call_logs_each_request_and_the_retry
    c = client
    run = c.tasks.trigger("logged", {})
    io = StringIO.new
    Triggerdev.logger = Logger.new(io, level: :debug, formatter: ->(sev, _, prog, msg) { "#{sev} #{prog}: #{msg}\n" })
    emu.add_fault(status: 503, count: 1, path: "/api/v3/runs/#{run.id}")
    c.runs.retrieve(run.id)
    path = "/api/v3/runs/#{run.id}"
    assert_equal ["DEBUG triggerdev: GET #{path} -> 503 in N ms (attempt 1)",
                  "INFO triggerdev: retrying GET #{path} in N ms after 503 Service unavailable (attempt 2 of 5 next)",
                  "DEBUG triggerdev: GET #{path} -> 200 in N ms (attempt 2)"], lines(io)
    refute_includes io.string, emu.dev_key
    refute_includes io.string, "Bearer"
  end

  def test_info_shows_retries_only_and_nil_is_silent
    io = StringIO.new
    Triggerdev.logger = Logger.new(io, level: :info, formatter: ->(sev, _, _, msg) { "#{sev} #{msg}\n" })
    emu.add_fault(status: 503, count: 1, path: "/api/v1/runs")
    client.runs.list_page
    assert_equal 1, lines(io).size
    assert_match(/\AINFO retrying GET \/api\/v1\/runs in N ms after 503/, lines(io).first)
    Triggerdev.logger = nil
    emu.add_fault(status: 503, count: 1, path: "/api/v1/runs")
    client.runs.list_page
    assert_equal 1, lines(io).size, "nothing more once the logger is removed"
    error = assert_raises(TypeError) { Triggerdev.logger = "stderr" }
    assert_equal "Triggerdev.logger= takes a Logger (or nil), not String", error.message
  end

  def run_script(level)
    script = <<~RUBY
      require "triggerdev"
      c = Triggerdev::Client.new(access_token: #{emu.dev_key.inspect}, base_url: #{emu.base_url.inspect},
                                 retry: { min_timeout_in_ms: 1, max_timeout_in_ms: 5 })
      c.runs.list_page
    RUBY
    emu.add_fault(status: 503, count: 1, path: "/api/v1/runs")
    env = { "TRIGGERDEV_LOG" => level, "TRIGGERDEV_LIB" => Triggerdev.library_path }
    _out, err, status = Open3.capture3(env, RbConfig.ruby, "-I", File.expand_path("../lib", __dir__), "-e", script)
    assert status.success?, err
    err
  end

  def test_silent_by_default_and_trigger_log_logs_to_stderr
    assert_equal "", run_script("")
    info = run_script("info")
    assert_match(/INFO -- triggerdev: retrying GET \/api\/v1\/runs in \d+ ms/, info)
    refute_match(/DEBUG/, info)
    debug = run_script("debug")
    assert_match(%r{DEBUG -- triggerdev: GET /api/v1/runs -> 200 in}, debug)
    refute_includes debug, emu.dev_key
  end
end
