"""pytest fixtures for tests against the local emulator.

Enable them in a ``conftest.py``::

    pytest_plugins = ["triggerdev.testing.pytest_plugin"]

    def test_trigger(triggerdev_emulator):
        client = triggerdev_emulator.client()
        handle = client.tasks.trigger("send-email", {"to": "ada"})
        assert triggerdev_emulator.run(handle.id)["status"] == "QUEUED"

``triggerdev_emulator_session`` is one emulator for the whole session; ``triggerdev_emulator``
is the same emulator, reset to its seed (runs, faults, request log) before each test.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from . import Emulator

__all__ = ["triggerdev_emulator_session", "triggerdev_emulator"]


@pytest.fixture(scope="session")
def triggerdev_emulator_session() -> Iterator[Emulator]:
    """One emulator process for the test session, on a free port."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def triggerdev_emulator(triggerdev_emulator_session: Emulator) -> Emulator:
    """The session's emulator, reset to its seed before the test."""
    triggerdev_emulator_session.reset()
    return triggerdev_emulator_session
