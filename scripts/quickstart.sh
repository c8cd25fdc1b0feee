#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build in release mode and run
# the quick-start job. Extra arguments go to `tailgrid run` (e.g. --threads 1).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
swift build -c release --product tailgrid
exec .build/release/tailgrid run jobs/quickstart.yaml "$@"
