"""Waitpoint tokens (``client.waitpoints``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional, Union

from .. import _encode as enc
from .._encode import NOT_GIVEN, Option, cstr, dumps, option_table, options_json
from .._ffi import LIB
from .._models import CreatedWaitpointToken, SuccessResponse, WaitpointToken, WaitpointTokensPage
from .._pager import ListIterable, cursor_pages
from ._area import Duration, StrOrList, TimeOrDuration, _Area


_CREATE_TOKEN_OPTIONS = option_table(
    Option("timeout", "timeout", enc.time_or_duration),
    Option("idempotency_key", "idempotencyKey", enc.is_str),
    Option("idempotency_key_ttl", "idempotencyKeyTTL", enc.seconds_str),
    Option("tags", "tags", enc.list_of_str),
)

_LIST_TOKENS_PARAMS = option_table(
    Option("status", "status", enc.list_of_str),
    Option("idempotency_key", "idempotencyKey", enc.is_str),
    Option("tags", "tags", enc.list_of_str),
    Option("period", "period", enc.is_str),
    Option("from_", "from", enc.epoch_ms),
    Option("to", "to", enc.epoch_ms),
    Option("limit", "limit", enc.is_non_negative_int),
    Option("after", "after", enc.is_str),
    Option("before", "before", enc.is_str),
)


_LIST_EXPORTS = (
    LIB.trigger_waitpoints_list_tokens_iter,
    LIB.trigger_waitpoints_tokens_iter_next,
    LIB.trigger_waitpoints_tokens_iter_free,
)
_PAGES = cursor_pages(LIB.trigger_waitpoints_list_tokens, WaitpointTokensPage)


class Waitpoints(_Area):
    """Waitpoint tokens (``client.waitpoints``): create one, hand its URL or public token to
    whoever decides, and complete it with data; a run waiting on it resumes with that data."""

    __slots__ = ()

    def create_token(
        self,
        *,
        timeout: Optional[TimeOrDuration] = None,
        idempotency_key: Optional[str] = None,
        idempotency_key_ttl: Optional[Duration] = None,
        tags: Optional[StrOrList] = None,
    ) -> CreatedWaitpointToken:
        """Creates a token. ``timeout`` is a duration (``"1h"``, ``timedelta``) or a
        ``datetime``; the same ``idempotency_key`` (until ``idempotency_key_ttl``) returns
        the same token. The result carries the callback ``url`` and a public access token
        scoped ``write:waitpoints:<id>``."""
        values = {
            "timeout": timeout,
            "idempotency_key": idempotency_key,
            "idempotency_key_ttl": idempotency_key_ttl,
            "tags": tags,
        }
        opts = options_json(_CREATE_TOKEN_OPTIONS, values)
        return CreatedWaitpointToken._from_json(self._c.json(LIB.trigger_waitpoints_create_token, opts))

    def list_tokens(
        self,
        *,
        status: Optional[StrOrList] = None,
        idempotency_key: Optional[str] = None,
        tags: Optional[StrOrList] = None,
        period: Optional[str] = None,
        from_: Optional[Union[datetime, int]] = None,
        to: Optional[Union[datetime, int]] = None,
        limit: Optional[int] = None,
        after: Optional[str] = None,
        before: Optional[str] = None,
    ) -> ListIterable[WaitpointToken, WaitpointTokensPage]:
        """Tokens matching the filters, newest first: iterate for all of them (``limit`` is
        the page size) or ``.page()`` for one. ``status``: ``WAITING``, ``COMPLETED``,
        ``TIMED_OUT`` (one or a list); ``from_``/``to`` datetimes or epoch milliseconds."""
        values = {
            "status": status,
            "idempotency_key": idempotency_key,
            "tags": tags,
            "period": period,
            "from_": from_,
            "to": to,
            "limit": limit,
            "after": after,
            "before": before,
        }
        params = enc.build_options(_LIST_TOKENS_PARAMS, values, "")
        return ListIterable(self._c, _LIST_EXPORTS, params, WaitpointToken, "waitpoint tokens iterator", _PAGES)

    def retrieve_token(self, token_id: str) -> WaitpointToken:
        """A token, with its completion data (``output``, encoded as ``output_type`` says)
        once completed."""
        return WaitpointToken._from_json(self._c.json(LIB.trigger_waitpoints_retrieve_token, cstr(token_id, "token_id")))

    def complete_token(self, token_id: str, data: Any = NOT_GIVEN) -> SuccessResponse:
        """Completes a token with ``data`` (any JSON-serializable value; leave it out to send
        no data, ``None`` sends JSON null); a run waiting on it resumes with the data. A client
        made of the token's public access token alone may call this."""
        tid = cstr(token_id, "token_id")
        body = None if data is NOT_GIVEN else dumps(data, "data")
        return SuccessResponse._from_json(self._c.json(LIB.trigger_waitpoints_complete_token, tid, body))
