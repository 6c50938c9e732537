# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # client.runs: list, inspect and manage runs.
  class Runs < Resource
    # The official run-list filters.
    LIST_PARAMS = {
      project_ref: :string, env: :strings, status: :strings, task_identifier: :strings,
      version: :strings, bulk_action: :string, tag: :strings, schedule: :string, is_test: :bool,
      from: :epoch_ms, to: :epoch_ms, period: :string, batch: :string, queue: :queue_filters,
      machine: :strings, region: :strings, session: :string, limit: :integer, after: :string,
      before: :string
    }.freeze

    REPLAY_OPTIONS = {
      payload: :json, payload_type: :string, metadata: :json, tags: :strings, queue: :string,
      concurrency_key: :string, machine: :string, version: :string, region: :string,
      delay: :duration_or_time, ttl: :ttl, idempotency_key: :string, idempotency_key_ttl: :string,
      max_attempts: :integer, max_duration: :integer, priority: :integer
    }.freeze

    METADATA_BODY = {
      metadata: :json, operations: :objects, parent_operations: :objects, root_operations: :objects
    }.freeze

    # Every run the filters match, as a lazy Enumerable of Runs that fetches one page at a time
    # (see Pager); #first_page gives the first page (a RunsPage).
    #
    #   client.runs.list(status: ["COMPLETED"], task_identifier: "send-email").each { |run| ... }
    #
    # Filters: status:, task_identifier:, version:, tag:, machine:, region:, env: (one value or
    # an Array), bulk_action:, schedule:, batch:, period: ("1d"), from:/to: (Time or epoch ms),
    # is_test:, queue: ("name", or {type: "task"|"custom", name:}), session: (a session's id or
    # external id: its runs, which a session's public token may list; +filter[session]+, not an
    # official SDK filter), limit: (page size, 1..100), after:/before: (cursors), and with a
    # personal access token project_ref: and env:. +project_ref+ may also come first, as in the
    # official +runs.list(projectRef, params)+ (and Python's +runs.list(project_ref, ...)+).
    def list(project_ref = nil, **filters)
      filters = with_project_ref(project_ref, filters)
      pager("runs", options_json(LIST_PARAMS, filters, "runs.list"), Run) { |runs| runs.list_page(**filters) }
    end

    # One page of runs (a RunsPage: +data+, +next_cursor+, +next_page+), same filters as #list.
    def list_page(project_ref = nil, **filters)
      filters = with_project_ref(project_ref, filters)
      json = call(:trigger_runs_list, options_json(LIST_PARAMS, filters, "runs.list_page"))
      RunsPage.new(JSON.parse(json), lambda { |page|
        list_page(**filters, after: page.next_cursor, before: nil)
      })
    end

    # The Run +run_id+ (payload and output included).
    def retrieve(run_id)
      Run.new(call(:trigger_runs_retrieve, id!(run_id, "run_id")))
    end

    # The run's snapshots as it changes (a RunSubscription over GET /realtime/v1/runs/{id}),
    # ending after it finished. +skip_columns:+ leaves out payload, output, ...; no request is
    # made until the first snapshot is read.
    def subscribe(run_id, skip_columns: nil, stop_on_completion: nil)
      opts = Realtime.options(skip_columns: skip_columns, stop_on_completion: stop_on_completion)
      Realtime.open(@client, :trigger_runs_subscribe, id!(run_id, "run_id"), opts)
    end

    # The runs that carry every one of +tags+ (a String or an Array), created up to
    # +created_at:+ ago ("1h"; the server's default is 24 h), as they change; never ends on its
    # own (see RunSubscription).
    def subscribe_tagged(tags, created_at: nil, skip_columns: nil)
      tags_json = JSON.generate(Realtime.strings(tags, "tags"))
      opts = Realtime.options(created_at: created_at, skip_columns: skip_columns)
      Realtime.open(@client, :trigger_runs_subscribe_tagged, tags_json, opts)
    end

    # The chunks the run's task writes to its stream +key+ (a RunStream over
    # GET /realtime/v1/streams/{run_id}/{key}; the official runs.fetchStream / streams.read).
    # +start_index:+ starts at that record, +from_latest:+ at the tail; +timeout_seconds:+ (1-600)
    # is how long the server keeps the stream open without a new record. No request is made
    # until the first chunk is asked for.
    def stream(run_id, key = "default", start_index: nil, from_latest: false, timeout_seconds: nil)
      opts = {}
      opts["startIndex"] = Util.integer!(start_index, "start_index:") unless start_index.nil?
      opts["fromLatest"] = true if Util.bool!(from_latest, "from_latest:")
      opts["timeoutSeconds"] = Util.integer!(timeout_seconds, "timeout_seconds:") unless timeout_seconds.nil?
      json = opts.empty? ? nil : JSON.generate(opts)
      handle = @client.with_handle do |h|
        Native.call_handle(:trigger_runs_stream, :trigger_run_stream_free, h, id!(run_id, "run_id"),
                           id!(key, "key"), json)
      end
      RunStream.new(handle)
    end

    # Waits for the run to finish, for at most +timeout+ seconds, over the realtime feed (one
    # long poll held until the run changes; no polling interval), and returns it as it
    # finished. Raises WaitTimeoutError (+last_run+) when the time passes first.
    def wait(run_id, timeout: 300)
      ms = Util.millis(timeout, "timeout:").round
      Run.new(call(:trigger_runs_wait, id!(run_id, "run_id"), ms))
    end

    # Retrieves the run every +interval+ seconds until it is finished (at most 500 times), for
    # at most +timeout+ seconds, and returns it. Raises WaitTimeoutError (+last_run+: the run as
    # last seen) when the timeout passes first, PollLimitReachedError after 500 retrievals.
    # Ctrl-C ends it with Interrupt on the main thread; a client's CancelToken from any thread.
    def poll(run_id, interval: 1.0, timeout: nil)
      options = { intervalMs: Util.millis(interval, "interval:").round }
      options[:timeoutMs] = Util.millis(timeout, "timeout:").round unless timeout.nil?
      object(Run, call(:trigger_runs_poll, id!(run_id, "run_id"), JSON.generate(options)))
    end

    # Cancels a run; returns its +id+.
    def cancel(run_id)
      object(TriggerObject, call(:trigger_runs_cancel, id!(run_id, "run_id")))
    end

    # Replays a run as a new one; returns the new run's +id+. Options change the new run:
    # payload:, payload_type:, metadata:, tags:, queue:, concurrency_key:, machine:, version:,
    # region:, delay:, ttl:, idempotency_key:, idempotency_key_ttl:, max_attempts:,
    # max_duration:, priority:.
    def replay(run_id, **options)
      id = id!(run_id, "run_id")
      object(TriggerObject, call(:trigger_runs_replay, id, options_json(REPLAY_OPTIONS, options, "runs.replay")))
    end

    # Moves a delayed run to +delay:+ (a duration like "1h", or a Time); returns the Run.
    def reschedule(run_id, delay:)
      id = id!(run_id, "run_id")
      object(Run, call(:trigger_runs_reschedule, id, Util.duration_or_time(delay, "delay:")))
    end

    # Updates a run's metadata: +metadata:+ replaces it, +operations:+ (and
    # +parent_operations:+, +root_operations:+) change it, e.g.
    # <tt>operations: [{ type: "increment", key: "n", value: 1 }]</tt>. Returns RunMetadata.
    def update_metadata(run_id, **body)
      id = id!(run_id, "run_id")
      object(RunMetadata, call(:trigger_runs_update_metadata, id, body_json(METADATA_BODY, body, "runs.update_metadata")))
    end

    # A run's metadata (RunMetadata: +metadata+, +metadata_type+).
    def metadata(run_id)
      object(RunMetadata, call(:trigger_runs_metadata, id!(run_id, "run_id")))
    end

    # Adds +tags+ (a String or an Array) to a run; returns the server's +message+.
    def add_tags(run_id, tags)
      id = id!(run_id, "run_id")
      object(TriggerObject, call(:trigger_runs_add_tags, id, Util.json(Params.strings(tags, "tags"), "tags")))
    end

    # How a run ended, or that it has not yet, read from the run itself
    # (+GET /api/v3/runs/{id}+): a RunOutcome whose +outcome+ is "succeeded" (+output+),
    # "failed" (+status+, +error+) or "notFinished" (+status+). A missing run raises
    # NotFoundError.
    def outcome(run_id)
      object(RunOutcome, call(:trigger_runs_outcome, id!(run_id, "run_id")))
    end

    # Deprecated: use #outcome. The RunResult from +GET /api/v1/runs/{id}/result+, or nil when
    # that route answers 404, which current servers do for every run but canceled ones (the
    # route reads attempt records the current run engine no longer writes).
    def result(run_id)
      warn("Triggerdev::Runs#result is deprecated: current servers answer it 404 for finished runs; use #outcome",
           uplevel: 1, category: :deprecated)
      parsed = JSON.parse(call(:trigger_runs_result, id!(run_id, "run_id")))
      parsed.nil? ? nil : RunResult.new(parsed)
    end

    # The events of a run's trace (RunEvents: +events+, an Array of RunEvent).
    def events(run_id)
      object(RunEvents, call(:trigger_runs_events, id!(run_id, "run_id")))
    end

    # A run's trace (RunTrace: +trace_id+, +root_span+).
    def trace(run_id)
      RunTrace.new(call(:trigger_runs_trace, id!(run_id, "run_id")))
    end

    # One span of a run's trace (a RunSpan; GET /api/v1/runs/{run_id}/spans/{span_id}, the
    # official lower-level +retrieveSpan+); span ids are those of #events and #trace.
    def retrieve_span(run_id, span_id)
      object(RunSpan, call(:trigger_runs_retrieve_span, id!(run_id, "run_id"), id!(span_id, "span_id")))
    end

    private

    def with_project_ref(project_ref, filters)
      return filters if project_ref.nil?
      raise ArgumentError, "runs.list takes project_ref once: positionally or as project_ref:" if filters.key?(:project_ref)

      { project_ref: project_ref, **filters }
    end
  end
end
