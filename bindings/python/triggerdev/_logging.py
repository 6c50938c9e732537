"""The library's log lines in the standard ``logging`` logger ``triggerdev``: one DEBUG line
per request (method, path, status, time, attempt), one INFO line per retry (the reason and the
wait), never a token, header value or body.

Silent by default (the logger has no handler and the root logger shows WARNING and up).
``TRIGGERDEV_LOG=debug`` (or ``info``) in the environment adds a stderr handler at that level,
as openai-python's ``OPENAI_LOG`` does; otherwise configure ``logging`` as usual. The library
passes on only the levels the logger wants: it reads them when the package is imported, and
when ``configure()`` is called or a ``Client`` is made (``sync_level()`` re-reads them after a
later logging change).
"""

from __future__ import annotations

import _thread
import logging
import os
import sys
from ctypes import CFUNCTYPE, c_char_p, c_int, c_void_p, cast
from typing import Any, Optional

from ._ffi import LIB, call_void

__all__ = ["logger", "sync_level"]

logger = logging.getLogger("triggerdev")

# trigger_log_level -> logging level.
_LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: logging.DEBUG - 5}


def _forward(level: int, message: Optional[bytes], _userdata: Optional[int]) -> None:
    try:
        logger.log(_LEVELS.get(level, logging.DEBUG), (message or b"").decode("utf-8", "replace"))
    except KeyboardInterrupt:
        # Ctrl-C arrived while the line was logged: let the waiting call see it (within 50 ms).
        _thread.interrupt_main()
    except Exception:  # noqa: BLE001 - a broken handler must not break the call
        pass


_CALLBACK = CFUNCTYPE(None, c_int, c_char_p, c_void_p)(_forward)
_previous_unraisablehook = sys.unraisablehook


def _unraisable(info: Any) -> None:
    # A SIGINT handled as the callback's first line runs raises outside its try: that
    # KeyboardInterrupt would be lost (ctypes only prints it), so it is delivered again.
    if info.object is _forward and isinstance(info.exc_value, KeyboardInterrupt):
        _thread.interrupt_main()
        return
    _previous_unraisablehook(info)


def _library_level(level: int) -> int:
    """The most detailed ``trigger_log_level`` a logger at ``level`` shows."""
    if level <= logging.DEBUG:
        return 4
    if level <= logging.INFO:
        return 3
    if level <= logging.WARNING:
        return 2
    if level <= logging.CRITICAL:
        return 1
    return 0


def sync_level() -> None:
    """Tells the library which levels the ``triggerdev`` logger shows now. Called at import, by
    ``configure()`` and by ``Client()``; call it after changing the logging configuration
    later."""
    max_level = _library_level(logger.getEffectiveLevel())
    if max_level and sys.unraisablehook is not _unraisable:
        global _previous_unraisablehook
        _previous_unraisablehook = sys.unraisablehook
        sys.unraisablehook = _unraisable
    callback = cast(_CALLBACK, c_void_p) if max_level else None
    call_void(LIB.trigger_set_log_callback, callback, None, max_level)


def _setup_from_env() -> None:
    level = os.environ.get("TRIGGERDEV_LOG", "").strip().lower()
    if level not in ("debug", "info"):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


_setup_from_env()
sync_level()
