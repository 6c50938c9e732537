"""Loading the library: the version check, TRIGGERDEV_LIB, and the ImportError messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import triggerdev


def run_python(code: str, **env: str) -> "subprocess.CompletedProcess[str]":
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=60)


def test_version_matches_the_library() -> None:
    assert triggerdev.__version__ == "0.1.0"
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
    assert "'9.9.9'" in done.stderr and "'0.1.0'" in done.stderr


def test_every_export_has_a_declared_signature() -> None:
    from triggerdev import _ffi

    names = list(_ffi.JSON_EXPORTS) + list(_ffi.HANDLE_EXPORTS) + list(_ffi.ITER_EXPORTS) + list(_ffi.OTHER_EXPORTS)
    for name in names:
        fn = getattr(_ffi.LIB, name)
        assert fn.argtypes is not None, name
    header = Path(__file__).resolve().parents[3] / "include" / "triggerdev.h"
    if header.is_file():
        import re

        declared = set(re.findall(r"^\S.*?\b(trigger_[a-z_]+)\(", header.read_text(), re.M))
        missing = declared - set(names)
        if missing:  # a newer C ABI: not an error, but the binding does not cover it yet
            import warnings

            warnings.warn(f"exports of the header not yet in _ffi: {sorted(missing)}", stacklevel=1)
