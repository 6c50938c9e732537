#!/usr/bin/env bash
# Runs every test suite of the repository: the Rust SDK and emulator (unit, integration,
# end-to-end, doc tests), then the C ABI suite (plain, valgrind, ASan+UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."

# The C suite needs a C and a C++ compiler and valgrind; a fresh Debian machine lacks valgrind.
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v valgrind >/dev/null || need+=(valgrind)
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

cargo test --workspace

if [ -f tests/c/run.sh ]; then
  bash tests/c/run.sh
fi
