"""Ownership of library handles (after wasmtime-py's ``_managed.py``).

A ``Handle`` owns one pointer and the ``_free`` function for it. It is freed exactly once: by
``close()``, or by a ``weakref.finalize`` finalizer when the handle is collected (or at
interpreter exit). Calls ``borrow()`` the pointer and ``release()`` it when the call returns; a
``close()`` that races with calls in other threads only marks the handle closed, and the last
call to return frees it, so a pointer is never freed while the library is using it.

Every call borrows, so borrowing takes no lock: a call in progress is one entry in a list
(``list.append`` and ``list.pop`` are atomic), entered before it looks at ``closed``, while
``close()`` sets ``closed`` before it looks at the list. A call and a ``close()`` therefore
always see each other, and the pointer is freed under the lock, once.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Callable, List, Optional

__all__ = ["Handle", "ClosedError"]


class ClosedError(ValueError):
    """The object was closed (``close()`` or ``with`` exit) and cannot be used any more."""


def _free_if_unused(state: "_State") -> None:
    with state.lock:
        if state.calls or state.ptr is None:
            return
        ptr, state.ptr = state.ptr, None
    state.free(ptr)


def _free_once(state: "_State") -> None:
    state.closed = True
    _free_if_unused(state)


class _State:
    __slots__ = ("ptr", "free", "lock", "calls", "closed")

    def __init__(self, ptr: int, free: Callable[[int], Any]) -> None:
        self.ptr: Optional[int] = ptr
        self.free = free
        self.lock = threading.Lock()
        self.calls: List[None] = []  # one entry per call in progress
        self.closed = False


class Handle:
    """One owned library pointer (see the module doc)."""

    __slots__ = ("_state", "_finalizer", "_what", "__weakref__")

    def __init__(self, ptr: int, free: Callable[[int], Any], what: str) -> None:
        self._state = _State(ptr, free)
        self._what = what
        # On the handle itself, which everything that calls with the pointer references (a
        # client's areas, an iterator): it runs once nothing can use the pointer any more. The
        # finalizer holds the state, not the handle, so it never keeps the handle alive.
        self._finalizer = weakref.finalize(self, _free_once, self._state)

    def borrow(self) -> int:
        """The pointer, for one call; pair with ``release()``."""
        state = self._state
        state.calls.append(None)
        ptr = state.ptr
        if state.closed or ptr is None:
            self.release()
            raise ClosedError(f"this {self._what} is closed")
        return ptr

    def release(self) -> None:
        state = self._state
        state.calls.pop()
        if state.closed:
            _free_if_unused(state)

    @property
    def closed(self) -> bool:
        return self._state.closed

    def close(self) -> None:
        """Frees the pointer now (or when the calls using it return). Idempotent."""
        self._finalizer.detach()
        _free_once(self._state)
