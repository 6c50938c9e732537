# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # An environment's secret key (+api_key+, hidden from #inspect) and the API URL to use it with
  # (+api_url+), with the project's +name+, +project_id+ and +default_runtime+.
  class ProjectEnvironment < TriggerObject
    fields :api_key, :name, :api_url, :project_id, :default_runtime
  end

  # The project in WhoAmI: +name+, +url+, +org_title+.
  class WhoAmIProject < TriggerObject
    fields :name, :url, :org_title
  end

  # The user a personal access token belongs to: +user_id+, +email+, +dashboard_url+, and
  # +project+ (a WhoAmIProject) when one was asked about and the user reaches it.
  class WhoAmI < TriggerObject
    fields :user_id, :email, :dashboard_url, :project
    nested "project" => WhoAmIProject
  end

  # client.projects: what a pipeline holding a personal access token asks about a project.
  #
  #   prod = ci.projects.environment("proj_...", "prod")
  #   Triggerdev::Client.new(access_token: prod.api_key, base_url: prod.api_url)
  class Projects < Resource
    # The secret key and API URL of +env+ ("dev", "staging", "prod", "preview"); on "preview"
    # the client's preview branch must exist. Returns a ProjectEnvironment.
    def environment(project_ref, env)
      args = [Util.string!(project_ref, "project_ref"), Util.string!(env, "env")]
      object(ProjectEnvironment, call(:trigger_projects_environment, *args))
    end

    # The token's user (a WhoAmI), with +project_ref+'s project when given and reachable.
    def whoami(project_ref = nil)
      object(WhoAmI, call(:trigger_projects_whoami, Util.optional_string(project_ref, "project_ref")))
    end
  end
end
