"""Typed results: attribute-access records over the API's JSON.

A record keeps the JSON object it was made from (``to_dict()`` returns it, unknown fields
included) and converts a field only when it is first read (then caches it), so making one costs
next to nothing. Field names are the snake_case of the API's camelCase names; times are aware
``datetime`` objects in UTC.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Callable, ClassVar, Dict, Generic, Iterator, List, Optional, Tuple, Type, TypeVar, cast

from ._call import parse
from ._exceptions import DecodeError
from ._ffi import LIB, call_json

__all__ = [
    "Record",
    "RunStatus",
    "BatchStatus",
    "RunHandle",
    "BatchHandle",
    "RunError",
    "RunEnvironment",
    "RunAttempt",
    "Run",
    "RunListItem",
    "CursorPagination",
    "RunsPage",
    "RunOutcome",
    "RunResult",
    "RunMetadata",
    "RunEvent",
    "RunEvents",
    "RunTrace",
    "IdResponse",
    "SuccessResponse",
    "MessageResponse",
    "BatchError",
    "BatchProcessing",
    "Batch",
    "EnvVar",
    "ScheduleGenerator",
    "ScheduleEnvironment",
    "Schedule",
    "OffsetPagination",
    "SchedulesPage",
    "QueueConcurrency",
    "Queue",
    "QueuesPage",
    "ConcurrencyBound",
    "ConcurrencyLimit",
    "ConcurrencyLimitsPage",
    "ConcurrencyKeyBound",
    "ConcurrencyKeyLimit",
    "TaskRunError",
    "BatchUsage",
    "BatchItemResult",
    "BatchResults",
    "RunSpan",
    "Deployment",
    "PromotedDeployment",
    "DeploymentsPage",
    "CreatedWaitpointToken",
    "WaitpointToken",
    "WaitpointTokensPage",
    "BulkActionCounts",
    "BulkAction",
    "BulkActionsPage",
    "Session",
    "StartedSession",
    "SessionsPage",
    "Appended",
    "ChannelRecord",
    "SessionRecord",
    "TaskRunError",
    "AlertTask",
    "AlertRun",
    "AlertEnvironment",
    "AlertOrganization",
    "AlertProject",
    "RunFailedAlert",
    "AlertDeployment",
    "DeployedTask",
    "AlertGit",
    "AlertVercel",
    "DeployError",
    "DeploymentSuccessAlert",
    "DeploymentFailedAlert",
    "ErrorGroup",
    "ErrorAlertEnvironment",
    "ErrorAlert",
    "WebhookEvent",
    "parse_datetime",
]

R = TypeVar("R", bound="Record")

_MISSING: Any = object()
_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(value: Any) -> Any:
    """ISO-8601 text (``2025-01-01T09:00:00.123Z``) as an aware UTC ``datetime``; other values
    (epoch milliseconds as a number) are converted too; text that is not a date is returned as
    is, so an odd server value never breaks reading a record."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        # Python < 3.11 accepts only 3 or 6 fraction digits.
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc)
    return value


class RunStatus(str, Enum):
    """Run statuses (API version 2025-07-16). ``Run.status`` is one of these, or the plain text
    of a status this SDK does not know yet; either compares equal to its text."""

    PENDING_VERSION = "PENDING_VERSION"
    DELAYED = "DELAYED"
    QUEUED = "QUEUED"
    DEQUEUED = "DEQUEUED"
    EXECUTING = "EXECUTING"
    WAITING = "WAITING"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    CRASHED = "CRASHED"
    SYSTEM_FAILURE = "SYSTEM_FAILURE"
    EXPIRED = "EXPIRED"
    TIMED_OUT = "TIMED_OUT"

    def __str__(self) -> str:
        return self.value


class BatchStatus(str, Enum):
    """Batch statuses; ``Batch.status`` is one of these or the plain text of a new one."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    PARTIAL_FAILED = "PARTIAL_FAILED"
    ABORTED = "ABORTED"

    def __str__(self) -> str:
        return self.value


def _enum(cls: Type[Enum]) -> Callable[[Any], Any]:
    members: Dict[Any, Any] = {m.value: m for m in cls}

    def convert(value: Any) -> Any:
        return members.get(value, value)

    return convert


def _list_of(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert_list(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [convert(item) for item in value]

    return convert_list


def _record(cls: Callable[[Dict[str, Any]], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return cls(value) if isinstance(value, dict) else value

    return convert


class _Field:
    """A lazily converted field: reads ``key`` of the record's JSON on first access."""

    __slots__ = ("key", "convert", "default", "name")

    def __init__(self, key: str, convert: Optional[Callable[[Any], Any]], default: Any) -> None:
        self.key = key
        self.convert = convert
        self.default = default
        self.name = key

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Optional[type] = None) -> Any:
        if obj is None:
            return self
        raw = obj._parsed().get(self.key)
        if raw is None:
            value = self.default() if callable(self.default) else self.default
        elif self.convert is None:
            value = raw
        else:
            value = self.convert(raw)
        # Cache: instance attributes win over this (non-data) descriptor from now on.
        obj.__dict__[self.name] = value
        return value


def field(
    key: str, convert: Optional[Callable[[Any], Any]] = None, *, default: Any = None
) -> Any:
    """Declares a record field read from JSON member ``key`` (``default`` when it is missing or
    null; a callable default is called)."""
    return _Field(key, convert, default)


def _dt(key: str) -> Any:
    return field(key, parse_datetime)


class Record:
    """A typed view of one JSON object from the API.

    Fields are attributes; ``record["camelCaseName"]`` and ``record.get(...)`` read the raw JSON;
    ``to_dict()`` returns the JSON object as parsed (unknown fields included; do not mutate it).
    Records compare equal when their JSON is equal.
    """

    _fields: ClassVar[Tuple[str, ...]] = ()
    #: Fields whose value ``repr()`` never prints (tokens, URLs that carry a secret).
    _redacted: ClassVar[Tuple[str, ...]] = ()
    # Class defaults: a record made by `_from_json` holds only the text until its first read.
    _data: Optional[Dict[str, Any]] = None
    _json: Optional[bytes] = None

    def __init__(self, data: Dict[str, Any]) -> None:
        self._data = data

    @classmethod
    def _from_json(cls: Type[R], text: Optional[bytes]) -> R:
        """A record over the JSON object text a call wrote, parsed at its first read: the
        library has already decoded and checked it, and a result nobody reads is never parsed
        (as in the Ruby binding)."""
        if text is None:  # pragma: no cover - the ABI writes JSON whenever such a call succeeds
            raise DecodeError(f"the library returned no JSON for a {cls.__name__}")
        record = cls.__new__(cls)
        record._json = text
        return record

    def _parsed(self) -> Dict[str, Any]:
        """The JSON object (parsed now if it was not yet)."""
        data = self._data
        if data is None:
            text = self._json
            if text is None:  # another thread parsed it meanwhile (it sets `_data` first)
                return cast(Dict[str, Any], self._data)
            data = self._data = parse(text)
            self._json = None
        return data

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: List[str] = []
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, _Field) and name not in names:
                    names.append(name)
        cls._fields = tuple(names)

    @classmethod
    def from_dict(cls: Type[R], data: Dict[str, Any]) -> R:
        """A record over ``data`` (JSON as parsed)."""
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__}.from_dict needs a dict, not {type(data).__name__}")
        return cls(data)

    def to_dict(self) -> Dict[str, Any]:
        """The API's JSON object, as parsed (unknown fields included)."""
        return self._parsed()

    def __getitem__(self, key: str) -> Any:
        return self._parsed()[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The raw JSON member ``key`` (camelCase), or ``default``."""
        return self._parsed().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._parsed()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return type(self) is type(other) and self._parsed() == other._parsed()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        data = self._parsed()
        parts = []
        for name in self._fields:
            descriptor = getattr(type(self), name)
            if isinstance(descriptor, _Field) and data.get(descriptor.key) is None:
                continue
            if name in self._redacted:
                parts.append(f"{name}='<redacted>'")
            else:
                parts.append(f"{name}={getattr(self, name)!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __rich_repr__(self) -> Iterator[Tuple[str, Any]]:  # pragma: no cover - for rich users
        for name in self._fields:
            yield name, getattr(self, name)


def _native_output(fn: Callable[..., int], record: Record) -> Any:
    """What ``fn`` (``const char *object_json, char **out_json, err``) writes for ``record``'s
    JSON, parsed (``null`` is None)."""
    raw = call_json(fn, json.dumps(record._parsed()).encode())
    return None if raw is None else parse(raw)


# --- tasks ---------------------------------------------------------------------------------


class RunHandle(Record):
    """What ``tasks.trigger`` returns: the run's id, whether an idempotency key matched an
    existing run, and a public access token scoped to the run (or None)."""

    id: str = field("id")
    is_cached: bool = field("isCached", default=False)
    public_access_token: Optional[str] = field("publicAccessToken")

    _redacted = ("public_access_token",)

    def __str__(self) -> str:
        return self.id


class BatchHandle(Record):
    """What ``tasks.batch_trigger`` returns."""

    batch_id: str = field("batchId")
    run_count: int = field("runCount", default=0)
    is_cached: bool = field("isCached", default=False)
    public_access_token: Optional[str] = field("publicAccessToken")

    _redacted = ("public_access_token",)

    @property
    def id(self) -> str:
        """The batch id (same as ``batch_id``)."""
        return self.batch_id


# --- runs ----------------------------------------------------------------------------------


class RunError(Record):
    """The error of a failed run."""

    message: str = field("message", default="")
    name: Optional[str] = field("name")
    stack_trace: Optional[str] = field("stackTrace")


class RunEnvironment(Record):
    """The environment of a listed run."""

    id: str = field("id")
    name: str = field("name")
    user: Optional[str] = field("user")


class RunAttempt(Record):
    """One attempt of a run (as the API reports it)."""

    id: Optional[str] = field("id")
    status: Optional[str] = field("status")
    created_at: Optional[datetime] = _dt("createdAt")
    updated_at: Optional[datetime] = _dt("updatedAt")
    started_at: Optional[datetime] = _dt("startedAt")
    completed_at: Optional[datetime] = _dt("completedAt")
    error: Optional[RunError] = field("error", _record(RunError))


class _RunFields(Record):
    id: str = field("id")
    status: RunStatus = field("status", _enum(RunStatus))
    task_identifier: str = field("taskIdentifier")
    idempotency_key: Optional[str] = field("idempotencyKey")
    version: Optional[str] = field("version")
    is_queued: bool = field("isQueued", default=False)
    is_executing: bool = field("isExecuting", default=False)
    is_waiting: bool = field("isWaiting", default=False)
    is_completed: bool = field("isCompleted", default=False)
    is_success: bool = field("isSuccess", default=False)
    is_failed: bool = field("isFailed", default=False)
    is_cancelled: bool = field("isCancelled", default=False)
    is_test: bool = field("isTest", default=False)
    created_at: datetime = _dt("createdAt")
    updated_at: Optional[datetime] = _dt("updatedAt")
    started_at: Optional[datetime] = _dt("startedAt")
    finished_at: Optional[datetime] = _dt("finishedAt")
    delayed_until: Optional[datetime] = _dt("delayedUntil")
    ttl: Optional[str] = field("ttl")
    expired_at: Optional[datetime] = _dt("expiredAt")
    tags: List[str] = field("tags", default=list)
    cost_in_cents: float = field("costInCents", default=0.0)
    base_cost_in_cents: float = field("baseCostInCents", default=0.0)
    duration_ms: float = field("durationMs", default=0.0)
    metadata: Optional[Dict[str, Any]] = field("metadata")
    region: Optional[str] = field("region")

    def __str__(self) -> str:
        return self.id


class Run(_RunFields):
    """A run as ``runs.retrieve`` returns it (payload and output decoded, large ones downloaded
    from their presigned URLs)."""

    depth: int = field("depth", default=0)
    trigger_function: Optional[str] = field("triggerFunction")
    batch_id: Optional[str] = field("batchId")
    payload: Any = field("payload")
    payload_presigned_url: Optional[str] = field("payloadPresignedUrl")
    output: Any = field("output")
    output_presigned_url: Optional[str] = field("outputPresignedUrl")
    error: Optional[RunError] = field("error", _record(RunError))
    schedule: Optional[Dict[str, Any]] = field("schedule")
    related_runs: Optional[Dict[str, Any]] = field("relatedRuns")
    attempt_count: int = field("attemptCount", default=0)
    attempts: List[RunAttempt] = field("attempts", _list_of(_record(RunAttempt)), default=list)


class RunListItem(_RunFields):
    """A run as ``runs.list`` returns it."""

    env: Optional[RunEnvironment] = field("env", _record(RunEnvironment))
    depth: int = field("depth", default=0)
    task_kind: Optional[str] = field("taskKind")


class CursorPagination(Record):
    """Cursors of a runs page: pass ``next`` as ``after`` for the next page."""

    next: Optional[str] = field("next")
    previous: Optional[str] = field("previous")


# --- pages --------------------------------------------------------------------------------

T = TypeVar("T")
PG = TypeVar("PG", bound="_Page[Any]")


class _Page(Record, Generic[T]):
    """One page of a list: its items (``data``; iterate the page, or ``len()`` it),
    ``has_next_page`` and ``next_page()``."""

    data: List[T]
    # Fetches the page after the one it is given (set on pages a list fetched).
    _fetch: Optional[Callable[[Any], Any]] = None

    @property
    def has_next_page(self) -> bool:
        raise NotImplementedError

    def next_page(self: PG) -> PG:
        """The next page (same filters). Raises ``RuntimeError`` when there is none: check
        ``has_next_page`` first."""
        if not self.has_next_page:
            raise RuntimeError("No next page expected; check `.has_next_page` before calling `.next_page()`.")
        if self._fetch is None:
            raise RuntimeError(f"this {type(self).__name__} was not fetched by a list; it cannot fetch the next page")
        page: PG = self._fetch(self)
        return page

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


class _CursorPage(_Page[T]):
    """A page with cursors (``pagination.next`` / ``.previous``)."""

    pagination: CursorPagination = field("pagination", _record(CursorPagination), default=lambda: CursorPagination({}))

    @property
    def has_next_page(self) -> bool:
        return bool(self.pagination.next)


class OffsetPagination(Record):
    """Page numbers of a numbered page (schedules, queues)."""

    current_page: int = field("currentPage", default=1)
    total_pages: int = field("totalPages", default=0)
    count: int = field("count", default=0)


class _OffsetPage(_Page[T]):
    """A page of numbered pages."""

    pagination: OffsetPagination = field("pagination", _record(OffsetPagination), default=lambda: OffsetPagination({}))

    @property
    def has_next_page(self) -> bool:
        return self.pagination.current_page < self.pagination.total_pages


class RunsPage(_CursorPage[RunListItem]):
    """One page of ``runs.list``."""

    data: List[RunListItem] = field("data", _list_of(_record(RunListItem)), default=list)


class RunOutcome(Record):
    """How a run ended, or that it has not yet (``runs.outcome``, read from the run itself).
    ``outcome`` is ``"succeeded"`` (``output`` holds the output), ``"failed"`` (``status`` is
    the final status, ``error`` the error: a canceled run's is ``Canceled by user``) or
    ``"notFinished"`` (``status`` is the current status)."""

    outcome: str = field("outcome")
    status: Optional[RunStatus] = field("status", _enum(RunStatus))
    output: Any = field("output")
    error: Optional[RunError] = field("error", _record(RunError))

    @property
    def finished(self) -> bool:
        """Whether the run has finished (in any final status)."""
        return self.outcome != "notFinished"

    @property
    def ok(self) -> bool:
        """Whether the run completed successfully."""
        return self.outcome == "succeeded"


class RunResult(Record):
    """The result of a finished run (``runs.result``, deprecated: current servers answer its
    route 404 for every run but canceled ones; use ``runs.outcome``). ``output`` is the output
    as a value, as ``runs.retrieve(id).output`` is; ``raw_output`` the text the server sent,
    encoded as ``output_type`` says."""

    ok: bool = field("ok", default=False)
    id: str = field("id")
    raw_output: Any = field("output")
    output_type: Optional[str] = field("outputType")
    error: Any = field("error")
    task_identifier: Optional[str] = field("taskIdentifier")

    @property
    def output(self) -> Any:
        """The output, decoded from ``raw_output`` as ``output_type`` says (superjson's
        ``json`` member, JSON, or the text of ``text/...``); None when there is none or it
        cannot be decoded. The library decodes it (``trigger_runs_result_output``, Rust's
        ``RunResult::output_value``); no request is made."""
        return _native_output(LIB.trigger_runs_result_output, self)

    def output_value(self) -> Any:
        """``output`` (Rust's name)."""
        return self.output


class RunMetadata(Record):
    """A run's metadata (``runs.metadata``, ``runs.update_metadata``)."""

    metadata: Optional[Dict[str, Any]] = field("metadata")
    metadata_type: Optional[str] = field("metadataType")


class RunEvent(Record):
    """One span event of a run's trace."""

    span_id: str = field("spanId")
    parent_id: Optional[str] = field("parentId")
    run_id: Optional[str] = field("runId")
    message: str = field("message", default="")
    start_time: Any = field("startTime")
    duration: float = field("duration", default=0.0)
    is_error: bool = field("isError", default=False)
    is_partial: bool = field("isPartial", default=False)
    is_cancelled: bool = field("isCancelled", default=False)
    level: Optional[str] = field("level")
    kind: Optional[str] = field("kind")
    attempt_number: Optional[int] = field("attemptNumber")
    task_slug: Optional[str] = field("taskSlug")
    events: List[Dict[str, Any]] = field("events", default=list)
    style: Optional[Dict[str, Any]] = field("style")
    idempotency_key: Optional[str] = field("idempotencyKey")
    environment_type: Optional[str] = field("environmentType")


class RunSpan(Record):
    """One span of a run's trace (``runs.retrieve_span``)."""

    span_id: str = field("spanId")
    parent_id: Optional[str] = field("parentId")
    run_id: str = field("runId")
    message: str = field("message", default="")
    is_error: bool = field("isError", default=False)
    is_partial: bool = field("isPartial", default=False)
    is_cancelled: bool = field("isCancelled", default=False)
    level: Optional[str] = field("level")
    start_time: Optional[datetime] = _dt("startTime")
    duration_ms: float = field("durationMs", default=0.0)
    properties: Optional[Dict[str, Any]] = field("properties")
    events: Any = field("events")
    entity_type: Optional[str] = field("entityType")
    ai: Any = field("ai")
    triggered_runs: Any = field("triggeredRuns")


class RunEvents(Record):
    """``runs.events``: the events of a run's trace."""

    events: List[RunEvent] = field("events", _list_of(_record(RunEvent)), default=list)

    def __iter__(self) -> Iterator[RunEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


class RunTrace(Record):
    """``runs.trace``: a run's trace (``root_span`` as the API's JSON)."""

    trace_id: str = field("traceId")
    root_span: Dict[str, Any] = field("rootSpan", default=dict)


class IdResponse(Record):
    """An API answer that carries only an id (cancel, replay, schedule delete, key reset)."""

    id: str = field("id")

    def __str__(self) -> str:
        return self.id


class SuccessResponse(Record):
    """``{"success": true}``."""

    success: bool = field("success", default=False)


class MessageResponse(Record):
    """``{"message": "..."}``."""

    message: str = field("message", default="")

    def __str__(self) -> str:
        return self.message


# --- batches -------------------------------------------------------------------------------


class BatchError(Record):
    """An item of a batch that failed to become a run."""

    index: int = field("index", default=0)
    task_identifier: str = field("taskIdentifier")
    error: str = field("error", default="")
    error_code: Optional[str] = field("errorCode")


class BatchProcessing(Record):
    """How far the server got with a batch's items."""

    completed_at: Optional[datetime] = _dt("completedAt")
    errors: List[BatchError] = field("errors", _list_of(_record(BatchError)), default=list)


class Batch(Record):
    """A batch (``batches.retrieve``)."""

    id: str = field("id")
    status: BatchStatus = field("status", _enum(BatchStatus))
    idempotency_key: Optional[str] = field("idempotencyKey")
    created_at: datetime = _dt("createdAt")
    updated_at: datetime = _dt("updatedAt")
    run_count: int = field("runCount", default=0)
    runs: List[str] = field("runs", default=list)
    processing: BatchProcessing = field("processing", _record(BatchProcessing), default=lambda: BatchProcessing({}))
    processing_completed_at: Optional[datetime] = _dt("processingCompletedAt")


# --- envvars -------------------------------------------------------------------------------


class EnvVar(Record):
    """An environment variable (secret values come back redacted)."""

    name: str = field("name")
    value: str = field("value", default="")
    is_secret: bool = field("isSecret", default=False)


# --- branches and projects (CI) -----------------------------------------------------------


class BranchId(Record):
    """A branch environment's id (what creating a branch answers)."""

    id: str = field("id")


class ArchivedBranch(Record):
    """What archiving a branch answers: ``branch.id`` is the archived branch environment."""

    branch: BranchId = field("branch", _record(BranchId))


class Branch(Record):
    """A live preview branch."""

    id: str = field("id")
    name: str = field("name")
    created_at: Optional[datetime] = _dt("createdAt")
    updated_at: Optional[datetime] = _dt("updatedAt")
    git: Optional[Dict[str, Any]] = field("git")
    is_paused: bool = field("isPaused", default=False)


class ProjectEnvironment(Record):
    """An environment's secret key and the API URL to use it with (``repr`` hides the key)."""

    _redacted = ("api_key",)

    api_key: str = field("apiKey")
    name: str = field("name", default="")
    api_url: str = field("apiUrl")
    project_id: str = field("projectId", default="")
    default_runtime: Optional[str] = field("defaultRuntime")


class WhoAmIProject(Record):
    """The project in ``WhoAmI``."""

    name: str = field("name")
    url: str = field("url")
    org_title: str = field("orgTitle")


class WhoAmI(Record):
    """The user a personal access token belongs to."""

    user_id: str = field("userId")
    email: str = field("email")
    dashboard_url: str = field("dashboardUrl")
    project: Optional[WhoAmIProject] = field("project", _record(WhoAmIProject))


# --- schedules -----------------------------------------------------------------------------


class ScheduleGenerator(Record):
    """What fires a schedule: ``type`` (``CRON``), the expression and its description."""

    type: str = field("type", default="CRON")
    expression: str = field("expression", default="")
    description: str = field("description", default="")


class ScheduleEnvironment(Record):
    """An environment a schedule runs in."""

    id: str = field("id")
    type: str = field("type", default="")
    user_name: Optional[str] = field("userName")
    slug: Optional[str] = field("slug")
    shortcode: Optional[str] = field("shortcode")


class Schedule(Record):
    """A schedule."""

    id: str = field("id")
    type: str = field("type", default="")
    task: str = field("task")
    active: bool = field("active", default=False)
    deduplication_key: Optional[str] = field("deduplicationKey")
    external_id: Optional[str] = field("externalId")
    generator: ScheduleGenerator = field("generator", _record(ScheduleGenerator), default=lambda: ScheduleGenerator({}))
    timezone: Optional[str] = field("timezone")
    window: Optional[str] = field("window")
    next_run: Optional[datetime] = _dt("nextRun")
    next_run_effective_at: Optional[datetime] = _dt("nextRunEffectiveAt")
    environments: List[ScheduleEnvironment] = field(
        "environments", _list_of(_record(ScheduleEnvironment)), default=list
    )

    def __str__(self) -> str:
        return self.id


class SchedulesPage(_OffsetPage[Schedule]):
    """One page of ``schedules.list``."""

    data: List[Schedule] = field("data", _list_of(_record(Schedule)), default=list)


# --- queues --------------------------------------------------------------------------------


class QueueConcurrency(Record):
    """A queue's concurrency: the limit in force, the one declared in code, and the override."""

    current: Optional[float] = field("current")
    base: Optional[float] = field("base")
    override_limit: Optional[float] = field("override")
    overridden_at: Optional[datetime] = _dt("overriddenAt")
    overridden_by: Optional[str] = field("overriddenBy")


class Queue(Record):
    """A queue (``queues.retrieve``, ``pause``, ``resume``, the concurrency calls, lists)."""

    id: str = field("id")
    name: str = field("name")
    type: str = field("type")
    running: int = field("running", default=0)
    queued: int = field("queued", default=0)
    paused: bool = field("paused", default=False)
    concurrency_limit: Optional[float] = field("concurrencyLimit")
    concurrency: Optional[QueueConcurrency] = field("concurrency", _record(QueueConcurrency))
    release_concurrency_on_waitpoint: Optional[bool] = field("releaseConcurrencyOnWaitpoint")
    concurrency_limit_override_percent: Optional[float] = field("concurrencyLimitOverridePercent")

    def __str__(self) -> str:
        return self.id


class QueuesPage(_OffsetPage[Queue]):
    """One page of ``queues.list``."""

    data: List[Queue] = field("data", _list_of(_record(Queue)), default=list)


# --- concurrency limits --------------------------------------------------------------------


class ConcurrencyBound(Record):
    """One bound of a concurrency limit (``per_key`` or ``total``): in force, declared in code,
    and the override (None: unbounded / not overridden)."""

    current: Optional[int] = field("current")
    base: Optional[int] = field("base")
    override_limit: Optional[int] = field("override")
    overridden_at: Optional[datetime] = _dt("overriddenAt")


class ConcurrencyLimit(Record):
    """A named concurrency limit (``concurrency_limits.retrieve``, ``override``, ``reset``,
    ``pause``, ``resume``, lists)."""

    id: str = field("id")
    name: str = field("name")
    per_key: ConcurrencyBound = field("perKey", _record(ConcurrencyBound))
    total: ConcurrencyBound = field("total", _record(ConcurrencyBound))
    running: int = field("running", default=0)
    queued: int = field("queued", default=0)
    paused: bool = field("paused", default=False)

    def __str__(self) -> str:
        return self.name


class ConcurrencyLimitsPage(_OffsetPage[ConcurrencyLimit]):
    """One page of ``concurrency_limits.list``."""

    data: List[ConcurrencyLimit] = field("data", _list_of(_record(ConcurrencyLimit)), default=list)


class ConcurrencyKeyBound(Record):
    """The per-key bound of one concurrency key: in force, the limit's own, the key's override
    and when it lapses."""

    current: Optional[int] = field("current")
    base: Optional[int] = field("base")
    override_limit: Optional[int] = field("override")
    expires_at: Optional[datetime] = _dt("expiresAt")


class ConcurrencyKeyLimit(Record):
    """A concurrency limit as it applies to one concurrency key (the ``concurrency_key=``
    forms of ``retrieve``, ``override`` and ``reset``). ``concurrency_key`` is text, numeric
    keys too."""

    name: str = field("name")
    concurrency_key: str = field("concurrencyKey")
    per_key: ConcurrencyKeyBound = field("perKey", _record(ConcurrencyKeyBound))
    running: int = field("running", default=0)
    paused: bool = field("paused", default=False)


# --- batch results -------------------------------------------------------------------------


class TaskRunError(Record):
    """How a run failed, by ``type``: ``BUILT_IN_ERROR`` (``name``, ``message``,
    ``stack_trace``, ``causes``), ``CUSTOM_ERROR`` and ``STRING_ERROR`` (``raw``), or
    ``INTERNAL_ERROR`` (``code``, ``message``, ``stack_trace``)."""

    type: str = field("type")
    name: Optional[str] = field("name")
    message: Optional[str] = field("message")
    stack_trace: Optional[str] = field("stackTrace")
    causes: Any = field("causes")
    raw: Optional[str] = field("raw")
    code: Optional[str] = field("code")


class BatchUsage(Record):
    """What a run used."""

    duration_ms: float = field("durationMs", default=0.0)


class BatchItemResult(Record):
    """The result of one finished run of a batch. ``output`` is the output as a value;
    ``raw_output`` the serialized packet the server sent, encoded as ``output_type`` says."""

    ok: bool = field("ok", default=False)
    id: str = field("id")
    raw_output: Optional[str] = field("output")
    output_type: Optional[str] = field("outputType")
    error: Optional[TaskRunError] = field("error", _record(TaskRunError))
    retry: Any = field("retry")
    skipped_retrying: Optional[bool] = field("skippedRetrying")
    usage: Optional[BatchUsage] = field("usage", _record(BatchUsage))
    task_identifier: Optional[str] = field("taskIdentifier")

    @property
    def output(self) -> Any:
        """The output, decoded from ``raw_output`` by the library as ``output_type`` says
        (Rust's ``BatchItemResult::output_value``); None when there is none or it cannot be
        decoded. No request is made."""
        return _native_output(LIB.trigger_runs_result_output, self)


class BatchResults(Record):
    """``batches.results``: the results of a batch's finished runs."""

    id: str = field("id")
    items: List[BatchItemResult] = field("items", _list_of(_record(BatchItemResult)), default=list)


# --- deployments ---------------------------------------------------------------------------


class Deployment(Record):
    """A deployment (listed, retrieved, current or latest; fields a response leaves out are
    None). ``status`` is ``DEPLOYED``, ``FAILED``, ``BUILDING``, ..."""

    id: str = field("id")
    status: str = field("status")
    version: str = field("version")
    short_code: Optional[str] = field("shortCode")
    created_at: Optional[datetime] = _dt("createdAt")
    deployed_at: Optional[datetime] = _dt("deployedAt")
    runtime: Optional[str] = field("runtime")
    runtime_version: Optional[str] = field("runtimeVersion")
    content_hash: Optional[str] = field("contentHash")
    image_reference: Optional[str] = field("imageReference")
    git: Optional[Dict[str, Any]] = field("git")
    error: Any = field("error")
    error_data: Any = field("errorData")
    worker: Optional[Dict[str, Any]] = field("worker")
    external_id: Optional[str] = field("externalId")
    commit_sha: Optional[str] = field("commitSHA")
    image_platform: Optional[str] = field("imagePlatform")
    external_build_data: Optional[Dict[str, Any]] = field("externalBuildData")
    canceled_reason: Optional[str] = field("canceledReason")

    def __str__(self) -> str:
        return self.id


class PromotedDeployment(Record):
    """What ``deployments.promote`` returns: the deployment now current."""

    id: str = field("id")
    version: str = field("version")
    short_code: Optional[str] = field("shortCode")


class DeploymentsPage(_CursorPage[Deployment]):
    """One page of ``deployments.list`` (newest first)."""

    data: List[Deployment] = field("data", _list_of(_record(Deployment)), default=list)


# --- waitpoint tokens ----------------------------------------------------------------------


class CreatedWaitpointToken(Record):
    """A waitpoint token just created: its id, whether an idempotency key matched an existing
    one, the callback ``url`` that completes it when POSTed to (no credentials needed), and a
    public access token scoped ``write:waitpoints:<id>`` that can complete it."""

    id: str = field("id")
    is_cached: bool = field("isCached", default=False)
    url: str = field("url", default="")
    public_access_token: Optional[str] = field("publicAccessToken")

    _redacted = ("url", "public_access_token")

    def __str__(self) -> str:
        return self.id


class WaitpointToken(Record):
    """A waitpoint token as listed or retrieved. ``status`` is ``WAITING``, ``COMPLETED`` or
    ``TIMED_OUT``. After retrieval, ``output`` is the completion data as a value;
    ``raw_output`` the text the server stores, encoded as ``output_type`` says
    (``application/super+json`` is ``{"json": <data>}`` text)."""

    id: str = field("id")
    url: str = field("url", default="")
    status: str = field("status")
    completed_at: Optional[datetime] = _dt("completedAt")
    timeout_at: Optional[datetime] = _dt("timeoutAt")
    idempotency_key: Optional[str] = field("idempotencyKey")
    idempotency_key_expires_at: Optional[datetime] = _dt("idempotencyKeyExpiresAt")
    tags: List[str] = field("tags", default=list)
    created_at: datetime = _dt("createdAt")
    raw_output: Optional[str] = field("output")
    output_type: Optional[str] = field("outputType")
    output_is_error: bool = field("outputIsError", default=False)
    type: Optional[str] = field("type")
    completed_after: Optional[datetime] = _dt("completedAfter")
    user_provided_idempotency_key: Optional[bool] = field("userProvidedIdempotencyKey")

    _redacted = ("url",)

    @property
    def output(self) -> Any:
        """The completion data (for a timed-out token, the error), decoded from ``raw_output``
        as ``output_type`` says (superjson's ``json`` member, JSON, or the text of
        ``text/...``); None when there is none or it cannot be decoded. The library decodes it
        (``trigger_waitpoints_token_output``, Rust's ``WaitpointToken::output_value``); no
        request is made."""
        return _native_output(LIB.trigger_waitpoints_token_output, self)

    def output_value(self) -> Any:
        """``output`` (Rust's name)."""
        return self.output

    def __str__(self) -> str:
        return self.id


class WaitpointTokensPage(_CursorPage[WaitpointToken]):
    """One page of ``waitpoints.list_tokens``."""

    data: List[WaitpointToken] = field("data", _list_of(_record(WaitpointToken)), default=list)


# --- bulk actions --------------------------------------------------------------------------


class BulkActionCounts(Record):
    """How many runs a bulk action selected, and how many it handled or failed on."""

    total: int = field("total", default=0)
    success: int = field("success", default=0)
    failure: int = field("failure", default=0)


class BulkAction(Record):
    """A bulk action. ``type`` is ``CANCEL`` or ``REPLAY``; ``status`` ``PENDING``,
    ``COMPLETED`` or ``ABORTED``."""

    id: str = field("id")
    name: Optional[str] = field("name")
    type: str = field("type")
    status: str = field("status")
    counts: BulkActionCounts = field("counts", _record(BulkActionCounts), default=lambda: BulkActionCounts({}))
    created_at: datetime = _dt("createdAt")
    completed_at: Optional[datetime] = _dt("completedAt")

    def __str__(self) -> str:
        return self.id


class BulkActionsPage(_CursorPage[BulkAction]):
    """One page of ``bulk_actions.list``."""

    data: List[BulkAction] = field("data", _list_of(_record(BulkAction)), default=list)


# --- sessions ------------------------------------------------------------------------------


class Session(Record):
    """A session (``SessionItem``)."""

    id: str = field("id")
    external_id: Optional[str] = field("externalId")
    type: str = field("type")
    task_identifier: str = field("taskIdentifier")
    trigger_config: Optional[Dict[str, Any]] = field("triggerConfig")
    current_run_id: Optional[str] = field("currentRunId")
    tags: List[str] = field("tags", default=list)
    metadata: Optional[Dict[str, Any]] = field("metadata")
    closed_at: Optional[datetime] = _dt("closedAt")
    closed_reason: Optional[str] = field("closedReason")
    expires_at: Optional[datetime] = _dt("expiresAt")
    created_at: datetime = _dt("createdAt")
    updated_at: Optional[datetime] = _dt("updatedAt")

    def __str__(self) -> str:
        return self.id


class StartedSession(Session):
    """What ``sessions.start`` returns: the session, its run, whether it already existed (same
    ``external_id``), and a public access token scoped to it (``read:sessions`` and
    ``write:sessions``, 1 hour)."""

    run_id: str = field("runId")
    public_access_token: str = field("publicAccessToken")
    is_cached: bool = field("isCached", default=False)

    _redacted = ("public_access_token",)


class SessionsPage(_CursorPage[Session]):
    """One page of ``sessions.list``."""

    data: List[Session] = field("data", _list_of(_record(Session)), default=list)


def _pairs(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [tuple(item) if isinstance(item, list) else item for item in value]


class Appended(Record):
    """What a channel append returns: ``ok`` and the record's sequence number."""

    ok: bool = field("ok", default=False)
    seq: Optional[int] = field("seq")


class ChannelRecord(Record):
    """A record read without waiting (``records()``): the data appended (for ``.in``, the
    text that was posted), its part id, sequence number and headers (``(name, value)``)."""

    data: Any = field("data")
    id: str = field("id")
    seq_num: int = field("seqNum")
    headers: List[Tuple[str, str]] = field("headers", _pairs, default=list)


class SessionRecord(Record):
    """A record from a subscription: its sequence number (resume after it with
    ``last_event_id``), part id, data, time, headers (``(name, value)``) and, for a control
    record, ``control`` (``turn-complete``, ``upgrade-required``)."""

    seq_num: int = field("seqNum")
    id: Optional[str] = field("id")
    data: Any = field("data")
    timestamp: Optional[datetime] = _dt("timestamp")
    headers: List[Tuple[str, str]] = field("headers", _pairs, default=list)
    control: Optional[str] = field("control")

    @property
    def is_turn_complete(self) -> bool:
        """Whether this is the ``turn-complete`` control record that ends a task's turn."""
        return self.control == "turn-complete"

    @property
    def public_access_token(self) -> Optional[str]:
        """The refreshed token a ``turn-complete`` record may carry (its
        ``public-access-token`` header; the subscription uses it from then on)."""
        for name, value in self.headers:
            if name.lower() == "public-access-token":
                return value
        return None


# --- alert webhooks ------------------------------------------------------------------------


class AlertTask(Record):
    """The task of a failed run."""

    id: str = field("id")
    file_path: str = field("filePath")
    export_name: Optional[str] = field("exportName")
    version: str = field("version")
    sdk_version: str = field("sdkVersion")
    cli_version: str = field("cliVersion")


class AlertRun(Record):
    """The run of ``alert.run.failed``."""

    id: str = field("id")
    number: int = field("number")
    status: RunStatus = field("status", _enum(RunStatus))
    created_at: datetime = _dt("createdAt")
    started_at: Optional[datetime] = _dt("startedAt")
    completed_at: Optional[datetime] = _dt("completedAt")
    is_test: bool = field("isTest", default=False)
    idempotency_key: Optional[str] = field("idempotencyKey")
    tags: List[str] = field("tags", default=list)
    error: TaskRunError = field("error", _record(TaskRunError))
    is_out_of_memory_error: bool = field("isOutOfMemoryError", default=False)
    machine: str = field("machine")
    dashboard_url: str = field("dashboardUrl")

    def __str__(self) -> str:
        return self.id


class AlertEnvironment(Record):
    """The environment of a run or deployment alert; ``type`` is ``PRODUCTION``, ``STAGING``,
    ``DEVELOPMENT`` or ``PREVIEW`` (``branch_name`` for a preview branch)."""

    id: str = field("id")
    type: str = field("type")
    slug: str = field("slug")
    branch_name: Optional[str] = field("branchName")


class AlertOrganization(Record):
    """The organization an alert is about."""

    id: str = field("id")
    slug: str = field("slug")
    name: str = field("name")


class AlertProject(Record):
    """The project an alert is about (``ref`` is ``proj_...``)."""

    id: str = field("id")
    ref: str = field("ref")
    slug: str = field("slug")
    name: str = field("name")


class RunFailedAlert(Record):
    """The object of ``alert.run.failed``."""

    task: AlertTask = field("task", _record(AlertTask))
    run: AlertRun = field("run", _record(AlertRun))
    environment: AlertEnvironment = field("environment", _record(AlertEnvironment))
    organization: AlertOrganization = field("organization", _record(AlertOrganization))
    project: AlertProject = field("project", _record(AlertProject))


class AlertDeployment(Record):
    """The deployment of a deployment alert: ``deployed_at`` when it succeeded, ``failed_at``
    when it failed."""

    id: str = field("id")
    status: str = field("status")
    version: str = field("version")
    short_code: str = field("shortCode")
    deployed_at: Optional[datetime] = _dt("deployedAt")
    failed_at: Optional[datetime] = _dt("failedAt")


class DeployedTask(Record):
    """A task of a deployment."""

    id: str = field("id")
    file_path: str = field("filePath")
    export_name: Optional[str] = field("exportName")
    trigger_source: str = field("triggerSource")


class AlertGit(Record):
    """The git commit a deployment was built from."""

    branch: str = field("branch")
    commit_sha: str = field("commitSha")
    commit_message: str = field("commitMessage")
    commit_url: str = field("commitUrl")
    branch_url: str = field("branchUrl")
    pull_request_number: Optional[int] = field("pullRequestNumber")
    pull_request_title: Optional[str] = field("pullRequestTitle")
    pull_request_url: Optional[str] = field("pullRequestUrl")
    provider: Optional[str] = field("provider")


class AlertVercel(Record):
    """The Vercel deployment that started a deployment."""

    deployment_url: str = field("deploymentUrl")


class DeployError(Record):
    """Why a deployment failed."""

    name: str = field("name")
    message: str = field("message")
    stack: Optional[str] = field("stack")
    stderr: Optional[str] = field("stderr")


class DeploymentSuccessAlert(Record):
    """The object of ``alert.deployment.success``."""

    deployment: AlertDeployment = field("deployment", _record(AlertDeployment))
    tasks: List[DeployedTask] = field("tasks", _list_of(_record(DeployedTask)), default=list)
    environment: AlertEnvironment = field("environment", _record(AlertEnvironment))
    organization: AlertOrganization = field("organization", _record(AlertOrganization))
    project: AlertProject = field("project", _record(AlertProject))
    git: Optional[AlertGit] = field("git", _record(AlertGit))
    vercel: Optional[AlertVercel] = field("vercel", _record(AlertVercel))


class DeploymentFailedAlert(DeploymentSuccessAlert):
    """The object of ``alert.deployment.failed``: as a success's, with ``error``."""

    error: DeployError = field("error", _record(DeployError))


class ErrorGroup(Record):
    """The error group of ``alert.error``."""

    fingerprint: str = field("fingerprint")
    type: str = field("type")
    message: str = field("message")
    stack_trace: Optional[str] = field("stackTrace")
    first_seen: datetime = _dt("firstSeen")
    last_seen: datetime = _dt("lastSeen")
    occurrence_count: int = field("occurrenceCount", default=0)
    task_identifier: str = field("taskIdentifier")


class ErrorAlertEnvironment(Record):
    """The environment of ``alert.error``."""

    id: str = field("id")
    name: str = field("name")


class ErrorAlert(Record):
    """The object of ``alert.error``; ``classification`` is ``new_issue``, ``regression`` or
    ``unignored``."""

    classification: str = field("classification")
    error: ErrorGroup = field("error", _record(ErrorGroup))
    environment: ErrorAlertEnvironment = field("environment", _record(ErrorAlertEnvironment))
    organization: AlertOrganization = field("organization", _record(AlertOrganization))
    project: AlertProject = field("project", _record(AlertProject))
    dashboard_url: str = field("dashboardUrl")


# The object record of each event type the library decodes.
_ALERT_OBJECTS: Dict[str, Type[Record]] = {
    "alert.run.failed": RunFailedAlert,
    "alert.deployment.success": DeploymentSuccessAlert,
    "alert.deployment.failed": DeploymentFailedAlert,
    "alert.error": ErrorAlert,
}


def _alert_object(record: "WebhookEvent") -> Any:
    data = record._parsed().get("object")
    cls = _ALERT_OBJECTS.get(record.type)
    return cls(data) if cls is not None and isinstance(data, dict) else data


class WebhookEvent(Record):
    """A verified alert webhook event (``webhooks.construct_event``). ``object`` is the typed
    record of its ``type`` (``RunFailedAlert``, ``DeploymentSuccessAlert``,
    ``DeploymentFailedAlert``, ``ErrorAlert``), or, for a type this SDK does not know (such as
    ``alert.dashboard_agent_watch``), the object as a dict."""

    id: str = field("id")
    created: datetime = _dt("created")
    webhook_version: str = field("webhookVersion")
    type: str = field("type")

    @property
    def object(self) -> Any:
        """The event's object: a typed record for a known ``type``, else the dict."""
        cached = self.__dict__.get("_object", _MISSING)
        if cached is _MISSING:
            cached = self.__dict__["_object"] = _alert_object(self)
        return cached

    @property
    def is_known(self) -> bool:
        """Whether the library decodes this ``type`` (``object`` is then a typed record)."""
        return self.type in _ALERT_OBJECTS

    def __str__(self) -> str:
        return self.id
# --- query and dashboards ------------------------------------------------------------------


class QueryResult(Record):
    """What ``query.execute`` returned: ``format`` (``"json"`` or ``"csv"``) and ``results``
    (a list of row dicts, or the CSV text)."""

    format: str = field("format")
    results: Any = field("results")

    @property
    def rows(self) -> Optional[List[Dict[str, Any]]]:
        """The rows of a JSON result (``None`` for CSV)."""
        return self.results if self.format == "json" else None

    @property
    def csv(self) -> Optional[str]:
        """The text of a CSV result (``None`` for JSON)."""
        return self.results if self.format == "csv" else None


class QueryColumn(Record):
    """One column of a query table."""

    name: str = field("name")
    type: str = field("type")
    description: Optional[str] = field("description")
    example: Any = field("example")
    allowed_values: Optional[List[Any]] = field("allowedValues")
    core_column: Optional[bool] = field("coreColumn")


class QueryTable(Record):
    """One table queries can read."""

    name: str = field("name")
    description: Optional[str] = field("description")
    time_column: Optional[str] = field("timeColumn")
    columns: List[QueryColumn] = field("columns", _list_of(_record(QueryColumn)), default=list)


class QuerySchema(Record):
    """The tables queries can read (``query.schema``)."""

    tables: List[QueryTable] = field("tables", _list_of(_record(QueryTable)), default=list)


class DashboardSummary(Record):
    """A dashboard as listed: ``key`` (what ``retrieve`` takes), ``title``, ``type``
    (``builtIn`` or ``custom``), ``description`` and its widgets in brief (dicts)."""

    key: str = field("key")
    title: str = field("title")
    type: Optional[str] = field("type")
    description: Optional[str] = field("description")
    widgets: List[Dict[str, Any]] = field("widgets", default=list)


class _DashboardList(Record):
    dashboards: List[DashboardSummary] = field("dashboards", _list_of(_record(DashboardSummary)), default=list)


class Dashboard(Record):
    """A dashboard with its widgets (dicts: ``id``, ``title``, ``query``, ``display``,
    ``position``) and the ``revision`` a change must name."""

    id: str = field("id")
    title: str = field("title")
    description: Optional[str] = field("description")
    revision: Any = field("revision")
    created_at: Optional[datetime] = _dt("createdAt")
    updated_at: Optional[datetime] = _dt("updatedAt")
    widgets: List[Dict[str, Any]] = field("widgets", default=list)
