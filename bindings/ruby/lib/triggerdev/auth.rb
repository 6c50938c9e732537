# frozen_string_literal: true

require_relative "native"
require_relative "client"

module Triggerdev
  # A snapshot of the ambient configuration in force on one thread (Triggerdev.current_auth), to
  # carry its overrides into another thread: a new thread starts with none.
  #
  #   auth = Triggerdev.current_auth
  #   Thread.new { Triggerdev.with_auth(auth) { Triggerdev.runs.list.first } }.join
  #
  # Immutable and shareable between threads; the token inside cannot be read back. Freed by the
  # garbage collector (or #free).
  class AuthSnapshot
    # +handle+: an FFI::AutoPointer releasing a trigger_config.
    def initialize(handle)
      @handle = handle
    end

    # Runs the block with this snapshot pushed on the calling thread (see Triggerdev.with_auth).
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
    # Runs the block with an override of the ambient configuration on the calling thread, and
    # returns its value. Options are those of Client.new (access_token:, base_url:,
    # preview_branch:, timeout:, ...), merged field by field over the enclosing with_auth (or
    # over Triggerdev.configure); or an AuthSnapshot from current_auth. The previous
    # configuration comes back when the block ends, by an exception too. Other threads never see
    # the override; Clients made with Client.new are not affected.
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
      pushed = false
      begin
        Thread.handle_interrupt(Object => :never) do
          if snapshot
            Native.call_void(:trigger_auth_push_config, snapshot.handle)
          else
            Native.call_void(:trigger_auth_push, json)
          end
          pushed = true
        end
        yield
      ensure
        Native.trigger_auth_pop if pushed
      end
    end

    # A snapshot of the configuration in force on this thread (its with_auth overrides over
    # Triggerdev.configure), to push in another thread with with_auth(snapshot).
    def current_auth
      ensure_configured
      AuthSnapshot.new(Native.call_handle(:trigger_auth_current, :trigger_config_free))
    end
  end
end
