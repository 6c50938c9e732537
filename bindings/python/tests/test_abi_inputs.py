"""Every JSON argument the binding builds agrees with docs/abi-inputs.json, the description of
the C ABI's inputs made from the Rust types: each key exists in the Rust struct with a type it
takes, required keys are sent, and each Rust field is reachable from a keyword (or listed in
NOT_EXPOSED with the reason).

Every public method of every area of a client (and the top-level functions that build a
configuration) is called with each of its keywords set, once per kind of value its annotation
allows (a str, a list, a timedelta, ...); the JSON arguments it hands to the library are
recorded instead of being sent.
"""

from __future__ import annotations

import collections.abc
import inspect
import json
import sys
import typing
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest

import triggerdev
from triggerdev import _encode as enc
from triggerdev import _ffi
from triggerdev._resources import bulk_actions as bulk_module
from triggerdev._resources import sessions as sessions_module
from triggerdev._resources import tasks as tasks_module

ROOT = Path(__file__).resolve().parents[3]
DESCRIPTION = json.loads((ROOT / "docs" / "abi-inputs.json").read_text())
STRUCTS: Dict[str, Dict[str, Any]] = DESCRIPTION["structs"]

# Rust fields the binding deliberately does not expose, and why.
NOT_EXPOSED: Dict[Tuple[str, str], str] = {
    # An alias of `cursor` that the binding has no use for.
    ("ListDeploymentsParams", "after"): "serde alias of cursor",
}

# JSON arguments the binding passes through untouched: the library's own output handed back.
PASSED_BACK = {
    ("trigger_runs_result_output", "result_json"),
    ("trigger_waitpoints_token_output", "token_json"),
}

# What each check function of an option table (triggerdev._encode) takes: one value per kind
# of JSON it sends. A table with a check not listed here fails the test.
CHECK_SAMPLES: Dict[Any, List[Any]] = {
    enc.is_str: ["x"],
    enc.is_bool: [True],
    enc.is_non_negative_int: [3],
    enc.is_dict: [{"k": 1}],
    enc.is_any: [{"k": 1}],
    enc.str_or_list: ["x", ["x", "y"]],
    enc.list_of_str: ["x", ["x", "y"]],
    enc.idempotency_key: ["x", ["x", "y"]],
    enc.seconds_str: ["5m", timedelta(seconds=90)],
    enc.time_or_duration: ["5m", timedelta(seconds=90), datetime(2025, 1, 2, tzinfo=timezone.utc)],
    enc.ttl: ["10m", 60, timedelta(minutes=1)],
    enc.int_seconds: [30, timedelta(seconds=30)],
    enc.epoch_ms: [1700000000000, datetime(2025, 1, 2, tzinfo=timezone.utc)],
    enc.iso_or_str: ["2025-01-02T00:00:00Z", datetime(2025, 1, 2, tzinfo=timezone.utc)],
    enc.expiration: ["15m", timedelta(minutes=15), datetime(2030, 1, 2, tzinfo=timezone.utc), 1900000000],
    enc.dict_or_list: [{"type": "task", "name": "t"}, [{"type": "custom", "name": "q"}]],
    enc.queue_filter: ["q", {"type": "task", "name": "t"}, ["q", {"type": "custom", "name": "c"}]],
    enc.token_scopes: [{"read": {"runs": ["run_1"], "tasks": True}, "batch_trigger": {"tasks": "t"}}],
    tasks_module._debounce: [{"key": "k", "delay": "5s", "mode": "trailing", "max_delay": timedelta(minutes=1)}],
}


def _table_samples(table: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Dicts that set every option of an option table (by its Python names), each value in
    turn of each kind its check takes."""
    options = {opt.name: opt for opt in table.values()}
    for opt in options.values():
        assert opt.check in CHECK_SAMPLES, f"no samples for the check {opt.check.__name__} of {opt.name}"
    width = max(len(CHECK_SAMPLES[opt.check]) for opt in options.values())
    return [
        {name: CHECK_SAMPLES[opt.check][i % len(CHECK_SAMPLES[opt.check])] for name, opt in options.items()}
        for i in range(width)
    ]


# Values for parameters whose annotation is too loose to make one the library takes.
SPECIAL: Dict[str, List[Any]] = {
    "debounce": CHECK_SAMPLES[tasks_module._debounce],
    "scopes": CHECK_SAMPLES[enc.token_scopes],
    "filter": _table_samples(bulk_module.BULK_ACTION_FILTER),
    "trigger_config": _table_samples(sessions_module._TRIGGER_CONFIG),
    "items": [
        [{"task": "t", "payload": {"n": 1}, "options": options}, {"task": "u"}]
        for options in _table_samples(tasks_module.TRIGGER_OPTIONS)
    ]
    + [[tasks_module.BatchItem("t", 1, tags="a", max_duration=timedelta(seconds=5))]],
    "retry": [
        triggerdev.RetryPolicy(
            max_attempts=3, factor=2.0, min_timeout=0.5, max_timeout=2, randomize=True, max_rate_limit_wait=10
        ),
        {"max_attempts": 2, "factor": 1.5},
    ],
    "operations": [[{"type": "set", "key": "k", "value": 1}]],
    "parent_operations": [[{"type": "increment", "key": "n", "value": 1}]],
    "root_operations": [[{"type": "append", "key": "l", "value": 1}]],
    "config": [],  # with_auth's snapshot: the same keys as its keywords
    "queue_type": ["task"],
    "scope": ["run"],
    "env": ["dev"],
    "action": ["cancel", "replay"],
}


class Recorded(Exception):
    """Raised instead of calling the library: the call was recorded."""


def _header_params() -> Dict[str, List[str]]:
    """Each export's parameter names, in order (from include/triggerdev.h)."""
    import re

    text = (ROOT / "include" / "triggerdev.h").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out: Dict[str, List[str]] = {}
    for m in re.finditer(r"(trigger_\w+)\s*\(([^;{]*?)\)\s*;", text):
        params = [p.strip() for p in m.group(2).split(",") if p.strip() and p.strip() != "void"]
        out[m.group(1)] = [re.split(r"[\s*]+", p)[-1] for p in params]
    return out


PARAMS = _header_params()


class Recorder:
    """Stands in for the library's call helpers: records (export, {argument: JSON}) and raises
    ``Recorded``."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Dict[str, Any]]] = []

    def __call__(self, fn: Any, *args: Any) -> Any:
        export = fn.__name__
        names = PARAMS[export]
        json_args = {}
        for name, value in zip(names, args):
            if name.endswith("_json") and isinstance(value, bytes):
                json_args[name] = json.loads(value)
        self.calls.append((export, json_args))
        raise Recorded(export)


def _install(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    originals = {getattr(_ffi, n) for n in ("call_json", "call_handle", "call_void", "call_int64")}
    for name, module in list(sys.modules.items()):
        if not name.startswith("triggerdev") or module is None:
            continue
        for attr in ("call_json", "call_handle", "call_void", "call_int64"):
            if getattr(module, attr, None) in originals:
                monkeypatch.setattr(module, attr, rec)
    return rec


def _samples(tp: Any, name: str) -> List[Any]:
    """Values of the type ``tp``: one per kind (str, list, timedelta, ...). A Literal's own
    values come first (``env`` is ``dev`` for runs, ``preview``/``development`` for branches)."""
    if typing.get_origin(tp) is typing.Literal:
        return list(typing.get_args(tp))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    # A Literal annotation lists its own values (a SPECIAL entry of the same name is another
    # method's: idempotency key and query scopes differ).
    literal = origin is typing.Literal or (
        origin is typing.Union
        and all(typing.get_origin(a) is typing.Literal for a in args if a is not type(None))
    )
    if name in SPECIAL and not literal:
        return SPECIAL[name]
    if origin is typing.Union:
        out: List[Any] = []
        for arg in args:
            if arg is not type(None):
                out.extend(v for v in _samples(arg, name) if v not in out or isinstance(v, bool))
        return out
    if origin is typing.Literal:
        return list(args)
    if tp is str:
        return ["x"]
    if tp is bool:
        return [True]
    if tp is int:
        return [3]
    if tp is float:
        return [1.5]
    if tp is timedelta:
        return [timedelta(seconds=90)]
    if tp is datetime:
        return [datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)]
    if tp is date:
        return [date(2025, 1, 2)]
    if tp is Any:
        return [{"k": 1}]
    if origin in (collections.abc.Mapping, dict, typing.Mapping, typing.Dict):
        value = _samples(args[1], name)[0] if len(args) == 2 and args[1] is not Any else "v"
        return [{"k": value}]
    if origin in (collections.abc.Sequence, collections.abc.Iterable, list, tuple, typing.Sequence):
        return [[v] for v in _samples(args[0], name)[:1]] if args else [["x"]]
    return []


class _Unpack:
    """``Unpack[T]`` read as ``T`` where the package imports Unpack for type checkers only."""

    def __class_getitem__(cls, item: Any) -> Any:
        return item


def _calls(fn: Callable[..., Any]) -> Iterator[Dict[str, Any]]:
    """Keyword sets for ``fn``: every parameter at its first sample, then each other sample of
    each parameter in turn."""
    target = fn.__init__ if inspect.isclass(fn) else fn
    # ``**options: Unpack[SomeTypedDict]``: Unpack is imported for type checkers only.
    namespace = {"Unpack": _Unpack, **sys.modules[target.__module__].__dict__}
    hints = typing.get_type_hints(target, globalns=namespace)
    all_params = inspect.signature(fn).parameters.values()
    params = [p for p in all_params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    options = {p.name: _samples(hints.get(p.name, Any), p.name) for p in params}
    for p in all_params:
        keywords = hints.get(p.name) if p.kind == p.VAR_KEYWORD else None
        if keywords is not None and hasattr(keywords, "__total__"):  # a TypedDict
            options.update((n, _samples(t, n)) for n, t in typing.get_type_hints(keywords).items())
    usable = {n: v for n, v in options.items() if v}
    base = {n: v[0] for n, v in usable.items()}
    yield base
    for name, values in usable.items():
        for value in values[1:]:
            yield {**base, name: value}


def _targets(client: triggerdev.Client) -> Iterator[Tuple[str, Callable[..., Any]]]:
    for area in sorted(a for a in dir(client) if not a.startswith("_")):
        obj = getattr(client, area)
        if not hasattr(obj, "_c"):
            continue
        for method in sorted(m for m in dir(obj) if not m.startswith("_")):
            fn = getattr(obj, method)
            if callable(fn):
                yield f"{area}.{method}", fn
    for method in ("create", "update"):  # an area inside an area
        yield f"query.dashboards.{method}", getattr(client.query.dashboards, method)
    channel = client.sessions.open("session_1").output  # no call: the handle is local
    for method in ("append", "records", "subscribe"):
        yield f"sessions.open().output.{method}", getattr(channel, method)
    yield "Client", triggerdev.Client
    yield "Client.with_options", client.with_options
    for name in ("configure", "with_options", "with_auth"):
        if hasattr(triggerdev, name):
            yield name, getattr(triggerdev, name)


def _run(recorder: Recorder, label: str, fn: Callable[..., Any], kwargs: Dict[str, Any]) -> Optional[str]:
    before = len(recorder.calls)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # runs.result, called like the rest
            result = fn(**kwargs)
        if len(recorder.calls) == before:
            if hasattr(result, "__enter__"):
                with result:
                    pass
            elif hasattr(result, "page"):
                result.page()
            elif isinstance(result, collections.abc.Iterable):
                next(iter(result))
    except Recorded:
        return None
    except (TypeError, ValueError) as e:
        return f"{label}({kwargs}): {type(e).__name__}: {e}"
    return None


def _check(value: Any, ty: Any, where: str, seen: Set[Tuple[str, str]], errors: List[str]) -> bool:
    """Whether ``value`` has the described type; records the struct fields it sets."""
    if isinstance(ty, str):
        ok = {
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "null": value is None,
            "any": True,
        }[ty]
        if not ok:
            errors.append(f"{where}: {value!r} is not {ty}")
        return ok
    (kind, inner), = ty.items()
    if kind == "oneOf":
        for alternative in inner:
            trial: List[str] = []
            if _check(value, alternative, where, seen, trial):
                return True
        errors.append(f"{where}: {value!r} is none of {inner}")
        return False
    if kind == "enum":
        if value not in inner:
            errors.append(f"{where}: {value!r} is not one of {inner}")
            return False
        return True
    if kind == "array":
        if not isinstance(value, list):
            errors.append(f"{where}: {value!r} is not an array")
            return False
        return all([_check(v, inner, f"{where}[{i}]", seen, errors) for i, v in enumerate(value)])
    if kind == "map":
        if not isinstance(value, dict):
            errors.append(f"{where}: {value!r} is not an object")
            return False
        return all([_check(v, inner, f"{where}.{k}", seen, errors) for k, v in value.items()])
    assert kind == "struct", kind
    if not isinstance(value, dict):
        errors.append(f"{where}: {value!r} is not an object ({inner})")
        return False
    fields = STRUCTS[inner]
    ok = True
    for key, member in value.items():
        if key not in fields:
            errors.append(f"{where}: key {key!r} is not a field of the Rust struct {inner} ({', '.join(sorted(fields))})")
            ok = False
            continue
        seen.add((inner, key))
        ok = _check(member, fields[key]["type"], f"{where}.{key}", seen, errors) and ok
    for key, field in fields.items():
        if field["required"] and key not in value:
            errors.append(f"{where}: the required field {inner}.{key} is not sent")
            ok = False
    return ok


def _structs_of(ty: Any, out: Set[str]) -> None:
    if isinstance(ty, str):
        return
    (kind, inner), = ty.items()
    if kind == "struct":
        if inner not in out:
            out.add(inner)
            for field in STRUCTS[inner].values():
                _structs_of(field["type"], out)
    elif kind == "oneOf":
        for alternative in inner:
            _structs_of(alternative, out)
    elif kind in ("array", "map"):
        _structs_of(inner, out)


def test_every_json_argument_agrees_with_the_rust_types(monkeypatch: pytest.MonkeyPatch) -> None:
    client = triggerdev.Client(access_token="tr_dev_abi_inputs", base_url="http://127.0.0.1:9")
    recorder = _install(monkeypatch)
    refused: List[str] = []
    for label, fn in _targets(client):
        for kwargs in _calls(fn):
            problem = _run(recorder, label, fn, kwargs)
            if problem:
                refused.append(problem)
    assert not refused, "sample values the binding refused (add them to SPECIAL):\n" + "\n".join(refused)

    errors: List[str] = []
    seen: Set[Tuple[str, str]] = set()
    reached: Set[Tuple[str, str]] = set()
    for export, args in recorder.calls:
        described = DESCRIPTION["exports"].get(export, {})
        for arg, value in args.items():
            assert arg in described, f"{export}({arg}) is not described in docs/abi-inputs.json"
            reached.add((export, arg))
            _check(value, described[arg]["type"], f"{export}.{arg}", seen, errors)
    assert not errors, "the binding sends JSON the Rust types refuse:\n" + "\n".join(sorted(set(errors)))

    expected: Set[str] = set()
    for export, args in DESCRIPTION["exports"].items():
        for arg, input_ in args.items():
            if (export, arg) not in PASSED_BACK:
                _structs_of(input_["type"], expected)
    unreached = sorted(
        f"{s}.{f}" for s in expected for f in STRUCTS[s] if (s, f) not in seen and (s, f) not in NOT_EXPOSED
    )
    assert not unreached, "Rust fields no keyword of the binding sets (expose them, or list them in NOT_EXPOSED):\n" + "\n".join(unreached)
    stale = sorted(f"{s}.{f}" for s, f in NOT_EXPOSED if (s, f) in seen or f not in STRUCTS.get(s, {}))
    assert not stale, f"NOT_EXPOSED lists fields the binding sets or that do not exist: {stale}"
