#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build in release mode and run
# the quick-start job on a local cluster: a coordinator and one worker process per core
# over loopback gRPC. Extra arguments go to `tailgrid run` (e.g. --workers 0).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
swift build -c release --product tailgrid
exec .build/release/tailgrid run jobs/quickstart.yaml --workers "$(nproc)" "$@"
