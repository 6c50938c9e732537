"""The one list type: ``ListIterable`` over a list's three iterator exports, and the page
fetchers behind its ``page()`` (cursor pages and numbered pages)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Generic, List, Optional, Tuple, Type, TypeVar

from ._call import Caller, NativeIterator, loads
from ._encode import dumps
from ._models import _CursorPage, _OffsetPage, _Page

__all__ = ["ListIterable", "cursor_pages", "offset_pages", "params_json"]

T = TypeVar("T")
P = TypeVar("P", bound="_Page[Any]")
CP = TypeVar("CP", bound="_CursorPage[Any]")
OP = TypeVar("OP", bound="_OffsetPage[Any]")

#: A list's iterator exports: make (``trigger_<area>_list_iter``), next, free.
Exports = Tuple[Callable[..., int], Callable[..., int], Callable[[int], Any]]


def params_json(params: Dict[str, Any]) -> Optional[bytes]:
    return dumps(params, "params") if params else None


class ListIterable(Generic[T, P]):
    """What a ``list`` method returns: every item the filters match, fetched a page at a time
    as the iteration reaches it (``for run in client.runs.list(status="FAILED")``), or one
    page with ``page()`` (a page type with ``has_next_page`` and ``next_page()``).

    Re-iterable: each ``for`` (each ``iter()``) starts a new library iterator from the first
    page, so a second loop yields the items again; the iterator it hands out is freed when it
    is exhausted, fails, is closed (``close()``, ``with``) or is collected. Bad filters are
    reported by the ``list(...)`` call itself, which makes the first iteration's library
    iterator (so the first loop works after the client was closed; a later one raises
    ``ClosedError``). The client (for the ambient API: the configuration in force in this
    context) is the one in force when ``list`` was called; no request is made until an item or
    a page is needed.
    """

    __slots__ = ("_c", "_exports", "_args", "_convert", "_what", "_params", "_pages", "_unused")

    def __init__(
        self,
        caller: Caller,
        exports: Exports,
        params: Dict[str, Any],
        convert: Callable[[Any], T],
        what: str,
        pages: Callable[[Caller, Dict[str, Any]], P],
    ) -> None:
        self._c = caller.pinned()
        self._exports = exports
        self._params = params
        self._args = (params_json(params),)
        self._convert = convert
        self._what = what
        self._pages = pages
        # Made now, so the library checks the filters now, not at the first item.
        self._unused: List[NativeIterator[T]] = [self._new()]

    def _new(self) -> NativeIterator[T]:
        make, next_fn, free = self._exports
        return NativeIterator(self._c, make, next_fn, free, self._args, self._convert, self._what)

    def __iter__(self) -> NativeIterator[T]:
        try:
            return self._unused.pop()  # atomic: one thread gets it
        except IndexError:
            return self._new()

    def page(self) -> P:
        """The first page of the same filters (the page the parameters name, for numbered
        pages), as one request."""
        return self._pages(self._c, self._params)

    def __repr__(self) -> str:
        return f"<triggerdev.ListIterable {self._what}>"


def cursor_pages(
    fn: Callable[..., int], page_cls: Type[CP], cursor_key: str = "after"
) -> Callable[[Caller, Dict[str, Any]], CP]:
    """Fetches a cursor page with ``fn``; its ``next_page()`` asks for the same filters after
    the page's ``pagination.next`` (given as ``cursor_key``)."""

    def fetch(caller: Caller, params: Dict[str, Any]) -> CP:
        page = page_cls(loads(caller.json(fn, params_json(params))))
        base = {k: v for k, v in params.items() if k not in (cursor_key, "before")}
        page._fetch = lambda current: fetch(caller, {**base, cursor_key: current.pagination.next})
        return page

    return fetch


def offset_pages(fn: Callable[..., int], page_cls: Type[OP]) -> Callable[[Caller, Dict[str, Any]], OP]:
    """Fetches a numbered page with ``fn``; its ``next_page()`` asks for the following
    number."""

    def fetch(caller: Caller, params: Dict[str, Any]) -> OP:
        page = page_cls(loads(caller.json(fn, params_json(params))))
        page._fetch = lambda current: fetch(caller, {**params, "page": current.pagination.current_page + 1})
        return page

    return fetch
