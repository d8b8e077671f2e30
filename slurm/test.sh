#!/usr/bin/env bash
# Runs carepath on a real single-node Slurm cluster and checks that the sharded run, merged by a
# dependent job, is byte-identical to a run on this machine (manifest aside).
#
# As root (it installs Debian's slurm-wlm and munge if missing and runs the daemons as root):
#   slurm/test.sh            # CAREPATH defaults to target/release/carepath
# Everything lives in one temporary folder; the daemons it started are stopped by their PIDs.
# Exit 0 = identical; otherwise a "FAIL:" line says what broke, with the daemons' log tails.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
CAREPATH=$(realpath "${CAREPATH:-target/release/carepath}")
export CAREPATH
BASE=$(mktemp -d /tmp/carepath-slurm.XXXXXX)
CTLD_PORT=${SLURMTEST_CTLD_PORT:-16817}
D_PORT=${SLURMTEST_D_PORT:-16818}
TIMEOUT=${SLURMTEST_TIMEOUT:-120}
NODE=localhost
T0=$(date +%s)

log() { printf '[%4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() {
    echo "FAIL: $*" >&2
    for f in "$BASE"/log/* "$BASE"/parts/slurm-*.out; do
        [ -s "$f" ] && { echo "---- tail $f" >&2; tail -n 15 "$f" >&2; }
    done
    exit 1
}

PIDS=()
JOBS=()
teardown() {
    local rc=$? i pid
    trap - EXIT INT TERM
    [ ${#JOBS[@]} -gt 0 ] && scancel "${JOBS[@]}" 2>/dev/null
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[$i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" | cut -c1)" != Z ] && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ "$rc" -eq 0 ] && rm -rf "$BASE"
    log "daemons stopped (exit $rc)"
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_bg() { # start_bg NAME CMD...: a foreground daemon, our child
    local name=$1
    shift
    "$@" >"$BASE/log/$name.out" 2>&1 &
    PIDS+=("$!")
}
wait_for() { # wait_for WHAT CMD...: poll until CMD succeeds
    local what=$1 deadline=$(($(date +%s) + TIMEOUT)) pid
    shift
    until "$@" >/dev/null 2>&1; do
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null || die "a daemon (pid $pid) exited while waiting for $what"
        done
        [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${TIMEOUT}s waiting for $what"
        sleep 0.2
    done
}

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and runs the Slurm daemons as root)"
[ -x "$CAREPATH" ] || die "no carepath binary at $CAREPATH (cargo build --release)"
for v in $(env | grep -o '^SLURM_[A-Za-z0-9_]*' || true); do unset "$v"; done

for b in slurmctld slurmd sbatch squeue sinfo scontrol munged munge; do
    command -v "$b" >/dev/null 2>&1 && continue
    log "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed"
    apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 || die "apt-get install slurm-wlm munge failed"
    break
done
log "$(slurmctld -V)"

mkdir -p "$BASE"/{etc,log,spool/ctld,spool/d,munge-key,munge-sock}
chmod 700 "$BASE/munge-key"
chmod 755 "$BASE" "$BASE/munge-sock" "$BASE/log"
dd if=/dev/urandom of="$BASE/munge-key/munge.key" bs=1024 count=1 status=none
chmod 400 "$BASE/munge-key/munge.key"
SOCK="$BASE/munge-sock/munge.sock"
start_bg munged munged --foreground --force --key-file="$BASE/munge-key/munge.key" \
    --socket="$SOCK" --pid-file="$BASE/munge-sock/munged.pid" \
    --seed-file="$BASE/munge-key/munged.seed" --log-file="$BASE/log/munged.log"
wait_for "munged" sh -c "munge -S '$SOCK' -n | unmunge -S '$SOCK'"

# The node line from slurmd -C (CPUs, sockets, cores, threads), without NodeName/RealMemory.
HW=$(slurmd -C 2>/dev/null | head -1 | tr ' ' '\n' \
    | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
[ -n "$HW" ] || HW="CPUs=$(nproc)"
export SLURM_CONF="$BASE/etc/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=carepathtest
SlurmctldHost=$NODE
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$BASE/spool/ctld
SlurmdSpoolDir=$BASE/spool/d
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd starts a cgroup plugin even with linuxproc + task/none; autodetect fails in containers.
echo "CgroupPlugin=${SLURMTEST_CGROUP_PLUGIN:-cgroup/v1}" >"$BASE/etc/cgroup.conf"
start_bg slurmctld slurmctld -D -i
wait_for "slurmctld (scontrol ping)" sh -c 'scontrol ping | grep -q UP'
start_bg slurmd slurmd -D -N "$NODE"
wait_for "node $NODE idle" sh -c "[ \"\$(sinfo -h -n $NODE -o %T)\" = idle ]"
log "cluster up"

run=(scenarios --reps 4)
"$CAREPATH" run "${run[@]}" --out "$BASE/local" >/dev/null || die "local run failed"
log "local run done"
read -r array merge < <(slurm/submit.sh -n 4 -p "$BASE/parts" -o "$BASE/merged" -- "${run[@]}") \
    || die "submit.sh failed"
[ -n "${merge:-}" ] || die "submit.sh printed no job ids"
JOBS=("$array" "$merge")
log "submitted array $array (4 shards) and merge $merge"
wait_for "jobs $array and $merge to leave the queue" \
    sh -c "[ -z \"\$(squeue -h -j $array,$merge)\" ]"
for i in 1 2 3 4; do
    st=$(scontrol show job "${array}_$i" | tr ' ' '\n' | sed -n 's/^JobState=//p')
    [ "$st" = COMPLETED ] || die "shard task ${array}_$i: $st"
done
st=$(scontrol show job "$merge" | tr ' ' '\n' | sed -n 's/^JobState=//p')
[ "$st" = COMPLETED ] || die "merge job $merge: $st"
JOBS=()
log "jobs completed"

# Byte-identical, but for the manifest (which records the command, run time and threads).
[ -z "$(find "$BASE/local" -type f | head -1)" ] && die "no outputs"
diff -r -q -x manifest.json -x .carepath "$BASE/local" "$BASE/merged" || die "outputs differ"
log "OK: $(find "$BASE/merged" -type f | wc -l) files of the Slurm run are identical to the local run"
