# frozen_string_literal: true

require_relative "test_helper"
require "pathname"
require "socket"
require "tmpdir"

# CA bundles (ca_bundle_path:, ca_bundle_pem:, SSL_CERT_FILE) against a TLS server on loopback
# whose CA the test makes with Ruby's OpenSSL, and their errors.
class CorporateNetworksTest < TriggerdevTest
  KEY = "tr_dev_tls_test_key_0001"
  VARS = '[{"name":"A","value":"1","isSecret":false}]'
  LIST = "GET /api/v1/projects/proj_1/envvars/dev HTTP/1.1"
  # A hang guard only: the wait ends as soon as the request arrives.
  PATIENCE = 30

  # A TLS server on 127.0.0.1 answering every request with VARS; +requests+ gets each request
  # head (a refused handshake puts nothing there).
  class TlsServer
    attr_reader :ca_pem, :ca_path, :url, :requests

    def initialize
      ca_key = OpenSSL::PKey::EC.generate("prime256v1")
      ca = certificate("/CN=triggerdev test proxy CA", ca_key, nil, ca_key,
                       "basicConstraints" => ["CA:TRUE", true], "keyUsage" => ["keyCertSign,cRLSign", true])
      key = OpenSSL::PKey::EC.generate("prime256v1")
      cert = certificate("/CN=localhost", key, ca, ca_key,
                         "basicConstraints" => ["CA:FALSE", true],
                         "subjectAltName" => ["DNS:localhost,IP:127.0.0.1", false],
                         "extendedKeyUsage" => ["serverAuth", false])
      @ca_pem = ca.to_pem
      @ca_path = File.join(Dir.mktmpdir("triggerdev-tls"), "ca.pem")
      File.write(@ca_path, @ca_pem)
      @requests = Queue.new
      serve(cert, key)
    end

    # The next request head that arrived.
    def request
      @requests.pop(timeout: PATIENCE) or raise "no request reached the server"
    end

    private

    def certificate(subject, key, issuer, issuer_key, extensions)
      cert = OpenSSL::X509::Certificate.new
      cert.version = 2
      cert.serial = OpenSSL::BN.rand(64)
      cert.subject = OpenSSL::X509::Name.parse(subject)
      cert.issuer = issuer ? issuer.subject : cert.subject
      cert.public_key = key
      cert.not_before = Time.now - 60
      cert.not_after = Time.now + 86_400
      factory = OpenSSL::X509::ExtensionFactory.new
      factory.subject_certificate = cert
      factory.issuer_certificate = issuer || cert
      extensions.each { |name, (value, critical)| cert.add_extension(factory.create_extension(name, value, critical)) }
      cert.add_extension(factory.create_extension("subjectKeyIdentifier", "hash"))
      cert.sign(issuer_key, OpenSSL::Digest.new("SHA256"))
    end

    def serve(cert, key)
      context = OpenSSL::SSL::SSLContext.new
      context.cert = cert
      context.key = key
      tcp = TCPServer.new("127.0.0.1", 0)
      @url = "https://127.0.0.1:#{tcp.addr[1]}"
      server = OpenSSL::SSL::SSLServer.new(tcp, context)
      Thread.new do
        loop do
          conn = server.accept
          head = +""
          head << conn.readpartial(4096) until head.include?("\r\n\r\n")
          @requests << head
          conn.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" \
                     "content-length: #{VARS.bytesize}\r\nconnection: close\r\n\r\n#{VARS}")
          conn.close
        rescue OpenSSL::SSL::SSLError, IOError, SystemCallError
          next # the client refused the certificate
        end
      end
    end
  end

  def self.tls
    @tls ||= TlsServer.new
  end

  def tls = self.class.tls

  def client(url = tls.url, **options)
    Triggerdev::Client.new(access_token: KEY, base_url: url, max_retries: 0, **options)
  end

  def assert_list_request
    head = tls.request
    assert head.start_with?(LIST), head
    assert_includes head.downcase, "authorization: bearer #{KEY}"
  end

  def test_without_the_ca_the_server_is_refused
    error = assert_raises(Triggerdev::APIConnectionError) { client.envvars.list("proj_1", "dev") }
    assert_match(/UnknownIssuer/, error.message)
    assert_empty tls.requests
  end

  def test_a_ca_bundle_path_or_pem_is_trusted
    [{ ca_bundle_path: tls.ca_path }, { ca_bundle_path: Pathname.new(tls.ca_path) },
     { ca_bundle_pem: tls.ca_pem }].each do |options|
      c = client(**options)
      assert_equal ["A"], c.envvars.list("proj_1", "dev").map(&:name), options.inspect
      c.close
      assert_list_request
    end
  end

  def test_ssl_cert_file_is_read_when_the_client_is_made
    ENV["SSL_CERT_FILE"] = tls.ca_path
    c = client
    ENV.delete("SSL_CERT_FILE")
    assert_equal ["A"], c.envvars.list("proj_1", "dev").map(&:name)
    assert_list_request
  ensure
    ENV.delete("SSL_CERT_FILE")
  end

  def test_with_auth_takes_the_bundle
    names = Triggerdev.with_auth(access_token: KEY, base_url: tls.url, max_retries: 0, ca_bundle_pem: tls.ca_pem) do
      Triggerdev.envvars.list("proj_1", "dev").map(&:name)
    end
    assert_equal ["A"], names
    assert_list_request
  end

  def test_an_unusable_bundle_fails_calls_with_an_error_naming_the_keyword
    url = "https://127.0.0.1:9"
    error = assert_raises(Triggerdev::InvalidArgumentError) do
      client(url, ca_bundle_path: "/nonexistent/company-ca.pem").envvars.list("proj_1", "dev")
    end
    assert error.message.start_with?("ca_bundle_path: cannot read `/nonexistent/company-ca.pem`: "), error.message
    error = assert_raises(Triggerdev::InvalidArgumentError) do
      client(url, ca_bundle_pem: "not a certificate").envvars.list("proj_1", "dev")
    end
    assert_equal "ca_bundle_pem: holds no certificate (a PEM block `-----BEGIN CERTIFICATE-----`)", error.message
    error = assert_raises(Triggerdev::InvalidArgumentError) { client(url, ca_bundle_path: "a.pem", ca_bundle_pem: "x") }
    assert_equal "ca_bundle_pem: cannot be combined with `ca_bundle_path:`: give one", error.message
    error = assert_raises(TypeError) { client(url, ca_bundle_path: 5) }
    assert_match(/ca_bundle_path: must be a String/, error.message)
    error = assert_raises(TypeError) { client(url, use_platform_trust_store: "yes") }
    assert_match(/use_platform_trust_store:/, error.message)
  end
end
