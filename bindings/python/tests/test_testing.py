"""triggerdev.testing: finding the binary, starting emulators, the admin operations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import triggerdev
from triggerdev.testing import Emulator, EmulatorError, find_emulator


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
