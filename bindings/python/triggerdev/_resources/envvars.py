"""Environment variables of a project's environment (``client.envvars``)."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Union

from .. import _encode as enc
from .._call import loads
from .._encode import cstr, dumps
from .._exceptions import InvalidArgumentError
from .._ffi import LIB, call_json
from .._models import EnvVar, SuccessResponse
from ._area import _Area


def parse_dotenv(text: str) -> Dict[str, str]:
    """Parses the text of a ``.env`` file (``KEY=value`` lines, ``#`` comments, ``export``
    prefixes, quoted and multi-line values) into a dict in file order. No request is made; a
    line that cannot be read raises ``InvalidArgumentError`` naming it."""
    data = loads(call_json(LIB.trigger_envvars_parse_dotenv, cstr(text, "text")))
    return dict(data)


def _upload_body(
    variables: Any, parent_variables: Any, is_secret: Optional[bool], override: Optional[bool]
) -> bytes:
    """The body of ``upload`` (without ``variables`` when they are None: ``upload_dotenv``'s
    options)."""
    body: Dict[str, Any] = {} if variables is None else {"variables": enc.str_pairs(variables, "variables")}
    if parent_variables is not None:
        body["parentVariables"] = enc.str_pairs(parent_variables, "parent_variables")
    if is_secret is not None:
        body["isSecret"] = enc.is_bool(is_secret, "is_secret")
    if override is not None:
        body["override"] = enc.is_bool(override, "override")
    return dumps(body, "body")


class EnvVars(_Area):
    """Environment variables of a project's environment (``client.envvars``). ``env`` is the
    environment slug: ``dev``, ``staging``, ``prod`` or ``preview`` (with a preview branch)."""

    __slots__ = ()

    def list(self, project_ref: str, env: str) -> List[EnvVar]:
        """Every variable (secret values come back redacted)."""
        raw = self._c.json(LIB.trigger_envvars_list, cstr(project_ref, "project_ref"), cstr(env, "env"))
        return [EnvVar(item) for item in loads(raw)]

    def retrieve(self, project_ref: str, env: str, name: str) -> EnvVar:
        """One variable."""
        raw = self._c.json(
            LIB.trigger_envvars_retrieve, cstr(project_ref, "project_ref"), cstr(env, "env"), cstr(name, "name")
        )
        return EnvVar._from_json(raw)

    def create(
        self, project_ref: str, env: str, *, name: str, value: str, is_secret: Optional[bool] = None
    ) -> SuccessResponse:
        """Creates a variable, or overwrites the one with the same name."""
        body: Dict[str, Any] = {"name": enc.is_str(name, "name"), "value": enc.is_str(value, "value")}
        if is_secret is not None:
            body["isSecret"] = enc.is_bool(is_secret, "is_secret")
        raw = self._c.json(
            LIB.trigger_envvars_create, cstr(project_ref, "project_ref"), cstr(env, "env"), dumps(body, "body")
        )
        return SuccessResponse._from_json(raw)

    def update(self, project_ref: str, env: str, name: str, *, value: str) -> SuccessResponse:
        """Changes the value of an existing variable."""
        raw = self._c.json(
            LIB.trigger_envvars_update,
            cstr(project_ref, "project_ref"),
            cstr(env, "env"),
            cstr(name, "name"),
            cstr(value, "value"),
        )
        return SuccessResponse._from_json(raw)

    def delete(self, project_ref: str, env: str, name: str) -> SuccessResponse:
        """Deletes a variable (also spelled ``del_``, after the official ``del``)."""
        raw = self._c.json(
            LIB.trigger_envvars_del, cstr(project_ref, "project_ref"), cstr(env, "env"), cstr(name, "name")
        )
        return SuccessResponse._from_json(raw)

    del_ = delete

    def upload(
        self,
        project_ref: str,
        env: str,
        *,
        variables: Mapping[str, str],
        parent_variables: Optional[Mapping[str, str]] = None,
        is_secret: Optional[bool] = None,
        override: Optional[bool] = None,
    ) -> SuccessResponse:
        """Uploads many variables at once; without ``override=True`` existing ones are kept."""
        body = _upload_body(variables, parent_variables, is_secret, override)
        raw = self._c.json(LIB.trigger_envvars_upload, cstr(project_ref, "project_ref"), cstr(env, "env"), body)
        return SuccessResponse._from_json(raw)

    def upload_dotenv(
        self,
        project_ref: str,
        env: str,
        text_or_path: Union[str, "os.PathLike[str]"],
        *,
        parent_variables: Optional[Mapping[str, str]] = None,
        is_secret: Optional[bool] = None,
        override: Optional[bool] = None,
    ) -> SuccessResponse:
        """``upload`` of a ``.env`` file: its text, or a path (an ``os.PathLike``, or a str
        without ``=`` or newline naming an existing file)."""
        text = enc.path_or_text(text_or_path, "text_or_path")
        options = _upload_body(None, parent_variables, is_secret, override)
        try:
            raw = self._c.json(
                LIB.trigger_envvars_upload_dotenv,
                cstr(project_ref, "project_ref"),
                cstr(env, "env"),
                cstr(text, "text_or_path"),
                options,
            )
        except InvalidArgumentError as e:  # "text: line 2: ..." is about text_or_path here
            if e.argument != "text":
                raise
            renamed = InvalidArgumentError("text_or_path" + e.message[len("text") :], kind=e.kind)
            renamed.argument = "text_or_path"
            raise renamed from None
        return SuccessResponse._from_json(raw)

    @staticmethod
    def parse_dotenv(text: str) -> Dict[str, str]:
        """See ``triggerdev.parse_dotenv``."""
        return parse_dotenv(text)
