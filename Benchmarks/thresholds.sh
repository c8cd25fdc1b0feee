#!/usr/bin/env bash
# Benchmark thresholds: Thresholds/ holds each benchmark's p90 (wall clock, throughput,
# mallocs) measured on the 2-core reference machine; `check` runs every benchmark and
# fails when one is worse than its p90 by more than the margins in EngineBenchmarks.swift.
#
#   Benchmarks/thresholds.sh check [--filter REGEX]    compare a run with Thresholds/
#   Benchmarks/thresholds.sh update [--filter REGEX]   measure and write Thresholds/
#
# ordo-one/benchmark (this version) writes a threshold file with the benchmark's spaces
# as "_" but looks it up with the spaces, so `check` reads a copy named as it expects
# (no benchmark name here holds a "_" of its own).
set -euo pipefail
cd "$(dirname "$0")"
operation=${1:-check}
[ $# -gt 0 ] && shift
case "$operation" in
  update)
    swift package --disable-sandbox benchmark thresholds update "$@"
    ;;
  check)
    named=$(mktemp -d)
    trap 'rm -rf "$named"' EXIT
    for file in Thresholds/*.p90.json; do
      base=$(basename "$file")
      cp "$file" "$named/${base//_/ }"
    done
    swift package --disable-sandbox benchmark thresholds check --path "$named" "$@"
    ;;
  *)
    echo "usage: Benchmarks/thresholds.sh check|update [--filter REGEX]" >&2
    exit 64
    ;;
esac
