# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # A branch environment's id (what creating a branch answers).
  class BranchId < TriggerObject
    fields :id
  end

  # What archiving a branch answers: +branch.id+ is the archived branch environment.
  class ArchivedBranch < TriggerObject
    fields :branch
    nested "branch" => BranchId
  end

  # A live preview branch: +id+, +name+, +created_at+ and +updated_at+ (Times), +git+ (a Hash or
  # nil), +paused?+.
  class Branch < TriggerObject
    fields :id, :name, :created_at, :updated_at, :git, :is_paused
  end

  # client.branches: preview and dev branches of a project, for CI. +env:+ is "preview" (the
  # default) or "development". A personal access token does everything; creating and archiving
  # preview branches also works with the preview environment's own secret key.
  #
  #   ci.branches.create("proj_...", "pr-42", git: { "commitSha" => sha })
  #   ci.branches.archive("proj_...", "pr-42")
  class Branches < Resource
    # Creates a branch, or updates its git metadata if it exists; returns a BranchId.
    def create(project_ref, branch, env: "preview", git: nil)
      body = { "env" => Util.string!(env, "env:"), "branch" => Util.string!(branch, "branch") }
      unless git.nil?
        raise TypeError, "git: must be a Hash, not #{Util.describe(git)}" unless git.is_a?(Hash)

        body["git"] = git
      end
      json = Util.json(body, "body", members: true)
      object(BranchId, call(:trigger_branches_create, Util.string!(project_ref, "project_ref"), json))
    end

    # The live preview branches (Branches); a personal access token only.
    def list(project_ref)
      json = call(:trigger_branches_list, Util.string!(project_ref, "project_ref"))
      JSON.parse(json)["branches"].map { |item| Branch.new(item) }
    end

    # Archives a branch: it is no longer listed, and its name may be created again. Returns an
    # ArchivedBranch.
    def archive(project_ref, branch, env: "preview")
      args = [Util.string!(project_ref, "project_ref"), Util.string!(env, "env:"), Util.string!(branch, "branch")]
      object(ArchivedBranch, call(:trigger_branches_archive, *args))
    end
  end
end
