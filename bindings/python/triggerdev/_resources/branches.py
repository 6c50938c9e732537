"""Preview and dev branches of a project, for CI (``client.branches``)."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Mapping, Optional

from .. import _encode as enc
from .._call import loads
from .._encode import cstr, dumps, opt_cstr
from .._ffi import LIB
from .._models import ArchivedBranch, Branch, BranchId
from ._area import _Area

#: Which environment a branch belongs to.
BranchEnv = Literal["preview", "development"]


class Branches(_Area):
    """Preview and dev branches (``client.branches``). ``env`` is ``preview`` (the default) or
    ``development``. A personal access token does everything; creating and archiving preview
    branches also works with the preview environment's own secret key."""

    __slots__ = ()

    def create(
        self, project_ref: str, branch: str, *, env: BranchEnv = "preview", git: Optional[Mapping[str, Any]] = None
    ) -> BranchId:
        """Creates a branch, or updates its git metadata (``commitSha``, ``pullRequestNumber``,
        ...) if it exists."""
        body: Dict[str, Any] = {"env": enc.is_str(env, "env"), "branch": enc.is_str(branch, "branch")}
        if git is not None:
            body["git"] = enc.is_dict(git, "git")
        raw = self._c.json(LIB.trigger_branches_create, cstr(project_ref, "project_ref"), dumps(body, "body"))
        return BranchId._from_json(raw)

    def list(self, project_ref: str) -> List[Branch]:
        """The live preview branches (a personal access token only)."""
        raw = self._c.json(LIB.trigger_branches_list, cstr(project_ref, "project_ref"))
        return [Branch(item) for item in loads(raw)["branches"]]

    def archive(self, project_ref: str, branch: str, *, env: BranchEnv = "preview") -> ArchivedBranch:
        """Archives a branch: it is no longer listed, and its name may be created again."""
        raw = self._c.json(
            LIB.trigger_branches_archive,
            cstr(project_ref, "project_ref"),
            opt_cstr(env, "env"),
            cstr(branch, "branch"),
        )
        return ArchivedBranch._from_json(raw)
