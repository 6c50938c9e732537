# frozen_string_literal: true

require_relative "test_helper"

# tests/e2e_surface.rs, waitpoint tokens: create (idempotent), list with filters, complete from a
# client made of the token alone, the completion data decoded, timeouts, pages.
class WaitpointsTest < TriggerdevTest
  def test_create_list_complete_with_its_own_token_and_retrieve
    c = client
    created = c.waitpoints.create_token(timeout: "1h", idempotency_key: "approve-42",
                                        idempotency_key_ttl: "1d", tags: ["approval"])
    assert_kind_of Triggerdev::CreatedWaitpointToken, created
    assert created.id.start_with?("waitpoint_")
    refute created.cached?
    assert created.url.start_with?("#{emu.base_url}/api/v1/waitpoints/tokens/#{created.id}/callback/")
    claims = jwt_claims(created.public_access_token)
    assert_equal ["write:waitpoints:#{created.id}"], claims["scopes"]
    assert_equal 24 * 3600, claims["exp"] - claims["iat"]
    assert_equal({ "timeout" => "1h", "idempotencyKey" => "approve-42", "idempotencyKeyTTL" => "1d", "tags" => ["approval"] },
                 logged("/api/v1/waitpoints/tokens").last["body"])
    refute_includes created.inspect, created.public_access_token

    again = c.waitpoints.create_token(idempotency_key: "approve-42")
    assert_equal created.id, again.id
    assert again.cached?
    other = c.waitpoints.create_token(tags: "other")

    approval = c.waitpoints.list_tokens(status: "WAITING", tags: ["approval"]).to_a
    assert_equal [created.id], approval.map(&:id)
    token = approval.first
    assert_kind_of Triggerdev::WaitpointToken, token
    assert_equal [["approval"], "approve-42", true], [token.tags, token.idempotency_key, token.waiting?]
    assert_kind_of Time, token.timeout_at
    assert_equal 1, c.waitpoints.list_tokens(idempotency_key: "approve-42").count
    assert_empty c.waitpoints.list_tokens(status: "COMPLETED").to_a

    # Whoever approves needs the token alone.
    approver = Triggerdev::Client.new(access_token: created.public_access_token, base_url: emu.base_url)
    assert approver.waitpoints.complete_token(created.id, { approved: true, by: "ada" }).success?
    assert_equal '{"approved":true,"by":"ada"}', logged("/api/v1/waitpoints/tokens/#{created.id}/complete").last["body"]["data"].then { |d| JSON.generate(d) }

    done = c.waitpoints.retrieve_token(created.id)
    assert done.completed?
    assert_kind_of Time, done.completed_at
    refute done.output_error?
    assert_equal "application/super+json", done.output_type
    assert_equal({ "approved" => true, "by" => "ada" }, done.output)
    assert_equal done.output, done.output_value
    assert_equal '{"json":{"approved":true,"by":"ada"}}', done.raw_output
    assert_equal [created.id], c.waitpoints.list_tokens(status: "COMPLETED").map(&:id)

    # Completing again is a no-op; the first data stays.
    c.waitpoints.complete_token(created.id, "late")
    assert_equal({ "approved" => true, "by" => "ada" }, c.waitpoints.retrieve_token(created.id).output)

    # A String completes as text.
    c.waitpoints.complete_token(other.id, "approved")
    text = c.waitpoints.retrieve_token(other.id)
    assert_equal ["text/plain", "approved", "approved"], [text.output_type, text.raw_output, text.output]

    # No data at all.
    bare = c.waitpoints.create_token
    c.waitpoints.complete_token(bare.id)
    assert_equal({}, logged("/api/v1/waitpoints/tokens/#{bare.id}/complete").last["body"] || {})
    done = c.waitpoints.retrieve_token(bare.id)
    assert done.completed?
    assert_nil done.output
  end

  def test_output_is_the_librarys_decoding_of_the_token
    c = client
    token = c.waitpoints.create_token(tags: ["decode"])
    waiting = c.waitpoints.retrieve_token(token.id)
    assert_nil waiting.output, "no completion data yet"
    assert_nil waiting.output_value
    assert_nil waiting.raw_output

    c.waitpoints.complete_token(token.id, { approved: true })
    done = c.waitpoints.retrieve_token(token.id)
    emu.clear_requests
    assert_equal({ "approved" => true }, done.output)
    assert_equal({ "approved" => true }, done.output_value)
    assert_equal '{"json":{"approved":true}}', done.raw_output
    assert_empty logged("/"), "decoding makes no request"
    # A token made from a Hash decodes alike; list items carry no output (retrieve only).
    assert_equal({ "approved" => true }, Triggerdev::WaitpointToken.new(done.to_h).output)
    assert_equal [nil], c.waitpoints.list_tokens(tags: ["decode"]).map(&:output)
    assert_equal [nil], c.waitpoints.list_tokens_page(tags: ["decode"]).data.map(&:output)

    # What the library cannot decode is nil, as in Rust.
    unknown = done.to_h.merge("outputType" => "application/x-unknown")
    assert_nil Triggerdev::WaitpointToken.new(unknown).output
    assert_raises(Triggerdev::InvalidArgumentError) { Triggerdev::WaitpointToken.new("{}").output }
  end

  def test_a_token_scoped_to_another_waitpoint_is_permission_denied
    c = client
    a = c.waitpoints.create_token
    b = c.waitpoints.create_token
    with_a = no_retry(a.public_access_token)
    error = assert_raises(Triggerdev::PermissionDeniedError) { with_a.waitpoints.complete_token(b.id, { x: 1 }) }
    assert_equal 403, error.status
    assert_equal "WAITING", c.waitpoints.retrieve_token(b.id).status

    emu.clear_requests
    error = assert_raises(Triggerdev::UnsupportedCredentialError) { with_a.waitpoints.retrieve_token(a.id) }
    assert_match(/wait\.retrieveToken/, error.message)
    assert_raises(Triggerdev::UnsupportedCredentialError) { with_a.waitpoints.create_token }
    assert_empty logged, "refused before sending"
    error = assert_raises(Triggerdev::NotFoundError) { no_retry.waitpoints.retrieve_token("waitpoint_nope") }
    assert_equal "404 Waitpoint not found", error.message
  end

  def test_a_token_past_its_timeout_is_timed_out_with_the_error_as_output
    c = client
    t = c.waitpoints.create_token(timeout: "1h")
    emu.advance(seconds: 2 * 3600)
    timed_out = c.waitpoints.retrieve_token(t.id)
    assert timed_out.timed_out?
    assert timed_out.output_error?
    assert_equal "TRIGGER_WAITPOINT_TIMEOUT", timed_out.output["code"]
    assert_equal [t.id], c.waitpoints.list_tokens(status: "TIMED_OUT").map(&:id)

    at = Time.utc(2030, 1, 2, 3, 4, 5)
    c.waitpoints.create_token(timeout: at)
    assert_equal "2030-01-02T03:04:05.000Z", logged("/api/v1/waitpoints/tokens").last["body"]["timeout"]
  end

  def test_the_pager_walks_three_pages_newest_first
    c = client
    ids = Array.new(5) { |i| c.waitpoints.create_token(tags: ["t#{i}"]).id }
    emu.clear_requests
    assert_equal ids.reverse, c.waitpoints.list_tokens(limit: 2).map(&:id)
    assert_equal 3, logged("/api/v1/waitpoints/tokens").size
    page = c.waitpoints.list_tokens_page(limit: 2)
    assert_kind_of Triggerdev::WaitpointTokensPage, page
    assert_equal ids.reverse[2, 2], page.next_page.map(&:id)
    assert_equal ids.reverse.first(3), c.waitpoints.list_tokens(limit: 2).first(3).map(&:id)

    configure_ambient
    assert_equal 5, Triggerdev.waitpoints.list_tokens.count
    assert_raises(ArgumentError) { c.waitpoints.list_tokens(tag: "t1") }
    assert_raises(ArgumentError) { c.waitpoints.complete_token(ids[0], Float::NAN) }
  end
end
