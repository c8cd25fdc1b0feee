#!/usr/bin/env bash
# What the finished jobs a coordinator retains (--retain-jobs, 1,000 by default) cost a
# running job: a coordinator with two single-threaded workers finishes N one-chunk jobs
# (jobs/quickstart.yaml at 4,096 scenarios), then runs JOB; prints JOB's `submit --wait`
# time and the coordinator's CPU seconds (user + system, from /proc) while JOB ran.
# Run from the repository root after `swift build -c release`:
#   Benchmarks/cluster/retained-jobs.sh JOB.yaml N [PORT]
set -euo pipefail
job=${1:?usage: retained-jobs.sh JOB.yaml N [PORT]}
n=${2:?usage: retained-jobs.sh JOB.yaml N [PORT]}
port=${3:-7393}
bin=$(pwd)/.build/release/tailgrid
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed 's/^scenarios: .*/scenarios: 4096/' jobs/quickstart.yaml > "$dir/tiny.yaml"
"$bin" coordinator --listen 127.0.0.1:$port > "$dir/c.out" 2> "$dir/c.err" &
pid=$!
until grep -q listening "$dir/c.out"; do sleep 0.05; done
OPENBLAS_NUM_THREADS=1 "$bin" worker --coordinator 127.0.0.1:$port --threads 1 --name a 2> /dev/null &
w1=$!
OPENBLAS_NUM_THREADS=1 "$bin" worker --coordinator 127.0.0.1:$port --threads 1 --name b 2> /dev/null &
w2=$!
for _ in $(seq "$n"); do
  "$bin" submit "$dir/tiny.yaml" --coordinator 127.0.0.1:$port --force-new --wait --quiet --out "$dir/tiny" > /dev/null
done
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
before=$(ticks)
start=$(date +%s.%N)
"$bin" submit "$job" --coordinator 127.0.0.1:$port --wait --quiet --force-new --out "$dir/out" > /dev/null
end=$(date +%s.%N)
after=$(ticks)
hz=$(getconf CLK_TCK)
echo "$n finished jobs retained: submit --wait $(python3 -c "print(f'{$end - $start:.2f}')") s, coordinator CPU $(python3 -c "print(f'{($after - $before) / $hz:.2f}')") s"
kill -TERM $pid; wait $pid 2>/dev/null || true
kill $w1 $w2 2>/dev/null; wait 2>/dev/null || true
