"""``Client``: an isolated client (its own credentials, base URL and connection pool)."""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType
from typing import Mapping, Optional, Type, Union

from ._call import AMBIENT, Caller, ClientCaller
from ._config import RetryLike, StrPath, config_dict, request_options_dict
from ._encode import dumps
from ._ffi import LIB, call_handle
from ._logging import sync_level as sync_log_level
from ._managed import Handle
from ._resources import (
    Batches,
    BulkActions,
    Deployments,
    EnvVars,
    IdempotencyKeys,
    PublicTokens,
    Queues,
    Branches,
    ConcurrencyLimits,
    Projects,
    Query,
    Runs,
    Schedules,
    Sessions,
    Streams,
    Tasks,
    Waitpoints,
)

__all__ = ["Client", "CancelToken", "with_options"]

Seconds = Union[float, timedelta]


class CancelToken:
    """A signal that ends the waits of every call made with a client carrying it
    (``client.with_options(cancel_token=token)``): a poll's interval, a retry back-off, a slow
    response, a subscription's silence. ``cancel()`` may be called from any thread; the calls
    then raise ``CancelledError``, and later calls of that client fail at once. Once cancelled
    it stays cancelled: make a new one for new calls. (Ctrl-C needs no token: calls on the main
    thread end with ``KeyboardInterrupt`` by themselves.)"""

    __slots__ = ("_handle", "__weakref__")

    def __init__(self) -> None:
        self._handle = Handle(call_handle(LIB.trigger_cancel_new), LIB.trigger_cancel_free, "cancel token")

    def cancel(self) -> None:
        """Fires the token (idempotent)."""
        ptr = self._handle.borrow()
        try:
            LIB.trigger_cancel_fire(ptr)
        finally:
            self._handle.release()

    @property
    def cancelled(self) -> bool:
        ptr = self._handle.borrow()
        try:
            return bool(LIB.trigger_cancel_is_fired(ptr))
        finally:
            self._handle.release()

    def __repr__(self) -> str:
        return f"<triggerdev.CancelToken cancelled={self.cancelled}>"


def _with_cancel(new: int, token: Optional[CancelToken]) -> int:
    """``new`` (a fresh client handle), carrying ``token`` if one is given."""
    if token is None:
        return new
    if not isinstance(token, CancelToken):
        LIB.trigger_client_free(new)
        raise TypeError(f"cancel_token must be a triggerdev.CancelToken, not {type(token).__name__}")
    ptr = token._handle.borrow()
    try:
        return call_handle(LIB.trigger_client_with_cancel, new, ptr)
    finally:
        token._handle.release()
        LIB.trigger_client_free(new)


class _Areas:
    """The API areas over one caller."""

    tasks: Tasks
    batches: Batches
    runs: Runs
    envvars: EnvVars
    schedules: Schedules
    idempotency_keys: IdempotencyKeys
    queues: Queues
    concurrency_limits: ConcurrencyLimits
    branches: Branches
    projects: Projects
    query: Query
    deployments: Deployments
    waitpoints: Waitpoints
    bulk_actions: BulkActions
    sessions: Sessions
    streams: Streams
    auth: PublicTokens

    def _bind(self, caller: Caller) -> None:
        self.tasks = Tasks(caller)
        self.batches = Batches(caller)
        self.runs = Runs(caller)
        self.envvars = EnvVars(caller)
        self.schedules = Schedules(caller)
        self.idempotency_keys = IdempotencyKeys(caller)
        self.queues = Queues(caller)
        self.concurrency_limits = ConcurrencyLimits(caller)
        self.branches = Branches(caller)
        self.projects = Projects(caller)
        self.query = Query(caller)
        self.deployments = Deployments(caller)
        self.waitpoints = Waitpoints(caller)
        self.bulk_actions = BulkActions(caller)
        self.sessions = Sessions(caller)
        self.streams = Streams(caller)
        self.auth = PublicTokens(caller)  # public access tokens minted with this client's key


class Client(_Areas):
    """A client of the Trigger.dev management API.

    Its configuration is resolved once, now: every argument left out comes from the
    environment (``TRIGGER_SECRET_KEY``, then ``TRIGGER_ACCESS_TOKEN``; ``TRIGGER_API_URL``;
    ``TRIGGER_PREVIEW_BRANCH``, ...), and the client never reads the environment,
    ``triggerdev.configure`` or ``with_auth`` again. A client is immutable and may be shared by
    any number of threads (it holds one connection pool). Close it with ``close()`` or a
    ``with`` block; otherwise it is freed when collected.

    ``preview_branch`` (``x-trigger-branch``) is sent only to the ``preview`` environment,
    ``dev_branch`` only to ``dev``. ``timeout`` is per attempt, in seconds (default 60); ``max_retries`` the retries after the
    first attempt (default 4); ``retry`` a whole ``RetryPolicy`` (or dict);
    ``additional_headers`` are sent with every request; ``max_response_bytes`` caps response
    bodies; ``dangerously_allow_insecure_http`` allows plain ``http://`` to a host that is not
    loopback; ``inherit_context`` opts into the ambient version lock (``TRIGGER_VERSION``);
    ``v2_realtime_streams`` asks for v2 realtime streams; ``user_agent_suffix`` is appended to
    the ``User-Agent`` (after ``python/<version>``). ``ca_bundle_path`` (a PEM file) or
    ``ca_bundle_pem`` (its text) adds CAs to trust besides the bundled Mozilla roots (default:
    the file in ``SSL_CERT_FILE``); ``use_platform_trust_store`` trusts the operating system's
    store instead.
    """

    def __init__(
        self,
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
        ptr = call_handle(LIB.trigger_client_new, dumps(config, "config"))
        self._init_handle(ptr, base_url)
        sync_log_level()

    def _init_handle(self, ptr: int, base_url: Optional[str]) -> None:
        self._handle = Handle(ptr, LIB.trigger_client_free, "client")
        self._base_url = base_url
        self._bind(ClientCaller(self._handle))

    @classmethod
    def _from_handle(cls, ptr: int, base_url: Optional[str]) -> "Client":
        client = cls.__new__(cls)
        client._init_handle(ptr, base_url)
        return client

    def with_options(
        self,
        *,
        max_retries: Optional[int] = None,
        timeout: Optional[Seconds] = None,
        retry: Optional[RetryLike] = None,
        additional_headers: Optional[Mapping[str, str]] = None,
        cancel_token: Optional[CancelToken] = None,
    ) -> "Client":
        """A client sharing this one's connection pool and configuration, with other request
        options, for one call or a group of calls: ``client.with_options(max_retries=0).runs.
        retrieve(id)``. ``retry``/``max_retries`` replace the whole retry policy;
        ``cancel_token`` ends the new client's waits when it fires."""
        options = request_options_dict(
            max_retries=max_retries, timeout=timeout, retry=retry, additional_headers=additional_headers
        )
        handle = self._handle
        ptr = handle.borrow()
        try:
            new = call_handle(LIB.trigger_client_with_options, ptr, dumps(options, "options"))
        finally:
            handle.release()
        return Client._from_handle(_with_cancel(new, cancel_token), self._base_url)

    def close(self) -> None:
        """Frees the client (once the calls using it have returned). Idempotent; using the
        client afterwards raises ``ValueError``. Iterators made from it stay usable."""
        self._handle.close()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        where = f" base_url={self._base_url!r}" if self._base_url else ""
        return f"<triggerdev.Client{where}{state}>"


def with_options(
    *,
    max_retries: Optional[int] = None,
    timeout: Optional[Seconds] = None,
    retry: Optional[RetryLike] = None,
    additional_headers: Optional[Mapping[str, str]] = None,
    cancel_token: Optional[CancelToken] = None,
) -> Client:
    """A ``Client`` made from the ambient client of this context as it is now (``configure()``
    plus any ``with_auth`` in force), with other request options."""
    options = request_options_dict(
        max_retries=max_retries, timeout=timeout, retry=retry, additional_headers=additional_headers
    )
    new = AMBIENT.handle(LIB.trigger_client_with_options, dumps(options, "options"))
    return Client._from_handle(_with_cancel(new, cancel_token), None)
