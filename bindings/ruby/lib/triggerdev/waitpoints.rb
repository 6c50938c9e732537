# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # What +waitpoints.create_token+ returns: +id+, +url+ (the callback URL), +cached?+ (the
  # idempotency key matched an existing token) and +public_access_token+ (scoped
  # +write:waitpoints:<id>+: whoever holds it may complete the token, and nothing else).
  class CreatedWaitpointToken < TriggerObject
    fields :id, :url, :is_cached, :public_access_token
  end

  # A waitpoint token (+waitpoints.retrieve_token+, +list_tokens+ items). #output is the
  # completion data, decoded from the API's +output+ text as +outputType+ says by the library
  # (+trigger_waitpoints_token_output+, the Rust SDK's +WaitpointToken::output_value+):
  # superjson's +json+ member, parsed JSON, or the text of a +text/...+ output; nil when there
  # is none. #raw_output is the text as sent.
  class WaitpointToken < TriggerObject
    include NativeOutput

    fields :id, :url, :status, :completed_at, :timeout_at, :idempotency_key,
           :idempotency_key_expires_at, :tags, :created_at, :output_type, :output_is_error, :type,
           :completed_after, :user_provided_idempotency_key

    # The completion data (or, for a timed-out token, the error), decoded; nil when none.
    def output
      native_output(:trigger_waitpoints_token_output)
    end
    alias output_value output

    # The +output+ text as the API sent it.
    def raw_output
      self["output"]
    end

    # True when the token timed out (#output then holds the error).
    def output_error?
      output_is_error ? true : false
    end

    def completed? = status == "COMPLETED"
    def waiting? = status == "WAITING"
    def timed_out? = status == "TIMED_OUT"
  end

  # A page of +waitpoints.list_tokens_page+: +data+ (WaitpointTokens) and cursors.
  class WaitpointTokensPage < CursorPage
    nested "data" => WaitpointToken
  end

  # client.waitpoints: waitpoint tokens, which a run waits on until someone completes them.
  #
  #   token = client.waitpoints.create_token(timeout: "1h", tags: ["approval"])
  #   approver = Triggerdev::Client.new(access_token: token.public_access_token)
  #   approver.waitpoints.complete_token(token.id, { approved: true })
  #   client.waitpoints.retrieve_token(token.id).output   # => {"approved"=>true}
  class Waitpoints < Resource
    CREATE_OPTIONS = {
      timeout: :duration_or_time, idempotency_key: :string, idempotency_key_ttl: :string,
      tags: :strings
    }.freeze

    LIST_PARAMS = {
      status: :strings, idempotency_key: :string, tags: :strings, period: :string,
      from: :epoch_ms, to: :epoch_ms, limit: :integer, after: :string, before: :string
    }.freeze

    ITER_EXPORTS = %i[trigger_waitpoints_list_tokens_iter trigger_waitpoints_tokens_iter_next
                      trigger_waitpoints_tokens_iter_free].freeze

    # Creates a waitpoint token; returns a CreatedWaitpointToken. Options: timeout: (a duration
    # like "1h", or a Time), idempotency_key: (the same key returns the same token until
    # idempotency_key_ttl: passes), tags:.
    def create_token(**options)
      opts = options_json(CREATE_OPTIONS, options, "waitpoints.create_token")
      object(CreatedWaitpointToken, call(:trigger_waitpoints_create_token, opts))
    end

    # Every token the filters match, newest first, as a lazy Enumerable of WaitpointTokens.
    # Filters: status: ("WAITING", "COMPLETED", "TIMED_OUT"; one or an Array), idempotency_key:,
    # tags:, period:, from:/to: (Time or epoch ms), limit: (page size), after:/before: (cursors).
    def list_tokens(**filters)
      json = options_json(LIST_PARAMS, filters, "waitpoints.list_tokens")
      pager("waitpoints", json, WaitpointToken, exports: ITER_EXPORTS) do |waitpoints|
        waitpoints.list_tokens_page(**filters)
      end
    end

    # One page of tokens (a WaitpointTokensPage), same filters as #list_tokens.
    def list_tokens_page(**filters)
      cursor_page(WaitpointTokensPage, :trigger_waitpoints_list_tokens,
                  options_json(LIST_PARAMS, filters, "waitpoints.list_tokens_page")) do |cursor|
        list_tokens_page(**filters, after: cursor, before: nil)
      end
    end

    # The WaitpointToken +token_id+ (with the completion data as #output).
    def retrieve_token(token_id)
      object(WaitpointToken, call(:trigger_waitpoints_retrieve_token, id!(token_id, "token_id")))
    end

    # Completes a token with +data+ (any JSON value; a String is stored as text; nil, the
    # default, completes it with no data). A run waiting on it resumes with the data. A client
    # made from the token's public access token alone may call this. Completing a completed
    # token is a no-op. Returns the API's answer (+success?+).
    def complete_token(token_id, data = nil)
      id = id!(token_id, "token_id")
      data_json = data.nil? ? nil : Util.json(data, "data")
      object(TriggerObject, call(:trigger_waitpoints_complete_token, id, data_json))
    end
  end
end
