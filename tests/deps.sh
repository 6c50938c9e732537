#!/usr/bin/env bash
# Installs what the test suites and the package checks need and a fresh Debian machine lacks:
# compilers and valgrind for the C suite, strace for the loopback check, Ruby and its ffi and
# minitest packages (gems cannot be downloaded here; Debian's packages can), pkg-config and
# readelf for the C library's install check. Used by tests/run.sh and .ci/run.
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v valgrind >/dev/null || need+=(valgrind)
command -v strace >/dev/null || need+=(strace)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v readelf >/dev/null || need+=(binutils)
command -v ruby >/dev/null || need+=(ruby)
if ! ruby -e 'require "ffi"' 2>/dev/null; then need+=(ruby-ffi); fi
if ! ruby -e 'require "minitest"' 2>/dev/null; then need+=(ruby-minitest); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "tests need ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
