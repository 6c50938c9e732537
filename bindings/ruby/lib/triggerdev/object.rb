# frozen_string_literal: true

require "json"
require "time"
require_relative "util"

module Triggerdev
  # An API object: the server's JSON, read through snake_case readers.
  #
  #   run = client.runs.retrieve("run_123")
  #   run.task_identifier   # => "send-email"       (the JSON's "taskIdentifier")
  #   run.created_at        # => 2025-01-01 00:00:00 UTC  (a Time, in UTC)
  #   run.completed?        # => false              ("isCompleted")
  #   run[:taskIdentifier]  # => "send-email"       (by JSON name, String or Symbol)
  #   run.to_h              # => the server's JSON as a Hash, unknown fields kept
  #
  # Every field the server sent has a reader, declared or not; a field the class declares reads
  # nil when the server left it out. Built lazily: the JSON text the library returned is parsed
  # at the first read, and nested objects are TriggerObjects built when first read; user data (+payload+, +output+, +metadata+) is plain Ruby (Hash, Array, String, ...).
  # Strings in fields named +...At+, +...Until+, +...Time+, +nextRun+ and +completedAfter+ that
  # hold an ISO-8601 time read as Time (UTC).
  class TriggerObject
    # Fields whose value is the caller's data, handed back as parsed.
    RAW_KEYS = %w[payload output metadata variables parentVariables basePayload].freeze
    TIME_KEY = /(?:At|Until|Time)\z|\A(?:nextRun|completedAfter)\z/.freeze
    ISO_TIME = /\A\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)\z/.freeze
    REDACTED_KEYS = %w[publicAccessToken accessToken secretKey token apiKey].freeze
    NO_NESTED = {}.freeze

    # Declares readers for +names+ (snake_case) and, for those starting with +is_+, a predicate
    # without it (+is_cached+ and +cached?+).
    def self.fields(*names)
      names.each do |name|
        key = Util.camelize(name)
        define_method(name) { self[key] }
        define_method(:"#{name.to_s.delete_prefix('is_')}?") { self[key] ? true : false } if name.start_with?("is_")
      end
    end

    # Nested objects with their own class: +nested "error" => RunError+.
    def self.nested(map = nil)
      @nested = (@nested || {}).merge(map) if map
      @nested || (superclass.respond_to?(:nested) ? superclass.nested : NO_NESTED)
    end

    # More fields whose value is the caller's data (plain Ruby, never TriggerObjects) for this
    # class: +raw "data"+.
    def self.raw(*keys)
      @raw_keys = (raw_keys + keys.map(&:to_s)).freeze
    end

    def self.raw_keys
      @raw_keys || (superclass.respond_to?(:raw_keys) ? superclass.raw_keys : RAW_KEYS)
    end

    # Wraps +json+ (a Hash) as an instance of +self+.
    def self.wrap(json)
      json.nil? ? nil : new(json)
    end

    # Wraps +json+: a Hash (parsed JSON; not copied) or the JSON text of an object, parsed when
    # first read.
    def initialize(json)
      case json
      when Hash then @values = json
      when String then @text = json
      else raise TypeError, "#{self.class} needs a Hash or JSON text, not #{Util.describe(json)}"
      end
      @cache = nil
    end

    # The server's JSON, as a Hash (JSON names, unknown fields kept). Not a copy.
    def to_h
      @values || values
    end
    alias to_hash to_h

    def to_json(*args)
      values.to_json(*args)
    end

    # The converted value of the JSON field +key+ ("taskIdentifier" or :taskIdentifier; a
    # snake_case Symbol also works: :task_identifier).
    def [](key)
      name = key.is_a?(String) ? key : key.to_s
      values = @values || self.values
      name = Util.camelize(key) if !values.key?(name) && key.is_a?(Symbol)
      value = values[name]
      case value
      when Hash, Array
        (@cache ||= {}).fetch(name) { @cache[name] = convert(name, value) }
      when String
        TIME_KEY.match?(name) && ISO_TIME.match?(value) ? time(name, value) : value
      else
        value
      end
    end

    def key?(key)
      values.key?(key.to_s) || (key.is_a?(Symbol) && values.key?(Util.camelize(key)))
    end

    def keys
      values.keys
    end

    def dig(key, *rest)
      value = self[key]
      rest.empty? || value.nil? ? value : value.dig(*rest)
    end

    def ==(other)
      other.class == self.class && other.to_h == values
    end
    alias eql? ==

    def hash
      [self.class, values].hash
    end

    def inspect
      shown = values.to_h { |k, v| [k, REDACTED_KEYS.include?(k) && v ? "[redacted]" : v] }
      text = JSON.generate(shown)
      text = "#{text[0, 200]}...}" if text.size > 200
      "#<#{self.class.name} #{text}>"
    end
    alias to_s inspect

    def method_missing(name, *args, &block)
      return super unless args.empty? && block.nil?

      text = name.to_s
      if text.end_with?("?")
        base = text.chomp("?")
        key = json_key("is_#{base}") || json_key(base)
        return self[key] ? true : false if key
      elsif (key = json_key(text))
        return self[key]
      end
      super
    end

    def respond_to_missing?(name, include_private = false)
      text = name.to_s
      found = if text.end_with?("?")
                json_key("is_#{text.chomp('?')}") || json_key(text.chomp("?"))
              else
                json_key(text)
              end
      found ? true : super
    end

    protected

    # The parsed JSON (parsed now if it was not yet). Safe when threads race here: @values is
    # set before the text is dropped, so a loser that finds no text finds the values.
    def values
      return @values if @values

      text = @text
      return @values if text.nil?

      parsed = JSON.parse(text)
      raise DecodeError.new("expected a JSON object", body: text) unless parsed.is_a?(Hash)

      @values = parsed
      @text = nil
      parsed
    end

    private

    # The JSON key a snake_case reader name stands for, if the server sent it.
    def json_key(snake)
      camel = Util.camelize(snake)
      return camel if values.key?(camel)
      return snake if values.key?(snake)

      values.each_key { |k| return k if Util.underscore(k) == snake }
      nil
    end

    def convert(name, value)
      return value if self.class.raw_keys.include?(name)

      case value
      when Hash then (self.class.nested[name] || TriggerObject).new(value)
      when Array
        klass = self.class.nested[name] || TriggerObject
        value.map { |v| v.is_a?(Hash) ? klass.new(v) : v }
      end
    end

    def time(name, value)
      (@cache ||= {}).fetch(name) { @cache[name] = Time.iso8601(value).utc }
    rescue ArgumentError
      value
    end
  end

  # For objects whose user data the library decodes (WaitpointToken#output, RunResult#output):
  # keeps the JSON text the library returned, to hand it back as it was (an object made from a
  # Hash hands back that Hash as JSON).
  module NativeOutput
    def initialize(json)
      super
      @json_text = json if json.is_a?(String)
    end

    private

    # What export +fn+ (+const char *object_json, char **out_json, err+) writes for this
    # object, parsed (its +null+ is nil).
    def native_output(fn)
      JSON.parse(Native.call_json(fn, @json_text || JSON.generate(to_h)))
    end
  end

  # Run statuses (the API's 2025-07-16 vocabulary).
  module RunStatus
    ALL = %w[PENDING_VERSION QUEUED DEQUEUED EXECUTING WAITING COMPLETED CANCELED FAILED CRASHED
             SYSTEM_FAILURE DELAYED EXPIRED TIMED_OUT].freeze
    ALL.each { |s| const_set(s, s) }
    FINAL = [COMPLETED, CANCELED, FAILED, CRASHED, SYSTEM_FAILURE, EXPIRED, TIMED_OUT].freeze
  end

  # The error of a failed run or attempt.
  class RunError < TriggerObject
    fields :message, :name, :stack_trace
  end

  # One attempt of a run.
  class RunAttempt < TriggerObject
    fields :id, :status, :created_at, :updated_at, :started_at, :completed_at
    nested "error" => RunError
  end

  # A run (+runs.retrieve+, +runs.list+ items).
  class Run < TriggerObject
    fields :id, :status, :task_identifier, :version, :idempotency_key, :created_at, :updated_at,
           :started_at, :finished_at, :delayed_until, :expired_at, :ttl, :payload,
           :payload_presigned_url, :output, :output_presigned_url, :error, :metadata, :tags,
           :attempts, :attempt_count, :cost_in_cents, :base_cost_in_cents, :duration_ms, :depth,
           :batch_id, :schedule, :trigger_function, :related_runs, :env, :region, :task_kind,
           :is_test, :is_queued, :is_executing, :is_waiting, :is_completed, :is_success,
           :is_failed, :is_cancelled
    nested "error" => RunError, "attempts" => RunAttempt

    # True once the run reached a final status (COMPLETED, CANCELED, FAILED, ...).
    def finished?
      RunStatus::FINAL.include?(status)
    end
  end

  # What +tasks.trigger+ returns.
  class RunHandle < TriggerObject
    fields :id, :is_cached, :public_access_token
  end

  # What +tasks.batch_trigger+ returns.
  class BatchHandle < TriggerObject
    fields :batch_id, :run_count, :is_cached, :public_access_token

    alias id batch_id
  end

  # A batch (+batches.retrieve+).
  class Batch < TriggerObject
    fields :id, :status, :idempotency_key, :created_at, :updated_at, :run_count, :runs, :processing,
           :processing_completed_at
  end

  # How a run ended, or that it has not yet (+runs.outcome+, read from the run itself).
  # +outcome+ is "succeeded" (+output+ holds the output), "failed" (+status+ is the final
  # status, +error+ the RunError: a canceled run's is "Canceled by user") or "notFinished"
  # (+status+ is the current one).
  class RunOutcome < TriggerObject
    fields :outcome, :status, :output, :error
    nested "error" => RunError

    # True once the run has finished, in any final status.
    def finished?
      outcome != "notFinished"
    end

    # True when the run completed successfully.
    def ok?
      outcome == "succeeded"
    end
  end

  # The result of a finished run (+runs.result+, deprecated: current servers answer its route
  # 404 for every run but canceled ones; use +runs.outcome+). The API sends +output+ as serialized text
  # (+outputType+ "application/json", "application/super+json", ...); #output is it decoded by
  # the library (+trigger_runs_result_output+, the Rust SDK's +RunResult::output_value+), nil
  # when there is none; #raw_output (and #to_h) keep the text as sent.
  class RunResult < TriggerObject
    include NativeOutput

    fields :ok, :id, :output_type, :error, :task_identifier

    # The output, decoded; nil when there is none.
    def output
      native_output(:trigger_runs_result_output)
    end
    alias output_value output

    # The +output+ text as the API sent it.
    def raw_output
      self["output"]
    end

    def ok?
      ok ? true : false
    end
  end

  # How a run failed (+error+ of a BatchItemResult), by +type+: "BUILT_IN_ERROR" (+name+,
  # +message+, +stack_trace+, +causes+), "CUSTOM_ERROR" and "STRING_ERROR" (+raw+), or
  # "INTERNAL_ERROR" (+code+, +message+, +stack_trace+).
  class TaskRunError < TriggerObject
    fields :type, :name, :message, :stack_trace, :causes, :raw, :code
    raw "causes"
  end

  # What a run used: +duration_ms+.
  class BatchUsage < TriggerObject
    fields :duration_ms
  end

  # The result of one finished run of a batch: +ok?+, +id+, +output+ (decoded), +raw_output+,
  # +output_type+, +error+ (a TaskRunError), +retry+, +skipped_retrying+, +usage+,
  # +task_identifier+.
  class BatchItemResult < TriggerObject
    include NativeOutput

    fields :ok, :id, :output_type, :error, :retry, :skipped_retrying, :usage, :task_identifier
    nested "error" => TaskRunError, "usage" => BatchUsage

    # The output, decoded by the library as +output_type+ says; nil when there is none.
    def output
      native_output(:trigger_runs_result_output)
    end
    alias output_value output

    # The +output+ packet as the API sent it.
    def raw_output
      self["output"]
    end

    def ok?
      ok ? true : false
    end
  end

  # The results of a batch's finished runs (+batches.results+): +id+, +items+ (BatchItemResults).
  class BatchResults < TriggerObject
    fields :id, :items
    nested "items" => BatchItemResult
  end

  # One span of a run's trace (+runs.retrieve_span+).
  class RunSpan < TriggerObject
    fields :span_id, :parent_id, :run_id, :message, :is_error, :is_partial, :is_cancelled, :level,
           :start_time, :duration_ms, :properties, :events, :entity_type, :ai, :triggered_runs
  end

  # A run's metadata (+runs.metadata+, +runs.update_metadata+).
  class RunMetadata < TriggerObject
    fields :metadata, :metadata_type
  end

  # One event of a run's trace (+runs.events+).
  class RunEvent < TriggerObject
    fields :span_id, :parent_id, :run_id, :message, :start_time, :duration, :is_error,
           :is_partial, :is_cancelled, :level, :kind, :attempt_number, :task_slug, :events, :style,
           :idempotency_key, :environment_type
  end

  # The events of a run's trace (+runs.events+): +events+, an Array of RunEvent.
  class RunEvents < TriggerObject
    fields :events
    nested "events" => RunEvent
  end

  # A run's trace (+runs.trace+).
  class RunTrace < TriggerObject
    fields :trace_id, :root_span
  end

  # An environment variable (+envvars.list+ items, +envvars.retrieve+).
  class EnvVar < TriggerObject
    fields :name, :value, :is_secret
  end

  # A schedule.
  class Schedule < TriggerObject
    fields :id, :type, :task, :active, :deduplication_key, :external_id, :generator, :timezone,
           :window, :next_run, :next_run_effective_at, :environments

    def active?
      active ? true : false
    end
  end
end
