# frozen_string_literal: true

module Triggerdev
  # The task of a failed run.
  class AlertTask < TriggerObject
    fields :id, :file_path, :export_name, :version, :sdk_version, :cli_version
  end

  # The run of +alert.run.failed+.
  class AlertRun < TriggerObject
    fields :id, :number, :status, :created_at, :started_at, :completed_at, :is_test,
           :idempotency_key, :tags, :error, :is_out_of_memory_error, :machine, :dashboard_url
    nested "error" => TaskRunError
  end

  # The environment of a run or deployment alert: +type+ is PRODUCTION, STAGING, DEVELOPMENT or
  # PREVIEW (+branch_name+ for a preview branch).
  class AlertEnvironment < TriggerObject
    fields :id, :type, :slug, :branch_name
  end

  # The organization an alert is about.
  class AlertOrganization < TriggerObject
    fields :id, :slug, :name
  end

  # The project an alert is about (+ref+ is "proj_...").
  class AlertProject < TriggerObject
    fields :id, :ref, :slug, :name
  end

  # The object of +alert.run.failed+.
  class RunFailedAlert < TriggerObject
    fields :task, :run, :environment, :organization, :project
    nested "task" => AlertTask, "run" => AlertRun, "environment" => AlertEnvironment,
           "organization" => AlertOrganization, "project" => AlertProject
  end

  # The deployment of a deployment alert: +deployed_at+ when it succeeded, +failed_at+ when it
  # failed.
  class AlertDeployment < TriggerObject
    fields :id, :status, :version, :short_code, :deployed_at, :failed_at
  end

  # A task of a deployment.
  class DeployedTask < TriggerObject
    fields :id, :file_path, :export_name, :trigger_source
  end

  # The git commit a deployment was built from.
  class AlertGit < TriggerObject
    fields :branch, :commit_sha, :commit_message, :commit_url, :branch_url, :pull_request_number,
           :pull_request_title, :pull_request_url, :provider
  end

  # The Vercel deployment that started a deployment.
  class AlertVercel < TriggerObject
    fields :deployment_url
  end

  # Why a deployment failed.
  class DeployError < TriggerObject
    fields :name, :message, :stack, :stderr
  end

  # The object of +alert.deployment.success+.
  class DeploymentSuccessAlert < TriggerObject
    fields :deployment, :tasks, :environment, :organization, :project, :git, :vercel
    nested "deployment" => AlertDeployment, "tasks" => DeployedTask,
           "environment" => AlertEnvironment, "organization" => AlertOrganization,
           "project" => AlertProject, "git" => AlertGit, "vercel" => AlertVercel
  end

  # The object of +alert.deployment.failed+: as a success's, with +error+.
  class DeploymentFailedAlert < DeploymentSuccessAlert
    fields :error
    nested "error" => DeployError
  end

  # Reads ISO-8601 fields whose names the generic time rule does not cover as Time (UTC).
  module AlertTimes
    private

    def time_field(key)
      value = self[key]
      value.is_a?(String) && TriggerObject::ISO_TIME.match?(value) ? time(key, value) : value
    end
  end

  # The error group of +alert.error+.
  class ErrorGroup < TriggerObject
    include AlertTimes
    fields :fingerprint, :type, :message, :stack_trace, :occurrence_count, :task_identifier

    # The first occurrence (a Time).
    def first_seen
      time_field("firstSeen")
    end

    # The last occurrence (a Time).
    def last_seen
      time_field("lastSeen")
    end
  end

  # The environment of +alert.error+.
  class ErrorAlertEnvironment < TriggerObject
    fields :id, :name
  end

  # The object of +alert.error+; +classification+ is "new_issue", "regression" or "unignored".
  class ErrorAlert < TriggerObject
    fields :classification, :error, :environment, :organization, :project, :dashboard_url
    nested "error" => ErrorGroup, "environment" => ErrorAlertEnvironment,
           "organization" => AlertOrganization, "project" => AlertProject
  end

  # A verified alert webhook event (Webhooks.construct_event). +object+ is the object of its
  # +type+ (RunFailedAlert, DeploymentSuccessAlert, DeploymentFailedAlert, ErrorAlert), or, for a
  # type this SDK does not know (such as +alert.dashboard_agent_watch+), the object as a Hash.
  class WebhookEvent < TriggerObject
    include AlertTimes
    fields :id, :webhook_version, :type

    # The object class of each event type the library decodes.
    OBJECTS = {
      "alert.run.failed" => RunFailedAlert,
      "alert.deployment.success" => DeploymentSuccessAlert,
      "alert.deployment.failed" => DeploymentFailedAlert,
      "alert.error" => ErrorAlert,
    }.freeze

    # When the event was created (a Time).
    def created
      time_field("created")
    end

    # The event's object: an instance of its type's class, or a Hash for an unknown type.
    def object
      klass = OBJECTS[type]
      value = to_h["object"]
      return value unless klass && value.is_a?(Hash)

      (@cache ||= {}).fetch("object") { @cache["object"] = klass.new(value) }
    end

    # Whether the library decodes this +type+ (+object+ is then typed).
    def known?
      OBJECTS.key?(type)
    end
  end

  # Alert webhooks: check that a request to your alert URL came from Trigger.dev and decode its
  # event (the official SDK's +webhooks.constructEvent+). No request is made; no client or
  # configuration is needed.
  #
  #   event = Triggerdev::Webhooks.construct_event(
  #     request.raw_post, request.headers["X-Trigger-Signature-Hmacsha256"], secret
  #   )
  #   puts event.object.run.id if event.type == "alert.run.failed"
  module Webhooks
    # The request header that carries the signature.
    SIGNATURE_HEADER = "x-trigger-signature-hmacsha256"

    # Verifies an alert webhook's request and decodes its event. +payload+ is the raw request
    # body (a String of its bytes, as received: not JSON parsed and written again), +signature+
    # the +x-trigger-signature-hmacsha256+ header (nil when the request has none), +secret+ the
    # webhook alert's secret. The signature (lower-case hex HMAC-SHA256 of the body) is compared
    # in constant time. An event of a type this SDK does not know is verified and returned with
    # its object as a Hash, where the official SDK raises.
    #
    # Raises WebhookMissingSignatureError, WebhookInvalidSignatureError (another secret,
    # upper-case hex, a body changed after signing) or WebhookInvalidPayloadError (signed, but
    # not an alert event), all WebhookError: answer the request with a 400.
    # InvalidArgumentError for an empty +secret+; TypeError for arguments of the wrong type.
    def self.construct_event(payload, signature, secret)
      raise TypeError, "payload must be a String, not #{Util.describe(payload)}" unless payload.is_a?(String)

      body = payload.b
      text = Native.call_json(:trigger_webhooks_construct_event, body, body.bytesize,
                              Util.optional_string(signature, "signature"), Util.string!(secret, "secret"))
      WebhookEvent.new(text)
    end
  end
end
