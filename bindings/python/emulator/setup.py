"""Builds the `triggerdev-emulator` package around the emulator binary.

TRIGGERDEV_PREBUILT_EMULATOR=/path/to/triggerdev-emulator packages that file (build_wheel.sh
passes the one it built for glibc 2.17); otherwise cargo builds it in the repository checkout
this directory sits in (release, or TRIGGERDEV_CARGO_PROFILE=dev). The wheel's tag is
`py3-none-<platform>` (TRIGGERDEV_WHEEL_PLATFORM, default this machine's): any Python 3.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import List, Tuple

from setuptools import setup
from setuptools.dist import Distribution
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def _binary() -> Path:
    prebuilt = os.environ.get("TRIGGERDEV_PREBUILT_EMULATOR")
    if prebuilt:
        if not Path(prebuilt).is_file():
            raise SystemExit(f"triggerdev-emulator: TRIGGERDEV_PREBUILT_EMULATOR={prebuilt!r} is not a file")
        return Path(prebuilt)
    if not (REPO / "emulator" / "Cargo.toml").is_file():
        raise SystemExit("triggerdev-emulator: set TRIGGERDEV_PREBUILT_EMULATOR, or build from a repository checkout")
    cargo = shutil.which(os.environ.get("CARGO", "cargo"))
    if cargo is None:
        raise SystemExit(
            "\ntriggerdev-emulator: building from source needs Rust's cargo (https://rustup.rs), and "
            "there is no `cargo` on PATH. Install the prebuilt wheel instead.\n"
        )
    profile = os.environ.get("TRIGGERDEV_CARGO_PROFILE", "release")
    subprocess.run([cargo, "build", "-p", "triggerdev-emulator", "--profile", profile], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    if not target.is_absolute():
        target = REPO / target
    return target / ("debug" if profile == "dev" else profile) / "triggerdev-emulator"


class BuildPyWithBinary(build_py):
    def run(self) -> None:
        super().run()
        destination = Path(self.build_lib) / "triggerdev_emulator" / "bin" / "triggerdev-emulator"
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_binary(), destination)
        os.chmod(destination, 0o755)

    def get_outputs(self, include_bytecode: bool = True) -> List[str]:
        extra = Path(self.build_lib) / "triggerdev_emulator" / "bin" / "triggerdev-emulator"
        return [*super().get_outputs(include_bytecode), str(extra)]


class PlatformWheel(bdist_wheel):  # type: ignore[misc]
    def get_tag(self) -> Tuple[str, str, str]:
        tag = os.environ.get("TRIGGERDEV_WHEEL_PLATFORM") or sysconfig.get_platform()
        return "py3", "none", tag.replace("-", "_").replace(".", "_")


class NativeDistribution(Distribution):
    """A distribution with native code (the file build_py adds): installed to platlib, tagged
    with a platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=NativeDistribution, cmdclass={"build_py": BuildPyWithBinary, "bdist_wheel": PlatformWheel})
