#!/usr/bin/env bash
# Builds the native parts of the Python and Ruby packages so that they run on any x86_64 Linux
# with glibc 2.17 or later (manylinux2014): libtriggerdev.so (release, with its SONAME, through
# `make lib`) and the triggerdev-emulator binary, linked by zig (cargo-zigbuild) against
# glibc 2.17's symbols. Prints `lib=PATH` and `emulator=PATH`.
#
#   bash bindings/build_native.sh
#
# Needs cargo and python3 (>= 3.9). ziglang and cargo-zigbuild come from PyPI into a venv under
# the target directory (<target>/packaging-venv), which build_wheel.sh and build_gem.sh reuse.
# Both artifacts go to <target>/x86_64-unknown-linux-gnu/release/ (a target of their own, so
# they never replace the host builds under target/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
log() { echo "build_native.sh: $*" >&2; }
triple=x86_64-unknown-linux-gnu
glibc=2.17

[ "$(uname -sm)" = "Linux x86_64" ] || { log "builds for x86_64 Linux only (this is $(uname -sm))"; exit 1; }
command -v cargo >/dev/null || { log "needs cargo (https://rustup.rs)"; exit 1; }

venv=$target/packaging-venv
if [ ! -x "$venv/bin/python" ]; then
  log "making $venv"
  mkdir -p "$target"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  "ziglang>=0.13" "cargo-zigbuild>=0.19" "setuptools>=77" wheel build auditwheel
# cargo-zigbuild runs `python -m ziglang` when there is no zig on PATH.
export PATH=$venv/bin:$PATH

log "libtriggerdev for glibc $glibc (make lib, release)"
make -s -C "$root" lib CARGO_RUSTC="cargo-zigbuild rustc" TARGET=$triple.$glibc >&2
log "triggerdev-emulator for glibc $glibc (release)"
(cd "$root" && cargo-zigbuild zigbuild --quiet --release -p triggerdev-emulator --target $triple.$glibc >&2)

out=$target/$triple/release
echo "lib=$out/libtriggerdev.so"
echo "emulator=$out/triggerdev-emulator"
