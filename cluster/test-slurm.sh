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

# Writes slurm.conf with two fresh loopback ports and starts slurmctld and slurmd; the
# controller is named by address so no name lookup decides where the traffic goes.
start_slurm() {
  local ctld_port slurmd_port
  ctld_port=$(pick_port)
  slurmd_port=$(pick_port)
  mkdir -p "$work/state" "$work/spool"
  cat > "$work/slurm.conf" <<CONF
ClusterName=tailgrid-test
SlurmctldHost=$host(127.0.0.1)
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
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=tailgrid Nodes=$host Default=YES MaxTime=30 State=UP
CONF
  slurmctld -f "$work/slurm.conf" || { echo "test-slurm: slurmctld did not start" >&2; cat "$work/slurmctld.log" >&2; return 1; }
  slurmd -f "$work/slurm.conf" || { echo "test-slurm: slurmd did not start" >&2; cat "$work/slurmd.log" >&2; return 1; }
}
# Waits up to $1 seconds for the node to be idle: a loaded machine (the rest of the test
# suite runs beside this) can take a while to bring both daemons up.
node_idle_within() {
  for _ in $(seq $(($1 * 5))); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && return 0
    sleep 0.2
  done
  return 1
}
# Says which daemon is gone, with the end of each log.
report_daemons() {
  for daemon in slurmctld slurmd; do
    if [ -f "$work/$daemon.pid" ] && kill -0 "$(cat "$work/$daemon.pid")" 2>/dev/null; then
      echo "test-slurm: $daemon is running; the end of its log:" >&2
    else
      echo "test-slurm: $daemon is not running; the end of its log:" >&2
    fi
    tail -n 20 "$work/$daemon.log" >&2 2>/dev/null || echo "(no log)" >&2
  done
}
# Stops slurmctld and slurmd (not munged) and forgets their state, for a second start.
stop_slurm() {
  local file
  for file in "$work/slurmd.pid" "$work/slurmctld.pid"; do
    if [ -f "$file" ]; then
      kill -KILL "$(cat "$file")" 2>/dev/null || true
      rm -f "$file"
    fi
  done
  rm -rf "$work/state" "$work/spool"
}
export SLURM_CONF=$work/slurm.conf
# One more start with fresh ports if the first does not come up (a port picked free can be
# taken by another process before the daemon binds it).
if ! { start_slurm && node_idle_within 90; }; then
  echo "test-slurm: the node is not idle after 90 s; starting Slurm again on fresh ports" >&2
  report_daemons
  stop_slurm
  if ! { start_slurm && node_idle_within 90; }; then
    echo "test-slurm: the node never became idle" >&2
    report_daemons
    exit 1
  fi
fi

openssl rand -hex 32 > "$work/token"
chmod 0600 "$work/token"
job=jobs/quickstart.yaml
TAILGRID="$tailgrid" TAILGRID_TOKEN_FILE="$work/token" TAILGRID_OUT="$work/out" TAILGRID_PORT="$(pick_port)" \
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
