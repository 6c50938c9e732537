#!/usr/bin/env bash
# Builds the Python packages into dist/ (at the repository root, or $DIST):
#
#   triggerdev-X.Y.Z-py3-none-manylinux_2_17_x86_64.whl           the binding and libtriggerdev
#   triggerdev_emulator-X.Y.Z-py3-none-manylinux_2_17_x86_64.whl  the emulator (triggerdev[testing])
#   triggerdev-X.Y.Z.tar.gz                                        sdist: builds the library with cargo
#
#   bash bindings/python/build_wheel.sh
#
# The wheels install on any x86_64 Linux with glibc 2.17+ and Python 3.9+, with no Rust: the
# library is not a Python extension, hence py3-none. bindings/build_native.sh builds the native
# parts (zig links them against glibc 2.17); `auditwheel show` then checks that each wheel is
# what its tag says. The sdist carries the Rust crate as `cargo package` makes it (rust/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
dist=${DIST:-$root/dist}
platform=manylinux_2_17_x86_64
log() { echo "build_wheel.sh: $*" >&2; }

eval "$(bash "$root/bindings/build_native.sh")" # sets lib= and emulator=
python=$target/packaging-venv/bin/python
mkdir -p "$dist"
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$here/pyproject.toml" | head -n 1)
rm -f "$dist"/triggerdev-"$version"[-.]* "$dist"/triggerdev_emulator-"$version"-*

# Each package from a scratch copy, so that the source tree gets no build/ or egg-info.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
wheel() { # wheel DIR ENV...: a wheel of the package in DIR, with ENV set
  local dir=$1
  shift
  cp -r "$dir" "$stage/pkg"
  (cd "$stage/pkg" && env "$@" TRIGGERDEV_WHEEL_PLATFORM=$platform \
    "$python" -m build --wheel --no-isolation --outdir "$dist" . >"$stage/build.log" 2>&1) ||
    { cat "$stage/build.log" >&2; exit 1; }
  rm -rf "$stage/pkg"
}
log "wheel: triggerdev"
wheel "$here" TRIGGERDEV_PREBUILT_LIB="$lib"
log "wheel: triggerdev-emulator"
wheel "$here/emulator" TRIGGERDEV_PREBUILT_EMULATOR="$emulator"

log "sdist: triggerdev, with the crate from cargo package"
(cd "$root" && cargo package --quiet --no-verify --allow-dirty -p triggerdev)
cp -r "$here" "$stage/pkg"
rm -rf "$stage/pkg/emulator" "$stage/pkg/build" "$stage/pkg"/*.egg-info "$stage/pkg/triggerdev"/_libtriggerdev*
mkdir "$stage/pkg/rust"
tar -xzf "$target/package/triggerdev-$version.crate" -C "$stage/pkg/rust" --strip-components=1
(cd "$stage/pkg" && "$python" -m build --sdist --no-isolation --outdir "$dist" . >"$stage/build.log" 2>&1) ||
  { cat "$stage/build.log" >&2; exit 1; }

for whl in "$dist"/triggerdev-"$version"-*.whl "$dist"/triggerdev_emulator-"$version"-*.whl; do
  report=$("$python" -m auditwheel show "$whl" 2>&1 || true)
  if ! tr -s " \n" "  " <<<"$report" | grep -q "consistent with the following platform tag: \"$platform\""; then
    log "auditwheel: $whl is not $platform:"
    echo "$report" >&2
    exit 1
  fi
  log "$(basename "$whl"): $(du -k "$whl" | cut -f1) KiB, auditwheel: $platform"
done
ls -1 "$dist"/triggerdev-"$version"* "$dist"/triggerdev_emulator-"$version"*
