#!/usr/bin/env bash
# One command that runs the whole test suite (release mode: the Monte Carlo tests run
# hundreds of thousands of scenarios). .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test
# The Python client test generates grpcio stubs from Protos/; the manifest test validates
# cluster/kubernetes with kubernetes-validate; the report test reads its screenshot with
# Pillow; the numpy peer (Benchmarks/peer) needs numpy and scipy (PyPI packages).
python3 -m pip install --quiet --disable-pip-version-check grpcio grpcio-tools pyyaml kubernetes-validate pillow numpy scipy 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages grpcio grpcio-tools pyyaml kubernetes-validate pillow numpy scipy
# The committed generated gRPC code must match Protos/.
./scripts/generate-protos.sh --check
# The kernels built for any x86-64 as well: CPUTargetTests compares its results with the
# Haswell build's bit for bit (README, "Building for a CPU").
TAILGRID_TARGET_CPU=generic swift build -c release --product tailgrid --scratch-path .build-generic
export TAILGRID_REQUIRE_GENERIC_BUILD=1
# The tests run in parallel, so a failure is printed among hundreds of lines and a CI that
# keeps only the end of its log loses it: the failures are printed again at the end. A run
# that has not ended after an hour (it takes minutes) is stopped, and the tests that
# started and never ended are named.
log=$(mktemp "${TMPDIR:-/tmp}/tailgrid-test.XXXXXX")
trap 'rm -f "$log"' EXIT
set +e
timeout --kill-after=30s 60m swift test -c release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  # swift-testing colours its symbols when TERM allows, even into a pipe: matched plain.
  sed -i 's/\x1b\[[0-9;]*m//g' "$log"
  echo "=== the failures above, again (exit $status$([ "$status" -eq 124 ] && echo ': stopped after an hour')) ==="
  grep -a -A2 "recorded an issue" "$log" | cut -c1-400 | head -n 40
  grep -a -E "^✘ (Test|Suite) .* failed after|Fatal error|Exited with|exited with signal" "$log" | cut -c1-300 | head -n 20
  awk '
    /^◇ Test / && !/^◇ Test case passing/ { name = $0; sub(/^◇ Test /, "", name); sub(/ started\.$/, "", name); started[name]++ }
    /^(✔|✘) Test .* (passed|failed) after/ {
      name = $0; sub(/^(✔|✘) Test /, "", name); sub(/ (passed|failed) after.*$/, "", name); sub(/ with [0-9]+ test cases?$/, "", name); sub(/ with [0-9]+ tests? in [0-9]+ suites?$/, "", name)
      ended[name]++
    }
    END { for (name in started) if (started[name] > ended[name]) print "started and never ended: " name }
  ' "$log" | head -n 20
fi
exit "$status"
