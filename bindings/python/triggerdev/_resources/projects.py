"""What a pipeline holding a personal access token asks about a project
(``client.projects``)."""

from __future__ import annotations

from typing import Optional

from .._encode import cstr, opt_cstr
from .._ffi import LIB
from .._models import ProjectEnvironment, WhoAmI
from ._area import _Area


class Projects(_Area):
    """An environment's secret key for a personal access token, and ``whoami``
    (``client.projects``)."""

    __slots__ = ()

    def environment(self, project_ref: str, env: str) -> ProjectEnvironment:
        """The secret key and API URL of environment ``env`` (``dev``, ``staging``, ``prod``,
        ``preview``): ``Client(access_token=e.api_key, base_url=e.api_url)`` then triggers.
        On ``preview`` the client's preview branch must exist. ``repr`` hides the key."""
        raw = self._c.json(LIB.trigger_projects_environment, cstr(project_ref, "project_ref"), cstr(env, "env"))
        return ProjectEnvironment._from_json(raw)

    def whoami(self, project_ref: Optional[str] = None) -> WhoAmI:
        """The user the personal access token belongs to, with ``project_ref``'s project when
        the user reaches it."""
        return WhoAmI._from_json(self._c.json(LIB.trigger_projects_whoami, opt_cstr(project_ref, "project_ref")))
