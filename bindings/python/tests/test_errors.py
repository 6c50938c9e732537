"""Every exception a user can hit, with its status, message, body and code."""

from __future__ import annotations

import http.server
import socket
import threading
from typing import Iterator, List, Type

import pytest

import triggerdev
from triggerdev._exceptions import error_from_parts
from triggerdev.testing import Emulator


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_hierarchy() -> None:
    status_errors: List[Type[triggerdev.TriggerError]] = [
        triggerdev.BadRequestError,
        triggerdev.AuthenticationError,
        triggerdev.PermissionDeniedError,
        triggerdev.NotFoundError,
        triggerdev.ConflictError,
        triggerdev.UnprocessableEntityError,
        triggerdev.RateLimitError,
        triggerdev.InternalServerError,
        triggerdev.SessionClosedError,
    ]
    for cls in status_errors:
        assert issubclass(cls, triggerdev.APIStatusError)
    for cls in [
        triggerdev.InvalidArgumentError,
        triggerdev.MissingCredentialsError,
        triggerdev.InvalidCredentialsError,
        triggerdev.UnsupportedCredentialError,
        triggerdev.MissingProjectRefError,
        triggerdev.APIStatusError,
        triggerdev.APIConnectionError,
        triggerdev.DecodeError,
        triggerdev.BatchNotSealedError,
        triggerdev.ResponseTooLargeError,
        triggerdev.PollLimitReachedError,
        triggerdev.TriggerPanicError,
    ]:
        assert issubclass(cls, triggerdev.TriggerError)
    assert issubclass(triggerdev.InvalidArgumentError, ValueError)
    assert issubclass(triggerdev.APITimeoutError, triggerdev.APIConnectionError)


def test_kinds_map_to_classes_and_unknown_kinds_to_the_base() -> None:
    panic = error_from_parts(100, 0, "panicked at src/x.rs:1", None, None, -1)
    assert type(panic) is triggerdev.TriggerPanicError
    future = error_from_parts(57, 0, "a kind from the future", None, None, -1)
    assert type(future) is triggerdev.TriggerError
    assert future.kind == 57 and str(future) == "a kind from the future"
    rate = error_from_parts(12, 429, "429 slow down", '{"error":"slow down"}', None, 1500)
    assert isinstance(rate, triggerdev.RateLimitError) and rate.retry_after == 1.5
    assert rate.body == {"error": "slow down"}
    closed = error_from_parts(21, 409, "409 Cannot append to a closed session", '{"code":"session_closed"}', "session_closed", -1)
    assert type(closed) is triggerdev.SessionClosedError and closed.status == 409 and closed.code == "session_closed"
    too_large = error_from_parts(19, 200, "response too large", None, None, -1)
    assert type(too_large) is triggerdev.ResponseTooLargeError
    assert type(error_from_parts(20, 0, "gave up", None, None, -1)) is triggerdev.PollLimitReachedError
    denied = error_from_parts(8, 403, "403 no", '{"deniedScopes":["write:runs"]}', "scopes_exceed_key_access", -1)
    assert isinstance(denied, triggerdev.PermissionDeniedError) and denied.denied_scopes == ["write:runs"]
    assert triggerdev.PermissionDeniedError("403 no").denied_scopes == []
    other = error_from_parts(14, 405, "405 Method Not Allowed", "not json", None, -1)
    assert type(other) is triggerdev.APIStatusError
    assert other.body == "not json" and other.raw_body == "not json"


def test_http_status_errors(emu: Emulator, dev: triggerdev.Client) -> None:
    # 401: a key the server does not know
    bad = emu.client("tr_dev_not_a_real_key", max_retries=0)
    with pytest.raises(triggerdev.AuthenticationError) as e401:
        bad.runs.list().page()
    assert e401.value.status == 401
    # 401 from the real branch rule
    preview = emu.client(emu.preview_key, max_retries=0)
    with pytest.raises(triggerdev.AuthenticationError) as branch:
        preview.runs.list().page()
    assert str(branch.value) == "401 x-trigger-branch header required for preview env"

    # 404 (the message is the server's)
    with pytest.raises(triggerdev.NotFoundError) as e404:
        dev.runs.retrieve("run_doesnotexist")
    assert str(e404.value) == "404 Not found"
    assert e404.value.status == 404
    assert e404.value.body == {"error": "Not found"}
    with pytest.raises(triggerdev.NotFoundError):
        dev.tasks.trigger("missing-task", {})

    # 403: a public token scoped to another run
    mine = dev.tasks.trigger("t", {})
    other = dev.tasks.trigger("t", {})
    assert mine.public_access_token
    public = emu.client(mine.public_access_token, max_retries=0)
    assert public.runs.retrieve(mine.id).id == mine.id
    with pytest.raises(triggerdev.PermissionDeniedError) as e403:
        public.runs.retrieve(other.id)
    assert e403.value.status == 403

    # 400: rescheduling a run that is not delayed
    with pytest.raises(triggerdev.BadRequestError) as e400:
        dev.runs.reschedule(mine.id, delay="1h")
    assert e400.value.status == 400

    # 422: a schedule with a cron expression the server cannot read
    with pytest.raises(triggerdev.UnprocessableEntityError) as e422:
        dev.schedules.create(task="t", cron="61 * * * *", deduplication_key="bad-cron")
    assert e422.value.status == 422

    # 409, 500, 418 (any other status): fault rules
    emu.add_fault(status=409, count=1)
    with pytest.raises(triggerdev.ConflictError) as e409:
        dev.runs.list().page()
    assert e409.value.status == 409
    emu.add_fault(status=500, count=1)
    with pytest.raises(triggerdev.InternalServerError) as e500:
        dev.runs.list().page()
    assert e500.value.status == 500
    emu.add_fault(status=418, count=1, body={"error": "teapot", "code": "short_and_stout"})
    with pytest.raises(triggerdev.APIStatusError) as e418:
        dev.runs.list().page()
    assert type(e418.value) is triggerdev.APIStatusError
    assert e418.value.status == 418 and e418.value.code == "short_and_stout"

    # 429 with a reset further away than the client waits: raised at once, with retry_after
    emu.add_fault(status=429, count=1, rate_limit_reset_ms=600_000)
    with pytest.raises(triggerdev.RateLimitError) as e429:
        emu.client().runs.list().page()
    assert e429.value.status == 429
    assert e429.value.retry_after is not None and e429.value.retry_after > 60


def test_credential_errors(emu: Emulator) -> None:
    with triggerdev.Client(base_url=emu.base_url) as anonymous:
        with pytest.raises(triggerdev.MissingCredentialsError) as missing:
            anonymous.runs.list().page()
        assert "TRIGGER_SECRET_KEY" in str(missing.value)
    with triggerdev.Client("tr_dev_has\x01control", base_url=emu.base_url) as weird:
        with pytest.raises(triggerdev.InvalidCredentialsError) as invalid:
            weird.runs.retrieve("run_x")
        assert "has\x01control" not in str(invalid.value), "messages never contain tokens"
    pat = emu.client(emu.pat)
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        pat.tasks.trigger("t", {})
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        pat.runs.retrieve("run_x")
    with pytest.raises(triggerdev.MissingProjectRefError):
        pat.runs.list(limit=10).page()
    assert emu.requests() == [], "all of these fail before any request"


def test_library_invalid_argument(dev: triggerdev.Client) -> None:
    with pytest.raises(triggerdev.InvalidArgumentError) as info:
        list(dev.runs.list(limit=101))
    assert "limit" in str(info.value) and "100" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(triggerdev.InvalidArgumentError):
        dev.runs.retrieve("")
    with pytest.raises(triggerdev.InvalidArgumentError):
        triggerdev.Client(base_url="http://example.com", access_token="tr_dev_x").runs.retrieve("run_1")


def test_connection_refused_and_timeouts(emu: Emulator) -> None:
    port = closed_port()
    with triggerdev.Client("tr_dev_x", base_url=f"http://127.0.0.1:{port}", max_retries=0) as nowhere:
        with pytest.raises(triggerdev.APIConnectionError) as refused:
            nowhere.runs.retrieve("run_1")
        assert not isinstance(refused.value, triggerdev.APITimeoutError)
        assert refused.value.status is None

    emu.add_fault(latency_ms=1500, count=1, path="/api/v3/runs/")
    slow = emu.client(timeout=0.2, max_retries=0)
    with pytest.raises(triggerdev.APITimeoutError):
        slow.runs.retrieve("run_slow")
    emu.add_fault(drop_connection=True, count=1)
    with pytest.raises(triggerdev.APIConnectionError):
        emu.client(max_retries=0).runs.list().page()


@pytest.fixture
def plain_text_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"<html>definitely not json</html>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_decode_errors(emu: Emulator, dev: triggerdev.Client, plain_text_server: str) -> None:
    emu.add_fault(status=200, count=1, body="not a run", path="/api/v3/runs/")
    with pytest.raises(triggerdev.DecodeError) as shape:
        dev.runs.retrieve("run_any")
    assert shape.value.raw_body == '"not a run"'
    with triggerdev.Client("tr_dev_x", base_url=plain_text_server, max_retries=0) as client:
        with pytest.raises(triggerdev.DecodeError) as text:
            client.runs.retrieve("run_any")
    assert text.value.raw_body == "<html>definitely not json</html>"
    assert text.value.body == "<html>definitely not json</html>"


def test_response_too_large_poll_limit_and_unsealed_batch(emu: Emulator, dev: triggerdev.Client) -> None:
    handle = dev.tasks.trigger("t", {"x": "y" * 1000})
    small = emu.client(max_response_bytes=200, max_retries=0)
    with pytest.raises(triggerdev.ResponseTooLargeError):
        small.runs.retrieve(handle.id)

    with pytest.raises(triggerdev.PollLimitReachedError):
        dev.runs.poll(handle.id, interval=0)

    emu.add_fault(
        status=200,
        path="/api/v3/batches/",
        method="POST",
        body={"sealed": False, "itemsAccepted": 0, "itemsDeduplicated": 0},
    )
    with pytest.raises(triggerdev.BatchNotSealedError):
        dev.tasks.batch_trigger([{"task": "a", "payload": 1}])


def test_every_result_code_of_the_header_has_its_class() -> None:
    import re
    from pathlib import Path

    from triggerdev._exceptions import _BY_KIND

    header = Path(__file__).resolve().parents[3] / "include" / "triggerdev.h"
    if not header.is_file():
        pytest.skip("needs the repository's include/triggerdev.h")
    codes = {int(n) for n in re.findall(r"TRIGGER_RESULT_[A-Z_]+ = (\d+)", header.read_text())}
    assert {0, 19, 20, 21, 100} <= codes
    assert sorted(codes - {0} - set(_BY_KIND)) == [], "a trigger_result without an exception class"
