# frozen_string_literal: true

require "socket"
require_relative "test_helper"

# tests/e2e.rs: every_error_a_user_can_hit, rate_limits_and_server_errors_are_retried_until_success
# and the rest of the error classes: each reached the way a user reaches it.
class ErrorsTest < TriggerdevTest
  def test_the_hierarchy
    api = %w[BadRequestError AuthenticationError PermissionDeniedError NotFoundError ConflictError
             UnprocessableEntityError RateLimitError InternalServerError]
    api.each { |name| assert_operator Triggerdev.const_get(name), :<, Triggerdev::APIStatusError }
    others = %w[InvalidArgumentError MissingCredentialsError InvalidCredentialsError
                UnsupportedCredentialError MissingProjectRefError APIStatusError APIConnectionError
                DecodeError BatchNotSealedError ResponseTooLargeError PollLimitReachedError PanicError
                WaitTimeoutError CancelledError InterruptedError]
    (api + others).each { |name| assert_operator Triggerdev.const_get(name), :<, Triggerdev::Error }
    assert_operator Triggerdev::APITimeoutError, :<, Triggerdev::APIConnectionError
    assert_operator Triggerdev::Error, :<, StandardError
    refute_operator Triggerdev::InvalidArgumentError, :<, ArgumentError
    # Every trigger_result value has its class; unknown ones (a newer library) are plain Errors.
    assert_equal (1..27).to_a + [100], Triggerdev::Errors::CLASSES.keys
    %w[WebhookMissingSignatureError WebhookInvalidSignatureError WebhookInvalidPayloadError].each do |name|
      assert_operator Triggerdev.const_get(name), :<, Triggerdev::WebhookError
    end
    assert_operator Triggerdev::WebhookError, :<, Triggerdev::Error
    assert_operator Triggerdev::InterruptedError, :<, Triggerdev::CancelledError
    assert_operator Triggerdev::SessionClosedError, :<, Triggerdev::ConflictError
    assert_instance_of Triggerdev::SessionClosedError, Triggerdev::Errors.build(21, "409 closed", status: 409)
    panic = Triggerdev::Errors.build(100, "triggerdev panicked (this is a bug): x")
    assert_instance_of Triggerdev::PanicError, panic
    assert_equal 100, panic.kind
    assert_instance_of Triggerdev::Error, Triggerdev::Errors.build(77, "new kind")
  end

  # Each TRIGGER_RESULT_* of the header has the class of the same name.
  def test_the_classes_follow_the_header
    header = File.read(File.join(Triggerdev::Native::REPO_ROOT, "include", "triggerdev.h"))
    values = header.scan(/TRIGGER_RESULT_(\w+) = (\d+),/).to_h { |name, v| [Integer(v), name] }
    values.delete(0)
    assert_equal values.keys.sort, Triggerdev::Errors::CLASSES.keys.sort
    names = { "RATE_LIMITED" => "RateLimitError", "SERVER" => "InternalServerError",
              "HTTP_STATUS" => "APIStatusError", "CONNECTION" => "APIConnectionError",
              "TIMEOUT" => "APITimeoutError", "UNPROCESSABLE" => "UnprocessableEntityError",
              "AUTHENTICATION" => "AuthenticationError", "PANIC" => "PanicError" }
    values.each do |value, name|
      expected = names.fetch(name) { "#{name.split('_').map(&:capitalize).join}Error" }
      assert_equal expected, Triggerdev::Errors::CLASSES[value].name.split("::").last, "TRIGGER_RESULT_#{name}"
    end
  end

  def test_every_error_a_user_can_hit
    dev = no_retry

    error = assert_raises(Triggerdev::AuthenticationError) { no_retry("tr_dev_not_a_real_key").runs.list_page }
    assert_equal 401, error.status
    refute_includes error.message, "tr_dev_not_a_real_key", "messages never contain tokens"

    emu.clear_requests
    assert_raises(Triggerdev::UnsupportedCredentialError) { client(emu.pat).tasks.trigger("t", {}) }
    assert_empty logged, "checked before any request"

    error = assert_raises(Triggerdev::NotFoundError) { dev.runs.retrieve("run_doesnotexist") }
    assert_equal "404 Not found", error.message
    assert_equal 404, error.status
    assert_equal({ "error" => "Not found" }, error.json_body)
    assert_nil error.code

    assert_raises(Triggerdev::NotFoundError) { dev.tasks.trigger("missing-task", {}) }

    error = assert_raises(Triggerdev::AuthenticationError) { no_retry(emu.preview_key).runs.list_page }
    assert_equal "401 x-trigger-branch header required for preview env", error.message

    error = assert_raises(Triggerdev::InvalidArgumentError) { dev.runs.list(limit: 101) }
    assert_match(/limit/, error.message)
    assert_nil error.status

    emu.add_fault(status: 409, count: 1)
    assert_raises(Triggerdev::ConflictError) { dev.runs.list_page }

    emu.add_fault(status: 429, count: 1, rate_limit_reset_ms: 600_000)
    error = assert_raises(Triggerdev::RateLimitError) { client.runs.list_page }
    assert_operator error.retry_after, :>, 60
    assert_equal 429, error.status
  end

  def test_each_api_status_has_its_class
    dev = no_retry
    {
      400 => Triggerdev::BadRequestError, 401 => Triggerdev::AuthenticationError,
      403 => Triggerdev::PermissionDeniedError, 404 => Triggerdev::NotFoundError,
      409 => Triggerdev::ConflictError, 422 => Triggerdev::UnprocessableEntityError,
      429 => Triggerdev::RateLimitError, 500 => Triggerdev::InternalServerError,
      503 => Triggerdev::InternalServerError, 418 => Triggerdev::APIStatusError
    }.each do |status, klass|
      emu.add_fault(status: status, count: 1, body: { error: "injected #{status}", code: "code_#{status}" })
      error = assert_raises(klass) { dev.runs.retrieve("run_x") }
      assert_instance_of klass, error
      assert_equal status, error.status
      assert_equal "code_#{status}", error.code
      assert_equal "injected #{status}", error.json_body["error"]
      assert_includes error.message, "injected #{status}"
    end
  end

  def test_a_public_token_scoped_to_another_run_is_denied
    dev = client
    run = dev.tasks.trigger("t", {})
    other = dev.tasks.trigger("t", {})
    public = no_retry(run.public_access_token)
    assert_equal run.id, public.runs.retrieve(run.id).id
    error = assert_raises(Triggerdev::PermissionDeniedError) { public.runs.retrieve(other.id) }
    assert_equal 403, error.status
  end

  def test_rate_limits_and_server_errors_are_retried_until_success
    c = client
    emu.add_fault(status: 429, count: 1, rate_limit_reset_ms: 50)
    emu.add_fault(status: 503, count: 2)
    handle = c.tasks.trigger("t", {})
    c.runs.retrieve(handle.id)
    assert_equal 1, emu.runs.size
    triggers = logged("/api/v1/tasks/")
    assert_equal 4, triggers.size, "one 429, two 503, then the run"
    assert_equal 1, triggers.map { |r| r["headers"]["x-trigger-request-idempotency-key"] }.uniq.size,
                 "every retry sends the same request key"

    emu.add_fault(status: 500, count: 10)
    emu.clear_requests
    assert_raises(Triggerdev::InternalServerError) { c.runs.retrieve(handle.id) }
    assert_equal 5, logged("/api/v3/runs/#{handle.id}").size, "retries exhausted after 5 attempts"
    emu.clear_faults
    # (A distinct path: the log entry of a request may land just after its response.)
    emu.add_fault(status: 500, count: 10)
    assert_raises(Triggerdev::InternalServerError) { c.with_options(max_retries: 1).runs.retrieve("run_other") }
    assert_equal 2, logged("/api/v3/runs/run_other").size
  end

  def test_credentials_errors
    error = assert_raises(Triggerdev::MissingCredentialsError) do
      Triggerdev::Client.new(base_url: emu.base_url).runs.retrieve("run_x")
    end
    assert_match(/TRIGGER_SECRET_KEY|accessToken|access/i, error.message)
    assert_raises(Triggerdev::MissingProjectRefError) { client(emu.pat).runs.list_page }
    assert_raises(Triggerdev::MissingProjectRefError) { client(emu.pat).runs.list(limit: 10) }
    assert_raises(Triggerdev::InvalidCredentialsError) { client("tr_dev_bad\nkey").runs.retrieve("run_x") }
    assert_raises(Triggerdev::InvalidCredentialsError) { client("").runs.retrieve("run_x") }
    page = client(emu.pat).runs.list_page(project_ref: emu.project_ref, env: "dev")
    assert_kind_of Triggerdev::RunsPage, page
  end

  def test_decode_error_keeps_the_body
    emu.add_fault(status: 200, count: 1, path: "/api/v3/runs", body: { unexpected: true })
    error = assert_raises(Triggerdev::DecodeError) { no_retry.runs.retrieve("run_x") }
    assert_equal({ "unexpected" => true }, JSON.parse(error.body))
  end

  def test_timeout_and_connection_errors
    emu.add_fault(latency_ms: 1500, count: 1)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    error = assert_raises(Triggerdev::APITimeoutError) { no_retry(timeout: 0.2).runs.retrieve("run_x") }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.2
    assert_kind_of Triggerdev::APIConnectionError, error
    await_delayed_request

    port = TCPServer.open("127.0.0.1", 0).then { |s| s.addr[1].tap { s.close } }
    refused = Triggerdev::Client.new(access_token: emu.dev_key, base_url: "http://127.0.0.1:#{port}", max_retries: 0)
    error = assert_raises(Triggerdev::APIConnectionError) { refused.runs.retrieve("run_x") }
    refute_kind_of Triggerdev::APITimeoutError, error
    assert_nil error.status

    emu.add_fault(drop_connection: true, count: 1)
    assert_raises(Triggerdev::APIConnectionError) { no_retry.runs.retrieve("run_x") }
  end

  def test_response_too_large_poll_limit_and_unsealed_batches
    run = client.tasks.trigger("t", { "big" => "x" * 100 })
    assert_raises(Triggerdev::ResponseTooLargeError) { no_retry(max_response_bytes: 64).runs.retrieve(run.id) }

    error = assert_raises(Triggerdev::PollLimitReachedError) { client.runs.poll(run.id, interval: 0) }
    assert_match(/poll|500/i, error.message)

    emu.add_fault(status: 200, method: "POST", path: "/api/v3/batches/",
                  body: { sealed: false, itemsAccepted: 0, itemsDeduplicated: 0 })
    assert_raises(Triggerdev::BatchNotSealedError) do
      no_retry.tasks.batch_trigger([{ task: "a", payload: 1 }])
    end
  end
end
