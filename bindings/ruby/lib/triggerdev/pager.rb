# frozen_string_literal: true

require "json"
require_relative "native"
require_relative "object"

module Triggerdev
  # A lazy Enumerable over every item a list matches, over the library's iterator exports
  # (+trigger_<area>_list_iter+, +trigger_<area>_iter_next+, +trigger_<area>_iter_free+): pages
  # are fetched one at a time, as the iteration reaches them.
  #
  #   client.runs.list(status: "COMPLETED").each { |run| ... }   # every page
  #   client.runs.list(limit: 10).first(25)                       # stops after 3 pages
  #   client.runs.list.lazy.select(&:failed?).first(5)
  #
  # Each #each (and so each Enumerable method) starts a new native iterator from the first page
  # and frees it when the iteration ends, by a +break+ or an exception too; an iterator left
  # behind by an abandoned external Enumerator is freed when it is garbage collected. A Pager may
  # be shared between threads: each iteration has its own native iterator.
  class Pager
    include Enumerable

    # +owner+: a Client (or the ambient client); +area+: "runs", "schedules", ... naming the
    # exports; +args+: the arguments of +trigger_<area>_list_iter+ after the client; +item+: the
    # TriggerObject class of the items; +exports+: [make, next, free] when they are not named
    # after +area+ (waitpoint tokens); +stop+: the export that ends a blocked +_next+ from
    # another thread, for iterators that have one; +page+: a block returning the first page.
    def initialize(owner, area, args, item:, exports: nil, stop: nil, &page)
      @owner = owner
      @make, @next, @free = exports ||
                            [:"trigger_#{area}_list_iter", :"trigger_#{area}_iter_next", :"trigger_#{area}_iter_free"]
      @args = args
      @item = item
      @stop = stop
      @page = page
      @live = []
      @lock = Mutex.new
      # Bad arguments are reported by the call that made the Pager, not at the first item.
      @owner.with_handle { |handle| Native.call_handle(@make, @free, handle, *@args) }.free
    end

    def each
      return enum_for(:each) unless block_given?

      iter = @owner.with_handle { |handle| Native.call_handle(@make, @free, handle, *@args) }
      @lock.synchronize { @live << iter } if @stop
      begin
        while (json = Native.call_json(@next, iter))
          yield @item.new(json)
        end
      ensure
        @lock.synchronize do
          @live.delete(iter) if @stop
          iter.free
        end
      end
      self
    end

    # The first page, as one list call (a Page).
    def first_page
      raise NotImplementedError, "this list has no page access" unless @page

      @page.call
    end

    # Ends every iteration of this Pager that is running now, from any thread (for iterators
    # whose area has a stop export; a no-op otherwise).
    def stop
      return nil unless @stop

      @lock.synchronize { @live.each { |iter| Native.public_send(@stop, iter) } }
      nil
    end

    def inspect
      "#<#{self.class.name} #{@make}>"
    end
  end

  # One page of a list: its items (#data, or iterate the page itself) and what the server said
  # about the next one.
  class Page < TriggerObject
    include Enumerable

    # +fetch+ is called with this page to get the next one.
    def initialize(json, fetch = nil)
      super(json)
      @fetch = fetch
    end

    def data
      self["data"] || []
    end

    # The page's JSON object, as for every TriggerObject (Enumerable#to_h, which comes first
    # otherwise, would try to make a Hash of the items and raise).
    def to_h
      values
    end
    alias to_hash to_h

    def each(&block)
      return enum_for(:each) unless block

      data.each(&block)
      self
    end

    def size
      data.size
    end
    alias length size

    def empty?
      data.empty?
    end

    # The next page (the same filters). On the last page, raises StopIteration (which ends a
    # +loop+), as Python's +next_page()+ raises there: check +has_next_page?+ first.
    def next_page
      raise StopIteration, "no next page: this is the last one (check has_next_page? first)" unless has_next_page? && @fetch

      @fetch.call(self)
    end
  end

  # A page of a cursor-paginated list: +data+, +next_cursor+ (pass it as +after:+, or
  # +cursor:+ for deployments), +has_next_page?+, +next_page+.
  class CursorPage < Page
    def next_cursor
      dig("pagination", "next")
    end

    def previous_cursor
      dig("pagination", "previous")
    end

    def has_next_page?
      !next_cursor.nil?
    end
  end

  # A page of +runs.list_page+: +data+ (Runs) and cursors.
  class RunsPage < CursorPage
    nested "data" => Run
  end

  # A page of a numbered list: +data+, +current_page+, +total_pages+, +count+.
  class NumberedPage < Page
    def current_page
      dig("pagination", "currentPage")
    end

    def total_pages
      dig("pagination", "totalPages")
    end

    def count(*args, &block)
      return super if !args.empty? || block

      dig("pagination", "count")
    end

    def has_next_page?
      current_page.is_a?(Integer) && total_pages.is_a?(Integer) && current_page < total_pages
    end
  end

  # A page of +schedules.list_page+: +data+ (Schedules), +current_page+, +total_pages+, +count+.
  class SchedulesPage < NumberedPage
    nested "data" => Schedule
  end
end
