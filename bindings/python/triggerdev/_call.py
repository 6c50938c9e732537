"""How resources reach the library: a caller (a client handle, or the ambient client) and the
one generic iterator wrapper.

``Caller.json(fn, *inputs)`` calls an export that writes ``out_json`` with the caller's client
pointer first; ``Caller.handle(fn, *inputs)`` one that writes a handle. ``NativeIterator`` is
one pass over a library iterator handle (one iteration of a list, a subscription).
"""

from __future__ import annotations

import contextvars
import json
import threading
from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from . import _ffi
from ._ffi import LIB, call_handle, call_json
from ._managed import Handle

__all__ = [
    "Caller",
    "AmbientCaller",
    "ClientCaller",
    "AMBIENT",
    "NativeIterator",
    "Scope",
    "SCOPE",
    "loads",
    "parse",
    "ensure_ambient",
]

T = TypeVar("T")

_raw_decode = json.JSONDecoder().raw_decode


def parse(text: bytes) -> Any:
    """JSON text the library wrote: one value that it has checked, with no whitespace around
    it. ``raw_decode`` skips what ``json.loads`` does for any input (guessing the encoding,
    scanning for whitespace on both sides): a fifth of the time it takes to parse a run."""
    s = text.decode("utf-8")
    try:
        value, end = _raw_decode(s)
    except ValueError:
        end = -1
    if end != len(s):  # not text the library writes; json.loads says what is wrong with it
        return json.loads(s)
    return value


def loads(raw: Optional[bytes]) -> Any:
    """The JSON a call wrote (``None`` when it wrote NULL)."""
    return None if raw is None else parse(raw)


# --- the ambient configuration -----------------------------------------------------------

_ambient_lock = threading.Lock()
_ambient_configured = False


def configure_json(config_json: bytes) -> None:
    """``trigger_configure`` (process-wide), remembering that it was called."""
    global _ambient_configured
    with _ambient_lock:
        _ffi.call_void(LIB.trigger_configure, config_json)
        _ambient_configured = True


def ensure_ambient() -> None:
    """Before the first ambient call: if ``triggerdev.configure`` was never called, configure
    from the environment (read now, as the library would at its first ambient call) with this
    binding's user agent suffix."""
    global _ambient_configured
    if _ambient_configured:
        return
    with _ambient_lock:
        if _ambient_configured:
            return
        from ._config import USER_AGENT

        _ffi.call_void(LIB.trigger_configure, json.dumps({"userAgentSuffix": USER_AGENT}).encode())
        _ambient_configured = True


class Scope:
    """One ``with_auth`` override in force: its client handle (``trigger_auth_override``, the
    override merged over the enclosing one), the enclosing scope, and the ``AuthScope`` that
    entered it."""

    __slots__ = ("handle", "parent", "owner")

    def __init__(self, handle: Handle, parent: "Optional[Scope]", owner: object) -> None:
        self.handle = handle
        self.parent = parent
        self.owner = owner


# The innermost override of the current execution context: an asyncio task, a thread, or a
# ``contextvars.Context`` that ``asyncio.to_thread`` / ``copy_context().run`` carries along.
SCOPE: "contextvars.ContextVar[Optional[Scope]]" = contextvars.ContextVar("triggerdev_auth_scope", default=None)


class Caller:
    """Runs calls for one client (the first argument of every client-taking export)."""

    __slots__ = ()

    def json(self, fn: Callable[..., int], *args: Any) -> Optional[bytes]:
        raise NotImplementedError

    def handle(self, fn: Callable[..., int], *args: Any) -> int:
        raise NotImplementedError

    @property
    def is_ambient(self) -> bool:
        return False

    def pinned(self) -> "Caller":
        """This caller as it is now: for the ambient client, the configuration in force in
        this context (a list made inside ``with_auth`` iterates with it after the block)."""
        return self


class ConfiguredCaller(Caller):
    """``configure()``'s client (a NULL client), whatever ``with_auth`` is in force."""

    __slots__ = ()

    def json(self, fn: Callable[..., int], *args: Any) -> Optional[bytes]:
        return call_json(fn, None, *args)

    def handle(self, fn: Callable[..., int], *args: Any) -> int:
        return call_handle(fn, None, *args)

    @property
    def is_ambient(self) -> bool:
        return True


class AmbientCaller(Caller):
    """The ambient client: ``configure()`` (a NULL client), or the innermost ``with_auth``
    override of the current context (its client handle)."""

    __slots__ = ()

    def json(self, fn: Callable[..., int], *args: Any) -> Optional[bytes]:
        if not _ambient_configured:
            ensure_ambient()
        scope = SCOPE.get()
        if scope is None:
            return call_json(fn, None, *args)
        handle = scope.handle
        ptr = handle.borrow()
        try:
            return call_json(fn, ptr, *args)
        finally:
            handle.release()

    def handle(self, fn: Callable[..., int], *args: Any) -> int:
        if not _ambient_configured:
            ensure_ambient()
        scope = SCOPE.get()
        if scope is None:
            return call_handle(fn, None, *args)
        handle = scope.handle
        ptr = handle.borrow()
        try:
            return call_handle(fn, ptr, *args)
        finally:
            handle.release()

    @property
    def is_ambient(self) -> bool:
        return True

    def pinned(self) -> Caller:
        if not _ambient_configured:
            ensure_ambient()
        scope = SCOPE.get()
        return ConfiguredCaller() if scope is None else ClientCaller(scope.handle)


class ClientCaller(Caller):
    """A client handle, borrowed for the duration of each call."""

    __slots__ = ("_handle",)

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    def json(self, fn: Callable[..., int], *args: Any) -> Optional[bytes]:
        handle = self._handle
        ptr = handle.borrow()
        try:
            return call_json(fn, ptr, *args)
        finally:
            handle.release()

    def handle(self, fn: Callable[..., int], *args: Any) -> int:
        handle = self._handle
        ptr = handle.borrow()
        try:
            return call_handle(fn, ptr, *args)
        finally:
            handle.release()


AMBIENT = AmbientCaller()


class NativeIterator(Iterator[T], Generic[T]):
    """A lazy iterator over a library iterator handle: each ``next()`` calls ``next_fn`` (which
    fetches a page when the current one runs out) and converts the item's JSON. The handle is
    freed when the iterator is exhausted, fails, is closed (``close()``, ``with``) or is
    collected. Safe to share between threads (calls are serialized). ``stop_fn`` is the
    export that interrupts a blocked ``next()`` from another thread, for subscriptions."""

    def __init__(
        self,
        caller: Caller,
        new_fn: Callable[..., int],
        next_fn: Callable[..., int],
        free_fn: Callable[[int], Any],
        args: tuple,  # type: ignore[type-arg]
        convert: Callable[[Any], T],
        what: str,
        stop_fn: Optional[Callable[..., Any]] = None,
    ) -> None:
        ptr = caller.handle(new_fn, *args)
        self._handle = Handle(ptr, free_fn, what)
        self._stop_fn = stop_fn
        self._next_fn = next_fn
        self._convert = convert
        self._lock = threading.Lock()
        self._done = False
        self.items_seen = 0

    def __iter__(self) -> "NativeIterator[T]":
        return self

    def __next__(self) -> T:
        with self._lock:
            if self._done:
                raise StopIteration
            handle = self._handle
            ptr = handle.borrow()
            try:
                raw = call_json(self._next_fn, ptr)
                self._after_next(ptr)
            except BaseException:
                self._done = True
                raise
            finally:
                handle.release()
                if self._done:
                    handle.close()
            if raw is None:
                self._done = True
                handle.close()
                raise StopIteration
            self.items_seen += 1
        return self._convert(parse(raw))

    def _after_next(self, ptr: int) -> None:
        """Called after each ``next_fn`` that succeeded (a record, or the end), under the lock
        and before the handle is freed at the end: for what a subclass reads from the handle
        then."""

    def stop(self) -> None:
        """For iterators whose export has a stop function (a subscription): asks a ``next()``
        blocked in another thread to return. Does not wait for it (the handle stays alive until
        that call returns)."""
        if self._stop_fn is None:
            raise TypeError(f"{type(self).__name__} has no stop function; use close()")
        handle = self._handle
        try:
            ptr = handle.borrow()
        except ValueError:
            return  # already closed
        try:
            self._stop_fn(ptr)
        finally:
            handle.release()

    def close(self) -> None:
        """Stops the iteration and frees the library iterator now. A ``next()`` running in
        another thread is waited for; with a stop function (a subscription) it is first
        interrupted, so ``close()`` from any thread returns promptly. Idempotent."""
        if self._stop_fn is not None:
            self.stop()
        with self._lock:
            self._done = True
            self._handle.close()

    def __enter__(self) -> "NativeIterator[T]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
