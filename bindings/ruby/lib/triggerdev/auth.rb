# frozen_string_literal: true

require_relative "native"
require_relative "client"

module Triggerdev
  # A snapshot of the ambient configuration in force in one fiber (Triggerdev.current_auth), to
  # carry its overrides into another thread or fiber: a new one starts with none.
  #
  #   auth = Triggerdev.current_auth
  #   Thread.new { Triggerdev.with_auth(auth) { Triggerdev.runs.list.first } }.join
  #
  # Immutable and shareable between threads; the token inside cannot be read back. Freed by the
  # garbage collector (or #free).
  class AuthSnapshot
    # +handle+: an FFI::AutoPointer releasing a trigger_client (the configuration as a client).
    def initialize(handle)
      @handle = handle
    end

    # Runs the block with this snapshot in force in the calling fiber (see Triggerdev.with_auth).
    def apply(&block)
      Triggerdev.with_auth(self, &block)
    end

    def free
      @handle.free
      @handle = nil
    end

    def inspect
      "#<#{self.class.name}#{' freed' unless @handle}>"
    end

    # The native snapshot (internal).
    def handle
      @handle or raise IOError, "the Triggerdev::AuthSnapshot was freed"
    end
  end

  class << self
    # Runs the block with an override of the ambient configuration in the calling fiber, and
    # returns its value. Options are those of Client.new (access_token:, base_url:,
    # preview_branch:, timeout:, ...), merged field by field over the enclosing with_auth (or
    # over Triggerdev.configure); or an AuthSnapshot from current_auth. The previous
    # configuration comes back when the block ends, by an exception too. Other fibers and
    # threads never see the override, as the official SDK's auth.withAuth keeps it to one async
    # context; Clients made with Client.new are not affected.
    #
    #   Triggerdev.with_auth(access_token: "tr_prod_...") do
    #     Triggerdev.with_auth(preview_branch: "feature-x") { Triggerdev.runs.list.first }
    #   end
    def with_auth(snapshot = nil, **options)
      raise ArgumentError, "Triggerdev.with_auth needs a block" unless block_given?
      if snapshot && !options.empty?
        raise ArgumentError, "Triggerdev.with_auth takes an AuthSnapshot or options, not both"
      end
      if snapshot && !snapshot.is_a?(AuthSnapshot)
        raise TypeError, "Triggerdev.with_auth takes an AuthSnapshot (from Triggerdev.current_auth), " \
                         "not #{Util.describe(snapshot)}; pass options as keywords"
      end

      json = snapshot ? nil : Config.json(options, "with_auth", user_agent: false)
      ensure_configured
      parent = Thread.current[AUTH_SCOPE]
      scope = Native.call_handle(:trigger_auth_override, :trigger_client_free,
                                 snapshot ? snapshot.handle : parent, json)
      begin
        Thread.current[AUTH_SCOPE] = scope
        yield
      ensure
        Thread.current[AUTH_SCOPE] = parent
      end
    end

    # A snapshot of the configuration in force in this fiber (its with_auth overrides over
    # Triggerdev.configure), to apply in another thread or fiber with with_auth(snapshot).
    def current_auth
      ensure_configured
      AuthSnapshot.new(Native.call_handle(:trigger_auth_override, :trigger_client_free,
                                          Thread.current[AUTH_SCOPE], nil))
    end
  end
end
