"""Run streams and input streams against the emulator: a v2 stream cut and failed mid-way read
with no chunk lost or repeated, a v1 stream, ``start_index`` and ``from_latest``, ``stop()``
from another thread, Ctrl-C, typed errors raised once, and input stream sends recorded."""

from __future__ import annotations

import threading
from typing import Any, List

import pytest

import triggerdev
from triggerdev.testing import Emulator

from test_interrupt import interrupted_within_budget


def task_writes(emu: Emulator, run_id: str, records: Any, key: str = "llm") -> None:
    """What the task would write to its stream ``key`` (the emulator's record forms)."""
    emu.append_run_stream(run_id, key, records)


def drain_windows(emu: Emulator) -> None:
    """v2 windows close once they have sent what there is (until the next reset)."""
    emu.admin("POST", "/__emulator/sessions/config", {"sseLingerMs": 0})


def connects(emu: Emulator, run_id: str) -> List[Any]:
    return [r for r in emu.requests() if r["path"] == f"/realtime/v1/streams/{run_id}/llm"]


def test_a_cut_and_failed_v2_stream_resumes_with_nothing_lost_or_repeated(dev: triggerdev.Client, emu: Emulator) -> None:
    drain_windows(emu)
    run_id = dev.tasks.trigger("write-story", {}).id
    task_writes(emu, run_id, [{"data": {"i": i}, "id": f"part-{i}"} for i in range(6)] + [{"command": "fence"}])
    emu.add_fault(sseDropAfter=2, count=1)
    emu.add_fault(sseErrorAfter=2, count=1)
    with dev.runs.stream(run_id, "llm") as stream:
        chunks = list(stream)
    assert chunks == [{"i": i} for i in range(6)]
    seen = connects(emu, run_id)
    assert [c["headers"].get("last-event-id") for c in seen] == [None, "1", "3"]
    assert seen[0]["headers"]["accept"] == "text/event-stream"


def test_a_v1_stream_gives_json_or_text_chunks(emu: Emulator) -> None:
    with emu.client(max_retries=0, v2_realtime_streams=False) as client:
        run_id = client.tasks.trigger("write-story", {}).id
        task_writes(emu, run_id, [{"data": {"n": 1}}, {"command": "fence"}, {"data": "two"}])
        assert list(client.runs.stream(run_id, "llm", timeout_seconds=1)) == [{"n": 1}, "two"]


def test_start_index_and_from_latest(dev: triggerdev.Client, emu: Emulator) -> None:
    drain_windows(emu)
    run_id = dev.tasks.trigger("write-story", {}).id
    task_writes(emu, run_id, [{"data": i, "id": f"p{i}"} for i in range(4)], key="default")
    assert list(dev.runs.stream(run_id, start_index=2)) == [2, 3]
    assert list(dev.runs.stream(run_id, from_latest=True)) == []
    headers = [r["headers"] for r in emu.requests() if r["path"] == f"/realtime/v1/streams/{run_id}/default"]
    assert headers[0]["last-event-id"] == "1"
    assert headers[1]["x-trigger-stream-start"] == "latest"


def test_stop_from_another_thread_and_ctrl_c_end_a_waiting_stream(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("write-story", {}).id
    task_writes(emu, run_id, {"data": "first"})
    # The window stays open (no linger): `next` blocks until a chunk, a stop or Ctrl-C.
    with dev.runs.stream(run_id, "llm") as stream:
        assert next(stream) == "first"
        threading.Thread(target=stream.stop, daemon=True).start()
        with pytest.raises(StopIteration):
            next(stream)
    with dev.runs.stream(run_id, "llm") as stream:
        assert next(stream) == "first"
        # Ready once the call is entered: the signal then lands in it, or in the wait it makes.
        entered = threading.Event()

        def wait_for_more() -> Any:
            entered.set()
            return next(stream)

        interrupted_within_budget(wait_for_more, entered.is_set)


def test_errors_are_raised_typed_once_and_arguments_checked(dev: triggerdev.Client) -> None:
    with dev.runs.stream("run_missing", "llm") as stream:
        with pytest.raises(triggerdev.NotFoundError) as caught:
            next(stream)
        assert caught.value.status == 404
        with pytest.raises(StopIteration):
            next(stream)
    with pytest.raises(triggerdev.InvalidArgumentError):
        dev.runs.stream("run_1", "llm", timeout_seconds=601)
    with pytest.raises(triggerdev.InvalidArgumentError):
        dev.runs.stream("run_1", "")


def test_send_input_posts_the_value(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("approve", {}).id
    dev.streams.send_input(run_id, "approval", {"approved": True})
    inputs = emu.realtime()["inputs"]
    assert [(i["runId"], i["streamId"], i["data"]) for i in inputs] == [(run_id, "approval", {"approved": True})]
    with pytest.raises(triggerdev.NotFoundError):
        dev.streams.send_input("run_missing", "approval", 1)
    with pytest.raises(TypeError):
        dev.streams.send_input(run_id, "approval", {1, 2})
