"""Idempotency keys (``client.idempotency_keys``): ``create`` (no request) and ``reset``."""

from __future__ import annotations

from .. import _encode as enc
from .._encode import cstr, dumps
from .._exceptions import InvalidArgumentError
from .._ffi import LIB, call_json
from .._models import IdResponse
from ._area import StrOrList, _Area


_SCOPES = ("run", "attempt", "global")


def create_idempotency_key(key: StrOrList, *, scope: str = "run") -> str:
    """An idempotency key as the official ``idempotencyKeys.create(key, {scope})``: the
    lowercase hex SHA-256 of the key (parts joined with ``-``), made without any request. A
    trigger given it as ``idempotency_key`` sends the original key and scope along."""
    material = enc.str_or_list(key, "key")
    if scope not in _SCOPES:
        if not isinstance(scope, str):
            raise TypeError(f"scope must be a str, not {type(scope).__name__}")
        raise InvalidArgumentError(f"scope: must be one of {', '.join(_SCOPES)}, not {scope!r}")
    raw = call_json(LIB.trigger_idempotency_keys_create, dumps(material, "key"), scope.encode())
    return (raw or b"").decode("ascii")


class IdempotencyKeys(_Area):
    """Idempotency keys (``client.idempotency_keys``, ``triggerdev.idempotency_keys``)."""

    __slots__ = ()

    @staticmethod
    def create(key: StrOrList, *, scope: str = "run") -> str:
        """See ``triggerdev.idempotency_keys.create``: the hashed key, no request made."""
        return create_idempotency_key(key, scope=scope)

    def reset(self, task_id: str, key: StrOrList) -> IdResponse:
        """Resets an idempotency key of ``task_id`` so the next trigger with it makes a new
        run (``POST /api/v1/idempotencyKeys/{hash}/reset``). ``key`` as a trigger takes it."""
        tid = cstr(task_id, "task_id")
        material = dumps(enc.str_or_list(key, "key"), "key")
        return IdResponse._from_json(self._c.json(LIB.trigger_idempotency_keys_reset, tid, material))
