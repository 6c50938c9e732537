"""Alert webhooks: check that a request to your alert URL came from Trigger.dev and decode its
event (the official SDK's ``webhooks.constructEvent``). No request is made; no client or
configuration is needed.

Trigger.dev POSTs JSON with the header ``x-trigger-signature-hmacsha256``: the lower-case hex
HMAC-SHA256 of the exact body bytes keyed with the alert's secret. Pass the raw body (Flask's
``request.get_data()``, FastAPI's ``await request.body()``), not JSON parsed and written again::

    event = triggerdev.webhooks.construct_event(
        request.get_data(), request.headers.get("x-trigger-signature-hmacsha256"), secret
    )
    if event.type == "alert.run.failed":
        print(event.object.run.id, event.object.run.error.message)
"""

from __future__ import annotations

from typing import Optional, Union

from ._encode import cstr, opt_cstr
from ._exceptions import InvalidArgumentError
from ._ffi import LIB, call_json
from ._models import WebhookEvent

__all__ = ["SIGNATURE_HEADER", "construct_event"]

#: The request header that carries the signature.
SIGNATURE_HEADER = "x-trigger-signature-hmacsha256"


def construct_event(
    payload: Union[bytes, bytearray, memoryview, str], signature: Optional[str], secret: str
) -> WebhookEvent:
    """Verifies an alert webhook's request and decodes its event.

    ``payload`` is the raw request body (text is taken as UTF-8; the bytes as received are
    best), ``signature`` the ``x-trigger-signature-hmacsha256`` header (None when the request
    has none), ``secret`` the webhook alert's secret. The signature is compared in constant
    time. An event of a type this SDK does not know (the server also sends
    ``alert.dashboard_agent_watch``) is verified and returned with its object as a dict, where
    the official SDK raises.

    Raises ``WebhookMissingSignatureError``, ``WebhookInvalidSignatureError`` (another secret,
    upper-case hex, a body changed after signing) or ``WebhookInvalidPayloadError`` (signed but
    not an alert event), all ``WebhookError``: answer the request with a 400.
    ``InvalidArgumentError`` for an empty ``secret``; ``TypeError`` for arguments of the wrong
    type."""
    if isinstance(payload, str):
        try:
            body = payload.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidArgumentError(f"payload: not encodable as UTF-8 ({e.reason} at {e.start})") from None
    elif isinstance(payload, (bytes, bytearray, memoryview)):
        body = bytes(payload)
    else:
        raise TypeError(f"payload must be bytes or str, not {type(payload).__name__}")
    raw = call_json(
        LIB.trigger_webhooks_construct_event,
        body,
        len(body),
        opt_cstr(signature, "signature"),
        cstr(secret, "secret"),
    )
    return WebhookEvent._from_json(raw)
