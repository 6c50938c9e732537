#!/usr/bin/env bash
# The Python binding's tests, from a clean clone:
#
#   bash bindings/python/run_tests.sh [pytest args...]
#
# Makes a venv under <target>/python-venv (CARGO_TARGET_DIR is honoured) from `python3`, or uses
# the interpreter in $PYTHON as it is; installs pytest and mypy from PyPI, then the two packages:
# `triggerdev` around the debug libtriggerdev (`cargo cdylib`, shared with the C and Ruby suites)
# and `triggerdev-emulator` around the debug emulator, both with `pip install` of their source
# directories (setup.py takes the prebuilt files). TRIGGERDEV_PY_WHEELS=DIR installs the wheels
# in DIR instead (what bindings/python/build_wheel.sh made: .ci/run tests the shipped wheels).
# Type-checks the package and its tests (mypy --strict), then runs pytest on the installed
# package (the tests start the installed emulator) under the loopback check (needs strace).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
log() { echo "run_tests.sh: $*" >&2; }

if [ -n "${PYTHON:-}" ]; then
  python=$PYTHON
else
  venv=$target/python-venv
  if [ ! -x "$venv/bin/python" ]; then
    log "making a venv in $venv"
    mkdir -p "$target"
    python3 -m venv "$venv"
  fi
  python=$venv/bin/python
fi
"$python" -c 'import sys; assert sys.version_info >= (3, 9), sys.version' \
  || { log "$python is older than Python 3.9"; exit 1; }

log "installing pytest and mypy"
"$python" -m pip install -q --disable-pip-version-check --upgrade pip
"$python" -m pip install -q --disable-pip-version-check pytest mypy
pip_install() { "$python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$@"; }
if [ -n "${TRIGGERDEV_PY_WHEELS:-}" ]; then
  log "installing the wheels in $TRIGGERDEV_PY_WHEELS"
  pip_install "$TRIGGERDEV_PY_WHEELS"/triggerdev-*.whl "$TRIGGERDEV_PY_WHEELS"/triggerdev_emulator-*.whl
else
  log "building the debug library and emulator (cargo), installing both packages around them"
  (cd "$root" && cargo cdylib --quiet && cargo build --quiet -p triggerdev-emulator)
  TRIGGERDEV_PREBUILT_LIB=$target/debug/libtriggerdev.so pip_install "$here"
  TRIGGERDEV_PREBUILT_EMULATOR=$target/debug/triggerdev-emulator pip_install "$here/emulator"
fi

log "type-checking the package and its tests (mypy --strict, as configured in pyproject.toml)"
(cd "$here" && "$python" -m mypy)

# Run from outside the source tree, so that `import triggerdev` is the installed package.
# Under tests/loopback_only.py (strace): the run fails if a test contacts a host that is not
# loopback or asks DNS anything (SKIP_NET_GUARD=1 turns the check off).
cd "$target"
unset TRIGGERDEV_LIB TRIGGERDEV_EMULATOR
log "running pytest"
exec "$python" "$root/tests/loopback_only.py" "$python" -m pytest -p no:cacheprovider -q "$here/tests" "$@"
