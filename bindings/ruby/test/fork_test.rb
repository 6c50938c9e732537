# frozen_string_literal: true

require_relative "test_helper"

# After Process.fork, the parent and its children calling at once on a client and an ambient
# API they all inherited each get the responses to their own requests (Unicorn, Puma with
# preload_app!, Resque).
class ForkTest < TriggerdevTest
  CHILDREN = 4
  CALLS = 200

  # Process +n+: a trigger of its own (a request id shared with another process would return
  # that process's run), then retrieves on the inherited client and the ambient API.
  # Returns [crossed, errors].
  def calls(client, ids, n)
    crossed = 0
    errors = []
    mine = { "from" => "process-#{n}" }
    begin
      run = client.runs.retrieve(client.tasks.trigger("fork-test", mine).id)
      crossed += 1 unless run.payload == mine
    rescue Triggerdev::Error => e
      errors << e.message
    end
    CALLS.times do |i|
      want = ids[((i * 7) + n) % ids.size]
      [client.runs, Triggerdev.runs].each do |runs|
        crossed += 1 unless runs.retrieve(want).id == want
      rescue Triggerdev::Error => e
        errors << e.message
      end
    end
    [crossed, errors]
  end

  def test_forked_children_and_their_parent_each_get_their_own_responses
    skip "needs fork" unless Process.respond_to?(:fork)
    configure_ambient(max_retries: 0)
    client = no_retry
    ids = 16.times.map { |i| client.tasks.trigger("fork-test", { n: i }).id }
    # Both pools hold a connection when the processes part.
    client.runs.retrieve(ids[0])
    Triggerdev.runs.retrieve(ids[0])
    children = (1..CHILDREN).map do |n|
      Process.fork do
        crossed, errors = calls(client, ids, n)
        warn "child #{n}: #{crossed} crossed, errors #{errors.first(3)}" unless crossed.zero? && errors.empty?
        exit!(crossed.zero? && errors.empty? ? 0 : 1)
      end
    end
    assert_equal [0, []], calls(client, ids, 0)
    statuses = children.map { |pid| Process.wait2(pid).last.exitstatus }
    assert_equal [0] * CHILDREN, statuses
  end
end
