"""Loading the library: the version check, TRIGGERDEV_LIB, and the ImportError messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

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


def _fake_library(tmp_path: Path, version: str, abi: Optional[str]) -> str:
    """A library that exports trigger_version (and trigger_abi_version unless abi is None)."""
    source = tmp_path / "fake.c"
    text = f'const char *trigger_version(void) {{ return "{version}"; }}\n'
    if abi is not None:
        text += f'const char *trigger_abi_version(void) {{ return "{abi}"; }}\n'
    source.write_text(text)
    lib = tmp_path / "libfake.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(source)], check=True)
    return str(lib)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_a_library_of_another_abi_is_refused_saying_which_abi_it_found_and_which_it_needs(tmp_path: Path) -> None:
    done = run_python("import triggerdev", TRIGGERDEV_LIB=_fake_library(tmp_path, "0.3.0", "0.3"))
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert "has ABI '0.3' (libtriggerdev '0.3.0')" in done.stderr
    assert "needs ABI '0.2' (any libtriggerdev 0.2.x)" in done.stderr


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_a_library_older_than_the_abi_version_is_refused(tmp_path: Path) -> None:
    done = run_python("import triggerdev", TRIGGERDEV_LIB=_fake_library(tmp_path, "0.1.0", None))
    assert done.returncode != 0
    assert "has ABI '0.1' (libtriggerdev '0.1.0', a build from before trigger_abi_version existed)" in done.stderr
    assert "needs ABI '0.2'" in done.stderr


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_a_later_patch_release_of_the_same_abi_passes_the_version_check(tmp_path: Path) -> None:
    # The fake passes the ABI check, then lacks every other export (the next check).
    done = run_python("import triggerdev", TRIGGERDEV_LIB=_fake_library(tmp_path, "0.2.9", "0.2"))
    assert done.returncode != 0
    assert "has ABI" not in done.stderr
    assert "lacks " in done.stderr and "trigger_string_free" in done.stderr


def test_the_abi_rule() -> None:
    from triggerdev import _ffi

    assert _ffi.ABI_VERSION == _ffi._abi_of(triggerdev.__version__) == "0.2"
    assert [_ffi._abi_of(v) for v in ("0.2.0", "0.2.7", "0.10.1", "1.0.0", "1.4.2", "2.0.0")] == [
        "0.2", "0.2", "0.10", "1", "1", "2"
    ]
    assert triggerdev._ffi.LIB.trigger_abi_version().decode() == "0.2"


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
