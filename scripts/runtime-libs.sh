#!/usr/bin/env bash
# What a built tailgrid needs at run time, derived from `ldd` of the binary, so that the
# Dockerfile's runtime stage (and any other deployment) installs exactly that.
#
#   scripts/runtime-libs.sh packages BINARY     Debian packages holding its shared libraries
#   scripts/runtime-libs.sh swift-libs BINARY   Swift runtime libraries (not packaged by Debian:
#                                               copy them from the build image, same path)
#   scripts/runtime-libs.sh check BINARY        exit 1 unless every library ldd reports is
#                                               covered by one of the two lists
#   scripts/runtime-libs.sh stage BINARY DIR    DIR/ gets what a runtime image installs with
#                                               scripts/install-runtime.sh: the binary, the
#                                               package list, the Swift libraries and their
#                                               folder (the Dockerfile's build stage runs it)
#
# A library ldd cannot find, or one no Debian package owns outside the Swift toolchain,
# is an error (exit 1) naming it: the lists would be incomplete.
set -euo pipefail

mode=${1:-}
binary=${2:-}
if [ -z "$mode" ] || [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "usage: $0 packages|swift-libs|check BINARY, or stage BINARY DIR" >&2
  exit 64
fi

# The resolved path of every library ldd lists (the vDSO has none).
libraries() {
  local report
  report=$(ldd "$binary")
  if grep -q "not found" <<<"$report"; then
    echo "runtime-libs: ldd cannot find: $(grep 'not found' <<<"$report" | awk '{print $1}' | tr '\n' ' ')" >&2
    exit 1
  fi
  awk '/=>/ { print $3; next } /^\s*\// { print $1 }' <<<"$report" | sort -u
}

# Computed once, as an assignment, so that an ldd failure stops the script.
all=$(libraries)

# The Swift toolchain's runtime folder: where libswiftCore.so resolves.
swift_dir() {
  grep '/libswiftCore.so$' <<<"$all" | xargs -r dirname | head -1
}

# The Debian package owning a library: asked for the path ldd gave, its real path (through
# the alternatives system: libopenblas.so.0 -> .../openblas-pthread/libopenblas.so.0) and
# both with and without /usr (merged /usr: /lib is /usr/lib).
owner() {
  local path=$1 real candidate
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "${path#/usr}" "/usr$path" "${real#/usr}" "/usr$real"; do
    if package=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$package" ]; then
      echo "$package"
      return 0
    fi
  done
  return 1
}

packages() {
  local dir lib missing=()
  dir=$(swift_dir)
  for lib in $all; do
    if [ -n "$dir" ] && [ "$(dirname "$lib")" = "$dir" ]; then continue; fi
    owner "$lib" || missing+=("$lib")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "runtime-libs: no Debian package owns: ${missing[*]}" >&2
    exit 1
  fi
}

swift_libs() {
  local dir
  dir=$(swift_dir)
  [ -n "$dir" ] || return 0
  while read -r lib; do
    if [ "$(dirname "$lib")" = "$dir" ]; then echo "$lib"; fi
  done <<<"$all"
}

case "$mode" in
  packages) packages | sort -u ;;
  swift-libs) swift_libs ;;
  check)
    pkgs=$(packages | sort -u)
    swift=$(swift_libs)
    uncovered=()
    for lib in $all; do
      if grep -qxF "$lib" <<<"$swift"; then continue; fi
      pkg=$(owner "$lib" || true)
      if [ -z "$pkg" ] || ! grep -qxF "$pkg" <<<"$pkgs"; then uncovered+=("$lib"); fi
    done
    if [ ${#uncovered[@]} -gt 0 ]; then
      echo "runtime-libs: not covered: ${uncovered[*]}" >&2
      exit 1
    fi
    echo "runtime-libs: $(wc -l <<<"$all") libraries covered by $(wc -w <<<"$pkgs") packages and $(grep -c . <<<"$swift" || true) Swift runtime libraries" >&2
    ;;
  stage)
    out=${3:?usage: $0 stage BINARY DIR}
    mkdir -p "$out/swift-libs"
    cp "$binary" "$out/tailgrid"
    packages | sort -u > "$out/runtime-packages.txt"
    swift_dir > "$out/swift-lib-dir.txt"
    swift_libs | while read -r lib; do cp -L "$lib" "$out/swift-libs/"; done
    cp "$(dirname "$0")/install-runtime.sh" "$out/install-runtime.sh"
    echo "runtime-libs: staged $(wc -l < "$out/runtime-packages.txt") packages and $(ls "$out/swift-libs" | wc -l) Swift libraries in $out" >&2
    ;;
  *)
    echo "usage: $0 packages|swift-libs|check BINARY, or stage BINARY DIR" >&2
    exit 64
    ;;
esac
