# frozen_string_literal: true

require "digest"
require_relative "test_helper"

# What reaches the server, read back from the emulator's request log (GET /__emulator/requests).
class WireTest < TriggerdevTest
  def test_a_trigger_request
    client.tasks.trigger("send-email", { to: "ada@example.com" }, tags: ["welcome"], metadata: { plan: "pro" })
    request = logged.last
    assert_equal "POST", request["method"]
    assert_equal "/api/v1/tasks/send-email/trigger", request["path"]
    assert_equal({ "payload" => "{\"json\":{\"to\":\"ada@example.com\"}}",
                   "options" => { "payloadType" => "application/super+json", "payloadSize" => 33,
                                  "tags" => ["welcome"], "metadata" => { "plan" => "pro" } } }, request["body"])
    headers = request["headers"]
    assert_equal "Bearer #{emu.dev_key}", headers["authorization"]
    assert_equal "application/json", headers["content-type"]
    assert_equal "2025-07-16", headers["x-trigger-api-version"]
    assert_equal "triggerdev-rust/#{Triggerdev::VERSION} ruby/#{RUBY_VERSION}", headers["user-agent"]
    assert_match(/\A\h{8}-\h{4}-4\h{3}-\h{4}-\h{12}\z/, headers["x-trigger-request-idempotency-key"])

    client.tasks.trigger("echo", "plain text")
    body = logged.last["body"]
    assert_equal "plain text", body["payload"]
    assert_equal "text/plain", body["options"]["payloadType"]
  end

  def test_idempotency_keys_are_hashed_as_the_official_sdk
    client.tasks.trigger("charge", {}, idempotency_key: "welcome-ada", idempotency_key_ttl: "1d")
    options = logged.last["body"]["options"]
    assert_equal Digest::SHA256.hexdigest("welcome-ada"), options["idempotencyKey"]
    assert_equal({ "key" => "welcome-ada", "scope" => "run" }, options["idempotencyKeyOptions"])
    assert_equal "1d", options["idempotencyKeyTTL"]

    client.tasks.trigger("charge", {}, idempotency_key: %w[order 42])
    options = logged.last["body"]["options"]
    assert_equal Digest::SHA256.hexdigest("order-42"), options["idempotencyKey"]
    assert_equal Triggerdev::IdempotencyKeys.create(%w[order 42]), options["idempotencyKey"]

    created = Triggerdev::IdempotencyKeys.create("made-before", scope: "attempt")
    client.tasks.trigger("charge", {}, idempotency_key: created)
    options = logged.last["body"]["options"]
    assert_equal created, options["idempotencyKey"]
    assert_equal({ "key" => "made-before", "scope" => "attempt" }, options["idempotencyKeyOptions"])
  end

  def test_list_filters_in_the_query
    from = Time.utc(2025, 1, 1)
    client.runs.list_page(status: %w[COMPLETED FAILED], task_identifier: "send-email", tag: %w[a b],
                          from: from, to: 1_800_000_000_000, is_test: false, limit: 10,
                          queue: [{ type: "task", name: "t" }, { type: "custom", name: "q" }])
    query = logged("/api/v1/runs").last["query"]
    assert_equal "COMPLETED,FAILED", query["filter[status]"]
    assert_equal "send-email", query["filter[taskIdentifier]"]
    assert_equal "a,b", query["filter[tag]"]
    assert_equal (from.to_i * 1000).to_s, query["filter[createdAt][from]"]
    assert_equal "1800000000000", query["filter[createdAt][to]"]
    assert_equal "false", query["filter[isTest]"]
    assert_equal "10", query["page[size]"]
    assert_equal "task/t,q", query["filter[queue]"]

    client(emu.pat).runs.list_page(project_ref: emu.project_ref, env: "dev")
    request = logged("/api/v1/projects").last
    assert_equal "/api/v1/projects/#{emu.project_ref}/runs", request["path"]
    assert_equal "dev", request["query"]["filter[env]"]

    # The official runs.list(projectRef, params): the project ref may come first.
    client(emu.pat).runs.list(emu.project_ref, env: "dev", limit: 3).first_page
    request = logged("/api/v1/projects").last
    assert_equal "/api/v1/projects/#{emu.project_ref}/runs", request["path"]
    assert_equal %w[dev 3], request["query"].values_at("filter[env]", "page[size]")
    assert_raises(ArgumentError) { client(emu.pat).runs.list(emu.project_ref, project_ref: "other") }
  end

  def test_bodies_of_envvars_schedules_and_batches
    c = client
    c.envvars.create(emu.project_ref, "dev", name: "A", value: "1", is_secret: false)
    assert_equal({ "name" => "A", "value" => "1", "isSecret" => false }, logged.last["body"])
    c.envvars.upload(emu.project_ref, "dev", variables: { "B" => "2" }, is_secret: true, override: true)
    assert_equal({ "variables" => { "B" => "2" }, "isSecret" => true, "override" => true }, logged.last["body"])
    c.schedules.create(task: "r", cron: "0 9 * * *", deduplication_key: "d", external_id: "u", timezone: "UTC")
    assert_equal({ "task" => "r", "cron" => "0 9 * * *", "deduplicationKey" => "d", "externalId" => "u",
                   "timezone" => "UTC" }, logged.last["body"])
    c.tasks.batch_trigger([{ task: "a", payload: 1 }, { task: "b" }], idempotency_key: "b-1")
    create, items = logged("/api/v3/batches").first(2)
    assert_equal 2, create["body"]["runCount"]
    assert_equal "/api/v3/batches/#{items['path'].split('/')[4]}/items", items["path"]
    assert_equal "application/x-ndjson", items["headers"]["content-type"]
  end
end
