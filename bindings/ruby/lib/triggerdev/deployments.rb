# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # A deployment (+deployments.retrieve+, +retrieve_current+, +retrieve_latest+, list items).
  class Deployment < TriggerObject
    fields :id, :status, :version, :short_code, :created_at, :deployed_at, :runtime,
           :runtime_version, :content_hash, :image_reference, :git, :error, :error_data, :worker,
           :external_id, :commit_sha, :image_platform, :external_build_data, :canceled_reason
  end

  # What +deployments.promote+ returns: +id+, +version+, +short_code+.
  class PromotedDeployment < TriggerObject
    fields :id, :version, :short_code
  end

  # A page of +deployments.list_page+: +data+ (Deployments) and +next_cursor+.
  class DeploymentsPage < CursorPage
    nested "data" => Deployment
  end

  # client.deployments: the deployments of the key's environment.
  class Deployments < Resource
    LIST_PARAMS = {
      status: :string, period: :string, from: :iso_time, to: :iso_time, limit: :integer,
      cursor: :string
    }.freeze

    # Every deployment the filters match, newest first, as a lazy Enumerable of Deployments.
    # Filters: status: ("DEPLOYED", "FAILED", ...), period: ("7d"), from:/to: (a Time or an
    # ISO 8601 String), limit: (page size), cursor: (start after this deployment).
    def list(**filters)
      pager("deployments", options_json(LIST_PARAMS, filters, "deployments.list"), Deployment) do |deployments|
        deployments.list_page(**filters)
      end
    end

    # One page of deployments (a DeploymentsPage), same filters as #list.
    def list_page(**filters)
      cursor_page(DeploymentsPage, :trigger_deployments_list,
                  options_json(LIST_PARAMS, filters, "deployments.list_page")) do |cursor|
        list_page(**filters, cursor: cursor)
      end
    end

    # The Deployment +deployment_id+.
    def retrieve(deployment_id)
      object(Deployment, call(:trigger_deployments_retrieve, id!(deployment_id, "deployment_id")))
    end

    # The deployment new runs go to.
    def retrieve_current
      object(Deployment, call(:trigger_deployments_retrieve_current))
    end

    # The newest deployment, whatever its status.
    def retrieve_latest
      object(Deployment, call(:trigger_deployments_retrieve_latest))
    end

    # Makes the deployment of +version+ ("20250601.1") the current one; returns a
    # PromotedDeployment.
    def promote(version)
      object(PromotedDeployment, call(:trigger_deployments_promote, id!(version, "version")))
    end
  end
end
