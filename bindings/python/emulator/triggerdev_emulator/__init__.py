"""The ``triggerdev-emulator`` binary, shipped inside this package (``binary()``), and the
``triggerdev-emulator`` command that runs it (``main()``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

__all__ = ["binary", "main"]

__version__ = "0.2.0"


def binary() -> str:
    """The path of the emulator binary inside this package."""
    path = Path(__file__).resolve().parent / "bin" / ("triggerdev-emulator" + (".exe" if sys.platform == "win32" else ""))
    if not path.is_file():
        raise FileNotFoundError(f"the triggerdev-emulator package has no binary at {path}: reinstall it")
    return str(path)


def main() -> NoReturn:
    """Runs the binary with this process's arguments (it replaces this process)."""
    path = binary()
    os.execv(path, [path, *sys.argv[1:]])
