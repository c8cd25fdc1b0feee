#!/usr/bin/env bash
# Runs cluster/slurm.sbatch under a real one-node Slurm on this machine: installs
# slurm-wlm and munge from apt if missing, starts munged, slurmctld and slurmd with their
# own ports, sockets and state folder, submits the batch with `sbatch --wait` on a small
# job, and compares its result with `tailgrid run --workers 0` (bit for bit but for the
# timing and audit lines). Prints "test-slurm: PASSED", or "test-slurm: SKIPPED: <why>"
# and exits 0 when this machine cannot run Slurm (not root, no apt); exits 1 on failure.
#
#   cluster/test-slurm.sh [TAILGRID_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tailgrid=$(realpath "${1:-.build/release/tailgrid}")

skip() { echo "test-slurm: SKIPPED: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "slurmctld and slurmd need root here (run as root, or on a machine with Slurm)"
[ -x "$tailgrid" ] || { echo "test-slurm: no tailgrid binary at $tailgrid" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "no slurmctld/munged and no apt-get to install them"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq slurm-wlm munge >/dev/null 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 && apt-get -o DPkg::Lock::Timeout=600 install -y -qq slurm-wlm munge >/dev/null 2>&1; } \
    || skip "apt-get could not install slurm-wlm and munge"
fi
[ -r /etc/munge/munge.key ] || skip "no /etc/munge/munge.key after installing munge"

work=$(mktemp -d /tmp/tailgrid-slurm.XXXXXX)
chmod 0755 "$work"
host=$(hostname -s)
pick_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ctld_port=$(pick_port)
slurmd_port=$(pick_port)
cleanup() {
  # SIGTERM, then SIGKILL for a daemon still there after 2 s (one started by a process
  # that ignores SIGTERM inherits that).
  local pids=()
  for file in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
    [ -f "$file" ] && pids+=("$(cat "$file")")
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 20); do
      kill -0 "${pids[@]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# munged of our own, on a socket of our own.
mkdir -p "$work/munge"
chown munge:munge "$work/munge"
chmod 0755 "$work/munge"
runuser -u munge -- /usr/sbin/munged --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" --key-file=/etc/munge/munge.key \
  || { echo "test-slurm: munged did not start" >&2; exit 1; }

mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<CONF
ClusterName=tailgrid-test
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=tailgrid Nodes=$host Default=YES MaxTime=30 State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF" || { echo "test-slurm: slurmctld did not start" >&2; cat "$work/slurmctld.log" >&2; exit 1; }
slurmd -f "$SLURM_CONF" || { echo "test-slurm: slurmd did not start" >&2; cat "$work/slurmd.log" >&2; exit 1; }
for _ in $(seq 100); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 0.2
done
sinfo -h -o %T | grep -q idle || { echo "test-slurm: the node never became idle" >&2; sinfo >&2; tail -n 20 "$work/slurmctld.log" >&2; exit 1; }

openssl rand -hex 32 > "$work/token"
chmod 0600 "$work/token"
job=jobs/quickstart.yaml
TAILGRID="$tailgrid" TAILGRID_TOKEN_FILE="$work/token" TAILGRID_OUT="$work/out" \
  timeout 600 sbatch --wait --nodes=1 --ntasks-per-node=1 --cpus-per-task="$(nproc)" --time=10 \
  --output="$work/batch.log" cluster/slurm.sbatch "$job" >/dev/null \
  || { echo "test-slurm: the batch failed" >&2; cat "$work/batch.log" >&2; exit 1; }
grep -q '"accounts"' "$work/out/result.json" 2>/dev/null \
  || { echo "test-slurm: the batch wrote no result" >&2; cat "$work/batch.log" >&2; exit 1; }
"$tailgrid" run "$job" --workers 0 --out "$work/local" --quiet
comparable() { grep -v '"elapsed_seconds"' "$1" | python3 -c '
import sys
out, audit = [], False
for line in sys.stdin:
    if audit:
        audit = not line.startswith("  }")
        continue
    # computed_by says where, not what: a cluster result lists the machines of its workers.
    if line.startswith(("  \"audit\" : {", "  \"computed_by\" : {")):
        audit = not line.rstrip().endswith(("}", "},"))
        continue
    out.append(line)
sys.stdout.write("".join(out))'; }
if ! diff <(comparable "$work/out/result.json") <(comparable "$work/local/result.json") >/dev/null; then
  echo "test-slurm: the Slurm result differs from run --workers 0" >&2
  diff <(comparable "$work/out/result.json") <(comparable "$work/local/result.json") | head -20 >&2
  exit 1
fi
echo "test-slurm: PASSED (sbatch --wait on a one-node Slurm: result bit-identical to run --workers 0)"
