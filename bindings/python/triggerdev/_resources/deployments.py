"""Deployments of the key's environment (``client.deployments``)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Union

from .. import _encode as enc
from .._encode import Option, cstr, option_table
from .._ffi import LIB
from .._models import Deployment, DeploymentsPage, PromotedDeployment
from .._pager import ListIterable, cursor_pages
from ._area import _Area


_LIST_DEPLOYMENTS_PARAMS = option_table(
    Option("status", "status", enc.is_str),
    Option("period", "period", enc.is_str),
    Option("from_", "from", enc.iso_or_str),
    Option("to", "to", enc.iso_or_str),
    Option("limit", "limit", enc.is_non_negative_int),
    Option("cursor", "cursor", enc.is_str),
)


_LIST_EXPORTS = (
    LIB.trigger_deployments_list_iter,
    LIB.trigger_deployments_iter_next,
    LIB.trigger_deployments_iter_free,
)
_PAGES = cursor_pages(LIB.trigger_deployments_list, DeploymentsPage, "cursor")


class Deployments(_Area):
    """Deployments of the key's environment (``client.deployments``)."""

    __slots__ = ()

    def list(
        self,
        *,
        status: Optional[str] = None,
        period: Optional[str] = None,
        from_: Optional[Union[datetime, str]] = None,
        to: Optional[Union[datetime, str]] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> ListIterable[Deployment, DeploymentsPage]:
        """Deployments, newest first: iterate for all of them (``limit`` is the page size,
        1 to 100), or ``.page()`` for one page. ``status`` is ``DEPLOYED``, ``FAILED``, ...;
        ``period`` such as ``"7d"``; ``from_``/``to`` datetimes (or ISO-8601 text); ``cursor``
        a page's ``pagination.next``."""
        values = {"status": status, "period": period, "from_": from_, "to": to, "limit": limit, "cursor": cursor}
        params = enc.build_options(_LIST_DEPLOYMENTS_PARAMS, values, "")
        return ListIterable(self._c, _LIST_EXPORTS, params, Deployment, "deployments iterator", _PAGES)

    def retrieve(self, deployment_id: str) -> Deployment:
        """A deployment by id (with its worker and tasks)."""
        raw = self._c.json(LIB.trigger_deployments_retrieve, cstr(deployment_id, "deployment_id"))
        return Deployment._from_json(raw)

    def retrieve_current(self) -> Deployment:
        """The deployment new runs go to."""
        return Deployment._from_json(self._c.json(LIB.trigger_deployments_retrieve_current))

    def retrieve_latest(self) -> Deployment:
        """The newest deployment, whatever its status."""
        return Deployment._from_json(self._c.json(LIB.trigger_deployments_retrieve_latest))

    def promote(self, version: str) -> PromotedDeployment:
        """Makes the deployment of ``version`` the current one (``BadRequestError`` for one
        that is not deployed, already current, or older than the current one)."""
        return PromotedDeployment._from_json(self._c.json(LIB.trigger_deployments_promote, cstr(version, "version")))
