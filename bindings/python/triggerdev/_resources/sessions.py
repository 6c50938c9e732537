"""Sessions (``client.sessions``) and their channels."""

from __future__ import annotations

from ctypes import byref, c_int64
from datetime import datetime
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, Union

from .. import _encode as enc
from .._call import Caller, NativeIterator, loads
from .._encode import NOT_GIVEN, NotGiven, Option, cstr, dumps, opt_cstr, option_table, options_json
from .._ffi import LIB, call_int64
from .._models import Appended, ChannelRecord, Session, SessionRecord, SessionsPage, StartedSession
from .._pager import ListIterable, cursor_pages
from ._area import StrOrList, _Area


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


_LIST_EXPORTS = (LIB.trigger_sessions_list_iter, LIB.trigger_sessions_iter_next, LIB.trigger_sessions_iter_free)
_PAGES = cursor_pages(LIB.trigger_sessions_list, SessionsPage)


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
        *,
        type: str,
        task_identifier: str,
        base_payload: Any,
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
    ) -> ListIterable[Session, SessionsPage]:
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
        params = enc.build_options(_LIST_SESSIONS_PARAMS, values, "")
        return ListIterable(self._c, _LIST_EXPORTS, params, Session, "sessions iterator", _PAGES)

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
