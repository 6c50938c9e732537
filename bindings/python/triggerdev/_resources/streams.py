"""Input streams (``client.streams``): values sent to a running task. Run streams (what a task
writes) are read with ``runs.stream``."""

from __future__ import annotations

from typing import Any

from .._encode import cstr, dumps
from .._ffi import LIB
from ._area import _Area


class Streams(_Area):
    """Input streams (``client.streams``, ``triggerdev.streams``)."""

    __slots__ = ()

    def send_input(self, run_id: str, stream_id: str, data: Any) -> None:
        """Sends ``data`` (any JSON value) to the run's input stream ``stream_id``
        (``POST /realtime/v1/streams/{run_id}/input/{stream_id}``, body ``{"data": data}``; the
        official ``streams.input({id}).send(runId, data)``), with the client's retries."""
        rid = cstr(run_id, "run_id")
        sid = cstr(stream_id, "stream_id")
        self._c.json(LIB.trigger_streams_send_input, rid, sid, dumps(data, "data"))
