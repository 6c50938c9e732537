#!/usr/bin/env bash
# Builds what the Ruby binding's tests need (the debug cdylib and the emulator) and runs the
# minitest suite against the emulator. Needs Debian's ruby, ruby-ffi and ruby-minitest, and
# python3 and strace for the loopback check.
#
#   bash bindings/ruby/run_tests.sh            # from anywhere
#   TRIGGERDEV_LIB=... TRIGGERDEV_EMULATOR=... bash bindings/ruby/run_tests.sh   # prebuilt ones
#   TESTOPTS="-n /leak/ -v" bash bindings/ruby/run_tests.sh                   # minitest options
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac

for need in ruby; do
  command -v "$need" >/dev/null || { echo "run_tests.sh: $need is not installed (apt-get install ruby ruby-ffi ruby-minitest)" >&2; exit 1; }
done
ruby -e 'require "ffi"; require "minitest"' 2>/dev/null ||
  { echo "run_tests.sh: the ffi and minitest gems are missing (apt-get install ruby-ffi ruby-minitest)" >&2; exit 1; }

if [[ -z "${TRIGGERDEV_LIB:-}" ]]; then
  (cd "$repo" && cargo cdylib --quiet)
  export TRIGGERDEV_LIB="$target/debug/libtriggerdev.so"
fi
if [[ -z "${TRIGGERDEV_EMULATOR:-}" ]]; then
  (cd "$repo" && cargo build -p triggerdev-emulator --quiet)
  export TRIGGERDEV_EMULATOR="$target/debug/triggerdev-emulator"
fi

# The tests point every client at the emulator; none of these may leak in from the caller.
unset TRIGGER_SECRET_KEY TRIGGER_ACCESS_TOKEN TRIGGER_API_URL TRIGGER_PREVIEW_BRANCH \
  VERCEL_GIT_COMMIT_REF TRIGGER_DEV_BRANCH

# Under tests/loopback_only.py (strace): the run fails if a test contacts a host that is not
# loopback or asks DNS anything (SKIP_NET_GUARD=1 turns the check off).
cd "$here"
# shellcheck disable=SC2086
exec python3 "$repo/tests/loopback_only.py" \
  ruby -w -Ilib -e 'Dir["test/**/*_test.rb"].sort.each { |f| require_relative f }' -- ${TESTOPTS:-}
