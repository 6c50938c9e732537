"""Loading libtriggerdev and calling its C ABI (after wasmtime-py's ``_ffi.py``).

Everything that touches ctypes lives here: where the library is looked for, the signature of
every export the binding uses (one table), and the two call shapes every JSON export shares:
``call_json`` (an export that writes ``char **out_json``) and ``call_handle`` (one that writes
an opaque handle). Errors become exceptions in ``_raise``; every string the library hands out
is freed in a ``finally``.

Adding an area of the C ABI means adding its rows to ``JSON_EXPORTS`` (and, for an iterator,
to ``HANDLE_EXPORTS``/``ITER_EXPORTS``); nothing else here changes.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import signal
import sys
import threading
from ctypes import CFUNCTYPE, POINTER, byref, c_bool, c_char_p, c_int, c_int64, c_size_t, c_uint16, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ._exceptions import binding_message, error_from_parts, keyword

__all__ = ["LIB", "LIB_PATH", "call_json", "call_handle", "call_int64", "call_void", "library_version"]

VERSION = "0.2.0"  # the package version
# The ABI this package is written for: the library's trigger_abi_version() must return the same.
# "0.MINOR" before 1.0 (each minor version may change the ABI), "MAJOR" from 1.0. A newer patch
# release of the library (0.2.x) is accepted.
ABI_VERSION = "0.2"

_CLIENT = c_void_p  # const struct trigger_client * (NULL = the ambient client)
_STR = c_char_p  # const char * (NULL where the header allows it)
_OUT = POINTER(c_void_p)  # char ** / struct trigger_x ** out-parameters
_ERR = POINTER(c_void_p)  # struct trigger_error **err

# Exports of the form `trigger_result f(<inputs>, char **out_json, trigger_error **err)`: the
# inputs' ctypes types. The JSON text written to *out_json is the server's JSON (or the
# library's own, where the header says so).
JSON_EXPORTS: Dict[str, Tuple[Any, ...]] = {
    # tasks, batches, idempotency keys
    "trigger_tasks_trigger": (_CLIENT, _STR, _STR, _STR),
    "trigger_tasks_batch_trigger": (_CLIENT, _STR, _STR),
    "trigger_batches_retrieve": (_CLIENT, _STR),
    "trigger_batches_results": (_CLIENT, _STR),
    "trigger_idempotency_keys_create": (_STR, _STR),
    "trigger_idempotency_keys_reset": (_CLIENT, _STR, _STR),
    # runs
    "trigger_runs_list": (_CLIENT, _STR),
    "trigger_runs_retrieve": (_CLIENT, _STR),
    "trigger_runs_poll": (_CLIENT, _STR, _STR),
    "trigger_runs_wait": (_CLIENT, _STR, c_uint64),
    "trigger_runs_cancel": (_CLIENT, _STR),
    "trigger_runs_replay": (_CLIENT, _STR, _STR),
    "trigger_runs_reschedule": (_CLIENT, _STR, _STR),
    "trigger_runs_update_metadata": (_CLIENT, _STR, _STR),
    "trigger_runs_metadata": (_CLIENT, _STR),
    "trigger_runs_add_tags": (_CLIENT, _STR, _STR),
    "trigger_runs_outcome": (_CLIENT, _STR),
    "trigger_runs_result": (_CLIENT, _STR),
    "trigger_runs_result_output": (_STR,),  # no client: decodes a result's JSON, no request
    "trigger_runs_events": (_CLIENT, _STR),
    "trigger_runs_trace": (_CLIENT, _STR),
    "trigger_runs_retrieve_span": (_CLIENT, _STR, _STR),
    # envvars
    "trigger_envvars_list": (_CLIENT, _STR, _STR),
    "trigger_envvars_retrieve": (_CLIENT, _STR, _STR, _STR),
    "trigger_envvars_create": (_CLIENT, _STR, _STR, _STR),
    "trigger_envvars_update": (_CLIENT, _STR, _STR, _STR, _STR),
    "trigger_envvars_del": (_CLIENT, _STR, _STR, _STR),
    "trigger_envvars_upload": (_CLIENT, _STR, _STR, _STR),
    "trigger_envvars_upload_dotenv": (_CLIENT, _STR, _STR, _STR, _STR),
    "trigger_envvars_parse_dotenv": (_STR,),
    # schedules
    "trigger_schedules_list": (_CLIENT, _STR),
    "trigger_schedules_create": (_CLIENT, _STR),
    "trigger_schedules_retrieve": (_CLIENT, _STR),
    "trigger_schedules_update": (_CLIENT, _STR, _STR),
    "trigger_schedules_activate": (_CLIENT, _STR),
    "trigger_schedules_deactivate": (_CLIENT, _STR),
    "trigger_schedules_del": (_CLIENT, _STR),
    "trigger_schedules_timezones": (_CLIENT, c_bool),
    # queues (queue, queue_type)
    "trigger_queues_list": (_CLIENT, _STR),
    "trigger_queues_retrieve": (_CLIENT, _STR, _STR),
    "trigger_queues_pause": (_CLIENT, _STR, _STR),
    "trigger_queues_resume": (_CLIENT, _STR, _STR),
    "trigger_queues_override_concurrency_limit": (_CLIENT, _STR, _STR, c_uint32),
    "trigger_queues_reset_concurrency_limit": (_CLIENT, _STR, _STR),
    # branches and projects, for CI (project ref, then a body, env and branch, or env)
    "trigger_branches_create": (_CLIENT, _STR, _STR),
    "trigger_branches_list": (_CLIENT, _STR),
    "trigger_branches_archive": (_CLIENT, _STR, _STR, _STR),
    "trigger_projects_environment": (_CLIENT, _STR, _STR),
    "trigger_projects_whoami": (_CLIENT, _STR),
    # concurrency limits (name, then a concurrency key or options as JSON)
    "trigger_concurrency_limits_list": (_CLIENT, _STR),
    "trigger_concurrency_limits_retrieve": (_CLIENT, _STR),
    "trigger_concurrency_limits_retrieve_key": (_CLIENT, _STR, _STR),
    "trigger_concurrency_limits_override": (_CLIENT, _STR, _STR),
    "trigger_concurrency_limits_override_key": (_CLIENT, _STR, _STR),
    "trigger_concurrency_limits_reset": (_CLIENT, _STR),
    "trigger_concurrency_limits_reset_key": (_CLIENT, _STR, _STR),
    "trigger_concurrency_limits_pause": (_CLIENT, _STR),
    "trigger_concurrency_limits_resume": (_CLIENT, _STR),
    # query (query text, options as JSON) and dashboards
    "trigger_query_execute": (_CLIENT, _STR, _STR),
    "trigger_query_schema": (_CLIENT,),
    "trigger_query_dashboards_list": (_CLIENT,),
    "trigger_query_dashboards_retrieve": (_CLIENT, _STR),
    "trigger_query_dashboards_create": (_CLIENT, _STR),
    "trigger_query_dashboards_update": (_CLIENT, _STR, _STR),
    "trigger_query_dashboards_del": (_CLIENT, _STR),
    # deployments
    "trigger_deployments_list": (_CLIENT, _STR),
    "trigger_deployments_retrieve": (_CLIENT, _STR),
    "trigger_deployments_retrieve_current": (_CLIENT,),
    "trigger_deployments_retrieve_latest": (_CLIENT,),
    "trigger_deployments_promote": (_CLIENT, _STR),
    # waitpoint tokens
    "trigger_waitpoints_create_token": (_CLIENT, _STR),
    "trigger_waitpoints_list_tokens": (_CLIENT, _STR),
    "trigger_waitpoints_retrieve_token": (_CLIENT, _STR),
    "trigger_waitpoints_token_output": (_STR,),  # no client: decodes a token's JSON, no request
    "trigger_waitpoints_complete_token": (_CLIENT, _STR, _STR),
    # bulk actions
    "trigger_bulk_actions_create": (_CLIENT, _STR),
    "trigger_bulk_actions_list": (_CLIENT, _STR),
    "trigger_bulk_actions_retrieve": (_CLIENT, _STR),
    "trigger_bulk_actions_abort": (_CLIENT, _STR),
    # public access tokens (they write the token as plain text, not JSON)
    "trigger_auth_create_public_token": (_CLIENT, _STR),
    "trigger_auth_create_trigger_public_token": (_CLIENT, _STR, _STR),
    "trigger_auth_create_batch_trigger_public_token": (_CLIENT, _STR, _STR),
    # sessions (channel functions: session, channel or NULL, io)
    "trigger_sessions_start": (_CLIENT, _STR),
    "trigger_sessions_list": (_CLIENT, _STR),
    "trigger_sessions_retrieve": (_CLIENT, _STR),
    "trigger_sessions_update": (_CLIENT, _STR, _STR),
    "trigger_sessions_close": (_CLIENT, _STR, _STR),
    "trigger_sessions_append": (_CLIENT, _STR, _STR, _STR, _STR),
    "trigger_sessions_records": (_CLIENT, _STR, _STR, _STR, c_int64),
    # run streams and input streams
    "trigger_streams_send_input": (_CLIENT, _STR, _STR, _STR),
    # alert webhooks (no client, no request): payload bytes, their length, signature, secret
    "trigger_webhooks_construct_event": (c_char_p, c_size_t, _STR, _STR),
}

# Exports of the form `trigger_result f(<inputs>, struct trigger_x **out, trigger_error **err)`.
HANDLE_EXPORTS: Dict[str, Tuple[Any, ...]] = {
    "trigger_client_new": (_STR,),
    "trigger_client_with_options": (_CLIENT, _STR),
    "trigger_auth_current": (),
    "trigger_auth_override": (_CLIENT, _STR),
    "trigger_cancel_new": (),
    "trigger_client_with_cancel": (_CLIENT, c_void_p),
    "trigger_runs_list_iter": (_CLIENT, _STR),
    "trigger_schedules_list_iter": (_CLIENT, _STR),
    "trigger_queues_list_iter": (_CLIENT, _STR),
    "trigger_concurrency_limits_list_iter": (_CLIENT, _STR),
    "trigger_deployments_list_iter": (_CLIENT, _STR),
    "trigger_waitpoints_list_tokens_iter": (_CLIENT, _STR),
    "trigger_bulk_actions_list_iter": (_CLIENT, _STR),
    "trigger_sessions_list_iter": (_CLIENT, _STR),
    "trigger_sessions_subscribe": (_CLIENT, _STR, _STR, _STR, _STR),
    "trigger_runs_subscribe": (_CLIENT, _STR, _STR),
    "trigger_runs_subscribe_tagged": (_CLIENT, _STR, _STR),
    "trigger_batches_subscribe": (_CLIENT, _STR, _STR),
    "trigger_tasks_trigger_and_subscribe": (_CLIENT, _STR, _STR, _STR),
    "trigger_runs_stream": (_CLIENT, _STR, _STR, _STR),
}

# Iterator advances: `trigger_result f(struct trigger_x_iter *, char **item_json, err)`.
ITER_EXPORTS: Tuple[str, ...] = (
    "trigger_run_subscription_next",  # blocks until a snapshot, the end, or a stop
    "trigger_run_stream_next",  # blocks until a chunk, the end, or a stop
    "trigger_runs_iter_next",
    "trigger_schedules_iter_next",
    "trigger_queues_iter_next",
    "trigger_concurrency_limits_iter_next",
    "trigger_deployments_iter_next",
    "trigger_waitpoints_tokens_iter_next",
    "trigger_bulk_actions_iter_next",
    "trigger_sessions_iter_next",
)

# Everything else: name -> (restype, argtypes).
OTHER_EXPORTS: Dict[str, Tuple[Any, Tuple[Any, ...]]] = {
    "trigger_version": (c_char_p, ()),
    "trigger_abi_version": (c_char_p, ()),
    "trigger_string_free": (None, (c_void_p,)),
    "trigger_error_kind": (c_int, (c_void_p,)),
    "trigger_error_status": (c_uint16, (c_void_p,)),
    "trigger_error_message": (c_char_p, (c_void_p,)),
    "trigger_error_body": (c_char_p, (c_void_p,)),
    "trigger_error_code": (c_char_p, (c_void_p,)),
    "trigger_error_retry_after_ms": (c_int64, (c_void_p,)),
    "trigger_error_argument": (c_char_p, (c_void_p,)),
    "trigger_error_reason": (c_char_p, (c_void_p,)),
    "trigger_error_free": (None, (c_void_p,)),
    "trigger_client_free": (None, (c_void_p,)),
    "trigger_configure": (c_int, (_STR, _ERR)),
    "trigger_auth_push": (c_int, (_STR, _ERR)),
    "trigger_auth_pop": (c_bool, ()),
    "trigger_auth_push_config": (c_int, (c_void_p, _ERR)),
    "trigger_config_free": (None, (c_void_p,)),
    # safe from any thread, also while calls carrying the token run
    "trigger_cancel_fire": (None, (c_void_p,)),
    "trigger_cancel_is_fired": (c_bool, (c_void_p,)),
    "trigger_cancel_free": (None, (c_void_p,)),
    "trigger_set_interrupt_check": (None, (c_void_p, c_void_p)),
    "trigger_set_log_callback": (c_int, (c_void_p, c_void_p, c_int, _ERR)),
    "trigger_runs_iter_free": (None, (c_void_p,)),
    "trigger_schedules_iter_free": (None, (c_void_p,)),
    "trigger_queues_iter_free": (None, (c_void_p,)),
    "trigger_concurrency_limits_iter_free": (None, (c_void_p,)),
    "trigger_deployments_iter_free": (None, (c_void_p,)),
    "trigger_waitpoints_tokens_iter_free": (None, (c_void_p,)),
    "trigger_bulk_actions_iter_free": (None, (c_void_p,)),
    "trigger_sessions_iter_free": (None, (c_void_p,)),
    # safe from any thread, also while another thread is blocked in trigger_session_stream_next
    "trigger_session_stream_stop": (None, (c_void_p,)),
    "trigger_session_stream_free": (None, (c_void_p,)),
    # safe from any thread, also while another thread is blocked in trigger_run_subscription_next
    "trigger_run_subscription_stop": (None, (c_void_p,)),
    "trigger_run_subscription_free": (None, (c_void_p,)),
    # safe from any thread, also while another thread is blocked in trigger_run_stream_next
    "trigger_run_stream_stop": (None, (c_void_p,)),
    "trigger_run_stream_free": (None, (c_void_p,)),
    # blocks until a record, the end, or a stop; also writes the resume point (int64_t)
    "trigger_session_stream_next": (c_int, (c_void_p, POINTER(c_int64), _OUT, _ERR)),
    # writes an int64_t (Subscription.last_seq); waits while another thread is in
    # trigger_session_stream_next
    "trigger_session_stream_last_seq": (c_int, (c_void_p, POINTER(c_int64), _ERR)),
}


def _library_names() -> List[str]:
    if sys.platform == "win32":
        return ["triggerdev.dll"]
    if sys.platform == "darwin":
        return ["libtriggerdev.dylib"]
    return ["libtriggerdev.so"]


def _candidates() -> List[Tuple[str, Optional[Path]]]:
    """Where the library is looked for, in order: (description, path or None)."""
    found: List[Tuple[str, Optional[Path]]] = []
    package = Path(__file__).resolve().parent
    # What setuptools-rust copied into the package (named like an extension module).
    suffixes = list(importlib.machinery.EXTENSION_SUFFIXES) + [".so", ".dylib", ".dll"]
    in_package = [package / ("_libtriggerdev" + s) for s in suffixes]
    hit = next((p for p in in_package if p.is_file()), None)
    found.append((f"{package}{os.sep}_libtriggerdev{{{','.join(suffixes)}}}", hit))
    # A repository checkout: bindings/python/triggerdev/ -> the crate root.
    repo = package.parents[2]
    if (repo / "Cargo.toml").is_file():
        target = Path(os.environ.get("CARGO_TARGET_DIR") or repo / "target")
        if not target.is_absolute():
            target = repo / target
        for profile in ("release", "debug"):
            for name in _library_names():
                p = target / profile / name
                found.append((str(p), p if p.is_file() else None))
    return found


def _install_hint() -> str:
    return (
        "Install a wheel of the package (`bash bindings/python/build_wheel.sh` makes one), or "
        "`pip install ./bindings/python` from the repository root (it builds the library with "
        "cargo), or build it with `cargo cdylib` in the repository, or set TRIGGERDEV_LIB to the "
        "path of libtriggerdev."
    )


def _load() -> Tuple[ctypes.CDLL, str]:
    explicit = os.environ.get("TRIGGERDEV_LIB")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as e:
            raise ImportError(
                f"triggerdev: TRIGGERDEV_LIB={explicit!r} could not be loaded ({e}). "
                + _install_hint()
            ) from e
    looked: List[str] = ["TRIGGERDEV_LIB (not set)"]
    errors: List[str] = []
    for description, path in _candidates():
        if path is None:
            looked.append(f"{description} (not found)")
            continue
        try:
            return ctypes.CDLL(str(path)), str(path)
        except OSError as e:
            looked.append(f"{description} (failed to load)")
            errors.append(str(e))
    detail = "; ".join(looked)
    if errors:
        detail += ". Errors: " + "; ".join(errors)
    raise ImportError(f"triggerdev: cannot find the native library. Looked for: {detail}. " + _install_hint())


def _declare(lib: ctypes.CDLL) -> None:
    missing: List[str] = []

    def setup(name: str, restype: Any, argtypes: Sequence[Any]) -> None:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            return
        fn.restype = restype
        fn.argtypes = list(argtypes)

    for name, inputs in JSON_EXPORTS.items():
        setup(name, c_int, (*inputs, _OUT, _ERR))
    for name, inputs in HANDLE_EXPORTS.items():
        setup(name, c_int, (*inputs, _OUT, _ERR))
    for name in ITER_EXPORTS:
        setup(name, c_int, (c_void_p, _OUT, _ERR))
    for name, (restype, argtypes) in OTHER_EXPORTS.items():
        setup(name, restype, argtypes)
    if missing:
        raise ImportError(
            f"triggerdev: the library at {LIB_PATH} lacks {', '.join(missing)}: it is not the "
            f"version this package expects. " + _install_hint()
        )


LIB, LIB_PATH = _load()


def _abi_of(version: str) -> str:
    """The ABI version of a library version: "0.MINOR" before 1.0, "MAJOR" from 1.0 (the rule
    trigger_abi_version() follows)."""
    parts = version.split(".")
    return f"0.{parts[1]}" if parts[0] == "0" and len(parts) > 1 else parts[0]


def _check_abi(lib: ctypes.CDLL, path: str) -> str:
    """Returns the library's version once its ABI is the one this package needs; raises
    ImportError saying which it found and which it needs otherwise."""
    try:
        version_fn = lib.trigger_version
    except AttributeError:  # pragma: no cover - not a triggerdev library at all
        raise ImportError(f"triggerdev: {path} is not libtriggerdev (no trigger_version). " + _install_hint()) from None
    version_fn.restype = c_char_p
    version_fn.argtypes = []
    version = (version_fn() or b"").decode("ascii", "replace")
    abi_fn = getattr(lib, "trigger_abi_version", None)
    if abi_fn is None:  # libraries before 0.2 have no trigger_abi_version
        # An early build of this very version (made before the export existed) is as old.
        found = f"{_abi_of(version)!r} (libtriggerdev {version!r}, a build from before trigger_abi_version existed)"
    else:
        abi_fn.restype = c_char_p
        abi_fn.argtypes = []
        abi = (abi_fn() or b"").decode("ascii", "replace")
        if abi == ABI_VERSION:
            return version
        found = f"{abi!r} (libtriggerdev {version!r})"
    raise ImportError(
        f"triggerdev: the library at {path} has ABI {found}, but this package (triggerdev {VERSION}) "
        f"needs ABI {ABI_VERSION!r} (any libtriggerdev {ABI_VERSION}.x). Install the matching package, "
        f"rebuild the library from the same checkout (`cargo cdylib`), or point "
        f"TRIGGERDEV_LIB at a libtriggerdev {ABI_VERSION}.x."
    )


_loaded_version = _check_abi(LIB, LIB_PATH)
_declare(LIB)


def library_version() -> str:
    """The version the loaded library reports (``trigger_version()``)."""
    return _loaded_version


# Freeing a string never blocks: it keeps the GIL (a PyDLL function), which saves releasing
# and taking it back on every call.
_string_free = ctypes.PyDLL(LIB_PATH).trigger_string_free
_string_free.restype = None
_string_free.argtypes = [c_void_p]
# Reads the NUL-terminated string an out-parameter points to without a foreign call.
_out_string = c_char_p.from_buffer
_error_kind = LIB.trigger_error_kind
_error_status = LIB.trigger_error_status
_error_message = LIB.trigger_error_message
_error_body = LIB.trigger_error_body
_error_code = LIB.trigger_error_code
_error_retry = LIB.trigger_error_retry_after_ms
_error_argument = LIB.trigger_error_argument
_error_reason = LIB.trigger_error_reason
_error_free = LIB.trigger_error_free


# Ctrl-C. CPython runs a signal handler only when the main thread is back in the interpreter,
# not while it waits in the library. So the main thread's calls ask, every 50 ms while they wait,
# whether SIGINT arrived: the library calls PyOS_InterruptOccurred through a ctypes thunk, which
# holds the GIL during the call and runs no Python frame (a frame would run the handler itself,
# and an exception there would be lost). That function also clears the signal, so the call,
# back with TRIGGER_RESULT_INTERRUPTED, runs the SIGINT handler itself (KeyboardInterrupt).
_INTERRUPTED = 23
_INTERRUPT_CHECK: Optional[Any] = None


def _watch_sigint() -> None:
    global _INTERRUPT_CHECK
    pythonapi = getattr(ctypes, "pythonapi", None)
    if pythonapi is None or threading.current_thread() is not threading.main_thread():
        return  # pragma: no cover - embedded interpreters, imports off the main thread
    occurred = pythonapi.PyOS_InterruptOccurred
    occurred.restype = c_int
    _INTERRUPT_CHECK = CFUNCTYPE(c_int, c_void_p)(occurred)
    LIB.trigger_set_interrupt_check(ctypes.cast(_INTERRUPT_CHECK, c_void_p), None)


def _run_sigint_handler() -> None:
    """What the interpreter would have done with the SIGINT the library consumed: runs the
    handler (the default one raises KeyboardInterrupt)."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, sys._getframe(1))
    elif handler == signal.SIG_DFL:  # pragma: no cover - set after the call started
        signal.default_int_handler(signal.SIGINT, None)


def _raise(rc: int, err: c_void_p, fn: Callable[..., int]) -> None:
    """Turns a failed call's result code and owned error object into an exception (and frees
    the error object). The message is in Python's words: an invalid argument is named as the
    caller of ``fn`` wrote it, not as the C signature does."""
    if rc == _INTERRUPTED:
        try:
            _run_sigint_handler()
        except BaseException:
            _error_free(err.value)
            raise
    e = err.value
    status = 0
    reason = b""
    argument: Optional[bytes] = None
    body: Optional[bytes] = None
    code: Optional[bytes] = None
    retry_ms = -1
    if e is not None:
        try:
            status = _error_status(e)
            reason = _error_reason(e) or _error_message(e) or b""
            argument = _error_argument(e)
            body = _error_body(e)
            code = _error_code(e)
            retry_ms = _error_retry(e)
        finally:
            _error_free(e)
    export = getattr(fn, "__name__", "")
    name = None if argument is None else argument.decode("utf-8", "replace")
    raise error_from_parts(
        rc,
        status,
        binding_message(export, name, reason.decode("utf-8", "replace")) if reason else "",
        None if body is None else body.decode("utf-8", "replace"),
        None if code is None else code.decode("utf-8", "replace"),
        retry_ms,
        None if name is None else keyword(export, name),
    )


def call_json(fn: Callable[..., int], *args: Any) -> Optional[bytes]:
    """Calls an export that writes ``char **out_json``; returns the bytes (None when the
    library wrote NULL, as an exhausted iterator does), freed on the library side."""
    out = c_void_p()
    err = c_void_p()
    # An instance where POINTER(c_void_p) is declared: ctypes passes its address (a byref).
    rc = fn(*args, out, err)
    if rc:
        _raise(rc, err, fn)
    if out.value is None:
        return None
    try:
        return _out_string(out).value
    finally:
        _string_free(out)


def call_handle(fn: Callable[..., int], *args: Any) -> int:
    """Calls an export that writes an opaque handle; returns its address (never 0)."""
    out = c_void_p()
    err = c_void_p()
    rc = fn(*args, byref(out), byref(err))
    if rc:
        _raise(rc, err, fn)
    if out.value is None:  # pragma: no cover - the ABI never does this on success
        raise RuntimeError(f"{getattr(fn, '__name__', 'call')} returned no handle")
    return int(out.value)


def call_int64(fn: Callable[..., int], *args: Any) -> int:
    """Calls an export that writes ``int64_t *out``; returns what it wrote."""
    out = c_int64()
    err = c_void_p()
    rc = fn(*args, byref(out), byref(err))
    if rc:
        _raise(rc, err, fn)
    return int(out.value)


def call_void(fn: Callable[..., int], *args: Any) -> None:
    """Calls an export whose only output is ``trigger_error **err``."""
    err = c_void_p()
    rc = fn(*args, byref(err))
    if rc:
        _raise(rc, err, fn)


_watch_sigint()
