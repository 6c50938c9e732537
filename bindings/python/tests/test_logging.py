"""Observable retries: the library's lines in the ``triggerdev`` logger — a DEBUG line per
request, an INFO line per retry — silent by default, TRIGGERDEV_LOG=debug|info for a stderr
handler, never a secret."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Iterator, List, Tuple

import pytest

import triggerdev
from triggerdev import _logging
from triggerdev.testing import Emulator



def lines(records: List[logging.LogRecord]) -> List[Tuple[str, str]]:
    """(level, message) of the triggerdev records, with timings blanked."""
    return [
        (r.levelname, re.sub(r"\b\d+ ms\b", "N ms", r.getMessage()))
        for r in records
        if r.name == "triggerdev"
    ]


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG, logger="triggerdev")
    triggerdev.sync_log_level()
    yield caplog
    logging.getLogger("triggerdev").setLevel(logging.NOTSET)
    triggerdev.sync_log_level()


def test_a_retried_call_logs_each_request_and_the_retry(
    emu: Emulator, debug_logging: pytest.LogCaptureFixture
) -> None:
    with emu.client() as client:
        run_id = client.tasks.trigger("logged", {}).id
        debug_logging.clear()
        emu.add_fault(status=503, count=1, path=f"/api/v3/runs/{run_id}")
        client.runs.retrieve(run_id)
    path = f"/api/v3/runs/{run_id}"
    assert lines(debug_logging.records) == [
        ("DEBUG", f"GET {path} -> 503 in N ms (attempt 1)"),
        ("INFO", f"retrying GET {path} in N ms after 503 Service unavailable (attempt 2 of 5 next)"),
        ("DEBUG", f"GET {path} -> 200 in N ms (attempt 2)"),
    ]
    for record in debug_logging.records:
        assert emu.dev_key not in record.getMessage() and "Bearer" not in record.getMessage()


def test_info_shows_retries_only(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="triggerdev")
    triggerdev.sync_log_level()
    try:
        with emu.client() as client:
            emu.add_fault(status=503, count=1, path="/api/v1/runs")
            client.runs.list().page()
    finally:
        logging.getLogger("triggerdev").setLevel(logging.NOTSET)
        triggerdev.sync_log_level()
    assert [level for level, _ in lines(caplog.records)] == ["INFO"]


def run_script(env_log: str, emu: Emulator) -> str:
    """stderr of a fresh interpreter making a call that is retried once."""
    script = (
        "import triggerdev\n"
        f"c = triggerdev.Client(access_token={emu.dev_key!r}, base_url={emu.base_url!r},\n"
        "    retry=triggerdev.RetryPolicy(min_timeout=0.001, max_timeout=0.005))\n"
        "c.runs.list().page()\n"
    )
    env = dict(os.environ, TRIGGERDEV_LOG=env_log)
    emu.add_fault(status=503, count=1, path="/api/v1/runs")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_silent_by_default_and_trigger_log_adds_a_stderr_handler(emu: Emulator) -> None:
    assert run_script("", emu) == ""
    info = run_script("info", emu)
    assert "triggerdev INFO] retrying GET /api/v1/runs in" in info and "DEBUG" not in info
    debug = run_script("debug", emu)
    assert "triggerdev DEBUG] GET /api/v1/runs -> 503 in" in debug
    assert "triggerdev DEBUG] GET /api/v1/runs -> 200 in" in debug
    assert emu.dev_key not in debug


def test_a_ctrl_c_that_lands_in_the_log_callback_is_delivered_again() -> None:
    # ctypes reports an exception the callback could not catch through sys.unraisablehook;
    # a KeyboardInterrupt there is re-armed for the waiting call instead of being lost.
    logging.getLogger("triggerdev").setLevel(logging.DEBUG)
    try:
        triggerdev.sync_log_level()
        lost = SimpleNamespace(object=_logging._forward, exc_value=KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            sys.unraisablehook(lost)
            time.sleep(0.5)  # the re-armed signal interrupts this at once
    finally:
        logging.getLogger("triggerdev").setLevel(logging.NOTSET)
        triggerdev.sync_log_level()
