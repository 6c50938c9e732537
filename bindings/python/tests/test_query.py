"""Query and dashboards: every operation, the request on the wire (from the emulator's request
log), the decoded result, and the errors a caller can hit."""

from __future__ import annotations

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


def test_execute_rows_and_csv(dev: triggerdev.Client, emu: Emulator) -> None:
    run = dev.tasks.trigger("hello", {"n": 1})
    emu.clear_requests()
    result = dev.query.execute("SELECT run_id, task_identifier FROM runs")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/query")
    assert request["body"] == {"query": "SELECT run_id, task_identifier FROM runs", "scope": "environment", "format": "json"}
    assert isinstance(result, triggerdev.QueryResult)
    assert result.format == "json" and result.csv is None
    assert result.rows == [{"run_id": run.id, "task_identifier": "hello"}]

    csv = dev.query.execute(
        "SELECT count() FROM runs",
        scope="project",
        from_=datetime(2020, 1, 1, tzinfo=timezone.utc),
        to="2100-01-01T00:00:00Z",
        format="csv",
    )
    assert only_request(emu)["body"] == {
        "query": "SELECT count() FROM runs",
        "scope": "project",
        "from": "2020-01-01T00:00:00.000Z",
        "to": "2100-01-01T00:00:00Z",
        "format": "csv",
    }
    assert (csv.format, csv.csv, csv.rows) == ("csv", "count\n1\n", None)


def test_execute_errors(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(triggerdev.BadRequestError, match="Unknown column: nope") as bad:
        dev.query.execute("SELECT nope FROM runs")
    assert bad.value.status == 400
    emu.clear_requests()
    with pytest.raises(triggerdev.InvalidArgumentError, match="query: must not be empty"):
        dev.query.execute(" ")
    with pytest.raises(triggerdev.InvalidArgumentError, match="scope"):
        dev.query.execute("SELECT 1", scope="galaxy")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="period must be a str"):
        dev.query.execute("SELECT 1", period=7)  # type: ignore[arg-type]
    assert emu.requests() == []


def test_schema(dev: triggerdev.Client, emu: Emulator) -> None:
    schema = dev.query.schema()
    assert (only_request(emu)["method"], emu.requests()) == ("GET", [])
    assert isinstance(schema, triggerdev.QuerySchema)
    table = schema.tables[0]
    assert (table.name, table.time_column) == ("runs", "created_at")
    assert [c.name for c in table.columns] == ["run_id", "task_identifier", "status", "created_at"]
    status = table.columns[2]
    assert (status.type, status.core_column, status.example) == ("String", True, "COMPLETED")
    assert status.allowed_values is not None and "QUEUED" in status.allowed_values


def test_dashboards_list_and_retrieve(dev: triggerdev.Client, emu: Emulator) -> None:
    dashboards = dev.query.dashboards.list()
    assert only_request(emu)["path"] == "/api/v1/query/dashboards"
    assert isinstance(dashboards[0], triggerdev.DashboardSummary)
    assert (dashboards[0].key, dashboards[0].type, dashboards[0].title) == ("overview", "builtIn", "Overview")
    assert dashboards[0].widgets[0]["type"] == "bignumber"
    one = dev.query.dashboards.retrieve("overview")
    assert only_request(emu)["path"] == "/api/v1/query/dashboards/overview"
    assert isinstance(one, triggerdev.Dashboard)
    assert (one.id, one.revision, one.widgets[0]["display"]["type"]) == ("overview", "rev_1", "bignumber")
    assert one.created_at == datetime(1970, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(triggerdev.NotFoundError):
        dev.query.dashboards.retrieve("nope")
    with pytest.raises(triggerdev.InvalidArgumentError, match="id"):
        dev.query.dashboards.retrieve("")


def test_ambient_query(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(triggerdev.query, triggerdev.Query)
    assert isinstance(triggerdev.query.dashboards, triggerdev.Dashboards)


def test_dashboard_writes_and_revisions(dev: triggerdev.Client, emu: Emulator) -> None:
    made = dev.query.dashboards.create("Mine", widgets=[{"id": "w", "title": "Runs"}])
    request = only_request(emu)
    assert (request["method"], request["rawBody"]) == ("POST", '{"title":"Mine","widgets":[{"id":"w","title":"Runs"}]}')
    assert (made.title, made.revision, made.widgets) == ("Mine", "rev_1", [{"id": "w", "title": "Runs"}])
    renamed = dev.query.dashboards.update(made.id, title="Renamed", revision="rev_1")
    request = only_request(emu)
    assert (request["method"], request["path"], request["rawBody"]) == (
        "PATCH", f"/api/v1/query/dashboards/{made.id}", '{"title":"Renamed","revision":"rev_1"}')
    assert (renamed.title, renamed.revision) == ("Renamed", "rev_2")
    with pytest.raises(triggerdev.ConflictError, match="revision rev_1 is not the current rev_2"):
        dev.query.dashboards.update(made.id, revision="rev_1")
    with pytest.raises(triggerdev.InvalidArgumentError, match="title"):
        dev.query.dashboards.create(" ")
    assert dev.query.dashboards.delete(made.id) == {"id": made.id}
    with pytest.raises(triggerdev.NotFoundError):
        dev.query.dashboards.del_(made.id)
