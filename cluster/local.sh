#!/usr/bin/env bash
# Starts a coordinator and N workers on this host, waits until the coordinator listens,
# and keeps them running until interrupted (Ctrl-C / SIGTERM stops them all gracefully).
#
#   cluster/local.sh [N_WORKERS] [PORT]
#
# Then, from another terminal:
#   .build/release/tailgrid submit jobs/quickstart.yaml --coordinator 127.0.0.1:7070 \
#       --token-file "$TAILGRID_TOKEN_FILE" --wait
set -euo pipefail
# TailGrid calls BLAS single-threaded: OpenBLAS starts no thread per core (they would
# spin at each process's start, on the cores the job wants).
export OPENBLAS_NUM_THREADS=1
cd "$(dirname "$0")/.."
workers=${1:-$(nproc)}
port=${2:-7070}
tailgrid=.build/release/tailgrid
[ -x "$tailgrid" ] || { ./scripts/bootstrap.sh && swift build -c release --product tailgrid; }

state=$(mktemp -d)
token_file=${TAILGRID_TOKEN_FILE:-$state/token}
[ -f "$token_file" ] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file"; chmod 600 "$token_file"; }
echo "token file: $token_file"

pids=()
stop() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  rm -rf "$state"
}
trap stop EXIT INT TERM

"$tailgrid" coordinator --listen "127.0.0.1:$port" --token-file "$token_file" > "$state/coordinator.out" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$state/coordinator.out" 2>/dev/null && break; sleep 0.1; done
grep "listening on" "$state/coordinator.out" || { echo "coordinator did not start" >&2; exit 69; }

for i in $(seq "$workers"); do
  "$tailgrid" worker --coordinator "127.0.0.1:$port" --token-file "$token_file" --threads 1 --name "local-$i" &
  pids+=($!)
done
echo "coordinator on 127.0.0.1:$port with $workers workers; Ctrl-C to stop"
wait "${pids[0]}"
