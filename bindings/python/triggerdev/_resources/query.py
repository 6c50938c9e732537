"""Query and query dashboards (``client.query``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, List, Literal, Optional, Union

from .. import _encode as enc
from .._encode import cstr, dumps
from .._ffi import LIB
from .._models import Dashboard, DashboardSummary, QueryResult, QuerySchema, _DashboardList
from ._area import _Area

#: A time bound of a query: ISO-8601 text or a ``datetime``.
QueryTime = Union[str, datetime]
#: Which runs a query reads.
QueryScope = Literal["environment", "project", "organization"]
#: How results come back: rows or CSV text.
QueryFormat = Literal["json", "csv"]


class Dashboards(_Area):
    """Query dashboards (``client.query.dashboards``), built in and custom."""

    __slots__ = ()

    def list(self) -> List[DashboardSummary]:
        """Every dashboard (``GET /api/v1/query/dashboards``)."""
        record = _DashboardList._from_json(self._c.json(LIB.trigger_query_dashboards_list))
        return record.dashboards

    def retrieve(self, id: str) -> Dashboard:
        """One dashboard with its widgets (``GET /api/v1/query/dashboards/{id}``)."""
        return Dashboard._from_json(self._c.json(LIB.trigger_query_dashboards_retrieve, cstr(id, "id")))

    def create(
        self, title: str, *, description: Optional[str] = None, widgets: Optional[List[Dict[str, Any]]] = None
    ) -> Dashboard:
        """Makes a custom dashboard (``POST /api/v1/query/dashboards``); ``widgets`` are sent
        as given."""
        body: Dict[str, Any] = {"title": enc.is_str(title, "title")}
        if description is not None:
            body["description"] = enc.is_str(description, "description")
        if widgets is not None:
            body["widgets"] = widgets
        return Dashboard._from_json(self._c.json(LIB.trigger_query_dashboards_create, dumps(body, "body")))

    def update(
        self, id: str, *, title: Optional[str] = None, description: Optional[str] = None, revision: Optional[str] = None
    ) -> Dashboard:
        """Changes a dashboard's title or description (``PATCH``); ``revision`` is the one the
        change was made against (a stale one is refused: ``ConflictError``)."""
        i = cstr(id, "id")
        changes: Dict[str, Any] = {}
        for key, value in (("title", title), ("description", description), ("revision", revision)):
            if value is not None:
                changes[key] = enc.is_str(value, key)
        return Dashboard._from_json(self._c.json(LIB.trigger_query_dashboards_update, i, dumps(changes, "options")))

    def delete(self, id: str) -> Dict[str, Any]:
        """Deletes a custom dashboard; returns ``{"id": ...}``."""
        text = self._c.json(LIB.trigger_query_dashboards_del, cstr(id, "id"))
        result: Dict[str, Any] = json.loads(text or b"{}")
        return result

    #: The official name (``del`` is a keyword).
    del_ = delete


class Query(_Area):
    """Query over the runs data (``client.query``), as the official ``query``: ``execute``,
    ``schema`` and ``dashboards``."""

    __slots__ = ("dashboards",)

    def __init__(self, caller: Any) -> None:
        super().__init__(caller)
        self.dashboards = Dashboards(caller)

    def execute(
        self,
        query: str,
        *,
        scope: Optional[QueryScope] = None,
        period: Optional[str] = None,
        from_: Optional[QueryTime] = None,
        to: Optional[QueryTime] = None,
        format: Optional[QueryFormat] = None,
    ) -> QueryResult:
        """Runs ``query`` (``POST /api/v1/query``). ``scope``: ``"environment"`` (the default),
        ``"project"`` or ``"organization"``; ``period`` (such as ``"7d"``) or ``from_``/``to``
        bound the time; ``format``: ``"json"`` (rows, the default) or ``"csv"`` (text)."""
        q = cstr(query, "query")
        options: Dict[str, Any] = {}
        if scope is not None:
            options["scope"] = enc.is_str(scope, "scope")
        if period is not None:
            options["period"] = enc.is_str(period, "period")
        if from_ is not None:
            options["from"] = from_
        if to is not None:
            options["to"] = to
        if format is not None:
            options["format"] = enc.is_str(format, "format")
        opts = dumps(options, "options")
        return QueryResult._from_json(self._c.json(LIB.trigger_query_execute, q, opts))

    def schema(self) -> QuerySchema:
        """The tables and columns queries can read (``GET /api/v1/query/schema``)."""
        return QuerySchema._from_json(self._c.json(LIB.trigger_query_schema))
