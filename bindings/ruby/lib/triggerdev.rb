# frozen_string_literal: true

# triggerdev: the Trigger.dev management API from Ruby (trigger tasks; manage runs, batches,
# environment variables, schedules, queues, concurrency limits, query, deployments, waitpoint tokens, bulk actions and
# sessions; follow runs and read their streams; mint public access tokens), over the triggerdev
# C library.
#
#   require "triggerdev"
#
#   client = Triggerdev::Client.new(access_token: "tr_dev_...")
#   handle = client.tasks.trigger("send-email", { to: "ada@example.com" }, tags: ["welcome"])
#   client.runs.list(status: ["COMPLETED"]).first(10).each { |run| puts run.id }
#
#   # The ambient API: Triggerdev.configure (or TRIGGER_SECRET_KEY), with thread-local overrides.
#   Triggerdev.configure(access_token: "tr_prod_...")
#   Triggerdev.with_auth(access_token: "tr_prod_other") { Triggerdev.runs.list(limit: 10).first }
#
# See README.md in bindings/ruby.

require_relative "triggerdev/version"
require_relative "triggerdev/errors"
require_relative "triggerdev/native"
require_relative "triggerdev/logging"
require_relative "triggerdev/util"
require_relative "triggerdev/object"
require_relative "triggerdev/pager"
require_relative "triggerdev/resource"
require_relative "triggerdev/realtime"
require_relative "triggerdev/tasks"
require_relative "triggerdev/runs"
require_relative "triggerdev/envvars"
require_relative "triggerdev/schedules"
require_relative "triggerdev/queues"
require_relative "triggerdev/concurrency_limits"
require_relative "triggerdev/branches"
require_relative "triggerdev/projects"
require_relative "triggerdev/query"
require_relative "triggerdev/deployments"
require_relative "triggerdev/waitpoints"
require_relative "triggerdev/bulk_actions"
require_relative "triggerdev/sessions"
require_relative "triggerdev/streams"
require_relative "triggerdev/public_tokens"
require_relative "triggerdev/webhooks"
require_relative "triggerdev/client"
require_relative "triggerdev/auth"

module Triggerdev
  AMBIENT = AmbientClient.new
  private_constant :AMBIENT

  class << self
    # Sets the process-wide configuration of the ambient API (Triggerdev.runs, .tasks, ...),
    # replacing any earlier one. Same options as Client.new; unset ones come from the
    # environment, read now.
    def configure(**options)
      json = Config.json(options, "configure")
      CONFIGURE_LOCK.synchronize do
        Native.call_void(:trigger_configure, json)
        @configured = true
      end
      nil
    end

    # The ambient client (a NULL client in the C ABI).
    def client
      AMBIENT
    end

    def tasks = AMBIENT.tasks
    def runs = AMBIENT.runs
    def batches = AMBIENT.batches
    def envvars = AMBIENT.envvars
    def schedules = AMBIENT.schedules
    def idempotency_keys = AMBIENT.idempotency_keys
    def queues = AMBIENT.queues
    def concurrency_limits = AMBIENT.concurrency_limits
    def branches = AMBIENT.branches
    def projects = AMBIENT.projects
    def query = AMBIENT.query
    def deployments = AMBIENT.deployments
    def waitpoints = AMBIENT.waitpoints
    def bulk_actions = AMBIENT.bulk_actions
    def sessions = AMBIENT.sessions
    def streams = AMBIENT.streams
    # Public access tokens with the ambient client; also Triggerdev::Auth.create_public_token.
    def auth = AMBIENT.auth

    # A Client with this thread's ambient configuration as it is now and request options changed
    # (timeout:, max_retries:, retry:, additional_headers:).
    def with_options(**options)
      AMBIENT.with_options(**options)
    end

    # The path of the loaded library.
    def library_path
      Native.path
    end

    # The version the loaded library reports (equal to VERSION).
    def library_version
      Native.trigger_version.to_s
    end

    private

    CONFIGURE_LOCK = Mutex.new

    # Without a configure call, the library reads the environment at the first ambient call;
    # this does the same through trigger_configure so that the ambient client, too, sends the
    # binding's User-Agent suffix.
    def ensure_configured
      return if @configured

      CONFIGURE_LOCK.synchronize do
        next if @configured

        Native.call_void(:trigger_configure, JSON.generate("userAgentSuffix" => Config::USER_AGENT))
        @configured = true
      end
    end
  end
end
