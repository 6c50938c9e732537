# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # client.tasks: trigger runs, one at a time or in batches.
  class Tasks < Resource
    DEBOUNCE = { key: :string, delay: :string, mode: :string, max_delay: :string }.freeze

    # Every option of the official +tasks.trigger+ (JSON names in camelCase).
    TRIGGER_OPTIONS = {
      idempotency_key: :idempotency_key, idempotency_key_ttl: :string,
      delay: :duration_or_time, ttl: :ttl, tags: :strings, metadata: :json, queue: :string,
      concurrency: :strings, concurrency_key: :string, max_attempts: :integer,
      max_duration: :integer, machine: :string, priority: :integer, version: :string,
      region: :string, external_deployment_id: :string, debounce: DEBOUNCE, test: :bool
    }.freeze

    BATCH_OPTIONS = { idempotency_key: :idempotency_key, idempotency_key_ttl: :string }.freeze
    BATCH_ITEM = { task: :string, payload: :json, options: TRIGGER_OPTIONS }.freeze

    # Passed for "no payload at all" (the official +undefined+); the default.
    NO_PAYLOAD = Object.new.tap { |o| def o.inspect = "Triggerdev::Tasks::NO_PAYLOAD" }.freeze

    # Triggers one run of +task_id+ and returns its RunHandle (+id+, +cached?+,
    # +public_access_token+).
    #
    #   client.tasks.trigger("send-email", { to: "ada@example.com" },
    #                        idempotency_key: "welcome-ada", tags: ["welcome"], delay: "5m")
    #
    # +payload+ is any JSON value (a String is sent as text); leave it out to send none (nil
    # sends JSON null). Options: idempotency_key: (String, an Array of parts, or a key from
    # IdempotencyKeys.create), idempotency_key_ttl:, delay: (a duration or a Time), ttl:, tags:,
    # metadata:, queue:, concurrency:, concurrency_key:, max_attempts:, max_duration:, machine:,
    # priority:, version:, region:, external_deployment_id:, debounce: ({key:, delay:, mode:,
    # max_delay:}), test:.
    def trigger(task_id, payload = NO_PAYLOAD, **options)
      task = id!(task_id, "task_id")
      payload_json = payload.equal?(NO_PAYLOAD) ? nil : Util.json(payload, "payload")
      opts = options_json(TRIGGER_OPTIONS, options, "tasks.trigger")
      object(RunHandle, call(:trigger_tasks_trigger, task, payload_json, opts))
    end

    # #trigger (same arguments), then client.runs.subscribe to the new run without its payload:
    # its snapshots until it finishes (a RunSubscription). The trigger is sent now.
    def trigger_and_subscribe(task_id, payload = NO_PAYLOAD, **options)
      task = id!(task_id, "task_id")
      payload_json = payload.equal?(NO_PAYLOAD) ? nil : Util.json(payload, "payload")
      opts = options_json(TRIGGER_OPTIONS, options, "tasks.trigger_and_subscribe")
      Realtime.open(@client, :trigger_tasks_trigger_and_subscribe, task, payload_json, opts)
    end

    # Triggers many runs in one batch; returns a BatchHandle (+batch_id+, +run_count+, +cached?+).
    #
    #   client.tasks.batch_trigger([
    #     { task: "send-email", payload: { to: "a@example.com" } },
    #     { task: "send-email", payload: { to: "b@example.com" }, options: { tags: ["b"] } },
    #   ], idempotency_key: "nightly")
    #
    # Each item is a Hash with +task:+, optional +payload:+ (left out: no payload) and optional
    # +options:+ (the options of #trigger).
    def batch_trigger(items, **options)
      raise TypeError, "items must be an Array of Hashes, not #{Util.describe(items)}" unless items.is_a?(Array)

      list = items.each_with_index.map do |item, i|
        raise TypeError, "items[#{i}] must be a Hash, not #{Util.describe(item)}" unless item.is_a?(Hash)

        item = item.transform_keys(&:to_sym)
        raise ArgumentError, "items[#{i}] needs task:" unless item.key?(:task)

        built = Params.build(BATCH_ITEM, item.reject { |k, _| k == :payload }, "items[#{i}]")
        built["payload"] = item[:payload] if item.key?(:payload)
        built
      end
      items_json = Util.json(list, "items")
      opts = options_json(BATCH_OPTIONS, options, "tasks.batch_trigger")
      object(BatchHandle, call(:trigger_tasks_batch_trigger, items_json, opts))
    end
  end

  # client.batches.
  class Batches < Resource
    # The Batch +batch_id+ (+status+, +runs+ ids, +run_count+, ...).
    def retrieve(batch_id)
      object(Batch, call(:trigger_batches_retrieve, id!(batch_id, "batch_id")))
    end

    # The results of the batch's finished runs (a BatchResults; GET
    # /api/v1/batches/{id}/results, the official lower-level +getBatchResults+).
    def results(batch_id)
      object(BatchResults, call(:trigger_batches_results, id!(batch_id, "batch_id")))
    end

    # The runs of a batch as they change (a RunSubscription); never ends on its own.
    def subscribe(batch_id, skip_columns: nil)
      opts = Realtime.options(skip_columns: skip_columns)
      Realtime.open(@client, :trigger_batches_subscribe, id!(batch_id, "batch_id"), opts)
    end
  end

  # Idempotency keys: IdempotencyKeys.create (or client.idempotency_keys.create) makes one (no
  # request); client.idempotency_keys resets one.
  class IdempotencyKeys < Resource
    SCOPES = %w[run attempt global].freeze

    # The 64-character key the official +idempotencyKeys.create(key, { scope })+ makes: the
    # SHA-256 of +key+ (a String, or an Array of parts joined with "-") and its scope ("run",
    # the default, "attempt" or "global"). Made here, without any request.
    def self.create(key, scope: nil)
      key_json = key_json(key)
      scope = Util.optional_string(scope, "scope")
      if scope && !SCOPES.include?(scope)
        raise ArgumentError, "scope must be one of #{SCOPES.map(&:inspect).join(', ')}, not #{scope.inspect}"
      end

      Native.call_json(:trigger_idempotency_keys_create, key_json, scope)
    end

    # The same as IdempotencyKeys.create, on an area (+client.idempotency_keys.create+,
    # +Triggerdev.idempotency_keys.create+), as the official +idempotencyKeys.create+ and
    # Python's +idempotency_keys.create+ are called.
    def create(key, scope: nil)
      self.class.create(key, scope: scope)
    end

    # A key (String or Array of parts) as JSON text.
    def self.key_json(key)
      if key.is_a?(Array)
        Util.json(Params.strings(key, "key"), "key")
      else
        Util.json(Util.string!(key, "key"), "key")
      end
    end

    # Resets +key+ of +task_id+ (a key as triggers take it: a String, parts, or a created key),
    # so the next trigger with it makes a new run.
    def reset(task_id, key)
      task = id!(task_id, "task_id")
      object(TriggerObject, call(:trigger_idempotency_keys_reset, task, self.class.key_json(key)))
    end
  end
end
