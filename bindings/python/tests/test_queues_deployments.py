"""Queues and deployments: every operation, the exact request on the wire (from the emulator's
request log) and the decoded result; the errors a caller can hit."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict

import pytest

import triggerdev
from triggerdev.testing import Emulator


def only_request(emu: Emulator) -> Dict[str, Any]:
    requests = emu.requests()
    assert len(requests) == 1, [(r["method"], r["path"]) for r in requests]
    emu.clear_requests()
    return requests[0]


# --- queues --------------------------------------------------------------------------------


def test_queue_list_iterates_every_page_and_page_gives_one(dev: triggerdev.Client, emu: Emulator) -> None:
    for task in ("a-task", "b-task", "c-task"):
        dev.tasks.trigger(task, {})
    emu.clear_requests()

    queues = dev.queues.list(per_page=2)
    assert isinstance(queues, triggerdev.ListIterable)
    assert emu.requests() == [], "no request until the first item is needed"
    items = list(queues)
    assert [q.name for q in items] == ["a-task", "b-task", "c-task"]
    assert all(isinstance(q, triggerdev.Queue) for q in items)
    assert [(r["method"], r["path"], r["query"]) for r in emu.requests()] == [
        ("GET", "/api/v1/queues", {"perPage": "2"}),
        ("GET", "/api/v1/queues", {"page": "2", "perPage": "2"}),
    ]
    emu.clear_requests()

    page = dev.queues.list(page=1, per_page=2).page()
    assert isinstance(page, triggerdev.QueuesPage)
    assert len(page) == 2 and page.has_next_page
    assert page.pagination.current_page == 1 and page.pagination.total_pages == 2 and page.pagination.count == 3
    assert only_request(emu)["query"] == {"page": "1", "perPage": "2"}
    second = page.next_page()
    assert [q.name for q in second] == ["c-task"]
    assert only_request(emu)["query"] == {"page": "2", "perPage": "2"}
    with pytest.raises(RuntimeError, match=r"^No next page expected; check `\.has_next_page` before calling `\.next_page\(\)`\.$"):
        second.next_page()
    assert emu.requests() == []

    first = items[0]
    assert first.type == "task" and first.queued == 1 and first.running == 0 and first.paused is False
    assert first.id.startswith("queue_") and first["name"] == "a-task", "raw JSON access"


def test_queue_retrieve_pause_resume_and_concurrency_limits(dev: triggerdev.Client, emu: Emulator) -> None:
    dev.tasks.trigger("send-email", {})
    custom = emu.add_queue("team/shared q", type="custom")
    emu.clear_requests()

    # A custom queue's name is encoded twice, as the official SDK sends it.
    queue = dev.queues.retrieve("team/shared q", queue_type="custom")
    request = only_request(emu)
    assert (request["method"], request["path"], request["query"]) == (
        "GET",
        "/api/v1/queues/team%252Fshared%20q",
        {"type": "custom"},
    )
    assert request["headers"]["authorization"] == f"Bearer {emu.dev_key}"
    assert isinstance(queue, triggerdev.Queue)
    assert (queue.id, queue.name, queue.type) == (custom["id"], "team/shared q", "custom")

    paused = dev.queues.pause("send-email", queue_type="task")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/queues/send-email/pause")
    assert request["rawBody"] == '{"type":"task","action":"pause"}'
    assert paused.paused is True and paused.name == "send-email"

    resumed = dev.queues.resume("send-email", queue_type="task")
    request = only_request(emu)
    assert request["path"] == "/api/v1/queues/send-email/pause"
    assert request["body"] == {"type": "task", "action": "resume"}
    assert resumed.paused is False

    # By id (queue_type left out means "id").
    overridden = dev.queues.override_concurrency_limit(queue.id, 5)
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", f"/api/v1/queues/{queue.id}/concurrency/override")
    assert request["rawBody"] == '{"type":"id","concurrencyLimit":5}'
    assert overridden.concurrency_limit == 5
    assert overridden.concurrency is not None
    assert overridden.concurrency.override_limit == 5
    assert isinstance(overridden.concurrency.overridden_at, datetime)

    reset = dev.queues.reset_concurrency_limit(queue.id, queue_type="id")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", f"/api/v1/queues/{queue.id}/concurrency/reset")
    assert request["rawBody"] == '{"type":"id"}'
    assert reset.concurrency is not None and reset.concurrency.override_limit is None

    by_id = dev.queues.retrieve(queue.id)
    assert only_request(emu)["query"] == {"type": "id"}
    # As the server, the write calls leave out a null override percent that retrieve shows.
    assert by_id.concurrency_limit_override_percent is None and by_id.release_concurrency_on_waitpoint is True
    shown = {k: v for k, v in by_id.to_dict().items() if k != "concurrencyLimitOverridePercent"}
    assert shown == reset.to_dict()


def test_queue_errors(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(triggerdev.NotFoundError) as missing:
        dev.queues.retrieve("no-such-task", queue_type="task")
    assert missing.value.status == 404
    assert missing.value.body == {"error": "queue-not-found"}
    emu.clear_requests()

    # Rejected before any request, naming the argument.
    with pytest.raises(triggerdev.InvalidArgumentError, match="queue_type"):
        dev.queues.pause("send-email", queue_type="planet")  # type: ignore[arg-type]
    with pytest.raises(triggerdev.InvalidArgumentError, match="queue"):
        dev.queues.retrieve("")
    with pytest.raises(TypeError, match="limit must be an int, not str"):
        dev.queues.override_concurrency_limit("q", "5")  # type: ignore[arg-type]
    with pytest.raises(triggerdev.InvalidArgumentError, match="limit: must be between 0 and 4294967295"):
        dev.queues.override_concurrency_limit("q", 2**32)
    with pytest.raises(TypeError, match="queue must be a str, not int"):
        dev.queues.resume(7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="queue_type must be a str"):
        dev.queues.resume("q", queue_type=1)  # type: ignore[arg-type]
    with pytest.raises(triggerdev.InvalidArgumentError, match="^per_page: "):
        list(dev.queues.list(per_page=101))
    assert emu.requests() == []

    dev.tasks.trigger("send-email", {})
    with pytest.raises(triggerdev.BadRequestError):
        dev.queues.override_concurrency_limit("send-email", 1000, queue_type="task")


# --- deployments (in prod: as on the server, dev envs have none) -------------------------


def test_deployments_list_iterates_and_pages(emu: Emulator) -> None:
    dev = emu.client(emu.prod_key, max_retries=0)  # dev envs have no deployments
    for day in range(2, 8):
        emu.add_deployment(env="prod", version=f"202501{day:02d}.1", created_at=f"2025-01-{day:02d}T00:00:00Z")
    emu.clear_requests()

    since = datetime(2025, 1, 1, tzinfo=timezone.utc)
    deployments = dev.deployments.list(status="DEPLOYED", limit=5, from_=since, to="2025-12-31T00:00:00.000Z")
    assert isinstance(deployments, triggerdev.ListIterable)
    versions = [d.version for d in deployments]
    assert versions == [f"202501{day:02d}.1" for day in range(7, 1, -1)] + ["20250101.1"], "newest first"
    requests = emu.requests()
    assert len(requests) == 2
    assert requests[0]["path"] == "/api/v1/deployments"
    assert requests[0]["query"] == {
        "status": "DEPLOYED",
        "page[size]": "5",
        "from": "2025-01-01T00:00:00.000Z",
        "to": "2025-12-31T00:00:00.000Z",
    }
    assert requests[1]["query"]["page[after]"]
    emu.clear_requests()

    page = dev.deployments.list(limit=5, period="3650d").page()
    assert isinstance(page, triggerdev.DeploymentsPage)
    assert len(page) == 5 and page.has_next_page
    assert only_request(emu)["query"] == {"period": "3650d", "page[size]": "5"}
    rest = page.next_page()
    assert [d.version for d in rest] == ["20250102.1", "20250101.1"]
    assert only_request(emu)["query"] == {"period": "3650d", "page[size]": "5", "page[after]": page.pagination.next}

    first = page.data[0]
    assert isinstance(first, triggerdev.Deployment)
    assert first.status == "DEPLOYED" and first.created_at == datetime(2025, 1, 7, tzinfo=timezone.utc)


def test_deployments_retrieve_current_latest_and_promote(emu: Emulator) -> None:
    dev = emu.client(emu.prod_key, max_retries=0)  # dev envs have no deployments
    current = dev.deployments.retrieve_current()
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("GET", "/api/v1/deployments/current")
    assert isinstance(current, triggerdev.Deployment)
    assert current.version == "20250101.1" and current.status == "DEPLOYED"

    detail = dev.deployments.retrieve(current.id)
    assert only_request(emu)["path"] == f"/api/v1/deployments/{current.id}"
    assert detail.id == current.id and detail.worker is not None and detail.content_hash

    newer = emu.add_deployment(env="prod", version="20250301.1", created_at="2025-03-01T00:00:00Z")
    latest = dev.deployments.retrieve_latest()
    assert only_request(emu)["path"] == "/api/v1/deployments/latest"
    assert latest.version == "20250301.1" and latest.id == newer["id"]

    promoted = dev.deployments.promote("20250301.1")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/deployments/20250301.1/promote")
    assert isinstance(promoted, triggerdev.PromotedDeployment)
    assert (promoted.id, promoted.version) == (newer["id"], "20250301.1") and promoted.short_code
    assert dev.deployments.retrieve_current().id == newer["id"]


def test_deployment_errors(emu: Emulator) -> None:
    dev = emu.client(emu.prod_key, max_retries=0)  # dev envs have no deployments
    with pytest.raises(triggerdev.NotFoundError):
        dev.deployments.retrieve("deployment_missing")
    with pytest.raises(triggerdev.BadRequestError):
        dev.deployments.promote("20250101.1")  # already current
    emu.clear_requests()
    with pytest.raises(TypeError, match="version must be a str, not None"):
        dev.deployments.promote(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="from_ must be a str"):
        dev.deployments.list(from_=12)  # type: ignore[arg-type]
    with pytest.raises(triggerdev.InvalidArgumentError, match="limit"):
        dev.deployments.list(limit=500).page()
    assert emu.requests() == []
    pat = emu.client(emu.pat, max_retries=0)
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        pat.deployments.retrieve_current()
    assert emu.requests() == []


def test_ambient_queues_and_deployments(ambient: Emulator) -> None:
    triggerdev.tasks.trigger("ambient-task", {})
    assert [q.name for q in triggerdev.queues.list()] == ["ambient-task"]
    assert triggerdev.queues.retrieve("ambient-task", queue_type="task").queued == 1
    with pytest.raises(triggerdev.NotFoundError):
        triggerdev.deployments.retrieve_current()  # dev has no deployments
    assert json.loads(json.dumps(triggerdev.deployments.list().page().to_dict())) == {"data": [], "pagination": {}}
