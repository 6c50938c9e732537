#!/usr/bin/env python3
"""Runs scenarios.json with the Python binding against its own emulator and writes one JSON
document (stdout, or the file named by the first argument): per step its result as plain JSON
(or its error) and the requests the emulator logged for it. run.rb does the same in Ruby;
compare.py compares the two. TRIGGERDEV_LIB / TRIGGERDEV_EMULATOR name the library and the
emulator (the package is imported from bindings/python unless it is installed)."""

from __future__ import annotations

import json
import sys
import warnings
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Dict, Iterable, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "bindings" / "python"))

import triggerdev  # noqa: E402
from triggerdev import ListIterable, Record  # noqa: E402
from triggerdev.testing import Emulator  # noqa: E402

#: Request headers that vary by binding or by run, left out of the document (the
#: idempotency key of each request is random; the user agent names the binding).
IGNORED_HEADERS = {"host", "user-agent", "content-length", "x-trigger-request-idempotency-key", "connection"}
#: Request-log fields kept per request.
REQUEST_FIELDS = ("method", "path", "query", "status")


def iso(value: datetime) -> str:
    """A datetime as ISO-8601 UTC with milliseconds (run.rb writes a Time the same way)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Runner:
    def __init__(self, scenario: Dict[str, Any], emu: Emulator) -> None:
        self.scenario = scenario
        self.emu = emu
        self.values: Dict[str, Any] = {}  # step id -> the result as plain JSON
        self.objects: Dict[str, Any] = {}  # step id -> the result as returned
        self.clients: Dict[str, triggerdev.Client] = {}
        spelling = scenario["keyword_spelling"]["python"]
        self.spelling: Dict[str, Dict[str, str]] = spelling

    # --- arguments -----------------------------------------------------------------------

    def lookup(self, ref: str) -> Any:
        step, _, path = ref.partition(".")
        value = self.values[step]
        for part in path.split(".") if path else []:
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "$ref":
                return self.lookup(arg)
            if key == "$emulator":
                return getattr(self.emu, arg)
            if key == "$time":
                return datetime.fromisoformat(arg.replace("Z", "+00:00"))
            if key == "$duration":
                return timedelta(seconds=arg)
            if key == "$set":
                return set(self.resolve(arg))
        return {k: self.resolve(v) for k, v in value.items()}

    def keywords(self, op: str, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        area = op.split(".")[0]
        names: Dict[str, str] = {}
        for pattern in ("*", f"{area}.*", op):
            names.update(self.spelling.get(pattern, {}))
        return {names.get(k, k): self.resolve(v) for k, v in kwargs.items()}

    def template(self, path: str) -> str:
        out, rest = "", path
        while "{" in rest:
            head, _, tail = rest.partition("{")
            ref, _, rest = tail.partition("}")
            out += head + str(self.lookup(ref))
        return out + rest

    # --- receivers -----------------------------------------------------------------------

    def client(self, options: Dict[str, Any]) -> triggerdev.Client:
        key = json.dumps(options, sort_keys=True)
        if key not in self.clients:
            resolved = self.resolve(options)
            self.clients[key] = self.emu.client(resolved.pop("access_token"), **resolved)
        return self.clients[key]

    def receiver(self, step: Dict[str, Any]) -> Any:
        if "on" in step:
            return self.objects[step["on"]]
        who = step.get("as", "dev")
        if isinstance(who, dict):
            return self.client(who)
        if who == "ambient" or who.startswith("ambient+"):
            return triggerdev
        return self.client(self.scenario["clients"][who])

    def call(self, step: Dict[str, Any]) -> Any:
        target = self.receiver(step)
        *path, name = step["op"].split(".")
        for part in path:
            target = getattr(target, part)
        fn = getattr(target, name)
        args = self.resolve(step.get("args", []))
        kwargs = self.keywords(step["op"], step.get("kwargs", {}))
        who = step.get("as", "")
        if isinstance(who, str) and who.startswith("ambient+"):
            options = self.resolve(self.scenario["clients"][who.split("+", 1)[1]])
            with triggerdev.auth.with_auth(**options):
                return self.then(step, fn(*args, **kwargs) if callable(fn) else fn)
        return self.then(step, fn(*args, **kwargs) if callable(fn) else fn)

    def then(self, step: Dict[str, Any], result: Any) -> Any:
        """What the step asks of the result (inside `with_auth` for the ambient+ forms)."""
        then = step.get("then")
        if then == "page":
            return result.page()
        if then == "take":
            taken: List[Any] = []
            iterator = iter(result)
            for item in iterator:
                taken.append(item)
                if len(taken) == step["take"]:
                    break
            getattr(iterator, "close", lambda: None)()
            return taken
        if isinstance(result, ListIterable):
            return {"items": self.twice(result)}
        return result

    def twice(self, items: Iterable[Any]) -> List[Any]:
        """The items of two loops over a list, which must be the same (lists are re-iterable)."""
        first = [plain(item) for item in items]
        second = [plain(item) for item in items]
        if first != second:
            raise AssertionError(f"a second loop gave other items: {first} then {second}")
        return first

    # --- steps ---------------------------------------------------------------------------

    def run_step(self, step: Dict[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": step["id"]}
        if "admin" in step:
            method, path, body = step["admin"]
            result = self.emu.admin(method, self.template(path), self.resolve(body))
            self.values[step["id"]] = result
            out["admin"] = result
            return out
        out["op"] = step["op"]
        self.emu.clear_requests()
        try:
            result = self.call(step)
        except Exception as e:  # noqa: BLE001 - every error is part of the document
            out["error"] = error(e)
        else:
            if "on" in step:
                out["receiver"] = type(self.objects[step["on"]]).__name__
            self.objects[step["id"]] = result
            self.values[step["id"]] = out["result"] = plain(result)
            if "attrs" in step:
                items = result if isinstance(result, list) else [result]
                attrs = [{name: plain(getattr(item, name)) for name in step["attrs"]} for item in items]
                out["attrs"] = attrs if isinstance(result, list) else attrs[0]
        out["requests"] = [request(r) for r in self.emu.requests()]
        return out


#: The areas of a client (and of the ambient API), by the name both bindings give them.
AREAS = ("tasks", "batches", "runs", "envvars", "schedules", "idempotency_keys", "queues", "concurrency_limits",
         "query",
         "deployments", "branches", "projects", "waitpoints", "bulk_actions", "sessions", "auth")


def surface(client: triggerdev.Client) -> Dict[str, List[str]]:
    """The public methods of each area and of the objects steps call methods on (the
    coverage check of compare.py)."""
    kinds: Dict[str, Any] = {area: type(getattr(client, area)) for area in AREAS}
    kinds["SessionHandle"] = triggerdev.SessionHandle
    kinds["SessionChannel"] = triggerdev.SessionChannel
    return {name: sorted(n for n in dir(kind) if not n.startswith("_")) for name, kind in kinds.items()}


def error(e: BaseException) -> Dict[str, Any]:
    return {"class": type(e).__name__, "status": getattr(e, "status", None), "message": str(e)}


def request(logged: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: logged.get(k) for k in REQUEST_FIELDS}
    out["headers"] = {k: v for k, v in sorted(logged["headers"].items()) if k not in IGNORED_HEADERS}
    out["body"] = logged["body"] if logged["body"] is not None or not logged["rawBody"] else {"raw": logged["rawBody"]}
    return out


def plain(value: Any) -> Any:
    """A result as plain JSON: a model as its JSON object, a list of them as a list, times as
    ISO text; objects that are not data (a session handle, a channel) as their class name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return {"object": type(value).__name__}


def main(argv: List[str]) -> int:
    # The scenario calls the deprecated runs.result on purpose (both bindings still have it).
    warnings.filterwarnings("ignore", "runs.result", DeprecationWarning)
    scenario = json.loads((HERE / "scenarios.json").read_text())
    args = ["--id-seed", str(scenario["id_seed"]), *scenario["emulator_args"]]
    with Emulator(extra_args=args) as emu:
        emu.set_clock(scenario["clock"])
        triggerdev.configure(secret_key=emu.dev_key, base_url=emu.base_url, max_retries=0)
        runner = Runner(scenario, emu)
        steps: List[Dict[str, Any]] = []
        for step in scenario["steps"]:
            try:
                steps.append(runner.run_step(step))
            except Exception as e:  # a broken scenario (an admin call, a reference): stop here
                steps.append({"id": step["id"], "broken": f"{type(e).__name__}: {e}"})
                break
        document = {"binding": "python", "base_url": emu.base_url, "surface": surface(emu.client()), "steps": steps}
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if len(argv) > 1:
        Path(argv[1]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
