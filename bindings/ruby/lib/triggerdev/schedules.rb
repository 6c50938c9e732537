# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # client.schedules: cron schedules of tasks (imperative schedules).
  class Schedules < Resource
    LIST_PARAMS = { page: :integer, per_page: :integer }.freeze
    CREATE = { task: :string, cron: :string, deduplication_key: :string, external_id: :string,
               timezone: :string, window: :string }.freeze
    UPDATE = { task: :string, cron: :string, external_id: :string, timezone: :string,
               window: :string }.freeze

    # Creates a schedule, or updates the one with the same +deduplication_key:+.
    #
    #   client.schedules.create(task: "daily-report", cron: "0 9 * * *",
    #                           deduplication_key: "daily-report-9am", timezone: "Europe/Paris")
    def create(task:, cron:, deduplication_key:, **options)
      body = body_json(CREATE, { task: task, cron: cron, deduplication_key: deduplication_key, **options },
                       "schedules.create")
      object(Schedule, call(:trigger_schedules_create, body))
    end

    # Every schedule, as a lazy Enumerable of Schedules (one page at a time; +per_page:+, and
    # +page:+ to start later). #first_page gives the first page (a SchedulesPage).
    def list(**params)
      pager("schedules", options_json(LIST_PARAMS, params, "schedules.list"), Schedule) do |schedules|
        schedules.list_page(**params)
      end
    end

    # One page of schedules (a SchedulesPage: +data+, +current_page+, +total_pages+, +next_page+).
    def list_page(**params)
      json = call(:trigger_schedules_list, options_json(LIST_PARAMS, params, "schedules.list_page"))
      SchedulesPage.new(JSON.parse(json), lambda { |page|
        list_page(**params, page: page.current_page + 1)
      })
    end

    # The Schedule +schedule_id+.
    def retrieve(schedule_id)
      object(Schedule, call(:trigger_schedules_retrieve, id!(schedule_id, "schedule_id")))
    end

    # Replaces a schedule's task, cron, external id, timezone and window.
    def update(schedule_id, task:, cron:, **options)
      id = id!(schedule_id, "schedule_id")
      body = body_json(UPDATE, { task: task, cron: cron, **options }, "schedules.update")
      object(Schedule, call(:trigger_schedules_update, id, body))
    end

    # Turns a schedule on; returns it.
    def activate(schedule_id)
      object(Schedule, call(:trigger_schedules_activate, id!(schedule_id, "schedule_id")))
    end

    # Turns a schedule off; returns it.
    def deactivate(schedule_id)
      object(Schedule, call(:trigger_schedules_deactivate, id!(schedule_id, "schedule_id")))
    end

    # Deletes a schedule.
    def delete(schedule_id)
      object(TriggerObject, call(:trigger_schedules_del, id!(schedule_id, "schedule_id")))
    end
    alias del delete

    # The IANA timezones schedules accept (an Array of Strings); +exclude_utc: true+ leaves out
    # "UTC".
    def timezones(exclude_utc: false)
      JSON.parse(call(:trigger_schedules_timezones, Util.bool!(exclude_utc, "exclude_utc:")))
    end
  end
end
