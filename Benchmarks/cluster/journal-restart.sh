#!/usr/bin/env bash
# How long a coordinator with --state takes to come back with 10 queued jobs in its
# journal: 10 submissions of JOB (no workers), SIGKILL, then three restarts timed until
# 'listening on'. Run from the repository root after `swift build -c release`:
#   Benchmarks/cluster/journal-restart.sh jobs/quickstart.yaml
set -euo pipefail
job=${1:?usage: journal-restart.sh JOB.yaml [PORT]}
port=${2:-7391}
bin=$(pwd)/.build/release/tailgrid
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" coordinator --listen 127.0.0.1:$port --state "$dir/state" > "$dir/c1.out" 2> "$dir/c1.err" &
pid=$!
until grep -q listening "$dir/c1.out"; do sleep 0.05; done
for _ in $(seq 10); do "$bin" submit "$job" --coordinator 127.0.0.1:$port --force-new > /dev/null; done
kill -9 $pid; wait $pid 2>/dev/null || true
echo "journal: $(du -sh "$dir/state" | cut -f1)"
for run in 1 2 3; do
  start=$(date +%s.%N)
  "$bin" coordinator --listen 127.0.0.1:$port --state "$dir/state" > "$dir/c2.out" 2> "$dir/c2.err" &
  pid=$!
  until grep -q listening "$dir/c2.out"; do sleep 0.01; done
  end=$(date +%s.%N)
  echo "restart $run: $(python3 -c "print(f'{$end - $start:.3f}')") s"
  kill -9 $pid; wait $pid 2>/dev/null || true
done
grep "resumed from" "$dir/c2.err" | sed 's/.*\] //'
