# frozen_string_literal: true

require_relative "test_helper"

# The routes CI needs: branches (create, list, archive), an environment's key for a personal
# access token, and whoami: the exact request of each call (from the emulator's log), the
# decoded objects, and the errors a caller can hit.
class CiRoutesTest < TriggerdevTest
  def test_a_pipeline_with_only_a_pat
    project = emu.project_ref
    ci = no_retry(emu.pat)
    me = ci.projects.whoami(project)
    request = logged("/api/v2/whoami").last
    assert_equal [{ "projectRef" => project }, "Bearer #{emu.pat}"], [request["query"], request["headers"]["authorization"]]
    assert_kind_of Triggerdev::WhoAmI, me
    assert_equal ["user_emulator_1", emu.base_url, "Emulator project"], [me.user_id, me.dashboard_url, me.project.name]
    assert_nil ci.projects.whoami.project

    prod = ci.projects.environment(project, "prod")
    assert_equal ["GET", "/api/v1/projects/#{project}/prod"], logged("/api/v1/projects").last.values_at("method", "path")
    assert_kind_of Triggerdev::ProjectEnvironment, prod
    assert_equal [emu.prod_key, emu.base_url, "Emulator project"], [prod.api_key, prod.api_url, prod.name]
    refute_includes prod.inspect, emu.prod_key
    key = Triggerdev::Client.new(access_token: prod.api_key, base_url: prod.api_url, max_retries: 0)
    assert_match(/\Arun_/, key.tasks.trigger("rb-ci", {}).id)

    created = ci.branches.create(project, "pr-42", git: { "commitSha" => "abc", "pullRequestNumber" => 42 })
    request = logged("/api/v1/projects/#{project}/branches").last
    assert_equal ["POST", '{"env":"preview","branch":"pr-42","git":{"commitSha":"abc","pullRequestNumber":42}}'],
                 request.values_at("method", "rawBody")
    assert_kind_of Triggerdev::BranchId, created

    branches = ci.branches.list(project)
    assert_equal [emu.preview_branch, "pr-42"], branches.map(&:name)
    assert(branches.all? { |b| b.is_a?(Triggerdev::Branch) })
    assert_equal [{ "commitSha" => "abc", "pullRequestNumber" => 42 }, false], [branches[1].git.to_h, branches[1].paused?]
    assert_kind_of Time, branches[1].created_at

    archived = ci.branches.archive(project, "pr-42")
    assert_equal '{"env":"preview","branch":"pr-42"}', logged("/api/v1/projects/#{project}/branches/archive").last["rawBody"]
    assert_kind_of Triggerdev::ArchivedBranch, archived
    assert_equal created.id, archived.branch.id
    assert_equal [emu.preview_branch], ci.branches.list(project).map(&:name)
    e = assert_raises(Triggerdev::BadRequestError) { ci.branches.archive(project, "pr-42") }
    assert_includes e.message, "Branch already archived"
    assert_raises(Triggerdev::NotFoundError) { ci.branches.archive(project, "nope") }

    ci.branches.create(project, "alice", env: "development")
    refute_nil ci.branches.archive(project, "alice", env: "development").branch.id
  end

  def test_the_preview_key_creates_and_archives_preview_branches_only
    key = no_retry(emu.preview_key)
    created = key.branches.create(emu.project_ref, "pr-9")
    refute logged("/api/v1/projects").last["headers"].key?("x-trigger-branch")
    e = assert_raises(Triggerdev::BadRequestError) { key.branches.create(emu.project_ref, "bob", env: "development") }
    assert_includes e.message, "API keys can only create Preview branches."
    assert_equal created.id, key.branches.archive(emu.project_ref, "pr-9").branch.id
    assert_raises(Triggerdev::UnsupportedCredentialError) { key.branches.list(emu.project_ref) }
  end

  def test_bad_arguments_and_credentials_are_refused_before_sending
    dev = no_retry
    emu.clear_requests
    assert_raises(Triggerdev::UnsupportedCredentialError) { dev.projects.whoami }
    assert_raises(Triggerdev::UnsupportedCredentialError) { dev.projects.environment(emu.project_ref, "prod") }
    assert_raises(Triggerdev::UnsupportedCredentialError) { dev.branches.list(emu.project_ref) }
    ci = no_retry(emu.pat)
    e = assert_raises(Triggerdev::InvalidArgumentError) { ci.projects.environment(emu.project_ref, "production") }
    assert_equal "env", e.argument
    e = assert_raises(Triggerdev::InvalidArgumentError) { ci.branches.archive(emu.project_ref, "x", env: "main") }
    assert_match(/\Aenv/, e.argument)
    assert_raises(Triggerdev::InvalidArgumentError) { ci.branches.create(emu.project_ref, "x", env: "main") }
    assert_raises(TypeError) { ci.branches.create(emu.project_ref, "x", git: "sha") }
    assert_raises(Triggerdev::InvalidArgumentError) { ci.branches.list("") }
    assert_empty logged
  end
end
