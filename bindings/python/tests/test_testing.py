"""triggerdev.testing: finding the binary, starting emulators, the admin operations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, List

import pytest

import triggerdev
import triggerdev.testing
from triggerdev.testing import FAST_RETRY, Emulator, EmulatorError, find_emulator


def test_find_emulator_prefers_the_environment_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    found = find_emulator()
    assert os.path.isfile(found)
    monkeypatch.setenv("TRIGGERDEV_EMULATOR", found)
    assert find_emulator() == found
    monkeypatch.setenv("TRIGGERDEV_EMULATOR", str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="TRIGGERDEV_EMULATOR"):
        find_emulator()


def test_a_second_emulator_with_its_own_state_and_seed() -> None:
    with Emulator(extra_args=["--unknown-task", "ghost"]) as emu:
        assert emu.running
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert emu.project_ref == "proj_emulator"
        assert emu.dev_key.startswith("tr_dev_")
        assert emu.prod_key.startswith("tr_prod_")
        assert emu.staging_key.startswith("tr_stg_")
        assert emu.preview_key.startswith("tr_preview_") and emu.preview_branch == "feature-xyz"
        assert emu.pat.startswith("tr_pat_")
        assert emu.additional_key and emu.additional_key.startswith("tr_dev_sk_")
        client = emu.client(max_retries=0)
        with pytest.raises(triggerdev.NotFoundError):
            client.tasks.trigger("ghost", {})
        handle = client.tasks.trigger("seen", {})
        assert [r["id"] for r in emu.runs()] == [handle.id]
        assert "runs" in emu.state()
    assert not emu.running
    with pytest.raises(triggerdev.ClosedError):
        client.runs.retrieve(handle.id)  # clients made by emu.client() are closed with it


def test_admin_operations(emu: Emulator) -> None:
    client = emu.client(max_retries=0)
    delayed = client.tasks.trigger("later", {}, delay="10m")
    assert client.runs.retrieve(delayed.id).status == "DELAYED"
    emu.advance(seconds=601)
    assert client.runs.retrieve(delayed.id).status == "QUEUED"
    emu.start_run(delayed.id)
    assert client.runs.retrieve(delayed.id).status == "EXECUTING"
    emu.fail_run(delayed.id, "crashed", status="CRASHED")
    assert client.runs.retrieve(delayed.id).status == "CRASHED"
    with pytest.raises(EmulatorError) as info:
        emu.complete_run(delayed.id, 1)
    assert info.value.status == 409
    emu.add_fault(status=503, count=1)
    assert len(emu.faults()) == 1 or emu.faults()
    emu.clear_faults()
    assert client.runs.list().page()
    requests = emu.requests()
    assert requests and requests[-1]["path"] == "/api/v1/runs"
    emu.clear_requests()
    assert emu.requests() == []
    emu.add_branch("feature-new")
    branch = emu.client(emu.pat, preview_branch="feature-new")
    assert branch.envvars.list(emu.project_ref, "preview") == []
    emu.reset()
    assert emu.runs() == []


def test_pytest_fixture_resets_between_tests_part_1(triggerdev_emulator: Emulator) -> None:
    triggerdev_emulator.client().tasks.trigger("only-here", {})
    assert len(triggerdev_emulator.runs()) == 1


def test_pytest_fixture_resets_between_tests_part_2(triggerdev_emulator: Emulator) -> None:
    assert triggerdev_emulator.runs() == []


def test_client_retries_fast_like_rubys(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    made: List[Any] = []

    class Recording(triggerdev.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(kwargs.get("retry"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(triggerdev.testing, "Client", Recording)
    # A missing run's 404 says `x-should-retry: true`: the default attempts, 1-5 ms apart
    # (the library's default backoff made this call take 9.3 s).
    with pytest.raises(triggerdev.NotFoundError):
        emu.client().runs.retrieve("run_missing")
    assert made == [FAST_RETRY] and FAST_RETRY.to_dict() == {"minTimeoutInMs": 1, "maxTimeoutInMs": 5}
    attempts = [r for r in emu.requests() if r["path"] == "/api/v3/runs/run_missing"]
    assert [(r["method"], r["status"]) for r in attempts] == [("GET", 404)] * 5
    # max_retries keeps the fast backoff; retry= replaces it.
    emu.clear_requests()
    with pytest.raises(triggerdev.NotFoundError):
        emu.client(max_retries=1).runs.retrieve("run_missing")
    own = triggerdev.RetryPolicy(max_attempts=3, min_timeout=0.002, max_timeout=0.002)
    with pytest.raises(triggerdev.NotFoundError):
        emu.client(retry=own).runs.retrieve("run_missing")
    assert made[1:] == [FAST_RETRY, own]
    assert len([r for r in emu.requests() if r["path"] == "/api/v3/runs/run_missing"]) == 2 + 3


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


_OWNER = """
import threading
from triggerdev.testing import Emulator
with Emulator() as emu:
    print(emu.pid, flush=True)
    threading.Event().wait()
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_emulator_never_outlives_its_owner(sig: signal.Signals) -> None:
    # SIGTERM (a CI cancel, pytest-timeout) or SIGKILL kills the owner without running
    # `__exit__`; the emulator must go anyway.
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pid = int(owner.stdout.readline())
        assert _alive(pid)
        owner.send_signal(sig)
        assert owner.wait(timeout=30) == -sig
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
    # A hang guard on a readiness-style condition: the emulator exits as soon as it reads
    # end of file on stdin, which the kernel gives it when the owner is gone.
    deadline = time.monotonic() + 1.0
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    alive = _alive(pid)
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"the emulator (pid {pid}) outlived its owner"
