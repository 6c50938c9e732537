# frozen_string_literal: true

require_relative "test_helper"

# Alert webhooks: Triggerdev::Webhooks.construct_event against signatures made here with
# OpenSSL::HMAC. No emulator: nothing is sent.
class WebhooksTest < Minitest::Test
  SECRET = "whsec_ruby_2b8e"
  ORG = { "id" => "org_1", "slug" => "acme", "name" => "Acme" }.freeze
  PROJECT = { "id" => "project_1", "ref" => "proj_acme", "slug" => "web", "name" => "Web" }.freeze
  ENVIRONMENT = { "id" => "env_prod", "type" => "PRODUCTION", "slug" => "prod" }.freeze

  def sign(body, secret = SECRET)
    OpenSSL::HMAC.hexdigest("SHA256", secret, body)
  end

  def pretty(data)
    JSON.pretty_generate(data)
  end

  def construct(body)
    Triggerdev::Webhooks.construct_event(body, sign(body), SECRET)
  end

  def envelope(type, object)
    { "id" => "alert_rb_1", "created" => "2026-03-04T05:06:07.089Z", "webhookVersion" => "2025-01-01",
      "type" => type, "object" => object }
  end

  def run_failed
    envelope("alert.run.failed", {
               "task" => { "id" => "send-email", "filePath" => "src/email.ts", "exportName" => "sendEmail",
                           "version" => "20260304.1", "sdkVersion" => "4.8.3", "cliVersion" => "4.8.3" },
               "run" => { "id" => "run_abc", "number" => 42, "status" => "FAILED",
                          "createdAt" => "2026-03-04T05:00:00.000Z", "startedAt" => "2026-03-04T05:00:01.000Z",
                          "isTest" => true, "idempotencyKey" => "k1", "tags" => %w[welcome],
                          "error" => { "type" => "STRING_ERROR", "raw" => "oops" },
                          "isOutOfMemoryError" => false, "machine" => "small-1x",
                          "dashboardUrl" => "https://cloud.trigger.dev/runs/run_abc" },
               "environment" => { "id" => "env_stg", "type" => "STAGING", "slug" => "staging" },
               "organization" => ORG, "project" => PROJECT
             })
  end

  def deployment(success)
    object = {
      "deployment" => { "id" => "deploy_1", "status" => success ? "DEPLOYED" : "FAILED",
                        "version" => "20260304.2", "shortCode" => "ab12cd" },
      "tasks" => [{ "id" => "send-email", "filePath" => "src/email.ts", "triggerSource" => "SCHEDULED" }],
      "environment" => ENVIRONMENT, "organization" => ORG, "project" => PROJECT,
      "git" => { "branch" => "main", "commitSha" => "0a1b2c", "commitMessage" => "Fix", "commitUrl" => "https://g/c",
                 "branchUrl" => "https://g/b", "provider" => "github" }
    }
    if success
      object["deployment"]["deployedAt"] = "2026-03-04T06:00:00.000Z"
      return envelope("alert.deployment.success", object)
    end
    object["deployment"]["failedAt"] = "2026-03-04T06:00:00.000Z"
    object["error"] = { "name" => "BuildError", "message" => "tsc failed", "stack" => "at build" }
    envelope("alert.deployment.failed", object)
  end

  def error_alert
    envelope("alert.error", {
               "classification" => "unignored",
               "error" => { "fingerprint" => "fp_9", "type" => "TypeError", "message" => "x is undefined",
                            "stackTrace" => "at x", "firstSeen" => "2026-03-01T00:00:00.000Z",
                            "lastSeen" => "2026-03-04T00:00:00.000Z", "occurrenceCount" => 12,
                            "taskIdentifier" => "send-email" },
               "environment" => { "id" => "env_prod", "name" => "Production" },
               "organization" => ORG, "project" => PROJECT,
               "dashboardUrl" => "https://cloud.trigger.dev/errors/fp_9"
             })
  end

  def test_a_pretty_printed_run_failed_event_is_typed
    body = pretty(run_failed)
    assert_includes body, "\n  "
    event = construct(body)
    assert_instance_of Triggerdev::WebhookEvent, event
    assert_equal ["alert_rb_1", "alert.run.failed", "2025-01-01"], [event.id, event.type, event.webhook_version]
    assert_equal Time.utc(2026, 3, 4, 5, 6, Rational(7089, 1000)), event.created
    assert event.known?
    alert = event.object
    assert_instance_of Triggerdev::RunFailedAlert, alert
    assert_equal %w[sendEmail 4.8.3], [alert.task.export_name, alert.task.sdk_version]
    run = alert.run
    assert_equal ["run_abc", 42, Triggerdev::RunStatus::FAILED, "k1"], [run.id, run.number, run.status, run.idempotency_key]
    assert_equal Time.utc(2026, 3, 4, 5, 0, 1), run.started_at
    assert_nil run.completed_at
    assert run.test?
    refute run.out_of_memory_error?
    assert_equal %w[welcome], run.tags
    assert_instance_of Triggerdev::TaskRunError, run.error
    assert_equal %w[STRING_ERROR oops], [run.error.type, run.error.raw]
    assert_equal %w[STAGING staging], [alert.environment.type, alert.environment.slug]
    assert_nil alert.environment.branch_name
    assert_equal "proj_acme", alert.project.ref
    assert_equal run_failed, event.to_h
  end

  def test_deployment_events_are_typed
    alert = construct(pretty(deployment(true))).object
    assert_instance_of Triggerdev::DeploymentSuccessAlert, alert
    assert_equal Time.utc(2026, 3, 4, 6), alert.deployment.deployed_at
    assert_equal "ab12cd", alert.deployment.short_code
    assert_equal %w[SCHEDULED], alert.tasks.map(&:trigger_source)
    assert_instance_of Triggerdev::DeployedTask, alert.tasks[0]
    assert_equal %w[main github], [alert.git.branch, alert.git.provider]
    assert_nil alert.git.pull_request_number
    assert_nil alert.vercel

    failed = construct(pretty(deployment(false))).object
    assert_instance_of Triggerdev::DeploymentFailedAlert, failed
    assert_equal Time.utc(2026, 3, 4, 6), failed.deployment.failed_at
    assert_instance_of Triggerdev::DeployError, failed.error
    assert_equal ["BuildError", "at build", nil], [failed.error.name, failed.error.stack, failed.error.stderr]
  end

  def test_an_error_group_event_is_typed
    alert = construct(pretty(error_alert)).object
    assert_instance_of Triggerdev::ErrorAlert, alert
    assert_equal "unignored", alert.classification
    assert_equal ["TypeError", 12, "at x"], [alert.error.type, alert.error.occurrence_count, alert.error.stack_trace]
    assert_equal Time.utc(2026, 3, 1), alert.error.first_seen
    assert_equal Time.utc(2026, 3, 4), alert.error.last_seen
    assert_equal "Production", alert.environment.name
  end

  def test_an_unknown_type_is_verified_and_handed_through_as_a_hash
    data = { "id" => "watch:w1:channel:c1", "created" => "2026-08-02T00:00:00.000Z", "webhookVersion" => "2026-08-02",
             "type" => "alert.dashboard_agent_watch", "object" => { "summary" => "3 runs failed" } }
    body = pretty(data)
    event = construct(body)
    assert_equal "alert.dashboard_agent_watch", event.type
    refute event.known?
    assert_equal({ "summary" => "3 runs failed" }, event.object)
    assert_raises(Triggerdev::WebhookInvalidSignatureError) do
      Triggerdev::Webhooks.construct_event(body, sign(body, "whsec_other"), SECRET)
    end
  end

  def test_signatures_that_do_not_match
    body = pretty(run_failed)
    good = sign(body)
    cases = {
      "another secret" => [body, sign(body, "whsec_other")],
      "upper-case hex" => [body, good.upcase],
      "re-serialized body" => [JSON.generate(JSON.parse(body)), good],
      "a changed byte" => [body.sub('"number": 42', '"number": 43'), good],
      "a prefix" => [body, "sha256=#{good}"]
    }
    cases.each do |what, (payload, signature)|
      error = assert_raises(Triggerdev::WebhookInvalidSignatureError, what) do
        Triggerdev::Webhooks.construct_event(payload, signature, SECRET)
      end
      assert_kind_of Triggerdev::WebhookError, error
      assert_equal 26, error.kind
      assert_equal "invalid signature: x-trigger-signature-hmacsha256 is not the HMAC-SHA256 of the raw body " \
                   "with this secret", error.message
      refute_includes error.inspect, SECRET
    end
  end

  def test_a_missing_header
    [nil, ""].each do |header|
      error = assert_raises(Triggerdev::WebhookMissingSignatureError) do
        Triggerdev::Webhooks.construct_event(pretty(run_failed), header, SECRET)
      end
      assert_match(/x-trigger-signature-hmacsha256/, error.message)
      assert_nil error.status
    end
  end

  def test_an_empty_secret_names_secret
    body = pretty(run_failed)
    error = assert_raises(Triggerdev::InvalidArgumentError) do
      Triggerdev::Webhooks.construct_event(body, sign(body, ""), "")
    end
    assert_equal "secret", error.argument
    assert error.message.start_with?("secret: must not be empty"), error.message
  end

  def test_a_signed_body_that_is_not_json
    body = "<html>not json</html>"
    error = assert_raises(Triggerdev::WebhookInvalidPayloadError) do
      Triggerdev::Webhooks.construct_event(body, sign(body), SECRET)
    end
    assert error.message.start_with?("the webhook body is not an alert event: malformed JSON"), error.message
  end

  def test_a_known_type_whose_object_does_not_decode
    data = error_alert
    data["object"]["error"]["occurrenceCount"] = "many"
    error = assert_raises(Triggerdev::WebhookInvalidPayloadError) { construct(pretty(data)) }
    assert_equal "the webhook body is not an alert event: `object.error.occurrenceCount`: invalid type: string, " \
                 "expected a non-negative integer", error.message
    refute_includes error.message, "many"
  end

  def test_bodies_with_any_encoding_and_wrong_types
    body = pretty(error_alert)
    assert_equal "alert_rb_1", Triggerdev::Webhooks.construct_event(body.b, sign(body), SECRET).id
    assert_equal "alert_rb_1", Triggerdev::Webhooks.construct_event(body.dup.force_encoding("ISO-8859-1"), sign(body), SECRET).id
    assert_raises(TypeError) { Triggerdev::Webhooks.construct_event({ "id" => 1 }, "00", SECRET) }
    assert_raises(TypeError) { Triggerdev::Webhooks.construct_event(body, 7, SECRET) }
    assert_raises(TypeError) { Triggerdev::Webhooks.construct_event(body, "00", nil) }
    assert_equal "x-trigger-signature-hmacsha256", Triggerdev::Webhooks::SIGNATURE_HEADER
  end
end
