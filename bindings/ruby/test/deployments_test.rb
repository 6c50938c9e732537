# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e_surface.rs, deployments: current, latest, retrieve, promote and its refusals, the
# list's filters and pages, and what a public token may read. In prod: as on the server, dev
# environments have no deployments.
class DeploymentsTest < TriggerdevTest
  def test_dev_has_no_deployments
    error = assert_raises(Triggerdev::NotFoundError) { no_retry.deployments.retrieve_current }
    assert_equal "404 Not found", error.message
    assert_empty client.deployments.list.to_a
  end

  def test_current_latest_retrieve_and_promote
    emu.set_clock("2025-06-10T12:00:00Z")
    c = client(emu.prod_key)
    seeded = c.deployments.retrieve_current
    assert_kind_of Triggerdev::Deployment, seeded
    assert_equal %w[20250101.1 DEPLOYED], [seeded.version, seeded.status]
    assert_equal Time.utc(2025, 1, 1), seeded.created_at
    assert_equal seeded.id, c.deployments.retrieve_latest.id

    newer = emu.add_deployment(env: "prod", version: "20250601.1", created_at: "2025-06-01T00:00:00Z", tasks: ["send-email"])["id"]
    failed = emu.add_deployment(env: "prod", version: "20250602.1", status: "FAILED", created_at: "2025-06-02T00:00:00Z")["id"]

    latest = c.deployments.retrieve_latest
    assert_equal [failed, "FAILED"], [latest.id, latest.status], "the newest of any status"
    assert_equal "Build failed", latest.error_data.message
    assert_equal seeded.id, c.deployments.retrieve_current.id

    detail = c.deployments.retrieve(newer)
    assert_equal "20250601.1", detail.version
    assert_equal "send-email", detail.worker.tasks.first.slug

    promoted = c.deployments.promote("20250601.1")
    assert_kind_of Triggerdev::PromotedDeployment, promoted
    assert_equal [newer, "20250601.1"], [promoted.id, promoted.version]
    refute_nil promoted.short_code
    assert_equal newer, c.deployments.retrieve_current.id
    assert_equal "/api/v1/deployments/20250601.1/promote", logged.find { |r| r["method"] == "POST" }["path"]

    quick = no_retry(emu.prod_key)
    {
      "20250601.1" => "400 Deployment is already the current deployment.",
      "20250101.1" => "400 Cannot promote a deployment that is older than the current deployment.",
      "20250602.1" => "400 Deployment is not associated with a worker and cannot be promoted.",
    }.each do |version, message|
      error = assert_raises(Triggerdev::BadRequestError) { quick.deployments.promote(version) }
      assert_equal message, error.message
    end
    error = assert_raises(Triggerdev::NotFoundError) { quick.deployments.promote("19990101.1") }
    assert_equal "404 Deployment not found", error.message
    assert_raises(Triggerdev::NotFoundError) { quick.deployments.retrieve("deployment_nope") }
  end

  def test_list_filters_and_three_pages
    emu.set_clock("2025-06-20T00:00:00Z")
    (1..11).each do |day|
      emu.add_deployment(env: "prod", version: format("202506%02d.1", day), created_at: format("2025-06-%02dT00:00:00Z", day),
                         status: day == 5 ? "FAILED" : nil)
    end
    c = client(emu.prod_key)
    # Newest first; the server raises the page size to at least 5.
    page = c.deployments.list_page(limit: 2)
    assert_kind_of Triggerdev::DeploymentsPage, page
    assert_equal 5, page.size
    assert_equal "20250611.1", page.data.first.version
    assert_equal page.data[4].id, page.next_cursor
    assert_equal "20250606.1", page.next_page.data.first.version
    assert_equal page.next_cursor, logged("/api/v1/deployments").last["query"]["page[after]"]

    emu.clear_requests
    versions = c.deployments.list(limit: 5).map(&:version)
    assert_equal 12, versions.size
    assert_equal %w[20250611.1 20250101.1], [versions.first, versions.last]
    assert_equal 3, logged("/api/v1/deployments").size

    assert_equal ["20250605.1"], c.deployments.list(status: "FAILED").map(&:version)
    assert_equal %w[20250611.1 20250610.1], c.deployments.list(period: "10d").map(&:version)
    window = c.deployments.list(from: Time.utc(2025, 6, 3), to: "2025-06-04T12:00:00Z").map(&:version)
    assert_equal %w[20250604.1 20250603.1], window
    query = logged("/api/v1/deployments").last["query"]
    assert_equal ["2025-06-03T00:00:00.000Z", "2025-06-04T12:00:00Z"], [query["from"], query["to"]]

    error = assert_raises(ArgumentError) { c.deployments.list(after: "x") }
    assert_match(/cursor:/, error.message)
  end

  def test_a_public_token_reads_current_and_lists_only
    prod = { key: emu.prod_key, env: "env_emulator_prod" }
    reader = no_retry(sign_jwt(["read:deployments"], **prod))
    assert_equal "20250101.1", reader.deployments.retrieve_current.version
    assert_equal 1, reader.deployments.list.count
    emu.clear_requests
    [-> { reader.deployments.retrieve_latest }, -> { reader.deployments.promote("20250101.1") },
     -> { reader.deployments.retrieve("deployment_x") }].each do |call|
      assert_raises(Triggerdev::UnsupportedCredentialError) { call.call }
    end
    assert_empty logged, "refused before sending"
    lister = no_retry(sign_jwt(["read:deployments:list"], **prod))
    assert_equal 1, lister.deployments.list.count
    assert_raises(Triggerdev::PermissionDeniedError) { lister.deployments.retrieve_current }

    configure_ambient(emu.prod_key)
    assert_equal "20250101.1", Triggerdev.deployments.retrieve_current.version
  end
end
