# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # A queue's concurrency (+queues.retrieve+ and the other queue calls).
  class QueueConcurrency < TriggerObject
    fields :current, :base, :override, :overridden_at, :overridden_by
  end

  # A queue: +id+, +name+, +type+ ("task" or "custom"), +running+, +queued+, +paused?+,
  # +concurrency_limit+, +concurrency+ (QueueConcurrency).
  class Queue < TriggerObject
    fields :id, :name, :type, :running, :queued, :paused, :concurrency_limit, :concurrency,
           :release_concurrency_on_waitpoint, :concurrency_limit_override_percent
    nested "concurrency" => QueueConcurrency

    def paused?
      paused ? true : false
    end
  end

  # A page of +queues.list_page+: +data+ (Queues), +current_page+, +total_pages+, +count+.
  class QueuesPage < NumberedPage
    nested "data" => Queue
  end

  # client.queues: the queues of the key's environment. A queue is named by its id
  # ("queue_..."; the default, +type: :id+), by its task (+type: :task+, "my-task") or by a
  # custom queue's name (+type: :custom+, "team/shared"); a Queue object names itself.
  #
  #   client.queues.pause("send-email", type: :task)
  #   client.queues.override_concurrency_limit("shared", 2, type: :custom)
  class Queues < Resource
    LIST_PARAMS = { page: :integer, per_page: :integer }.freeze
    TYPES = %w[id task custom].freeze
    UINT32_MAX = 0xFFFF_FFFF

    # Every queue, as a lazy Enumerable of Queues (one page at a time; +per_page:+, and +page:+
    # to start later). #first_page gives the first page (a QueuesPage).
    def list(**params)
      pager("queues", options_json(LIST_PARAMS, params, "queues.list"), Queue) do |queues|
        queues.list_page(**params)
      end
    end

    # One page of queues (a QueuesPage: +data+, +current_page+, +total_pages+, +next_page+).
    def list_page(**params)
      json = call(:trigger_queues_list, options_json(LIST_PARAMS, params, "queues.list_page"))
      QueuesPage.new(JSON.parse(json), lambda { |page|
        list_page(**params, page: page.current_page + 1)
      })
    end

    # The Queue +queue+ (+type:+ :id, the default, :task or :custom).
    def retrieve(queue, type: nil)
      object(Queue, call(:trigger_queues_retrieve, *ref(queue, type)))
    end

    # Pauses a queue: its runs stay queued until it is resumed. Returns the Queue.
    def pause(queue, type: nil)
      object(Queue, call(:trigger_queues_pause, *ref(queue, type)))
    end

    # Resumes a paused queue; returns the Queue.
    def resume(queue, type: nil)
      object(Queue, call(:trigger_queues_resume, *ref(queue, type)))
    end

    # Overrides a queue's concurrency limit with +limit+ (an Integer >= 0) until it is reset;
    # returns the Queue.
    def override_concurrency_limit(queue, limit, type: nil)
      name, kind = ref(queue, type)
      Util.integer!(limit, "limit")
      raise ArgumentError, "limit must be between 0 and #{UINT32_MAX}" unless limit.between?(0, UINT32_MAX)

      object(Queue, call(:trigger_queues_override_concurrency_limit, name, kind, limit))
    end

    # Goes back to the concurrency limit declared in code; returns the Queue.
    def reset_concurrency_limit(queue, type: nil)
      object(Queue, call(:trigger_queues_reset_concurrency_limit, *ref(queue, type)))
    end

    private

    # [name, queue_type] for the C ABI.
    def ref(queue, type)
      if queue.is_a?(Queue)
        raise ArgumentError, "type: is not needed with a Queue (it is named by its id)" unless type.nil?

        return [id!(queue.id, "queue.id"), "id"]
      end
      name = id!(queue, "queue")
      return [name, nil] if type.nil?

      kind = Util.string!(type, "type:")
      unless TYPES.include?(kind)
        raise ArgumentError, "type: must be one of #{TYPES.map { |t| ":#{t}" }.join(', ')}, not #{type.inspect}"
      end

      [name, kind]
    end
  end
end
