"""Triggering tasks (``client.tasks``): ``trigger``, ``trigger_and_subscribe``,
``batch_trigger``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, Optional, TypedDict, Union

from .. import _encode as enc
from .._encode import NOT_GIVEN, Option, cstr, dumps, option_table, options_json
from .._ffi import LIB
from .._models import BatchHandle, RunHandle
from ._area import Duration, StrOrList, TimeOrDuration, _Area
from .realtime import RunSubscription

if TYPE_CHECKING:  # typing.Unpack is Python 3.11+; only type checkers read it here
    from typing_extensions import Unpack


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


class TriggerOptions(TypedDict, total=False):
    """The keywords of ``tasks.trigger`` after the payload, as ``BatchItem`` takes them."""

    idempotency_key: StrOrList
    idempotency_key_ttl: Duration
    delay: TimeOrDuration
    ttl: Union[str, int, timedelta]
    tags: StrOrList
    metadata: Mapping[str, Any]
    queue: str
    concurrency: StrOrList
    concurrency_key: str
    max_attempts: int
    max_duration: Union[int, timedelta]
    machine: str
    priority: Union[int, timedelta]
    version: str
    region: str
    external_deployment_id: str
    debounce: Mapping[str, Any]
    test: bool


class BatchItem:
    """One item of ``tasks.batch_trigger``: a task, an optional payload and the trigger
    options of ``tasks.trigger`` as keywords. A plain dict ``{"task": ..., "payload": ...,
    "options": {...}}`` works too."""

    __slots__ = ("task", "payload", "options")

    def __init__(self, task: str, payload: Any = NOT_GIVEN, **options: Unpack[TriggerOptions]) -> None:
        self.task = task
        self.payload = payload
        self.options: Mapping[str, Any] = options

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
        made = BatchItem(item["task"], item.get("payload", NOT_GIVEN))
        made.options = dict(options)
        return made.to_dict(where)
    raise TypeError(f"{where} must be a BatchItem or a dict, not {type(item).__name__}")


class Tasks(_Area):
    """Triggering tasks (``client.tasks``)."""

    __slots__ = ()

    def trigger(
        self,
        task_id: str,
        payload: Any = NOT_GIVEN,
        **options: Unpack[TriggerOptions],
    ) -> RunHandle:
        """Triggers one run of ``task_id`` (``POST /api/v1/tasks/{task_id}/trigger``); the
        keyword options are those of ``TriggerOptions``.

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
        opts = options_json(TRIGGER_OPTIONS, options)
        return RunHandle._from_json(self._c.json(LIB.trigger_tasks_trigger, tid, body, opts))

    def trigger_and_subscribe(
        self,
        task_id: str,
        payload: Any = NOT_GIVEN,
        **options: Unpack[TriggerOptions],
    ) -> "RunSubscription":
        """``trigger`` (same arguments), then ``runs.subscribe`` to the new run without its
        payload: its snapshots until it finishes. The trigger is sent now."""
        tid = cstr(task_id, "task_id")
        body = None if payload is NOT_GIVEN else dumps(payload, "payload")
        opts = options_json(TRIGGER_OPTIONS, options)
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
        opts = options_json(
            BATCH_OPTIONS,
            {"idempotency_key": idempotency_key, "idempotency_key_ttl": idempotency_key_ttl},
        )
        raw = self._c.json(LIB.trigger_tasks_batch_trigger, dumps(encoded, "items"), opts)
        return BatchHandle._from_json(raw)
