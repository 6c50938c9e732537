# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e.rs: list_pages_and_the_lazy_iterator_see_every_run_once, over more than three pages.
class PaginationTest < TriggerdevTest
  def test_list_pages_and_the_lazy_iterator_see_every_run_once
    c = client
    ids = (0...23).map { |i| c.tasks.trigger("many", { i: i }).id }
    first = c.runs.list_page(limit: 10)
    assert_kind_of Triggerdev::RunsPage, first
    assert_equal 10, first.size
    assert first.has_next_page?
    second = first.next_page
    assert_equal 10, second.size
    third = second.next_page
    assert_equal 3, third.size
    refute third.has_next_page?
    error = assert_raises(StopIteration) { third.next_page }
    assert_equal "no next page: this is the last one (check has_next_page? first)", error.message
    pages = [first]
    loop { pages << pages.last.next_page }
    assert_equal [first, second, third].map { |p| p.data.map(&:id) }, pages.map { |p| p.data.map(&:id) }
    assert_equal ids.sort, (first.data + second.data + third.data).map(&:id).sort

    emu.clear_requests
    seen = c.runs.list(limit: 10).map(&:id)
    assert_equal ids.sort, seen.sort
    assert_equal seen.uniq, seen
    assert_equal 3, logged("/api/v1/runs").size, "one request per page"
  end

  def test_more_than_three_pages_fetched_lazily
    c = client
    ids = (0...26).map { |i| c.tasks.trigger("paged", { i: i }).id }
    pager = c.runs.list(limit: 5, task_identifier: "paged")
    assert_kind_of Enumerable, pager
    assert_empty logged("/api/v1/runs"), "nothing is fetched before the iteration"

    assert_equal 7, pager.first(7).size
    assert_equal 2, logged("/api/v1/runs").size, "first(7) reads two pages of 5"

    emu.clear_requests
    all = pager.to_a
    assert_equal 26, all.size
    assert_equal ids.sort, all.map(&:id).sort
    assert(all.all? { |r| r.is_a?(Triggerdev::Run) })
    assert_equal 6, logged("/api/v1/runs").size, "26 runs in pages of 5"

    lazy = pager.lazy.select { |r| r.payload.nil? || true }.map(&:id).first(3)
    assert_equal 3, lazy.size
    assert_equal ids.size, pager.count
    assert_equal pager.first_page.data.map(&:id), pager.first(5).map(&:id)

    # An external enumerator, abandoned half way: its native iterator is freed by the GC.
    enum = pager.each
    3.times { enum.next }
    enum = nil # rubocop:disable Lint/UselessAssignment
    GC.start
  end

  def test_schedules_page_and_iterate
    c = client
    5.times { |i| c.schedules.create(task: "t", cron: "* * * * *", deduplication_key: "k#{i}") }
    page = c.schedules.list_page(page: 1, per_page: 2)
    assert_kind_of Triggerdev::SchedulesPage, page
    assert_equal [2, 1, 3], [page.size, page.current_page, page.total_pages]
    assert_equal 2, page.next_page.current_page
    assert_equal({ "currentPage" => 1, "totalPages" => 3, "count" => 5 }, page.to_h["pagination"])
    assert_equal page.data.map(&:to_h), page.to_h["data"]
    all = c.schedules.list(per_page: 2).to_a
    assert_equal 5, all.size
    assert(all.all? { |s| s.is_a?(Triggerdev::Schedule) })
  end

  def test_an_error_while_iterating_ends_the_iteration
    c = no_retry
    3.times { |i| c.tasks.trigger("err", { i: i }) }
    pager = c.runs.list(limit: 1)
    emu.add_fault(status: 500, count: 1, path: "/api/v1/runs")
    assert_raises(Triggerdev::InternalServerError) { pager.to_a }
    assert_equal 3, pager.to_a.size, "a new iteration starts again"
  end
end
