"""Realtime against the emulator: a run subscription sees each status in order and ends after
the run finished; ``runs.wait`` returns the finished run or raises ``WaitTimeoutError`` with the
last run; tag and batch subscriptions; ``tasks.trigger_and_subscribe``; ``stop()`` from another
thread; Ctrl-C; typed errors. Changes are made only once the emulator reports the library's
live request held (``emu.realtime_held()``), so every status is seen, in
order; nothing is timed."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, List

import pytest

import triggerdev
from triggerdev import RunStatus
from triggerdev.testing import Emulator

from test_interrupt import interrupted_within_budget

# Only a guard against a hung test (a broken stop would block forever); nothing is timed.
HANG_GUARD = 30.0


def held(emu: Emulator, n: int = 1) -> Callable[[], bool]:
    """Whether ``n`` live realtime requests are held (the readiness signal)."""
    return lambda: emu.realtime_held() >= n


def when_held(emu: Emulator, change: Callable[[], Any]) -> threading.Thread:
    """Runs ``change`` on another thread once a live realtime request is held."""

    def run() -> None:
        ready = held(emu)
        deadline = time.monotonic() + HANG_GUARD
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.002)
        change()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def feed_queries(emu: Emulator, path: str) -> List[str]:
    """The queries of the feed requests to ``path`` (a poll a previous test left held may
    finish, and be logged, after the reset)."""
    return [r["rawQuery"] for r in emu.requests() if r["path"] == path]


def test_a_subscription_yields_each_status_in_order_and_ends(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("email/send", {"to": "ada"}, tags=["welcome"], metadata={"step": 1}).id
    seen: List[triggerdev.Run] = []
    with dev.runs.subscribe(run_id) as sub:
        for run in sub:
            seen.append(run)
            if run.status == RunStatus.QUEUED:
                when_held(emu, lambda: emu.start_run(run_id))
            elif run.status == RunStatus.EXECUTING:
                when_held(emu, lambda: emu.complete_run(run_id, {"ok": True}))
    assert [r.status for r in seen] == [RunStatus.QUEUED, RunStatus.EXECUTING, RunStatus.COMPLETED]
    first, executing, done = seen
    assert (first.id, first.task_identifier, first.tags) == (run_id, "email/send", ["welcome"])
    assert first.payload == {"to": "ada"}
    assert first.metadata == {"step": 1}
    assert first.is_queued and not first.is_completed and first.started_at is None
    assert executing.is_executing and executing.started_at is not None
    assert done.is_completed and done.is_success and done.finished_at is not None
    assert done.output == {"ok": True}
    queries = feed_queries(emu, f"/realtime/v1/runs/{run_id}")
    assert queries[0] == "log=full&offset=-1"
    assert len(queries) == 3 and all("live=true" in q for q in queries[1:])


@pytest.mark.parametrize("restart", ["rotate", "must_refetch"])
def test_a_409_or_must_refetch_mid_subscription_restarts_without_a_repeated_row(
    dev: triggerdev.Client, emu: Emulator, restart: str
) -> None:
    run_id = dev.tasks.trigger("t", {}).id

    def restart_then_start() -> None:
        if restart == "rotate":
            assert len(emu.rotate_realtime_shapes()["rotated"]) >= 1
        else:
            assert emu.realtime_must_refetch()["shapes"] >= 1
        emu.start_run(run_id)

    seen: List[RunStatus] = []
    with dev.runs.subscribe(run_id) as sub:
        for run in sub:
            seen.append(run.status)
            if run.status == RunStatus.QUEUED:
                when_held(emu, restart_then_start)
            elif run.status == RunStatus.EXECUTING:
                when_held(emu, lambda: emu.complete_run(run_id, 1))
    assert seen == [RunStatus.QUEUED, RunStatus.EXECUTING, RunStatus.COMPLETED]
    # After a 409 the shape is read from the start again; a must-refetch answer holds every row.
    starts = [q for q in feed_queries(emu, f"/realtime/v1/runs/{run_id}") if "offset=-1" in q]
    assert len(starts) == {"rotate": 2, "must_refetch": 1}[restart]


def test_wait_returns_the_finished_run(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("t", {}).id
    when_held(emu, lambda: emu.fail_run(run_id, {"name": "TypeError", "message": "boom"}))
    run = dev.runs.wait(run_id, timeout=HANG_GUARD)
    assert run.status == RunStatus.FAILED
    assert run.is_failed and run.is_completed and not run.is_success
    assert run.error is not None
    assert (run.error.name, run.error.message) == ("TypeError", "boom")


def test_wait_raises_the_typed_timeout_carrying_the_last_run(dev: triggerdev.Client) -> None:
    run_id = dev.tasks.trigger("t", {}).id
    with pytest.raises(triggerdev.WaitTimeoutError) as caught:
        dev.runs.wait(run_id, timeout=0.3)
    last = caught.value.last_run
    assert last is not None
    assert (last.id, last.status) == (run_id, RunStatus.QUEUED)
    with pytest.raises(triggerdev.InvalidArgumentError, match="timeout"):
        dev.runs.wait(run_id, timeout=0)


def test_a_tag_subscription_sees_new_runs_and_stops_from_another_thread(dev: triggerdev.Client, emu: Emulator) -> None:
    first = dev.tasks.trigger("t", {}, tags=["org-1", "vip"]).id
    dev.tasks.trigger("t", {}, tags=["org-1"])
    later: List[str] = []
    seen: List[str] = []
    sub = dev.runs.subscribe_tagged(["org-1", "vip"], created_at="1h")
    with sub:
        for run in sub:
            seen.append(run.id)
            if len(seen) == 1:
                when_held(emu, lambda: later.append(dev.tasks.trigger("t", {}, tags=["vip", "org-1"]).id))
            else:
                when_held(emu, sub.stop)  # ends the next(), blocked in a held live poll
    assert seen == [first, later[0]]
    first_query = feed_queries(emu, "/realtime/v1/runs")[0]
    assert "createdAt=1h" in first_query and "tags=org-1%2Cvip" in first_query


def test_a_batch_subscription_yields_the_batch_runs_and_their_changes(dev: triggerdev.Client, emu: Emulator) -> None:
    batch = dev.tasks.batch_trigger([triggerdev.BatchItem("t", {"i": 0}), triggerdev.BatchItem("t", {"i": 1})])
    with dev.batches.subscribe(batch.batch_id) as sub:
        a, b = next(sub), next(sub)
        assert [a.payload, b.payload] == [{"i": 0}, {"i": 1}]
        when_held(emu, lambda: emu.complete_run(b.id, "done"))
        changed = next(sub)
    assert (changed.id, changed.status, changed.output) == (b.id, RunStatus.COMPLETED, "done")


def test_trigger_and_subscribe_leaves_out_the_payload_and_ends(dev: triggerdev.Client, emu: Emulator) -> None:
    statuses: List[RunStatus] = []
    run_id = ""
    with dev.tasks.trigger_and_subscribe("t", {"big": True}) as sub:
        for run in sub:
            statuses.append(run.status)
            assert run.payload is None
            run_id = run.id
            if run.status == RunStatus.QUEUED:
                when_held(emu, lambda: dev.runs.cancel(run_id))
    assert statuses == [RunStatus.QUEUED, RunStatus.CANCELED]
    assert "skipColumns=payload" in feed_queries(emu, f"/realtime/v1/runs/{run_id}")[0]


def test_close_from_another_thread_unblocks_a_blocked_next(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("t", {}).id
    sub = dev.runs.subscribe(run_id)
    assert next(sub).status == RunStatus.QUEUED
    when_held(emu, sub.close)
    with pytest.raises(StopIteration):
        next(sub)


def test_ctrl_c_ends_a_subscription_waiting_in_a_live_poll(emu: Emulator) -> None:
    emu.set_realtime_hold(600_000)
    with emu.client(max_retries=0) as client:
        run_id = client.tasks.trigger("t", {}).id
        with client.runs.subscribe(run_id) as sub:
            assert next(sub).status == RunStatus.QUEUED
            interrupted_within_budget(lambda: next(sub), held(emu))
        # The same wait through runs.wait (the interrupted poll is still held on the server).
        interrupted_within_budget(lambda: client.runs.wait(run_id, timeout=600), held(emu, 2))


def test_errors_are_raised_typed_once(dev: triggerdev.Client, emu: Emulator) -> None:
    with dev.runs.subscribe("run_missing") as sub:
        with pytest.raises(triggerdev.NotFoundError) as caught:
            next(sub)
        assert caught.value.status == 404
        with pytest.raises(StopIteration):
            next(sub)

    # The run's public token reads that run and no other.
    handle = dev.tasks.trigger("t", {})
    other = dev.tasks.trigger("t", {}).id
    assert handle.public_access_token
    with emu.client(handle.public_access_token, max_retries=0) as public:
        with public.runs.subscribe(handle.id) as sub:
            assert next(sub).id == handle.id
        with public.runs.subscribe(other) as sub:
            with pytest.raises(triggerdev.PermissionDeniedError):
                next(sub)

    # A 200 without the protocol headers is a typed error, not a stall.
    emu.add_fault(status=200, count=1, path="/realtime/v1/", body={"hello": "proxy"})
    with dev.runs.subscribe(handle.id) as sub:
        with pytest.raises(triggerdev.DecodeError, match="electric-handle"):
            next(sub)

    with pytest.raises(triggerdev.InvalidArgumentError, match="tags"):
        dev.runs.subscribe_tagged([])
