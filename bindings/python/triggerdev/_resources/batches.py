"""Batches (``client.batches``)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

from .._encode import cstr, dumps
from .._ffi import LIB
from .._models import Batch, BatchResults
from ._area import _Area
from .realtime import RunSubscription, _skip_columns


class Batches(_Area):
    """Batches (``client.batches``)."""

    __slots__ = ()

    def retrieve(self, batch_id: str) -> Batch:
        """A batch (``GET /api/v2/batches/{batch_id}``)."""
        return Batch._from_json(self._c.json(LIB.trigger_batches_retrieve, cstr(batch_id, "batch_id")))

    def results(self, batch_id: str) -> BatchResults:
        """The results of a batch's finished runs (``GET /api/v1/batches/{batch_id}/results``,
        the official lower-level ``getBatchResults``)."""
        return BatchResults._from_json(self._c.json(LIB.trigger_batches_results, cstr(batch_id, "batch_id")))

    def subscribe(self, batch_id: str, *, skip_columns: Optional[Sequence[str]] = None) -> RunSubscription:
        """The runs of a batch as they change (``GET /realtime/v1/batches/{batch_id}``); never
        ends on its own (see ``RunSubscription``)."""
        options: Dict[str, Any] = {}
        if skip_columns is not None:
            options["skipColumns"] = _skip_columns(skip_columns)
        opts = dumps(options, "options") if options else None
        return RunSubscription(self._c, LIB.trigger_batches_subscribe, (cstr(batch_id, "batch_id"), opts))
