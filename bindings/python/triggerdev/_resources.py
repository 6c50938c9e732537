"""The API areas: tasks, batches, runs, envvars, schedules, idempotency keys, queues,
deployments, waitpoint tokens, bulk actions, public tokens and sessions.

Each area is a small class over a ``Caller`` (a client, or the ambient client). A method checks
and encodes its arguments (``_encode``), makes one call (``Caller.json``) and wraps the JSON in
a record (``_models``). A new area of the C ABI is its rows in ``_ffi.JSON_EXPORTS`` plus a class
like these.
"""

from __future__ import annotations

import os
import warnings
from ctypes import byref, c_int64
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

from . import _encode as enc
from ._call import Caller, NativeIterator, loads
from ._config import _seconds
from ._encode import NOT_GIVEN, NotGiven, Option, cstr, dumps, opt_cstr, option_table, options_json
from ._exceptions import InvalidArgumentError
from ._ffi import LIB, call_int64, call_json
from ._models import (
    Appended,
    Batch,
    BatchHandle,
    BulkAction,
    BulkActionsPage,
    ChannelRecord,
    CreatedWaitpointToken,
    Deployment,
    DeploymentsPage,
    PromotedDeployment,
    Queue,
    QueuesPage,
    Session,
    SessionRecord,
    SessionsPage,
    StartedSession,
    WaitpointToken,
    WaitpointTokensPage,
    _CursorPage,
    _OffsetPage,
    EnvVar,
    IdResponse,
    MessageResponse,
    Run,
    RunEvents,
    RunHandle,
    RunListItem,
    RunMetadata,
    RunOutcome,
    RunResult,
    RunsPage,
    RunTrace,
    Schedule,
    SchedulesPage,
    SuccessResponse,
)

__all__ = [
    "Tasks",
    "BatchItem",
    "Batches",
    "Runs",
    "RunList",
    "EnvVars",
    "Schedules",
    "ScheduleList",
    "IdempotencyKeys",
    "Queues",
    "QueueList",
    "Deployments",
    "DeploymentList",
    "Waitpoints",
    "WaitpointTokenList",
    "BulkActions",
    "BulkActionList",
    "PublicTokens",
    "Sessions",
    "SessionList",
    "SessionHandle",
    "SessionChannel",
    "Subscription",
    "parse_dotenv",
    "create_idempotency_key",
]

Duration = Union[str, timedelta]
TimeOrDuration = Union[str, timedelta, datetime]
StrOrList = Union[str, Sequence[str]]


class _Area:
    __slots__ = ("_c",)

    def __init__(self, caller: Caller) -> None:
        self._c = caller

    def __repr__(self) -> str:
        where = "ambient" if self._c.is_ambient else "client"
        return f"<triggerdev {type(self).__name__.lower()} ({where})>"


# --- tasks ---------------------------------------------------------------------------------

_DEBOUNCE = option_table(
    Option("key", "key", enc.is_str),
    Option("delay", "delay", enc.seconds_str),
    Option("mode", "mode", enc.is_str),
    Option("max_delay", "maxDelay", enc.seconds_str),
)


def _millis(value: Any, name: str) -> int:
    """Seconds (a number or a ``timedelta``) as whole milliseconds."""
    return round(_seconds(value, name) * 1000)


def _debounce(value: Any, name: str) -> Any:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict with key and delay, not {type(value).__name__}")
    built = enc.build_options(_DEBOUNCE, value, name)
    for required in ("key", "delay"):
        if required not in built:
            raise TypeError(f"{name} needs {required!r}")
    return built


TRIGGER_OPTIONS = option_table(
    Option("idempotency_key", "idempotencyKey", enc.idempotency_key),
    Option("idempotency_key_ttl", "idempotencyKeyTTL", enc.seconds_str),
    Option("delay", "delay", enc.time_or_duration),
    Option("ttl", "ttl", enc.ttl),
    Option("tags", "tags", enc.str_or_list),
    Option("metadata", "metadata", enc.is_dict),
    Option("queue", "queue", enc.is_str),
    Option("concurrency", "concurrency", enc.str_or_list),
    Option("concurrency_key", "concurrencyKey", enc.is_str),
    Option("max_attempts", "maxAttempts", enc.is_non_negative_int),
    Option("max_duration", "maxDuration", enc.int_seconds),
    Option("machine", "machine", enc.is_str),
    Option("priority", "priority", enc.int_seconds),
    Option("version", "version", enc.is_str),
    Option("region", "region", enc.is_str),
    Option("external_deployment_id", "externalDeploymentId", enc.is_str),
    Option("debounce", "debounce", _debounce),
    Option("test", "test", enc.is_bool),
)

BATCH_OPTIONS = option_table(
    Option("idempotency_key", "idempotencyKey", enc.idempotency_key),
    Option("idempotency_key_ttl", "idempotencyKeyTTL", enc.seconds_str),
)


class BatchItem:
    """One item of ``tasks.batch_trigger``: a task, an optional payload and the trigger
    options of ``tasks.trigger`` as keywords. A plain dict ``{"task": ..., "payload": ...,
    "options": {...}}`` works too."""

    __slots__ = ("task", "payload", "options")

    def __init__(self, task: str, payload: Any = NOT_GIVEN, **options: Any) -> None:
        self.task = task
        self.payload = payload
        self.options = options

    def to_dict(self, where: str = "item") -> Dict[str, Any]:
        """The item as the C ABI's JSON (checked)."""
        out: Dict[str, Any] = {"task": enc.is_str(self.task, f"{where}.task")}
        if self.payload is not NOT_GIVEN:
            out["payload"] = self.payload
        if self.options:
            built = enc.build_options(TRIGGER_OPTIONS, self.options, f"{where}.options")
            if built:
                out["options"] = built
        return out

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.options.items())
        payload = "" if self.payload is NOT_GIVEN else f", payload={self.payload!r}"
        return f"BatchItem({self.task!r}{payload}{extra})"


def _batch_item(item: Any, where: str) -> Dict[str, Any]:
    if isinstance(item, BatchItem):
        return item.to_dict(where)
    if isinstance(item, Mapping):
        unknown = set(item) - {"task", "payload", "options"}
        if unknown:
            raise TypeError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))} (expected task, payload, options)")
        if "task" not in item:
            raise TypeError(f"{where} needs a 'task'")
        options = item.get("options") or {}
        if not isinstance(options, Mapping):
            raise TypeError(f"{where}.options must be a dict, not {type(options).__name__}")
        return BatchItem(item["task"], item.get("payload", NOT_GIVEN), **dict(options)).to_dict(where)
    raise TypeError(f"{where} must be a BatchItem or a dict, not {type(item).__name__}")


def _trigger_options(**values: Any) -> Optional[bytes]:
    """The options JSON of ``trigger`` (and ``trigger_and_subscribe``)."""
    return options_json(TRIGGER_OPTIONS, values)


class Tasks(_Area):
    """Triggering tasks (``client.tasks``)."""

    __slots__ = ()

    def trigger(
        self,
        task_id: str,
        payload: Any = NOT_GIVEN,
        *,
        idempotency_key: Optional[StrOrList] = None,
        idempotency_key_ttl: Optional[Duration] = None,
        delay: Optional[TimeOrDuration] = None,
        ttl: Optional[Union[str, int, timedelta]] = None,
        tags: Optional[StrOrList] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        queue: Optional[str] = None,
        concurrency: Optional[StrOrList] = None,
        concurrency_key: Optional[str] = None,
        max_attempts: Optional[int] = None,
        max_duration: Optional[Union[int, timedelta]] = None,
        machine: Optional[str] = None,
        priority: Optional[Union[int, timedelta]] = None,
        version: Optional[str] = None,
        region: Optional[str] = None,
        external_deployment_id: Optional[str] = None,
        debounce: Optional[Mapping[str, Any]] = None,
        test: Optional[bool] = None,
    ) -> RunHandle:
        """Triggers one run of ``task_id`` (``POST /api/v1/tasks/{task_id}/trigger``).

        ``payload`` is any JSON-serializable value (a str is sent as text, anything else as
        superjson, as the official SDK); leave it out to trigger with no payload at all.
        ``idempotency_key`` is a str or a list of parts (hashed as the official SDK does, or
        a key from ``idempotency_keys.create``). ``delay`` is a duration (``"5m"``,
        ``timedelta``) or a ``datetime``; ``ttl`` a duration or whole seconds;
        ``max_duration`` and ``priority`` seconds. ``debounce`` is
        ``{"key": ..., "delay": "5s", "mode": ..., "max_delay": ...}``.
        """
        tid = cstr(task_id, "task_id")
        body = None if payload is NOT_GIVEN else dumps(payload, "payload")
        opts = _trigger_options(
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
            delay=delay,
            ttl=ttl,
            tags=tags,
            metadata=metadata,
            queue=queue,
            concurrency=concurrency,
            concurrency_key=concurrency_key,
            max_attempts=max_attempts,
            max_duration=max_duration,
            machine=machine,
            priority=priority,
            version=version,
            region=region,
            external_deployment_id=external_deployment_id,
            debounce=debounce,
            test=test,
        )
        return RunHandle._from_json(self._c.json(LIB.trigger_tasks_trigger, tid, body, opts))

    def trigger_and_subscribe(
        self,
        task_id: str,
        payload: Any = NOT_GIVEN,
        *,
        idempotency_key: Optional[StrOrList] = None,
        idempotency_key_ttl: Optional[Duration] = None,
        delay: Optional[TimeOrDuration] = None,
        ttl: Optional[Union[str, int, timedelta]] = None,
        tags: Optional[StrOrList] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        queue: Optional[str] = None,
        concurrency: Optional[StrOrList] = None,
        concurrency_key: Optional[str] = None,
        max_attempts: Optional[int] = None,
        max_duration: Optional[Union[int, timedelta]] = None,
        machine: Optional[str] = None,
        priority: Optional[Union[int, timedelta]] = None,
        version: Optional[str] = None,
        region: Optional[str] = None,
        external_deployment_id: Optional[str] = None,
        debounce: Optional[Mapping[str, Any]] = None,
        test: Optional[bool] = None,
    ) -> "RunSubscription":
        """``trigger`` (same arguments), then ``runs.subscribe`` to the new run without its
        payload: its snapshots until it finishes. The trigger is sent now."""
        tid = cstr(task_id, "task_id")
        body = None if payload is NOT_GIVEN else dumps(payload, "payload")
        opts = _trigger_options(
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
            delay=delay,
            ttl=ttl,
            tags=tags,
            metadata=metadata,
            queue=queue,
            concurrency=concurrency,
            concurrency_key=concurrency_key,
            max_attempts=max_attempts,
            max_duration=max_duration,
            machine=machine,
            priority=priority,
            version=version,
            region=region,
            external_deployment_id=external_deployment_id,
            debounce=debounce,
            test=test,
        )
        return RunSubscription(self._c, LIB.trigger_tasks_trigger_and_subscribe, (tid, body, opts))

    def batch_trigger(
        self,
        items: Iterable[Union[BatchItem, Mapping[str, Any]]],
        *,
        idempotency_key: Optional[StrOrList] = None,
        idempotency_key_ttl: Optional[Duration] = None,
    ) -> BatchHandle:
        """Triggers many runs in one batch (the two-phase v3 flow of the official SDK).

        ``items`` are ``BatchItem(task, payload, **options)`` or dicts ``{"task": ...,
        "payload": ..., "options": {...}}`` (options named as ``trigger``'s keywords, or their
        camelCase JSON names). Raises ``BatchNotSealedError`` if the server never seals the
        batch.
        """
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
            raise TypeError(f"items must be a list of BatchItem or dict, not {type(items).__name__}")
        encoded = [_batch_item(item, f"items[{i}]") for i, item in enumerate(items)]
        if not encoded:
            raise InvalidArgumentError("items: must not be empty")
        opts = options_json(
            BATCH_OPTIONS,
            {"idempotency_key": idempotency_key, "idempotency_key_ttl": idempotency_key_ttl},
        )
        raw = self._c.json(LIB.trigger_tasks_batch_trigger, dumps(encoded, "items"), opts)
        return BatchHandle._from_json(raw)


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


def _skip_columns(skip_columns: Optional[StrOrList]) -> Optional[List[str]]:
    return None if skip_columns is None else enc.str_list(skip_columns, "skip_columns")


class Batches(_Area):
    """Batches (``client.batches``)."""

    __slots__ = ()

    def retrieve(self, batch_id: str) -> Batch:
        """A batch (``GET /api/v2/batches/{batch_id}``)."""
        return Batch._from_json(self._c.json(LIB.trigger_batches_retrieve, cstr(batch_id, "batch_id")))

    def subscribe(self, batch_id: str, *, skip_columns: Optional[StrOrList] = None) -> RunSubscription:
        """The runs of a batch as they change (``GET /realtime/v1/batches/{batch_id}``); never
        ends on its own (see ``RunSubscription``)."""
        options: Dict[str, Any] = {}
        if skip_columns is not None:
            options["skipColumns"] = _skip_columns(skip_columns)
        opts = dumps(options, "options") if options else None
        return RunSubscription(self._c, LIB.trigger_batches_subscribe, (cstr(batch_id, "batch_id"), opts))


# --- idempotency keys ----------------------------------------------------------------------

_SCOPES = ("run", "attempt", "global")


def create_idempotency_key(key: StrOrList, scope: str = "run") -> str:
    """An idempotency key as the official ``idempotencyKeys.create(key, {scope})``: the
    lowercase hex SHA-256 of the key (parts joined with ``-``), made without any request. A
    trigger given it as ``idempotency_key`` sends the original key and scope along."""
    material = enc.str_or_list(key, "key")
    if scope not in _SCOPES:
        if not isinstance(scope, str):
            raise TypeError(f"scope must be a str, not {type(scope).__name__}")
        raise InvalidArgumentError(f"scope: must be one of {', '.join(_SCOPES)}, not {scope!r}")
    raw = call_json(LIB.trigger_idempotency_keys_create, dumps(material, "key"), scope.encode())
    return (raw or b"").decode("ascii")


class IdempotencyKeys(_Area):
    """Idempotency keys (``client.idempotency_keys``, ``triggerdev.idempotency_keys``)."""

    __slots__ = ()

    @staticmethod
    def create(key: StrOrList, scope: str = "run") -> str:
        """See ``triggerdev.idempotency_keys.create``: the hashed key, no request made."""
        return create_idempotency_key(key, scope)

    def reset(self, task_id: str, key: StrOrList) -> IdResponse:
        """Resets an idempotency key of ``task_id`` so the next trigger with it makes a new
        run (``POST /api/v1/idempotencyKeys/{hash}/reset``). ``key`` as a trigger takes it."""
        tid = cstr(task_id, "task_id")
        material = dumps(enc.str_or_list(key, "key"), "key")
        return IdResponse._from_json(self._c.json(LIB.trigger_idempotency_keys_reset, tid, material))


# --- runs ----------------------------------------------------------------------------------

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


def _run_list_item(data: Any) -> RunListItem:
    return RunListItem(data)


class RunList(NativeIterator[RunListItem]):
    """What ``runs.list`` returns: a lazy iterator over every run the filters match, fetching
    one page at a time as it advances (``trigger_runs_list_iter``). ``page()`` fetches just the
    first page instead (a ``RunsPage``, with ``next_page()``).

    The filters are checked and the client (for the ambient API: the configuration in force on
    this thread) is captured when ``list`` is called; no request is made until the first item
    is needed.
    """

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        self._params_json = dumps(params, "params") if params else None
        super().__init__(
            caller,
            LIB.trigger_runs_list_iter,
            LIB.trigger_runs_iter_next,
            LIB.trigger_runs_iter_free,
            (self._params_json,),
            _run_list_item,
            "runs iterator",
        )

    def page(self) -> RunsPage:
        """The first page of the same filters (``trigger_runs_list``), without iterating."""
        return self._fetch(self._params)

    def _fetch(self, params: Dict[str, Any]) -> RunsPage:
        raw = self._caller.json(LIB.trigger_runs_list, dumps(params, "params") if params else None)
        page = RunsPage(loads(raw))
        base = {k: v for k, v in params.items() if k not in ("after", "before")}
        page._fetch_next = lambda cursor: self._fetch({**base, "after": cursor})
        return page


class Runs(_Area):
    """Runs (``client.runs``)."""

    __slots__ = ()

    def list(
        self,
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
        limit: Optional[int] = None,
        after: Optional[str] = None,
        before: Optional[str] = None,
        project_ref: Optional[str] = None,
        env: Optional[StrOrList] = None,
    ) -> RunList:
        """Runs matching the filters, newest first: iterate the result for every run (pages
        are fetched as needed; ``limit`` is the page size), or call ``.page()`` for one page.

        ``from_``/``to`` are datetimes (or epoch milliseconds). With a personal access token,
        ``project_ref`` and ``env`` (``"dev"``, ``"staging"``, ``"prod"``) are required.
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
                "limit": limit,
                "after": after,
                "before": before,
                "project_ref": project_ref,
                "env": env,
            },
            "",
        )
        return RunList(self._c, params)

    def retrieve(self, run_id: str) -> Run:
        """A run (``GET /api/v3/runs/{run_id}``), payload and output decoded."""
        return Run._from_json(self._c.json(LIB.trigger_runs_retrieve, cstr(run_id, "run_id")))

    def subscribe(
        self,
        run_id: str,
        *,
        skip_columns: Optional[StrOrList] = None,
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
        skip_columns: Optional[StrOrList] = None,
    ) -> RunSubscription:
        """The runs that carry every one of ``tags``, created up to ``created_at`` ago
        (``"1h"``; the server's default is 24 h), as they change; never ends on its own."""
        options: Dict[str, Any] = {}
        if created_at is not None:
            options["createdAt"] = enc.is_str(created_at, "created_at")
        if skip_columns is not None:
            options["skipColumns"] = _skip_columns(skip_columns)
        opts = dumps(options, "options") if options else None
        tags_json = dumps(enc.str_list(tags, "tags"), "tags")
        return RunSubscription(self._c, LIB.trigger_runs_subscribe_tagged, (tags_json, opts))

    def wait(self, run_id: str, timeout: Union[float, timedelta] = 300.0) -> Run:
        """Waits for the run to finish, for at most ``timeout`` seconds, over the realtime feed
        (one long poll held until the run changes, no polling interval); returns the run as it
        finished (completed, failed or canceled). Raises ``WaitTimeoutError`` (``last_run``)
        when the time passes first. Ctrl-C ends it on the main thread."""
        rid = cstr(run_id, "run_id")
        return Run._from_json(self._c.json(LIB.trigger_runs_wait, rid, _millis(timeout, "timeout")))

    def poll(
        self,
        run_id: str,
        interval: Union[float, timedelta] = 1.0,
        timeout: Optional[Union[float, timedelta]] = None,
    ) -> Run:
        """Retrieves the run every ``interval`` seconds until it is completed (at most 500
        times, as the official ``runs.poll``), for at most ``timeout`` seconds. Raises
        ``WaitTimeoutError`` (``last_run``: the run as last seen) when the timeout passes first,
        ``PollLimitReachedError`` after 500 retrievals. Ctrl-C ends it with
        ``KeyboardInterrupt`` on the main thread; a client's ``CancelToken`` from any thread."""
        options: Dict[str, Any] = {"intervalMs": _millis(interval, "interval")}
        if timeout is not None:
            options["timeoutMs"] = _millis(timeout, "timeout")
        rid = cstr(run_id, "run_id")
        return Run._from_json(self._c.json(LIB.trigger_runs_poll, rid, dumps(options, "options")))

    def cancel(self, run_id: str) -> IdResponse:
        """Cancels a run (``POST /api/v2/runs/{run_id}/cancel``)."""
        return IdResponse._from_json(self._c.json(LIB.trigger_runs_cancel, cstr(run_id, "run_id")))

    def replay(self, run_id: str, **options: Any) -> IdResponse:
        """Replays a run as a new one (``POST /api/v1/runs/{run_id}/replay``); the keywords
        change the new run: ``payload``, ``payload_type``, ``metadata``, ``tags``, ``queue``,
        ``concurrency_key``, ``machine``, ``version``, ``region``, ``delay``, ``ttl``,
        ``idempotency_key``, ``idempotency_key_ttl``, ``max_attempts``, ``max_duration``,
        ``priority``. Returns the new run's id."""
        rid = cstr(run_id, "run_id")
        opts = options_json(REPLAY_OPTIONS, options, "", context="runs.replay")
        return IdResponse._from_json(self._c.json(LIB.trigger_runs_replay, rid, opts))

    def reschedule(self, run_id: str, delay: TimeOrDuration) -> Run:
        """Moves a delayed run to a new ``delay`` (duration or datetime); raises
        ``UnprocessableEntityError`` unless the run is ``DELAYED``."""
        rid = cstr(run_id, "run_id")
        when = cstr(enc.time_or_duration(delay, "delay"), "delay")
        return Run._from_json(self._c.json(LIB.trigger_runs_reschedule, rid, when))

    def update_metadata(
        self,
        run_id: str,
        metadata: Optional[Mapping[str, Any]] = None,
        *,
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
        if not body:
            raise TypeError("update_metadata needs metadata or operations")
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


# --- envvars -------------------------------------------------------------------------------


def parse_dotenv(text: str) -> Dict[str, str]:
    """Parses the text of a ``.env`` file (``KEY=value`` lines, ``#`` comments, ``export``
    prefixes, quoted and multi-line values) into a dict in file order. No request is made; a
    line that cannot be read raises ``InvalidArgumentError`` naming it."""
    data = loads(call_json(LIB.trigger_envvars_parse_dotenv, cstr(text, "text")))
    return dict(data)


def _upload_body(
    variables: Any, parent_variables: Any, is_secret: Optional[bool], override: Optional[bool]
) -> bytes:
    """The body of ``upload`` (without ``variables`` when they are None: ``upload_dotenv``'s
    options)."""
    body: Dict[str, Any] = {} if variables is None else {"variables": enc.str_pairs(variables, "variables")}
    if parent_variables is not None:
        body["parentVariables"] = enc.str_pairs(parent_variables, "parent_variables")
    if is_secret is not None:
        body["isSecret"] = enc.is_bool(is_secret, "is_secret")
    if override is not None:
        body["override"] = enc.is_bool(override, "override")
    return dumps(body, "body")


class EnvVars(_Area):
    """Environment variables of a project's environment (``client.envvars``). ``env`` is the
    environment slug: ``dev``, ``staging``, ``prod`` or ``preview`` (with a preview branch)."""

    __slots__ = ()

    def list(self, project_ref: str, env: str) -> List[EnvVar]:
        """Every variable (secret values come back redacted)."""
        raw = self._c.json(LIB.trigger_envvars_list, cstr(project_ref, "project_ref"), cstr(env, "env"))
        return [EnvVar(item) for item in loads(raw)]

    def retrieve(self, project_ref: str, env: str, name: str) -> EnvVar:
        """One variable."""
        raw = self._c.json(
            LIB.trigger_envvars_retrieve, cstr(project_ref, "project_ref"), cstr(env, "env"), cstr(name, "name")
        )
        return EnvVar._from_json(raw)

    def create(
        self, project_ref: str, env: str, name: str, value: str, *, is_secret: Optional[bool] = None
    ) -> SuccessResponse:
        """Creates a variable, or overwrites the one with the same name."""
        body: Dict[str, Any] = {"name": enc.is_str(name, "name"), "value": enc.is_str(value, "value")}
        if is_secret is not None:
            body["isSecret"] = enc.is_bool(is_secret, "is_secret")
        raw = self._c.json(
            LIB.trigger_envvars_create, cstr(project_ref, "project_ref"), cstr(env, "env"), dumps(body, "body")
        )
        return SuccessResponse._from_json(raw)

    def update(self, project_ref: str, env: str, name: str, value: str) -> SuccessResponse:
        """Changes the value of an existing variable."""
        raw = self._c.json(
            LIB.trigger_envvars_update,
            cstr(project_ref, "project_ref"),
            cstr(env, "env"),
            cstr(name, "name"),
            cstr(value, "value"),
        )
        return SuccessResponse._from_json(raw)

    def delete(self, project_ref: str, env: str, name: str) -> SuccessResponse:
        """Deletes a variable (also spelled ``del_``, after the official ``del``)."""
        raw = self._c.json(
            LIB.trigger_envvars_del, cstr(project_ref, "project_ref"), cstr(env, "env"), cstr(name, "name")
        )
        return SuccessResponse._from_json(raw)

    del_ = delete

    def upload(
        self,
        project_ref: str,
        env: str,
        variables: Mapping[str, str],
        *,
        parent_variables: Optional[Mapping[str, str]] = None,
        is_secret: Optional[bool] = None,
        override: Optional[bool] = None,
    ) -> SuccessResponse:
        """Uploads many variables at once; without ``override=True`` existing ones are kept."""
        body = _upload_body(variables, parent_variables, is_secret, override)
        raw = self._c.json(LIB.trigger_envvars_upload, cstr(project_ref, "project_ref"), cstr(env, "env"), body)
        return SuccessResponse._from_json(raw)

    def upload_dotenv(
        self,
        project_ref: str,
        env: str,
        text_or_path: Union[str, "os.PathLike[str]"],
        *,
        parent_variables: Optional[Mapping[str, str]] = None,
        is_secret: Optional[bool] = None,
        override: Optional[bool] = None,
    ) -> SuccessResponse:
        """``upload`` of a ``.env`` file: its text, or a path (an ``os.PathLike``, or a str
        without ``=`` or newline naming an existing file)."""
        text = enc.path_or_text(text_or_path, "text_or_path")
        options = _upload_body(None, parent_variables, is_secret, override)
        try:
            raw = self._c.json(
                LIB.trigger_envvars_upload_dotenv,
                cstr(project_ref, "project_ref"),
                cstr(env, "env"),
                cstr(text, "text_or_path"),
                options,
            )
        except InvalidArgumentError as e:  # "text: line 2: ..." is about text_or_path here
            if e.argument != "text":
                raise
            renamed = InvalidArgumentError("text_or_path" + e.message[len("text") :], kind=e.kind)
            renamed.argument = "text_or_path"
            raise renamed from None
        return SuccessResponse._from_json(raw)

    @staticmethod
    def parse_dotenv(text: str) -> Dict[str, str]:
        """See ``triggerdev.parse_dotenv``."""
        return parse_dotenv(text)


# --- schedules -----------------------------------------------------------------------------


def _schedule(data: Any) -> Schedule:
    return Schedule(data)


class ScheduleList(NativeIterator[Schedule]):
    """What ``schedules.list`` returns: a lazy iterator over every schedule, one page fetched
    at a time (``trigger_schedules_list_iter``); ``page()`` fetches one page instead."""

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        super().__init__(
            caller,
            LIB.trigger_schedules_list_iter,
            LIB.trigger_schedules_iter_next,
            LIB.trigger_schedules_iter_free,
            (dumps(params, "params") if params else None,),
            _schedule,
            "schedules iterator",
        )

    def page(self) -> SchedulesPage:
        """The page the parameters name (the first by default), with ``next_page()``."""
        return self._fetch(self._params)

    def _fetch(self, params: Dict[str, Any]) -> SchedulesPage:
        raw = self._caller.json(LIB.trigger_schedules_list, dumps(params, "params") if params else None)
        page = SchedulesPage(loads(raw))
        page._fetch_page = lambda number: self._fetch({**params, "page": number})
        return page


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
        task: str,
        cron: str,
        deduplication_key: str,
        *,
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

    def list(self, *, page: Optional[int] = None, per_page: Optional[int] = None) -> ScheduleList:
        """Every schedule, lazily (``per_page`` is the page size; iteration starts at
        ``page``); ``.page()`` for one page."""
        params: Dict[str, Any] = {}
        if page is not None:
            params["page"] = enc.is_non_negative_int(page, "page")
        if per_page is not None:
            params["perPage"] = enc.is_non_negative_int(per_page, "per_page")
        return ScheduleList(self._c, params)

    def retrieve(self, schedule_id: str) -> Schedule:
        """A schedule."""
        return Schedule._from_json(self._c.json(LIB.trigger_schedules_retrieve, cstr(schedule_id, "schedule_id")))

    def update(
        self,
        schedule_id: str,
        task: str,
        cron: str,
        *,
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


# --- shared by the new lists ---------------------------------------------------------------

CP = TypeVar("CP", bound=_CursorPage)
OP = TypeVar("OP", bound=_OffsetPage)


def _params_json(params: Mapping[str, Any]) -> Optional[bytes]:
    return dumps(dict(params), "params") if params else None


def _cursor_page(
    caller: Caller, fn: Callable[..., int], params: Dict[str, Any], page_cls: Type[CP], cursor_key: str
) -> CP:
    """One page of a cursor list, whose ``next_page()`` asks for the same filters after the
    page's ``next`` cursor."""
    page = page_cls(loads(caller.json(fn, _params_json(params))))
    base = {k: v for k, v in params.items() if k not in (cursor_key, "before")}
    page._fetch_next = lambda cursor: _cursor_page(caller, fn, {**base, cursor_key: cursor}, page_cls, cursor_key)
    return page


def _offset_page(caller: Caller, fn: Callable[..., int], params: Dict[str, Any], page_cls: Type[OP]) -> OP:
    """One page of a numbered list, whose ``next_page()`` asks for the following number."""
    page = page_cls(loads(caller.json(fn, _params_json(params))))
    page._fetch_page = lambda number: _offset_page(caller, fn, {**params, "page": number}, page_cls)
    return page


# --- queues --------------------------------------------------------------------------------

QueueType = Literal["id", "task", "custom"]


class QueueList(NativeIterator[Queue]):
    """What ``queues.list`` returns: a lazy iterator over every queue, one page fetched at a
    time (``trigger_queues_list_iter``); ``page()`` fetches one page instead."""

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        super().__init__(
            caller,
            LIB.trigger_queues_list_iter,
            LIB.trigger_queues_iter_next,
            LIB.trigger_queues_iter_free,
            (_params_json(params),),
            Queue,
            "queues iterator",
        )

    def page(self) -> QueuesPage:
        """The page the parameters name (the first by default), with ``next_page()``."""
        return _offset_page(self._caller, LIB.trigger_queues_list, self._params, QueuesPage)


def _queue_args(queue: str, queue_type: Optional[str]) -> Tuple[bytes, Optional[bytes]]:
    return cstr(queue, "queue"), opt_cstr(queue_type, "queue_type")


class Queues(_Area):
    """Queues of the key's environment (``client.queues``).

    A queue is named by ``queue`` and ``queue_type``: a queue id (``"queue_…"``, with
    ``queue_type`` ``"id"`` or left out), a task id (``queue_type="task"``: the task's own
    queue) or a custom queue's name (``queue_type="custom"``).
    """

    __slots__ = ()

    def list(self, *, page: Optional[int] = None, per_page: Optional[int] = None) -> QueueList:
        """Every queue, lazily (``per_page`` is the page size, at most 100; iteration starts
        at ``page``); ``.page()`` for one page."""
        params: Dict[str, Any] = {}
        if page is not None:
            params["page"] = enc.is_non_negative_int(page, "page")
        if per_page is not None:
            params["perPage"] = enc.is_non_negative_int(per_page, "per_page")
        return QueueList(self._c, params)

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


# --- deployments ---------------------------------------------------------------------------

_LIST_DEPLOYMENTS_PARAMS = option_table(
    Option("status", "status", enc.is_str),
    Option("period", "period", enc.is_str),
    Option("from_", "from", enc.iso_or_str),
    Option("to", "to", enc.iso_or_str),
    Option("limit", "limit", enc.is_non_negative_int),
    Option("cursor", "cursor", enc.is_str),
)


class DeploymentList(NativeIterator[Deployment]):
    """What ``deployments.list`` returns: a lazy iterator over every deployment the filters
    match, newest first (``trigger_deployments_list_iter``); ``page()`` fetches one page."""

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        super().__init__(
            caller,
            LIB.trigger_deployments_list_iter,
            LIB.trigger_deployments_iter_next,
            LIB.trigger_deployments_iter_free,
            (_params_json(params),),
            Deployment,
            "deployments iterator",
        )

    def page(self) -> DeploymentsPage:
        """The first page of the same filters, with ``next_page()``."""
        return _cursor_page(self._caller, LIB.trigger_deployments_list, self._params, DeploymentsPage, "cursor")


class Deployments(_Area):
    """Deployments of the key's environment (``client.deployments``)."""

    __slots__ = ()

    def list(
        self,
        *,
        status: Optional[str] = None,
        period: Optional[str] = None,
        from_: Optional[Union[datetime, str]] = None,
        to: Optional[Union[datetime, str]] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> DeploymentList:
        """Deployments, newest first: iterate for all of them (``limit`` is the page size,
        1 to 100), or ``.page()`` for one page. ``status`` is ``DEPLOYED``, ``FAILED``, ...;
        ``period`` such as ``"7d"``; ``from_``/``to`` datetimes (or ISO-8601 text); ``cursor``
        a page's ``pagination.next``."""
        values = {"status": status, "period": period, "from_": from_, "to": to, "limit": limit, "cursor": cursor}
        return DeploymentList(self._c, enc.build_options(_LIST_DEPLOYMENTS_PARAMS, values, ""))

    def retrieve(self, deployment_id: str) -> Deployment:
        """A deployment by id (with its worker and tasks)."""
        raw = self._c.json(LIB.trigger_deployments_retrieve, cstr(deployment_id, "deployment_id"))
        return Deployment._from_json(raw)

    def retrieve_current(self) -> Deployment:
        """The deployment new runs go to."""
        return Deployment._from_json(self._c.json(LIB.trigger_deployments_retrieve_current))

    def retrieve_latest(self) -> Deployment:
        """The newest deployment, whatever its status."""
        return Deployment._from_json(self._c.json(LIB.trigger_deployments_retrieve_latest))

    def promote(self, version: str) -> PromotedDeployment:
        """Makes the deployment of ``version`` the current one (``BadRequestError`` for one
        that is not deployed, already current, or older than the current one)."""
        return PromotedDeployment._from_json(self._c.json(LIB.trigger_deployments_promote, cstr(version, "version")))


# --- waitpoint tokens ----------------------------------------------------------------------

_CREATE_TOKEN_OPTIONS = option_table(
    Option("timeout", "timeout", enc.time_or_duration),
    Option("idempotency_key", "idempotencyKey", enc.is_str),
    Option("idempotency_key_ttl", "idempotencyKeyTTL", enc.seconds_str),
    Option("tags", "tags", enc.list_of_str),
)

_LIST_TOKENS_PARAMS = option_table(
    Option("status", "status", enc.list_of_str),
    Option("idempotency_key", "idempotencyKey", enc.is_str),
    Option("tags", "tags", enc.list_of_str),
    Option("period", "period", enc.is_str),
    Option("from_", "from", enc.epoch_ms),
    Option("to", "to", enc.epoch_ms),
    Option("limit", "limit", enc.is_non_negative_int),
    Option("after", "after", enc.is_str),
    Option("before", "before", enc.is_str),
)


class WaitpointTokenList(NativeIterator[WaitpointToken]):
    """What ``waitpoints.list_tokens`` returns: a lazy iterator over every token the filters
    match (``trigger_waitpoints_list_tokens_iter``); ``page()`` fetches one page."""

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        super().__init__(
            caller,
            LIB.trigger_waitpoints_list_tokens_iter,
            LIB.trigger_waitpoints_tokens_iter_next,
            LIB.trigger_waitpoints_tokens_iter_free,
            (_params_json(params),),
            WaitpointToken,
            "waitpoint tokens iterator",
        )

    def page(self) -> WaitpointTokensPage:
        """The first page of the same filters, with ``next_page()``."""
        return _cursor_page(self._caller, LIB.trigger_waitpoints_list_tokens, self._params, WaitpointTokensPage, "after")


class Waitpoints(_Area):
    """Waitpoint tokens (``client.waitpoints``): create one, hand its URL or public token to
    whoever decides, and complete it with data; a run waiting on it resumes with that data."""

    __slots__ = ()

    def create_token(
        self,
        *,
        timeout: Optional[TimeOrDuration] = None,
        idempotency_key: Optional[str] = None,
        idempotency_key_ttl: Optional[Duration] = None,
        tags: Optional[StrOrList] = None,
    ) -> CreatedWaitpointToken:
        """Creates a token. ``timeout`` is a duration (``"1h"``, ``timedelta``) or a
        ``datetime``; the same ``idempotency_key`` (until ``idempotency_key_ttl``) returns
        the same token. The result carries the callback ``url`` and a public access token
        scoped ``write:waitpoints:<id>``."""
        values = {
            "timeout": timeout,
            "idempotency_key": idempotency_key,
            "idempotency_key_ttl": idempotency_key_ttl,
            "tags": tags,
        }
        opts = options_json(_CREATE_TOKEN_OPTIONS, values)
        return CreatedWaitpointToken._from_json(self._c.json(LIB.trigger_waitpoints_create_token, opts))

    def list_tokens(
        self,
        *,
        status: Optional[StrOrList] = None,
        idempotency_key: Optional[str] = None,
        tags: Optional[StrOrList] = None,
        period: Optional[str] = None,
        from_: Optional[Union[datetime, int]] = None,
        to: Optional[Union[datetime, int]] = None,
        limit: Optional[int] = None,
        after: Optional[str] = None,
        before: Optional[str] = None,
    ) -> WaitpointTokenList:
        """Tokens matching the filters, newest first: iterate for all of them (``limit`` is
        the page size) or ``.page()`` for one. ``status``: ``WAITING``, ``COMPLETED``,
        ``TIMED_OUT`` (one or a list); ``from_``/``to`` datetimes or epoch milliseconds."""
        values = {
            "status": status,
            "idempotency_key": idempotency_key,
            "tags": tags,
            "period": period,
            "from_": from_,
            "to": to,
            "limit": limit,
            "after": after,
            "before": before,
        }
        return WaitpointTokenList(self._c, enc.build_options(_LIST_TOKENS_PARAMS, values, ""))

    def retrieve_token(self, token_id: str) -> WaitpointToken:
        """A token, with its completion data (``output``, encoded as ``output_type`` says)
        once completed."""
        return WaitpointToken._from_json(self._c.json(LIB.trigger_waitpoints_retrieve_token, cstr(token_id, "token_id")))

    def complete_token(self, token_id: str, data: Any = NOT_GIVEN) -> SuccessResponse:
        """Completes a token with ``data`` (any JSON-serializable value; leave it out to send
        no data, ``None`` sends JSON null); a run waiting on it resumes with the data. A client
        made of the token's public access token alone may call this."""
        tid = cstr(token_id, "token_id")
        body = None if data is NOT_GIVEN else dumps(data, "data")
        return SuccessResponse._from_json(self._c.json(LIB.trigger_waitpoints_complete_token, tid, body))


# --- bulk actions --------------------------------------------------------------------------

BULK_ACTION_FILTER = option_table(
    Option("status", "status", enc.list_of_str),
    Option("task_identifier", "taskIdentifier", enc.list_of_str),
    Option("version", "version", enc.list_of_str),
    Option("from_", "from", enc.epoch_ms),
    Option("to", "to", enc.epoch_ms),
    Option("period", "period", enc.is_str),
    Option("bulk_action", "bulkAction", enc.is_str),
    Option("tag", "tag", enc.list_of_str),
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


class BulkActionList(NativeIterator[BulkAction]):
    """What ``bulk_actions.list`` returns: a lazy iterator over every bulk action, newest
    first (``trigger_bulk_actions_list_iter``); ``page()`` fetches one page."""

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        super().__init__(
            caller,
            LIB.trigger_bulk_actions_list_iter,
            LIB.trigger_bulk_actions_iter_next,
            LIB.trigger_bulk_actions_iter_free,
            (_params_json(params),),
            BulkAction,
            "bulk actions iterator",
        )

    def page(self) -> BulkActionsPage:
        """The first page, with ``next_page()``."""
        return _cursor_page(self._caller, LIB.trigger_bulk_actions_list, self._params, BulkActionsPage, "after")


class BulkActions(_Area):
    """Bulk actions (``client.bulk_actions``; the official ``runs.bulk``): cancel or replay
    many runs at once, by filter or by id."""

    __slots__ = ()

    def create(
        self,
        action: BulkActionType,
        *,
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
    ) -> BulkActionList:
        """Every bulk action, lazily (``limit`` is the page size); ``.page()`` for one page."""
        values = {"limit": limit, "after": after, "before": before}
        return BulkActionList(self._c, enc.build_options(_LIST_BULK_PARAMS, values, ""))

    def retrieve(self, bulk_action_id: str) -> BulkAction:
        """A bulk action, with its counts."""
        raw = self._c.json(LIB.trigger_bulk_actions_retrieve, cstr(bulk_action_id, "bulk_action_id"))
        return BulkAction._from_json(raw)

    def abort(self, bulk_action_id: str) -> IdResponse:
        """Stops a bulk action that is still running (``ConflictError`` once it completed)."""
        raw = self._c.json(LIB.trigger_bulk_actions_abort, cstr(bulk_action_id, "bulk_action_id"))
        return IdResponse._from_json(raw)


# --- public access tokens ------------------------------------------------------------------

ScopeIds = Union[str, Sequence[str], bool]
#: ``{"read": {"runs": ["run_1"], "sessions": "session_1"}, "write": {...}, "trigger":
#: {"tasks": True}, "batchTrigger": {...}}``
TokenScopes = Mapping[str, Mapping[str, ScopeIds]]
Expiration = Union[str, int, timedelta, datetime]

_PUBLIC_TOKEN_OPTIONS = option_table(
    Option("scopes", "scopes", enc.token_scopes),
    Option("expiration_time", "expirationTime", enc.expiration),
    Option("realtime", "realtime", enc.is_dict),
)

_TASK_TOKEN_OPTIONS = option_table(
    Option("expiration_time", "expirationTime", enc.expiration),
    Option("multiple_use", "multipleUse", enc.is_bool),
    Option("realtime", "realtime", enc.is_dict),
)


def _token(raw: Optional[bytes]) -> str:
    return (raw or b"").decode("utf-8")


class PublicTokens(_Area):
    """Public access tokens (``client.auth``; ``triggerdev.auth.create_public_token`` and its
    siblings for the ambient client): short-lived JWTs a backend mints for a frontend or
    another server, limited to scopes.

    With a root secret key a token is signed locally after one request for the environment's
    claims; with an additional key the server mints it (and refuses scopes the key lacks with
    a ``PermissionDeniedError`` whose ``denied_scopes`` lists them). Tokens last 1 hour unless
    ``expiration_time`` says otherwise (at most 30 days): a duration (``"15m"``, a
    ``timedelta``), a ``datetime`` or absolute Unix seconds.
    """

    __slots__ = ()

    def create_public_token(
        self,
        *,
        scopes: Optional[TokenScopes] = None,
        expiration_time: Optional[Expiration] = None,
        realtime: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A token with ``scopes``: ``{action: {resource: id | [ids] | True}}`` with actions
        ``read``, ``write``, ``trigger``, ``batchTrigger`` (or ``batch_trigger``) and resources
        ``tasks``, ``tags``, ``runs``, ``batch``, ``waitpoints``, ``inputStreams`` (or
        ``input_streams``), ``sessions``. A named channel of a session is the id
        ``"<session>:channels:<name>"`` (``…:out`` to read only its ``.out``)."""
        values = {"scopes": scopes, "expiration_time": expiration_time, "realtime": realtime}
        opts = options_json(_PUBLIC_TOKEN_OPTIONS, values)
        return _token(self._c.json(LIB.trigger_auth_create_public_token, opts))

    def create_trigger_public_token(
        self,
        tasks: StrOrList,
        *,
        expiration_time: Optional[Expiration] = None,
        multiple_use: Optional[bool] = None,
        realtime: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A token that may trigger ``tasks`` (a task id or a list), once unless
        ``multiple_use=True``."""
        return self._task_token(LIB.trigger_auth_create_trigger_public_token, tasks, expiration_time, multiple_use, realtime)

    def create_batch_trigger_public_token(
        self,
        tasks: StrOrList,
        *,
        expiration_time: Optional[Expiration] = None,
        multiple_use: Optional[bool] = None,
        realtime: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A token that may batch-trigger ``tasks`` (a task id or a list)."""
        return self._task_token(
            LIB.trigger_auth_create_batch_trigger_public_token, tasks, expiration_time, multiple_use, realtime
        )

    def _task_token(
        self,
        fn: Callable[..., int],
        tasks: Any,
        expiration_time: Any,
        multiple_use: Any,
        realtime: Any,
    ) -> str:
        tasks_json = dumps(enc.str_or_list(tasks, "tasks"), "tasks")
        values = {"expiration_time": expiration_time, "multiple_use": multiple_use, "realtime": realtime}
        return _token(self._c.json(fn, tasks_json, options_json(_TASK_TOKEN_OPTIONS, values)))


# --- sessions ------------------------------------------------------------------------------

_TRIGGER_CONFIG = option_table(
    Option("machine", "machine", enc.is_str),
    Option("queue", "queue", enc.is_str),
    Option("concurrency", "concurrency", enc.list_of_str),
    Option("concurrency_key", "concurrencyKey", enc.is_str),
    Option("tags", "tags", enc.list_of_str),
    Option("max_attempts", "maxAttempts", enc.is_non_negative_int),
    Option("max_duration", "maxDuration", enc.int_seconds),
    Option("lock_to_version", "lockToVersion", enc.is_str),
    Option("region", "region", enc.is_str),
    Option("idle_timeout_in_seconds", "idleTimeoutInSeconds", enc.int_seconds),
    Option("external_deployment_id", "externalDeploymentId", enc.is_str),
)

_LIST_SESSIONS_PARAMS = option_table(
    Option("type", "type", enc.list_of_str),
    Option("tag", "tag", enc.list_of_str),
    Option("task_identifier", "taskIdentifier", enc.list_of_str),
    Option("external_id", "externalId", enc.is_str),
    Option("status", "status", enc.list_of_str),
    Option("period", "period", enc.is_str),
    Option("from_", "from", enc.epoch_ms),
    Option("to", "to", enc.epoch_ms),
    Option("limit", "limit", enc.is_non_negative_int),
    Option("after", "after", enc.is_str),
    Option("before", "before", enc.is_str),
)

_SUBSCRIBE_OPTIONS = option_table(
    Option("last_event_id", "lastEventId", enc.is_non_negative_int),
    Option("from_latest", "fromLatest", enc.is_bool),
    Option("timeout_seconds", "timeoutSeconds", enc.is_non_negative_int),
    Option("stop_at_end_of_window", "stopAtEndOfWindow", enc.is_bool),
    Option("peek_settled", "peekSettled", enc.is_bool),
)

ChannelIo = Literal["in", "out"]


def _trigger_config(value: Any) -> Dict[str, Any]:
    config = enc.is_dict(value, "trigger_config")
    if "base_payload" in config or "basePayload" in config:
        raise TypeError("trigger_config: give the base payload as the base_payload argument")
    # `external_deployment_id: None` sends null (no deployment), unlike the other options.
    opt_out = {k for k in ("external_deployment_id", "externalDeploymentId") if k in config and config[k] is None}
    built = enc.build_options(_TRIGGER_CONFIG, config, "trigger_config")
    if opt_out:
        built["externalDeploymentId"] = None
    return built


class SessionList(NativeIterator[Session]):
    """What ``sessions.list`` returns: a lazy iterator over every session the filters match,
    newest first (``trigger_sessions_list_iter``); ``page()`` fetches one page."""

    def __init__(self, caller: Caller, params: Dict[str, Any]) -> None:
        self._caller = caller
        self._params = params
        super().__init__(
            caller,
            LIB.trigger_sessions_list_iter,
            LIB.trigger_sessions_iter_next,
            LIB.trigger_sessions_iter_free,
            (_params_json(params),),
            Session,
            "sessions iterator",
        )

    def page(self) -> SessionsPage:
        """The first page of the same filters, with ``next_page()``."""
        return _cursor_page(self._caller, LIB.trigger_sessions_list, self._params, SessionsPage, "after")


class Subscription(NativeIterator[SessionRecord]):
    """A subscription to a session channel (SSE): a blocking iterator of ``SessionRecord``s.

    It connects at the first ``next()``, reconnects after a dropped connection or an ``error``
    event and resumes after the last record (none lost, none repeated), and ends when stopped,
    at the end of the server's window with ``stop_at_end_of_window=True``, or after a terminal
    error (raised once). ``stop()`` and ``close()`` may be called from any thread, also while
    another thread is blocked in ``next()``, which then ends the iteration at once. Use it as
    a context manager, or ``close()`` it; it is freed exactly once. ``last_seq`` is where a
    new subscription resumes (``last_event_id``) without losing or repeating a record.
    """

    def __init__(self, caller: Caller, args: Tuple[Any, ...]) -> None:
        self._seq = c_int64(-1)  # the resume point trigger_session_stream_next writes
        super().__init__(
            caller,
            LIB.trigger_sessions_subscribe,
            self._next_record,
            LIB.trigger_session_stream_free,
            args,
            SessionRecord,
            "subscription",
            stop_fn=LIB.trigger_session_stream_stop,
        )
        handle = self._handle
        ptr = handle.borrow()
        try:
            # The last_event_id it starts after (-1: none).
            self._seq.value = call_int64(LIB.trigger_session_stream_last_seq, ptr)
        finally:
            handle.release()
        self._last_seq: Optional[int] = None if self._seq.value < 0 else self._seq.value

    def _next_record(self, ptr: int, out: Any, err: Any) -> int:
        """``trigger_session_stream_next``: the record, and the resume point with it."""
        return int(LIB.trigger_session_stream_next(ptr, byref(self._seq), out, err))

    def _after_next(self, ptr: int) -> None:
        seq = self._seq.value
        self._last_seq = None if seq < 0 else seq

    @property
    def last_seq(self) -> Optional[int]:
        """The ``seq_num`` of the last record ``next()`` returned, or of S2 command records
        skipped after it (``trigger_session_stream_last_seq``, read after each ``next()``);
        before the first record, the ``last_event_id`` it started after, or None. Still there
        after ``close()``: pass it as ``last_event_id`` to resume without losing or repeating
        a record."""
        return self._last_seq

    def __enter__(self) -> "Subscription":
        return self


class SessionChannel:
    """One direction of a session channel (``session.input``, ``session.output``)."""

    __slots__ = ("_c", "_session", "_channel", "_io")

    def __init__(self, caller: Caller, session: bytes, channel: Optional[bytes], io: ChannelIo) -> None:
        self._c = caller
        self._session = session
        self._channel = channel
        self._io = io

    @property
    def io(self) -> ChannelIo:
        """``"in"`` or ``"out"``."""
        return self._io

    def _args(self) -> Tuple[bytes, Optional[bytes], bytes]:
        return self._session, self._channel, self._io.encode()

    def append(self, data: Any) -> Appended:
        """Appends a record: a str is sent as its text, anything else as its JSON. A retried
        append is recorded once (one part id per call). ``.in`` takes the session's public
        token; ``.out`` needs a secret key. A closed session raises ``SessionClosedError``
        (never retried)."""
        body = dumps(data, "data")
        return Appended._from_json(self._c.json(LIB.trigger_sessions_append, *self._args(), body))

    def records(self, *, after_seq: Optional[int] = None) -> List[ChannelRecord]:
        """The records the channel has now (after ``after_seq`` when given), without
        waiting."""
        after = -1 if after_seq is None else enc.in_range(after_seq, "after_seq", 0, enc.INT64_MAX)
        return [ChannelRecord(r) for r in loads(self._c.json(LIB.trigger_sessions_records, *self._args(), after))]

    def subscribe(
        self,
        *,
        last_event_id: Optional[int] = None,
        from_latest: Optional[bool] = None,
        timeout_seconds: Optional[int] = None,
        stop_at_end_of_window: Optional[bool] = None,
        peek_settled: Optional[bool] = None,
    ) -> Subscription:
        """Subscribes to the channel (see ``Subscription``). ``last_event_id`` resumes after
        that record's ``seq_num``; ``from_latest`` starts at the tail; ``timeout_seconds``
        (1–600) is the server's long-poll window; ``stop_at_end_of_window`` ends the
        iteration at the end of a window instead of reconnecting; ``peek_settled`` (``.out``)
        ends it once the task's turn is settled. No request is made until the first
        ``next()``."""
        values = {
            "last_event_id": last_event_id,
            "from_latest": from_latest,
            "timeout_seconds": timeout_seconds,
            "stop_at_end_of_window": stop_at_end_of_window,
            "peek_settled": peek_settled,
        }
        opts = options_json(_SUBSCRIBE_OPTIONS, values)
        return Subscription(self._c, (*self._args(), opts))

    def __repr__(self) -> str:
        channel = "" if self._channel is None else f" channel={self._channel.decode()!r}"
        return f"<triggerdev.SessionChannel {self._session.decode()!r}{channel} {self._io}>"


class SessionHandle:
    """A session's channels (``sessions.open(session)``): ``input`` (``.in``, written by
    clients and read by the task), ``output`` (``.out``, written by the task), and named side
    channels with ``channel(name)``."""

    __slots__ = ("_c", "_session", "_channel")

    def __init__(self, caller: Caller, session: bytes, channel: Optional[bytes] = None) -> None:
        self._c = caller
        self._session = session
        self._channel = channel

    @property
    def input(self) -> SessionChannel:
        """The ``.in`` channel."""
        return SessionChannel(self._c, self._session, self._channel, "in")

    @property
    def output(self) -> SessionChannel:
        """The ``.out`` channel."""
        return SessionChannel(self._c, self._session, self._channel, "out")

    def channel(self, name: str) -> "SessionHandle":
        """The named side channel ``name`` (1 to 128 of ``A-Z a-z 0-9 . _ -``, checked by each
        call) of this session."""
        return SessionHandle(self._c, self._session, cstr(name, "channel"))

    def __repr__(self) -> str:
        channel = "" if self._channel is None else f" channel={self._channel.decode()!r}"
        return f"<triggerdev.SessionHandle {self._session.decode()!r}{channel}>"


class Sessions(_Area):
    """Sessions (``client.sessions``): a conversation with a task, its runs and its channels.
    A session is named by its ``session_…`` id or its external id."""

    __slots__ = ()

    def start(
        self,
        type: str,
        task_identifier: str,
        base_payload: Any,
        *,
        external_id: Optional[str] = None,
        trigger_config: Optional[Mapping[str, Any]] = None,
        tags: Optional[StrOrList] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        expires_at: Optional[Union[datetime, str]] = None,
    ) -> StartedSession:
        """Starts a session of kind ``type`` served by ``task_identifier``, whose runs get
        ``base_payload`` (a dict), and its first run. Starting again with the same
        ``external_id`` returns it (``is_cached``) with a fresh token. ``trigger_config``
        holds the other run options: ``machine``, ``queue``, ``concurrency``,
        ``concurrency_key``, ``tags``, ``max_attempts``, ``max_duration``,
        ``lock_to_version``, ``region``, ``idle_timeout_in_seconds``,
        ``external_deployment_id`` (``None`` for none). A closed or expired session raises
        ``ConflictError``."""
        config: Dict[str, Any] = {"basePayload": base_payload}
        if trigger_config is not None:
            config.update(_trigger_config(trigger_config))
        body: Dict[str, Any] = {"type": enc.is_str(type, "type")}
        if external_id is not None:
            body["externalId"] = enc.is_str(external_id, "external_id")
        body["taskIdentifier"] = enc.is_str(task_identifier, "task_identifier")
        body["triggerConfig"] = config
        if tags is not None:
            body["tags"] = enc.list_of_str(tags, "tags")
        if metadata is not None:
            body["metadata"] = enc.is_dict(metadata, "metadata")
        if expires_at is not None:
            body["expiresAt"] = enc.iso_or_str(expires_at, "expires_at")
        dumps(base_payload, "base_payload")  # a value JSON cannot carry is named as the argument
        if metadata is not None:
            dumps(body["metadata"], "metadata")
        return StartedSession._from_json(self._c.json(LIB.trigger_sessions_start, dumps(body, "body")))

    def list(
        self,
        *,
        type: Optional[StrOrList] = None,
        tag: Optional[StrOrList] = None,
        task_identifier: Optional[StrOrList] = None,
        external_id: Optional[str] = None,
        status: Optional[StrOrList] = None,
        period: Optional[str] = None,
        from_: Optional[Union[datetime, int]] = None,
        to: Optional[Union[datetime, int]] = None,
        limit: Optional[int] = None,
        after: Optional[str] = None,
        before: Optional[str] = None,
    ) -> SessionList:
        """Sessions matching the filters, newest first: iterate for all of them (``limit`` is
        the page size, 1 to 100) or ``.page()`` for one. ``status``: ``ACTIVE``, ``CLOSED``,
        ``EXPIRED``."""
        values = {
            "type": type,
            "tag": tag,
            "task_identifier": task_identifier,
            "external_id": external_id,
            "status": status,
            "period": period,
            "from_": from_,
            "to": to,
            "limit": limit,
            "after": after,
            "before": before,
        }
        return SessionList(self._c, enc.build_options(_LIST_SESSIONS_PARAMS, values, ""))

    def retrieve(self, session: str) -> Session:
        """A session, by id or external id."""
        return Session._from_json(self._c.json(LIB.trigger_sessions_retrieve, cstr(session, "session")))

    def update(
        self,
        session: str,
        *,
        tags: Union[StrOrList, NotGiven] = NOT_GIVEN,
        metadata: Union[Mapping[str, Any], None, NotGiven] = NOT_GIVEN,
        external_id: Union[str, None, NotGiven] = NOT_GIVEN,
    ) -> Session:
        """Changes a session: ``tags`` replaces the tags, ``metadata`` the metadata (``None``
        clears it), ``external_id`` sets it (``None`` clears it). Needs a secret key."""
        sid = cstr(session, "session")
        body: Dict[str, Any] = {}
        if not isinstance(tags, NotGiven):
            body["tags"] = enc.list_of_str(tags, "tags")
        if not isinstance(metadata, NotGiven):
            body["metadata"] = None if metadata is None else enc.is_dict(metadata, "metadata")
        if not isinstance(external_id, NotGiven):
            body["externalId"] = None if external_id is None else enc.is_str(external_id, "external_id")
        return Session._from_json(self._c.json(LIB.trigger_sessions_update, sid, dumps(body, "body")))

    def close(self, session: str, *, reason: Optional[str] = None) -> Session:
        """Closes a session (terminal, idempotent); later appends raise
        ``SessionClosedError``. Needs a secret key."""
        sid = cstr(session, "session")
        return Session._from_json(self._c.json(LIB.trigger_sessions_close, sid, opt_cstr(reason, "reason")))

    def open(self, session: str) -> SessionHandle:
        """The channels of a session (no request): ``open(id).input.append(...)``,
        ``open(id).output.subscribe()``, ``open(id).channel("tool-calls").input``."""
        return SessionHandle(self._c, cstr(session, "session"))
