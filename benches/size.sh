#!/usr/bin/env bash
# The size of the release C library under other build settings: builds libtriggerdev.so once per
# variant (Cargo's CARGO_PROFILE_RELEASE_* overrides, or a dependency feature turned off in a
# scratch copy of the crate), each in its own target directory under <target>/size/, and prints
# a markdown table of the stripped sizes for benches/README.md ("Library size").
#
#   bash benches/size.sh [VARIANT...]     # default: all; a full release build each (minutes)
#
# Variants: shipped (Cargo.toml's release profile), opt-s, opt-z, lto-thin, lto-off, cgu-16,
# panic-abort (for the record only: see benches/README.md), no-platform-verifier (ureq
# without its platform-verifier feature, which the SDK needs: measured to show what it costs; a
# variant that does not build shows 0).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
out=$target/size
mkdir -p "$out"
log() { echo "size.sh: $*" >&2; }

all=(shipped opt-s opt-z lto-thin lto-off cgu-16 panic-abort no-platform-verifier)
variants=("$@")
if [ ${#variants[@]} = 0 ]; then variants=("${all[@]}"); fi

build() { # build NAME DIR ENV...: the stripped size of DIR's release cdylib, built with ENV
  local name=$1 dir=$2
  shift 2
  local start=$SECONDS
  if ! (cd "$dir" && env "$@" CARGO_TARGET_DIR="$out/$name" CARGO_PROFILE_RELEASE_STRIP=symbols \
    cargo rustc --quiet --lib --release --features capi --crate-type cdylib >&2); then
    echo "$name 0 $((SECONDS - start))"
    return
  fi
  local lib=$out/$name/release/libtriggerdev.so
  strip --strip-all -o "$out/$name.so" "$lib" # the same measure for every variant
  echo "$name $(stat -c %s "$out/$name.so") $((SECONDS - start))"
}

scratch() { # scratch NAME SED: a copy of the crate with Cargo.toml edited by SED
  local dir=$out/src-$1
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$root/Cargo.toml" "$root/Cargo.lock" "$root/build.rs" "$root/cbindgen.toml" "$root/src" "$root/README.md" "$dir/"
  mkdir -p "$dir/include"
  cp "$root/include/triggerdev.h" "$dir/include/"
  # No workspace members, no dev-dependencies: the library alone.
  sed -i -e '/^\[workspace\]/,/^exclude/d' -e '/^\[dev-dependencies\]/,/^$/d' -e '/^\[\[bench\]\]/,/^$/d' -e "$2" "$dir/Cargo.toml"
  echo '[workspace]' >>"$dir/Cargo.toml" # its own workspace, not the one above target/
  echo "$dir"
}

results=()
for v in "${variants[@]}"; do
  log "building $v"
  case $v in
    shipped) results+=("$(build "$v" "$root")") ;;
    opt-s) results+=("$(build "$v" "$root" CARGO_PROFILE_RELEASE_OPT_LEVEL=s)") ;;
    opt-z) results+=("$(build "$v" "$root" CARGO_PROFILE_RELEASE_OPT_LEVEL=z)") ;;
    lto-thin) results+=("$(build "$v" "$root" CARGO_PROFILE_RELEASE_LTO=thin)") ;;
    lto-off) results+=("$(build "$v" "$root" CARGO_PROFILE_RELEASE_LTO=off)") ;;
    cgu-16) results+=("$(build "$v" "$root" CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)") ;;
    panic-abort) results+=("$(build "$v" "$root" CARGO_PROFILE_RELEASE_PANIC=abort)") ;;
    no-platform-verifier)
      results+=("$(build "$v" "$(scratch "$v" 's/"rustls", "platform-verifier"/"rustls"/')")") ;;
    *) log "unknown variant $v"; exit 2 ;;
  esac
done

base=""
echo "| variant | stripped bytes | MB | vs shipped | build s |"
echo "|---|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  read -r name bytes secs <<<"$r"
  if [ "$name" = shipped ]; then base=$bytes; fi
  rel="—"
  if [ "$bytes" = 0 ]; then rel="does not build"; fi
  if [ -n "$base" ] && [ "$bytes" != 0 ]; then rel=$(python3 -c "print(f'{($bytes - $base) / $base * 100:+.1f} %')"); fi
  echo "| $name | $bytes | $(python3 -c "print(f'{$bytes / 1e6:.2f}')") | $rel | $secs |"
done
