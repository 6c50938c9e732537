# frozen_string_literal: true

require "json"
require_relative "native"

module Triggerdev
  # Runs as they change, from a realtime feed (client.runs.subscribe, #subscribe_tagged,
  # client.batches.subscribe, client.tasks.trigger_and_subscribe): an Enumerable of Run
  # snapshots (status, the is_* flags, timestamps, tags, cost, payload, output, metadata,
  # error), one each time a run changes. A single run's subscription ends after the run finished
  # (unless +stop_on_completion: false+); tag and batch feeds never end on their own. Dropped
  # connections, 429 and 5xx answers are retried without losing or repeating a snapshot; another
  # error is raised once and ends it.
  #
  #   client.runs.subscribe(handle.id).each { |run| puts run.status }
  #
  # #each continues where an earlier one stopped (+first(1)+ twice gives two snapshots); once the
  # subscription has ended it yields nothing. #stop, from any thread, ends a blocked #each within
  # 50 ms; Ctrl-C ends one waiting on the main thread. Freed by the garbage collector or #close.
  class RunSubscription
    include Enumerable

    # +handle+: an FFI::AutoPointer releasing the native subscription.
    def initialize(handle)
      @handle = handle
      @lock = Mutex.new
      @done = false
    end

    def each
      return enum_for(:each) unless block_given?

      @lock.synchronize do
        until @done
          json = Native.call_json(:trigger_run_subscription_next, @handle)
          if json.nil?
            @done = true
            break
          end
          yield Run.new(json)
        end
      rescue StandardError
        @done = true
        raise
      end
      self
    end

    # Ends the subscription now, from any thread: a blocked #each returns without another run.
    def stop
      Native.trigger_run_subscription_stop(@handle)
      nil
    end

    # Stops and frees the native subscription (idempotent).
    def close
      stop
      @lock.synchronize do
        @done = true
        @handle.free
      end
      nil
    end

    def inspect
      "#<#{self.class.name}#{' done' if @done}>"
    end
  end

  # A run's stream (client.runs.stream): an Enumerable of the chunks the task wrote, as JSON
  # values (a chunk that is not JSON is its text). Reads v1 and v2 streams; a dropped
  # connection, an +error+ event, 429 or 5xx reconnects and resumes after the last record, and a
  # record the server sends again is never yielded twice. Ends when the server closes the stream
  # cleanly (+timeout_seconds:+ without a new record), on #stop (from any thread), or with an
  # error raised once (NotFoundError for an unknown run, ...).
  #
  #   client.runs.stream(run_id, "llm").each { |chunk| print chunk }
  #
  # #each continues where an earlier one stopped; once the stream has ended it yields nothing.
  # Ctrl-C ends one waiting on the main thread. Freed by the garbage collector or #close.
  class RunStream
    include Enumerable

    # +handle+: an FFI::AutoPointer releasing the native stream.
    def initialize(handle)
      @handle = handle
      @lock = Mutex.new
      @done = false
    end

    def each
      return enum_for(:each) unless block_given?

      @lock.synchronize do
        until @done
          json = Native.call_json(:trigger_run_stream_next, @handle)
          if json.nil?
            @done = true
            break
          end
          yield JSON.parse(json)
        end
      rescue StandardError
        @done = true
        raise
      end
      self
    end

    # Ends the stream now, from any thread: a blocked #each returns without another chunk.
    def stop
      Native.trigger_run_stream_stop(@handle)
      nil
    end

    # Stops and frees the native stream (idempotent).
    def close
      stop
      @lock.synchronize do
        @done = true
        @handle.free
      end
      nil
    end

    def inspect
      "#<#{self.class.name}#{' done' if @done}>"
    end
  end

  # The realtime calls of client.runs, client.batches and client.tasks.
  module Realtime
    # The options JSON of a subscription (nil when there are none).
    def self.options(skip_columns: nil, created_at: nil, stop_on_completion: nil)
      opts = {}
      opts["skipColumns"] = strings(skip_columns, "skip_columns:") unless skip_columns.nil?
      opts["createdAt"] = Util.string!(created_at, "created_at:") unless created_at.nil?
      opts["stopOnCompletion"] = Util.bool!(stop_on_completion, "stop_on_completion:") unless stop_on_completion.nil?
      opts.empty? ? nil : JSON.generate(opts)
    end

    # One String or an Array of Strings.
    def self.strings(value, name)
      return [Util.string!(value, name)] unless value.is_a?(Array)

      value.each_with_index.map { |v, i| Util.string!(v, "#{name}[#{i}]") }
    end

    def self.open(owner, fn, *args)
      handle = owner.with_handle do |h|
        Native.call_handle(fn, :trigger_run_subscription_free, h, *args)
      end
      RunSubscription.new(handle)
    end
  end
end
