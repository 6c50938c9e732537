# frozen_string_literal: true

require_relative "test_helper"

# 20,000 calls through every ownership path (result strings, error objects, iterators, session
# streams, tokens, client and snapshot handles, with_auth) must not grow the resident set by 5 MB.
class LeakTest < TriggerdevTest
  CALLS = 20_000
  LIMIT_KB = 5 * 1024

  def rss_kb
    GC.start(full_mark: true, immediate_sweep: true)
    File.foreach("/proc/self/status") { |line| return line.split[1].to_i if line.start_with?("VmRSS:") }
    skip "no /proc/self/status"
  end

  def test_no_leak_over_a_long_loop
    c = client
    quick = no_retry
    ids = Array.new(3) { |i| c.tasks.trigger("leak", { i: i, blob: "x" * 512 }).id }
    configure_ambient
    emu.set_session_options(sse_linger_ms: 0)
    c.sessions.start(type: "chat", task_identifier: "leak", base_payload: {}, external_id: "leak")
    emu.append_session_out("leak", { blob: "y" * 256 })
    out = c.sessions.open("leak").output
    step = lambda do |i|
      case i % 9
      when 0..3 then c.runs.retrieve(ids[i % 3]).status
      when 4
        begin
          quick.runs.retrieve("run_missing")
        rescue Triggerdev::NotFoundError
          nil
        end
      when 5 then c.runs.list(limit: 2).first(1)
      when 6 then Triggerdev::Client.new(access_token: emu.dev_key, base_url: emu.base_url).with_options(max_retries: 0).close
      when 7
        # A token minted, or now and then (a stream is a new connection) a subscription, its
        # stream freed at the end of the window.
        if (i % 72) == 7
          out.subscribe(stop_at_end_of_window: true).to_a
        else
          c.auth.create_public_token(scopes: { read: { sessions: "leak" } })
        end
      else
        snapshot = Triggerdev.with_auth(access_token: emu.prod_key) { Triggerdev.current_auth }
        Triggerdev.with_auth(snapshot) { Triggerdev::IdempotencyKeys.create(["k", i.to_s]) }
        Triggerdev::EnvVars.parse_dotenv("A=#{i}\n")
      end
    end
    1_000.times(&step)
    before = rss_kb
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    CALLS.times(&step)
    secs = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    growth = rss_kb - before
    puts format("\nleak check: %<n>d calls in %<s>.1f s, RSS %<a>.1f MB -> %<b>.1f MB (%<g>+.2f MB)",
                n: CALLS, s: secs, a: before / 1024.0, b: (before + growth) / 1024.0, g: growth / 1024.0)
    assert_operator growth, :<, LIMIT_KB, "RSS grew by #{growth} kB over #{CALLS} calls"
  end
end
