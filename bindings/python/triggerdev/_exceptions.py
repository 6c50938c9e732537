"""The exception hierarchy: one class per ``trigger_result`` kind, rooted at ``TriggerError``.

::

    TriggerError
    ├── InvalidArgumentError (also a ValueError)
    ├── MissingCredentialsError
    ├── InvalidCredentialsError
    ├── UnsupportedCredentialError
    ├── MissingProjectRefError
    ├── APIStatusError                 any HTTP error status (405, 413, ...)
    │   ├── BadRequestError            400
    │   ├── AuthenticationError        401
    │   ├── PermissionDeniedError      403
    │   ├── NotFoundError              404
    │   ├── ConflictError              409
    │   ├── UnprocessableEntityError   422
    │   ├── RateLimitError             429 (retry_after, seconds)
    │   ├── InternalServerError        5xx
    │   └── SessionClosedError         409 (or 400) with code session_closed
    ├── APIConnectionError
    │   └── APITimeoutError
    ├── DecodeError
    ├── BatchNotSealedError
    ├── ResponseTooLargeError
    ├── PollLimitReachedError
    ├── WaitTimeoutError               a wait's timeout passed (last_run: the run as last seen)
    ├── CancelledError                 the client's CancelToken fired
    │   └── CallInterruptedError       Ctrl-C, when the SIGINT handler did not raise
    ├── WebhookError                   webhooks.construct_event refused the request (answer 400)
    │   ├── WebhookMissingSignatureError   no x-trigger-signature-hmacsha256 header
    │   ├── WebhookInvalidSignatureError   not the body's HMAC with the secret
    │   └── WebhookInvalidPayloadError     signed, but not an alert event
    └── TriggerPanicError
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Type

__all__ = [
    "TriggerError",
    "InvalidArgumentError",
    "MissingCredentialsError",
    "InvalidCredentialsError",
    "UnsupportedCredentialError",
    "MissingProjectRefError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "SessionClosedError",
    "APIConnectionError",
    "APITimeoutError",
    "DecodeError",
    "BatchNotSealedError",
    "ResponseTooLargeError",
    "PollLimitReachedError",
    "WaitTimeoutError",
    "CancelledError",
    "CallInterruptedError",
    "WebhookError",
    "WebhookMissingSignatureError",
    "WebhookInvalidSignatureError",
    "WebhookInvalidPayloadError",
    "TriggerPanicError",
]


class TriggerError(Exception):
    """The base of every error the SDK raises.

    ``kind`` is the C ABI's ``trigger_result`` value; ``status`` the HTTP status (None when the
    error did not come from a response); ``message`` the library's message (for an API error
    the server's, such as ``"404 Run not found"``); ``body`` the response body decoded from JSON
    (the raw text when it is not JSON; None without a response); ``raw_body`` the text as
    received; ``code`` the ``code`` member of the server's error body, when it sent one.
    Messages never contain tokens.
    """

    kind: Optional[int]
    status: Optional[int]
    message: str
    body: object
    raw_body: Optional[str]
    code: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[int] = None,
        status: Optional[int] = None,
        raw_body: Optional[str] = None,
        code: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status
        self.raw_body = raw_body
        self.code = code
        body: object = raw_body
        if raw_body is not None:
            try:
                body = json.loads(raw_body)
            except ValueError:
                pass
        self.body = body

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        if self.status:
            parts.append(f"status={self.status}")
        if self.code:
            parts.append(f"code={self.code!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class InvalidArgumentError(TriggerError, ValueError):
    """An argument was rejected before any request was made. The message starts with the
    argument as the caller wrote it (``limit: 1000 is over the maximum of 100``), which is
    also ``argument``."""

    _argument: Optional[str] = None

    @property
    def argument(self) -> str:
        """The argument at fault, as the caller wrote it (``limit``, ``items[0].task``)."""
        return self._argument or self.message.partition(": ")[0]

    @argument.setter
    def argument(self, name: str) -> None:
        self._argument = name


class MissingCredentialsError(TriggerError):
    """No secret key or access token: pass ``access_token=`` or set ``TRIGGER_SECRET_KEY``."""


class InvalidCredentialsError(TriggerError):
    """The configured token cannot be sent (empty, or holds characters a header cannot carry)."""


class UnsupportedCredentialError(TriggerError):
    """The operation does not accept this kind of credential (for example a personal access
    token where a secret key is needed). Raised before any request is sent."""


class MissingProjectRefError(TriggerError):
    """Listing runs with a personal access token needs ``project_ref``."""


class APIStatusError(TriggerError):
    """The server answered with an error status (after the retries the policy allows)."""

    status: int


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the token is invalid, or not valid for this environment or branch."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the token lacks a scope this call needs."""

    @property
    def denied_scopes(self) -> List[str]:
        """The scopes the server refused (``deniedScopes`` of a 403
        ``scopes_exceed_key_access``, when an additional key mints a public token); empty
        otherwise."""
        body = self.body
        scopes = body.get("deniedScopes") if isinstance(body, dict) else None
        return [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422."""


class RateLimitError(APIStatusError):
    """HTTP 429, after the retries the policy allows. ``retry_after`` is the number of seconds
    until the limit resets, when the server said (else None)."""

    retry_after: Optional[float] = None


class InternalServerError(APIStatusError):
    """HTTP 5xx, after the retries the policy allows."""


class SessionClosedError(APIStatusError):
    """The session is closed (the server's ``code`` is ``session_closed``, with 409 or, from
    older servers, 400): appending to it can never succeed, so it is not retried."""


class APIConnectionError(TriggerError):
    """The request could not be sent or its response not received."""


class APITimeoutError(APIConnectionError):
    """The call took longer than its timeout."""


class DecodeError(TriggerError):
    """A success response whose body is not the JSON the API documents (``raw_body`` holds
    it)."""


class BatchNotSealedError(TriggerError):
    """A batch's items were sent but the server did not seal the batch."""


class ResponseTooLargeError(TriggerError):
    """A response body was larger than the client accepts (``max_response_bytes``)."""


class PollLimitReachedError(TriggerError):
    """``runs.poll`` retrieved the run as often as it may and it was not finished."""


class WaitTimeoutError(TriggerError):
    """A wait (``runs.poll(..., timeout=)``) ran out of its time before the run finished.
    ``last_run`` is the run as last retrieved (``None`` if it never was)."""

    @property
    def last_run(self) -> Any:
        from ._models import Run

        return None if self.raw_body is None else Run._from_json(self.raw_body.encode("utf-8"))


class CancelledError(TriggerError):
    """The call was cancelled: the ``CancelToken`` of its client fired."""


class CallInterruptedError(CancelledError):
    """The call was interrupted by SIGINT (Ctrl-C) and the SIGINT handler did not raise (the
    default one raises ``KeyboardInterrupt`` instead)."""


class WebhookError(TriggerError):
    """``webhooks.construct_event`` refused a request: it was not signed with the secret, or is
    not an alert event. Answer it with a 400. The message never holds the secret, the
    signature or the body's string values."""


class WebhookMissingSignatureError(WebhookError):
    """The request has no ``x-trigger-signature-hmacsha256`` header (or an empty one)."""


class WebhookInvalidSignatureError(WebhookError):
    """The header is not the lower-case hex HMAC-SHA256 of the raw body with the secret:
    another secret, a body changed (re-serialized) after signing, or not from Trigger.dev."""


class WebhookInvalidPayloadError(WebhookError):
    """The signature is right but the body is not an alert event: not JSON, or an event of a
    known ``type`` whose ``object`` has another shape (the message says where)."""


class TriggerPanicError(TriggerError):
    """The library panicked (a bug in triggerdev); the message says where. The library stays
    usable."""


# trigger_result values (fixed, never reused) -> exception class.
_BY_KIND: Dict[int, Type[TriggerError]] = {
    1: InvalidArgumentError,
    2: MissingCredentialsError,
    3: InvalidCredentialsError,
    4: UnsupportedCredentialError,
    5: MissingProjectRefError,
    6: BadRequestError,
    7: AuthenticationError,
    8: PermissionDeniedError,
    9: NotFoundError,
    10: ConflictError,
    11: UnprocessableEntityError,
    12: RateLimitError,
    13: InternalServerError,
    14: APIStatusError,
    15: APIConnectionError,
    16: APITimeoutError,
    17: DecodeError,
    18: BatchNotSealedError,
    19: ResponseTooLargeError,
    20: PollLimitReachedError,
    21: SessionClosedError,
    22: CancelledError,
    23: CallInterruptedError,
    24: WaitTimeoutError,
    25: WebhookMissingSignatureError,
    26: WebhookInvalidSignatureError,
    27: WebhookInvalidPayloadError,
    100: TriggerPanicError,
}


def error_from_parts(
    kind: int,
    status: int,
    message: str,
    raw_body: Optional[str],
    code: Optional[str],
    retry_after_ms: int,
    argument: Optional[str] = None,
) -> TriggerError:
    """The exception for a failed call (unknown future kinds give a plain ``TriggerError``).
    ``argument`` is the Python name of the argument an ``InvalidArgumentError`` is about."""
    cls = _BY_KIND.get(kind, TriggerError)
    if not message:
        message = f"triggerdev call failed (trigger_result {kind})"
    error = cls(message, kind=kind, status=status or None, raw_body=raw_body, code=code)
    if isinstance(error, RateLimitError):
        error.retry_after = retry_after_ms / 1000.0 if retry_after_ms >= 0 else None
    if isinstance(error, InvalidArgumentError) and argument is not None:
        error.argument = argument
    return error


# --- the library's argument names -> the keywords Python callers write ---------------------
#
# The library names an invalid argument as its Rust API does (``trigger_error_argument``): a
# parameter (``run_id``), a member of a JSON argument by its JSON name under the argument
# (``params.limit``, ``body.externalId``, ``items[0].options.tags``) or a configuration option
# (``base_url``). A Python method takes those members as keywords, named as the JSON names in
# snake_case; the tables hold the exceptions.

# JSON arguments whose members are keywords of their own in Python.
_CONTAINERS = frozenset({"params", "options", "body", "config", "override"})

# Keywords that are not the snake_case of the library's name (a name here also renames what is
# under it: ``config.requestOptions.retry.factor`` -> ``retry.factor``).
_KEYWORDS: Dict[str, str] = {
    "params.from": "from_",
    "options.intervalMs": "interval",
    "body.triggerConfig.basePayload": "base_payload",
    "config.future.v2RealtimeStreams": "v2_realtime_streams",
    "override.future.v2RealtimeStreams": "v2_realtime_streams",
}
# The request options: members of the configuration (``config``, ``override``) and the whole
# argument of ``with_options`` (``options``), with the retry policy's seconds.
for _where in ("config.requestOptions", "override.requestOptions", "options"):
    _KEYWORDS.update(
        {
            f"{_where}.timeoutMs": "timeout",
            f"{_where}.additionalHeaders": "additional_headers",
            f"{_where}.retry": "retry",
            f"{_where}.retry.minTimeoutInMs": "retry.min_timeout",
            f"{_where}.retry.maxTimeoutInMs": "retry.max_timeout",
            f"{_where}.retry.maxRateLimitWaitMs": "retry.max_rate_limit_wait",
        }
    )

# What a whole JSON argument is called (an error about no member in particular): the method.
_METHODS: Dict[str, str] = {
    "trigger_client_new": "Client",
    "trigger_client_with_options": "with_options",
    "trigger_configure": "configure",
    "trigger_auth_push": "with_auth",
    "trigger_auth_override": "with_auth",
}

# Areas of the C ABI whose name has an underscore (`trigger_bulk_actions_create`).
_AREAS = ("idempotency_keys", "bulk_actions")

# Names the library's messages mention in backticks whose Python spelling differs.
_REFERENCES: Dict[str, str] = {
    "`runIds`": "`run_ids`",
    "`basePayload`": "`base_payload`",
    "`caBundlePath`": "`ca_bundle_path`",
    "`caBundlePem`": "`ca_bundle_pem`",
}

_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z\d])([A-Z])")


def _snake(name: str) -> str:
    """``taskIdentifier`` -> ``task_identifier``, ``baseURL`` -> ``base_url``."""
    return _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name)).lower()


def _method(export: str) -> str:
    """``trigger_runs_list_iter`` -> ``runs.list``: the Python method of an export."""
    if export in _METHODS:
        return _METHODS[export]
    name = export[len("trigger_") :] if export.startswith("trigger_") else export
    if name.endswith("_iter"):
        name = name[: -len("_iter")]
    for area in _AREAS:
        if name.startswith(area + "_"):
            return f"{area}.{name[len(area) + 1:]}"
    area, _, method = name.partition("_")
    return f"{area}.{method}" if method else area


def keyword(export: str, argument: str) -> str:
    """The argument the library names ``argument`` (in a call of ``export``), as the Python
    caller wrote it: ``params.limit`` -> ``limit``, ``body.taskIdentifier`` ->
    ``task_identifier``, ``items[0].options.tags`` -> ``items[0].options.tags``."""
    exact = _KEYWORDS.get(argument)
    if exact:
        return exact
    parts = argument.split(".")
    if parts[0] not in _CONTAINERS:
        return ".".join(_snake(part) for part in parts)
    if len(parts) == 1:
        return _method(export)
    for n in range(len(parts) - 1, 1, -1):  # the longest renamed part
        renamed = _KEYWORDS.get(".".join(parts[:n]))
        if renamed:
            return ".".join([renamed] + [_snake(part) for part in parts[n:]])
    return ".".join(_snake(part) for part in parts[1:])


def binding_message(export: str, argument: Optional[str], reason: str) -> str:
    """The message of a library error in Python's words: ``<keyword>: <reason>`` for an
    invalid argument, the reason alone otherwise."""
    for name, spelling in _REFERENCES.items():
        reason = reason.replace(name, spelling)
    return reason if argument is None else f"{keyword(export, argument)}: {reason}"
