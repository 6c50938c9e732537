"""Loading the library: the version check, TRIGGERDEV_LIB, and the ImportError messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import re
from pathlib import Path
from typing import Dict, Iterable, List

import pytest

import triggerdev


def run_python(code: str, **env: str) -> "subprocess.CompletedProcess[str]":
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=60)


def test_version_matches_the_library() -> None:
    assert triggerdev.__version__ == "0.2.0"
    assert triggerdev.library_version() == triggerdev.__version__
    assert os.path.isfile(triggerdev.library_path())


def test_triggerdev_lib_wins() -> None:
    done = run_python("import triggerdev; print(triggerdev.library_path())", TRIGGERDEV_LIB=triggerdev.library_path())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == triggerdev.library_path()


def test_a_missing_library_is_an_import_error_that_says_what_to_do(tmp_path: Path) -> None:
    done = run_python("import triggerdev", TRIGGERDEV_LIB=str(tmp_path / "libnothing.so"))
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert "TRIGGERDEV_LIB" in done.stderr and "pip install ./bindings/python" in done.stderr


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_a_library_of_another_version_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "fake.c"
    source.write_text('const char *trigger_version(void) { return "9.9.9"; }\n')
    lib = tmp_path / "libfake.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(source)], check=True)
    done = run_python("import triggerdev", TRIGGERDEV_LIB=str(lib))
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert "'9.9.9'" in done.stderr and "'0.2.0'" in done.stderr


HEADER = Path(__file__).resolve().parents[3] / "include" / "triggerdev.h"


def _header_prototypes() -> Dict[str, int]:
    """Every function the header declares, with its number of parameters."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)  # drop the doc comments
    found: Dict[str, int] = {}
    for match in re.finditer(r"^\S[^;{}#]*?\b(trigger_[a-z0-9_]+)\(([^)]*)\);", text, re.M):
        params = " ".join(match.group(2).split())
        found[match.group(1)] = 0 if params in ("", "void") else params.count(",") + 1
    return found


@pytest.mark.skipif(not HEADER.is_file(), reason="needs the repository's include/triggerdev.h")
def test_every_export_has_a_declared_signature() -> None:
    from triggerdev import _ffi

    tables: List[Iterable[str]] = [_ffi.JSON_EXPORTS, _ffi.HANDLE_EXPORTS, _ffi.ITER_EXPORTS, _ffi.OTHER_EXPORTS]
    names = [name for table in tables for name in table]
    assert len(names) == len(set(names)), "an export is declared twice"
    declared = _header_prototypes()
    assert len(declared) > 100, "the header was not parsed"
    missing = sorted(set(declared) - set(names))
    assert not missing, f"exports of the header without a signature in _ffi: {missing}"
    unknown = sorted(set(names) - set(declared))
    assert not unknown, f"signatures in _ffi for functions the header does not declare: {unknown}"
    for name in names:
        fn = getattr(_ffi.LIB, name)
        assert fn.argtypes is not None, name
        assert len(fn.argtypes) == declared[name], f"{name}: {len(fn.argtypes)} argtypes, the header has {declared[name]}"
