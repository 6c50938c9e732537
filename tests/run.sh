#!/usr/bin/env bash
# Runs every test suite of the repository: the Rust SDK and emulator (unit, integration,
# end-to-end, doc tests), the C ABI suite (plain, valgrind, ASan+UBSan), the Python binding
# (pytest) and the Ruby binding (minitest).
set -euo pipefail
cd "$(dirname "$0")/.."

# What a fresh Debian machine lacks: valgrind for the C suite, Ruby and its ffi and minitest
# packages (gems cannot be downloaded here; Debian's packages can).
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v valgrind >/dev/null || need+=(valgrind)
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

echo "== Rust: cargo test --workspace"
cargo test --workspace

echo "== C ABI"
bash tests/c/run.sh

if [ -f bindings/python/run_tests.sh ]; then
  echo "== Python binding"
  bash bindings/python/run_tests.sh
fi

echo "== Ruby binding"
bash bindings/ruby/run_tests.sh
