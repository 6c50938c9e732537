# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e_surface.rs, queues: pause holds runs, custom names with a slash, override/reset of
# the concurrency limit, not-found wording, pages, and a public token with read:queues.
class QueuesTest < TriggerdevTest
  def test_a_paused_queue_holds_its_runs_queued_until_it_is_resumed
    c = client
    first = trigger(c, "held")
    second = trigger(c, "held")

    q = c.queues.retrieve("held", type: :task)
    assert_kind_of Triggerdev::Queue, q
    assert_equal ["held", "task", 2, 0, false], [q.name, q.type, q.queued, q.running, q.paused?]
    assert_equal({ "type" => "task" }, logged("/api/v1/queues").last["query"])

    paused = c.queues.pause("held", type: :task)
    assert paused.paused?
    assert_equal q.id, paused.id
    error = assert_raises(RuntimeError) { emu.start_run(first.id) }
    assert_match(/409.*paused/, error.message, "the emulator refuses to start a run of a paused queue")
    assert_equal "QUEUED", c.runs.retrieve(first.id).status

    # By id (the default type), and by the Queue itself.
    by_id = c.queues.retrieve(q.id)
    assert by_id.paused?
    assert_equal 2, by_id.queued
    assert_equal q.id, c.queues.retrieve(by_id).id

    refute c.queues.resume("held", type: "task").paused?
    emu.start_run(first.id)
    assert_equal "EXECUTING", c.runs.retrieve(first.id).status
    q = c.queues.retrieve("held", type: :task)
    assert_equal [1, 1], [q.queued, q.running]
    emu.start_run(second.id)
    assert_equal "EXECUTING", c.runs.retrieve(second.id).status
  end

  def test_a_custom_queue_name_with_a_slash_and_a_space_round_trips
    c = client
    # Custom queues are declared by workers; the emulator's admin API stands in for one.
    emu.add_queue("team/shared q", type: "custom")
    run = trigger(c, "shared-work", queue: "team/shared q")
    q = c.queues.retrieve("team/shared q", type: :custom)
    assert_equal ["team/shared q", "custom", 1], [q.name, q.type, q.queued]
    assert c.queues.pause("team/shared q", type: :custom).paused?
    assert_raises(RuntimeError) { emu.start_run(run.id) }
    assert_equal ["/api/v1/queues/team%252Fshared%20q", "/api/v1/queues/team%252Fshared%20q/pause"],
                 logged("/api/v1/queues/").map { |r| r["path"] }
  end

  def test_override_then_reset_the_concurrency_limit
    c = client
    queue_id = emu.add_queue("limited", type: "custom", concurrency_limit: 3)["id"]
    runs = Array.new(2) { trigger(c, "limited-task", queue: "limited").id }

    q = c.queues.override_concurrency_limit("limited", 1, type: :custom)
    assert_equal queue_id, q.id
    assert_equal 1, q.concurrency_limit
    conc = q.concurrency
    assert_kind_of Triggerdev::QueueConcurrency, conc
    assert_equal [1, 3, 1], [conc.current, conc.base, conc.override]
    assert_kind_of Time, conc.overridden_at

    emu.start_run(runs[0])
    assert_raises(RuntimeError) { emu.start_run(runs[1]) }
    assert_equal "QUEUED", c.runs.retrieve(runs[1]).status

    q = c.queues.reset_concurrency_limit(queue_id)
    assert_equal 3, q.concurrency_limit
    assert_equal [3, nil, nil], [q.concurrency.current, q.concurrency.override, q.concurrency.overridden_at]
    emu.start_run(runs[1])
    assert_equal "EXECUTING", c.runs.retrieve(runs[1]).status

    quick = no_retry
    error = assert_raises(Triggerdev::BadRequestError) { quick.queues.override_concurrency_limit("limited", 101, type: :custom) }
    assert_equal "400 Concurrency limit (101) cannot exceed the environment limit (100)", error.message
    error = assert_raises(Triggerdev::BadRequestError) { quick.queues.reset_concurrency_limit("limited", type: :custom) }
    assert_equal "400 Queue is not overridden", error.message
  end

  def test_unknown_queues_are_not_found_with_the_server_wording
    c = no_retry
    error = assert_raises(Triggerdev::NotFoundError) { c.queues.retrieve("nope", type: :task) }
    assert_equal [404, "404 queue-not-found"], [error.status, error.message]
    assert_raises(Triggerdev::NotFoundError) { c.queues.pause("queue_nope") }
    error = assert_raises(Triggerdev::NotFoundError) { c.queues.override_concurrency_limit("nope", 1, type: :custom) }
    assert_equal "404 Queue not found", error.message
  end

  def test_lists_page_by_name_and_the_pager_sees_each_once
    c = client
    %w[e c a d b].each { |task| trigger(c, task) }
    emu.clear_requests
    assert_equal %w[a b c d e], c.queues.list(per_page: 2).map(&:name)
    assert_equal 3, logged("/api/v1/queues").size, "three pages"
    assert_equal [{ "perPage" => "2" }, { "page" => "2", "perPage" => "2" }],
                 logged("/api/v1/queues").first(2).map { |r| r["query"] }

    page = c.queues.list_page(per_page: 2)
    assert_kind_of Triggerdev::QueuesPage, page
    assert_equal %w[a b], page.map(&:name)
    assert_equal [1, 3, 5], [page.current_page, page.total_pages, page.count]
    last = page.next_page.next_page
    assert_equal %w[e], last.data.map(&:name)
    refute last.has_next_page?
    assert_raises(StopIteration) { last.next_page }
    assert_equal %w[e], c.queues.list(page: 3, per_page: 2).map(&:name)
    assert_equal %w[a b], c.queues.list.first_page.first(2).map(&:name)

    configure_ambient
    assert_equal 5, Triggerdev.queues.list.count
    assert_equal "a", Triggerdev.queues.retrieve("a", type: :task).name
  end

  def test_a_public_token_with_read_queues_retrieves_but_cannot_pause
    trigger(client, "visible")
    reader = no_retry(sign_jwt(["read:queues"]))
    assert_equal 1, reader.queues.retrieve("visible", type: :task).queued
    emu.clear_requests
    error = assert_raises(Triggerdev::UnsupportedCredentialError) { reader.queues.pause("visible", type: :task) }
    assert_match(/queues\.pause/, error.message)
    assert_empty logged, "refused before sending"
    other = no_retry(sign_jwt(["read:runs"]))
    assert_raises(Triggerdev::PermissionDeniedError) { other.queues.retrieve("visible", type: :task) }
  end

  def test_bad_arguments_never_reach_the_library
    c = client
    error = assert_raises(ArgumentError) { c.queues.retrieve("x", type: :bogus) }
    assert_match(/:id, :task, :custom/, error.message)
    assert_raises(TypeError) { c.queues.retrieve(nil) }
    assert_raises(ArgumentError) { c.queues.retrieve("x", kind: :task) }
    assert_raises(ArgumentError) { c.queues.override_concurrency_limit("x", -1) }
    assert_raises(ArgumentError) { c.queues.override_concurrency_limit("x", 2**32) }
    assert_raises(TypeError) { c.queues.override_concurrency_limit("x", "2") }
    error = assert_raises(ArgumentError) { c.queues.list(perPage: 2) }
    assert_match(/perPage.*accepted: page: per_page:/, error.message)
    assert_raises(Triggerdev::InvalidArgumentError) { c.queues.retrieve("") }
  end
end
