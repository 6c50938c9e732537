# frozen_string_literal: true

require "net/http"
require_relative "test_helper"

# Public access tokens (tests/sessions.rs): decoded here and verified with an independent HS256
# check (OpenSSL), their claims in the official order, the 1-hour default, every form of
# expiration_time, what is refused before sending, trigger tokens, additional keys, and the
# ambient functions.
class PublicTokensTest < TriggerdevTest
  # [header JSON, claims JSON (text), signature bytes, signing input].
  def decode(token)
    header, payload, signature = token.split(".")
    refute_nil signature, "three parts"
    [b64url_decode(header), b64url_decode(payload), b64url_decode(signature), "#{header}.#{payload}"]
  end

  # True when +token+ is HS256-signed with +key+ (compared in constant time).
  def signed_with?(token, key)
    _, _, signature, input = decode(token)
    expected = OpenSSL::HMAC.digest("SHA256", key, input)
    OpenSSL.fixed_length_secure_compare(expected, signature)
  end

  # The claims the emulator gives for +key+ (what the library asks for before signing).
  def emulator_claims(key)
    uri = URI("#{emu.base_url}/api/v1/auth/jwt/claims")
    response = Net::HTTP.post(uri, "{}", "authorization" => "Bearer #{key}", "content-type" => "application/json")
    JSON.parse(response.body)
  end

  def test_a_token_signed_locally_decodes_and_verifies
    c = client
    scopes = { read: { runs: true, sessions: %w[a b] }, write: { sessions: "a" }, batch_trigger: { tasks: "t" } }
    emu.clear_requests
    before = Time.now.to_i
    token = c.auth.create_public_token(scopes: scopes)
    after = Time.now.to_i
    assert_kind_of String, token
    assert_equal ["/api/v1/auth/jwt/claims"], logged.map { |r| r["path"] }, "one request, for the claims"

    header, payload, = decode(token)
    assert_equal '{"alg":"HS256"}', header
    assert signed_with?(token, emu.dev_key), "HS256 with the environment's root key"
    refute signed_with?(token, emu.prod_key)
    claims = JSON.parse(payload)
    expected_claims = emulator_claims(emu.dev_key)
    assert_equal expected_claims.keys + %w[scopes iss aud exp iat], claims.keys, "the emulator's claims, then scopes, iss, aud, exp, iat"
    expected_claims.each { |k, v| assert_equal v, claims[k], k }
    assert_equal %w[read:runs read:sessions:a read:sessions:b write:sessions:a batchTrigger:tasks:t], claims["scopes"]
    assert_equal ["https://id.trigger.dev", "https://api.trigger.dev"], [claims["iss"], claims["aud"]]
    assert_equal 3600, claims["exp"] - claims["iat"], "1 hour by default"
    assert_includes before..after, claims["iat"]

    # The emulator accepts it, with its scopes.
    assert_equal 0, no_retry(token).runs.list.count
    # Without scopes, a root key's token has no scopes claim.
    bare = jwt_claims(c.auth.create_public_token)
    refute bare.key?("scopes")
    assert_equal 3600, bare["exp"] - bare["iat"]
  end

  def test_every_form_of_expiration_time
    c = client
    claims = jwt_claims(c.auth.create_public_token(scopes: { read: { runs: true } }, expiration_time: "15m"))
    assert_equal 900, claims["exp"] - claims["iat"]
    at = Time.now + 7200
    assert_equal at.to_i, jwt_claims(c.auth.create_public_token(expiration_time: at))["exp"]
    unix = Time.now.to_i + 86_400
    assert_equal unix, jwt_claims(c.auth.create_public_token(expiration_time: unix))["exp"], "an Integer is Unix seconds"
    assert_equal 2 * 86_400, jwt_claims(c.auth.create_public_token(expiration_time: "2d")).then { |x| x["exp"] - x["iat"] }

    emu.clear_requests
    ["31d", "soon", "-1h", Time.now - 60, Time.now + (31 * 86_400), 1_000].each do |bad|
      error = assert_raises(Triggerdev::InvalidArgumentError, bad.inspect) { c.auth.create_public_token(expiration_time: bad) }
      assert_match(/\Aexpiration_time: /, error.message)
    end
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.auth.create_public_token(scopes: { read: { runs: "" } }) }
    assert_match(/scope resource ids must not be empty/, error.message)
    assert_empty logged, "refused before any request"

    assert_raises(TypeError) { c.auth.create_public_token(expiration_time: 1.5) }
    assert_raises(TypeError) { c.auth.create_public_token(scopes: { read: { runs: 1 } }) }
    error = assert_raises(ArgumentError) { c.auth.create_public_token(scopes: { delete: { runs: true } }) }
    assert_match(/delete/, error.message)
    assert_raises(ArgumentError) { c.auth.create_public_token(scopes: { read: { jobs: true } }) }
    assert_raises(ArgumentError) { c.auth.create_public_token(expires_in: "1h") }
    # The API's spellings work as well as snake_case.
    assert_equal ["batchTrigger:tasks:x", "read:inputStreams"],
                 jwt_claims(c.auth.create_public_token(scopes: { batchTrigger: { tasks: "x" }, read: { inputStreams: true } }))["scopes"]
  end

  def test_who_may_mint
    error = assert_raises(Triggerdev::UnsupportedCredentialError) { client(emu.pat).auth.create_public_token }
    assert_kind_of Triggerdev::Error, error
    token = client.auth.create_public_token(scopes: { read: { runs: true } })
    assert_raises(Triggerdev::UnsupportedCredentialError) { client(token).auth.create_public_token }
  end

  def test_trigger_tokens_trigger_once_unless_multiple_use
    c = client
    once = c.auth.create_trigger_public_token("send-email")
    claims = jwt_claims(once)
    assert_equal true, claims["otu"]
    assert_equal ["trigger:tasks:send-email"], claims["scopes"]
    assert_equal %w[otu scopes iss aud exp iat], claims.keys - emulator_claims(emu.dev_key).keys
    assert signed_with?(once, emu.dev_key)
    frontend = no_retry(once)
    assert frontend.tasks.trigger("send-email", {}).id.start_with?("run_")
    assert_raises(Triggerdev::PermissionDeniedError) { frontend.tasks.trigger("other-task", {}) }

    batch = c.auth.create_batch_trigger_public_token(%w[send-email other], multiple_use: true, expiration_time: "2h")
    claims = jwt_claims(batch)
    assert_equal false, claims["otu"]
    assert_equal %w[batchTrigger:tasks:send-email batchTrigger:tasks:other], claims["scopes"]
    assert_equal 7200, claims["exp"] - claims["iat"]

    assert_raises(Triggerdev::InvalidArgumentError) { c.auth.create_trigger_public_token([]) }
    assert_raises(TypeError) { c.auth.create_trigger_public_token(nil) }
    assert_raises(ArgumentError) { c.auth.create_trigger_public_token("t", multiple: true) }
  end

  def test_an_additional_key_asks_the_server_and_hears_which_scopes_it_lacks
    ak = client(emu.additional_key)
    token = ak.auth.create_public_token(scopes: { read: { sessions: "chat-5" } })
    assert_equal ["read:sessions:chat-5"], jwt_claims(token)["scopes"]
    assert signed_with?(token, emu.dev_key), "the server signs with the root key too"
    minted = logged("/api/v1/auth/public-tokens").first
    assert_equal '{"scopes":["read:sessions:chat-5"],"expirationTime":"3600s"}', minted["rawBody"]

    error = assert_raises(Triggerdev::PermissionDeniedError) do
      ak.with_options(max_retries: 0).auth.create_public_token(scopes: { write: { runs: true } })
    end
    assert_equal [403, "scopes_exceed_key_access"], [error.status, error.code]
    assert_equal ["write:runs"], error.json_body["deniedScopes"]
    error = assert_raises(Triggerdev::InvalidArgumentError) { ak.auth.create_public_token }
    assert_match(/scopes/, error.message)
  end

  def test_the_ambient_functions
    configure_ambient
    token = Triggerdev::Auth.create_public_token(scopes: { read: { runs: true } }, expiration_time: "15m")
    assert signed_with?(token, emu.dev_key)
    assert signed_with?(Triggerdev.auth.create_trigger_public_token("t"), emu.dev_key)
    prod = Triggerdev.with_auth(access_token: emu.prod_key) { Triggerdev::Auth.create_batch_trigger_public_token(["t"]) }
    assert signed_with?(prod, emu.prod_key), "with_auth's key"
    assert_equal emulator_claims(emu.prod_key)["sub"], jwt_claims(prod)["sub"]
  end
end
