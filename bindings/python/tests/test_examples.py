"""The quickstart example runs end to end against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The repository's examples/python/quickstart.py (the tests run from the source tree).
SCRIPT = HERE.parents[2] / "examples" / "python" / "quickstart.py"


def test_quickstart() -> None:
    script = SCRIPT
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "prod cannot see the dev run: 404 Not found" in done.stdout
    assert "read:sessions subscribes to .out: {'text': 'hi Ada'}" in done.stdout
    # QUEUED, then EXECUTING, then COMPLETED on one status line; wait returns the finished run.
    assert re.search(r"run_\w+: QUEUED +\n  run_\w+: EXECUTING +\n  run_\w+: COMPLETED +\n", done.stdout), done.stdout  # text mode reads \r as \n
    assert "runs.wait: COMPLETED, output {'sent': True}" in done.stdout
    assert "Done: 6 runs exist in the emulator." in done.stdout


def readme_block(section: str, language: str) -> str:
    """The first ``language`` code block under README.md's ``section`` heading."""
    readme = (HERE.parents[2] / "README.md").read_text()
    after = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return after.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_readme_python_example_runs_as_written(tmp_path: Path) -> None:
    script = tmp_path / "readme_example.py"
    script.write_text(readme_block("Using triggerdev from Python", "python"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("run_") and " DELAYED " in lines[0], lines
    assert lines[1] == f"{lines[0].split()[0]} ['welcome']"
    assert lines[2] == "404 404 Not found"
