"""Builds the `triggerdev` package around libtriggerdev, the C library it loads with ctypes.

The library is not a Python extension (no CPython API), so one wheel serves every Python >= 3.9
of a platform: its tag is `py3-none-<platform>`. Where the library comes from:

- TRIGGERDEV_PREBUILT_LIB=/path/to/libtriggerdev.so: that file, as it is (build_wheel.sh passes
  the one it built for glibc 2.17; tests pass a debug build). No cargo needed.
- otherwise cargo builds it from the Rust crate: `rust/` in an sdist (build_wheel.sh puts the
  crate there), or the repository this directory sits in. TRIGGERDEV_CARGO_PROFILE=dev builds
  the debug profile (faster to build); the default is release.

TRIGGERDEV_WHEEL_PLATFORM sets the platform tag (build_wheel.sh: manylinux_2_17_x86_64); the
default is this machine's (linux_x86_64).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List, Optional, Tuple

from setuptools import setup
from setuptools.dist import Distribution
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
# The file name the package loads (triggerdev/_ffi.py looks for it first).
IN_PACKAGE = "_libtriggerdev.so" if sys.platform != "darwin" else "_libtriggerdev.dylib"


def _crate() -> Optional[Path]:
    for candidate in (HERE / "rust", HERE.parent.parent):
        if (candidate / "Cargo.toml").is_file() and (candidate / "src" / "ffi").is_dir():
            return candidate
    return None


def _cargo_build(crate: Path) -> Path:
    cargo = shutil.which(os.environ.get("CARGO", "cargo"))
    if cargo is None:
        raise SystemExit(
            "\ntriggerdev: building from source needs Rust's cargo (https://rustup.rs), and there is "
            "no `cargo` on PATH.\nInstall the prebuilt wheel instead (`pip install triggerdev` picks "
            "it on Linux x86_64; `bash bindings/python/build_wheel.sh` makes one from a checkout), "
            "or install Rust and retry.\n"
        )
    profile = os.environ.get("TRIGGERDEV_CARGO_PROFILE", "release")
    target = Path(os.environ.get("CARGO_TARGET_DIR") or crate / "target")
    if not target.is_absolute():
        target = crate / target
    command = [cargo, "rustc", "--lib", "--features", "capi", "--crate-type", "cdylib", "--profile", profile]
    print(f"triggerdev: building libtriggerdev with cargo ({' '.join(command[1:])}) in {crate}", file=sys.stderr)
    subprocess.run(command, cwd=crate, check=True)
    name = "libtriggerdev.dylib" if sys.platform == "darwin" else "libtriggerdev.so"
    return target / ("debug" if profile == "dev" else profile) / name


def _library() -> Path:
    prebuilt = os.environ.get("TRIGGERDEV_PREBUILT_LIB")
    if prebuilt:
        path = Path(prebuilt)
        if not path.is_file():
            raise SystemExit(f"triggerdev: TRIGGERDEV_PREBUILT_LIB={prebuilt!r} is not a file")
        return path
    crate = _crate()
    if crate is None:
        raise SystemExit(
            "triggerdev: neither TRIGGERDEV_PREBUILT_LIB nor the Rust crate (rust/ in an sdist, or "
            "the repository around bindings/python) is there to build libtriggerdev from"
        )
    return _cargo_build(crate)


class BuildPyWithLibrary(build_py):
    """Copies (or first builds) the library into the package."""

    def run(self) -> None:
        super().run()
        library = _library()
        destination = Path(self.build_lib) / "triggerdev" / IN_PACKAGE
        destination.parent.mkdir(parents=True, exist_ok=True)
        # pip builds in the source tree's build/: a library an older build left there under
        # another name would be packaged too, and the loader might pick it.
        for stale in destination.parent.glob("_libtriggerdev*"):
            stale.unlink()
        shutil.copyfile(library, destination)
        os.chmod(destination, 0o755)

    def get_outputs(self, include_bytecode: bool = True) -> List[str]:
        return [*super().get_outputs(include_bytecode), str(Path(self.build_lib) / "triggerdev" / IN_PACKAGE)]


def platform_tag() -> str:
    tag = os.environ.get("TRIGGERDEV_WHEEL_PLATFORM") or sysconfig.get_platform()
    return tag.replace("-", "_").replace(".", "_")


class PlatformWheel(bdist_wheel):  # type: ignore[misc]
    """py3-none-<platform>: a platform wheel (it carries a native library) for any Python 3."""

    def get_tag(self) -> Tuple[str, str, str]:
        return "py3", "none", platform_tag()


class NativeDistribution(Distribution):
    """A distribution with native code (the file build_py adds): installed to platlib, tagged
    with a platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=NativeDistribution, cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel})
