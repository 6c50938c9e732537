"""Bulk actions (``client.bulk_actions``; the official ``runs.bulk``)."""

from __future__ import annotations

from typing import Any, Dict, Literal, Mapping, Optional, Sequence

from .. import _encode as enc
from .._encode import Option, dumps, cstr, option_table
from .._ffi import LIB
from .._models import BulkAction, BulkActionsPage, IdResponse
from .._pager import ListIterable, cursor_pages
from ._area import _Area


BULK_ACTION_FILTER = option_table(
    Option("status", "status", enc.list_of_str),
    Option("task_identifier", "taskIdentifier", enc.list_of_str),
    Option("version", "version", enc.list_of_str),
    Option("from_", "from", enc.epoch_ms),
    Option("to", "to", enc.epoch_ms),
    Option("period", "period", enc.is_str),
    Option("bulk_action", "bulkAction", enc.is_str),
    Option("tag", "tag", enc.str_or_list),  # sent as given: a str stays a str
    Option("schedule", "schedule", enc.is_str),
    Option("is_test", "isTest", enc.is_bool),
    Option("batch", "batch", enc.is_str),
    Option("queue", "queue", enc.dict_or_list),
    Option("machine", "machine", enc.list_of_str),
    Option("region", "region", enc.list_of_str),
)

_LIST_BULK_PARAMS = option_table(
    Option("limit", "limit", enc.is_non_negative_int),
    Option("after", "after", enc.is_str),
    Option("before", "before", enc.is_str),
)

BulkActionType = Literal["cancel", "replay"]


_LIST_EXPORTS = (LIB.trigger_bulk_actions_list_iter, LIB.trigger_bulk_actions_iter_next, LIB.trigger_bulk_actions_iter_free)
_PAGES = cursor_pages(LIB.trigger_bulk_actions_list, BulkActionsPage)


class BulkActions(_Area):
    """Bulk actions (``client.bulk_actions``; the official ``runs.bulk``): cancel or replay
    many runs at once, by filter or by id."""

    __slots__ = ()

    def create(
        self,
        *,
        action: BulkActionType,
        filter: Optional[Mapping[str, Any]] = None,
        run_ids: Optional[Sequence[str]] = None,
        name: Optional[str] = None,
        target_region: Optional[str] = None,
    ) -> IdResponse:
        """Starts a bulk action: ``action`` (``"cancel"`` or ``"replay"``) on the runs
        ``filter`` matches or on ``run_ids`` (give exactly one). ``filter`` takes the run
        list filters as a dict (``{"status": ["QUEUED"], "tag": "old", "from_": datetime,
        ...}``, Python or JSON names); ``target_region`` is for replays. Returns its id."""
        body: Dict[str, Any] = {}
        if filter is not None:
            body["filter"] = enc.build_options(BULK_ACTION_FILTER, enc.is_dict(filter, "filter"), "filter")
        if run_ids is not None:
            body["runIds"] = enc.str_list(run_ids, "run_ids")
        if name is not None:
            body["name"] = enc.is_str(name, "name")
        if target_region is not None:
            body["targetRegion"] = enc.is_str(target_region, "target_region")
        body["action"] = enc.is_str(action, "action")
        return IdResponse._from_json(self._c.json(LIB.trigger_bulk_actions_create, dumps(body, "body")))

    def list(
        self, *, limit: Optional[int] = None, after: Optional[str] = None, before: Optional[str] = None
    ) -> ListIterable[BulkAction, BulkActionsPage]:
        """Every bulk action, lazily (``limit`` is the page size); ``.page()`` for one page."""
        values = {"limit": limit, "after": after, "before": before}
        params = enc.build_options(_LIST_BULK_PARAMS, values, "")
        return ListIterable(self._c, _LIST_EXPORTS, params, BulkAction, "bulk actions iterator", _PAGES)

    def retrieve(self, bulk_action_id: str) -> BulkAction:
        """A bulk action, with its counts."""
        raw = self._c.json(LIB.trigger_bulk_actions_retrieve, cstr(bulk_action_id, "bulk_action_id"))
        return BulkAction._from_json(raw)

    def abort(self, bulk_action_id: str) -> IdResponse:
        """Stops a bulk action that is still running (``ConflictError`` once it completed)."""
        raw = self._c.json(LIB.trigger_bulk_actions_abort, cstr(bulk_action_id, "bulk_action_id"))
        return IdResponse._from_json(raw)
