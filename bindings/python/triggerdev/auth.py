"""The ambient configuration: ``configure()``, ``with_auth`` overrides scoped to the current
execution context, snapshots; and public access tokens (``create_public_token`` and its
siblings, minted with the ambient client's key; ``client.auth`` has the same methods for a
``Client``).

Calls through ``triggerdev.runs``, ``triggerdev.tasks``, ... (the ambient API) use the
configuration set by ``configure()`` (or the environment), with the ``with_auth`` overrides of
the current context merged over it field by field. An override belongs to the context that
entered it, as the official SDK's ``auth.withAuth`` (AsyncLocalStorage) does:

- each asyncio task has its own: overlapping tasks on one event loop never see each other's;
- ``asyncio.to_thread`` and ``contextvars.copy_context().run`` carry it into the function they
  run (``loop.run_in_executor`` does not: pass ``functools.partial(ctx.run, fn)``);
- a plain new ``threading.Thread`` starts with none, as in Rust and C. Carry the caller's in one
  line: ``threading.Thread(target=contextvars.copy_context().run, args=(fn,))``.

::

    with triggerdev.auth.with_auth(access_token="tr_prod_..."):
        triggerdev.runs.list(limit=10)              # the prod key, in this context only
        await asyncio.to_thread(triggerdev.runs.list, limit=10)   # also the prod key
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from types import TracebackType
from typing import Any, Mapping, Optional, Type, Union

from . import _call
from ._config import RetryLike, StrPath, config_dict
from ._encode import dumps
from ._call import SCOPE, Scope
from ._ffi import LIB, call_handle
from ._logging import sync_level as sync_log_level
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
    dev_branch: Optional[str] = None,
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
        dev_branch=dev_branch,
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
    sync_log_level()


class AuthSnapshot:
    """The configuration in force in a context when ``current()`` was called (its overrides
    merged over ``configure()``). Immutable; apply it anywhere with ``with_auth(snapshot)``.
    The token inside cannot be read back. Freed by ``close()`` or when collected."""

    __slots__ = ("_handle", "__weakref__")

    def __init__(self, ptr: int) -> None:
        self._handle = Handle(ptr, LIB.trigger_client_free, "auth snapshot")

    def close(self) -> None:
        """Frees the snapshot now (idempotent)."""
        self._handle.close()

    def __repr__(self) -> str:
        return "<triggerdev.auth.AuthSnapshot>"


def _override(base: Optional[Handle], override_json: Optional[bytes]) -> int:
    """``trigger_auth_override``: ``override_json`` over ``base`` (or over ``configure()``)."""
    if base is None:
        return call_handle(LIB.trigger_auth_override, None, override_json)
    ptr = base.borrow()
    try:
        return call_handle(LIB.trigger_auth_override, ptr, override_json)
    finally:
        base.release()


def current() -> AuthSnapshot:
    """Snapshots the configuration in force in this context."""
    _call.ensure_ambient()
    scope = SCOPE.get()
    return AuthSnapshot(_override(None if scope is None else scope.handle, None))


class AuthScope(contextlib.ContextDecorator):
    """What ``with_auth`` returns: a context manager (and decorator) that makes an override
    current in this context when entered, and the enclosing configuration current again when
    left, exceptions included."""

    def __init__(self, snapshot: Optional[AuthSnapshot], override_json: Optional[bytes]) -> None:
        self._snapshot = snapshot
        self._json = override_json

    def __enter__(self) -> "AuthScope":
        _call.ensure_ambient()
        parent = SCOPE.get()
        if self._snapshot is not None:
            base: Optional[Handle] = self._snapshot._handle
        else:
            base = None if parent is None else parent.handle
        handle = Handle(_override(base, self._json), LIB.trigger_client_free, "auth scope")
        SCOPE.set(Scope(handle, parent, self))
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        scope = SCOPE.get()
        if scope is None or scope.owner is not self:
            raise RuntimeError(
                "with_auth: this scope is not the innermost one in this context (left out of "
                "order, or in another task or thread than it was entered in)"
            )
        # The handle is not closed here: a task or thread this context was copied into may
        # still use it; it is freed once nothing references it.
        SCOPE.set(scope.parent)


def with_auth(
    config: Optional[Union[AuthSnapshot, Mapping[str, Any]]] = None,
    *,
    access_token: Optional[str] = None,
    secret_key: Optional[str] = None,
    base_url: Optional[str] = None,
    preview_branch: Optional[str] = None,
    dev_branch: Optional[str] = None,
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
    """Overrides the ambient configuration in the current context (asyncio task, thread) for a
    ``with`` block (or a decorated function)::

        with triggerdev.auth.with_auth(access_token="tr_prod_...", preview_branch="b"):
            ...

    The fields given are merged over the enclosing override (overrides nest, field by field)
    or over ``configure()``; the previous configuration comes back when the block is left,
    also by an exception. Other tasks and threads never see the override; ``asyncio.to_thread``
    and ``contextvars.copy_context().run`` carry it (see the module doc). ``config`` may be an
    ``AuthSnapshot`` from ``current()``, or a dict of the same keywords; keywords given with a
    snapshot apply on top of it. Clients made with ``Client(...)`` are not affected.
    """
    snapshot: Optional[AuthSnapshot] = None
    fields = {
        "access_token": access_token,
        "secret_key": secret_key,
        "base_url": base_url,
        "preview_branch": preview_branch,
        "dev_branch": dev_branch,
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
