"""Named concurrency limits, batch results and run spans: every operation, the exact request on
the wire (from the emulator's request log), the decoded result, and the errors a caller can
hit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict

import pytest

import triggerdev
from triggerdev.testing import Emulator


def only_request(emu: Emulator) -> Dict[str, Any]:
    requests = emu.requests()
    assert len(requests) == 1, [(r["method"], r["path"]) for r in requests]
    emu.clear_requests()
    return requests[0]


@pytest.fixture
def openai(emu: Emulator) -> Dict[str, Any]:
    limit: Dict[str, Any] = emu.add_concurrency_limit("openai", per_key=2, total=10)
    emu.clear_requests()
    return limit


def test_list_iterates_every_page_and_page_gives_one(dev: triggerdev.Client, emu: Emulator) -> None:
    for name in ("b-limit", "a-limit", "c-limit"):
        emu.add_concurrency_limit(name, total=1)
    emu.clear_requests()
    limits = dev.concurrency_limits.list(per_page=2)
    assert isinstance(limits, triggerdev.ListIterable)
    assert emu.requests() == [], "no request until the first item is needed"
    items = list(limits)
    assert [limit.name for limit in items] == ["a-limit", "b-limit", "c-limit"]
    assert all(isinstance(limit, triggerdev.ConcurrencyLimit) for limit in items)
    assert [(r["method"], r["path"], r["query"]) for r in emu.requests()] == [
        ("GET", "/api/v1/concurrency-limits", {"perPage": "2"}),
        ("GET", "/api/v1/concurrency-limits", {"page": "2", "perPage": "2"}),
    ]
    emu.clear_requests()
    page = dev.concurrency_limits.list(page=2, per_page=2).page()
    assert isinstance(page, triggerdev.ConcurrencyLimitsPage)
    assert [limit.name for limit in page] == ["c-limit"] and not page.has_next_page
    assert page.pagination.count == 3
    assert only_request(emu)["query"] == {"page": "2", "perPage": "2"}


def test_retrieve_the_limit_and_one_key(dev: triggerdev.Client, emu: Emulator, openai: Dict[str, Any]) -> None:
    limit = dev.concurrency_limits.retrieve("openai")
    request = only_request(emu)
    assert (request["method"], request["path"], request["query"]) == ("GET", "/api/v1/concurrency-limits/openai", {})
    assert request["headers"]["authorization"] == f"Bearer {emu.dev_key}"
    assert isinstance(limit, triggerdev.ConcurrencyLimit)
    assert (limit.id, limit.name, limit.paused) == (openai["id"], "openai", False)
    assert (limit.per_key.current, limit.per_key.base, limit.per_key.override_limit) == (2, 2, None)
    assert (limit.total.current, limit.total.overridden_at, limit.running, limit.queued) == (10, None, 0, 0)

    key = dev.concurrency_limits.retrieve_key("openai", "tenant 42/x")
    request = only_request(emu)
    assert request["rawQuery"] == "concurrencyKey=tenant+42%2Fx"
    assert isinstance(key, triggerdev.ConcurrencyKeyLimit)
    assert (key.name, key.concurrency_key, key.per_key.current, key.per_key.expires_at) == ("openai", "tenant 42/x", 2, None)

    key = dev.concurrency_limits.retrieve_key("openai", 42)
    assert only_request(emu)["rawQuery"] == "concurrencyKey=42"
    assert key.concurrency_key == "42"


def test_override_and_reset(dev: triggerdev.Client, emu: Emulator, openai: Dict[str, Any]) -> None:
    limit = dev.concurrency_limits.override("openai", per_key=5, total=0)
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/concurrency-limits/openai/override")
    assert request["rawBody"] == '{"perKey":5,"total":0}'
    assert (limit.per_key.current, limit.per_key.base, limit.total.override_limit) == (5, 2, 0)
    assert isinstance(limit.total.overridden_at, datetime)

    # A numeric key stays a JSON number; the answer has it as text.
    key = dev.concurrency_limits.override_key("openai", 42, per_key=0, ttl="1d")
    assert only_request(emu)["rawBody"] == '{"concurrencyKey":42,"perKey":0,"ttl":"1d"}'
    assert isinstance(key, triggerdev.ConcurrencyKeyLimit)
    assert (key.concurrency_key, key.per_key.current, key.per_key.override_limit) == ("42", 0, 0)
    assert isinstance(key.per_key.expires_at, datetime)
    dev.concurrency_limits.override_key("openai", "t", per_key=1, ttl=timedelta(hours=1))
    assert only_request(emu)["body"]["ttl"] == "3600s"

    key = dev.concurrency_limits.reset_key("openai", 42)
    request = only_request(emu)
    assert (request["path"], request["rawBody"]) == ("/api/v1/concurrency-limits/openai/reset", '{"concurrencyKey":42}')
    assert key.per_key.override_limit is None
    limit = dev.concurrency_limits.reset("openai")
    assert only_request(emu)["rawBody"] == "{}"
    assert (limit.per_key.current, limit.total.current, limit.total.override_limit) == (2, 10, None)


def test_pause_and_resume(dev: triggerdev.Client, emu: Emulator, openai: Dict[str, Any]) -> None:
    paused = dev.concurrency_limits.pause("openai")
    request = only_request(emu)
    assert (request["path"], request["rawBody"]) == ("/api/v1/concurrency-limits/openai/pause", '{"action":"pause"}')
    assert paused.paused is True
    resumed = dev.concurrency_limits.resume("openai")
    assert only_request(emu)["rawBody"] == '{"action":"resume"}'
    assert resumed.paused is False


def test_errors(dev: triggerdev.Client, emu: Emulator, openai: Dict[str, Any]) -> None:
    with pytest.raises(triggerdev.NotFoundError) as missing:
        dev.concurrency_limits.retrieve("nope")
    assert missing.value.body == {"error": "Concurrency limit not found"}
    emu.clear_requests()
    # Refused by the library before any request, naming the argument.
    with pytest.raises(triggerdev.InvalidArgumentError, match="must set perKey, total or both"):
        dev.concurrency_limits.override("openai")
    with pytest.raises(triggerdev.InvalidArgumentError, match="per_key: 100001 is over the maximum of 100000"):
        dev.concurrency_limits.override_key("openai", "k", per_key=100001)
    with pytest.raises(triggerdev.InvalidArgumentError, match="ttl: must be positive"):
        dev.concurrency_limits.override_key("openai", "k", per_key=1, ttl=0)
    with pytest.raises(triggerdev.InvalidArgumentError, match="100001 is over the maximum of 100000"):
        dev.concurrency_limits.override("openai", total=100001)
    with pytest.raises(triggerdev.InvalidArgumentError, match="^concurrency_key: must not be empty$"):
        dev.concurrency_limits.retrieve_key("openai", "")
    with pytest.raises(triggerdev.InvalidArgumentError, match="name"):
        dev.concurrency_limits.pause("")
    assert emu.requests() == []
    # What only the server checks: a ttl over 30 days.
    with pytest.raises(triggerdev.BadRequestError, match="at most 30 days"):
        dev.concurrency_limits.override_key("openai", "k", per_key=1, ttl="31d")


def test_the_ambient_api(ambient: Emulator, openai: Dict[str, Any]) -> None:
    assert triggerdev.concurrency_limits.retrieve("openai").name == "openai"


def test_batch_results(dev: triggerdev.Client, emu: Emulator) -> None:
    handle = dev.tasks.batch_trigger([triggerdev.BatchItem("a", {"i": 0}), triggerdev.BatchItem("b", {"i": 1}), triggerdev.BatchItem("c", {})])
    runs = dev.batches.retrieve(handle.batch_id).runs
    emu.complete_run(runs[0], {"sent": True})
    emu.fail_run(runs[1], {"message": "boom", "name": "TypeError", "stackTrace": "at x"})
    emu.clear_requests()
    results = dev.batches.results(handle.batch_id)
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("GET", f"/api/v1/batches/{handle.batch_id}/results")
    assert isinstance(results, triggerdev.BatchResults)
    assert results.id == handle.batch_id and len(results.items) == 2, "the unfinished run has no result"
    ok, failed = results.items
    assert (ok.ok, ok.id, ok.output, ok.raw_output, ok.output_type) == (True, runs[0], {"sent": True}, '{"sent":true}', "application/json")
    assert ok.task_identifier == "a" and ok.usage is not None and ok.usage.duration_ms >= 0
    assert failed.ok is False and failed.output is None
    assert failed.error is not None
    assert (failed.error.type, failed.error.name, failed.error.message, failed.error.stack_trace) == ("BUILT_IN_ERROR", "TypeError", "boom", "at x")
    with pytest.raises(triggerdev.NotFoundError):
        dev.batches.results("batch_nope")
    with pytest.raises(triggerdev.InvalidArgumentError, match="batch_id"):
        dev.batches.results("")


def test_run_spans(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("span-task", {}).id
    emu.start_run(run_id)
    events = dev.runs.events(run_id).events
    emu.clear_requests()
    span = dev.runs.retrieve_span(run_id, events[1].span_id)
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("GET", f"/api/v1/runs/{run_id}/spans/{events[1].span_id}")
    assert isinstance(span, triggerdev.RunSpan)
    assert (span.span_id, span.parent_id, span.run_id) == (events[1].span_id, events[0].span_id, run_id)
    assert (span.message, span.is_partial, span.is_error, span.entity_type) == ("Attempt 1", True, False, "attempt")
    assert isinstance(span.start_time, datetime)
    with pytest.raises(triggerdev.NotFoundError):
        dev.runs.retrieve_span(run_id, "0000000000000000")
    with pytest.raises(triggerdev.InvalidArgumentError, match="span_id"):
        dev.runs.retrieve_span(run_id, "")
