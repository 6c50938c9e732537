#!/usr/bin/env bash
# Fuzz smoke run: builds every cargo-fuzz target with AddressSanitizer (LeakSanitizer on, as
# libFuzzer+ASan default) and runs each for FUZZ_SECONDS (25 by default) on a temporary copy of
# its seed corpus, so the tree is left as it was. Exits non-zero on any crash, leak or timeout
# and prints the reproducer. Needs only the stable toolchain: RUSTC_BOOTSTRAP=1 makes stable
# accept the -Z flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
seconds=${FUZZ_SECONDS:-25}

# libFuzzer is C++, built by libfuzzer-sys: a fresh Debian machine may lack the compiler.
if ! command -v c++ >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
  else
    echo "fuzz/run.sh needs a C++ compiler (apt-get install g++)" >&2
    exit 1
  fi
fi
# `cargo +stable` where rustup manages the toolchains; plain cargo otherwise.
cargo=(cargo)
if command -v rustup >/dev/null; then cargo=(cargo +stable); fi
if ! "${cargo[@]}" fuzz --version >/dev/null 2>&1; then
  "${cargo[@]}" install cargo-fuzz --locked
fi

"${cargo[@]}" fuzz build --sanitizer address

# One-time globals of dependencies that LeakSanitizer would report, if any (see lsan.supp).
if [ -f lsan.supp ]; then
  export LSAN_OPTIONS="suppressions=$PWD/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for target in $("${cargo[@]}" fuzz list); do
  echo "== fuzz $target (${seconds}s)"
  mkdir -p "$work/$target" "artifacts/$target"
  cp corpus/"$target"/* "$work/$target/"
  touch "$work/$target.start"
  # libFuzzer writes what it finds to the first corpus directory (the copy) and a crash, leak
  # or timeout reproducer to artifacts/<target>/.
  if ! "${cargo[@]}" fuzz run --sanitizer address "$target" "$work/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target/" >"$work/$target.log" 2>&1; then
    tail -n 60 "$work/$target.log"
    failed+=("$target")
    echo "fuzz $target FAILED; reproducer(s):" >&2
    find "$PWD/artifacts/$target" -type f -newer "$work/$target.start" | sed 's/^/  /' >&2
    echo "  reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run $target <reproducer>" >&2
  else
    grep -E '^(#[0-9]+\s+DONE|Done )' "$work/$target.log" || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke run failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz smoke run passed"
