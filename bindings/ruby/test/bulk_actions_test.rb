# frozen_string_literal: true

require "set"
require_relative "test_helper"

# tests/e2e_surface.rs, bulk actions: cancel by filter, replay by ids, abort a deferred one,
# pages, and the checks before sending.
class BulkActionsTest < TriggerdevTest
  def test_cancel_by_filter_cancels_exactly_the_matching_runs
    c = client
    old = Array.new(3) { trigger(c, "sweep", tags: ["old"]).id }
    fresh = Array.new(2) { trigger(c, "sweep", tags: ["new"]).id }
    finished = trigger(c, "sweep", tags: ["old"]).id
    emu.complete_run(finished, 1)

    created = c.bulk_actions.create(action: :cancel, filter: { status: "QUEUED", tag: "old" }, name: "cancel old")
    id = created.id
    assert id.start_with?("bulk_"), id
    # A String tag stays a String, as the official SDK sends it.
    assert_equal({ "filter" => { "status" => ["QUEUED"], "tag" => "old" }, "name" => "cancel old", "action" => "cancel" },
                 logged("/api/v1/bulk-actions").find { |r| r["method"] == "POST" }["body"])
    emu.clear_requests
    c.bulk_actions.create(action: :cancel, filter: { tag: ["none-such"] })
    assert_equal '{"filter":{"tag":["none-such"]},"action":"cancel"}', logged.last["rawBody"], "an Array stays an Array"

    b = c.bulk_actions.retrieve(id)
    assert_kind_of Triggerdev::BulkAction, b
    assert_equal ["CANCEL", "COMPLETED", "cancel old"], [b.type, b.status, b.name]
    assert_equal [3, 3, 0], [b.counts.total, b.counts.success, b.counts.failure]
    assert_kind_of Time, b.completed_at
    old.each { |run| assert_equal "CANCELED", c.runs.retrieve(run).status, run }
    fresh.each { |run| assert_equal "QUEUED", c.runs.retrieve(run).status, run }
    assert_equal "COMPLETED", c.runs.retrieve(finished).status
    assert_equal old.to_set, c.runs.list(bulk_action: id).map(&:id).to_set
  end

  def test_replay_by_ids_creates_new_runs
    c = client
    a = c.tasks.trigger("replayed", { n: 1 }, tags: ["r"]).id
    b = trigger(c, "replayed").id
    emu.complete_run(a, "done")
    before = emu.runs.map { |r| r["id"] }.to_set

    id = c.bulk_actions.create(action: "replay", run_ids: [a, b], target_region: "eu-central-1").id
    action = c.bulk_actions.retrieve(id)
    assert_equal %w[REPLAY COMPLETED], [action.type, action.status]
    assert_equal [2, 2], [action.counts.total, action.counts.success]
    new_runs = emu.runs.map { |r| r["id"] }.to_set - before
    assert_equal 2, new_runs.size
    dump = emu.state["bulkActions"].find { |x| x["id"] == id }
    assert_equal new_runs, dump["newRunIds"].to_set
    assert_equal "eu-central-1", dump["targetRegion"]
    assert_equal new_runs, c.runs.list(bulk_action: id).map(&:id).to_set
    replay_of_a = new_runs.map { |r| c.runs.retrieve(r) }.find { |r| r.payload == { "n" => 1 } }
    assert_equal ["r"], replay_of_a.tags
  end

  def test_a_deferred_bulk_action_can_be_aborted
    emu.defer_bulk_actions
    c = client
    run = trigger(c, "keep").id
    id = c.bulk_actions.create(action: :cancel, run_ids: run).id
    assert_equal "PENDING", c.bulk_actions.retrieve(id).status
    assert_equal id, c.bulk_actions.abort(id).id
    assert_equal "ABORTED", c.bulk_actions.retrieve(id).status
    assert_equal "QUEUED", c.runs.retrieve(run).status, "nothing was applied"
    error = assert_raises(Triggerdev::ConflictError) { no_retry.bulk_actions.abort(id) }
    assert_equal "409 Bulk action group already aborted: #{id}", error.message

    second = c.bulk_actions.create(action: :cancel, run_ids: [run]).id
    emu.process_bulk_action(second)
    assert_equal "COMPLETED", c.bulk_actions.retrieve(second).status
    assert_equal "CANCELED", c.runs.retrieve(run).status
    assert_raises(Triggerdev::ConflictError) { no_retry.bulk_actions.abort(second) }
    assert_raises(Triggerdev::NotFoundError) { no_retry.bulk_actions.retrieve("bulk_nope") }
  end

  def test_list_and_pager_walk_three_pages_newest_first
    c = client
    run = trigger(c, "t").id
    ids = Array.new(5) { |i| c.bulk_actions.create(action: :replay, run_ids: [run], name: "replay #{i}").id }
    page = c.bulk_actions.list_page(limit: 2)
    assert_kind_of Triggerdev::BulkActionsPage, page
    assert_equal 2, page.size
    assert page.has_next_page?
    assert_equal ids.reverse[2, 2], page.next_page.map(&:id)
    emu.clear_requests
    assert_equal ids.reverse, c.bulk_actions.list(limit: 2).map(&:id)
    assert_equal 3, logged("/api/v1/bulk-actions").size

    configure_ambient
    assert_equal ids.last, Triggerdev.bulk_actions.list.first.id
  end

  def test_checks_before_sending
    c = client
    emu.clear_requests
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.bulk_actions.create(action: :cancel, filter: { tag: "x" }, run_ids: ["run_1"]) }
    assert_equal "bulk_actions.create: give exactly one of `filter:` and `run_ids:`", error.message
    assert_raises(Triggerdev::InvalidArgumentError) { c.bulk_actions.create(action: :cancel) }
    assert_raises(Triggerdev::InvalidArgumentError) { c.bulk_actions.create(action: :cancel, filter: {}) }
    assert_empty logged, "nothing was sent"
    assert_raises(ArgumentError) { c.bulk_actions.create(action: :delete, run_ids: ["run_1"]) }
    error = assert_raises(ArgumentError) { c.bulk_actions.create(action: :cancel, filter: { tags: "x" }) }
    assert_match(/tags/, error.message)
    assert_raises(ArgumentError) { c.bulk_actions.create(run_ids: ["run_1"]) }
  end
end
