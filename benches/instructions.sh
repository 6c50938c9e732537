#!/usr/bin/env bash
# Instructions and system calls per `runs.retrieve` of the Python rows, counted with callgrind
# and strace: unlike CPU time they do not drift with the machine's load (the same binary and
# inputs give the same count). Prints a markdown table for README's Performance section.
#
#   bash benches/instructions.sh        # a few minutes; needs valgrind and strace
#
# Each mode of benches/python_baseline.py (`count`) runs twice, with 100 and 1,100 calls
# against the benchmark server; the difference over 1,000 is one call's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind strace; do
  command -v "$tool" >/dev/null || { echo "instructions.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
cargo cdylib --release >&2
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
export TRIGGERDEV_LIB=$target_dir/release/libtriggerdev.so
# The interpreter itself (pyenv and venvs may put a shell script first on PATH).
python=$("${TRIGGERDEV_BENCH_PYTHON:-python3}" -c 'import sys; print(sys.executable)')
script=benches/python_baseline.py

coproc SERVER { exec cargo bench -q --bench sdk -- --serve 2>/dev/null; }
read -r line <&"${SERVER[0]}"
port=${line#LISTENING }
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT

instructions() { # MODE CALLS
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$python" "$script" count "$1" "$port" "$2" 2>&1 |
    awk '/Collected/ {print $4}'
}
syscalls() { # MODE CALLS
  local out
  out=$(mktemp)
  strace -f -c -o "$out" "$python" "$script" count "$1" "$port" "$2" >/dev/null 2>&1
  awk '$NF == "total" {print $(NF-2)}' "$out"
  rm -f "$out"
}

declare -A per_call calls_per_call
modes=(ctypes triggerdev triggerdev-field socket httpclient loads)
for mode in "${modes[@]}"; do
  echo "instructions.sh: $mode" >&2
  a=$(instructions "$mode" 100)
  b=$(instructions "$mode" 1100)
  per_call[$mode]=$(( (b - a) / 1000 ))
  a=$(syscalls "$mode" 100)
  b=$(syscalls "$mode" 1100)
  calls_per_call[$mode]=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f", (b - a) / 1000}')
done

base=${per_call[httpclient]}
row() { # MODE LABEL
  awk -v n="${per_call[$1]}" -v base="$base" -v s="${calls_per_call[$1]}" -v label="$2" \
    'BEGIN {printf "| %s | %.1f k (%.2f×) | %s |\n", label, n / 1000, n / base, s}'
}
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') with $("$python" -V 2>&1), per call (the difference between 1,100 and 100 calls):"
echo
echo "| per \`runs.retrieve\` | instructions (× http.client) | system calls |"
echo "|---|---:|---:|"
row ctypes "C ABI call from Python (ctypes, result bytes freed)"
row triggerdev "Python binding \`client.runs.retrieve(id)\` (as returned)"
row triggerdev-field "Python binding \`client.runs.retrieve(id).status\` (parses the JSON)"
row socket "Python raw socket, pre-built request bytes + \`json.loads\`"
row httpclient "Python \`http.client\` keep-alive + \`json.loads\`"
row loads "\`json.loads\` of the run alone"
