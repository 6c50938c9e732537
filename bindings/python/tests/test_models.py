"""Records: attribute access, lazy conversion, raw JSON, printing."""

from __future__ import annotations

import copy
import json
import threading
from datetime import datetime, timezone
from typing import Any, List

import pytest

import triggerdev
from triggerdev import _call, _models
from triggerdev._models import parse_datetime


def test_records_keep_the_json_and_convert_lazily() -> None:
    data = {
        "id": "run_1",
        "status": "SOMETHING_NEW",
        "taskIdentifier": "t",
        "createdAt": "2025-01-02T03:04:05.6Z",
        "finishedAt": None,
        "tags": ["a"],
        "unknownField": {"kept": True},
        "error": {"message": "boom", "stackTrace": "at x"},
    }
    run = triggerdev.Run(data)
    assert run.to_dict() is data
    assert run["unknownField"] == {"kept": True}
    assert run.get("nope", 1) == 1 and "tags" in run
    assert run.status == "SOMETHING_NEW", "unknown statuses are kept as text"
    assert run.created_at == datetime(2025, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc)
    assert run.finished_at is None
    assert run.error is not None and run.error.stack_trace == "at x"
    assert run.attempts == [] and run.depth == 0 and run.is_test is False
    text = repr(run)
    assert text.startswith("Run(id='run_1'") and "task_identifier='t'" in text
    assert "finished_at" not in text, "missing fields are not printed"
    assert triggerdev.Run(dict(data)) == run
    assert triggerdev.Run.from_dict({"id": "x"}).id == "x"
    assert str(triggerdev.RunHandle({"id": "run_9"})) == "run_9"


def test_library_json_parses_as_json_loads_does() -> None:
    text = '{"id":"run_1","n":-1.5e3,"s":"\\u00e9\\n\u00e9","a":[true,false,null,{}],"o":{"k":[]}}'.encode()
    assert _call.parse(text) == json.loads(text)
    assert _call.parse(b'"text"') == "text" and _call.parse(b"[]") == []
    # Text the library never writes gets json.loads' own answer: whitespace around it is
    # skipped, anything after the value is an error.
    assert _call.parse(b' {"a":1} ') == {"a": 1}
    with pytest.raises(json.JSONDecodeError, match="Extra data"):
        _call.parse(b'{"a":1}x')
    with pytest.raises(json.JSONDecodeError, match="Expecting value"):
        _call.parse(b"")


def test_results_parse_their_json_text_once_at_the_first_read(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: List[bytes] = []

    def counting_parse(text: bytes) -> Any:
        parses.append(text)
        return _call.parse(text)

    monkeypatch.setattr(_models, "parse", counting_parse)
    text = b'{"id":"run_1","status":"COMPLETED","tags":["a"],"unknownField":{"kept":true}}'
    run = triggerdev.Run._from_json(text)
    copied = copy.copy(run)
    assert parses == [], "nothing is parsed before a read"
    assert run.id == "run_1" and run.tags == ["a"] and run["unknownField"] == {"kept": True}
    assert run.to_dict() == json.loads(text) and run == triggerdev.Run(json.loads(text))
    assert parses == [text], "parsed once, at the first read"
    assert copied.status is triggerdev.RunStatus.COMPLETED, "a copy made before the read parses on its own"
    with pytest.raises(AttributeError, match="'Run' object has no attribute 'nope'"):
        run.nope  # type: ignore[attr-defined]  # noqa: B018 - the attribute error a plain object gives


def test_threads_reading_a_fresh_result_at_once_all_see_its_json() -> None:
    text = json.dumps({"id": "run_1", "tags": [str(i) for i in range(2000)]}).encode()
    for _ in range(20):
        run = triggerdev.Run._from_json(text)
        start = threading.Barrier(8)
        seen = []

        def read() -> None:
            start.wait()
            seen.append((run.id, len(run.tags), run.to_dict()["tags"][-1]))

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [("run_1", 2000, "1999")] * 8


def test_known_statuses_are_enum_members() -> None:
    run = triggerdev.Run({"status": "COMPLETED"})
    assert run.status is triggerdev.RunStatus.COMPLETED
    assert run.status == "COMPLETED" and str(run.status) == "COMPLETED"


def test_parse_datetime() -> None:
    assert parse_datetime("2025-01-02T03:04:05Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_datetime("2025-01-02T03:04:05.123456789+02:00") == datetime(2025, 1, 2, 1, 4, 5, 123456, tzinfo=timezone.utc)
    assert parse_datetime(0) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert parse_datetime("not a date") == "not a date"


def test_the_fields_the_real_server_adds_are_typed() -> None:
    # Shapes as the open-source server sends them (../shared/real-server recording).
    item = triggerdev.RunListItem(
        {"id": "run_1", "status": "QUEUED", "ttl": "10m", "depth": 0, "taskKind": "STANDARD",
         "region": "local-dev", "env": {"id": "env_1", "name": "dev", "user": "Local Developer"}}
    )
    assert (item.ttl, item.depth, item.task_kind, item.region) == ("10m", 0, "STANDARD", "local-dev")
    assert item.env is not None and item.env.user == "Local Developer"
    schedule = triggerdev.Schedule(
        {"id": "sched_1", "nextRun": "2026-12-07T19:00:00.000Z", "nextRunEffectiveAt": "2026-12-07T19:00:35.897Z",
         "environments": [{"id": "env_1", "type": "DEVELOPMENT", "slug": "dev", "shortcode": "market-movement"}]}
    )
    assert schedule.next_run_effective_at == datetime(2026, 12, 7, 19, 0, 35, 897000, tzinfo=timezone.utc)
    assert (schedule.environments[0].slug, schedule.environments[0].shortcode) == ("dev", "market-movement")
    token = triggerdev.WaitpointToken(
        {"id": "waitpoint_1", "type": "MANUAL", "completedAfter": "2026-12-07T19:42:00.194Z",
         "userProvidedIdempotencyKey": False}
    )
    assert (token.type, token.user_provided_idempotency_key) == ("MANUAL", False)
    assert token.completed_after == datetime(2026, 12, 7, 19, 42, 0, 194000, tzinfo=timezone.utc)
    deployment = triggerdev.Deployment(
        {"id": "deployment_1", "commitSHA": "0123abc", "imagePlatform": "linux/amd64",
         "externalBuildData": {"buildId": "-"}, "canceledReason": None}
    )
    assert (deployment.commit_sha, deployment.image_platform) == ("0123abc", "linux/amd64")
    assert deployment.external_build_data == {"buildId": "-"} and deployment.canceled_reason is None
    event = triggerdev.RunEvent({"spanId": "s", "environmentType": "DEVELOPMENT", "idempotencyKey": None})
    assert (event.environment_type, event.idempotency_key) == ("DEVELOPMENT", None)
    batch = triggerdev.Batch({"id": "batch_1", "processingCompletedAt": "2026-12-07T18:41:41.135Z"})
    assert isinstance(batch.processing_completed_at, datetime)
    queue = triggerdev.Queue({"id": "queue_1", "releaseConcurrencyOnWaitpoint": True, "concurrencyLimitOverridePercent": 50})
    assert (queue.release_concurrency_on_waitpoint, queue.concurrency_limit_override_percent) == (True, 50)
    outcome = triggerdev.RunOutcome({"outcome": "failed", "status": "CANCELED", "error": {"message": "Canceled by user"}})
    assert outcome.finished and not outcome.ok and outcome.status is triggerdev.RunStatus.CANCELED
