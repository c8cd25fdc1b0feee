#!/usr/bin/env bash
# One command that runs the whole test suite (release mode: the Monte Carlo tests run
# hundreds of thousands of scenarios). .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
# The committed generated gRPC code must match Protos/.
./scripts/generate-protos.sh --check
exec swift test -c release "$@"
