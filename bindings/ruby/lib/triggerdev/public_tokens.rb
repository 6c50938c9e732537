# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # Public access tokens (+auth.createPublicToken+ and friends): short-lived JWTs a backend
  # hands to a frontend or another server, scoped to what it may read, write or trigger.
  #
  #   token = client.auth.create_public_token(
  #     scopes: { read: { sessions: "chat-42" }, write: { sessions: "chat-42" } },
  #     expiration_time: "15m",
  #   )
  #   Triggerdev::Auth.create_public_token(scopes: { read: { runs: true } })   # the ambient client
  #
  # Tokens last 1 hour unless +expiration_time:+ says otherwise (at most 30 days). With a root
  # secret key the token is signed locally (HS256) after one request for the environment's
  # claims; with an additional key the server mints it. A personal access token or a public
  # token cannot mint (UnsupportedCredentialError, before any request). Each method returns the
  # token, a String.
  class Auth < Resource
    # The ids of one resource: true (all), an id, or an Array of ids.
    RESOURCES = {
      tasks: :scope_ids, tags: :scope_ids, runs: :scope_ids, batch: :scope_ids,
      waitpoints: :scope_ids, input_streams: :scope_ids, sessions: :scope_ids,
      inputStreams: [:scope_ids, "inputStreams"]
    }.freeze

    SCOPES = {
      read: RESOURCES, write: RESOURCES, trigger: RESOURCES, batch_trigger: RESOURCES,
      batchTrigger: [RESOURCES, "batchTrigger"]
    }.freeze

    PUBLIC_TOKEN = { scopes: SCOPES, expiration_time: :expiration, realtime: :json }.freeze
    TRIGGER_TOKEN = { multiple_use: :bool, expiration_time: :expiration, realtime: :json }.freeze

    # Mints a public access token. +scopes:+ is the official object form, in order:
    # <tt>{ read: { runs: ["run_1"], sessions: "chat-42" }, write: { sessions: "chat-42" },
    # trigger: { tasks: true }, batch_trigger: { tasks: ["t"] } }</tt> (resources: tasks, tags,
    # runs, batch, waitpoints, input_streams, sessions; a named session channel is
    # "<session>:channels:<name>", and "<session>:channels:<name>:out" reads only its +.out+).
    # +expiration_time:+ is a duration ("15m", "2h", "1d"), a Time, or an Integer (an absolute
    # Unix time in seconds, as the official SDK reads a number); default 1 hour. +realtime:+ is
    # passed through. An expiry that is malformed, past or more than 30 days away, or a blank
    # id, is an InvalidArgumentError before any request.
    def create_public_token(**options)
      call(:trigger_auth_create_public_token, options_json(PUBLIC_TOKEN, options, "auth.create_public_token"))
    end

    # Mints a token that may trigger +tasks+ (a task id or an Array of them), once unless
    # +multiple_use: true+; +expiration_time:+ as #create_public_token.
    def create_trigger_public_token(tasks, **options)
      opts = options_json(TRIGGER_TOKEN, options, "auth.create_trigger_public_token")
      call(:trigger_auth_create_trigger_public_token, tasks_json(tasks), opts)
    end

    # Mints a token that may batch-trigger +tasks+; as #create_trigger_public_token.
    def create_batch_trigger_public_token(tasks, **options)
      opts = options_json(TRIGGER_TOKEN, options, "auth.create_batch_trigger_public_token")
      call(:trigger_auth_create_batch_trigger_public_token, tasks_json(tasks), opts)
    end

    class << self
      # The same, with the ambient client (Triggerdev.configure and with_auth).
      def create_public_token(**options)
        Triggerdev.auth.create_public_token(**options)
      end

      def create_trigger_public_token(tasks, **options)
        Triggerdev.auth.create_trigger_public_token(tasks, **options)
      end

      def create_batch_trigger_public_token(tasks, **options)
        Triggerdev.auth.create_batch_trigger_public_token(tasks, **options)
      end
    end

    private

    def tasks_json(tasks)
      Util.json(Params.strings(tasks, "tasks"), "tasks")
    end
  end
end
