# frozen_string_literal: true

require "json"

module Triggerdev
  # The root of every error the library reports. Ruby-side mistakes (a wrong type, nil where a
  # String is required, a String with a NUL byte or invalid UTF-8, an unknown keyword) raise
  # Ruby's own TypeError / ArgumentError instead, before anything reaches the library.
  #
  # Every error has:
  # - +message+: for an API error the server's message ("404 Run not found"), for an invalid
  #   argument "<argument>: <reason>". Never contains a token.
  # - +status+: the HTTP status (Integer), or nil when the error did not come from a response;
  # - +body+: the raw response body (String), or nil;
  # - +code+: the +code+ member of the server's error body ("scopes_exceed_key_access"), or nil;
  # - +kind+: the library's +trigger_result+ value (Integer).
  class Error < StandardError
    attr_reader :kind, :status, :body, :code

    def initialize(message = nil, kind: nil, status: nil, body: nil, code: nil, retry_after_ms: nil)
      super(message)
      @kind = kind
      @status = status
      @body = body
      @code = code
      @retry_after_ms = retry_after_ms
    end

    # The body parsed as JSON (a Hash for the API's error bodies), or nil when there is none or
    # it is not JSON.
    def json_body
      return nil unless @body

      JSON.parse(@body)
    rescue JSON::ParserError
      nil
    end
  end

  # The library refused an argument before any request: JSON it could not use, a value out of
  # range (+limit: 101+), an empty id, a base URL it will not send a token to. The message starts
  # with the keyword as the caller wrote it ("limit: 101 is over the maximum of 100"), which is
  # also +argument+ ("limit:"). (Type errors caught on the Ruby side raise TypeError /
  # ArgumentError instead.)
  class InvalidArgumentError < Error
    # The argument at fault as the caller wrote it: "limit:", "run_id", "items[0].options.tags:".
    def argument
      @argument || message.split(" ", 2).first
    end

    attr_writer :argument
  end

  # No secret key or access token: pass +access_token:+ or set +TRIGGER_SECRET_KEY+.
  class MissingCredentialsError < Error; end

  # The configured token cannot be sent (empty, or holds characters a header cannot carry).
  class InvalidCredentialsError < Error; end

  # The operation does not accept this kind of credential (a personal access token where a
  # secret key is needed). Checked before any request is sent.
  class UnsupportedCredentialError < Error; end

  # Listing runs with a personal access token needs +project_ref:+ (and +env:+).
  class MissingProjectRefError < Error; end

  # The server answered with an error status. Subclasses for the statuses a caller handles; this
  # class itself for any other (405, 413, 415, ...).
  class APIStatusError < Error; end

  # HTTP 400.
  class BadRequestError < APIStatusError; end

  # HTTP 401: the token is invalid, or not valid for this environment or branch.
  class AuthenticationError < APIStatusError; end

  # HTTP 403: the token lacks a scope the call needs.
  class PermissionDeniedError < APIStatusError; end

  # HTTP 404.
  class NotFoundError < APIStatusError; end

  # HTTP 409.
  class ConflictError < APIStatusError; end

  # The session is closed (the server's 400 "Cannot append to a closed session", or a 409 whose
  # body's +code+ is "session_closed"): appending to it, or starting it again, can never
  # succeed, so it is not retried. A kind of ConflictError, so <tt>rescue ConflictError</tt>
  # catches it too; rescue it first to tell it apart.
  class SessionClosedError < ConflictError; end

  # HTTP 422.
  class UnprocessableEntityError < APIStatusError; end

  # HTTP 429, after the retries the retry policy allows.
  class RateLimitError < APIStatusError
    # Seconds until the rate limit resets (Float), when the server said; nil otherwise.
    def retry_after
      @retry_after_ms && @retry_after_ms / 1000.0
    end
  end

  # HTTP 5xx, after the retries the retry policy allows.
  class InternalServerError < APIStatusError; end

  # The request could not be sent or its response not received (connection refused, reset...).
  class APIConnectionError < Error; end

  # The call took longer than its timeout. A kind of APIConnectionError, as in openai-python.
  class APITimeoutError < APIConnectionError; end

  # A success response whose body is not the JSON the API documents; +body+ holds it.
  class DecodeError < Error; end

  # A batch's items were sent but the server did not seal the batch.
  class BatchNotSealedError < Error; end

  # A response body was larger than the client accepts (+max_response_bytes:+).
  class ResponseTooLargeError < Error; end

  # +runs.poll+ retrieved the run as often as it may and it was not finished.
  class PollLimitReachedError < Error; end

  # A wait (+runs.poll(..., timeout:)+) ran out of its time before the run finished.
  class WaitTimeoutError < Error
    # The run as last retrieved (a Triggerdev::Run), or nil if it never was.
    def last_run
      body && Run.new(body)
    end
  end

  # The call was cancelled: the CancelToken of its client fired.
  class CancelledError < Error; end

  # The call was interrupted (Ctrl-C) and the INT trap did not raise (the default one raises
  # Interrupt instead).
  class InterruptedError < CancelledError; end

  # Webhooks.construct_event refused a request: it was not signed with the secret, or is not
  # an alert event. Answer it with a 400. The message never holds the secret, the signature or
  # the body's string values.
  class WebhookError < Error; end

  # The request has no +x-trigger-signature-hmacsha256+ header (or an empty one).
  class WebhookMissingSignatureError < WebhookError; end

  # The header is not the lower-case hex HMAC-SHA256 of the raw body with the secret: another
  # secret, a body changed (re-serialized) after signing, or not from Trigger.dev.
  class WebhookInvalidSignatureError < WebhookError; end

  # The signature is right but the body is not an alert event: not JSON, or an event of a known
  # +type+ whose +object+ has another shape (the message says where).
  class WebhookInvalidPayloadError < WebhookError; end

  # The library panicked (a bug in triggerdev: please report it). It stays usable.
  class PanicError < Error; end

  # Turning the library's trigger_error objects into exceptions.
  module Errors
    # trigger_result value => class. Values are fixed by the C ABI and never reused; an unknown
    # value (from a newer library) becomes a plain Triggerdev::Error.
    CLASSES = {
      1 => InvalidArgumentError,
      2 => MissingCredentialsError,
      3 => InvalidCredentialsError,
      4 => UnsupportedCredentialError,
      5 => MissingProjectRefError,
      6 => BadRequestError,
      7 => AuthenticationError,
      8 => PermissionDeniedError,
      9 => NotFoundError,
      10 => ConflictError,
      11 => UnprocessableEntityError,
      12 => RateLimitError,
      13 => InternalServerError,
      14 => APIStatusError,
      15 => APIConnectionError,
      16 => APITimeoutError,
      17 => DecodeError,
      18 => BatchNotSealedError,
      19 => ResponseTooLargeError,
      20 => PollLimitReachedError,
      21 => SessionClosedError,
      22 => CancelledError,
      23 => InterruptedError,
      24 => WaitTimeoutError,
      25 => WebhookMissingSignatureError,
      26 => WebhookInvalidSignatureError,
      27 => WebhookInvalidPayloadError,
      100 => PanicError,
    }.freeze

    # The exception for a failed call of +fn+ (the export's name) that returned +rc+ and wrote
    # +errp+ (which is freed here). The message is in Ruby's words: an invalid argument is named
    # as the caller wrote it ("limit:"), not as the C signature does ("params_json").
    def self.from_native(rc, errp, fn = nil)
      return build(rc, "triggerdev call failed (result #{rc})") if errp.nil? || errp.null?

      begin
        kind = Native.trigger_error_kind(errp)
        reason = utf8(Native.trigger_error_reason(errp))
        reason = utf8(Native.trigger_error_message(errp)) if reason.nil? || reason.empty?
        argument = utf8(Native.trigger_error_argument(errp))
        status = Native.trigger_error_status(errp)
        body = utf8(Native.trigger_error_body(errp))
        code = utf8(Native.trigger_error_code(errp))
        retry_after_ms = Native.trigger_error_retry_after_ms(errp)
      ensure
        Native.trigger_error_free(errp)
      end
      keyword = argument && Keywords.keyword(fn.to_s, argument)
      error = build(kind.zero? ? rc : kind, Keywords.message(keyword, reason),
                    status: status.zero? ? nil : status, body: body,
                    code: code, retry_after_ms: retry_after_ms.negative? ? nil : retry_after_ms)
      error.argument = keyword if keyword && error.is_a?(InvalidArgumentError)
      error
    end

    def self.build(kind, message, **details)
      CLASSES.fetch(kind, Error).new(message, kind: kind, **details)
    end

    def self.utf8(text)
      text&.force_encoding(Encoding::UTF_8)
    end
    private_class_method :utf8
  end

  # The library's argument names -> the keywords Ruby callers write.
  #
  # The library names an invalid argument as its Rust API does (trigger_error_argument): a
  # parameter ("run_id"), a member of a JSON argument by its JSON name under the argument
  # ("params.limit", "body.externalId", "items[0].options.tags") or a configuration option
  # ("base_url"). A Ruby method takes those members as keywords, named as the JSON names in
  # snake_case ("limit:", "external_id:"); the tables hold the exceptions.
  module Keywords
    # JSON arguments whose members are keywords of their own in Ruby.
    CONTAINERS = %w[params options body config override].freeze

    # Keywords that are not the snake_case of the library's name (without the trailing ":"); a
    # name here also renames what is under it ("config.requestOptions.retry.factor" ->
    # "retry.factor:").
    RENAMED = {
      "options.intervalMs" => "interval",
      "options.timeoutMs" => "timeout",
      "body.triggerConfig.basePayload" => "base_payload",
      "config.requestOptions.timeoutMs" => "timeout",
      "config.requestOptions.retry" => "retry",
      "config.requestOptions.additionalHeaders" => "additional_headers",
      "override.requestOptions.timeoutMs" => "timeout",
      "override.requestOptions.retry" => "retry",
      "override.requestOptions.additionalHeaders" => "additional_headers",
    }.freeze

    # Arguments the library names that Ruby takes as keywords: the configuration options
    # (of Client.new and configure) and the +reason:+ of sessions.close.
    KEYWORD_ARGUMENTS = %w[access_token base_url preview_branch dev_branch additional_headers
                           user_agent_suffix ca_bundle_path ca_bundle_pem reason].freeze

    # Parameters of one export that Ruby takes as keywords (positional in C).
    EXPORT_KEYWORDS = {
      "trigger_runs_reschedule" => %w[delay],
      "trigger_envvars_update" => %w[value],
    }.freeze

    # What a whole JSON argument is called (an error about no member in particular): the
    # method.
    METHODS = {
      "trigger_client_new" => "Client.new",
      "trigger_client_with_options" => "with_options",
      "trigger_configure" => "Triggerdev.configure",
      "trigger_auth_push" => "Triggerdev.with_auth",
      "trigger_auth_override" => "Triggerdev.with_auth",
    }.freeze

    # Areas of the C ABI whose name has an underscore (trigger_bulk_actions_create).
    AREAS = %w[idempotency_keys bulk_actions].freeze

    # Names the library's messages mention in backticks, as a Ruby caller writes them.
    REFERENCES = {
      "`runIds`" => "`run_ids:`",
      "`basePayload`" => "`base_payload:`",
      "`caBundlePath`" => "`ca_bundle_path:`",
      "`caBundlePem`" => "`ca_bundle_pem:`",
      "`access_token`" => "`access_token:`",
      "`dangerously_allow_insecure_http`" => "`dangerously_allow_insecure_http:`",
      "`use_platform_trust_store`" => "`use_platform_trust_store:`",
      "`after`" => "`after:`",
      "`before`" => "`before:`",
      "`filter`" => "`filter:`",
    }.freeze

    module_function

    # The argument the library names +argument+ in a call of +export+, as the Ruby caller
    # wrote it: "params.limit" -> "limit:", "run_id" -> "run_id" (a positional argument).
    def keyword(export, argument)
      renamed = RENAMED[argument]
      return "#{renamed}:" if renamed
      return "#{argument}:" if KEYWORD_ARGUMENTS.include?(argument) || EXPORT_KEYWORDS[export]&.include?(argument)

      parts = argument.split(".")
      return argument unless CONTAINERS.include?(parts.first)
      return "#{method_name(export)}:" if parts.size == 1

      # The longest renamed part, else the members after the container.
      n = (parts.size - 1).downto(2).find { |i| RENAMED.key?(parts.first(i).join(".")) }
      head, rest = n ? [[RENAMED[parts.first(n).join(".")]], parts.drop(n)] : [[], parts.drop(1)]
      "#{(head + rest.map { |part| Util.underscore(part) }).join('.')}:"
    end

    # "trigger_runs_list_iter" -> "runs.list": the Ruby method of an export.
    def method_name(export)
      return METHODS[export] if METHODS.key?(export)

      name = export.delete_prefix("trigger_").delete_suffix("_iter")
      area = AREAS.find { |a| name.start_with?("#{a}_") }
      return "#{area}.#{name.delete_prefix("#{area}_")}" if area

      name.sub("_", ".")
    end

    # The message of a library error in Ruby's words: "<keyword> <reason>" for an invalid
    # argument ("limit: 101 is over the maximum of 100"), the reason alone otherwise.
    def message(keyword, reason)
      reason = REFERENCES.reduce(reason) { |text, (name, spelling)| text.gsub(name, spelling) }
      return reason unless keyword

      keyword.end_with?(":") ? "#{keyword} #{reason}" : "#{keyword}: #{reason}"
    end
  end
end
