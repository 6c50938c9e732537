"""Imperative schedules (``client.schedules``)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .. import _encode as enc
from .._call import loads
from .._encode import Option, cstr, dumps, option_table
from .._ffi import LIB
from .._models import IdResponse, Schedule, SchedulesPage
from .._pager import ListIterable, offset_pages
from ._area import Duration, _Area


_LIST_EXPORTS = (LIB.trigger_schedules_list_iter, LIB.trigger_schedules_iter_next, LIB.trigger_schedules_iter_free)
_PAGES = offset_pages(LIB.trigger_schedules_list, SchedulesPage)

_SCHEDULE_FIELDS = option_table(
    Option("external_id", "externalId", enc.is_str),
    Option("timezone", "timezone", enc.is_str),
    Option("window", "window", enc.seconds_str),
)


class Schedules(_Area):
    """Imperative schedules (``client.schedules``)."""

    __slots__ = ()

    def create(
        self,
        *,
        task: str,
        cron: str,
        deduplication_key: str,
        external_id: Optional[str] = None,
        timezone: Optional[str] = None,
        window: Optional[Duration] = None,
    ) -> Schedule:
        """Creates a schedule, or updates the one with the same ``deduplication_key``."""
        body = {
            "task": enc.is_str(task, "task"),
            "cron": enc.is_str(cron, "cron"),
            "deduplicationKey": enc.is_str(deduplication_key, "deduplication_key"),
            **enc.build_options(
                _SCHEDULE_FIELDS, {"external_id": external_id, "timezone": timezone, "window": window}, ""
            ),
        }
        return Schedule._from_json(self._c.json(LIB.trigger_schedules_create, dumps(body, "body")))

    def list(
        self, *, page: Optional[int] = None, per_page: Optional[int] = None
    ) -> ListIterable[Schedule, SchedulesPage]:
        """Every schedule, lazily (``per_page`` is the page size; each iteration starts at
        ``page``); ``.page()`` for one page."""
        params: Dict[str, Any] = {}
        if page is not None:
            params["page"] = enc.is_non_negative_int(page, "page")
        if per_page is not None:
            params["perPage"] = enc.is_non_negative_int(per_page, "per_page")
        return ListIterable(self._c, _LIST_EXPORTS, params, Schedule, "schedules iterator", _PAGES)

    def retrieve(self, schedule_id: str) -> Schedule:
        """A schedule."""
        return Schedule._from_json(self._c.json(LIB.trigger_schedules_retrieve, cstr(schedule_id, "schedule_id")))

    def update(
        self,
        schedule_id: str,
        *,
        task: str,
        cron: str,
        external_id: Optional[str] = None,
        timezone: Optional[str] = None,
        window: Optional[Duration] = None,
    ) -> Schedule:
        """Replaces a schedule's task, cron, external id, timezone and window."""
        sid = cstr(schedule_id, "schedule_id")
        body = {
            "task": enc.is_str(task, "task"),
            "cron": enc.is_str(cron, "cron"),
            **enc.build_options(
                _SCHEDULE_FIELDS, {"external_id": external_id, "timezone": timezone, "window": window}, ""
            ),
        }
        return Schedule._from_json(self._c.json(LIB.trigger_schedules_update, sid, dumps(body, "body")))

    def activate(self, schedule_id: str) -> Schedule:
        """Turns a schedule on."""
        return Schedule._from_json(self._c.json(LIB.trigger_schedules_activate, cstr(schedule_id, "schedule_id")))

    def deactivate(self, schedule_id: str) -> Schedule:
        """Turns a schedule off."""
        return Schedule._from_json(self._c.json(LIB.trigger_schedules_deactivate, cstr(schedule_id, "schedule_id")))

    def delete(self, schedule_id: str) -> IdResponse:
        """Deletes a schedule (also spelled ``del_``)."""
        return IdResponse._from_json(self._c.json(LIB.trigger_schedules_del, cstr(schedule_id, "schedule_id")))

    del_ = delete

    def timezones(self, *, exclude_utc: bool = False) -> List[str]:
        """The IANA timezones schedules accept (no credentials needed)."""
        return list(loads(self._c.json(LIB.trigger_schedules_timezones, enc.is_bool(exclude_utc, "exclude_utc"))))
