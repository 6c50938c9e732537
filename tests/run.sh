#!/usr/bin/env bash
# Runs every test suite of the repository: the import-circle check of the SDK's and the
# emulator's modules, the Rust SDK and emulator (unit, integration, end-to-end, doc tests), the
# C ABI suite (plain, valgrind, ASan+UBSan), the Python binding (pytest) and the Ruby binding
# (minitest), the ABI manifest's check, and the cross-binding table (tests/bindings_agree).
#
# Tests never leave loopback: every suite runs its tests under tests/loopback_only.py (strace),
# which fails the suite if a test contacts a host that is not loopback or asks DNS anything.
# Builds and package installs (cargo, pip) run outside it. SKIP_NET_GUARD=1 turns it off.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/deps.sh # what a fresh Debian machine lacks

echo "== loopback check: self-test"
python3 tests/loopback_only.py --self-test

echo "== import circles among modules (src/, emulator/src/)"
python3 tests/module_cycles.py --self-test
python3 tests/module_cycles.py src emulator/src

echo "== Rust: cargo test --workspace"
cargo test --workspace --no-run # builds (and fetches what is missing) outside the check
python3 tests/loopback_only.py cargo test --workspace --offline

echo "== C ABI"
bash tests/c/run.sh

echo "== ABI manifest (include/abi.txt)"
python3 tests/abi_manifest.py self-test
python3 tests/abi_manifest.py check

if [ -f bindings/python/run_tests.sh ]; then
  echo "== Python binding"
  bash bindings/python/run_tests.sh
fi

echo "== Ruby binding"
bash bindings/ruby/run_tests.sh

echo "== The bindings agree (tests/bindings_agree: one scenario in Python and in Ruby, the same JSON)"
target=${CARGO_TARGET_DIR:-target}
venv_python=$target/python-venv/bin/python
if [ -x "$venv_python" ]; then # made by the Python suite: its mypy checks the runners
  MYPYPATH=bindings/python "$venv_python" -m mypy --strict tests/bindings_agree/run.py tests/bindings_agree/compare.py
fi
ruby -wc tests/bindings_agree/run.rb >/dev/null
TRIGGERDEV_LIB=$target/debug/libtriggerdev.so TRIGGERDEV_EMULATOR=$target/debug/triggerdev-emulator \
  python3 tests/loopback_only.py python3 tests/bindings_agree/compare.py
