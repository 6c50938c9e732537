"""Realtime run subscriptions: ``RunSubscription``, what ``runs.subscribe``,
``runs.subscribe_tagged``, ``batches.subscribe`` and ``tasks.trigger_and_subscribe`` return;
and ``RunStream``, what ``runs.stream`` returns."""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

from .. import _encode as enc
from .._call import Caller, NativeIterator
from .._ffi import LIB
from .._models import Run


class RunSubscription(NativeIterator[Run]):
    """Runs as they change, from a realtime feed: an iterator of ``Run`` snapshots (the fields
    the feed carries: status, the ``is_*`` flags, timestamps, tags, cost, payload, output,
    metadata, error), one each time a run changes. A single run's subscription ends after the
    run finished (unless ``stop_on_completion=False``); tag and batch feeds never end on their
    own. Dropped connections, 429 and 5xx answers are retried without losing or repeating a
    snapshot; another error is raised once and ends it. ``stop()`` and ``close()`` may be
    called from any thread, also while another thread is blocked in ``next()``; Ctrl-C ends a
    ``next()`` waiting on the main thread. Use it as a context manager (``with
    client.runs.subscribe(id) as sub: for run in sub: ...``), or ``close()`` it."""

    def __init__(self, caller: Caller, new_fn: Callable[..., int], args: Tuple[Any, ...]) -> None:
        super().__init__(
            caller,
            new_fn,
            LIB.trigger_run_subscription_next,
            LIB.trigger_run_subscription_free,
            args,
            Run,
            "run subscription",
            stop_fn=LIB.trigger_run_subscription_stop,
        )

    def __enter__(self) -> "RunSubscription":
        return self


class RunStream(NativeIterator[Any]):
    """A run's stream (``runs.stream``): an iterator of the chunks the task wrote, as JSON
    values (a chunk that is not JSON is its text). Reads v1 and v2 streams; a dropped
    connection, an ``error`` event, 429 or 5xx reconnects and resumes after the last record,
    and a record the server sends again is never yielded twice. Ends when the server closes the
    stream cleanly (``timeout_seconds`` without a new record), on ``stop()`` / ``close()``
    (from any thread, also while another thread is blocked in ``next()``), or with an error
    raised once (``NotFoundError`` for an unknown run, ...). Ctrl-C ends a ``next()`` waiting
    on the main thread. Use it as a context manager, or ``close()`` it."""

    def __init__(self, caller: Caller, args: Tuple[Any, ...]) -> None:
        super().__init__(
            caller,
            LIB.trigger_runs_stream,
            LIB.trigger_run_stream_next,
            LIB.trigger_run_stream_free,
            args,
            _chunk,
            "run stream",
            stop_fn=LIB.trigger_run_stream_stop,
        )

    def __enter__(self) -> "RunStream":
        return self


def _chunk(value: Any) -> Any:
    return value


def _skip_columns(skip_columns: Optional[Sequence[str]]) -> Optional[List[str]]:
    return None if skip_columns is None else enc.str_list(skip_columns, "skip_columns")
