# frozen_string_literal: true

# Runs scenarios.json with the Ruby binding against its own emulator and writes one JSON
# document (stdout, or the file named by the first argument): per step its result as plain JSON
# (or its error) and the requests the emulator logged for it. run.py does the same in Python;
# compare.py compares the two. TRIGGERDEV_LIB / TRIGGERDEV_EMULATOR name the library and the
# emulator.

require "json"
require "set"
require "time"

$LOAD_PATH.unshift(File.expand_path("../../bindings/ruby/lib", __dir__))
require "triggerdev"
require "triggerdev/testing"

module BindingsAgree
  # Request headers that vary by binding or by run, left out of the document (the idempotency
  # key of each request is random; the user agent names the binding).
  IGNORED_HEADERS = %w[host user-agent content-length x-trigger-request-idempotency-key connection].freeze
  REQUEST_FIELDS = %w[method path query status].freeze

  # A Time as ISO-8601 UTC with milliseconds (run.py writes a datetime the same way).
  def self.iso(time)
    time.utc.strftime("%Y-%m-%dT%H:%M:%S.%LZ")
  end

  # A result as plain JSON: a model as its JSON object, a list of them as a list, times as ISO
  # text; objects that are not data (a session handle, a channel) as their class name.
  def self.plain(value)
    case value
    when nil, true, false, Integer, Float, String then value
    when Symbol then value.to_s
    when Time then iso(value)
    when Date then value.iso8601
    when Triggerdev::TriggerObject then value.to_h
    when Hash then value.to_h { |k, v| [k.to_s, plain(v)] }
    when Array then value.map { |v| plain(v) }
    else { "object" => value.class.name.split("::").last }
    end
  end

  # The areas of a client (and of the ambient API), by the name both bindings give them.
  AREAS = %w[tasks batches runs envvars schedules idempotency_keys queues concurrency_limits query deployments
             waitpoints bulk_actions sessions auth branches projects].freeze

  # The public methods of each area and of the objects steps call methods on (the coverage
  # check of compare.py).
  def self.surface(client)
    kinds = AREAS.to_h { |area| [area, client.public_send(area).class] }
    kinds["SessionHandle"] = Triggerdev::SessionHandle
    kinds["SessionChannel"] = Triggerdev::SessionChannel
    kinds.transform_values { |kind| kind.public_instance_methods(false).map(&:to_s).sort }
  end

  def self.error(err)
    status = err.respond_to?(:status) ? err.status : nil
    { "class" => err.class.name.split("::").last, "status" => status, "message" => err.message }
  end

  def self.request(logged)
    out = REQUEST_FIELDS.to_h { |k| [k, logged[k]] }
    out["headers"] = logged["headers"].reject { |k, _| IGNORED_HEADERS.include?(k) }.sort.to_h
    raw = logged["rawBody"]
    out["body"] = logged["body"].nil? && raw && !raw.empty? ? { "raw" => raw } : logged["body"]
    out
  end

  # Runs the steps of one scenario against one emulator.
  class Runner
    def initialize(scenario, emu)
      @scenario = scenario
      @emu = emu
      @values = {}  # step id -> the result as plain JSON
      @objects = {} # step id -> the result as returned
      @clients = {}
      @spelling = scenario["keyword_spelling"]["ruby"]
    end

    # --- arguments ---

    def lookup(ref)
      step, path = ref.split(".", 2)
      raise KeyError, "no result of step #{step}" unless @values.key?(step)

      (path ? path.split(".") : []).reduce(@values[step]) do |value, part|
        value.is_a?(Array) ? value.fetch(Integer(part)) : value.fetch(part)
      end
    end

    def resolve(value)
      case value
      when Array then value.map { |v| resolve(v) }
      when Hash
        if value.size == 1
          key, arg = value.first
          case key
          when "$ref" then return lookup(arg)
          when "$emulator" then return @emu.public_send(arg)
          when "$time" then return Time.iso8601(arg)
          when "$duration" then return arg.to_f
          when "$set" then return Set.new(resolve(arg))
          end
        end
        value.to_h { |k, v| [k, resolve(v)] }
      else value
      end
    end

    def keywords(op, kwargs)
      area = op.split(".").first
      names = {}
      ["*", "#{area}.*", op].each { |pattern| names.merge!(@spelling.fetch(pattern, {})) }
      kwargs.to_h { |k, v| [names.fetch(k, k).to_sym, resolve(v)] }
    end

    def template(path)
      path.gsub(/\{([^}]+)\}/) { lookup(Regexp.last_match(1)).to_s }
    end

    # --- receivers ---

    def client(options)
      key = JSON.generate(options)
      @clients[key] ||= begin
        resolved = resolve(options).transform_keys(&:to_sym)
        @emu.client(resolved.delete(:access_token), **resolved)
      end
    end

    def receiver(step)
      return @objects.fetch(step["on"]) if step.key?("on")

      who = step.fetch("as", "dev")
      return client(who) if who.is_a?(Hash)
      return Triggerdev if who == "ambient" || who.start_with?("ambient+")

      client(@scenario["clients"].fetch(who))
    end

    def call(step)
      target = receiver(step)
      *path, name = step["op"].split(".")
      path.each { |part| target = target.public_send(part) }
      args = resolve(step.fetch("args", []))
      kwargs = keywords(step["op"], step.fetch("kwargs", {}))
      who = step.fetch("as", "")
      if who.is_a?(String) && who.start_with?("ambient+")
        options = resolve(@scenario["clients"].fetch(who.split("+", 2).last)).transform_keys(&:to_sym)
        return Triggerdev.with_auth(**options) { finish(step, target.public_send(name, *args, **kwargs)) }
      end
      finish(step, target.public_send(name, *args, **kwargs))
    end

    # What the step asks of the result (inside with_auth for the ambient+ forms).
    def finish(step, result)
      case step["then"]
      when "page" then result.first_page
      when "take" then result.first(step.fetch("take"))
      else result.is_a?(Triggerdev::Pager) ? { "items" => twice(result) } : result
      end
    end

    # The items of two loops over a list, which must be the same (lists are re-iterable).
    def twice(items)
      first = items.map { |item| BindingsAgree.plain(item) }
      second = items.map { |item| BindingsAgree.plain(item) }
      raise "a second loop gave other items: #{first} then #{second}" unless first == second

      first
    end

    # An attribute of a result; a Python property that is a yes/no question (finished, ok) is a
    # predicate method in Ruby (finished?, ok?).
    def attr(item, name)
      item.respond_to?(name) ? item.public_send(name) : item.public_send(:"#{name}?")
    end

    # --- steps ---

    def run_step(step)
      out = { "id" => step["id"] }
      if step.key?("admin")
        method, path, body = step["admin"]
        out["admin"] = @values[step["id"]] = @emu.admin(method.downcase.to_sym, template(path), resolve(body))
        return out
      end
      out["op"] = step["op"]
      @emu.clear_requests
      begin
        result = call(step)
      rescue StandardError, StopIteration => e
        out["error"] = BindingsAgree.error(e)
      else
        out["receiver"] = @objects[step["on"]].class.name.split("::").last if step.key?("on")
        @objects[step["id"]] = result
        out["result"] = @values[step["id"]] = BindingsAgree.plain(result)
        if step.key?("attrs")
          items = result.is_a?(Array) ? result : [result]
          attrs = items.map { |item| step["attrs"].to_h { |name| [name, BindingsAgree.plain(attr(item, name))] } }
          out["attrs"] = result.is_a?(Array) ? attrs : attrs.first
        end
      end
      out["requests"] = @emu.requests.map { |r| BindingsAgree.request(r) }
      out
    end
  end

  def self.main(argv)
    # The scenario calls the deprecated runs.result on purpose (both bindings still have it).
    Warning[:deprecated] = false
    scenario = JSON.parse(File.read(File.join(__dir__, "scenarios.json")))
    args = ["--id-seed", scenario["id_seed"].to_s, *scenario["emulator_args"]]
    steps = []
    surface = base_url = nil
    Triggerdev::Testing::Emulator.start(extra_args: args) do |emu|
      surface = surface(emu.client)
      base_url = emu.base_url
      emu.set_clock(scenario["clock"])
      Triggerdev.configure(access_token: emu.dev_key, base_url: emu.base_url, max_retries: 0)
      runner = Runner.new(scenario, emu)
      scenario["steps"].each do |step|
        steps << runner.run_step(step)
      rescue StandardError => e # a broken scenario (an admin call, a reference): stop here
        steps << { "id" => step["id"], "broken" => "#{e.class.name.split('::').last}: #{e.message}" }
        break
      end
    end
    text = "#{JSON.pretty_generate({ 'binding' => 'ruby', 'base_url' => base_url, 'surface' => surface, 'steps' => steps })}\n"
    argv.empty? ? $stdout.write(text) : File.write(argv.first, text)
  end
end

BindingsAgree.main(ARGV) if $PROGRAM_NAME == __FILE__
