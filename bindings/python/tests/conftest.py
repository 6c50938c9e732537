"""Fixtures: one emulator process for the session (triggerdev.testing's pytest plugin), reset
before each test; clients with fast retries; a clean environment."""

from __future__ import annotations

from typing import Iterator

import pytest

import triggerdev
from triggerdev.testing import Emulator

pytest_plugins = ["triggerdev.testing.pytest_plugin"]

# Retries without the default 1 s backoff, so retried calls stay fast.
FAST_RETRY = triggerdev.RetryPolicy(min_timeout=0.001, max_timeout=0.005)

ENV_VARS = (
    "TRIGGER_SECRET_KEY",
    "TRIGGER_ACCESS_TOKEN",
    "TRIGGER_API_URL",
    "TRIGGER_PREVIEW_BRANCH",
    "VERCEL_GIT_COMMIT_REF",
    "TRIGGER_DEV_BRANCH",
    "TRIGGER_VERSION",
    "TRIGGER_EXTERNAL_DEPLOYMENT_ID",
    "TRIGGER_AUTOMATIC_SKEW_VERSION_PROTECTION",
    "SSL_CERT_FILE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emu(triggerdev_emulator: Emulator) -> Emulator:
    return triggerdev_emulator


@pytest.fixture
def dev(emu: Emulator) -> Iterator[triggerdev.Client]:
    """The dev key, no retries (errors surface at once)."""
    with emu.client(max_retries=0) as client:
        yield client


@pytest.fixture
def retrying(emu: Emulator) -> Iterator[triggerdev.Client]:
    """The dev key with the default number of attempts and millisecond backoffs."""
    with emu.client(retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
def ambient(emu: Emulator) -> Iterator[Emulator]:
    """The ambient API configured for the emulator's dev key, without retries."""
    triggerdev.configure(secret_key=emu.dev_key, base_url=emu.base_url, max_retries=0)
    yield emu
    triggerdev.configure(base_url=emu.base_url, max_retries=0)


def trigger_ids(client: triggerdev.Client, task: str, n: int) -> list:  # type: ignore[type-arg]
    return [client.tasks.trigger(task, {"i": i}).id for i in range(n)]
