"""Runs (``client.runs``)."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from .. import _encode as enc
from .._call import loads
from .._encode import Option, cstr, dumps, option_table, options_json
from .._ffi import LIB
from .._models import (
    IdResponse,
    MessageResponse,
    Run,
    RunEvents,
    RunListItem,
    RunMetadata,
    RunSpan,
    RunOutcome,
    RunResult,
    RunsPage,
    RunTrace,
)
from .._pager import ListIterable, cursor_pages
from ._area import Duration, StrOrList, TimeOrDuration, _Area, millis
from .realtime import RunStream, RunSubscription, _skip_columns


LIST_RUNS_PARAMS = option_table(
    Option("project_ref", "projectRef", enc.is_str),
    Option("env", "env", enc.list_of_str),
    Option("status", "status", enc.list_of_str),
    Option("task_identifier", "taskIdentifier", enc.list_of_str),
    Option("version", "version", enc.list_of_str),
    Option("bulk_action", "bulkAction", enc.is_str),
    Option("tag", "tag", enc.list_of_str),
    Option("schedule", "schedule", enc.is_str),
    Option("is_test", "isTest", enc.is_bool),
    Option("from_", "from", enc.epoch_ms),
    Option("to", "to", enc.epoch_ms),
    Option("period", "period", enc.is_str),
    Option("batch", "batch", enc.is_str),
    Option("queue", "queue", enc.queue_filter),
    Option("machine", "machine", enc.list_of_str),
    Option("region", "region", enc.list_of_str),
    Option("session", "session", enc.is_str),
    Option("limit", "limit", enc.is_non_negative_int),
    Option("after", "after", enc.is_str),
    Option("before", "before", enc.is_str),
)

REPLAY_OPTIONS = option_table(
    Option("payload", "payload", enc.is_any),
    Option("payload_type", "payloadType", enc.is_str),
    Option("metadata", "metadata", enc.is_dict),
    Option("tags", "tags", enc.str_or_list),
    Option("queue", "queue", enc.is_str),
    Option("concurrency_key", "concurrencyKey", enc.is_str),
    Option("machine", "machine", enc.is_str),
    Option("version", "version", enc.is_str),
    Option("region", "region", enc.is_str),
    Option("delay", "delay", enc.time_or_duration),
    Option("ttl", "ttl", enc.ttl),
    Option("idempotency_key", "idempotencyKey", enc.is_str),
    Option("idempotency_key_ttl", "idempotencyKeyTTL", enc.seconds_str),
    Option("max_attempts", "maxAttempts", enc.is_non_negative_int),
    Option("max_duration", "maxDuration", enc.int_seconds),
    Option("priority", "priority", enc.int_seconds),
)


_LIST_EXPORTS = (LIB.trigger_runs_list_iter, LIB.trigger_runs_iter_next, LIB.trigger_runs_iter_free)
_PAGES = cursor_pages(LIB.trigger_runs_list, RunsPage)


class Runs(_Area):
    """Runs (``client.runs``)."""

    __slots__ = ()

    def list(
        self,
        project_ref: Optional[str] = None,
        *,
        status: Optional[StrOrList] = None,
        task_identifier: Optional[StrOrList] = None,
        version: Optional[StrOrList] = None,
        bulk_action: Optional[str] = None,
        tag: Optional[StrOrList] = None,
        schedule: Optional[str] = None,
        is_test: Optional[bool] = None,
        from_: Optional[Union[datetime, int]] = None,
        to: Optional[Union[datetime, int]] = None,
        period: Optional[str] = None,
        batch: Optional[str] = None,
        queue: Optional[Union[str, Mapping[str, str], Sequence[Union[str, Mapping[str, str]]]]] = None,
        machine: Optional[StrOrList] = None,
        region: Optional[StrOrList] = None,
        session: Optional[str] = None,
        limit: Optional[int] = None,
        after: Optional[str] = None,
        before: Optional[str] = None,
        env: Optional[StrOrList] = None,
    ) -> ListIterable[RunListItem, RunsPage]:
        """Runs matching the filters, newest first: iterate the result for every run (pages
        are fetched as needed; ``limit`` is the page size; each loop starts again from the
        first page), or call ``.page()`` for one page.

        ``from_``/``to`` are datetimes (or epoch milliseconds). ``session`` (a session's id or
        external id) lists its runs, which a session's public token may do. With a personal access token,
        ``project_ref`` (the official ``runs.list(projectRef, params)``) and ``env``
        (``"dev"``, ``"staging"``, ``"prod"``) are required.
        """
        params = enc.build_options(
            LIST_RUNS_PARAMS,
            {
                "status": status,
                "task_identifier": task_identifier,
                "version": version,
                "bulk_action": bulk_action,
                "tag": tag,
                "schedule": schedule,
                "is_test": is_test,
                "from_": from_,
                "to": to,
                "period": period,
                "batch": batch,
                "queue": queue,
                "machine": machine,
                "region": region,
                "session": session,
                "limit": limit,
                "after": after,
                "before": before,
                "project_ref": project_ref,
                "env": env,
            },
            "",
        )
        return ListIterable(self._c, _LIST_EXPORTS, params, RunListItem, "runs iterator", _PAGES)

    def retrieve(self, run_id: str) -> Run:
        """A run (``GET /api/v3/runs/{run_id}``), payload and output decoded."""
        return Run._from_json(self._c.json(LIB.trigger_runs_retrieve, cstr(run_id, "run_id")))

    def subscribe(
        self,
        run_id: str,
        *,
        skip_columns: Optional[Sequence[str]] = None,
        stop_on_completion: Optional[bool] = None,
    ) -> RunSubscription:
        """The run's snapshots as it changes (``GET /realtime/v1/runs/{run_id}``), ending after
        it finished (see ``RunSubscription``). ``skip_columns`` leaves out ``payload``,
        ``output``, ... No request is made until the first ``next()``."""
        options: Dict[str, Any] = {}
        if skip_columns is not None:
            options["skipColumns"] = _skip_columns(skip_columns)
        if stop_on_completion is not None:
            options["stopOnCompletion"] = enc.is_bool(stop_on_completion, "stop_on_completion")
        opts = dumps(options, "options") if options else None
        return RunSubscription(self._c, LIB.trigger_runs_subscribe, (cstr(run_id, "run_id"), opts))

    def subscribe_tagged(
        self,
        tags: StrOrList,
        *,
        created_at: Optional[str] = None,
        skip_columns: Optional[Sequence[str]] = None,
    ) -> RunSubscription:
        """The runs that carry every one of ``tags``, created up to ``created_at`` ago
        (``"1h"``; the server's default is 24 h), as they change; never ends on its own."""
        options: Dict[str, Any] = {}
        if created_at is not None:
            options["createdAt"] = enc.is_str(created_at, "created_at")
        if skip_columns is not None:
            options["skipColumns"] = _skip_columns(skip_columns)
        opts = dumps(options, "options") if options else None
        tags_json = dumps(enc.list_of_str(tags, "tags"), "tags")
        return RunSubscription(self._c, LIB.trigger_runs_subscribe_tagged, (tags_json, opts))

    def stream(
        self,
        run_id: str,
        key: str = "default",
        *,
        start_index: Optional[int] = None,
        from_latest: bool = False,
        timeout_seconds: Optional[int] = None,
    ) -> RunStream:
        """The chunks the run's task writes to its stream ``key``
        (``GET /realtime/v1/streams/{run_id}/{key}``; the official ``runs.fetchStream`` /
        ``streams.read``), see ``RunStream``. ``start_index`` starts at that record,
        ``from_latest`` at the tail; ``timeout_seconds`` (1-600) is how long the server keeps
        the stream open without a new record. No request is made until the first ``next()``."""
        options: Dict[str, Any] = {}
        if start_index is not None:
            options["startIndex"] = enc.in_range(start_index, "start_index", 0, enc.INT64_MAX)
        if from_latest:
            options["fromLatest"] = enc.is_bool(from_latest, "from_latest")
        if timeout_seconds is not None:
            options["timeoutSeconds"] = enc.in_range(timeout_seconds, "timeout_seconds", 0, 2**32 - 1)
        opts = dumps(options, "options") if options else None
        return RunStream(self._c, (cstr(run_id, "run_id"), cstr(key, "key"), opts))

    def wait(self, run_id: str, *, timeout: Union[float, timedelta] = 300.0) -> Run:
        """Waits for the run to finish, for at most ``timeout`` seconds, over the realtime feed
        (one long poll held until the run changes, no polling interval); returns the run as it
        finished (completed, failed or canceled). Raises ``WaitTimeoutError`` (``last_run``)
        when the time passes first. Ctrl-C ends it on the main thread."""
        rid = cstr(run_id, "run_id")
        return Run._from_json(self._c.json(LIB.trigger_runs_wait, rid, millis(timeout, "timeout")))

    def poll(
        self,
        run_id: str,
        *,
        interval: Union[float, timedelta] = 1.0,
        timeout: Optional[Union[float, timedelta]] = None,
    ) -> Run:
        """Retrieves the run every ``interval`` seconds until it is completed (at most 500
        times, as the official ``runs.poll``), for at most ``timeout`` seconds. Raises
        ``WaitTimeoutError`` (``last_run``: the run as last seen) when the timeout passes first,
        ``PollLimitReachedError`` after 500 retrievals. Ctrl-C ends it with
        ``KeyboardInterrupt`` on the main thread; a client's ``CancelToken`` from any thread."""
        options: Dict[str, Any] = {"intervalMs": millis(interval, "interval")}
        if timeout is not None:
            options["timeoutMs"] = millis(timeout, "timeout")
        rid = cstr(run_id, "run_id")
        return Run._from_json(self._c.json(LIB.trigger_runs_poll, rid, dumps(options, "options")))

    def cancel(self, run_id: str) -> IdResponse:
        """Cancels a run (``POST /api/v2/runs/{run_id}/cancel``)."""
        return IdResponse._from_json(self._c.json(LIB.trigger_runs_cancel, cstr(run_id, "run_id")))

    def replay(
        self,
        run_id: str,
        *,
        payload: Any = None,
        payload_type: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        tags: Optional[StrOrList] = None,
        queue: Optional[str] = None,
        concurrency_key: Optional[str] = None,
        machine: Optional[str] = None,
        version: Optional[str] = None,
        region: Optional[str] = None,
        delay: Optional[TimeOrDuration] = None,
        ttl: Optional[Union[str, int, timedelta]] = None,
        idempotency_key: Optional[str] = None,
        idempotency_key_ttl: Optional[Duration] = None,
        max_attempts: Optional[int] = None,
        max_duration: Optional[Union[int, timedelta]] = None,
        priority: Optional[Union[int, timedelta]] = None,
    ) -> IdResponse:
        """Replays a run as a new one (``POST /api/v1/runs/{run_id}/replay``); the keywords
        change the new run (left out: as the original). ``payload`` is any JSON value,
        ``payload_type`` its content type; ``delay`` a duration or a
        ``datetime``; ``ttl`` a duration or whole seconds; ``max_duration`` and ``priority``
        seconds. Returns the new run's id."""
        rid = cstr(run_id, "run_id")
        values = {
            "payload": payload,
            "payload_type": payload_type,
            "metadata": metadata,
            "tags": tags,
            "queue": queue,
            "concurrency_key": concurrency_key,
            "machine": machine,
            "version": version,
            "region": region,
            "delay": delay,
            "ttl": ttl,
            "idempotency_key": idempotency_key,
            "idempotency_key_ttl": idempotency_key_ttl,
            "max_attempts": max_attempts,
            "max_duration": max_duration,
            "priority": priority,
        }
        opts = options_json(REPLAY_OPTIONS, values)
        return IdResponse._from_json(self._c.json(LIB.trigger_runs_replay, rid, opts))

    def reschedule(self, run_id: str, *, delay: TimeOrDuration) -> Run:
        """Moves a delayed run to a new ``delay`` (duration or datetime); raises
        ``UnprocessableEntityError`` unless the run is ``DELAYED``."""
        rid = cstr(run_id, "run_id")
        when = cstr(enc.time_or_duration(delay, "delay"), "delay")
        return Run._from_json(self._c.json(LIB.trigger_runs_reschedule, rid, when))

    def update_metadata(
        self,
        run_id: str,
        *,
        metadata: Optional[Mapping[str, Any]] = None,
        operations: Optional[Sequence[Mapping[str, Any]]] = None,
        parent_operations: Optional[Sequence[Mapping[str, Any]]] = None,
        root_operations: Optional[Sequence[Mapping[str, Any]]] = None,
    ) -> RunMetadata:
        """Replaces a run's metadata and/or applies operations to it
        (``[{"type": "set", "key": "k", "value": 1}, {"type": "increment", ...}]``)."""
        rid = cstr(run_id, "run_id")
        body: Dict[str, Any] = {}
        if metadata is not None:
            body["metadata"] = enc.is_dict(metadata, "metadata")
        for name, key, ops in (
            ("operations", "operations", operations),
            ("parent_operations", "parentOperations", parent_operations),
            ("root_operations", "rootOperations", root_operations),
        ):
            if ops is not None:
                if isinstance(ops, (str, bytes, Mapping)) or not isinstance(ops, Sequence):
                    raise TypeError(f"{name} must be a list of dicts, not {type(ops).__name__}")
                body[key] = [enc.is_dict(op, f"{name}[{i}]") for i, op in enumerate(ops)]
        # A body that changes nothing is refused by the library (InvalidArgumentError), as in Ruby.
        return RunMetadata._from_json(self._c.json(LIB.trigger_runs_update_metadata, rid, dumps(body, "body")))

    def metadata(self, run_id: str) -> RunMetadata:
        """A run's metadata, decoded (``GET /api/v1/runs/{run_id}/metadata``)."""
        return RunMetadata._from_json(self._c.json(LIB.trigger_runs_metadata, cstr(run_id, "run_id")))

    def add_tags(self, run_id: str, tags: StrOrList) -> MessageResponse:
        """Adds tags to a run (``POST /api/v1/runs/{run_id}/tags``)."""
        rid = cstr(run_id, "run_id")
        return MessageResponse._from_json(self._c.json(LIB.trigger_runs_add_tags, rid, dumps(enc.str_or_list(tags, "tags"), "tags")))

    def outcome(self, run_id: str) -> RunOutcome:
        """How a run ended, or that it has not yet, read from the run itself
        (``GET /api/v3/runs/{run_id}``): ``outcome`` is ``"succeeded"`` with the ``output``,
        ``"failed"`` with the final ``status`` and ``error``, or ``"notFinished"`` with the
        current ``status``. A missing run raises ``NotFoundError``."""
        return RunOutcome._from_json(self._c.json(LIB.trigger_runs_outcome, cstr(run_id, "run_id")))

    def result(self, run_id: str) -> Optional[RunResult]:
        """Deprecated: use ``outcome``. The result from ``GET /api/v1/runs/{run_id}/result``,
        or None when that route answers 404, which current servers do for every run but
        canceled ones (the route reads attempt records the current run engine no longer
        writes)."""
        warnings.warn(
            "runs.result() is deprecated: current servers answer it 404 for finished runs; use runs.outcome()",
            DeprecationWarning,
            stacklevel=2,
        )
        data = loads(self._c.json(LIB.trigger_runs_result, cstr(run_id, "run_id")))
        return None if data is None else RunResult(data)

    def events(self, run_id: str) -> RunEvents:
        """The events of a run's trace (``GET /api/v1/runs/{run_id}/events``)."""
        return RunEvents._from_json(self._c.json(LIB.trigger_runs_events, cstr(run_id, "run_id")))

    def trace(self, run_id: str) -> RunTrace:
        """A run's trace (``GET /api/v1/runs/{run_id}/trace``)."""
        return RunTrace._from_json(self._c.json(LIB.trigger_runs_trace, cstr(run_id, "run_id")))

    def retrieve_span(self, run_id: str, span_id: str) -> RunSpan:
        """One span of a run's trace (``GET /api/v1/runs/{run_id}/spans/{span_id}``, the
        official lower-level ``retrieveSpan``); span ids are those of ``events`` and ``trace``."""
        rid = cstr(run_id, "run_id")
        return RunSpan._from_json(self._c.json(LIB.trigger_runs_retrieve_span, rid, cstr(span_id, "span_id")))
