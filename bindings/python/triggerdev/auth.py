"""The ambient configuration: ``configure()``, thread-local ``with_auth`` overrides, snapshots;
and public access tokens (``create_public_token`` and its siblings, minted with the ambient
client's key; ``client.auth`` has the same methods for a ``Client``).

Calls through ``triggerdev.runs``, ``triggerdev.tasks``, ... (the ambient API) use the
configuration set by ``configure()`` (or the environment), with the calling thread's
``with_auth`` overrides merged over it field by field. Overrides belong to the thread that
entered them: other threads never see them, and a new thread starts with none; carry them over
with ``current()``::

    with triggerdev.auth.with_auth(access_token="tr_prod_..."):
        triggerdev.runs.list(limit=10)          # the prod key, on this thread only
        snapshot = triggerdev.auth.current()

    def worker() -> None:
        with triggerdev.auth.with_auth(snapshot):
            triggerdev.runs.list(limit=10)      # the same configuration, in another thread
"""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from types import TracebackType
from typing import Any, List, Mapping, Optional, Tuple, Type, Union

from . import _call
from ._config import RetryLike, StrPath, config_dict
from ._encode import dumps
from ._ffi import LIB, call_handle, call_void
from ._managed import Handle
from ._resources import Expiration, PublicTokens, StrOrList, TokenScopes

__all__ = [
    "configure",
    "with_auth",
    "current",
    "AuthSnapshot",
    "AuthScope",
    "create_public_token",
    "create_trigger_public_token",
    "create_batch_trigger_public_token",
]

Seconds = Union[float, timedelta]


def configure(
    access_token: Optional[str] = None,
    base_url: Optional[str] = None,
    preview_branch: Optional[str] = None,
    max_retries: Optional[int] = None,
    timeout: Optional[Seconds] = None,
    *,
    secret_key: Optional[str] = None,
    external_deployment_id: Optional[str] = None,
    inherit_context: Optional[bool] = None,
    additional_headers: Optional[Mapping[str, str]] = None,
    retry: Optional[RetryLike] = None,
    max_response_bytes: Optional[int] = None,
    dangerously_allow_insecure_http: Optional[bool] = None,
    v2_realtime_streams: Optional[bool] = None,
    user_agent_suffix: Optional[str] = None,
    ca_bundle_path: Optional[StrPath] = None,
    ca_bundle_pem: Optional[Union[str, bytes]] = None,
    use_platform_trust_store: Optional[bool] = None,
) -> None:
    """Sets the process-wide configuration of the ambient API (``triggerdev.runs``, ...),
    replacing any earlier one. Arguments left out come from the environment, read now. As the
    official ``configure``, ``secret_key`` wins over ``access_token`` when both are given. Calls
    already running keep the configuration they started with."""
    config = config_dict(
        user_agent=True,
        access_token=access_token,
        secret_key=secret_key,
        base_url=base_url,
        preview_branch=preview_branch,
        max_retries=max_retries,
        timeout=timeout,
        retry=retry,
        additional_headers=additional_headers,
        inherit_context=inherit_context,
        user_agent_suffix=user_agent_suffix,
        external_deployment_id=external_deployment_id,
        max_response_bytes=max_response_bytes,
        dangerously_allow_insecure_http=dangerously_allow_insecure_http,
        v2_realtime_streams=v2_realtime_streams,
        ca_bundle_path=ca_bundle_path,
        ca_bundle_pem=ca_bundle_pem,
        use_platform_trust_store=use_platform_trust_store,
    )
    _call.configure_json(dumps(config, "config"))


class AuthSnapshot:
    """The configuration in force on a thread when ``current()`` was called (its overrides
    merged over ``configure()``). Immutable; push it on any thread with ``with_auth(snapshot)``.
    The token inside cannot be read back. Freed by ``close()`` or when collected."""

    __slots__ = ("_handle", "__weakref__")

    def __init__(self, ptr: int) -> None:
        self._handle = Handle(ptr, LIB.trigger_config_free, "auth snapshot")

    def close(self) -> None:
        """Frees the snapshot now (idempotent)."""
        self._handle.close()

    def __repr__(self) -> str:
        return "<triggerdev.auth.AuthSnapshot>"


def current() -> AuthSnapshot:
    """Snapshots the configuration in force on this thread (``trigger_auth_current``)."""
    _call.ensure_ambient()
    return AuthSnapshot(call_handle(LIB.trigger_auth_current))


_local = threading.local()


def _stack() -> List[Tuple["AuthScope", int]]:
    stack: Optional[List[Tuple[AuthScope, int]]] = getattr(_local, "stack", None)
    if stack is None:
        stack = []
        _local.stack = stack
    return stack


_pop = LIB.trigger_auth_pop


class AuthScope(contextlib.ContextDecorator):
    """What ``with_auth`` returns: a context manager (and decorator) that pushes an override
    on the current thread when entered and pops it when left, exceptions included."""

    def __init__(self, snapshot: Optional[AuthSnapshot], override_json: Optional[bytes]) -> None:
        self._snapshot = snapshot
        self._json = override_json

    def __enter__(self) -> "AuthScope":
        _call.ensure_ambient()
        pushes = 0
        try:
            if self._snapshot is not None:
                handle = self._snapshot._handle
                ptr = handle.borrow()
                try:
                    call_void(LIB.trigger_auth_push_config, ptr)
                finally:
                    handle.release()
                pushes += 1
            if self._json is not None or self._snapshot is None:
                call_void(LIB.trigger_auth_push, self._json)
                pushes += 1
        except BaseException:
            for _ in range(pushes):
                _pop()
            raise
        _stack().append((self, pushes))
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        stack = _stack()
        if not stack or stack[-1][0] is not self:
            raise RuntimeError(
                "with_auth: this scope is not the innermost one on this thread (left out of "
                "order, or on another thread than it was entered on)"
            )
        _, pushes = stack.pop()
        for _ in range(pushes):
            _pop()


def with_auth(
    config: Optional[Union[AuthSnapshot, Mapping[str, Any]]] = None,
    *,
    access_token: Optional[str] = None,
    secret_key: Optional[str] = None,
    base_url: Optional[str] = None,
    preview_branch: Optional[str] = None,
    max_retries: Optional[int] = None,
    timeout: Optional[Seconds] = None,
    retry: Optional[RetryLike] = None,
    additional_headers: Optional[Mapping[str, str]] = None,
    inherit_context: Optional[bool] = None,
    user_agent_suffix: Optional[str] = None,
    external_deployment_id: Optional[str] = None,
    max_response_bytes: Optional[int] = None,
    dangerously_allow_insecure_http: Optional[bool] = None,
    v2_realtime_streams: Optional[bool] = None,
    ca_bundle_path: Optional[StrPath] = None,
    ca_bundle_pem: Optional[Union[str, bytes]] = None,
    use_platform_trust_store: Optional[bool] = None,
) -> AuthScope:
    """Overrides the ambient configuration on the current thread for a ``with`` block (or a
    decorated function)::

        with triggerdev.auth.with_auth(access_token="tr_prod_...", preview_branch="b"):
            ...

    The fields given are merged over the enclosing override (overrides nest, field by field)
    or over ``configure()``; the previous configuration comes back when the block is left,
    also by an exception. ``config`` may be an ``AuthSnapshot`` from ``current()`` (to carry
    a thread's configuration into another), or a dict of the same keywords; keywords given
    with a snapshot apply on top of it. Clients made with ``Client(...)`` are not affected.
    """
    snapshot: Optional[AuthSnapshot] = None
    fields = {
        "access_token": access_token,
        "secret_key": secret_key,
        "base_url": base_url,
        "preview_branch": preview_branch,
        "max_retries": max_retries,
        "timeout": timeout,
        "retry": retry,
        "additional_headers": additional_headers,
        "inherit_context": inherit_context,
        "user_agent_suffix": user_agent_suffix,
        "external_deployment_id": external_deployment_id,
        "max_response_bytes": max_response_bytes,
        "dangerously_allow_insecure_http": dangerously_allow_insecure_http,
        "v2_realtime_streams": v2_realtime_streams,
        "ca_bundle_path": ca_bundle_path,
        "ca_bundle_pem": ca_bundle_pem,
        "use_platform_trust_store": use_platform_trust_store,
    }
    if isinstance(config, AuthSnapshot):
        snapshot = config
    elif isinstance(config, Mapping):
        for key, value in config.items():
            if key not in fields:
                raise TypeError(f"with_auth: unknown option {key!r} (expected one of {', '.join(fields)})")
            if fields[key] is None:
                fields[key] = value
    elif config is not None:
        raise TypeError(f"with_auth: config must be an AuthSnapshot or a dict, not {type(config).__name__}")
    override = config_dict(user_agent=False, **fields)
    if snapshot is not None and not override:
        return AuthScope(snapshot, None)
    return AuthScope(snapshot, dumps(override, "config"))


# --- public access tokens (the ambient client) ------------------------------------------------

_tokens = PublicTokens(_call.AMBIENT)


def create_public_token(
    *,
    scopes: Optional[TokenScopes] = None,
    expiration_time: Optional[Expiration] = None,
    realtime: Optional[Mapping[str, Any]] = None,
) -> str:
    """Mints a public access token with the ambient client's key (see
    ``PublicTokens.create_public_token``)::

        token = triggerdev.auth.create_public_token(
            scopes={"read": {"sessions": "chat-42"}, "write": {"sessions": "chat-42"}},
            expiration_time="15m",
        )
    """
    return _tokens.create_public_token(scopes=scopes, expiration_time=expiration_time, realtime=realtime)


def create_trigger_public_token(
    tasks: StrOrList,
    *,
    expiration_time: Optional[Expiration] = None,
    multiple_use: Optional[bool] = None,
    realtime: Optional[Mapping[str, Any]] = None,
) -> str:
    """Mints a token that may trigger ``tasks``, once unless ``multiple_use=True`` (see
    ``PublicTokens.create_trigger_public_token``)."""
    return _tokens.create_trigger_public_token(
        tasks, expiration_time=expiration_time, multiple_use=multiple_use, realtime=realtime
    )


def create_batch_trigger_public_token(
    tasks: StrOrList,
    *,
    expiration_time: Optional[Expiration] = None,
    multiple_use: Optional[bool] = None,
    realtime: Optional[Mapping[str, Any]] = None,
) -> str:
    """Mints a token that may batch-trigger ``tasks`` (see
    ``PublicTokens.create_batch_trigger_public_token``)."""
    return _tokens.create_batch_trigger_public_token(
        tasks, expiration_time=expiration_time, multiple_use=multiple_use, realtime=realtime
    )
