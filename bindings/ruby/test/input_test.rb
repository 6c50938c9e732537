# frozen_string_literal: true

require_relative "test_helper"

# Bad input raises a clear Ruby error naming the argument, before anything crosses the ABI, and
# never crashes the interpreter.
class InputTest < TriggerdevTest
  def assert_refused(klass, pattern = nil)
    emu.clear_requests
    error = assert_raises(klass) { yield }
    assert_match pattern, error.message if pattern
    assert_empty logged, "nothing was sent"
    error
  end

  def test_strings
    c = client
    assert_refused(TypeError, /run_id must be a String, not nil/) { c.runs.retrieve(nil) }
    assert_refused(TypeError, /run_id must be a String, not Integer/) { c.runs.retrieve(42) }
    assert_refused(ArgumentError, /run_id must not contain a NUL byte/) { c.runs.retrieve("run_\0x") }
    assert_refused(ArgumentError, /run_id is not valid UTF-8/) { c.runs.retrieve("run_\xff") }
    assert_refused(ArgumentError, /run_id is not valid UTF-8/) { c.runs.retrieve("run_\xff".b) }
    assert_refused(ArgumentError, /task_id/) { c.tasks.trigger("a\0b", {}) }
    assert_refused(TypeError, /task_id/) { c.tasks.trigger(nil, {}) }
    assert_refused(TypeError, /project_ref/) { c.envvars.list(nil, "dev") }
    assert_refused(TypeError, /name/) { c.envvars.retrieve("p", "dev", 1) }
    assert_refused(ArgumentError, /value:/) { c.envvars.update("p", "dev", "A", value: "\0") }
    assert_refused(TypeError, /schedule_id/) { c.schedules.retrieve(:nope.to_proc) }
    assert_refused(TypeError, /text/) { Triggerdev::EnvVars.parse_dotenv(nil) }
    assert_refused(TypeError, /key/) { Triggerdev::IdempotencyKeys.create(nil) }
    assert_refused(TypeError, /key\[1\]/) { Triggerdev::IdempotencyKeys.create(["a", 1]) }
    assert_refused(TypeError, /delay/) { c.runs.reschedule("run_x", delay: 5) }

    # Other encodings are transcoded; binary Strings that are valid UTF-8 pass.
    latin = "caf\xE9".dup.force_encoding(Encoding::ISO_8859_1)
    handle = c.tasks.trigger("enc", {}, tags: [latin, "ok".b])
    assert_equal ["café", "ok"], c.runs.retrieve(handle.id).tags
    assert_refused(ArgumentError, /cannot be converted to UTF-8/) do
      c.runs.retrieve("\x81".dup.force_encoding(Encoding::Shift_JIS))
    end
  end

  def test_payloads
    c = client
    assert_refused(ArgumentError, /payload cannot be sent as JSON/) { c.tasks.trigger("t", Float::NAN) }
    assert_refused(ArgumentError, /payload/) { c.tasks.trigger("t", { "s" => "\xff" }) }
    deep = (1..200).reduce([]) { |acc, _| [acc] }
    assert_refused(ArgumentError, /payload/) { c.tasks.trigger("t", deep) }
    assert_refused(ArgumentError, /items/) { c.tasks.batch_trigger([{ task: "t", payload: Float::INFINITY }]) }
    # JSON has no sets (JSON.generate would send the Set's #inspect text); Python refuses them too.
    assert_refused(TypeError, "payload: a Set is not JSON; pass an Array") { c.tasks.trigger("t", { "ids" => Set[1, 2] }) }
    assert_refused(ArgumentError, /payload/) { c.tasks.trigger("t", (1..1_000).reduce([]) { |acc, _| [acc] }) }
    # A Time anywhere in a payload goes as ISO-8601 UTC and a Date as its ISO date, as Python's do.
    emu.clear_requests
    c.tasks.trigger("t", { "at" => [Time.utc(2025, 1, 2, 9, 30, 0.5r)], "on" => Date.new(2025, 1, 3) })
    sent = JSON.parse(logged("/api/v1/tasks/t/trigger").last["body"]["payload"])
    assert_equal({ "json" => { "at" => ["2025-01-02T09:30:00.500Z"], "on" => "2025-01-03" } }, sent)
    # In JSON keywords too (metadata:, operations:, a replay's payload:), not as Time#to_s.
    c.tasks.trigger("t", {}, metadata: { "at" => Time.utc(2025, 1, 2, 9, 30) })
    assert_equal({ "at" => "2025-01-02T09:30:00.000Z" }, logged("/api/v1/tasks/t/trigger").last["body"]["options"]["metadata"])
    run = c.tasks.trigger("t", {})
    c.runs.update_metadata(run.id, metadata: { "on" => Date.new(2025, 1, 3), "at" => [Time.utc(2025, 1, 2)] })
    assert_equal({ "on" => "2025-01-03", "at" => ["2025-01-02T00:00:00.000Z"] }, logged("/api/v1/runs/#{run.id}/metadata").last["body"]["metadata"])
    assert_refused(TypeError, "metadata: a Set is not JSON; pass an Array") { c.runs.update_metadata(run.id, metadata: { "s" => Set[1] }) }
  end

  def test_keywords_and_types
    c = client
    assert_refused(ArgumentError, /unknown keyword: :tag\b/) { c.tasks.trigger("t", {}, tag: "x") }
    assert_refused(ArgumentError, /unknown keywords: :a, :b/) { c.runs.list(a: 1, b: 2) }
    assert_refused(ArgumentError, /unknown keyword/) { c.runs.replay("run_x", payloads: 1) }
    assert_refused(ArgumentError, /unknown keyword/) { c.runs.update_metadata("run_x", meta: {}) }
    assert_refused(ArgumentError, /unknown keyword/) { c.schedules.list(size: 2) }
    assert_refused(ArgumentError, /unknown keyword/) { c.tasks.batch_trigger([{ task: "t", opts: {} }]) }
    assert_refused(ArgumentError, /unknown keyword: :bogus/) { c.tasks.trigger("t", {}, debounce: { key: "k", bogus: 1 }) }
    assert_refused(TypeError, /tags:/) { c.tasks.trigger("t", {}, tags: 5) }
    assert_refused(TypeError, /tags:\[1\]/) { c.tasks.trigger("t", {}, tags: ["a", nil]) }
    assert_refused(TypeError, /limit:/) { c.runs.list(limit: "10") }
    assert_refused(TypeError, /is_test:/) { c.runs.list(is_test: "yes") }
    assert_refused(TypeError, /from:/) { c.runs.list(from: "yesterday") }
    assert_refused(TypeError, /max_attempts:/) { c.tasks.trigger("t", {}, max_attempts: 1.5) }
    assert_refused(TypeError, /debounce:/) { c.tasks.trigger("t", {}, debounce: "5s") }
    assert_refused(TypeError, /delay:/) { c.tasks.trigger("t", {}, delay: 5) }
    assert_refused(TypeError, /items must be an Array/) { c.tasks.batch_trigger("t") }
    assert_refused(TypeError, /items\[0\] must be a Hash/) { c.tasks.batch_trigger(["t"]) }
    assert_refused(ArgumentError, /items\[0\] needs task:/) { c.tasks.batch_trigger([{ payload: 1 }]) }
    assert_refused(ArgumentError, /interval:/) { c.runs.poll("run_x", interval: -1) }
    assert_refused(TypeError, /interval:/) { c.runs.poll("run_x", interval: "1") }
    assert_refused(TypeError, /exclude_utc:/) { c.schedules.timezones(exclude_utc: nil) }
    assert_refused(TypeError, /variables:/) { c.envvars.upload("p", "dev", variables: [["A", "1"]]) }
    assert_refused(TypeError, /variables:\["A"\]/) { c.envvars.upload("p", "dev", variables: { "A" => 1 }) }
    assert_refused(ArgumentError) { c.schedules.create(task: "t", cron: "* * * * *") }
    assert_refused(ArgumentError, /scope/) { Triggerdev::IdempotencyKeys.create("k", scope: "everywhere") }

    # What only the library can judge comes back as InvalidArgumentError, still before a request.
    assert_refused(Triggerdev::InvalidArgumentError, /items/) { c.tasks.batch_trigger([]) }
    assert_refused(Triggerdev::InvalidArgumentError) { c.runs.retrieve("") }
    assert_refused(Triggerdev::InvalidArgumentError, /limit/) { c.runs.list(limit: 101) }
  end

  def test_garbage_never_crashes
    c = no_retry
    random = Random.new(42)
    calls = [
      ->(s) { c.runs.retrieve(s) },
      ->(s) { c.tasks.trigger(s, s) },
      ->(s) { c.tasks.trigger("t", {}, tags: [s], idempotency_key: s) },
      ->(s) { Triggerdev::EnvVars.parse_dotenv(s) },
      ->(s) { Triggerdev::IdempotencyKeys.create([s, s]) },
      ->(s) { c.runs.reschedule("run_x", delay: s) },
      ->(s) { c.schedules.create(task: s, cron: s, deduplication_key: s) },
      ->(s) { Triggerdev::Client.new(access_token: s, base_url: s).runs.retrieve("run_x") },
    ]
    300.times do
      bytes = Array.new(random.rand(0..24)) { random.rand(0..255) }.pack("C*")
      text = [bytes, bytes.force_encoding(Encoding::UTF_8), bytes.unpack1("H*"), "run_#{bytes.unpack1('H*')}"].sample(random: random)
      call = calls.sample(random: random)
      begin
        call.call(text)
      rescue Triggerdev::Error, TypeError, ArgumentError
        nil
      end
    end
    assert_kind_of Triggerdev::RunsPage, c.runs.list_page, "still usable"
  end
end
