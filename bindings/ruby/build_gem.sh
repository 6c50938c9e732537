#!/usr/bin/env bash
# Builds the Ruby gems into dist/ (at the repository root, or $DIST):
#
#   triggerdev-X.Y.Z-x86_64-linux.gem           the binding and libtriggerdev (no Rust needed)
#   triggerdev-emulator-X.Y.Z-x86_64-linux.gem  the emulator, for Triggerdev::Testing
#   triggerdev-X.Y.Z.gem                        source gem: `gem install` builds the library with cargo
#
#   bash bindings/ruby/build_gem.sh
#
# The native parts come from bindings/build_native.sh (linked against glibc 2.17, as the Python
# wheels' are); each gem is built with `gem build` from a scratch copy of this directory, with
# the library (or the emulator, or the Rust crate as `cargo package` makes it) put in place.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
dist=${DIST:-$root/dist}
log() { echo "build_gem.sh: $*" >&2; }
command -v gem >/dev/null || { log "needs ruby and gem (apt-get install ruby)"; exit 1; }

eval "$(bash "$root/bindings/build_native.sh")" # sets lib= and emulator=
version=$(ruby -r"$here/lib/triggerdev/version" -e 'print Triggerdev::VERSION')
mkdir -p "$dist"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

gem_build() { # gem_build DIR GEMSPEC: gem build in DIR, the .gem moved to dist/; fails on any warning
  (cd "$1" && gem build "$2" >"$stage/gem.log" 2>&1) || { cat "$stage/gem.log" >&2; exit 1; }
  if grep -q "WARNING" "$stage/gem.log"; then
    cat "$stage/gem.log" >&2
    log "gem build warned"
    exit 1
  fi
  mv "$1"/*.gem "$dist/"
}

copy() { # copy DIR: a scratch copy of DIR without build leftovers
  rm -rf "$stage/gem"
  cp -r "$1" "$stage/gem"
  rm -rf "$stage/gem"/*.gem "$stage/gem/emulator" "$stage/gem/ext/triggerdev/rust" "$stage/gem/lib/triggerdev/native"/*.so
}

log "platform gem: triggerdev"
copy "$here"
cp "$lib" "$stage/gem/lib/triggerdev/native/libtriggerdev.so"
gem_build "$stage/gem" triggerdev.gemspec

log "source gem: triggerdev"
copy "$here"
(cd "$root" && cargo package --quiet --no-verify --allow-dirty -p triggerdev)
mkdir -p "$stage/gem/ext/triggerdev/rust"
tar -xzf "$target/package/triggerdev-$version.crate" -C "$stage/gem/ext/triggerdev/rust" --strip-components=1
gem_build "$stage/gem" triggerdev.gemspec

log "platform gem: triggerdev-emulator"
copy "$here/emulator"
mkdir -p "$stage/gem/libexec"
cp "$emulator" "$stage/gem/libexec/triggerdev-emulator"
gem_build "$stage/gem" triggerdev-emulator.gemspec

ls -1 "$dist"/triggerdev-"$version"*.gem "$dist"/triggerdev-emulator-"$version"*.gem
