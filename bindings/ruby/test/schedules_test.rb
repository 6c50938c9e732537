# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e.rs: schedules_lifecycle_and_timezones.
class SchedulesTest < TriggerdevTest
  def test_schedules_lifecycle_and_timezones
    c = client
    created = c.schedules.create(task: "report", cron: "0 9 * * *", deduplication_key: "report-9",
                                 external_id: "u1")
    assert_kind_of Triggerdev::Schedule, created
    assert_match(/\Asched_/, created.id)
    assert_equal "u1", created.external_id
    assert_kind_of Time, created.next_run
    upserted = c.schedules.create(task: "report", cron: "0 10 * * *", deduplication_key: "report-9")
    assert_equal created.id, upserted.id, "the deduplication key upserts"
    assert_equal "0 10 * * *", upserted.generator.expression
    updated = c.schedules.update(created.id, task: "report", cron: "30 8 * * 1", timezone: "Asia/Tokyo")
    assert_equal "Asia/Tokyo", updated.timezone
    refute c.schedules.deactivate(created.id).active?
    assert c.schedules.activate(created.id).active?
    assert_equal created.id, c.schedules.retrieve(created.id).id
    4.times { |i| c.schedules.create(task: "other", cron: "* * * * *", deduplication_key: "k#{i}") }
    page = c.schedules.list_page(page: 1, per_page: 2)
    assert_equal [2, 3], [page.data.size, page.total_pages]
    assert_equal 5, c.schedules.list(per_page: 2).to_a.size
    c.schedules.delete(created.id)
    assert_raises(Triggerdev::NotFoundError) { no_retry.schedules.retrieve(created.id) }
    zones = c.schedules.timezones(exclude_utc: true)
    assert_includes zones, "Europe/Paris"
    refute_includes zones, "UTC"
    assert_includes c.schedules.timezones, "UTC"
  end

  def test_a_fired_schedule_makes_a_run
    c = client
    schedule = c.schedules.create(task: "tick", cron: "* * * * *", deduplication_key: "tick")
    fired = emu.fire_schedule(schedule.id)
    run = c.runs.retrieve(fired["id"])
    assert_equal "tick", run.task_identifier
    assert_equal [fired["id"]], c.runs.list(schedule: schedule.id).map(&:id)
  end
end
