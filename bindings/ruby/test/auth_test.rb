# frozen_string_literal: true

require_relative "test_helper"

# The ambient API: configure, with_auth (fiber-local, nesting field by field, restored after
# an exception), current_auth snapshots carried into other threads and fibers.
class AuthTest < TriggerdevTest
  def setup
    super
    configure_ambient
  end

  def teardown
    assert_nil Thread.current[Triggerdev::AUTH_SCOPE], "no override left in this fiber"
    refute Triggerdev::Native.trigger_auth_pop, "nothing pushed on the library's thread stack"
  end

  def bearer(request)
    request["headers"]["authorization"].delete_prefix("Bearer ")
  end

  def test_the_ambient_api_uses_configure
    handle = Triggerdev.tasks.trigger("ambient", { a: 1 }, tags: ["x"])
    assert_equal "ambient", Triggerdev.runs.retrieve(handle.id).task_identifier
    assert_equal [handle.id], Triggerdev.runs.list(status: ["QUEUED"]).map(&:id)
    assert_equal [handle.id], Triggerdev.runs.list_page.data.map(&:id)
    assert_equal emu.dev_key, bearer(logged.last)
    assert_match %r{\Atriggerdev-rust/#{Regexp.escape(Triggerdev::VERSION)} ruby/#{Regexp.escape(RUBY_VERSION)}\z}, logged.last["headers"]["user-agent"]
    error = assert_raises(Triggerdev::NotFoundError) { Triggerdev.with_options(max_retries: 0).runs.retrieve("run_nope") }
    assert_equal 404, error.status
    assert_equal 1, logged("/api/v3/runs/run_nope").size
    assert_includes Triggerdev.schedules.timezones, "UTC"
    Triggerdev.envvars.create(emu.project_ref, "dev", name: "X", value: "1")
    assert_equal "1", Triggerdev.envvars.retrieve(emu.project_ref, "dev", "X").value
  end

  def test_with_auth_overrides_and_restores
    prod_run = Triggerdev.with_auth(access_token: emu.prod_key) do
      Triggerdev.tasks.trigger("in-prod", {})
    end
    assert_equal emu.prod_key, bearer(logged.last)
    Triggerdev.runs.list_page
    assert_equal emu.dev_key, bearer(logged.last), "restored after the block"
    assert_raises(Triggerdev::NotFoundError) { Triggerdev.with_options(max_retries: 0).runs.retrieve(prod_run.id) }
    assert_equal "in-prod", Triggerdev.with_auth(access_token: emu.prod_key) { Triggerdev.runs.retrieve(prod_run.id) }.task_identifier

    # A Client is not affected by with_auth.
    dev = client
    Triggerdev.with_auth(access_token: emu.prod_key) { dev.runs.list_page }
    assert_equal emu.dev_key, bearer(logged.last)
  end

  def test_with_auth_nests_field_by_field
    Triggerdev.with_auth(access_token: emu.preview_key) do
      Triggerdev.with_auth(preview_branch: emu.preview_branch) do
        Triggerdev.runs.list_page
        request = logged.last
        assert_equal emu.preview_key, bearer(request), "the outer token"
        assert_equal emu.preview_branch, request["headers"]["x-trigger-branch"], "the inner branch"
      end
      error = assert_raises(Triggerdev::AuthenticationError) { Triggerdev.with_options(max_retries: 0).runs.list_page }
      assert_equal "401 x-trigger-branch header required for preview env", error.message
    end
  end

  def test_with_auth_is_restored_after_an_exception
    assert_raises(ZeroDivisionError) do
      Triggerdev.with_auth(access_token: emu.prod_key) do
        Triggerdev.with_auth(access_token: emu.staging_key) { 1 / 0 }
      end
    end
    Triggerdev.runs.list_page
    assert_equal emu.dev_key, bearer(logged.last)
    error = assert_raises(Triggerdev::NotFoundError) do
      Triggerdev.with_auth(access_token: emu.prod_key) { no_retry_ambient.runs.retrieve("run_nope") }
    end
    assert_equal 404, error.status
    Triggerdev.runs.list_page
    assert_equal emu.dev_key, bearer(logged.last)
    assert_equal 42, Triggerdev.with_auth(access_token: emu.prod_key) { 42 }, "returns the block's value"
  end

  def test_with_auth_arguments
    assert_raises(ArgumentError) { Triggerdev.with_auth(access_token: emu.prod_key) }
    error = assert_raises(ArgumentError) { Triggerdev.with_auth(acess_token: "x") { nil } }
    assert_match(/acess_token/, error.message)
    assert_raises(TypeError) { Triggerdev.with_auth("tr_dev_x") { nil } }
    assert_raises(TypeError) { Triggerdev.with_auth(access_token: 5) { nil } }
    snapshot = Triggerdev.current_auth
    assert_raises(ArgumentError) { Triggerdev.with_auth(snapshot, access_token: "x") { nil } }
  end

  def test_threads_never_see_each_others_overrides
    keys = [emu.dev_key, emu.prod_key, emu.staging_key, emu.prod_key]
    errors = Queue.new
    threads = keys.each_with_index.map do |key, i|
      Thread.new do
        Triggerdev.with_auth(access_token: key) do
          15.times do |n|
            Triggerdev.tasks.trigger("thread-#{i}", { n: n })
            Thread.pass
          end
          Triggerdev.runs.list(task_identifier: "thread-#{i}", limit: 4).to_a
        end
      rescue StandardError => e
        errors << e
      end
    end
    threads.each(&:join)
    assert errors.empty?, -> { errors.pop.full_message }
    keys.each_with_index do |key, i|
      requests = logged.select { |r| r["path"] == "/api/v1/tasks/thread-#{i}/trigger" || r.dig("query", "filter[taskIdentifier]") == "thread-#{i}" }
      assert_operator requests.size, :>=, 15 + 4
      assert_equal [key], requests.map { |r| bearer(r) }.uniq, "thread #{i} used only its key"
    end
    stored = emu.runs.group_by { |r| r["taskIdentifier"] }
    assert_equal 15, stored["thread-0"].size
  end

  def test_an_override_in_one_fiber_never_reaches_another_fiber_on_the_thread
    prod_run = Triggerdev::Client.new(access_token: emu.prod_key, base_url: emu.base_url).tasks.trigger("prod-task", {})
    dev_run = Triggerdev.tasks.trigger("dev-task", {})
    seen = {}
    fiber_b = Fiber.new do
      Triggerdev.with_auth(access_token: emu.prod_key) do
        Fiber.yield # suspended inside its override while fiber A runs
        seen[:b] = Triggerdev.runs.list.map(&:id)
      end
    end
    fiber_a = Fiber.new { seen[:a] = Triggerdev.runs.list.map(&:id) }
    fiber_b.resume
    fiber_a.resume
    fiber_b.resume
    assert_equal [dev_run.id], seen[:a], "fiber A (no override) saw only dev"
    assert_equal [prod_run.id], seen[:b]
  end

  def test_fibers_interleaved_by_hand_with_their_own_overrides_never_cross
    keys = [emu.dev_key, emu.prod_key, emu.staging_key]
    fibers = 12.times.map do |i|
      Fiber.new do
        Triggerdev.with_auth(access_token: keys[i % 3]) do
          3.times do |n|
            Fiber.yield
            Triggerdev.tasks.trigger("fiber-#{i}", { n: n })
          end
        end
        :done
      end
    end
    # Round-robin: every fiber is suspended inside its own override while the others call.
    pending = fibers.dup
    until pending.empty?
      pending.each(&:resume)
      pending.select!(&:alive?)
    end
    fibers.each_index do |i|
      requests = logged.select { |r| r["path"] == "/api/v1/tasks/fiber-#{i}/trigger" }
      assert_equal 3, requests.size
      assert_equal [keys[i % 3]], requests.map { |r| bearer(r) }.uniq, "fiber #{i} used only its key"
    end
    assert_equal emu.dev_key, (Triggerdev.tasks.trigger("main", {}) && bearer(logged.last)), "this fiber never saw any"
  end

  def test_a_new_fiber_starts_without_overrides_and_a_snapshot_carries_them
    Triggerdev.with_auth(access_token: emu.prod_key) do
      Fiber.new { Triggerdev.runs.list_page }.resume
      assert_equal emu.dev_key, bearer(logged.last), "a new fiber has no override"
      snapshot = Triggerdev.current_auth
      Fiber.new { snapshot.apply { Triggerdev.runs.list_page } }.resume
      assert_equal emu.prod_key, bearer(logged.last)
    end
  end

  def test_a_new_thread_starts_without_overrides_and_a_snapshot_carries_them
    Triggerdev.with_auth(access_token: emu.prod_key) do
      Thread.new { Triggerdev.runs.list_page }.join
      assert_equal emu.dev_key, bearer(logged.last), "a new thread has no override"

      snapshot = Triggerdev.current_auth
      assert_kind_of Triggerdev::AuthSnapshot, snapshot
      Thread.new { Triggerdev.with_auth(snapshot) { Triggerdev.runs.list_page } }.join
      assert_equal emu.prod_key, bearer(logged.last), "the snapshot carried the override"
      Thread.new { snapshot.apply { Triggerdev.tasks.trigger("snap", {}) } }.join
      assert_equal emu.prod_key, bearer(logged.last)
      refute_includes snapshot.inspect, emu.prod_key
    end
  end

  def test_an_ambient_list_is_pinned_when_it_is_made
    prod_run = Triggerdev.with_auth(access_token: emu.prod_key) { Triggerdev.tasks.trigger("pinned", {}) }
    pager = Triggerdev.with_auth(access_token: emu.prod_key) { Triggerdev.runs.list }
    assert_equal [prod_run.id], pager.map(&:id), "iterated outside the block, with the prod key"
  end

  private

  def no_retry_ambient
    Triggerdev.with_options(max_retries: 0)
  end
end

