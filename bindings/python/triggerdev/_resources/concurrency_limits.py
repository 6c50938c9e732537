"""Named concurrency limits (``client.concurrency_limits``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Optional, Union

from .. import _encode as enc
from .._encode import cstr, dumps
from .._ffi import LIB
from .._models import ConcurrencyKeyLimit, ConcurrencyLimit, ConcurrencyLimitsPage
from .._pager import ListIterable, offset_pages
from ._area import _Area

#: A concurrency key: text, or a number (which stays a number in request bodies).
ConcurrencyKey = Union[str, int]

_LIST_EXPORTS = (
    LIB.trigger_concurrency_limits_list_iter,
    LIB.trigger_concurrency_limits_iter_next,
    LIB.trigger_concurrency_limits_iter_free,
)
_PAGES = offset_pages(LIB.trigger_concurrency_limits_list, ConcurrencyLimitsPage)


def _key(key: ConcurrencyKey) -> bytes:
    return dumps(key, "concurrency_key")


class ConcurrencyLimits(_Area):
    """Named concurrency limits of the key's environment (``client.concurrency_limits``), as
    the official ``concurrencyLimits``: a limit bounds the runs that name it, per concurrency
    key (``per_key``) and in total (``total``). The ``_key`` methods are about one concurrency
    key (the official calls with a ``concurrencyKey`` option) and return a
    ``ConcurrencyKeyLimit``."""

    __slots__ = ()

    def list(
        self, *, page: Optional[int] = None, per_page: Optional[int] = None
    ) -> ListIterable[ConcurrencyLimit, ConcurrencyLimitsPage]:
        """Every limit, lazily (``per_page`` at most 100; each iteration starts at ``page``);
        ``.page()`` for one page."""
        params: Dict[str, Any] = {}
        if page is not None:
            params["page"] = enc.is_non_negative_int(page, "page")
        if per_page is not None:
            params["perPage"] = enc.is_non_negative_int(per_page, "per_page")
        return ListIterable(self._c, _LIST_EXPORTS, params, ConcurrencyLimit, "concurrency limits iterator", _PAGES)

    def retrieve(self, name: str) -> ConcurrencyLimit:
        """A limit (``GET /api/v1/concurrency-limits/{name}``)."""
        return ConcurrencyLimit._from_json(self._c.json(LIB.trigger_concurrency_limits_retrieve, cstr(name, "name")))

    def retrieve_key(self, name: str, concurrency_key: ConcurrencyKey) -> ConcurrencyKeyLimit:
        """The limit as it applies to one concurrency key (the official
        ``retrieve(name, {concurrencyKey})``)."""
        n = cstr(name, "name")
        return ConcurrencyKeyLimit._from_json(
            self._c.json(LIB.trigger_concurrency_limits_retrieve_key, n, _key(concurrency_key))
        )

    def override(self, name: str, *, per_key: Optional[int] = None, total: Optional[int] = None) -> ConcurrencyLimit:
        """Overrides a limit's bounds (``per_key`` and/or ``total``, each 0-100000; 0 holds
        every run back) until it is reset."""
        n = cstr(name, "name")
        options: Dict[str, Any] = {}
        if per_key is not None:
            options["perKey"] = enc.is_int(per_key, "per_key")
        if total is not None:
            options["total"] = enc.is_int(total, "total")
        opts = dumps(options, "options")
        return ConcurrencyLimit._from_json(self._c.json(LIB.trigger_concurrency_limits_override, n, opts))

    def override_key(
        self,
        name: str,
        concurrency_key: ConcurrencyKey,
        *,
        per_key: int,
        ttl: Union[str, int, timedelta, None] = None,
    ) -> ConcurrencyKeyLimit:
        """Overrides one concurrency key's ``per_key`` bound (0-100000) until it lapses (``ttl``:
        a duration such as ``"1d"``, seconds or a ``timedelta``; the server's default is 7 days,
        its maximum 30) or is reset (the official ``override(name, {concurrencyKey, perKey,
        ttl})``). A numeric key stays a number on the wire."""
        n = cstr(name, "name")
        options: Dict[str, Any] = {"concurrencyKey": concurrency_key, "perKey": enc.is_int(per_key, "per_key")}
        if ttl is not None:
            options["ttl"] = enc.ttl(ttl, "ttl")
        opts = dumps(options, "options")
        return ConcurrencyKeyLimit._from_json(self._c.json(LIB.trigger_concurrency_limits_override_key, n, opts))

    def reset(self, name: str) -> ConcurrencyLimit:
        """Goes back to the bounds declared in code."""
        return ConcurrencyLimit._from_json(self._c.json(LIB.trigger_concurrency_limits_reset, cstr(name, "name")))

    def reset_key(self, name: str, concurrency_key: ConcurrencyKey) -> ConcurrencyKeyLimit:
        """Removes one concurrency key's override (the official ``reset(name,
        {concurrencyKey})``)."""
        n = cstr(name, "name")
        return ConcurrencyKeyLimit._from_json(
            self._c.json(LIB.trigger_concurrency_limits_reset_key, n, _key(concurrency_key))
        )

    def pause(self, name: str) -> ConcurrencyLimit:
        """Pauses a limit: runs that need it stay queued until it is resumed."""
        return ConcurrencyLimit._from_json(self._c.json(LIB.trigger_concurrency_limits_pause, cstr(name, "name")))

    def resume(self, name: str) -> ConcurrencyLimit:
        """Resumes a paused limit."""
        return ConcurrencyLimit._from_json(self._c.json(LIB.trigger_concurrency_limits_resume, cstr(name, "name")))
