#!/usr/bin/env bash
# Installs what bindings/python/build_wheel.sh and bindings/ruby/build_gem.sh put in dist/, and
# the C library with `make install`, the way users do, and smoke-tests each:
#
#   bash tests/packages/run.sh        # after both build scripts (.ci/run runs all three)
#
# - Python: a fresh venv per interpreter (python3, and pyenv's 3.9 when there is one), the
#   wheels installed with `pip install --no-index` and no cargo on PATH (timed), smoke.py run
#   from outside the tree against the emulator of the triggerdev-emulator wheel; the sdist,
#   without cargo, must stop with the message that says to install cargo or the wheel.
# - Ruby: the platform gems installed with `gem install --local` into a fresh GEM_HOME, smoke.rb
#   run from outside the tree with no cargo on PATH; the source gem, without cargo, must stop
#   with its message.
# - C: `make install` into a temporary prefix (the library build_native.sh made, for glibc
#   2.17: no second release build), the SONAME and symlinks checked, examples/c/trigger_task.c
#   compiled with `pkg-config --cflags --libs triggerdev` and run against the emulator.
#
# Prints `N passed, M failed` last.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/packages
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
dist=${DIST:-$root/dist}
version=$(sed -n 's/^version = "\([^"]*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
abi=$major
if [ "$major" = 0 ]; then abi=0.$minor; fi # the ABI version, as in the SONAME
tmp=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null; wait "$emulator_pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
step() { # step NAME COMMAND...: runs it, logs its output, counts it
  local name=$1 start=$SECONDS
  shift
  if "$@" >"$tmp/step.log" 2>&1; then
    passed=$((passed + 1))
    printf 'ok   %-58s %3ss %s\n' "$name" "$((SECONDS - start))" "$(tail -n 1 "$tmp/step.log")"
  else
    failed=$((failed + 1))
    printf 'FAIL %-58s %3ss\n' "$name" "$((SECONDS - start))"
    tail -n 30 "$tmp/step.log" | sed 's/^/     | /'
  fi
}

# A PATH without cargo (nor rustc, rustup): the system directories only. The interpreters are
# called by absolute path.
nocargo_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for tool in cargo rustc rustup; do
  if PATH=$nocargo_path command -v $tool >/dev/null; then
    echo "FAIL $tool is in $nocargo_path: cannot test an install without Rust here"
    exit 1
  fi
done
run_clean() { env -i HOME="$tmp/home" PATH=$nocargo_path LANG=C.UTF-8 "$@"; }
mkdir -p "$tmp/home" "$tmp/work"

wheel=$dist/triggerdev-$version-py3-none-manylinux_2_17_x86_64.whl
emulator_wheel=$dist/triggerdev_emulator-$version-py3-none-manylinux_2_17_x86_64.whl
python_smoke() { # python_smoke PYTHON: fresh venv, timed install without cargo, smoke.py
  local python=$1 venv=$tmp/venv-$(basename "$1")
  "$python" -m venv "$venv" || return 1
  local start=$(date +%s.%N)
  (cd "$tmp/work" && run_clean "$venv/bin/python" -m pip install -q --no-index --disable-pip-version-check \
    --find-links "$dist" "$wheel[testing]") || return 1
  local end=$(date +%s.%N)
  (cd "$tmp/work" && run_clean "$venv/bin/python" "$here/smoke.py" "$version") || return 1
  python3 -c "import sys; print(f'pip install of the wheels: {float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$start" "$end"
}
interpreters=("$(command -v python3)")
py39=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9.*/bin/python3 2>/dev/null | tail -n 1)
if [ -n "$py39" ]; then interpreters+=("$py39"); fi
for python in "${interpreters[@]}"; do
  step "python $("$python" -c 'import platform; print(platform.python_version())'): wheels, no cargo, smoke" python_smoke "$python"
done
step "python: wheel sizes" bash -c "du -k '$wheel' '$emulator_wheel' | sed 's|$dist/||' | tr '\n' ' '"

sdist_without_cargo() {
  local venv=$tmp/venv-sdist
  python3 -m venv "$venv" && "$venv/bin/python" -m pip install -q --disable-pip-version-check "setuptools>=77" wheel || return 1
  if (cd "$tmp/work" && run_clean "$venv/bin/python" -m pip install --no-build-isolation --no-index \
    "$dist/triggerdev-$version.tar.gz") >"$tmp/sdist.log" 2>&1; then
    echo "the sdist installed without cargo"
    return 1
  fi
  grep -q "building from source needs Rust's cargo" "$tmp/sdist.log" || { cat "$tmp/sdist.log"; return 1; }
  echo "stops with: $(grep -o "building from source needs Rust's cargo[^.]*" "$tmp/sdist.log" | head -n 1)"
}
step "python: the sdist without cargo says what to do" sdist_without_cargo

gems=$tmp/gems
ruby_smoke() {
  (cd "$tmp/work" && run_clean GEM_HOME="$gems" "$(command -v gem)" install --local --no-document \
    "$dist/triggerdev-$version-x86_64-linux.gem" "$dist/triggerdev-emulator-$version-x86_64-linux.gem") || return 1
  (cd "$tmp/work" && run_clean GEM_HOME="$gems" "$(command -v ruby)" -w "$here/smoke.rb" "$version") || return 1
  # The emulator gem's command works from PATH (a Ruby wrapper that execs the binary).
  # (its stdin open for a second: it exits at end of file)
  run_clean GEM_HOME="$gems" PATH="$gems/bin:$nocargo_path" \
    bash -c 'sleep 1 | triggerdev-emulator --port 0 --exit-on-stdin-eof' | grep "^listening on http://127.0.0.1:"
}
step "ruby: platform gems, no cargo, smoke" ruby_smoke

source_gem_without_cargo() {
  if (cd "$tmp/work" && run_clean GEM_HOME="$tmp/gems-src" "$(command -v gem)" install --local --no-document \
    "$dist/triggerdev-$version.gem") >"$tmp/gem.log" 2>&1; then
    echo "the source gem installed without cargo"
    return 1
  fi
  grep -q "building the library from source needs Rust's cargo" "$tmp/gem.log" || { cat "$tmp/gem.log"; return 1; }
  echo "stops with: building the library from source needs Rust's cargo"
}
step "ruby: the source gem without cargo says what to do" source_gem_without_cargo

prefix=$tmp/prefix
c_install() {
  # The library build_native.sh built (zig, glibc 2.17): `make` finds it up to date.
  PATH=$target/packaging-venv/bin:$PATH make -s -C "$root" install PREFIX="$prefix" \
    CARGO_RUSTC="cargo-zigbuild rustc" TARGET=x86_64-unknown-linux-gnu.2.17 || return 1
  local lib=$prefix/lib
  [ "$(readlink "$lib/libtriggerdev.so")" = libtriggerdev.so.$abi ] || { ls -l "$lib"; return 1; }
  [ "$(readlink "$lib/libtriggerdev.so.$abi")" = "libtriggerdev.so.$version" ] || { ls -l "$lib"; return 1; }
  for f in include/triggerdev.h lib/libtriggerdev.so lib/libtriggerdev.so.$abi lib/libtriggerdev.so."$version" \
    lib/libtriggerdev.a lib/pkgconfig/triggerdev.pc; do
    [ -e "$prefix/$f" ] || { echo "missing $f"; return 1; }
  done
  readelf -d "$lib/libtriggerdev.so.$version" | grep -q "SONAME.*\[libtriggerdev.so.$abi\]" ||
    { readelf -d "$lib/libtriggerdev.so.$version" | grep SONAME; return 1; }
  echo "SONAME libtriggerdev.so.$abi, $(ls "$lib" | tr '\n' ' ')"
}
step "c: make install PREFIX=<tmp>" c_install

c_example() {
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Werror "$root/examples/c/trigger_task.c" $(pkg-config --cflags --libs triggerdev) \
    -o "$tmp/trigger_task" || return 1
  readelf -d "$tmp/trigger_task" | grep -q "NEEDED.*\[libtriggerdev.so.$abi\]" || return 1
  local emulator=$tmp/venv-$(basename "$(command -v python3)")/bin/triggerdev-emulator
  [ -x "$emulator" ] || emulator=$target/debug/triggerdev-emulator
  coproc EMU { exec "$emulator" --port 0 --exit-on-stdin-eof 2>/dev/null; }
  emulator_pid=$EMU_PID
  local line
  read -r line <&"${EMU[0]}"
  local url=${line#listening on }
  run_clean LD_LIBRARY_PATH="$prefix/lib" TRIGGER_SECRET_KEY=tr_dev_emulator_dev_key_0001 \
    TRIGGER_API_URL="$url" "$tmp/trigger_task" smoke-task || return 1
}
step "c: cc \$(pkg-config --cflags --libs triggerdev), run" c_example

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
