# frozen_string_literal: true

require "json"
require_relative "native"
require_relative "util"
require_relative "tasks"
require_relative "runs"
require_relative "envvars"
require_relative "schedules"
require_relative "queues"
require_relative "concurrency_limits"
require_relative "branches"
require_relative "projects"
require_relative "query"
require_relative "deployments"
require_relative "waitpoints"
require_relative "bulk_actions"
require_relative "sessions"
require_relative "public_tokens"

module Triggerdev
  # What a Client, Triggerdev.configure and Triggerdev.with_auth accept, and the JSON the
  # library takes for it.
  module Config
    RETRY = {
      max_attempts: :integer, factor: :number, min_timeout_in_ms: :number,
      max_timeout_in_ms: :number, randomize: :bool, max_rate_limit_wait_ms: :number
    }.freeze

    # Request options: also what Client#with_options takes.
    REQUEST = {
      timeout: :number, max_retries: :integer, retry: RETRY, additional_headers: :headers
    }.freeze

    CLIENT = {
      access_token: :string, secret_key: :string, base_url: :string, preview_branch: :string,
      dev_branch: :string, inherit_context: :bool, user_agent_suffix: :string, external_deployment_id: :string,
      future: { v2_realtime_streams: :bool }.freeze, max_response_bytes: :integer,
      dangerously_allow_insecure_http: :bool, ca_bundle_path: :path, ca_bundle_pem: :string,
      use_platform_trust_store: :bool
    }.freeze

    ALL = CLIENT.merge(REQUEST).freeze

    # Sent as the User-Agent suffix by every client this binding makes.
    USER_AGENT = "ruby/#{RUBY_VERSION}"

    module_function

    # The config JSON of trigger_client_new for +opts+; +user_agent+ adds USER_AGENT to
    # +userAgentSuffix+.
    def json(opts, context, user_agent: true)
      Params.check_keys!(ALL, opts, context)
      config = Params.build(CLIENT, opts.reject { |k, _| REQUEST.key?(k) }, context)
      request = request_options(opts.select { |k, _| REQUEST.key?(k) }, context)
      config["requestOptions"] = request unless request.empty?
      if user_agent
        config["userAgentSuffix"] = [USER_AGENT, config["userAgentSuffix"]].compact.join(" ")
      end
      JSON.generate(config)
    end

    # The +requestOptions+ object for +opts+ (timeout: seconds, max_retries:, retry:,
    # additional_headers:).
    def request_options(opts, context)
      built = Params.build(REQUEST, opts.except(:timeout, :max_retries), context)
      out = {}
      unless opts[:timeout].nil?
        ms = Util.millis(opts[:timeout], "timeout:")
        raise ArgumentError, "timeout: must be greater than 0" unless ms.positive?

        out["timeoutMs"] = ms
      end
      out["retry"] = built["retry"] if built.key?("retry")
      unless opts[:max_retries].nil?
        retries = Util.integer!(opts[:max_retries], "max_retries:")
        raise ArgumentError, "max_retries: must not be negative" if retries.negative?

        out["retry"] = (out["retry"] || {}).merge("maxAttempts" => retries + 1)
      end
      out["additionalHeaders"] = built["additionalHeaders"] if built.key?("additionalHeaders")
      out
    end
  end

  # The API areas a client exposes; included by Client and the ambient client.
  module Areas
    def tasks = @tasks ||= Tasks.new(self)
    def runs = @runs ||= Runs.new(self)
    def batches = @batches ||= Batches.new(self)
    def envvars = @envvars ||= EnvVars.new(self)
    def schedules = @schedules ||= Schedules.new(self)
    def idempotency_keys = @idempotency_keys ||= IdempotencyKeys.new(self)
    def queues = @queues ||= Queues.new(self)
    def concurrency_limits = @concurrency_limits ||= ConcurrencyLimits.new(self)
    def branches = @branches ||= Branches.new(self)
    def projects = @projects ||= Projects.new(self)
    def query = @query ||= Query.new(self)
    def deployments = @deployments ||= Deployments.new(self)
    def waitpoints = @waitpoints ||= Waitpoints.new(self)
    def bulk_actions = @bulk_actions ||= BulkActions.new(self)
    def sessions = @sessions ||= Sessions.new(self)
    def streams = @streams ||= Streams.new(self)
    # Public access tokens (Auth#create_public_token, ...).
    def auth = @auth ||= Auth.new(self)
  end

  # An isolated client: its own credentials, base URL, preview branch, request options and
  # connection pool, resolved once when it is made (never from Triggerdev.configure or
  # with_auth). Thread-safe: share one between threads.
  #
  #   client = Triggerdev::Client.new(access_token: "tr_dev_...", max_retries: 2, timeout: 10)
  #   handle = client.tasks.trigger("send-email", { to: "ada@example.com" })
  #   client.runs.retrieve(handle.id).status
  #   client.close   # or let the garbage collector free it
  #
  # Options (unset ones come from the environment: TRIGGER_SECRET_KEY / TRIGGER_ACCESS_TOKEN,
  # TRIGGER_API_URL, TRIGGER_PREVIEW_BRANCH, ...):
  # access_token: (secret_key: is an alias), base_url:, preview_branch: (x-trigger-branch, sent
  # only to the preview environment), dev_branch: (sent only to dev), timeout: (seconds per
  # attempt, default 60), max_retries: (default 4), retry: ({max_attempts:, factor:,
  # min_timeout_in_ms:, max_timeout_in_ms:, randomize:, max_rate_limit_wait_ms:}),
  # additional_headers:, inherit_context:, user_agent_suffix:, external_deployment_id:,
  # future: ({v2_realtime_streams:}), max_response_bytes:, dangerously_allow_insecure_http:,
  # ca_bundle_path: / ca_bundle_pem: (CAs to trust besides the bundled Mozilla roots, as a PEM
  # file or its text; default: the file in SSL_CERT_FILE), use_platform_trust_store: (the
  # operating system's trust store instead).
  class Client
    include Areas

    # Makes a client, yields it and closes it after the block.
    def self.open(**options)
      client = new(**options)
      return client unless block_given?

      begin
        yield client
      ensure
        client.close
      end
    end

    def initialize(**options)
      json = Config.json(options, "Client.new")
      setup(Native.call_handle(:trigger_client_new, :trigger_client_free, json), options[:base_url])
    end

    # A client for one call or a group of calls, sharing this one's connection pool and
    # configuration, with request options changed: timeout: (seconds), max_retries:, retry:,
    # additional_headers:, cancel_token: (a CancelToken that ends its waits).
    #
    #   client.with_options(max_retries: 0).runs.retrieve(id)
    def with_options(cancel_token: nil, **options)
      Params.check_keys!(Config::REQUEST, options, "with_options")
      json = JSON.generate(Config.request_options(options, "with_options"))
      handle = with_handle do |h|
        Native.call_handle(:trigger_client_with_options, :trigger_client_free, h, json)
      end
      handle = CancelToken.attach(handle, cancel_token) unless cancel_token.nil?
      self.class.allocate.tap { |c| c.send(:setup, handle, @base_url) }
    end

    # Frees the client now (the garbage collector does it otherwise). Calls still running finish
    # first; later calls raise IOError. Closing twice is fine.
    def close
      free = @lock.synchronize do
        next false if @closed

        @closed = true
        @inflight.zero?
      end
      @handle.free if free
      nil
    end

    def closed?
      @closed
    end

    # The client a lazy list iterates with (internal): this one.
    def pinned
      self
    end

    def inspect
      "#<#{self.class.name}#{" base_url=#{@base_url}" if @base_url}#{' closed' if @closed}>"
    end

    # Yields the native handle, keeping the client open until the block returns (internal).
    def with_handle
      @lock.synchronize do
        raise IOError, "the Triggerdev::Client is closed" if @closed

        @inflight += 1
      end
      begin
        yield @handle
      ensure
        free = @lock.synchronize do
          @inflight -= 1
          @closed && @inflight.zero?
        end
        @handle.free if free
      end
    end

    private

    # +handle+ is an FFI::AutoPointer that frees the native client with trigger_client_free:
    # its finalizer holds only the pointer, never this object.
    def setup(handle, base_url)
      @handle = handle
      @base_url = base_url
      @lock = Mutex.new
      @inflight = 0
      @closed = false
    end
  end

  # A signal that ends the waits of every call made with a client carrying it
  # (+client.with_options(cancel_token: token)+): a poll's interval, a retry back-off, a slow
  # response, a subscription's silence. #cancel may be called from any thread; the calls then
  # raise CancelledError, and later calls of that client fail at once. Once cancelled it stays
  # cancelled. (Ctrl-C needs no token: calls on the main thread end with Interrupt.)
  class CancelToken
    def initialize
      @handle = Native.call_handle(:trigger_cancel_new, :trigger_cancel_free)
    end

    # Fires the token (idempotent).
    def cancel
      Native.trigger_cancel_fire(@handle)
      nil
    end

    def cancelled?
      Native.trigger_cancel_is_fired(@handle)
    end

    def inspect
      "#<#{self.class.name} cancelled=#{cancelled?}>"
    end

    # +handle+ (a client handle) carrying this token, as a new handle (internal).
    def self.attach(handle, token)
      unless token.is_a?(CancelToken)
        raise TypeError, "cancel_token: must be a Triggerdev::CancelToken, not #{Util.describe(token)}"
      end

      Native.call_handle(:trigger_client_with_cancel, :trigger_client_free, handle,
                         token.instance_variable_get(:@handle))
    end
  end

  # The fiber-local (Thread.current[] is fiber-local) key of the innermost with_auth override:
  # the client handle trigger_auth_override made for it. Ambient calls in that fiber use it.
  AUTH_SCOPE = :__triggerdev_auth_scope

  # The client of the ambient API (Triggerdev.runs, Triggerdev.tasks, ...): Triggerdev.configure's
  # configuration (or the environment; the library's NULL client), or the calling fiber's
  # innermost with_auth override in force at the time of each call.
  class AmbientClient
    include Areas

    def with_handle
      Triggerdev.send(:ensure_configured)
      yield Thread.current[AUTH_SCOPE]
    end

    # A Client with the ambient configuration of this fiber as it is now, and request options
    # changed (see Client#with_options).
    def with_options(cancel_token: nil, **options)
      Params.check_keys!(Config::REQUEST, options, "with_options")
      json = JSON.generate(Config.request_options(options, "with_options"))
      handle = with_handle do |h|
        Native.call_handle(:trigger_client_with_options, :trigger_client_free, h, json)
      end
      handle = CancelToken.attach(handle, cancel_token) unless cancel_token.nil?
      Client.allocate.tap { |c| c.send(:setup, handle, nil) }
    end

    # The client a lazy list iterates with (internal): the ambient client of this fiber as it
    # is now, with the with_auth overrides in force.
    def pinned
      with_options
    end

    def inspect
      "#<Triggerdev::AmbientClient>"
    end
  end
end
