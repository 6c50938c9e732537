"""CA bundles (``ca_bundle_path``, ``ca_bundle_pem``, ``SSL_CERT_FILE``) against a TLS server on
loopback whose CA the test makes with the ``openssl`` command, and their errors."""

from __future__ import annotations

import http.server
import pathlib
import queue
import shutil
import ssl
import subprocess
import threading
from typing import Any, Dict, Iterator, Tuple

import pytest

import triggerdev

KEY = "tr_dev_tls_test_key_0001"
VARS = b'[{"name":"A","value":"1","isSecret":false}]'
LIST_PATH = "/api/v1/projects/proj_1/envvars/dev"
# A hang guard only: the wait ends as soon as the request arrives.
PATIENCE = 30.0


class TlsServer:
    """A TLS server on 127.0.0.1 answering every GET with ``VARS``; ``requests`` gets the path and
    ``Authorization`` of each request (a refused handshake puts nothing there)."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.ca_path = str(directory / "ca.pem")
        self.ca_pem = pathlib.Path(self.ca_path).read_text()
        self.requests: "queue.Queue[Tuple[str, str]]" = queue.Queue()
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                requests.put((self.path, self.headers.get("authorization", "")))
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(VARS)))
                self.send_header("connection", "close")
                self.end_headers()
                self.wfile.write(VARS)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(directory / "server.pem"), str(directory / "server.key"))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def request(self) -> Tuple[str, str]:
        return self.requests.get(timeout=PATIENCE)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def make_ca(directory: pathlib.Path) -> None:
    """A CA (``ca.pem``) and a certificate it signed for localhost and 127.0.0.1."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=triggerdev test proxy CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (directory / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n"
    )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test CA")
    directory = tmp_path_factory.mktemp("tls")
    make_ca(directory)
    server = TlsServer(directory)
    yield server
    server.close()


def client(url: str, **options: Any) -> triggerdev.Client:
    return triggerdev.Client(access_token=KEY, base_url=url, max_retries=0, **options)


def test_without_the_ca_the_server_is_refused(tls: TlsServer) -> None:
    with client(tls.url) as c:
        with pytest.raises(triggerdev.APIConnectionError, match="UnknownIssuer"):
            c.envvars.list("proj_1", "dev")
    assert tls.requests.empty()


@pytest.mark.parametrize("form", ["path", "pathlib", "pem", "pem-bytes"])
def test_a_ca_bundle_is_trusted(tls: TlsServer, form: str) -> None:
    forms: Dict[str, Dict[str, Any]] = {
        "path": {"ca_bundle_path": tls.ca_path},
        "pathlib": {"ca_bundle_path": pathlib.Path(tls.ca_path)},
        "pem": {"ca_bundle_pem": tls.ca_pem},
        "pem-bytes": {"ca_bundle_pem": tls.ca_pem.encode()},
    }
    with client(tls.url, **forms[form]) as c:
        assert [v.name for v in c.envvars.list("proj_1", "dev")] == ["A"]
    assert tls.request() == (LIST_PATH, f"Bearer {KEY}")


def test_ssl_cert_file_is_read_when_the_client_is_made(
    tls: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", tls.ca_path)
    c = client(tls.url)
    monkeypatch.delenv("SSL_CERT_FILE")
    with c:
        assert [v.name for v in c.envvars.list("proj_1", "dev")] == ["A"]
    assert tls.request() == (LIST_PATH, f"Bearer {KEY}")


def test_with_auth_and_configure_take_the_bundle(tls: TlsServer) -> None:
    with triggerdev.with_auth(access_token=KEY, base_url=tls.url, max_retries=0,
                              ca_bundle_pem=tls.ca_pem):
        assert [v.name for v in triggerdev.envvars.list("proj_1", "dev")] == ["A"]
    assert tls.request() == (LIST_PATH, f"Bearer {KEY}")
    try:
        triggerdev.configure(access_token=KEY, base_url=tls.url, max_retries=0,
                             ca_bundle_path=tls.ca_path)
        assert [v.name for v in triggerdev.envvars.list("proj_1", "dev")] == ["A"]
        assert tls.request() == (LIST_PATH, f"Bearer {KEY}")
    finally:
        triggerdev.configure()


def test_an_unusable_bundle_fails_calls_with_an_error_naming_the_keyword(
    tmp_path: pathlib.Path,
) -> None:
    url = "https://127.0.0.1:9"
    with client(url, ca_bundle_path="/nonexistent/company-ca.pem") as c:
        with pytest.raises(triggerdev.InvalidArgumentError,
                           match=r"^ca_bundle_path: cannot read `/nonexistent/company-ca.pem`: "):
            c.envvars.list("proj_1", "dev")
    with client(url, ca_bundle_pem="not a certificate") as c:
        with pytest.raises(triggerdev.InvalidArgumentError) as raised:
            c.envvars.list("proj_1", "dev")
    assert str(raised.value) == (
        "ca_bundle_pem: holds no certificate (a PEM block `-----BEGIN CERTIFICATE-----`)"
    )
    with pytest.raises(triggerdev.InvalidArgumentError, match="^ca_bundle_pem: cannot be combined with `ca_bundle_path`"):
        client(url, ca_bundle_path=str(tmp_path / "ca.pem"), ca_bundle_pem="x")
    with pytest.raises(triggerdev.InvalidArgumentError, match="^ca_bundle_pem: PEM text must be ASCII"):
        client(url, ca_bundle_pem=b"\xff")
    with pytest.raises(TypeError, match="ca_bundle_path must be a str or a path, not int"):
        client(url, ca_bundle_path=5)
    with pytest.raises(TypeError, match="use_platform_trust_store must be a bool, not str"):
        client(url, use_platform_trust_store="yes")
