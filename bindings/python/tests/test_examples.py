"""The quickstart example runs end to end against the emulator."""

from __future__ import annotations

import os
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
    assert "prod cannot see the dev run: 404 Run not found" in done.stdout
    assert "read:sessions subscribes to .out: {'text': 'hi Ada'}" in done.stdout
    assert "Done: 5 runs exist in the emulator." in done.stdout
