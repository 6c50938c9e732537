# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e.rs: envvars_for_every_env_and_a_preview_branch, plus .env files.
class EnvVarsTest < TriggerdevTest
  def test_envvars_for_every_env_and_a_preview_branch
    project = emu.project_ref
    pat = client(emu.pat)
    pat.envvars.create(project, "prod", name: "API_KEY", value: "k1", is_secret: true)
    listed = pat.envvars.list(project, "prod")
    assert_equal 1, listed.size
    assert_kind_of Triggerdev::EnvVar, listed[0]
    assert listed[0].secret?
    refute_equal "k1", listed[0].value, "secret values come back redacted"

    dev = client
    dev.envvars.upload(project, "dev", variables: { "A" => "1", B: "2" })
    error = assert_raises(Triggerdev::BadRequestError) do
      no_retry.envvars.upload(project, "dev", variables: { "A" => "changed" })
    end
    assert_match(/already set/, error.message)
    assert_equal "1", dev.envvars.retrieve(project, "dev", "A").value, "no override"
    dev.envvars.upload(project, "dev", variables: { "A" => "changed" }, override: true)
    assert_equal "changed", dev.envvars.retrieve(project, "dev", "A").value
    assert dev.envvars.update(project, "dev", "B", value: "3").success
    assert_equal "3", dev.envvars.retrieve(project, "dev", "B").value
    dev.envvars.delete(project, "dev", "B")
    quick = no_retry
    assert_raises(Triggerdev::NotFoundError) { quick.envvars.retrieve(project, "dev", "B") }
    emu.clear_requests
    error = assert_raises(Triggerdev::UnsupportedCredentialError) { quick.envvars.list(project, "prod") }
    assert_match(/tr_dev_.*prod/, error.message)
    assert_empty logged, "a dev key on prod is refused before sending"

    branch = client(emu.pat, preview_branch: emu.preview_branch)
    branch.envvars.create(project, "preview", name: "DATABASE_URL", value: "postgres://branch")
    assert_equal 1, branch.envvars.list(project, "preview").size
    assert_empty pat.envvars.list(project, "preview"), "the root preview env is separate"
    unknown = no_retry(emu.pat, preview_branch: "no-such-branch")
    assert_raises(Triggerdev::NotFoundError) { unknown.envvars.list(project, "preview") }
  end

  def test_a_preview_branch_never_reaches_dev_and_a_dev_branch_does
    project = emu.project_ref
    branch = no_retry(emu.pat, preview_branch: emu.preview_branch)
    emu.clear_requests
    branch.envvars.upload(project, "dev", variables: { "FROM_BRANCH_CLIENT" => "1" })
    request = logged.last
    assert_equal "/api/v1/projects/#{project}/envvars/dev/import", request["path"]
    refute request["headers"].key?("x-trigger-branch"), "a preview branch has no effect on dev"

    unknown = no_retry(emu.pat, dev_branch: "no-such-dev-branch")
    error = assert_raises(Triggerdev::NotFoundError) { unknown.envvars.list(project, "dev") }
    assert_equal "404 Branch not found", error.message
  end

  def test_dotenv_files
    text = "# comment\nexport A=1\nB=\"two words\"\nC='multi\nline'\n"
    parsed = Triggerdev::EnvVars.parse_dotenv(text)
    assert_equal({ "A" => "1", "B" => "two words", "C" => "multi\nline" }, parsed)
    assert_equal %w[A B C], parsed.keys, "file order"
    c = client
    assert_equal parsed, c.envvars.parse_dotenv(text)
    error = assert_raises(Triggerdev::InvalidArgumentError) { Triggerdev::EnvVars.parse_dotenv("not a line\n") }
    assert_match(/line/, error.message)

    c.envvars.upload_dotenv(emu.project_ref, "dev", text, override: true)
    assert_equal %w[A B C], c.envvars.list(emu.project_ref, "dev").map(&:name).sort
    body = logged("/api/v1/projects/").find { |r| r["path"].end_with?("/import") }["body"]
    assert_equal({ "variables" => parsed, "override" => true }, body)
  end
end
