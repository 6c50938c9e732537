#!/usr/bin/env bash
# C tests of the triggerdev C ABI, against the local emulator.
#
#   tests/c/run.sh
#
# Builds the cdylib and the emulator, starts the emulator on a free port, compiles the C tests
# (-std=c11 -Wall -Wextra -Werror -pedantic) and runs them three ways: natively, under
# valgrind, and built with -fsanitize=address,undefined. Also compiles the header as C11 and
# as C++17, sweeps every export with bad arguments (abi_sweep.py), and builds and runs
# examples/c/trigger_task.c. Prints `N passed, M failed` last and exits 1 if anything failed.
# Installs nothing: it needs cargo, gcc, g++, python3, valgrind and strace.
#
# Every step that runs code has TRIGGER_API_URL pointing at the emulator, and runs under
# tests/loopback_only.py, which fails it if it contacts or resolves anything but loopback
# (except the ASan+UBSan runs: the leak checker cannot run under strace; they run the same
# tests as the guarded native runs). The emulator runs with --exit-on-stdin-eof on a pipe only
# this script holds, so it stops with the script however the script ends.
#
# Environment: CARGO_TARGET_DIR (default: <repo>/target), CC (gcc), CXX (g++),
# SKIP_VALGRIND=1 to skip the valgrind runs (they then count as skipped, not passed),
# SKIP_NET_GUARD=1 to run without the loopback check.

set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
libdir="$target/debug"
out="$target/c-tests"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -g -pthread -I"$root/include")
LDFLAGS=(-L"$libdir" -ltriggerdev -Wl,-rpath,"$libdir")
ASAN_FLAGS=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
VALGRIND=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
          --errors-for-leak-kinds=definite,indirect --error-exitcode=1 -q)
TESTS=(test_api test_errors test_threads test_fork test_cancel test_logging test_sessions test_realtime test_run_streams test_concurrency_limits test_ci_routes test_query test_surface test_webhooks)

passed=0
failed=0
skipped=0
emulator_pid=""
tmp="$(mktemp -d)"

cleanup() {
    if [[ -n "$emulator_pid" ]]; then
        kill "$emulator_pid" 2>/dev/null
        wait "$emulator_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# step NAME COMMAND...: runs COMMAND (at most STEP_TIMEOUT seconds, default 600, so a hung test
# fails instead of stalling CI), logs its output, counts it.
step() {
    local name="$1"
    shift
    local log="$tmp/step.log"
    local start=$SECONDS
    local runner=(timeout "${STEP_TIMEOUT:-600}")
    if declare -F "$1" >/dev/null; then runner=(); fi # shell functions run as they are
    if "${runner[@]}" "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        local detail
        detail="$(grep -h '^RESULT ' "$log" | sed 's/^RESULT //' | tr '\n' ' ')"
        printf 'ok   %-40s %3ss %s\n' "$name" "$((SECONDS - start))" "$detail"
    else
        failed=$((failed + 1))
        printf 'FAIL %-40s %3ss\n' "$name" "$((SECONDS - start))"
        tail -n 40 "$log" | sed 's/^/     | /'
    fi
}

finish() {
    echo
    if ((skipped > 0)); then echo "($skipped skipped)"; fi
    echo "$passed passed, $failed failed"
    if ((failed > 0)); then exit 1; fi
    exit 0
}

cd "$root" || exit 1
mkdir -p "$out"

step "build libtriggerdev (cdylib)" cargo cdylib --quiet
step "build triggerdev-emulator" cargo build --quiet -p triggerdev-emulator --bin triggerdev-emulator
if ((failed > 0)); then finish; fi

# The emulator prints `listening on http://127.0.0.1:PORT` as its first line. Its stdin is a
# coprocess pipe whose write end only this shell holds (bash keeps coprocess descriptors from
# the commands it runs): when this script dies, even by SIGKILL, the emulator reads end of file
# and exits.
coproc EMULATOR {
    exec "$target/debug/triggerdev-emulator" --port 0 --exit-on-stdin-eof \
        >"$tmp/emulator.out" 2>"$tmp/emulator.err"
}
emulator_pid=$EMULATOR_PID
url=""
for _ in $(seq 1 100); do
    line="$(head -n 1 "$tmp/emulator.out" 2>/dev/null)"
    if [[ "$line" == "listening on "* ]]; then
        url="${line#listening on }"
        break
    fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "FAIL the emulator did not start:"
    cat "$tmp/emulator.err"
    failed=$((failed + 1))
    finish
fi
echo "emulator at $url"

# The tests set their own credentials; nothing ambient may leak in. Every call without a
# base URL of its own (the ABI sweep's ambient ones too) goes to the emulator, and the guard
# fails the step if anything leaves loopback anyway.
run_env=(env -u TRIGGER_SECRET_KEY -u TRIGGER_ACCESS_TOKEN -u TRIGGER_PREVIEW_BRANCH
         -u VERCEL_GIT_COMMIT_REF -u TRIGGER_DEV_BRANCH -u TRIGGER_VERSION
         TRIGGER_API_URL="$url")
guard=(python3 "$root/tests/loopback_only.py")

# The header on its own, as C11 and as C++17.
printf '#include "triggerdev.h"\nint main(void) { return trigger_version() == 0; }\n' >"$tmp/header.c"
step "header compiles as C11 -pedantic" \
    "$CC" "${CFLAGS[@]}" "$tmp/header.c" "${LDFLAGS[@]}" -o "$out/header_c"
header_cpp() {
    "$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -I"$root/include" \
        "$root/tests/c/header_cpp.cpp" "${LDFLAGS[@]}" -o "$out/header_cpp" &&
        "${guard[@]}" "${run_env[@]}" "$out/header_cpp"
}
step "header compiles as C++17 (g++)" header_cpp

# Every export of the header, one bad argument at a time (NULL, not UTF-8, malformed JSON).
step "abi sweep (every export, every argument)" "${guard[@]}" "${run_env[@]}" \
    python3 "$root/tests/c/abi_sweep.py" "$libdir/libtriggerdev.so" "$root/include/triggerdev.h"

compile() { # compile NAME SUFFIX EXTRA_FLAGS...
    local name="$1" suffix="$2"
    shift 2
    "$CC" "${CFLAGS[@]}" "$@" "$root/tests/c/$name.c" "$root/tests/c/harness.c" \
        "${LDFLAGS[@]}" -o "$out/$name$suffix"
}

for t in "${TESTS[@]}"; do
    step "compile $t" compile "$t" ""
done
for t in "${TESTS[@]}"; do
    if [[ -x "$out/$t" ]]; then step "run $t" "${guard[@]}" "${run_env[@]}" "$out/$t"; fi
done

if [[ "${SKIP_VALGRIND:-0}" == 1 ]]; then
    skipped=$((skipped + ${#TESTS[@]}))
    echo "skip valgrind (SKIP_VALGRIND=1)"
elif ! command -v valgrind >/dev/null; then
    echo "FAIL valgrind is not installed (set SKIP_VALGRIND=1 to skip it)"
    failed=$((failed + 1))
else
    for t in "${TESTS[@]}"; do
        if [[ -x "$out/$t" ]]; then step "valgrind $t" "${guard[@]}" "${run_env[@]}" "${VALGRIND[@]}" "$out/$t"; fi
    done
fi

# ASan/UBSan: the C code is instrumented; the Rust library is not, but its allocations go
# through the sanitizer's malloc, so leaks and bad frees across the boundary are caught.
# Not under the loopback guard: LeakSanitizer stops the world with ptrace, which fails under
# strace; the same tests ran under the guard above.
for t in "${TESTS[@]}"; do
    step "compile $t (asan+ubsan)" compile "$t" "_asan" "${ASAN_FLAGS[@]}"
done
for t in "${TESTS[@]}"; do
    if [[ -x "$out/${t}_asan" ]]; then
        step "asan+ubsan $t" "${run_env[@]}" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$out/${t}_asan"
    fi
done

example() {
    "$CC" "${CFLAGS[@]}" "$root/examples/c/trigger_task.c" "${LDFLAGS[@]}" \
        -o "$out/trigger_task" || return 1
    local key=TRIGGER_SECRET_KEY=tr_dev_emulator_dev_key_0001
    "${guard[@]}" "${run_env[@]}" "$key" "$out/trigger_task" || return 1
    if [[ "${SKIP_VALGRIND:-0}" != 1 ]] && command -v valgrind >/dev/null; then
        "${guard[@]}" "${run_env[@]}" "$key" "${VALGRIND[@]}" "$out/trigger_task" example-task || return 1
    fi
}
step "example examples/c/trigger_task.c" example

finish
