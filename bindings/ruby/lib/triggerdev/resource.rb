# frozen_string_literal: true

require "json"
require_relative "native"
require_relative "util"
require_relative "object"
require_relative "pager"

module Triggerdev
  # The base of every API area (client.runs, client.tasks, ...). An area is a thin layer: check
  # the Ruby arguments, turn keywords into the API's JSON, call one export, wrap the JSON it
  # returns. Adding an area of the C ABI takes its rows in Native::FUNCTIONS and a subclass:
  #
  #   class Queues < Resource
  #     LIST = { page: :integer, per_page: :integer }.freeze
  #     def list(**params)
  #       pager("queues", options_json(LIST, params, "queues.list"), Queue)
  #     end
  #     def retrieve(id) = object(Queue, call(:trigger_queues_retrieve, id!(id)))
  #   end
  class Resource
    # +client+: a Client, or the ambient client (Triggerdev.client).
    def initialize(client)
      @client = client
    end

    def inspect
      "#<#{self.class.name} of #{@client.inspect}>"
    end

    private

    # Calls export +fn+ with the client's handle and +args+; returns the JSON text it wrote.
    def call(fn, *args)
      @client.with_handle { |handle| Native.call_json(fn, handle, *args) }
    end

    # +json+ (the JSON text of an object) wrapped in +klass+ (a TriggerObject class), parsed when
    # first read.
    def object(klass, json)
      klass.new(json)
    end

    # +json+ (a JSON array) parsed, each item wrapped in +klass+.
    def objects(klass, json)
      JSON.parse(json).map { |item| klass.new(item) }
    end

    # Keywords -> JSON text for an optional options argument: nil (NULL, the defaults) when
    # there are none.
    def options_json(spec, opts, context)
      built = Params.build(spec, opts, context)
      built.empty? ? nil : JSON.generate(built)
    end

    # Keywords -> JSON text for a required object argument.
    def body_json(spec, opts, context)
      JSON.generate(Params.build(spec, opts, context))
    end

    # A lazy Enumerable over every item of +area+'s list (see Pager). The ambient client is
    # pinned now (this thread's with_auth overrides as they are), and the arguments are checked
    # now, by making (and freeing) one native iterator: no request is made until the iteration.
    # +page+ is called with this resource (on the pinned client) to get the first page.
    def pager(area, params_json, item, exports: nil, &page)
      owner = @client.pinned
      scoped = owner.equal?(@client) ? self : self.class.new(owner)
      Pager.new(owner, area, [params_json], item: item, exports: exports) { page.call(scoped) }
    end

    # One page of a cursor list (a +page_class+, a CursorPage) from +fn+, whose #next_page asks
    # +refetch+ (called with the next cursor) for the next one.
    def cursor_page(page_class, fn, params_json, &refetch)
      page_class.new(JSON.parse(call(fn, params_json)), ->(page) { refetch.call(page.next_cursor) })
    end

    def id!(value, name = "id")
      Util.string!(value, name)
    end
  end
end
