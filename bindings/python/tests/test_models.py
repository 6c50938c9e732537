"""Records: attribute access, lazy conversion, raw JSON, printing."""

from __future__ import annotations

from datetime import datetime, timezone

import triggerdev
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


def test_known_statuses_are_enum_members() -> None:
    run = triggerdev.Run({"status": "COMPLETED"})
    assert run.status is triggerdev.RunStatus.COMPLETED
    assert run.status == "COMPLETED" and str(run.status) == "COMPLETED"


def test_parse_datetime() -> None:
    assert parse_datetime("2025-01-02T03:04:05Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_datetime("2025-01-02T03:04:05.123456789+02:00") == datetime(2025, 1, 2, 1, 4, 5, 123456, tzinfo=timezone.utc)
    assert parse_datetime(0) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert parse_datetime("not a date") == "not a date"
