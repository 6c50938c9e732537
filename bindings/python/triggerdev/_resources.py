"""The API areas: tasks, batches, runs, envvars, schedules, idempotency keys.

Each area is a small class over a ``Caller`` (a client, or the ambient client). A method checks
and encodes its arguments (``_encode``), makes one call (``Caller.json``) and wraps the JSON in
a record (``_models``). A new area of the C ABI is its rows in ``_ffi.JSON_EXPORTS`` plus a class
like these.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _encode as enc
from ._call import Caller, NativeIterator, loads
from ._encode import NOT_GIVEN, Option, cstr, dumps, opt_cstr, option_table, options_json
from ._exceptions import InvalidArgumentError
from ._ffi import LIB, call_json
from ._models import (
    Batch,
    BatchHandle,
    EnvVar,
    IdResponse,
    MessageResponse,
    Run,
    RunEvents,
    RunHandle,
    RunListItem,
    RunMetadata,
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
        values = {
            "idempotency_key": idempotency_key,
            "idempotency_key_ttl": idempotency_key_ttl,
            "delay": delay,
            "ttl": ttl,
            "tags": tags,
            "metadata": metadata,
            "queue": queue,
            "concurrency": concurrency,
            "concurrency_key": concurrency_key,
            "max_attempts": max_attempts,
            "max_duration": max_duration,
            "machine": machine,
            "priority": priority,
            "version": version,
            "region": region,
            "external_deployment_id": external_deployment_id,
            "debounce": debounce,
            "test": test,
        }
        opts = options_json(TRIGGER_OPTIONS, values)
        return RunHandle(loads(self._c.json(LIB.trigger_tasks_trigger, tid, body, opts)))

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
        return BatchHandle(loads(raw))


class Batches(_Area):
    """Batches (``client.batches``)."""

    __slots__ = ()

    def retrieve(self, batch_id: str) -> Batch:
        """A batch (``GET /api/v2/batches/{batch_id}``)."""
        return Batch(loads(self._c.json(LIB.trigger_batches_retrieve, cstr(batch_id, "batch_id"))))


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
        return IdResponse(loads(self._c.json(LIB.trigger_idempotency_keys_reset, tid, material)))


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
        return Run(loads(self._c.json(LIB.trigger_runs_retrieve, cstr(run_id, "run_id"))))

    def poll(self, run_id: str, interval: Union[float, timedelta] = 1.0) -> Run:
        """Retrieves the run every ``interval`` seconds until it is completed (at most 500
        times, as the official ``runs.poll``); raises ``PollLimitReachedError`` otherwise. The
        call blocks this thread (not others)."""
        if isinstance(interval, timedelta):
            interval = interval.total_seconds()
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise TypeError(f"interval must be a number of seconds, not {type(interval).__name__}")
        if not 0 <= interval <= 86400:
            raise InvalidArgumentError("interval: must be between 0 and 86400 seconds")
        rid = cstr(run_id, "run_id")
        return Run(loads(self._c.json(LIB.trigger_runs_poll, rid, int(interval * 1000))))

    def cancel(self, run_id: str) -> IdResponse:
        """Cancels a run (``POST /api/v2/runs/{run_id}/cancel``)."""
        return IdResponse(loads(self._c.json(LIB.trigger_runs_cancel, cstr(run_id, "run_id"))))

    def replay(self, run_id: str, **options: Any) -> IdResponse:
        """Replays a run as a new one (``POST /api/v1/runs/{run_id}/replay``); the keywords
        change the new run: ``payload``, ``payload_type``, ``metadata``, ``tags``, ``queue``,
        ``concurrency_key``, ``machine``, ``version``, ``region``, ``delay``, ``ttl``,
        ``idempotency_key``, ``idempotency_key_ttl``, ``max_attempts``, ``max_duration``,
        ``priority``. Returns the new run's id."""
        rid = cstr(run_id, "run_id")
        opts = options_json(REPLAY_OPTIONS, options, "")
        return IdResponse(loads(self._c.json(LIB.trigger_runs_replay, rid, opts)))

    def reschedule(self, run_id: str, delay: TimeOrDuration) -> Run:
        """Moves a delayed run to a new ``delay`` (duration or datetime); raises
        ``UnprocessableEntityError`` unless the run is ``DELAYED``."""
        rid = cstr(run_id, "run_id")
        when = cstr(enc.time_or_duration(delay, "delay"), "delay")
        return Run(loads(self._c.json(LIB.trigger_runs_reschedule, rid, when)))

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
        return RunMetadata(loads(self._c.json(LIB.trigger_runs_update_metadata, rid, dumps(body, "body"))))

    def metadata(self, run_id: str) -> RunMetadata:
        """A run's metadata, decoded (``GET /api/v1/runs/{run_id}/metadata``)."""
        return RunMetadata(loads(self._c.json(LIB.trigger_runs_metadata, cstr(run_id, "run_id"))))

    def add_tags(self, run_id: str, tags: StrOrList) -> MessageResponse:
        """Adds tags to a run (``POST /api/v1/runs/{run_id}/tags``)."""
        rid = cstr(run_id, "run_id")
        return MessageResponse(loads(self._c.json(LIB.trigger_runs_add_tags, rid, dumps(enc.str_or_list(tags, "tags"), "tags"))))

    def result(self, run_id: str) -> Optional[RunResult]:
        """The result of a finished run, or None while it is not finished (or does not
        exist), as the official SDK returns ``undefined``."""
        data = loads(self._c.json(LIB.trigger_runs_result, cstr(run_id, "run_id")))
        return None if data is None else RunResult(data)

    def events(self, run_id: str) -> RunEvents:
        """The events of a run's trace (``GET /api/v1/runs/{run_id}/events``)."""
        return RunEvents(loads(self._c.json(LIB.trigger_runs_events, cstr(run_id, "run_id"))))

    def trace(self, run_id: str) -> RunTrace:
        """A run's trace (``GET /api/v1/runs/{run_id}/trace``)."""
        data = loads(self._c.json(LIB.trigger_runs_trace, cstr(run_id, "run_id")))
        trace = data.get("trace") if isinstance(data, dict) else None
        return RunTrace(trace if isinstance(trace, dict) else {})


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
    body: Dict[str, Any] = {"variables": enc.str_pairs(variables, "variables")}
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
        return EnvVar(loads(raw))

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
        return SuccessResponse(loads(raw))

    def update(self, project_ref: str, env: str, name: str, value: str) -> SuccessResponse:
        """Changes the value of an existing variable."""
        raw = self._c.json(
            LIB.trigger_envvars_update,
            cstr(project_ref, "project_ref"),
            cstr(env, "env"),
            cstr(name, "name"),
            cstr(value, "value"),
        )
        return SuccessResponse(loads(raw))

    def delete(self, project_ref: str, env: str, name: str) -> SuccessResponse:
        """Deletes a variable (also spelled ``del_``, after the official ``del``)."""
        raw = self._c.json(
            LIB.trigger_envvars_del, cstr(project_ref, "project_ref"), cstr(env, "env"), cstr(name, "name")
        )
        return SuccessResponse(loads(raw))

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
        return SuccessResponse(loads(raw))

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
        return self.upload(
            project_ref, env, parse_dotenv(text), parent_variables=parent_variables, is_secret=is_secret, override=override
        )

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
        return Schedule(loads(self._c.json(LIB.trigger_schedules_create, dumps(body, "body"))))

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
        return Schedule(loads(self._c.json(LIB.trigger_schedules_retrieve, cstr(schedule_id, "schedule_id"))))

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
        return Schedule(loads(self._c.json(LIB.trigger_schedules_update, sid, dumps(body, "body"))))

    def activate(self, schedule_id: str) -> Schedule:
        """Turns a schedule on."""
        return Schedule(loads(self._c.json(LIB.trigger_schedules_activate, cstr(schedule_id, "schedule_id"))))

    def deactivate(self, schedule_id: str) -> Schedule:
        """Turns a schedule off."""
        return Schedule(loads(self._c.json(LIB.trigger_schedules_deactivate, cstr(schedule_id, "schedule_id"))))

    def delete(self, schedule_id: str) -> IdResponse:
        """Deletes a schedule (also spelled ``del_``)."""
        return IdResponse(loads(self._c.json(LIB.trigger_schedules_del, cstr(schedule_id, "schedule_id"))))

    del_ = delete

    def timezones(self, *, exclude_utc: bool = False) -> List[str]:
        """The IANA timezones schedules accept (no credentials needed)."""
        data = loads(self._c.json(LIB.trigger_schedules_timezones, enc.is_bool(exclude_utc, "exclude_utc")))
        return list(data.get("timezones", []))
