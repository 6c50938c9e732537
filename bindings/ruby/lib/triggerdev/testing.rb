# frozen_string_literal: true

require "json"
require "net/http"
require "uri"
require "timeout"
require "time"
require_relative "../triggerdev"

module Triggerdev
  # Helpers for tests of code that uses triggerdev.
  module Testing
    # The local Trigger.dev API emulator (the +triggerdev-emulator+ binary), started on a free
    # loopback port and driven through its admin API.
    #
    #   Triggerdev::Testing::Emulator.start do |emu|
    #     client = emu.client                       # a Client with the dev key
    #     run = client.tasks.trigger("send-email", { to: "ada" })
    #     emu.complete_run(run.id, { sent: true })
    #     client.runs.retrieve(run.id).status       # => "COMPLETED"
    #   end
    #
    # The binary comes from +TRIGGERDEV_EMULATOR+ (a path), else the triggerdev-emulator gem
    # (+gem install triggerdev-emulator+), else a repository checkout's +target/release+ or
    # +target/debug+ (+cargo build -p triggerdev-emulator+), else +PATH+. It runs with
    # +--exit-on-stdin-eof+, so it never outlives this process (SIGTERM, SIGKILL, a crash).
    class Emulator
      BINARY = "triggerdev-emulator"
      REPO_ROOT = File.expand_path("../../../..", __dir__)

      # Starts an emulator (+extra_args+: command-line flags such as "--latency-ms", "5"). With a
      # block, yields it and stops it after the block; without, returns it (call #stop).
      def self.start(extra_args: [], binary: nil, timeout: 10)
        emu = new(binary: binary, extra_args: extra_args, timeout: timeout)
        return emu unless block_given?

        begin
          yield emu
        ensure
          emu.stop
        end
      end

      # The binary that start runs: TRIGGERDEV_EMULATOR, then the triggerdev-emulator gem, then a
      # repository checkout's target/release and target/debug, then PATH. Raises LoadError, saying
      # what it looked for, when there is none.
      def self.binary(env = ENV, root: REPO_ROOT)
        explicit = env["TRIGGERDEV_EMULATOR"]
        if explicit && !explicit.empty?
          return explicit if File.executable?(explicit)

          raise LoadError, "TRIGGERDEV_EMULATOR is #{explicit.inspect}, which is not an executable file"
        end
        candidates = [gem_binary].compact
        checkout = File.file?(File.join(root, "Cargo.toml"))
        if checkout
          dirs = []
          dirs << File.expand_path(env["CARGO_TARGET_DIR"], root) if env["CARGO_TARGET_DIR"] && !env["CARGO_TARGET_DIR"].empty?
          dirs << File.join(root, "target")
          candidates += dirs.product(%w[release debug]).map { |d, p| File.join(d, p, BINARY) }
        end
        candidates += env.fetch("PATH", "").split(File::PATH_SEPARATOR).reject(&:empty?).map { |d| File.join(d, BINARY) }
        found = candidates.find { |c| File.file?(c) && File.executable?(c) }
        return found if found

        raise LoadError, "cannot find #{BINARY}; looked for the triggerdev-emulator gem, " \
                         "#{(checkout ? candidates.first(4) : []).join(', ')}#{checkout ? ', ' : ''}and PATH. " \
                         "Install it with `gem install triggerdev-emulator`" \
                         "#{checkout ? ", build it with `cargo build -p triggerdev-emulator` in #{root}" : ''}, " \
                         "or set TRIGGERDEV_EMULATOR to its path."
      end

      # The binary of the triggerdev-emulator gem, when it is installed.
      def self.gem_binary
        spec = Gem::Specification.find_by_name("triggerdev-emulator")
        path = File.join(spec.gem_dir, "libexec", BINARY)
        File.file?(path) ? path : nil
      rescue Gem::MissingSpecError
        nil
      end

      # "http://127.0.0.1:PORT".
      attr_reader :base_url, :port
      # The seed in force (GET /__emulator/seed), as a Hash.
      attr_reader :seed
      attr_reader :pid

      def initialize(binary: nil, extra_args: [], timeout: 10)
        @binary = binary || self.class.binary
        @stdout, child_out = IO.pipe
        # stdin is a pipe whose write end only this process holds (Ruby's pipes are close-on-exec):
        # the kernel closes it when we die, however we die, and the emulator exits.
        child_in, @lifeline = IO.pipe
        @pid = Process.spawn(@binary, "--port", "0", "--exit-on-stdin-eof", *extra_args.map(&:to_s),
                             out: child_out, err: File::NULL, in: child_in)
        child_out.close
        child_in.close
        @http_lock = Mutex.new
        begin
          Timeout.timeout(timeout) { read_banner }
          @seed = admin(:get, "/__emulator/seed")
        rescue StandardError, Timeout::Error
          stop
          raise
        end
      end

      def project_ref = project["ref"]
      def dev_key = env_key("dev")
      def staging_key = env_key("stg")
      def prod_key = env_key("prod")
      def preview_key = env_key("preview")
      def preview_branch = env("preview")["branches"].first
      def pat = @seed["pats"].first["token"]

      # The seeded additional (scoped) key of the dev environment.
      def additional_key
        env("dev").fetch("additionalKeys").first["key"]
      end

      # A Client of this emulator: +access_token+ (default the dev key) and Client.new options.
      # Retries wait 1-5 ms instead of seconds, unless +retry:+ or +max_retries:+ say otherwise.
      def client(access_token = dev_key, **options)
        options = { retry: { min_timeout_in_ms: 1, max_timeout_in_ms: 5 } }.merge(options)
        Triggerdev::Client.new(access_token: access_token, base_url: base_url, **options)
      end

      # --- admin API (no auth, never faulted, not logged) ---

      # Moves run +id+ to EXECUTING.
      def start_run(id)
        admin(:post, "/__emulator/runs/#{esc(id)}/start", {})
      end

      # Completes run +id+ with +output+.
      def complete_run(id, output = nil)
        admin(:post, "/__emulator/runs/#{esc(id)}/complete", { "output" => output })
      end

      # Fails run +id+ (+status:+ FAILED, CRASHED, SYSTEM_FAILURE or TIMED_OUT).
      def fail_run(id, message = "failed", name: nil, status: nil)
        error = { "message" => message }
        error["name"] = name if name
        body = { "error" => error }
        body["status"] = status if status
        admin(:post, "/__emulator/runs/#{esc(id)}/fail", body)
      end

      # Fires schedule +id+ as if the cron ticked; returns {"id" => run id}.
      def fire_schedule(id)
        admin(:post, "/__emulator/schedules/#{esc(id)}/fire", {})
      end

      # Moves the emulator clock: advance(seconds: 60) or advance(ms: 1500).
      def advance(seconds: nil, ms: nil)
        admin(:post, "/__emulator/advance", seconds ? { "seconds" => seconds } : { "ms" => ms || 0 })
      end

      # Adds fault rules (one Hash or an Array; snake_case keys are sent in camelCase):
      # add_fault(status: 429, count: 1, rate_limit_reset_ms: 1500).
      def add_fault(rule = nil, **options)
        rules = rule || options
        admin(:post, "/__emulator/faults", camel_keys(rules))
      end

      # The fault rules in force (an Array of Hashes).
      def faults = admin(:get, "/__emulator/faults")["faults"]
      def clear_faults = admin(:delete, "/__emulator/faults")

      # Back to the seed and the start-up faults.
      def reset = admin(:post, "/__emulator/reset", {})

      # The state dump (runs, batches, schedules, envvars, ...).
      def state = admin(:get, "/__emulator/state")

      # Every run, as the state dump shows it.
      def runs = state["runs"]

      # The run +id+ from the state dump, or nil.
      def run(id) = runs.find { |r| r["id"] == id }

      # The request log: an Array of {"method", "path", "query", "headers", "body", "status", ...}.
      def requests = admin(:get, "/__emulator/requests")["requests"]
      def clear_requests = admin(:delete, "/__emulator/requests")

      # Adds a branch env: add_branch("feature-y") (env: "preview" or "dev").
      def add_branch(name, env: nil)
        body = { "name" => name }
        body["env"] = env if env
        admin(:post, "/__emulator/branches", body)
      end

      # The emulator clock: {"now" => ISO, "nowMs" => ms, "frozen" => bool}.
      def clock = admin(:get, "/__emulator/clock")

      # The emulator clock in epoch milliseconds.
      def now_ms = clock["nowMs"]

      # Sets the clock to +now+ (a Time, an ISO String or epoch ms) and stops it there (or, with
      # +frozen: false+, lets it run on).
      def set_clock(now, frozen: true)
        now = now.utc.iso8601(3) if now.is_a?(Time)
        admin(:post, "/__emulator/clock", { "now" => now, "frozen" => frozen })
      end

      # Adds a queue: add_queue("limited", type: "custom", concurrency_limit: 3). Returns
      # {"id", "envId", "name"}.
      def add_queue(name, type: nil, env: nil, concurrency_limit: nil)
        body = { "name" => name, "type" => type, "env" => env, "concurrencyLimit" => concurrency_limit }.compact
        admin(:post, "/__emulator/queues", body)
      end

      # Declares a named concurrency limit: add_concurrency_limit("openai", per_key: 2, total: 10).
      # Returns {"id", "envId", "name"}.
      def add_concurrency_limit(name, per_key: nil, total: nil, env: nil)
        body = { "name" => name, "perKey" => per_key, "total" => total, "env" => env }.compact
        admin(:post, "/__emulator/concurrency-limits", body)
      end

      # Adds a deployment (snake_case keys camelized: version:, status:, created_at:, tasks:,
      # promote:, env:, ...). Returns {"id", "version"}.
      def add_deployment(**fields)
        admin(:post, "/__emulator/deployments", camel_keys(fields))
      end

      # With true, new bulk actions stay PENDING until process_bulk_action (or an abort).
      def defer_bulk_actions(defer = true)
        admin(:post, "/__emulator/bulk-actions/defer", { "defer" => defer })
      end

      def process_bulk_action(id)
        admin(:post, "/__emulator/bulk-actions/#{esc(id)}/process", {})
      end

      # --- sessions ---

      # Every session, as the state dump shows it (with channels, records and subscribers).
      def sessions = admin(:get, "/__emulator/sessions")["sessions"]

      # The session whose id or external id is +key+, or nil.
      def session(key)
        sessions.find { |s| s["id"] == key || s["externalId"] == key }
      end

      # How many SSE streams are open on the channels of session +key+ (0 when there is none).
      def session_subscribers(key)
        found = session(key)
        found ? found.fetch("channels", []).sum { |c| c["subscribers"].to_i } : 0
      end

      # Appends records as the task would (no auth, no closed check; wakes subscribers):
      # +records+ is one record or an Array of them ({"data" => ...}, {"control" =>
      # "turn-complete", "publicAccessToken" => true}, {"command" => "fence"}, ...). Returns
      # their seqs.
      def append_session_records(session, records, io: "out", channel: nil)
        path = "/__emulator/sessions/#{esc(session)}"
        path += "/channels/#{esc(channel)}" if channel
        body = records.is_a?(Array) ? { "records" => camel_keys(records) } : camel_keys(records)
        admin(:post, "#{path}/#{esc(io)}/records", body)["seqs"]
      end

      # Appends one data record to +.out+ as the task would; returns its seq.
      def append_session_out(session, data, channel: nil)
        append_session_records(session, { "data" => data }, channel: channel).first
      end

      # Appends a turn-complete control record to +.out+ (with a fresh session token unless
      # +public_access_token: false+); returns its seq.
      def session_turn_complete(session, public_access_token: true)
        record = { "control" => "turn-complete" }
        record["publicAccessToken"] = public_access_token if public_access_token
        append_session_records(session, record).first
      end

      # Ends every open SSE window now (each sends what it has first); returns how many.
      def end_session_streams = admin(:post, "/__emulator/sessions/end-streams", {})["ended"]

      # The session stream options in force: {"sseTimeoutSeconds", "sseLingerMs", "ssePingMs"}.
      def session_options = admin(:get, "/__emulator/sessions/config")

      # Overrides session stream options until the next reset: set_session_options(sse_linger_ms: 0)
      # makes every window drain what there is and close at once.
      def set_session_options(**options)
        admin(:post, "/__emulator/sessions/config", camel_keys(options))
      end

      # The realtime feeds' state: {"holdMs", "held", "shapes", "streams", "inputs"} ("inputs":
      # what streams.send_input delivered, by run and stream).
      def realtime = admin(:get, "/__emulator/realtime")

      # How many live realtime requests are held now: the readiness signal of a test that
      # changes a run once its subscriber waits.
      def realtime_held = realtime["held"].to_i

      # How long live realtime requests are held (emulator clock), until the next reset.
      def set_realtime_hold(ms)
        admin(:post, "/__emulator/realtime/config", { "holdMs" => ms })
      end

      # Gives the shapes (all, or the one of +handle+) new handles: their clients get a 409.
      def rotate_realtime_shapes(handle: nil)
        admin(:post, "/__emulator/realtime/rotate", handle ? { "handle" => handle } : {})
      end

      # The next answer of the shapes (all, or the one of +handle+) starts with must-refetch.
      def realtime_must_refetch(handle: nil)
        admin(:post, "/__emulator/realtime/must-refetch", handle ? { "handle" => handle } : {})
      end

      # Appends records to a run's stream +key+ as the task would ({"data" => ..., "id" => ...},
      # {"command" => "fence"}, {"body" => "<raw>"}, or an Array of them); returns their seqs.
      def append_run_stream(run_id, key, records)
        admin(:post, "/__emulator/runs/#{esc(run_id)}/streams/#{esc(key)}", records)["seqs"]
      end

      # Any admin route: admin(:post, "/__emulator/clock", { "now" => ... }). Returns the parsed
      # JSON body; raises unless the status is 2xx.
      def admin(method, path, body = nil)
        request = Net::HTTPGenericRequest.new(method.to_s.upcase, !body.nil?, true, path,
                                              body.nil? ? {} : { "content-type" => "application/json" })
        request.body = JSON.generate(body) unless body.nil?
        response = @http_lock.synchronize { http.request(request) }
        unless response.is_a?(Net::HTTPSuccess)
          raise "emulator #{method.to_s.upcase} #{path}: #{response.code} #{response.body}"
        end

        text = response.body.to_s
        text.empty? ? nil : JSON.parse(text)
      end

      # Stops the emulator (idempotent).
      def stop
        @http_lock.synchronize do
          @http&.finish if @http&.started?
          @http = nil
        end
        @lifeline.close unless @lifeline.closed? # the emulator exits at end of file; TERM is quicker
        if @pid
          begin
            Process.kill(:TERM, @pid)
            Timeout.timeout(5) { Process.wait(@pid) }
          rescue Errno::ESRCH, Errno::ECHILD
            nil
          rescue Timeout::Error
            Process.kill(:KILL, @pid)
            Process.wait(@pid)
          end
          @pid = nil
        end
        @stdout&.close unless @stdout&.closed?
        nil
      end

      def inspect
        "#<#{self.class.name} #{base_url}#{' stopped' unless @pid}>"
      end

      private

      def read_banner
        first = @stdout.gets or raise "#{@binary} exited before printing its address"
        match = first.match(%r{\Alistening on (http://[^\s]+:(\d+))}) or
          raise "#{@binary}: unexpected first line #{first.inspect}"
        @base_url = match[1]
        @port = Integer(match[2])
        # The seed keys follow; the last line names the admin URL. Nothing is printed after it.
        while (line = @stdout.gets)
          break if line.start_with?("admin ")
        end
      end

      def http
        @http ||= Net::HTTP.start("127.0.0.1", @port, open_timeout: 5, read_timeout: 30)
      end

      def project = @seed["projects"].first
      def env(slug) = project["envs"].find { |e| e["slug"] == slug } || raise("no #{slug} env in the seed")
      def env_key(slug) = env(slug)["apiKey"]

      def esc(id)
        URI.encode_www_form_component(id.to_s)
      end

      def camel_keys(value)
        case value
        when Array then value.map { |v| camel_keys(v) }
        when Hash
          value.to_h do |k, v|
            [k.is_a?(Symbol) ? Triggerdev::Util.camelize(k) : k, %w[body data].include?(k.to_s) ? v : camel_keys(v)]
          end
        else value
        end
      end
    end
  end
end
