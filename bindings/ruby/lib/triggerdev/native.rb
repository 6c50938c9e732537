# frozen_string_literal: true

require "ffi"
require_relative "version"

module Triggerdev
  # The C ABI of libtriggerdev (include/triggerdev.h), attached with the ffi gem.
  #
  # Where the library comes from, first hit wins:
  #
  # 1. +TRIGGERDEV_LIB+, a path to the library (when set, nothing else is tried);
  # 2. the gem's own copy, +lib/triggerdev/native/libtriggerdev.so+, when the gem was built with
  #    one;
  # 3. the repository checkout the gem sits in: +$CARGO_TARGET_DIR+ (when set), then
  #    +target/release+, then +target/debug+.
  #
  # At load, +trigger_abi_version()+ must equal Triggerdev::ABI_VERSION; a missing library, one
  # that is not a triggerdev library or one of another ABI raises a LoadError that says what was
  # looked for (or found) and how to fix it.
  #
  # Everything here is internal: use Triggerdev::Client and the ambient API.
  module Native
    extend FFI::Library

    LIB_FILE = FFI.map_library_name("triggerdev")
    # The copy a packaged gem carries.
    GEM_COPY = File.expand_path(File.join("native", LIB_FILE), __dir__)
    # bindings/ruby/lib/triggerdev -> the repository root.
    REPO_ROOT = File.expand_path("../../../..", __dir__)

    # Every export of include/triggerdev.h: name => [parameter types, return type, blocking].
    # "Blocking" exports may make HTTP requests: they run without the GVL, so other Ruby threads
    # keep running. C types: const char * = :string; T ** (out-parameters) and handles =
    # :pointer; int64_t * (an out-parameter) = :pointer to an int64 buffer;
    # enum trigger_result = :int; uint16_t, uint32_t, int64_t, uint64_t and bool as themselves
    # (:uint16, :uint32, :int64, :uint64, :bool); const uint8_t * = :pointer (a String passes
    # its bytes) and size_t = :size_t. test/native_test.rb checks this table against the header,
    # so a new export that is missing here fails the suite.
    FUNCTIONS = {
      trigger_version: [[], :string, false],
      trigger_abi_version: [[], :string, false],
      trigger_string_free: [%i[pointer], :void, false],
      trigger_error_kind: [%i[pointer], :int, false],
      trigger_error_status: [%i[pointer], :uint16, false],
      trigger_error_message: [%i[pointer], :string, false],
      trigger_error_body: [%i[pointer], :string, false],
      trigger_error_code: [%i[pointer], :string, false],
      trigger_error_retry_after_ms: [%i[pointer], :int64, false],
      trigger_error_argument: [%i[pointer], :string, false],
      trigger_error_reason: [%i[pointer], :string, false],
      trigger_error_free: [%i[pointer], :void, false],

      trigger_client_new: [%i[string pointer pointer], :int, false],
      trigger_client_with_options: [%i[pointer string pointer pointer], :int, false],
      trigger_client_free: [%i[pointer], :void, false],
      trigger_configure: [%i[string pointer], :int, false],
      trigger_auth_push: [%i[string pointer], :int, false],
      trigger_auth_pop: [[], :bool, false],
      trigger_auth_current: [%i[pointer pointer], :int, false],
      trigger_auth_push_config: [%i[pointer pointer], :int, false],
      trigger_auth_override: [%i[pointer string pointer pointer], :int, false],
      trigger_cancel_new: [%i[pointer pointer], :int, false],
      trigger_cancel_fire: [%i[pointer], :void, false],
      trigger_cancel_is_fired: [%i[pointer], :bool, false],
      trigger_cancel_free: [%i[pointer], :void, false],
      trigger_client_with_cancel: [%i[pointer pointer pointer pointer], :int, false],
      trigger_set_interrupt_check: [%i[pointer pointer], :void, false],
      trigger_set_log_callback: [%i[pointer pointer int pointer], :int, false],
      trigger_config_free: [%i[pointer], :void, false],

      trigger_tasks_trigger: [%i[pointer string string string pointer pointer], :int, true],
      trigger_tasks_batch_trigger: [%i[pointer string string pointer pointer], :int, true],
      trigger_batches_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_batches_results: [%i[pointer string pointer pointer], :int, true],
      trigger_idempotency_keys_create: [%i[string string pointer pointer], :int, false],
      trigger_idempotency_keys_reset: [%i[pointer string string pointer pointer], :int, true],

      trigger_runs_list: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_runs_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_runs_iter_free: [%i[pointer], :void, false],
      trigger_runs_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_poll: [%i[pointer string string pointer pointer], :int, true],
      trigger_runs_wait: [%i[pointer string uint64 pointer pointer], :int, true],
      # Realtime subscriptions: no request until the first _next.
      trigger_runs_subscribe: [%i[pointer string string pointer pointer], :int, false],
      trigger_runs_subscribe_tagged: [%i[pointer string string pointer pointer], :int, false],
      trigger_batches_subscribe: [%i[pointer string string pointer pointer], :int, false],
      trigger_tasks_trigger_and_subscribe: [%i[pointer string string string pointer pointer], :int, true],
      trigger_run_subscription_next: [%i[pointer pointer pointer], :int, true],
      trigger_run_subscription_stop: [%i[pointer], :void, false],
      trigger_run_subscription_free: [%i[pointer], :void, false],
      # Run streams: no request until the first _next.
      trigger_runs_stream: [%i[pointer string string string pointer pointer], :int, false],
      trigger_run_stream_next: [%i[pointer pointer pointer], :int, true],
      trigger_run_stream_stop: [%i[pointer], :void, false],
      trigger_run_stream_free: [%i[pointer], :void, false],
      trigger_streams_send_input: [%i[pointer string string string pointer pointer], :int, true],
      trigger_runs_cancel: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_replay: [%i[pointer string string pointer pointer], :int, true],
      trigger_runs_reschedule: [%i[pointer string string pointer pointer], :int, true],
      trigger_runs_update_metadata: [%i[pointer string string pointer pointer], :int, true],
      trigger_runs_metadata: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_add_tags: [%i[pointer string string pointer pointer], :int, true],
      trigger_runs_outcome: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_result: [%i[pointer string pointer pointer], :int, true],
      # Decodes a result's JSON; no request.
      trigger_runs_result_output: [%i[string pointer pointer], :int, false],
      trigger_runs_events: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_trace: [%i[pointer string pointer pointer], :int, true],
      trigger_runs_retrieve_span: [%i[pointer string string pointer pointer], :int, true],

      trigger_envvars_list: [%i[pointer string string pointer pointer], :int, true],
      trigger_envvars_retrieve: [%i[pointer string string string pointer pointer], :int, true],
      trigger_envvars_create: [%i[pointer string string string pointer pointer], :int, true],
      trigger_envvars_update: [%i[pointer string string string string pointer pointer], :int, true],
      trigger_envvars_del: [%i[pointer string string string pointer pointer], :int, true],
      trigger_envvars_upload: [%i[pointer string string string pointer pointer], :int, true],
      trigger_envvars_upload_dotenv: [%i[pointer string string string string pointer pointer], :int, true],
      trigger_envvars_parse_dotenv: [%i[string pointer pointer], :int, false],

      trigger_schedules_list: [%i[pointer string pointer pointer], :int, true],
      trigger_schedules_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_schedules_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_schedules_iter_free: [%i[pointer], :void, false],
      trigger_schedules_create: [%i[pointer string pointer pointer], :int, true],
      trigger_schedules_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_schedules_update: [%i[pointer string string pointer pointer], :int, true],
      trigger_schedules_activate: [%i[pointer string pointer pointer], :int, true],
      trigger_schedules_deactivate: [%i[pointer string pointer pointer], :int, true],
      trigger_schedules_del: [%i[pointer string pointer pointer], :int, true],
      trigger_schedules_timezones: [%i[pointer bool pointer pointer], :int, true],

      trigger_queues_list: [%i[pointer string pointer pointer], :int, true],
      trigger_queues_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_queues_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_queues_iter_free: [%i[pointer], :void, false],
      trigger_queues_retrieve: [%i[pointer string string pointer pointer], :int, true],
      trigger_queues_pause: [%i[pointer string string pointer pointer], :int, true],
      trigger_queues_resume: [%i[pointer string string pointer pointer], :int, true],
      trigger_queues_override_concurrency_limit: [%i[pointer string string uint32 pointer pointer], :int, true],
      trigger_queues_reset_concurrency_limit: [%i[pointer string string pointer pointer], :int, true],

      trigger_branches_create: [%i[pointer string string pointer pointer], :int, true],
      trigger_branches_list: [%i[pointer string pointer pointer], :int, true],
      trigger_branches_archive: [%i[pointer string string string pointer pointer], :int, true],
      trigger_projects_environment: [%i[pointer string string pointer pointer], :int, true],
      trigger_projects_whoami: [%i[pointer string pointer pointer], :int, true],
      trigger_concurrency_limits_list: [%i[pointer string pointer pointer], :int, true],
      trigger_concurrency_limits_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_concurrency_limits_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_concurrency_limits_iter_free: [%i[pointer], :void, false],
      trigger_concurrency_limits_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_concurrency_limits_retrieve_key: [%i[pointer string string pointer pointer], :int, true],
      trigger_concurrency_limits_override: [%i[pointer string string pointer pointer], :int, true],
      trigger_concurrency_limits_override_key: [%i[pointer string string pointer pointer], :int, true],
      trigger_concurrency_limits_reset: [%i[pointer string pointer pointer], :int, true],
      trigger_concurrency_limits_reset_key: [%i[pointer string string pointer pointer], :int, true],
      trigger_concurrency_limits_pause: [%i[pointer string pointer pointer], :int, true],
      trigger_concurrency_limits_resume: [%i[pointer string pointer pointer], :int, true],
      trigger_query_execute: [%i[pointer string string pointer pointer], :int, true],
      trigger_query_schema: [%i[pointer pointer pointer], :int, true],
      trigger_query_dashboards_list: [%i[pointer pointer pointer], :int, true],
      trigger_query_dashboards_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_query_dashboards_create: [%i[pointer string pointer pointer], :int, true],
      trigger_query_dashboards_update: [%i[pointer string string pointer pointer], :int, true],
      trigger_query_dashboards_del: [%i[pointer string pointer pointer], :int, true],

      trigger_deployments_list: [%i[pointer string pointer pointer], :int, true],
      trigger_deployments_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_deployments_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_deployments_iter_free: [%i[pointer], :void, false],
      trigger_deployments_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_deployments_retrieve_current: [%i[pointer pointer pointer], :int, true],
      trigger_deployments_retrieve_latest: [%i[pointer pointer pointer], :int, true],
      trigger_deployments_promote: [%i[pointer string pointer pointer], :int, true],

      trigger_waitpoints_create_token: [%i[pointer string pointer pointer], :int, true],
      trigger_waitpoints_list_tokens: [%i[pointer string pointer pointer], :int, true],
      trigger_waitpoints_list_tokens_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_waitpoints_tokens_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_waitpoints_tokens_iter_free: [%i[pointer], :void, false],
      trigger_waitpoints_retrieve_token: [%i[pointer string pointer pointer], :int, true],
      # Decodes a token's JSON; no request.
      trigger_waitpoints_token_output: [%i[string pointer pointer], :int, false],
      trigger_waitpoints_complete_token: [%i[pointer string string pointer pointer], :int, true],

      trigger_bulk_actions_create: [%i[pointer string pointer pointer], :int, true],
      trigger_bulk_actions_list: [%i[pointer string pointer pointer], :int, true],
      trigger_bulk_actions_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_bulk_actions_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_bulk_actions_iter_free: [%i[pointer], :void, false],
      trigger_bulk_actions_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_bulk_actions_abort: [%i[pointer string pointer pointer], :int, true],

      # Minting may request the environment's claims (or the token itself) from the server.
      trigger_auth_create_public_token: [%i[pointer string pointer pointer], :int, true],
      trigger_auth_create_trigger_public_token: [%i[pointer string string pointer pointer], :int, true],
      trigger_auth_create_batch_trigger_public_token: [%i[pointer string string pointer pointer], :int, true],

      trigger_sessions_start: [%i[pointer string pointer pointer], :int, true],
      trigger_sessions_list: [%i[pointer string pointer pointer], :int, true],
      trigger_sessions_list_iter: [%i[pointer string pointer pointer], :int, false],
      trigger_sessions_iter_next: [%i[pointer pointer pointer], :int, true],
      trigger_sessions_iter_free: [%i[pointer], :void, false],
      trigger_sessions_retrieve: [%i[pointer string pointer pointer], :int, true],
      trigger_sessions_update: [%i[pointer string string pointer pointer], :int, true],
      trigger_sessions_close: [%i[pointer string string pointer pointer], :int, true],
      trigger_sessions_append: [%i[pointer string string string string pointer pointer], :int, true],
      trigger_sessions_records: [%i[pointer string string string int64 pointer pointer], :int, true],
      # No request until the first _next.
      trigger_sessions_subscribe: [%i[pointer string string string string pointer pointer], :int, false],
      # Blocks for the next record (a long-lived SSE connection); _stop may be called from
      # another thread meanwhile.
      trigger_session_stream_next: [%i[pointer pointer pointer pointer], :int, true],
      trigger_session_stream_stop: [%i[pointer], :void, false],
      # Writes an int64_t (Subscription#last_seq); waits while another thread is in _next (so
      # without the GVL).
      trigger_session_stream_last_seq: [%i[pointer pointer pointer], :int, true],
      trigger_session_stream_free: [%i[pointer], :void, false],

      # Alert webhooks: no client, no request. The payload's bytes go as a pointer with their
      # length.
      trigger_webhooks_construct_event: [%i[pointer size_t string string pointer pointer], :int, false],
    }.freeze

    class << self
      # The path of the library that was loaded.
      attr_reader :path

      # [[path, where it came from], ...] in the order they are tried.
      def candidates(env = ENV)
        explicit = env["TRIGGERDEV_LIB"]
        return [[File.expand_path(explicit), "TRIGGERDEV_LIB"]] if explicit && !explicit.empty?

        list = [[GEM_COPY, "the gem's own copy"]]
        target_dirs(env).each do |dir|
          %w[release debug].each { |profile| list << [File.join(dir, profile, LIB_FILE), "cargo build"] }
        end
        list.uniq { |path, _| path }
      end

      # The ABI version of a library version: "0.MINOR" before 1.0, "MAJOR" from 1.0 (the rule
      # trigger_abi_version() follows).
      def abi_of(version)
        major, minor = version.split(".")
        major == "0" && minor ? "0.#{minor}" : major.to_s
      end

      # Raises LoadError unless +abi+ (what trigger_abi_version() said; nil for a library that
      # predates it) is Triggerdev::ABI_VERSION. +version+ is what trigger_version() said.
      def check_abi!(abi, version, path)
        return if abi == ABI_VERSION

        found = if abi
                  "#{abi.inspect} (libtriggerdev #{version})"
                else
                  "#{abi_of(version).inspect} (libtriggerdev #{version}, a build from before trigger_abi_version existed)"
                end
        rebuild = File.file?(File.join(REPO_ROOT, "Cargo.toml")) ? "rebuild it in this checkout (`cargo cdylib` in #{REPO_ROOT}), " : ""
        raise LoadError,
              "triggerdev: #{path} has ABI #{found}, but this gem (triggerdev #{VERSION}) needs ABI " \
              "#{ABI_VERSION.inspect} (any libtriggerdev #{ABI_VERSION}.x). Install the matching gem, " \
              "#{rebuild}or set TRIGGERDEV_LIB to a libtriggerdev #{ABI_VERSION}.x."
      end

      # Finds, opens and checks the library, then attaches every function. Called once, at
      # require time.
      def load!(env = ENV)
        list = candidates(env)
        path, = list.find { |candidate, _| File.file?(candidate) }
        raise LoadError, not_found_message(list, env) unless path

        begin
          ffi_lib(path)
        rescue LoadError => e
          raise LoadError, "triggerdev: cannot open #{path} (#{e.message.lines.first&.strip}). " \
                           "#{FIX_HINT}"
        end
        attach(:trigger_version, path)
        abi = begin
          attach(:trigger_abi_version, path)
          trigger_abi_version.to_s
        rescue LoadError
          nil
        end
        check_abi!(abi, trigger_version.to_s, path)
        FUNCTIONS.each_key { |name| attach(name, path) unless %i[trigger_version trigger_abi_version].include?(name) }
        @path = path
      end

      private

      FIX_HINT = "Install the platform gem (triggerdev-#{VERSION}-x86_64-linux), build the library with " \
                 "`cargo cdylib` (or `cargo cdylib --release`) in the triggerdev repository, or set " \
                 "TRIGGERDEV_LIB to the path of #{LIB_FILE}."
      private_constant :FIX_HINT

      def target_dirs(env)
        dirs = []
        custom = env["CARGO_TARGET_DIR"]
        dirs << File.expand_path(custom, REPO_ROOT) if custom && !custom.empty?
        dirs << File.join(REPO_ROOT, "target")
        dirs
      end

      def attach(name, path)
        params, ret, blocking = FUNCTIONS.fetch(name)
        attach_function(name, params, ret, blocking: blocking)
      rescue FFI::NotFoundError
        raise LoadError, "triggerdev: #{path} does not export #{name}, so it is not a " \
                         "libtriggerdev #{VERSION} (an older build, or another library). #{FIX_HINT}"
      end

      def not_found_message(list, env)
        looked = list.map { |p, why| "#{p} (#{why})" }.join(", ")
        if list.first&.last == "TRIGGERDEV_LIB"
          "triggerdev: TRIGGERDEV_LIB is #{env['TRIGGERDEV_LIB'].inspect}, but there is no file " \
            "at #{list.first.first}. Point TRIGGERDEV_LIB at #{LIB_FILE}, or unset it to use the " \
            "gem's copy or a cargo build."
        else
          "triggerdev: cannot find #{LIB_FILE}; looked for #{looked}. #{FIX_HINT}"
        end
      end
    end

    load!

    # Ctrl-C. Ruby runs a signal trap only when the main thread runs Ruby code, not while it
    # waits in the library. So while a call of the main thread waits, the library calls this
    # block every 50 ms, and Ruby runs any pending trap in it. A trap that raises (the default
    # INT trap raises Interrupt) stops the call: its exception is kept and raised when the call
    # returns. A trap that does not raise (SIGCHLD's, an INT trap that only sets a flag) lets
    # the call go on.
    INTERRUPT_CHECK = FFI::Function.new(:int, [:pointer]) do |_userdata|
      Thread.pass # a check point: the pending traps run here
      0
    rescue Exception => e # rubocop:disable Lint/RescueException -- nothing may unwind into the library
      Thread.current[INTERRUPTION] = e
      1
    end
    INTERRUPTION = :__triggerdev_interruption
    private_constant :INTERRUPTION

    trigger_set_interrupt_check(INTERRUPT_CHECK, nil) if Thread.current == Thread.main

    # Calls +fn+ (an export whose last two parameters are +char **out+ and +trigger_error **err+)
    # with +args+, and returns what it wrote to +out+ as a UTF-8 String (nil when it wrote NULL,
    # as an iterator does at its end). A failure raises the Triggerdev::Error of its kind. The
    # library's strings and errors are freed before this returns, whatever happens: an
    # asynchronous exception (Thread#raise, Timeout) is held back until they are.
    def self.call_json(fn, *args)
      out = FFI::MemoryPointer.new(:pointer, 2)
      err = out + POINTER_SIZE
      error = nil
      text = Thread.handle_interrupt(DEFER) do
        rc = public_send(fn, *args, out, err)
        if rc.zero?
          take_string(out.get_pointer(0))
        else
          error = Errors.from_native(rc, err.get_pointer(0), fn)
          nil
        end
      end
      fail_with(error) if error

      text
    end

    # Like call_json for an export that writes a handle to +out+: returns it as an
    # FFI::AutoPointer that +free_fn+ releases (on #free, or when it is garbage collected).
    def self.call_handle(fn, free_fn, *args)
      out = FFI::MemoryPointer.new(:pointer, 2)
      err = out + POINTER_SIZE
      error = nil
      handle = Thread.handle_interrupt(DEFER) do
        rc = public_send(fn, *args, out, err)
        if rc.zero?
          FFI::AutoPointer.new(out.get_pointer(0), method(free_fn))
        else
          error = Errors.from_native(rc, err.get_pointer(0), fn)
          nil
        end
      end
      fail_with(error) if error

      handle
    end

    # Calls +fn+ (an export whose last two parameters are +int64_t *out+ and +trigger_error
    # **err+) with +args+, and returns what it wrote to +out+ (an Integer). A failure raises.
    def self.call_int64(fn, *args)
      out = FFI::MemoryPointer.new(:int64)
      err = FFI::MemoryPointer.new(:pointer)
      error = nil
      Thread.handle_interrupt(DEFER) do
        rc = public_send(fn, *args, out, err)
        error = Errors.from_native(rc, err.get_pointer(0), fn) unless rc.zero?
      end
      fail_with(error) if error

      out.read_int64
    end

    # Calls +fn+ (an export whose only out-parameter is +err+) and raises on failure.
    def self.call_void(fn, *args)
      err = FFI::MemoryPointer.new(:pointer)
      error = nil
      Thread.handle_interrupt(DEFER) do
        rc = public_send(fn, *args, err)
        error = Errors.from_native(rc, err.get_pointer(0), fn) unless rc.zero?
      end
      fail_with(error) if error

      nil
    end

    # Raises +error+; for an interrupted call, the exception the trap raised instead.
    def self.fail_with(error)
      if error.is_a?(InterruptedError) && (trapped = Thread.current[INTERRUPTION])
        Thread.current[INTERRUPTION] = nil
        raise trapped
      end
      raise error
    end

    # Reads a library-owned string and frees it.
    def self.take_string(ptr)
      return nil if ptr.null?

      begin
        ptr.read_string.force_encoding(Encoding::UTF_8)
      ensure
        trigger_string_free(ptr)
      end
    end

    POINTER_SIZE = FFI::Pointer.size
    DEFER = { Object => :never }.freeze
    private_constant :POINTER_SIZE, :DEFER
  end
end
