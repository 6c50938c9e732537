# Ruby rows of the SDK benchmark (started by benches/sdk.rs when `ruby` is present; not a test):
# Net::HTTP keep-alive + JSON.parse, and (mode `binding`) the Ruby binding's
# `client.runs.retrieve` (bindings/ruby, over the release cdylib when it is built; see the note).
#
# Usage: ruby ruby_nethttp.rb [binding] PORT SECS WARMUP
# Prints one line: RESULT {json} with calls, secs, p50_us, p99_us, cpu_us_per_call (this thread's
# CPU time), rss_kb (VmHWM), errors, first_error, note.
require "net/http"
require "json"

RUN_ID = "run_cm9bench0001x7k2q4r8s5t6"
TOKEN = "tr_dev_bench0000000000000000"
HEADERS = {
  "authorization" => "Bearer #{TOKEN}",
  "content-type" => "application/json",
  "trigger-version" => "0.2.0",
  "x-trigger-source" => "sdk",
  "x-trigger-api-version" => "2025-07-16",
  "x-trigger-request-idempotency-key" => "9b2f6c1e-4a7d-4e3b-8f21-0c5d7a9e1b34",
}.freeze

def now_ns = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
def cpu_ns = Process.clock_gettime(Process::CLOCK_THREAD_CPUTIME_ID, :nanosecond)

def peak_rss_kb
  File.foreach("/proc/self/status") { |l| return l.split[1].to_i if l.start_with?("VmHWM:") }
  0
end

binding_mode = ARGV.first == "binding" && ARGV.shift
port, secs, warmup = Integer(ARGV[0]), Float(ARGV[1]), Float(ARGV[2])
path = "/api/v3/runs/#{RUN_ID}"
errors = 0
first_error = nil
latencies = []
start = t = 0

# Runs `call` for the warm-up, then measures it (this thread's CPU, latencies) for `secs`.
measure = lambda do |call|
  warm_end = now_ns + (warmup * 1e9).to_i
  while now_ns < warm_end && errors < 20
    begin
      call.call
    rescue StandardError => e
      errors += 1
      first_error ||= e.inspect
    end
  end
  cpu0 = cpu_ns
  start = t = now_ns
  stop = start + (secs * 1e9).to_i
  while errors < 20
    begin
      call.call
      now = now_ns
      latencies << (now - t)
    rescue StandardError => e
      now = now_ns
      errors += 1
      first_error ||= e.inspect
    end
    t = now
    break if now >= stop
  end
  $cpu = cpu_ns - cpu0
end

if binding_mode
  require_relative "../bindings/ruby/lib/triggerdev"
  client = Triggerdev::Client.new(access_token: TOKEN, base_url: "http://127.0.0.1:#{port}")
  # Results parse their JSON lazily, at the first read: the row is the call alone; the note gives
  # the CPU per call when a field is read as well (which parses the JSON, as JSON.parse does in
  # the Net::HTTP row), measured for 1 s after the row.
  measure.call(-> { client.runs.retrieve(RUN_ID) })
  n_read = 0
  read_cpu0 = cpu_ns
  read_end = now_ns + 1_000_000_000
  while now_ns < read_end
    client.runs.retrieve(RUN_ID).status
    n_read += 1
  end
  read_us = (cpu_ns - read_cpu0) / 1000.0 / [n_read, 1].max
  lib = Triggerdev.library_path.delete_prefix("#{File.expand_path('..', __dir__)}/")
  note = format("Ruby %s triggerdev binding over %s; reading a field too (parses the JSON): %.1f us CPU/call",
                RUBY_VERSION, lib, read_us)
else
  Net::HTTP.start("127.0.0.1", port) do |http|
    measure.call(lambda do
      response = http.get(path, HEADERS)
      raise "status #{response.code}" unless response.code == "200"
      JSON.parse(response.body)
    end)
  end
  note = "Ruby #{RUBY_VERSION} Net::HTTP"
end
latencies.sort!
n = latencies.size
q = ->(p) { n.zero? ? 0.0 : latencies[[[(n * p).ceil - 1, 0].max, n - 1].min] / 1000.0 }
puts "RESULT " + JSON.generate(
  calls: n,
  secs: (t - start) / 1e9,
  p50_us: q.(0.5),
  p99_us: q.(0.99),
  cpu_us_per_call: $cpu / 1000.0 / [n, 1].max,
  rss_kb: peak_rss_kb,
  errors: errors,
  first_error: first_error,
  note: note,
)
