#!/usr/bin/env python3
"""The cross-binding test: runs scenarios.json with run.py (Python) and run.rb (Ruby), or reads
the two documents given as arguments, and checks

- coverage: every public method of each binding's areas (and of a session handle and channel)
  is called by a step, or is in the scenario's skip list with a reason;
- the table: a step raises exactly when it says it must (``error``), with that class;
- agreement: the two documents are the same step by step, after the values that are random per
  run are normalized in both the same way (below). The first differing step is printed as a diff.

    python3 tests/bindings_agree/compare.py [python.json ruby.json]

Runs the runners with the interpreters in $PYTHON (default: this one) and $RUBY (``ruby -w``);
TRIGGERDEV_LIB / TRIGGERDEV_EMULATOR name the library and the emulator.
"""

from __future__ import annotations

import base64
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

HERE = Path(__file__).resolve().parent

#: A Ruby error class and the Python class that says the same, where the languages name them
#: differently (the table names the Python class).
RUBY_TO_PYTHON_ERRORS = {
    "StopIteration": "RuntimeError",  # next_page on the last page (CHANGELOG 0.2.0)
    "ArgumentError": "ValueError",
}

JWT = re.compile(r"^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Part ids the SDK makes for each append (nanoid-like, 21 characters).
PART_ID = re.compile(r"^[A-Za-z0-9_-]{21}$")


def b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Normalizer:
    """Replaces values that are random per run with stable placeholders, numbered in order of
    first appearance (so the same value in two places stays the same placeholder):
    JWTs become their claims without the signature, with ``iat`` and ``exp`` replaced by the
    token's lifetime (a token signed locally takes the wall clock, which the emulator's frozen
    clock does not reach); UUIDs and the SDK's part ids become ``<random:N>``; the emulator's
    URL (in callback URLs) becomes ``<base_url>``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.seen: Dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            return self.string(value)
        return value

    def string(self, s: str) -> Any:
        s = s.replace(self.base_url, "<base_url>")  # each emulator has its own port
        if JWT.match(s):
            header, claims, _ = s.split(".")
            claims_json = b64json(claims)
            if "iat" in claims_json and "exp" in claims_json:
                claims_json["lifetime"] = claims_json.pop("exp") - claims_json.pop("iat")
            return {"jwt": {"header": b64json(header), "claims": self(claims_json)}}
        if s.startswith("Bearer eyJ"):
            return {"bearer": self.string(s[len("Bearer "):])}
        if UUID.match(s) or PART_ID.match(s):
            if s not in self.seen:
                self.seen[s] = f"<random:{len(self.seen) + 1}>"
            return self.seen[s]
        return s


def error_class(name: str, binding: str) -> str:
    return RUBY_TO_PYTHON_ERRORS.get(name, name) if binding == "ruby" else name


def normalize(document: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The steps of a document as compared: errors by their Python class name, random values
    replaced. Messages of errors the bindings raise themselves before calling the library
    (TypeError, ValueError/ArgumentError, RuntimeError/StopIteration) are each language's own
    words and are left out; errors of the library (the SDK's error classes) keep theirs."""
    steps = []
    for step in document["steps"]:
        step = dict(step)
        if "error" in step:
            err = dict(step["error"])
            err["class"] = error_class(err["class"], document["binding"])
            if err["class"] in ("TypeError", "ValueError", "RuntimeError"):
                err.pop("message")
            step["error"] = err
        steps.append(step)
    normalized: List[Dict[str, Any]] = Normalizer(document["base_url"])(steps)
    return normalized


def check_table(scenario: Dict[str, Any], document: Dict[str, Any]) -> List[str]:
    """Steps that raised when the table says they succeed, or the other way round."""
    problems = []
    expected = {s["id"]: s.get("error") for s in scenario["steps"] if "admin" not in s}
    for step in document["steps"]:
        if "broken" in step:
            problems.append(f"{document['binding']}: the scenario broke at {step['id']}: {step['broken']}")
            continue
        if step["id"] not in expected:
            continue
        got = error_class(step["error"]["class"], document["binding"]) if "error" in step else None
        want = expected[step["id"]]
        if got != want:
            detail = f" ({step['error']['message']})" if "error" in step else ""
            problems.append(f"{document['binding']}: step {step['id']} raised {got}{detail}, the table says {want}")
    return problems


def covered(scenario: Dict[str, Any], document: Dict[str, Any]) -> Set[str]:
    """``area.method`` and ``Class.method`` names the steps call."""
    ops = {s["id"]: s for s in scenario["steps"]}
    names = set()
    for step in document["steps"]:
        op = ops.get(step["id"], {}).get("op")
        if op is None:
            continue
        if "receiver" in step:
            names.add(f"{step['receiver']}.{op}")
        else:
            names.add(op)
    return names


def check_coverage(scenario: Dict[str, Any], document: Dict[str, Any]) -> List[str]:
    binding = document["binding"]
    skip = scenario["skip"][binding]
    done = covered(scenario, document)
    missing = []
    for area, methods in document["surface"].items():
        for method in methods:
            name = f"{area}.{method}"
            if name not in done and name not in skip:
                missing.append(f"{binding}: {name} is neither called by a step nor in the skip list")
    for name in skip:
        area, _, method = name.partition(".")
        if method not in document["surface"].get(area, []):
            missing.append(f"{binding}: the skip list names {name}, which is not a public method")
    return missing


def first_difference(python: List[Dict[str, Any]], ruby: List[Dict[str, Any]]) -> Tuple[int, str]:
    """The number of differing steps and a diff of the first one ('' when they agree)."""
    differing = [(p, r) for p, r in zip(python, ruby) if p != r]
    if len(python) != len(ruby):
        differing.append(({"steps": len(python)}, {"steps": len(ruby)}))
    if not differing:
        return 0, ""
    p, r = differing[0]
    left = json.dumps(p, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
    right = json.dumps(r, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
    diff = difflib.unified_diff(left, right, "python", "ruby", lineterm="", n=4)
    return len(differing), f"step {p.get('id')}:\n" + "\n".join(diff)


def run_both(workdir: Path) -> Tuple[Path, Path]:
    python_out, ruby_out = workdir / "python.json", workdir / "ruby.json"
    python = os.environ.get("PYTHON", sys.executable)
    ruby = os.environ.get("RUBY", "ruby")
    # The runners point every client at their emulator; no TRIGGER_* setting may leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_") and k != "VERCEL_GIT_COMMIT_REF"}
    subprocess.run([python, str(HERE / "run.py"), str(python_out)], check=True, env=env)
    subprocess.run([ruby, "-w", str(HERE / "run.rb"), str(ruby_out)], check=True, env=env)
    return python_out, ruby_out


def main(argv: List[str]) -> int:
    scenario = json.loads((HERE / "scenarios.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        paths = (Path(argv[1]), Path(argv[2])) if len(argv) == 3 else run_both(Path(tmp))
        python, ruby = (json.loads(p.read_text()) for p in paths)
    problems = check_coverage(scenario, python) + check_coverage(scenario, ruby)
    problems += check_table(scenario, python) + check_table(scenario, ruby)
    count, diff = first_difference(normalize(python), normalize(ruby))
    for problem in problems:
        print(problem)
    if count:
        print(f"{count} step(s) differ between the bindings; the first:\n{diff}")
    if problems or count:
        return 1
    print(f"bindings agree: {len(python['steps'])} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
