"""Python values -> what crosses the C ABI, checked first.

A Python-side mistake (a wrong type, a value JSON cannot carry, None where a string is
required, a string with a NUL character) raises ``TypeError`` or ``InvalidArgumentError`` (a
``ValueError``) naming the argument, before anything reaches the library.
"""

from __future__ import annotations

import json
import math
import os
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._exceptions import InvalidArgumentError, keyword

__all__ = [
    "NOT_GIVEN",
    "NotGiven",
    "cstr",
    "opt_cstr",
    "dumps",
    "opt_dumps",
    "Option",
    "options_json",
    "build_options",
    "iso_time",
]


class NotGiven:
    """The type of ``NOT_GIVEN``: an argument that was left out (as opposed to ``None``)."""

    _instance: Optional["NotGiven"] = None

    def __new__(cls) -> "NotGiven":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def cstr(value: object, name: str) -> bytes:
    """A required string argument as NUL-terminated UTF-8."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError(f"{name}: not encodable as UTF-8 ({e.reason} at {e.start})") from None
    if b"\0" in data:
        raise InvalidArgumentError(f"{name}: must not contain NUL characters")
    return data


def opt_cstr(value: object, name: str) -> Optional[bytes]:
    """An optional string argument (None = NULL)."""
    return None if value is None else cstr(value, name)


def _default(name: str) -> Callable[[Any], Any]:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return iso_time(value)
        if isinstance(value, date):
            return value.isoformat()
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return to_dict()
        if isinstance(value, (set, frozenset)):  # no order: a JSON array would be a guess
            raise TypeError(f"{name}: a {type(value).__name__} is not JSON; pass a list")
        raise TypeError(f"{name} is not JSON serializable: {type(value).__name__} value")

    return default


# JSON arguments whose members are the caller's keywords: an error names the member.
_CONTAINERS = ("params", "options", "body", "config")


def dumps(value: object, name: str) -> bytes:
    """``value`` as compact JSON (UTF-8). Datetimes become ISO-8601 text, SDK records their
    JSON, tuples arrays. NaN, infinities and sets are refused (JSON has no such values). For
    a JSON argument the binding built from keywords (``name`` is ``body``, ``params``, ...),
    an error names the keyword whose value is at fault."""
    try:
        return _dumps(value, name)
    except (InvalidArgumentError, TypeError):
        if name in _CONTAINERS and isinstance(value, Mapping):
            _blame(value, name)
        raise


def _blame(value: Mapping[Any, Any], path: str) -> None:
    """Raises the error of the member of ``value`` (at ``path`` in the library's names) that
    JSON cannot carry, named as the caller's keyword (``config.requestOptions.additionalHeaders``
    -> ``additional_headers``)."""
    for key, member in value.items():
        where = f"{path}.{key}"
        try:
            _dumps(member, keyword("", where))
        except (InvalidArgumentError, TypeError):
            if isinstance(member, Mapping):
                _blame(member, where)
            raise


def _dumps(value: object, name: str) -> bytes:
    try:
        text = json.dumps(
            value,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_default(name),
        )
    except RecursionError:
        raise InvalidArgumentError(f"{name}: nested too deeply to serialize") from None
    except ValueError as e:
        # allow_nan=False ("Out of range float values ...") or a circular reference.
        raise InvalidArgumentError(f"{name}: {e}") from None
    except TypeError as e:
        message = str(e)
        if not message.startswith(name):
            # e.g. non-string dict keys of an unsupported type
            message = f"{name} is not JSON serializable: {message}"
        raise TypeError(message) from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError(f"{name}: holds a string that is not valid Unicode ({e.reason})") from None


def opt_dumps(value: object, name: str) -> Optional[bytes]:
    """JSON for an optional argument: NOT_GIVEN (and None) = NULL."""
    if value is None or value is NOT_GIVEN:
        return None
    return dumps(value, name)


def iso_time(value: datetime) -> str:
    """An aware or naive datetime as ISO-8601 UTC text (``2025-01-01T09:00:00.000Z``). A naive
    datetime is taken as local time, as ``datetime.timestamp()`` does."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# --- checks for option values -------------------------------------------------------------

Check = Callable[[Any, str], Any]


def is_str(value: Any, name: str) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    return value


def is_bool(value: Any, name: str) -> Any:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {_type_name(value)}")
    return value


def is_int(value: Any, name: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {_type_name(value)}")
    return value


def is_non_negative_int(value: Any, name: str) -> Any:
    is_int(value, name)
    if value < 0:
        raise InvalidArgumentError(f"{name}: must not be negative")
    return value


def is_dict(value: Any, name: str) -> Any:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict, not {_type_name(value)}")
    return dict(value)


def is_any(value: Any, name: str) -> Any:
    return value


def str_or_list(value: Any, name: str) -> Any:
    """A string, or a list/tuple of strings (sent as a list)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise TypeError(f"{name}[{i}] must be a str, not {_type_name(item)}")
        return list(value)
    raise TypeError(f"{name} must be a str or a list of str, not {_type_name(value)}")


def list_of_str(value: Any, name: str) -> Any:
    """A list of strings; one string is taken as a list of one."""
    result = str_or_list(value, name)
    return [result] if isinstance(result, str) else result


def seconds_str(value: Any, name: str) -> Any:
    """A duration: a string such as ``"5m"``, or a ``timedelta`` (sent as whole seconds)."""
    if isinstance(value, timedelta):
        secs = value.total_seconds()
        if secs < 0:
            raise InvalidArgumentError(f"{name}: must not be negative")
        return f"{math.ceil(secs)}s"
    return is_str(value, name)


def time_or_duration(value: Any, name: str) -> Any:
    """A duration (``"5m"``, ``timedelta``) or a point in time (``datetime``, sent as ISO)."""
    if isinstance(value, datetime):
        return iso_time(value)
    return seconds_str(value, name)


def ttl(value: Any, name: str) -> Any:
    """A time to live: a duration string, whole seconds (int) or a ``timedelta``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return is_non_negative_int(value, name)
    return seconds_str(value, name)


def int_seconds(value: Any, name: str) -> Any:
    """Whole seconds: an int or a ``timedelta``."""
    if isinstance(value, timedelta):
        secs = value.total_seconds()
        if secs < 0:
            raise InvalidArgumentError(f"{name}: must not be negative")
        return math.ceil(secs)
    return is_non_negative_int(value, name)


def epoch_ms(value: Any, name: str) -> Any:
    """A point in time as Unix epoch milliseconds: a ``datetime`` or an int of milliseconds."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return is_non_negative_int(value, name)


def idempotency_key(value: Any, name: str) -> Any:
    return str_or_list(value, name)


class Option:
    """One keyword option: its Python name, its JSON name and how its value is checked."""

    __slots__ = ("name", "key", "check")

    def __init__(self, name: str, key: str, check: Check = is_any) -> None:
        self.name = name
        self.key = key
        self.check = check


def option_table(*options: Option) -> Dict[str, Option]:
    """Options by Python name and by JSON name (both are accepted in option dicts)."""
    table: Dict[str, Option] = {}
    for opt in options:
        table[opt.name] = opt
        table[opt.key] = opt
    return table


def build_options(
    table: Mapping[str, Option],
    values: Mapping[str, Any],
    where: str,
    *,
    strict: bool = True,
) -> Dict[str, Any]:
    """The camelCase JSON object of the given options; None values are left out. Unknown names
    raise TypeError (as an unknown keyword argument would), naming ``where``. A value's error names it ``<where>.<option>``, or ``<option>`` when
    ``where`` is empty (the options are the method's keywords)."""
    result: Dict[str, Any] = {}
    for name, value in values.items():
        opt = table.get(name)
        if opt is None:
            if strict:
                known = sorted({o.name for o in table.values()})
                where_ = f"{where}: " if where else ""
                raise TypeError(f"{where_}unknown option {name!r} (expected one of {', '.join(known)})")
            continue
        if value is None or value is NOT_GIVEN:
            continue
        result[opt.key] = opt.check(value, f"{where}.{opt.name}" if where else opt.name)
    return result


def options_json(
    table: Mapping[str, Option], values: Mapping[str, Any], where: str = ""
) -> Optional[bytes]:
    """``build_options`` as JSON bytes, or None (NULL) when no option is set."""
    built = build_options(table, values, where)
    if not built:
        return None
    return dumps(built, where or "options")


def path_or_text(value: Union[str, "os.PathLike[str]"], name: str) -> str:
    """The text of a ``.env`` file: a path (``os.PathLike``, or a str with no ``=`` and no
    newline that names an existing file) is read; any other str is the text itself."""
    if isinstance(value, os.PathLike):
        with open(value, encoding="utf-8") as f:
            return f.read()
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or a path, not {_type_name(value)}")
    if "=" not in value and "\n" not in value and value.strip() and os.path.isfile(value):
        with open(value, encoding="utf-8") as f:
            return f.read()
    return value


def str_pairs(value: Any, name: str) -> Dict[str, str]:
    """A mapping (or iterable of pairs) of str to str."""
    if isinstance(value, Mapping):
        items: Iterable[Tuple[Any, Any]] = value.items()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise TypeError(f"{name} must be a dict of str to str, not {_type_name(value)}")
    result: Dict[str, str] = {}
    for item in items:
        try:
            k, v = item
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold (name, value) pairs") from None
        if not isinstance(k, str):
            raise TypeError(f"{name} keys must be str, not {_type_name(k)}")
        if not isinstance(v, str):
            raise TypeError(f"{name}[{k!r}] must be a str, not {_type_name(v)}")
        result[k] = v
    return result


def queue_filter(value: Any, name: str) -> Any:
    """Run-list queue filters: ``"name"`` / ``"task/name"`` strings or ``{"type", "name"}``
    dicts, one or a list."""
    values: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
    result: List[Any] = []
    for i, item in enumerate(values):
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, Mapping):
            result.append(dict(item))
        else:
            raise TypeError(f"{name}[{i}] must be a str or a dict, not {_type_name(item)}")
    return result


def in_range(value: Any, name: str, low: int, high: int) -> int:
    """An int the C type of its parameter can carry (a ``uint32_t``, an ``int64_t``): ctypes
    would silently wrap a larger one."""
    is_int(value, name)
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name}: must be between {low} and {high}")
    return int(value)


UINT32_MAX = 2**32 - 1
INT64_MAX = 2**63 - 1


def iso_or_str(value: Any, name: str) -> Any:
    """A point in time as the API's ISO-8601 text: a ``datetime``, or text as given."""
    if isinstance(value, datetime):
        return iso_time(value)
    return is_str(value, name)


def expiration(value: Any, name: str) -> Any:
    """When a public token expires: a duration string (``"15m"``, ``"2h"``), a ``timedelta``
    (sent as whole seconds, ``"900s"``), a ``datetime`` or an int (absolute Unix seconds)."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, int) and not isinstance(value, bool):
        return is_non_negative_int(value, name)
    return seconds_str(value, name)


def str_list(value: Any, name: str) -> Any:
    """A list (or tuple) of strings; unlike ``list_of_str``, one string is refused."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of str, not {_type_name(value)}")
    return str_or_list(value, name)


def dict_or_list(value: Any, name: str) -> Any:
    """One JSON object (a dict) or a list of them."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple)):
        return [is_dict(item, f"{name}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{name} must be a dict or a list of dicts, not {_type_name(value)}")


# Public token scopes: {action: {resource: id | [ids] | True}}, the JSON of
# trigger_auth_create_public_token. The two camelCase names are also taken in snake_case.
_SCOPE_NAMES = {"batch_trigger": "batchTrigger", "input_streams": "inputStreams"}


def token_scopes(value: Any, name: str) -> Any:
    """Scopes as the official SDK takes them, checked for their Python types (the library
    checks the names and ids)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of actions (read, write, trigger, batch_trigger), not {_type_name(value)}")
    result: Dict[str, Any] = {}
    for action, resources in value.items():
        if not isinstance(action, str):
            raise TypeError(f"{name} keys must be str, not {_type_name(action)}")
        where = f"{name}[{action!r}]"
        if not isinstance(resources, Mapping):
            raise TypeError(f"{where} must be a dict of resources (runs, tasks, sessions, ...), not {_type_name(resources)}")
        out: Dict[str, Any] = {}
        for resource, ids in resources.items():
            if not isinstance(resource, str):
                raise TypeError(f"{where} keys must be str, not {_type_name(resource)}")
            inner = f"{where}[{resource!r}]"
            if isinstance(ids, bool):
                out[_SCOPE_NAMES.get(resource, resource)] = ids
            elif isinstance(ids, (str, list, tuple)):
                out[_SCOPE_NAMES.get(resource, resource)] = str_or_list(ids, inner)
            else:
                raise TypeError(f"{inner} must be an id, a list of ids or True, not {_type_name(ids)}")
        result[_SCOPE_NAMES.get(action, action)] = out
    return result
