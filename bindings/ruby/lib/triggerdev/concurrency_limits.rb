# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # One bound of a concurrency limit (+per_key+ or +total+): +current+ (in force), +base+
  # (declared in code), +override+, +overridden_at+ (a Time); nil is unbounded / not overridden.
  class ConcurrencyBound < TriggerObject
    fields :current, :base, :override, :overridden_at
  end

  # A named concurrency limit: +id+ ("climit_..."), +name+, +per_key+ and +total+
  # (ConcurrencyBound), +running+, +queued+, +paused?+.
  class ConcurrencyLimit < TriggerObject
    fields :id, :name, :per_key, :total, :running, :queued, :paused
    nested "perKey" => ConcurrencyBound, "total" => ConcurrencyBound

    def paused?
      paused ? true : false
    end
  end

  # A page of +concurrency_limits.list_page+: +data+ (ConcurrencyLimits), +current_page+,
  # +total_pages+, +count+.
  class ConcurrencyLimitsPage < NumberedPage
    nested "data" => ConcurrencyLimit
  end

  # The per-key bound of one concurrency key: +current+, +base+ (the limit's own), +override+
  # (the key's), +expires_at+ (a Time).
  class ConcurrencyKeyBound < TriggerObject
    fields :current, :base, :override, :expires_at
  end

  # A concurrency limit as it applies to one concurrency key: +name+, +concurrency_key+ (text,
  # numeric keys too), +per_key+ (ConcurrencyKeyBound), +running+, +paused?+.
  class ConcurrencyKeyLimit < TriggerObject
    fields :name, :concurrency_key, :per_key, :running, :paused
    nested "perKey" => ConcurrencyKeyBound

    def paused?
      paused ? true : false
    end
  end

  # client.concurrency_limits: the named concurrency limits of the key's environment (the
  # official +concurrencyLimits+). A limit bounds the runs that name it, per concurrency key
  # (+per_key+) and in total (+total+). The +_key+ methods are about one concurrency key (the
  # official calls with a +concurrencyKey+ option): a String or an Integer, which stays a number
  # on the wire.
  #
  #   client.concurrency_limits.override("openai", total: 20)
  #   client.concurrency_limits.override_key("openai", 42, per_key: 0, ttl: "1d")
  class ConcurrencyLimits < Resource
    LIST_PARAMS = { page: :integer, per_page: :integer }.freeze
    OVERRIDE = { per_key: :integer, total: :integer }.freeze
    OVERRIDE_KEY = { per_key: :integer, ttl: :ttl }.freeze

    # Every limit, as a lazy Enumerable of ConcurrencyLimits (one page at a time; +per_page:+,
    # and +page:+ to start later). #first_page gives the first page.
    def list(**params)
      pager("concurrency_limits", options_json(LIST_PARAMS, params, "concurrency_limits.list"),
            ConcurrencyLimit) do |limits|
        limits.list_page(**params)
      end
    end

    # One page of limits (a ConcurrencyLimitsPage).
    def list_page(**params)
      json = call(:trigger_concurrency_limits_list,
                  options_json(LIST_PARAMS, params, "concurrency_limits.list_page"))
      ConcurrencyLimitsPage.new(JSON.parse(json), lambda { |page|
        list_page(**params, page: page.current_page + 1)
      })
    end

    # The ConcurrencyLimit +name+.
    def retrieve(name)
      object(ConcurrencyLimit, call(:trigger_concurrency_limits_retrieve, id!(name, "name")))
    end

    # The limit as it applies to +concurrency_key+ (a ConcurrencyKeyLimit).
    def retrieve_key(name, concurrency_key)
      object(ConcurrencyKeyLimit,
             call(:trigger_concurrency_limits_retrieve_key, id!(name, "name"), key_json(concurrency_key)))
    end

    # Overrides the limit's bounds (+per_key:+ and/or +total:+, each 0-100000; 0 holds every
    # run back) until it is reset; returns the ConcurrencyLimit.
    def override(name, **options)
      json = body_json(OVERRIDE, options, "concurrency_limits.override")
      object(ConcurrencyLimit, call(:trigger_concurrency_limits_override, id!(name, "name"), json))
    end

    # Overrides one concurrency key's +per_key:+ bound until it lapses (+ttl:+, a duration such
    # as "1d" or an Integer of seconds; the server's default is 7 days, its maximum 30) or is
    # reset; returns the ConcurrencyKeyLimit.
    def override_key(name, concurrency_key, per_key:, **options)
      n = id!(name, "name")
      built = Params.build(OVERRIDE_KEY, options.merge(per_key: per_key), "concurrency_limits.override_key")
      json = JSON.generate({ "concurrencyKey" => key!(concurrency_key) }.merge(built))
      object(ConcurrencyKeyLimit, call(:trigger_concurrency_limits_override_key, n, json))
    end

    # Goes back to the bounds declared in code; returns the ConcurrencyLimit.
    def reset(name)
      object(ConcurrencyLimit, call(:trigger_concurrency_limits_reset, id!(name, "name")))
    end

    # Removes one concurrency key's override; returns the ConcurrencyKeyLimit.
    def reset_key(name, concurrency_key)
      object(ConcurrencyKeyLimit,
             call(:trigger_concurrency_limits_reset_key, id!(name, "name"), key_json(concurrency_key)))
    end

    # Pauses the limit: runs that need it stay queued until it is resumed. Returns the
    # ConcurrencyLimit.
    def pause(name)
      object(ConcurrencyLimit, call(:trigger_concurrency_limits_pause, id!(name, "name")))
    end

    # Resumes a paused limit; returns the ConcurrencyLimit.
    def resume(name)
      object(ConcurrencyLimit, call(:trigger_concurrency_limits_resume, id!(name, "name")))
    end

    private

    def key!(key)
      return key if key.is_a?(Integer)

      Util.string!(key, "concurrency_key")
    end

    def key_json(key)
      JSON.generate(key!(key))
    end
  end
end
