"""Queues of the key's environment (``client.queues``)."""

from __future__ import annotations

from typing import Any, Dict, Literal, Optional, Tuple

from .. import _encode as enc
from .._encode import cstr, opt_cstr
from .._ffi import LIB
from .._models import Queue, QueuesPage
from .._pager import ListIterable, offset_pages
from ._area import _Area


QueueType = Literal["id", "task", "custom"]


_LIST_EXPORTS = (LIB.trigger_queues_list_iter, LIB.trigger_queues_iter_next, LIB.trigger_queues_iter_free)
_PAGES = offset_pages(LIB.trigger_queues_list, QueuesPage)


def _queue_args(queue: str, queue_type: Optional[str]) -> Tuple[bytes, Optional[bytes]]:
    return cstr(queue, "queue"), opt_cstr(queue_type, "queue_type")


class Queues(_Area):
    """Queues of the key's environment (``client.queues``).

    A queue is named by ``queue`` and ``queue_type``: a queue id (``"queue_…"``, with
    ``queue_type`` ``"id"`` or left out), a task id (``queue_type="task"``: the task's own
    queue) or a custom queue's name (``queue_type="custom"``).
    """

    __slots__ = ()

    def list(self, *, page: Optional[int] = None, per_page: Optional[int] = None) -> ListIterable[Queue, QueuesPage]:
        """Every queue, lazily (``per_page`` is the page size, at most 100; each iteration
        starts at ``page``); ``.page()`` for one page."""
        params: Dict[str, Any] = {}
        if page is not None:
            params["page"] = enc.is_non_negative_int(page, "page")
        if per_page is not None:
            params["perPage"] = enc.is_non_negative_int(per_page, "per_page")
        return ListIterable(self._c, _LIST_EXPORTS, params, Queue, "queues iterator", _PAGES)

    def retrieve(self, queue: str, *, queue_type: Optional[QueueType] = None) -> Queue:
        """A queue (``GET /api/v1/queues/{queue}?type=...``)."""
        return Queue._from_json(self._c.json(LIB.trigger_queues_retrieve, *_queue_args(queue, queue_type)))

    def pause(self, queue: str, *, queue_type: Optional[QueueType] = None) -> Queue:
        """Pauses a queue: its runs stay queued until it is resumed."""
        return Queue._from_json(self._c.json(LIB.trigger_queues_pause, *_queue_args(queue, queue_type)))

    def resume(self, queue: str, *, queue_type: Optional[QueueType] = None) -> Queue:
        """Resumes a paused queue."""
        return Queue._from_json(self._c.json(LIB.trigger_queues_resume, *_queue_args(queue, queue_type)))

    def override_concurrency_limit(
        self, queue: str, limit: int, *, queue_type: Optional[QueueType] = None
    ) -> Queue:
        """Overrides a queue's concurrency limit with ``limit`` until it is reset (a limit
        over the environment's is a ``BadRequestError``)."""
        args = _queue_args(queue, queue_type)
        value = enc.in_range(limit, "limit", 0, enc.UINT32_MAX)
        return Queue._from_json(self._c.json(LIB.trigger_queues_override_concurrency_limit, *args, value))

    def reset_concurrency_limit(self, queue: str, *, queue_type: Optional[QueueType] = None) -> Queue:
        """Goes back to the concurrency limit declared in code."""
        return Queue._from_json(self._c.json(LIB.trigger_queues_reset_concurrency_limit, *_queue_args(queue, queue_type)))
