#!/usr/bin/env bash
# The journal's cost per chunk: JOB through a coordinator with --state and two
# single-threaded workers, then the coordinator's own account of what it wrote
# (transactions, chunk summaries, bytes, seconds writing), and the same job without
# --state for comparison. Run from the repository root after `swift build -c release`:
#   Benchmarks/cluster/journal-cost.sh path/to/job.yaml
set -euo pipefail
job=${1:?usage: journal-cost.sh JOB.yaml [PORT]}
port=${2:-7392}
bin=$(pwd)/.build/release/tailgrid
once() {
  local dir
  dir=$(mktemp -d)
  "$bin" coordinator --listen 127.0.0.1:$port "$@" > "$dir/c.out" 2> "$dir/c.err" &
  local pid=$!
  until grep -q listening "$dir/c.out"; do sleep 0.05; done
  "$bin" worker --coordinator 127.0.0.1:$port --threads 1 --name a 2> /dev/null &
  local w1=$!
  "$bin" worker --coordinator 127.0.0.1:$port --threads 1 --name b 2> /dev/null &
  local w2=$!
  local start end
  start=$(date +%s.%N)
  "$bin" submit "$job" --coordinator 127.0.0.1:$port --wait --quiet --force-new --out "$dir/out" > /dev/null
  end=$(date +%s.%N)
  echo "submit --wait: $(python3 -c "print(f'{$end - $start:.2f}')") s"
  kill -TERM $pid; wait $pid || true
  kill $w1 $w2 2>/dev/null; wait 2>/dev/null || true
  grep -E "succeeded in|journal:" "$dir/c.err" | sed 's/.*\] //'
  rm -rf "$dir"
}
state=$(mktemp -d)
echo "with --state:"; once --state "$state/state"
rm -rf "$state"
echo "without:"; once
