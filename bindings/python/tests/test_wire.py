"""What goes over the wire, read back from the emulator's request log: bodies, headers, query
strings, the user agent and idempotency key hashing."""

from __future__ import annotations

import hashlib
import json
import re

import triggerdev
from triggerdev.testing import Emulator


def only_request(emu: Emulator) -> dict:  # type: ignore[type-arg]
    requests = emu.requests()
    assert len(requests) == 1, [r["path"] for r in requests]
    return requests[0]


def test_trigger_body_headers_and_user_agent(dev: triggerdev.Client, emu: Emulator) -> None:
    dev.tasks.trigger("email/send", {"to": "ada", "n": [1, 2]}, tags="welcome", machine="small-2x", priority=5)
    request = only_request(emu)
    assert request["method"] == "POST"
    assert request["path"] == "/api/v1/tasks/email%2Fsend/trigger"
    body = request["body"]
    assert json.loads(body["payload"]) == {"json": {"to": "ada", "n": [1, 2]}}, "superjson, as the official SDK"
    assert body["options"]["payloadType"] == "application/super+json"
    assert body["options"]["tags"] == ["welcome"]
    assert body["options"]["machine"] == "small-2x"
    assert body["options"]["priority"] == 5
    headers = request["headers"]
    assert headers["authorization"] == f"Bearer {emu.dev_key}"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "triggerdev-rust/0.2.0 python/0.2.0"
    assert headers["x-trigger-api-version"] == "2025-07-16"
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-trigger-request-idempotency-key"])

    emu.clear_requests()
    dev.tasks.trigger("echo", "plain text")
    body = only_request(emu)["body"]
    assert body["payload"] == "plain text" and body["options"]["payloadType"] == "text/plain"


def test_user_agent_of_the_ambient_api_and_a_suffix(emu: Emulator) -> None:
    triggerdev.configure(secret_key=emu.dev_key, base_url=emu.base_url, user_agent_suffix="my-app/2.0")
    triggerdev.runs.list().page()
    assert only_request(emu)["headers"]["user-agent"] == "triggerdev-rust/0.2.0 python/0.2.0 my-app/2.0"
    emu.clear_requests()
    with triggerdev.auth.with_auth(access_token=emu.prod_key):
        triggerdev.runs.list().page()
    request = only_request(emu)
    assert request["headers"]["authorization"] == f"Bearer {emu.prod_key}"
    assert request["headers"]["user-agent"].startswith("triggerdev-rust/0.2.0 python/0.2.0")
    triggerdev.configure(base_url=emu.base_url)


def test_idempotency_keys_are_hashed_as_the_official_sdk(dev: triggerdev.Client, emu: Emulator) -> None:
    dev.tasks.trigger("charge", {}, idempotency_key="order-42", idempotency_key_ttl="1d")
    options = only_request(emu)["body"]["options"]
    assert options["idempotencyKey"] == hashlib.sha256(b"order-42").hexdigest()
    assert options["idempotencyKeyOptions"] == {"key": "order-42", "scope": "run"}
    assert options["idempotencyKeyTTL"] == "1d"

    emu.clear_requests()
    dev.tasks.trigger("charge", {}, idempotency_key=["order", "43"])
    options = only_request(emu)["body"]["options"]
    assert options["idempotencyKey"] == hashlib.sha256(b"order-43").hexdigest()

    key = triggerdev.idempotency_keys.create(["user", "7"], scope="global")
    assert key == hashlib.sha256(b"user-7").hexdigest()
    emu.clear_requests()
    dev.tasks.trigger("charge", {}, idempotency_key=key)
    options = only_request(emu)["body"]["options"]
    assert options["idempotencyKey"] == key
    assert options["idempotencyKeyOptions"] == {"key": "user-7", "scope": "global"}

    emu.clear_requests()
    dev.idempotency_keys.reset("charge", "order-42")
    request = only_request(emu)
    assert request["path"] == f"/api/v1/idempotencyKeys/{hashlib.sha256(b'order-42').hexdigest()}/reset"
    assert request["body"] == {"taskIdentifier": "charge"}


def test_list_queries_and_other_requests(dev: triggerdev.Client, emu: Emulator) -> None:
    dev.runs.list(
        status=["QUEUED", "COMPLETED"], task_identifier="t", tag=["a"], limit=7, queue={"type": "task", "name": "q"}
    ).page()
    request = only_request(emu)
    assert request["method"] == "GET" and request["path"] == "/api/v1/runs"
    query = request["query"]
    assert query["filter[status]"] == "QUEUED,COMPLETED"
    assert query["filter[taskIdentifier]"] == "t"
    assert query["filter[tag]"] == "a"
    assert query["filter[queue]"] == "task/q"
    assert query["page[size]"] == "7"

    emu.clear_requests()
    dev.envvars.upload(emu.project_ref, "dev", variables={"A": "1"}, override=True)
    request = only_request(emu)
    assert request["path"] == f"/api/v1/projects/{emu.project_ref}/envvars/dev/import"
    assert request["body"] == {"variables": {"A": "1"}, "override": True}

    emu.clear_requests()
    dev.schedules.create(task="report", cron="0 9 * * *", deduplication_key="dedupe", timezone="Europe/Paris")
    request = only_request(emu)
    assert request["body"] == {
        "task": "report",
        "cron": "0 9 * * *",
        "deduplicationKey": "dedupe",
        "timezone": "Europe/Paris",
    }


def test_preview_branch_and_additional_headers(emu: Emulator) -> None:
    client = emu.client(emu.preview_key, preview_branch=emu.preview_branch, additional_headers={"x-team": "core"})
    client.runs.list().page()
    headers = only_request(emu)["headers"]
    assert headers["x-trigger-branch"] == emu.preview_branch
    assert headers["x-team"] == "core"
