"""What every area shares: ``_Area`` (an area over a caller) and the argument types."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Sequence, Union

from .._call import Caller
from .._config import _seconds

Duration = Union[str, timedelta]
TimeOrDuration = Union[str, timedelta, datetime]
StrOrList = Union[str, Sequence[str]]


class _Area:
    __slots__ = ("_c",)

    def __init__(self, caller: Caller) -> None:
        self._c = caller

    def __repr__(self) -> str:
        where = "ambient" if self._c.is_ambient else "client"
        return f"<triggerdev {type(self).__name__.lower()} ({where})>"


def millis(value: Any, name: str) -> int:
    """Seconds (a number or a ``timedelta``) as whole milliseconds."""
    return round(_seconds(value, name) * 1000)
