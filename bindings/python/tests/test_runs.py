"""Tasks, batches and runs: every operation on its success path (the scenarios of tests/e2e.rs)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Union
from datetime import datetime, timedelta, timezone

import pytest

import triggerdev
from triggerdev.testing import Emulator


def test_trigger_retrieve_tags_metadata_result_poll_cancel_replay_reschedule(
    emu: Emulator, dev: triggerdev.Client
) -> None:
    handle = dev.tasks.trigger("email/send", {"to": "ada"}, tags=["welcome"], metadata={"step": 1})
    assert isinstance(handle, triggerdev.RunHandle)
    assert handle.id.startswith("run_")
    assert handle.is_cached is False
    assert handle.public_access_token is not None and handle.public_access_token.startswith("eyJ")

    run = dev.runs.retrieve(handle.id)
    assert isinstance(run, triggerdev.Run)
    assert run.task_identifier == "email/send"
    assert run.status == triggerdev.RunStatus.QUEUED
    assert run.status == "QUEUED"
    assert run.payload == {"to": "ada"}
    assert run.tags == ["welcome"]
    assert run.is_queued and not run.is_completed
    assert isinstance(run.created_at, datetime) and run.created_at.tzinfo == timezone.utc
    assert abs(run.created_at - datetime.now(timezone.utc)) < timedelta(hours=1)
    assert run.to_dict()["taskIdentifier"] == "email/send"
    assert run["id"] == handle.id

    text = dev.tasks.trigger("echo", "plain text")
    assert dev.runs.retrieve(text.id).payload == "plain text"

    page = dev.runs.list(task_identifier="email/send").page()
    assert [r.id for r in page.data] == [handle.id]

    message = dev.runs.add_tags(handle.id, ["vip", "eu"])
    assert message.message == "Successfully set 2 new tags."
    dev.runs.add_tags(handle.id, "one-more")
    assert dev.runs.retrieve(handle.id).tags == ["welcome", "vip", "eu", "one-more"]

    updated = dev.runs.update_metadata(handle.id, operations=[{"type": "increment", "key": "step", "value": 2}])
    assert updated.metadata == {"step": 3}
    replaced = dev.runs.update_metadata(handle.id, metadata={"progress": 0.5})
    assert replaced.metadata == {"progress": 0.5}
    metadata = dev.runs.metadata(handle.id)
    assert isinstance(metadata, triggerdev.RunMetadata)
    assert metadata.metadata == {"progress": 0.5}
    assert metadata.metadata_type == "application/json"

    pending = dev.runs.outcome(handle.id)
    assert isinstance(pending, triggerdev.RunOutcome)
    assert (pending.outcome, pending.status, pending.finished) == ("notFinished", "QUEUED", False)
    emu.complete_run(handle.id, {"sent": True})
    outcome = dev.runs.outcome(handle.id)
    assert (outcome.outcome, outcome.ok, outcome.finished) == ("succeeded", True, True)
    assert outcome.output == {"sent": True}
    done = dev.runs.poll(handle.id, interval=0.01)
    assert done.status == triggerdev.RunStatus.COMPLETED
    assert done.output == {"sent": True}
    assert done.is_success and done.is_completed

    canceled = dev.runs.cancel(text.id)
    assert canceled.id == text.id
    assert dev.runs.retrieve(text.id).status == "CANCELED"
    gone = dev.runs.outcome(text.id)
    assert (gone.outcome, gone.status, gone.ok) == ("failed", triggerdev.RunStatus.CANCELED, False)
    assert gone.error is not None and gone.error.message == "Canceled by user"
    replay = dev.runs.replay(text.id)
    assert replay.id != text.id
    assert dev.runs.retrieve(replay.id).payload == "plain text"
    replay2 = dev.runs.replay(text.id, payload={"new": 1}, tags=["replayed"])
    assert dev.runs.retrieve(replay2.id).id == replay2.id
    sent = next(r["body"] for r in emu.requests() if r["path"].endswith("/replay") and r["body"])
    assert json.loads(sent["payload"]) == {"json": {"new": 1}}
    assert sent["tags"] == ["replayed"]

    delayed = dev.tasks.trigger("later", {}, delay="1h")
    assert dev.runs.retrieve(delayed.id).status == "DELAYED"
    moved = dev.runs.reschedule(delayed.id, delay="2h")
    assert moved.status == "DELAYED"
    moved2 = dev.runs.reschedule(delayed.id, delay=datetime.now(timezone.utc) + timedelta(hours=3))
    assert moved2.delayed_until is not None
    assert moved2.delayed_until > datetime.now(timezone.utc) + timedelta(hours=2)
    with pytest.raises(triggerdev.BadRequestError, match="Cannot reschedule a run that is not delayed"):
        dev.runs.reschedule(text.id, delay="2h")


def test_no_payload_and_null_payload(dev: triggerdev.Client, emu: Emulator) -> None:
    none = dev.tasks.trigger("no-payload")
    null = dev.tasks.trigger("null-payload", None)
    log = {r["path"]: r["body"] for r in emu.requests() if r["method"] == "POST"}
    assert "payload" not in (log["/api/v1/tasks/no-payload/trigger"] or {})
    assert dev.runs.retrieve(none.id).payload is None
    assert dev.runs.retrieve(null.id).payload is None
    assert "payload" in log["/api/v1/tasks/null-payload/trigger"]


def test_failed_run_error_and_attempts(dev: triggerdev.Client, emu: Emulator) -> None:
    handle = dev.tasks.trigger("flaky", {})
    emu.start_run(handle.id)
    assert dev.runs.retrieve(handle.id).status == "EXECUTING"
    emu.fail_run(handle.id, {"message": "boom", "name": "Error"})
    run = dev.runs.retrieve(handle.id)
    assert run.status == triggerdev.RunStatus.FAILED
    assert run.is_failed
    assert run.error is not None and run.error.message == "boom"
    assert run.attempt_count == 1
    outcome = dev.runs.outcome(handle.id)
    assert (outcome.outcome, outcome.status) == ("failed", "FAILED")
    assert outcome.error is not None and outcome.error.message == "boom" and outcome.error.name == "Error"
    assert outcome.output is None, "a failed run has no output"


def test_a_results_output_value_decodes_to_the_value(dev: triggerdev.Client, emu: Emulator) -> None:
    values: List[Any] = [{"approved": True}, [1, "two", None], "text", 42]
    ids = []
    for value in values:
        run_id = dev.tasks.trigger("result", {}).id
        emu.complete_run(run_id, value)
        ids.append(run_id)
    assert [dev.runs.outcome(run_id).output for run_id in ids] == values

    bare = dev.tasks.trigger("result", {}).id
    emu.complete_run(bare)
    assert dev.runs.outcome(bare).output is None, "completed without output"

    # The deprecated runs.result: the server's route is a 404 for finished runs (None), and
    # answers only for canceled ones.
    with pytest.warns(DeprecationWarning, match="runs.outcome"):
        assert dev.runs.result(bare) is None
    canceled = dev.tasks.trigger("result", {}).id
    dev.runs.cancel(canceled)
    with pytest.warns(DeprecationWarning):
        result = dev.runs.result(canceled)
    assert isinstance(result, triggerdev.RunResult)
    assert result.ok is False and result.error == {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"}

    # The library's decoding, also of a record made from a dict (superjson, text, undecodable).
    made = {"ok": True, "id": "run_x", "output": '{"json":[1,2]}', "outputType": "application/super+json"}
    assert triggerdev.RunResult(made).output == [1, 2] and triggerdev.RunResult(made).output_value() == [1, 2]
    assert triggerdev.RunResult(dict(made, output="plain", outputType="text/plain")).output == "plain"
    assert triggerdev.RunResult(dict(made, output="not json", outputType="application/json")).output is None


def test_a_results_output_is_a_value_as_a_runs_is(dev: triggerdev.Client, emu: Emulator) -> None:
    run_id = dev.tasks.trigger("result", {}).id
    emu.complete_run(run_id, {"sent": True})
    # What a server whose result route still answers sends for a finished run.
    body = {"ok": True, "id": run_id, "output": '{"json":{"sent":true}}', "outputType": "application/super+json"}
    emu.add_fault(status=200, count=1, path=f"/api/v1/runs/{run_id}/result", body=body)
    with pytest.warns(DeprecationWarning):
        result = dev.runs.result(run_id)
    assert result is not None and result.ok
    assert result.output == {"sent": True} == dev.runs.retrieve(run_id).output
    assert result.raw_output == '{"json":{"sent":true}}' and result.output_type == "application/super+json"


def test_a_list_is_iterated_again_from_the_first_page(dev: triggerdev.Client, emu: Emulator) -> None:
    ids = {dev.tasks.trigger("again", {"i": i}).id for i in range(3)}
    emu.clear_requests()
    runs = dev.runs.list(limit=2, task_identifier="again")
    assert emu.requests() == [], "no request until the first item is needed"
    first = [r.id for r in runs]
    second = [r.id for r in runs]
    assert set(first) == ids and second == first, "a second loop yields the items again"
    requests = [r for r in emu.requests() if r["path"] == "/api/v1/runs"]
    assert [r["query"].get("page[after]") is None for r in requests] == [True, False, True, False]
    assert requests[2]["query"] == requests[0]["query"], "each loop starts at the first page"
    # Two loops at once, each with its own library iterator.
    outer = iter(runs)
    inner = iter(runs)
    assert [next(outer).id, next(inner).id] == first[:1] * 2
    # Filters the library refuses are reported by list() itself, not at the first item.
    with pytest.raises(triggerdev.InvalidArgumentError, match="^limit: 500 is over the maximum of 100"):
        dev.runs.list(limit=500)


def test_events_and_trace(dev: triggerdev.Client, emu: Emulator) -> None:
    handle = dev.tasks.trigger("traced", {})
    emu.start_run(handle.id)
    emu.complete_run(handle.id, 1)
    events = dev.runs.events(handle.id)
    assert isinstance(events, triggerdev.RunEvents)
    assert len(events) >= 2
    assert all(isinstance(e, triggerdev.RunEvent) for e in events)
    assert any(e.run_id == handle.id or e.kind == "SERVER" for e in events)
    trace = dev.runs.trace(handle.id)
    assert isinstance(trace, triggerdev.RunTrace)
    assert trace.trace_id
    assert isinstance(trace.root_span, dict) and trace.root_span


def test_list_pages_and_the_lazy_iterator_see_every_run_once(dev: triggerdev.Client, emu: Emulator) -> None:
    ids = {dev.tasks.trigger("many", {"i": i}).id for i in range(23)}
    first = dev.runs.list(limit=5).page()
    assert isinstance(first, triggerdev.RunsPage)
    assert len(first.data) == 5 and first.has_next_page
    second = first.next_page()
    assert len(second.data) == 5
    assert not {r.id for r in first} & {r.id for r in second}

    emu.clear_requests()
    runs = dev.runs.list(limit=5)
    assert isinstance(runs, triggerdev.ListIterable)
    assert [r for r in emu.requests()] == [], "no request until the first item is needed"
    seen = [r.id for r in runs]
    assert len(seen) == 23 and set(seen) == ids
    pages = [r for r in emu.requests() if r["path"] == "/api/v1/runs"]
    assert len(pages) == 5, "23 runs in pages of 5: more than three pages fetched on demand"
    assert [p["query"].get("page[after]") is None for p in pages] == [True, False, False, False, False]
    assert all(isinstance(r, triggerdev.RunListItem) for r in dev.runs.list(limit=5))

    # pages walked by hand; past the last one next_page() raises
    walked = []
    page = dev.runs.list(limit=10).page()
    walked += [r.id for r in page]
    while page.has_next_page:
        page = page.next_page()
        walked += [r.id for r in page]
    assert set(walked) == ids
    emu.clear_requests()
    with pytest.raises(RuntimeError, match=r"^No next page expected; check `\.has_next_page` before"):
        page.next_page()
    assert emu.requests() == [], "no request for a page that is not there"

    # filters
    assert len(list(dev.runs.list(status="QUEUED", task_identifier=["many"], limit=50))) == 23
    assert list(dev.runs.list(status=["COMPLETED"])) == []
    assert len(list(dev.runs.list(from_=datetime.now(timezone.utc) - timedelta(hours=1)))) == 23


def test_iterator_can_be_closed_early(dev: triggerdev.Client) -> None:
    for i in range(6):
        dev.tasks.trigger("few", {"i": i})
    with iter(dev.runs.list(limit=2)) as runs:
        first = next(runs)
        assert first.task_identifier == "few"
    assert list(runs) == []


def test_pat_lists_through_the_project_route(emu: Emulator) -> None:
    dev = emu.client()
    dev.tasks.trigger("paged", {})
    pat = emu.client(emu.pat, max_retries=0)
    runs = list(pat.runs.list(project_ref=emu.project_ref, env="dev", task_identifier="paged"))
    assert [r.task_identifier for r in runs] == ["paged"]
    assert runs[0].env is not None and runs[0].env.name == "dev"
    page = pat.runs.list(project_ref=emu.project_ref, env=["dev"]).page()
    assert len(page.data) == 1


def test_idempotency_keys_return_the_same_run(dev: triggerdev.Client, emu: Emulator) -> None:
    a = dev.tasks.trigger("charge", {"n": 1}, idempotency_key="order-42")
    b = dev.tasks.trigger("charge", {"n": 1}, idempotency_key="order-42")
    assert a.id == b.id
    assert not a.is_cached and b.is_cached
    key = triggerdev.idempotency_keys.create(["order", "43"], scope="global")
    c = dev.tasks.trigger("charge", {"n": 2}, idempotency_key=key)
    d = dev.tasks.trigger("charge", {"n": 2}, idempotency_key=["order", "43"])
    assert c.id == d.id
    assert len(emu.runs()) == 2
    reset = dev.idempotency_keys.reset("charge", "order-42")
    assert isinstance(reset, triggerdev.IdResponse)
    e = dev.tasks.trigger("charge", {"n": 1}, idempotency_key="order-42")
    assert e.id != a.id and not e.is_cached


def test_every_trigger_option(dev: triggerdev.Client, emu: Emulator) -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    handle = dev.tasks.trigger(
        "options",
        {"x": 1},
        idempotency_key="opt-1",
        idempotency_key_ttl="1h",
        delay=when,
        ttl=timedelta(minutes=10),
        tags=["a", "b"],
        metadata={"m": True},
        queue="custom-q",
        concurrency=["limit-a"],
        concurrency_key="ck",
        max_attempts=3,
        max_duration=timedelta(seconds=300),
        machine="small-1x",
        priority=10,
        version="20250101.1",
        region="eu",
        external_deployment_id="deploy-42",
        debounce={"key": "db", "delay": "5s", "max_delay": "1m"},
        test=False,
    )
    assert handle.id.startswith("run_")
    body = next(r["body"] for r in emu.requests() if r["path"] == "/api/v1/tasks/options/trigger")
    options = body["options"]
    assert options["delay"] == "2030-01-02T03:04:05.678Z"
    assert options["ttl"] == "600s"
    assert options["tags"] == ["a", "b"]
    assert options["metadata"] == {"m": True}
    assert options["queue"] == {"name": "custom-q"} or options["queue"] == "custom-q"
    assert options["concurrencyKey"] == "ck"
    assert options["maxAttempts"] == 3
    assert options["maxDuration"] == 300
    assert options["machine"] == "small-1x"
    assert options["priority"] == 10
    assert options["lockToVersion"] == "20250101.1"
    assert options["region"] == "eu"
    assert options["idempotencyKeyTTL"] == "1h"
    assert options["debounce"]["key"] == "db"


def test_batch_trigger_creates_every_run_and_retrieve_reports_them(dev: triggerdev.Client, emu: Emulator) -> None:
    items: List[Union[triggerdev.BatchItem, Dict[str, Any]]] = [
        triggerdev.BatchItem("even", {"i": 0}),
        {"task": "odd", "payload": {"i": 1}, "options": {"tags": ["x"]}},
        triggerdev.BatchItem("even", {"i": 2}, idempotency_key="item-2"),
        {"task": "odd", "payload": "text"},
        {"task": "none"},
    ]
    handle = dev.tasks.batch_trigger(items, idempotency_key="nightly")
    assert isinstance(handle, triggerdev.BatchHandle)
    assert handle.run_count == 5
    assert handle.batch_id.startswith("batch_")
    batch = dev.batches.retrieve(handle.batch_id)
    assert isinstance(batch, triggerdev.Batch)
    assert len(batch.runs) == 5
    assert batch.status == triggerdev.BatchStatus.PENDING, "sealed, but its runs have not finished"
    assert batch.processing_completed_at is not None
    for run_id in batch.runs:
        emu.complete_run(run_id)
    assert dev.batches.retrieve(handle.batch_id).status == triggerdev.BatchStatus.COMPLETED
    assert batch.created_at.tzinfo is not None
    again = dev.tasks.batch_trigger(items, idempotency_key="nightly")
    assert again.is_cached and again.batch_id == handle.batch_id
    assert len(emu.runs()) == 5, "the cached batch created no runs"


def test_large_payloads_are_offloaded_and_read_back(dev: triggerdev.Client, emu: Emulator) -> None:
    payload = {"blob": "z" * 200_000}
    handle = dev.tasks.trigger("big", payload)
    stored = emu.run(handle.id)
    assert stored is not None and stored["payloadType"] == "application/store"
    run = dev.runs.retrieve(handle.id)
    assert run.payload_presigned_url is not None
    assert run.payload == payload


def test_concurrent_clients_for_different_environments_stay_apart(emu: Emulator) -> None:
    import threading

    dev = emu.client()
    prod = emu.client(emu.prod_key)

    def work(client: triggerdev.Client) -> None:
        for i in range(10):
            client.tasks.trigger("t", {"i": i})

    threads = [threading.Thread(target=work, args=(c,)) for c in (dev, prod)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(dev.runs.list().page().data) == 10
    assert len(prod.runs.list().page().data) == 10


def test_nothing_is_lost_or_duplicated_when_faults_force_retries(emu: Emulator) -> None:
    client = emu.client(retry=triggerdev.RetryPolicy(max_attempts=12, min_timeout=0.001, max_timeout=0.005))
    emu.set_faults(
        [
            {"status": 503, "rate": 0.3, "path": "/api/v1/tasks"},
            {"status": 500, "afterHandler": True, "rate": 0.15, "path": "/api/v1/tasks"},
            {"dropConnection": True, "rate": 0.1, "path": "/api/v1/tasks"},
        ],
        seed=7,
    )
    triggered = {client.tasks.trigger("work", {"i": i}).id for i in range(30)}
    emu.clear_faults()
    assert len(emu.requests()) > 35, "the faults forced retries"
    stored = {r["id"] for r in emu.runs()}
    assert len(emu.runs()) == 30, "no duplicates"
    assert stored == triggered, "none missing"


def test_rate_limits_and_server_errors_are_retried_until_success(retrying: triggerdev.Client, emu: Emulator) -> None:
    emu.add_fault(status=429, count=1, rate_limit_reset_ms=50)
    emu.add_fault(status=503, count=2)
    handle = retrying.tasks.trigger("t", {})
    assert retrying.runs.retrieve(handle.id).id == handle.id
    assert len(emu.runs()) == 1
    statuses = [r["status"] for r in emu.requests()]
    assert statuses.count(429) == 1 and statuses.count(503) == 2
