//! Corporate networks: a CA bundle trusted in addition to Mozilla's roots (what a
//! TLS-inspecting proxy needs), the platform's trust store, and `HTTPS_PROXY` / `NO_PROXY`;
//! against a TLS server on loopback whose CA is made by the test.
//!
//! The proxy and platform-store scenarios read the process environment (ureq and the platform
//! verifier read it themselves), so each runs in a helper process: this test binary started
//! again with `TRIGGERDEV_NET_HELPER` naming the scenario.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use triggerdev::ffi::*;
use triggerdev::{auth, Client, Config, Env, Error, RequestOptions, RetryPolicy, SubscribeOptions};

mod ffi_support;
use ffi_support::{c, expect_failure, expect_json, take_error};

const KEY: &str = "tr_dev_tls_test_key_0001";
const VARS: &str = r#"[{"name":"A","value":"1","isSecret":false}]"#;
const LIST_LINE: &str = "GET /api/v1/projects/proj_1/envvars/dev HTTP/1.1";
const HELPER: &str = "TRIGGERDEV_NET_HELPER";
/// A hang guard only: every wait ends as soon as its event happens.
const PATIENCE: Duration = Duration::from_secs(30);

/// A CA made for one test, and a certificate it signed for `localhost` and `127.0.0.1`.
struct TestCa {
    pem: String,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

impl TestCa {
    fn new() -> TestCa {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.distinguished_name
            .push(DnType::CommonName, "triggerdev test proxy CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
        TestCa {
            pem: ca_cert.pem(),
            server_cert: server.der().clone(),
            server_key: server_key.serialize_der(),
        }
    }

    /// The CA's PEM in a file of its own.
    fn file(&self) -> TempFile {
        TempFile::with(self.pem.as_bytes())
    }
}

/// A file under the target's temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn with(bytes: &[u8]) -> TempFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "ca-{}-{}.pem",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A TLS server on loopback answering every request with one canned response, and reporting
/// each request head it read (connections whose handshake the client refused report nothing).
struct TlsServer {
    port: u16,
    requests: mpsc::Receiver<String>,
}

impl TlsServer {
    fn start(ca: &TestCa, status: &'static str, body: &'static str) -> TlsServer {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ca.server_key.clone()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![ca.server_cert.clone()], key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, requests) = mpsc::channel();
        thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { continue };
                tcp.set_read_timeout(Some(PATIENCE)).unwrap();
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                // A refused handshake fails the read: nothing arrived.
                let Ok(head) = read_head(&mut tls) else {
                    continue;
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
                if tx.send(head).is_err() {
                    return;
                }
            }
        });
        TlsServer { port, requests }
    }

    fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port)
    }

    /// The head of the next request that arrived.
    fn request(&self) -> String {
        self.requests
            .recv_timeout(PATIENCE)
            .expect("no request reached the server")
    }

    fn nothing_arrived(&self) -> bool {
        self.requests.try_recv().is_err()
    }
}

/// Reads up to the end of a request head (the tests' requests have no body).
fn read_head(stream: &mut impl Read) -> io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// An HTTP CONNECT proxy on loopback that tunnels to `127.0.0.1:<the requested port>` and
/// reports each CONNECT line.
fn start_proxy() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let Ok(head) = read_head(&mut client) else {
                continue;
            };
            let line = head.lines().next().unwrap_or_default().to_owned();
            let target_port: u16 = line
                .split(' ')
                .nth(1)
                .and_then(|target| target.rsplit_once(':'))
                .and_then(|(_, port)| port.parse().ok())
                .unwrap_or(0);
            let _ = tx.send(line);
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", target_port)) else {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                continue;
            };
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            pump(client.try_clone().unwrap(), upstream.try_clone().unwrap());
            pump(upstream, client);
        }
    });
    (port, lines)
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    thread::spawn(move || {
        let _ = io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// A configuration for `url` with the test key and no retries.
fn config(url: &str) -> Config {
    Config::new()
        .access_token(KEY)
        .base_url(url)
        .request_options(RequestOptions::new().retry(RetryPolicy::none()))
}

fn list(client: &Client) -> triggerdev::Result<Vec<String>> {
    let vars = client.envvars().list("proj_1", "dev")?;
    Ok(vars.into_iter().map(|v| v.name).collect())
}

/// Checks the request the envvars list call sent.
fn assert_list_request(head: &str) {
    assert!(head.starts_with(LIST_LINE), "{head}");
    assert!(
        head.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            KEY.to_ascii_lowercase()
        )),
        "{head}"
    );
}

fn invalid_argument(error: Error) -> (&'static str, String) {
    match error {
        Error::InvalidArgument { argument, reason } => (argument, reason),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn without_the_ca_the_server_is_refused() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let client = Client::with_env(config(&server.url("127.0.0.1")), &Env::default());
    match list(&client).unwrap_err() {
        Error::Connection { message } => {
            assert!(message.contains("UnknownIssuer"), "{message}")
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert!(server.nothing_arrived());
}

#[test]
fn ca_bundle_path_is_trusted() {
    let ca = TestCa::new();
    let file = ca.file();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let client = Client::with_env(
        config(&server.url("127.0.0.1")).ca_bundle_path(file.path()),
        &Env::default(),
    );
    assert_eq!(list(&client).unwrap(), ["A"]);
    assert_list_request(&server.request());
}

#[test]
fn ca_bundle_pem_is_trusted_and_other_pem_blocks_are_skipped() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let bundle = format!(
        "# company CA\n{}{}",
        KeyPair::generate().unwrap().serialize_pem(),
        ca.pem
    );
    let client = Client::with_env(
        config(&server.url("localhost")).ca_bundle_pem(bundle),
        &Env::default(),
    );
    assert_eq!(list(&client).unwrap(), ["A"]);
    assert_list_request(&server.request());
}

#[test]
fn ssl_cert_file_from_the_environment_is_trusted() {
    let ca = TestCa::new();
    let file = ca.file();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let env = Env::from_pairs([("SSL_CERT_FILE", file.path())]);
    let client = Client::with_env(config(&server.url("127.0.0.1")), &env);
    assert_eq!(list(&client).unwrap(), ["A"]);
    assert_list_request(&server.request());
}

#[test]
fn an_explicit_bundle_wins_over_ssl_cert_file() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let env = Env::from_pairs([("SSL_CERT_FILE", "/nonexistent/ssl_cert_file.pem")]);
    let client = Client::with_env(
        config(&server.url("127.0.0.1")).ca_bundle_pem(ca.pem.clone()),
        &env,
    );
    assert_eq!(list(&client).unwrap(), ["A"]);
    assert_list_request(&server.request());
}

#[test]
fn a_with_auth_override_trusts_its_bundle() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let url = server.url("127.0.0.1");
    let refused = auth::with_auth(config(&url).use_platform_trust_store(false), || {
        triggerdev::envvars().list("proj_1", "dev")
    });
    assert!(
        matches!(refused, Err(Error::Connection { .. })),
        "{refused:?}"
    );
    let names = auth::with_auth(config(&url).ca_bundle_pem(ca.pem.clone()), || {
        triggerdev::envvars().list("proj_1", "dev")
    })
    .unwrap();
    assert_eq!(names[0].name, "A");
    assert_list_request(&server.request());
}

#[test]
fn a_session_subscription_trusts_the_bundle() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "404 Not Found", r#"{"error":"Session not found"}"#);
    let client = Client::with_env(
        config(&server.url("127.0.0.1")).ca_bundle_pem(ca.pem.clone()),
        &Env::default(),
    );
    let mut records = client
        .sessions()
        .open("session_1")
        .unwrap()
        .input()
        .subscribe(&SubscribeOptions::new())
        .unwrap();
    // A refused certificate would be retried forever: a hang guard stops the subscription.
    let (guard, done) = mpsc::channel::<()>();
    let stopper = records.stopper();
    thread::spawn(move || {
        if done.recv_timeout(PATIENCE) == Err(mpsc::RecvTimeoutError::Timeout) {
            stopper.stop();
        }
    });
    let first = records.next();
    drop(guard);
    // The stream's own agent reached the server: the answer is the server's 404.
    match first {
        Some(Err(Error::NotFound(e))) => assert_eq!(e.message, "Session not found"),
        other => panic!("expected the server's 404, got {other:?}"),
    }
    let head = server.request();
    assert!(
        head.starts_with("GET /realtime/v1/sessions/session_1/in HTTP/1.1"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("accept: text/event-stream"),
        "{head}"
    );
}

#[test]
fn unusable_bundles_fail_every_call_with_an_invalid_argument_naming_the_option() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let url = server.url("127.0.0.1");
    let fails = |config: Config, env: &Env| {
        let client = Client::with_env(config, env);
        let first = invalid_argument(list(&client).unwrap_err());
        let again = invalid_argument(list(&client).unwrap_err());
        assert_eq!(first, again);
        first
    };
    let none = Env::default();

    let (argument, reason) = fails(
        config(&url).ca_bundle_path("/nonexistent/company-ca.pem"),
        &none,
    );
    assert_eq!(argument, "ca_bundle_path");
    assert!(
        reason.starts_with("cannot read `/nonexistent/company-ca.pem`: "),
        "{reason}"
    );

    let (argument, reason) = fails(
        config(&url).ca_bundle_pem(KeyPair::generate().unwrap().serialize_pem()),
        &none,
    );
    assert_eq!(argument, "ca_bundle_pem");
    assert_eq!(
        reason,
        "holds no certificate (a PEM block `-----BEGIN CERTIFICATE-----`)"
    );

    let no_cert = TempFile::with(b"not a PEM file\n");
    let (argument, reason) = fails(config(&url).ca_bundle_path(no_cert.path()), &none);
    assert_eq!(argument, "ca_bundle_path");
    assert_eq!(
        reason,
        format!(
            "`{}` holds no certificate (a PEM block `-----BEGIN CERTIFICATE-----`)",
            no_cert.path()
        )
    );

    let (argument, reason) = fails(
        config(&url).ca_bundle_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"),
        &none,
    );
    assert_eq!(argument, "ca_bundle_pem");
    assert_eq!(
        reason,
        "is not valid PEM: a `-----BEGIN` line has no matching `-----END`"
    );

    let garbage = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
    let (argument, reason) = fails(config(&url).ca_bundle_pem(garbage), &none);
    assert_eq!(argument, "ca_bundle_pem");
    assert!(
        reason.starts_with("holds a certificate that cannot be used as a CA (number 1 of 1): "),
        "{reason}"
    );

    let (argument, reason) = fails(
        config(&url),
        &Env::from_pairs([("SSL_CERT_FILE", "/nonexistent/ssl_cert_file.pem")]),
    );
    assert_eq!(argument, "SSL_CERT_FILE");
    assert!(
        reason.starts_with("cannot read `/nonexistent/ssl_cert_file.pem`: "),
        "{reason}"
    );

    let (argument, reason) = fails(
        config(&url)
            .ca_bundle_pem(ca.pem.clone())
            .use_platform_trust_store(true),
        &none,
    );
    assert_eq!(argument, "ca_bundle_pem");
    assert!(
        reason.starts_with("cannot be combined with `use_platform_trust_store`"),
        "{reason}"
    );

    // Nothing was sent.
    assert!(server.nothing_arrived());
}

#[test]
fn the_platform_trust_store_does_not_know_a_ca_made_here() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    // SSL_CERT_FILE in `Env` is the SDK's bundle, which the platform store leaves alone.
    let file = ca.file();
    let env = Env::from_pairs([("SSL_CERT_FILE", file.path())]);
    let client = Client::with_env(
        config(&server.url("127.0.0.1")).use_platform_trust_store(true),
        &env,
    );
    // On a loaded machine, loading the system's certificates (debug build) can outlast the
    // 10 s connect timeout: a timeout is a refusal too.
    let refused = list(&client);
    assert!(
        matches!(
            refused,
            Err(Error::Connection { .. } | Error::Timeout { .. })
        ),
        "{refused:?}"
    );
    assert!(server.nothing_arrived());
}

/// Runs this binary's `test` alone with `HELPER` set to `test` and `env` set, and checks that
/// it passed.
fn run_helper(test: &str, env: &[(&str, &str)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(HELPER, test);
    for name in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the helper failed:\n{text}");
    assert!(text.contains("1 passed"), "{text}");
}

/// In a helper: the envvars list call on `TRIGGERDEV_NET_URL`, with the process environment.
fn helper_call(platform: bool) {
    let url = std::env::var("TRIGGERDEV_NET_URL").unwrap();
    let client = Client::new(config(&url).use_platform_trust_store(platform));
    assert_eq!(list(&client).unwrap(), ["A"]);
}

#[test]
#[cfg(target_os = "linux")]
fn on_linux_the_platform_trust_store_reads_ssl_cert_file_itself() {
    const NAME: &str = "on_linux_the_platform_trust_store_reads_ssl_cert_file_itself";
    if std::env::var(HELPER).as_deref() == Ok(NAME) {
        return helper_call(true);
    }
    let ca = TestCa::new();
    let file = ca.file();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    run_helper(
        NAME,
        &[
            ("TRIGGERDEV_NET_URL", &server.url("127.0.0.1")),
            ("SSL_CERT_FILE", file.path()),
        ],
    );
    assert_list_request(&server.request());
}

#[test]
fn https_proxy_tunnels_calls_and_no_proxy_bypasses_it() {
    const NAME: &str = "https_proxy_tunnels_calls_and_no_proxy_bypasses_it";
    if std::env::var(HELPER).as_deref() == Ok(NAME) {
        return helper_call(false);
    }
    let ca = TestCa::new();
    let file = ca.file();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let (proxy_port, connects) = start_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let url = server.url("localhost");
    let env = [
        ("TRIGGERDEV_NET_URL", url.as_str()),
        ("SSL_CERT_FILE", file.path()),
        ("HTTPS_PROXY", proxy.as_str()),
    ];

    run_helper(NAME, &env);
    assert_eq!(
        connects.try_recv().unwrap(),
        format!("CONNECT localhost:{} HTTP/1.1", server.port)
    );
    assert_list_request(&server.request());

    let mut bypass = env.to_vec();
    bypass.push(("NO_PROXY", "example.com,localhost"));
    run_helper(NAME, &bypass);
    assert!(connects.try_recv().is_err(), "NO_PROXY was not honoured");
    assert_list_request(&server.request());
}

// ---------------------------------------------------------------------------------------------
// The C ABI: the options travel in the configuration JSON.

fn ffi_client(config: serde_json::Value) -> *mut trigger_client {
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_client_new(c(&config.to_string()).as_ptr(), &mut out, &mut err) };
    assert_eq!(rc, trigger_result::Ok);
    out
}

fn ffi_list(client: *const trigger_client) -> Result<String, ffi_support::Failure> {
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe {
        trigger_envvars_list(
            client,
            c("proj_1").as_ptr(),
            c("dev").as_ptr(),
            &mut out,
            &mut err,
        )
    };
    if rc == trigger_result::Ok {
        Ok(ffi_support::take_string(out))
    } else {
        Err(take_error(err))
    }
}

#[test]
fn the_c_abi_takes_the_bundle_in_the_config_json() {
    let ca = TestCa::new();
    let file = ca.file();
    let server = TlsServer::start(&ca, "200 OK", VARS);
    let base = json!({
        "accessToken": KEY,
        "baseURL": server.url("127.0.0.1"),
        "requestOptions": {"retry": {"maxAttempts": 1}},
    });
    let with = |key: &str, value: serde_json::Value| {
        let mut config = base.clone();
        config[key] = value;
        config
    };

    for config in [
        with("caBundlePath", json!(file.path())),
        with("caBundlePem", json!(ca.pem)),
    ] {
        let client = ffi_client(config);
        assert_eq!(ffi_list(client).unwrap(), VARS);
        unsafe { trigger_client_free(client) };
        assert_list_request(&server.request());
    }

    let client = ffi_client(with("usePlatformTrustStore", json!(true)));
    let refused = ffi_list(client).unwrap_err();
    unsafe { trigger_client_free(client) };
    // As in the_platform_trust_store_does_not_know_a_ca_made_here, a timeout is a refusal too.
    assert!(
        matches!(
            refused.kind,
            trigger_result::Connection | trigger_result::Timeout
        ),
        "{refused:?}"
    );

    let client = ffi_client(with("caBundlePath", json!("/nonexistent/company-ca.pem")));
    let bad = ffi_list(client).unwrap_err();
    unsafe { trigger_client_free(client) };
    assert_eq!(bad.kind, trigger_result::InvalidArgument);
    assert!(
        bad.message
            .starts_with("caBundlePath: cannot read `/nonexistent/company-ca.pem`: "),
        "{}",
        bad.message
    );

    // The ambient API: an override pushed with the bundle.
    let pushed = with("caBundlePem", json!(ca.pem)).to_string();
    let mut err = ptr::null_mut();
    let rc = unsafe { trigger_auth_push(c(&pushed).as_ptr(), &mut err) };
    assert_eq!(rc, trigger_result::Ok);
    let listed = expect_json(|out, err| unsafe {
        trigger_envvars_list(
            ptr::null(),
            c("proj_1").as_ptr(),
            c("dev").as_ptr(),
            out,
            err,
        )
    });
    assert!(trigger_auth_pop());
    assert_eq!(listed, VARS);
    assert_list_request(&server.request());

    // Both forms at once, or a wrong type, are refused when the client is made.
    for (config, message) in [
        (
            json!({"caBundlePath": file.path(), "caBundlePem": ca.pem}),
            "config_json: `caBundlePem` cannot be combined with `caBundlePath`: give one",
        ),
        (
            json!({"usePlatformTrustStore": "yes"}),
            "config_json: `usePlatformTrustStore` must be a boolean, not a string",
        ),
    ] {
        let e = expect_failure(|out, err| unsafe {
            trigger_client_new(
                c(&config.to_string()).as_ptr(),
                out.cast::<*mut trigger_client>(),
                err,
            )
        });
        assert_eq!(e.kind, trigger_result::InvalidArgument);
        assert_eq!(e.message, message);
    }
}
