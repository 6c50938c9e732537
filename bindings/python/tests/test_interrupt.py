"""Every wait can be bounded and interrupted: Ctrl-C (SIGINT) ends a call waiting on the main
thread with KeyboardInterrupt within 200 ms (a poll's interval, a retry back-off, a slow
response, a silent subscription); a CancelToken ends one from another thread; a poll's timeout
raises WaitTimeoutError with the run as last seen."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from typing import Any, Callable, Iterator, List

import pytest

import triggerdev
from triggerdev.testing import Emulator

# The budget the issue sets for Ctrl-C; the library looks every 50 ms.
SIGINT_BUDGET = 0.2


class SilentServer:
    """Reads one request, writes ``head``, then never answers further: ``arrived`` is set once
    the request is in."""

    def __init__(self, head: bytes = b"") -> None:
        self.arrived = threading.Event()
        self._head = head
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self._listener.getsockname()[1]
        self._conns: List[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        self._conns.append(conn)
        seen = b""
        while b"\r\n\r\n" not in seen:
            chunk = conn.recv(4096)
            if not chunk:
                return
            seen += chunk
        conn.sendall(self._head)
        self.arrived.set()

    def close(self) -> None:
        for conn in self._conns:
            conn.close()
        self._listener.close()


@pytest.fixture
def silent() -> Iterator[Callable[..., SilentServer]]:
    servers: List[SilentServer] = []

    def make(head: bytes = b"") -> SilentServer:
        servers.append(SilentServer(head))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def sigint_when(ready: Callable[[], bool]) -> List[float]:
    """Sends SIGINT to this process once ``ready()`` (polled: a readiness signal, bounded as a
    hang guard); returns a list that receives the time it was sent."""
    sent: List[float] = []

    def fire() -> None:
        for _ in range(5000):
            if ready():
                break
            time.sleep(0.002)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=fire, daemon=True).start()
    return sent


def interrupted_within_budget(call: Callable[[], Any], ready: Callable[[], bool]) -> float:
    """Runs ``call`` on this (the main) thread, sends SIGINT once ``ready()``, and returns the
    time from the signal to the KeyboardInterrupt."""
    assert threading.current_thread() is threading.main_thread()
    sent = sigint_when(ready)
    with pytest.raises(KeyboardInterrupt):
        call()
    latency = time.monotonic() - sent[0]
    assert latency <= SIGINT_BUDGET, f"KeyboardInterrupt {latency * 1000:.0f} ms after SIGINT"
    return latency


def requested(emu: Emulator, path: str) -> Callable[[], bool]:
    return lambda: any(r["path"] == path for r in emu.requests())


def test_ctrl_c_ends_a_poll_waiting_for_its_next_retrieval(emu: Emulator) -> None:
    with emu.client(max_retries=0) as client:
        run_id = client.tasks.trigger("never-finishes", {}).id
        emu.clear_requests()
        interrupted_within_budget(
            lambda: client.runs.poll(run_id, interval=30), requested(emu, f"/api/v3/runs/{run_id}")
        )
        # The client works on afterwards.
        assert client.runs.retrieve(run_id).id == run_id


def test_ctrl_c_ends_a_retry_back_off(emu: Emulator) -> None:
    slow = triggerdev.RetryPolicy(min_timeout=30, max_timeout=30)
    with emu.client(retry=slow) as client:
        emu.add_fault(status=500, count=1, path="/api/v3/runs/run_backoff")
        interrupted_within_budget(
            lambda: client.runs.retrieve("run_backoff"), requested(emu, "/api/v3/runs/run_backoff")
        )


def test_ctrl_c_ends_a_slow_response(silent: Callable[..., SilentServer]) -> None:
    server = silent()
    with triggerdev.Client(access_token="tr_dev_x", base_url=server.url, max_retries=0) as client:
        interrupted_within_budget(lambda: client.runs.retrieve("run_1"), server.arrived.is_set)


def test_ctrl_c_ends_a_silent_subscription(silent: Callable[..., SilentServer]) -> None:
    server = silent(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n")
    with triggerdev.Client(access_token="tr_dev_x", base_url=server.url, max_retries=0) as client:
        sub = client.sessions.open("chat-1").output.subscribe()
        interrupted_within_budget(lambda: next(sub), server.arrived.is_set)


def test_a_custom_sigint_handler_runs_and_the_call_raises_call_interrupted(
    silent: Callable[..., SilentServer],
) -> None:
    server = silent()
    seen: List[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        with triggerdev.Client(access_token="tr_dev_x", base_url=server.url, max_retries=0) as client:
            sigint_when(server.arrived.is_set)
            with pytest.raises(triggerdev.CallInterruptedError) as raised:
                client.runs.retrieve("run_1")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT]
    assert isinstance(raised.value, triggerdev.CancelledError)
    assert str(raised.value) == "the call was interrupted"


def test_a_cancel_token_ends_a_call_in_another_thread(emu: Emulator) -> None:
    token = triggerdev.CancelToken()
    assert repr(token) == "<triggerdev.CancelToken cancelled=False>"
    with emu.client(max_retries=0) as client:
        run_id = client.tasks.trigger("never-finishes", {}).id
        emu.clear_requests()
        cancellable = client.with_options(cancel_token=token)
        raised: List[BaseException] = []

        def poll() -> None:
            try:
                cancellable.runs.poll(run_id, interval=30)
            except BaseException as e:  # noqa: BLE001 - checked below
                raised.append(e)

        worker = threading.Thread(target=poll)
        worker.start()
        ready = requested(emu, f"/api/v3/runs/{run_id}")
        for _ in range(5000):
            if ready():
                break
            time.sleep(0.002)
        token.cancel()
        worker.join(timeout=10)
        assert not worker.is_alive()
        assert token.cancelled
        assert len(raised) == 1 and type(raised[0]) is triggerdev.CancelledError
        assert str(raised[0]) == "the call was cancelled"
        # Later calls of that client fail at once; the original client is not affected.
        with pytest.raises(triggerdev.CancelledError):
            cancellable.runs.retrieve(run_id)
        assert client.runs.retrieve(run_id).id == run_id
    with pytest.raises(TypeError, match="cancel_token must be a triggerdev.CancelToken"):
        triggerdev.with_options(cancel_token="yes")  # type: ignore[arg-type]


def test_a_poll_timeout_raises_wait_timeout_with_the_last_run(emu: Emulator) -> None:
    with emu.client(max_retries=0) as client:
        run_id = client.tasks.trigger("never-finishes", {"n": 1}).id
        with pytest.raises(triggerdev.WaitTimeoutError) as raised:
            client.runs.poll(run_id, interval=0.01, timeout=0.05)
        last = raised.value.last_run
        assert last is not None and last.id == run_id and last.status == "QUEUED"
        assert str(raised.value).startswith("gave up waiting after 50ms: run " + run_id)
