# frozen_string_literal: true

# Shared setup: one emulator for the whole run (started on first use, reset before every test,
# stopped after the run), and clients of it whose retries wait milliseconds, not seconds.

%w[TRIGGER_SECRET_KEY TRIGGER_ACCESS_TOKEN TRIGGER_API_URL TRIGGER_PREVIEW_BRANCH
   VERCEL_GIT_COMMIT_REF TRIGGER_DEV_BRANCH SSL_CERT_FILE].each { |name| ENV.delete(name) }

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "minitest/autorun"
require "openssl"
require "triggerdev"
require "triggerdev/testing"

module SharedEmulator
  @lock = Mutex.new

  def self.instance
    @lock.synchronize do
      @emu ||= Triggerdev::Testing::Emulator.start.tap do |emu|
        Minitest.after_run { emu.stop }
      end
    end
  end
end

class TriggerdevTest < Minitest::Test
  def emu
    SharedEmulator.instance
  end

  def setup
    emu.reset
  end

  # A client of the emulator (the dev key by default), with millisecond retry delays.
  def client(key = emu.dev_key, **options)
    emu.client(key, **options)
  end

  # The same, making one attempt per call.
  def no_retry(key = emu.dev_key, **options)
    emu.client(key, max_retries: 0, **options)
  end

  # Points the ambient API at the emulator with +key+.
  def configure_ambient(key = emu.dev_key, **options)
    Triggerdev.configure(access_token: key, base_url: emu.base_url,
                         retry: { min_timeout_in_ms: 1, max_timeout_in_ms: 5 }, **options)
  end

  # The request log entries whose path starts with +prefix+.
  def logged(prefix = "/api/")
    emu.requests.select { |r| r["path"].start_with?(prefix) }
  end

  # Waits until the request a latency fault held back is in the log: the emulator logs it when
  # its delay ends, which may be after the client gave up on it; a later test must not see it.
  def await_delayed_request(timeout = 5)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until emu.requests.any? { |r| r["latencyMs"].to_i.positive? }
      raise "the delayed request never reached the log" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.02
    end
  end

  def trigger(c, task = "t", payload = {}, **options)
    c.tasks.trigger(task, payload, **options)
  end

  # Polls (no sleeping: Thread.pass between checks) until the block is true; fails after
  # +timeout+ seconds.
  def wait_until(what, timeout: 10)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until yield
      flunk "timed out waiting for #{what}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      Thread.pass
    end
  end

  # base64url without padding -> bytes.
  def b64url_decode(text)
    text.tr("-_", "+/").then { |t| t + ("=" * (-t.size % 4)) }.unpack1("m0")
  end

  def b64url(bytes)
    [bytes].pack("m0").tr("+/", "-_").delete("=")
  end

  # The claims of a JWT, parsed (signature not checked).
  def jwt_claims(token)
    JSON.parse(b64url_decode(token.split(".")[1]))
  end

  # A public access token signed here (HS256 with the dev env's root key), for scopes the
  # minting API has no resource for (read:queues, read:deployments).
  def sign_jwt(scopes, key: emu.dev_key, ttl: 3600, env: "env_emulator_dev")
    now = emu.now_ms / 1000
    claims = { "sub" => env, "pub" => true, "scopes" => scopes,
               "iss" => "https://id.trigger.dev", "aud" => "https://api.trigger.dev",
               "exp" => now + ttl, "iat" => now }
    signing_input = "#{b64url('{"alg":"HS256"}')}.#{b64url(JSON.generate(claims))}"
    "#{signing_input}.#{b64url(OpenSSL::HMAC.digest('SHA256', key, signing_input))}"
  end
end
