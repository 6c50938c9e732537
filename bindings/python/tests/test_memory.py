"""No leak over long loops: every string and error from the library is freed; handles are freed
once (close, finalizer, or both)."""

from __future__ import annotations

import gc
import threading

import pytest

import triggerdev
from triggerdev.testing import Emulator


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_20000_calls_grow_rss_by_less_than_5_mb(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    client = emu.client(max_retries=0)
    handle = client.tasks.trigger("leak", {"x": "y" * 200}, tags=["a"])

    def round_() -> None:
        client.runs.retrieve(handle.id)  # a string out
        try:
            client.runs.retrieve("run_missing")  # an error object out
        except triggerdev.NotFoundError:
            pass
        triggerdev.parse_dotenv("A=1\nB=2\n")  # no request
        triggerdev.idempotency_keys.create(["order", "42"])
        try:
            client.runs.retrieve("bad\x00id")  # rejected before the ABI
        except ValueError:
            pass

    for _ in range(400):  # warm-up: allocator pools, caches
        round_()
    gc.collect()
    before = rss_kb()
    rounds = 4000  # 5 calls each: 20,000 calls
    for _ in range(rounds):
        round_()
    # iterators, subscriptions, short-lived clients and snapshots; tokens (plain-text strings)
    client.sessions.start(type="chat", task_identifier="leak-agent", base_payload={}, external_id="leak")
    for _ in range(200):
        with emu.client() as c:
            list(c.runs.list(limit=1))
            list(c.queues.list())
            c.sessions.open("leak").input.subscribe().close()  # never connected
            c.sessions.open("leak").output.subscribe()  # freed by its finalizer
            c.auth.create_public_token(scopes={"read": {"runs": True}})
        triggerdev.auth.current().close()
        triggerdev.auth.current()  # freed by its finalizer
    gc.collect()
    after = rss_kb()
    growth = (after - before) / 1024
    with capsys.disabled():
        print(f"\nleak check: {rounds * 5} calls (+1400 handles), RSS {before} kB -> {after} kB, growth {growth:.2f} MB")
    emu.clear_requests()
    assert growth < 5, f"RSS grew by {growth:.1f} MB"


def test_close_and_finalizer_never_double_free(emu: Emulator) -> None:
    for _ in range(50):
        client = emu.client()
        client.close()
        del client  # the finalizer must not free it again
    clients = [triggerdev.Client(emu.dev_key, base_url=emu.base_url) for _ in range(50)]
    del clients
    gc.collect()
    iterator = iter(emu.client().runs.list())
    iterator.close()
    iterator.close()
    del iterator
    gc.collect()


def test_close_while_other_threads_are_calling(emu: Emulator) -> None:
    emu.add_fault(latency_ms=200, count=4, path="/api/v1/runs")
    client = emu.client(max_retries=0)
    errors: list = []  # type: ignore[type-arg]
    done: list = []  # type: ignore[type-arg]

    def call() -> None:
        try:
            client.runs.list().page()
            done.append(1)
        except ValueError:
            done.append(0)  # closed before it started
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    client.close()  # the calls in flight keep the handle until they return
    for t in threads:
        t.join()
    assert not errors
    assert client.closed


def test_a_handle_closed_during_calls_is_freed_once_by_the_last_of_them() -> None:
    from triggerdev._managed import ClosedError, Handle

    freed: list = []  # type: ignore[type-arg]
    handle = Handle(0x1234, freed.append, "client")
    assert handle.borrow() == 0x1234  # two calls in progress
    assert handle.borrow() == 0x1234
    handle.close()
    assert handle.closed and freed == []  # still in use
    with pytest.raises(ClosedError, match="this client is closed"):
        handle.borrow()  # a new call is refused and leaves no trace
    handle.release()
    assert freed == []
    handle.release()  # the last call frees it
    assert freed == [0x1234]
    handle.close()
    del handle
    gc.collect()
    assert freed == [0x1234]  # close() again and the finalizer free nothing


def test_a_handle_shared_by_threads_is_freed_once() -> None:
    from triggerdev._managed import ClosedError, Handle

    for _ in range(200):
        freed: list = []  # type: ignore[type-arg]
        handle = Handle(1, freed.append, "client")
        used_after_free: list = []  # type: ignore[type-arg]
        start = threading.Barrier(5)

        def call() -> None:
            start.wait()
            for _ in range(50):
                try:
                    handle.borrow()
                except ClosedError:
                    return
                if freed:
                    used_after_free.append(1)
                handle.release()

        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        start.wait()
        handle.close()
        for t in threads:
            t.join()
        assert freed == [1] and not used_after_free
