#!/usr/bin/env bash
# Runs every test suite of the repository: the import-circle check of the SDK's and the
# emulator's modules, the Rust SDK and emulator (unit, integration, end-to-end, doc tests), the
# C ABI suite (plain, valgrind, ASan+UBSan), the Python binding (pytest) and the Ruby binding
# (minitest).
#
# Tests never leave loopback: every suite runs its tests under tests/loopback_only.py (strace),
# which fails the suite if a test contacts a host that is not loopback or asks DNS anything.
# Builds and package installs (cargo, pip) run outside it. SKIP_NET_GUARD=1 turns it off.
set -euo pipefail
cd "$(dirname "$0")/.."

# What a fresh Debian machine lacks: valgrind for the C suite, strace for the loopback check,
# Ruby and its ffi and minitest packages (gems cannot be downloaded here; Debian's packages can).
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
command -v valgrind >/dev/null || need+=(valgrind)
command -v strace >/dev/null || need+=(strace)
command -v ruby >/dev/null || need+=(ruby)
if ! ruby -e 'require "ffi"' 2>/dev/null; then need+=(ruby-ffi); fi
if ! ruby -e 'require "minitest"' 2>/dev/null; then need+=(ruby-minitest); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "tests/run.sh needs ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

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

if [ -f bindings/python/run_tests.sh ]; then
  echo "== Python binding"
  bash bindings/python/run_tests.sh
fi

echo "== Ruby binding"
bash bindings/ruby/run_tests.sh
