# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # A bulk action's counts: +total+, +success+, +failure+.
  class BulkActionCounts < TriggerObject
    fields :total, :success, :failure
  end

  # A bulk action (+bulk_actions.retrieve+, list items): +id+, +name+, +type+ ("CANCEL" or
  # "REPLAY"), +status+ ("PENDING", "COMPLETED", "ABORTED"), +counts+, +created_at+,
  # +completed_at+.
  class BulkAction < TriggerObject
    fields :id, :name, :type, :status, :counts, :created_at, :completed_at
    nested "counts" => BulkActionCounts
  end

  # A page of +bulk_actions.list_page+: +data+ (BulkActions) and cursors.
  class BulkActionsPage < CursorPage
    nested "data" => BulkAction
  end

  # client.bulk_actions: cancel or replay many runs at once, by filter or by id.
  #
  #   client.bulk_actions.create(action: :cancel, filter: { status: "QUEUED", tag: "old" },
  #                              name: "cancel old")
  #   client.bulk_actions.create(action: :replay, run_ids: ["run_1", "run_2"],
  #                              target_region: "eu-central-1")
  class BulkActions < Resource
    # The run list filters a bulk action takes.
    FILTER = {
      status: :strings, task_identifier: :strings, version: :strings, from: :epoch_ms,
      to: :epoch_ms, period: :string, bulk_action: :string, tag: :string_or_strings, schedule: :string,
      is_test: :bool, batch: :string, queue: :queue_filters, machine: :strings, region: :strings
    }.freeze

    CREATE = {
      action: :string, filter: FILTER, run_ids: :strings, name: :string, target_region: :string
    }.freeze

    ACTIONS = %w[cancel replay].freeze
    LIST_PARAMS = { limit: :integer, after: :string, before: :string }.freeze

    # Creates a bulk action: +action:+ (:cancel or :replay) on the runs +filter:+ matches (the
    # run list filters: status:, task_identifier:, version:, tag:, from:/to:, period:,
    # bulk_action:, schedule:, is_test:, batch:, queue: ({type:, name:}), machine:, region:) or
    # on +run_ids:+ (exactly one of the two), with name: and, for a replay, target_region:.
    # Returns an object with the new action's +id+.
    def create(action:, **options)
      kind = Util.string!(action, "action:")
      unless ACTIONS.include?(kind)
        raise ArgumentError, "action: must be :cancel or :replay, not #{action.inspect}"
      end

      body = body_json(CREATE, { action: kind, **options }, "bulk_actions.create")
      object(TriggerObject, call(:trigger_bulk_actions_create, body))
    end

    # Every bulk action, newest first, as a lazy Enumerable of BulkActions (+limit:+ is the page
    # size; +after:+/+before:+ cursors).
    def list(**params)
      pager("bulk_actions", options_json(LIST_PARAMS, params, "bulk_actions.list"), BulkAction) do |bulk|
        bulk.list_page(**params)
      end
    end

    # One page of bulk actions (a BulkActionsPage).
    def list_page(**params)
      cursor_page(BulkActionsPage, :trigger_bulk_actions_list,
                  options_json(LIST_PARAMS, params, "bulk_actions.list_page")) do |cursor|
        list_page(**params, after: cursor, before: nil)
      end
    end

    # The BulkAction +bulk_action_id+.
    def retrieve(bulk_action_id)
      object(BulkAction, call(:trigger_bulk_actions_retrieve, id!(bulk_action_id, "bulk_action_id")))
    end

    # Stops a bulk action that is still running; returns an object with its +id+. One that
    # already completed is a ConflictError.
    def abort(bulk_action_id)
      object(TriggerObject, call(:trigger_bulk_actions_abort, id!(bulk_action_id, "bulk_action_id")))
    end
  end
end
