"""The quickstart example runs end to end against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CANDIDATES = [HERE.parent / "examples" / "quickstart.py", HERE.parents[2] / "examples" / "python" / "quickstart.py"]


@pytest.mark.parametrize("script", [p for p in CANDIDATES if p.is_file()] or [CANDIDATES[0]], ids=lambda p: p.name)
def test_quickstart(script: Path) -> None:
    if not script.is_file():
        pytest.skip("no quickstart.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "prod cannot see the dev run: 404 Run not found" in done.stdout
    assert "Done: 4 runs exist in the emulator." in done.stdout
