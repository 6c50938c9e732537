#!/usr/bin/env bash
# Runs the whole SDK benchmark and prints ONE markdown table (plus the date, the machine and the
# targets check) ready to paste into README's Performance section. Progress goes to stderr.
#
#   bash benches/run.sh                 # full run (~6 minutes)
#   bash benches/run.sh --only retrieve,ureq --reps 1    # any option of benches/sdk.rs
#
# Before the run it builds the release cdylib (for its stripped size), installs the official
# Node SDK into bench-scratch/node when `node` is present, and finds a Python with `requests`
# (or makes a venv with it under bench-scratch/venv). A piece that cannot be had is skipped with
# the reason printed in the table's notes. CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/bench-scratch
mkdir -p "$scratch"
log() { echo "run.sh: $*" >&2; }

log "building the release cdylib (cargo cdylib --release)"
cargo cdylib --release >&2
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
if [ -f "$target_dir/release/libtriggerdev.so" ]; then
  export TRIGGERDEV_CDYLIB=$target_dir/release/libtriggerdev.so
fi

if command -v node >/dev/null && command -v npm >/dev/null; then
  node_dir=$scratch/node
  if [ ! -f "$node_dir/node_modules/@trigger.dev/sdk/package.json" ]; then
    log "installing @trigger.dev/sdk into $node_dir"
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || echo '{"name":"triggerdev-bench-scratch","private":true}' >"$node_dir/package.json"
    if ! (cd "$node_dir" && timeout 600 npm install --no-audit --no-fund @trigger.dev/sdk >"$node_dir/install.log" 2>&1); then
      log "npm install @trigger.dev/sdk failed; the Node row is skipped. Last lines of $node_dir/install.log:"
      tail -5 "$node_dir/install.log" >&2 || true
    fi
  fi
  export TRIGGERDEV_BENCH_NODE_DIR=$node_dir
else
  log "node/npm not found: the Node row is skipped"
fi

python=${TRIGGERDEV_BENCH_PYTHON:-python3}
if command -v "$python" >/dev/null; then
  if ! "$python" -c 'import requests' 2>/dev/null; then
    venv=$scratch/venv
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import requests' 2>/dev/null; then
      log "making a venv with requests in $venv"
      if "$python" -m venv "$venv" >&2 && "$venv/bin/pip" install -q requests >&2; then
        :
      else
        log "could not install requests; the requests.Session row is skipped"
      fi
    fi
    [ -x "$venv/bin/python" ] && python=$venv/bin/python
  fi
  export TRIGGERDEV_BENCH_PYTHON=$python
else
  log "$python not found: the Python rows are skipped"
fi

command -v ruby >/dev/null || log "ruby not found: the Ruby Net::HTTP row is skipped"

log "running cargo bench --bench sdk $*"
cargo bench --bench sdk -- "$@"
