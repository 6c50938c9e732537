"""Public access tokens (``client.auth``, ``triggerdev.auth``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from .. import _encode as enc
from .._encode import Option, dumps, option_table, options_json
from .._ffi import LIB
from ._area import StrOrList, _Area


ScopeIds = Union[str, Sequence[str], bool]
#: ``{"read": {"runs": ["run_1"], "sessions": "session_1"}, "write": {...}, "trigger":
#: {"tasks": True}, "batchTrigger": {...}}``
TokenScopes = Mapping[str, Mapping[str, ScopeIds]]
Expiration = Union[str, int, timedelta, datetime]

_PUBLIC_TOKEN_OPTIONS = option_table(
    Option("scopes", "scopes", enc.token_scopes),
    Option("expiration_time", "expirationTime", enc.expiration),
    Option("realtime", "realtime", enc.is_dict),
)

_TASK_TOKEN_OPTIONS = option_table(
    Option("expiration_time", "expirationTime", enc.expiration),
    Option("multiple_use", "multipleUse", enc.is_bool),
    Option("realtime", "realtime", enc.is_dict),
)


def _token(raw: Optional[bytes]) -> str:
    return (raw or b"").decode("utf-8")


class PublicTokens(_Area):
    """Public access tokens (``client.auth``; ``triggerdev.auth.create_public_token`` and its
    siblings for the ambient client): short-lived JWTs a backend mints for a frontend or
    another server, limited to scopes.

    With a root secret key a token is signed locally after one request for the environment's
    claims; with an additional key the server mints it (and refuses scopes the key lacks with
    a ``PermissionDeniedError`` whose ``denied_scopes`` lists them). Tokens last 1 hour unless
    ``expiration_time`` says otherwise (at most 30 days): a duration (``"15m"``, a
    ``timedelta``), a ``datetime`` or absolute Unix seconds.
    """

    __slots__ = ()

    def create_public_token(
        self,
        *,
        scopes: Optional[TokenScopes] = None,
        expiration_time: Optional[Expiration] = None,
        realtime: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A token with ``scopes``: ``{action: {resource: id | [ids] | True}}`` with actions
        ``read``, ``write``, ``trigger``, ``batchTrigger`` (or ``batch_trigger``) and resources
        ``tasks``, ``tags``, ``runs``, ``batch``, ``waitpoints``, ``inputStreams`` (or
        ``input_streams``), ``sessions``. A named channel of a session is the id
        ``"<session>:channels:<name>"`` (``…:out`` to read only its ``.out``)."""
        values = {"scopes": scopes, "expiration_time": expiration_time, "realtime": realtime}
        opts = options_json(_PUBLIC_TOKEN_OPTIONS, values)
        return _token(self._c.json(LIB.trigger_auth_create_public_token, opts))

    def create_trigger_public_token(
        self,
        tasks: StrOrList,
        *,
        expiration_time: Optional[Expiration] = None,
        multiple_use: Optional[bool] = None,
        realtime: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A token that may trigger ``tasks`` (a task id or a list), once unless
        ``multiple_use=True``."""
        return self._task_token(LIB.trigger_auth_create_trigger_public_token, tasks, expiration_time, multiple_use, realtime)

    def create_batch_trigger_public_token(
        self,
        tasks: StrOrList,
        *,
        expiration_time: Optional[Expiration] = None,
        multiple_use: Optional[bool] = None,
        realtime: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A token that may batch-trigger ``tasks`` (a task id or a list)."""
        return self._task_token(
            LIB.trigger_auth_create_batch_trigger_public_token, tasks, expiration_time, multiple_use, realtime
        )

    def _task_token(
        self,
        fn: Callable[..., int],
        tasks: Any,
        expiration_time: Any,
        multiple_use: Any,
        realtime: Any,
    ) -> str:
        tasks_json = dumps(enc.str_or_list(tasks, "tasks"), "tasks")
        values = {"expiration_time": expiration_time, "multiple_use": multiple_use, "realtime": realtime}
        return _token(self._c.json(fn, tasks_json, options_json(_TASK_TOKEN_OPTIONS, values)))
