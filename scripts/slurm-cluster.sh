#!/bin/sh
# slurm-cluster.sh: a private single-node Slurm cluster for the tests of
# allocbench's Slurm executor (harness/test/slurm.sh).
#
#   sh scripts/slurm-cluster.sh start DIR   start munged, slurmctld and slurmd;
#                                           every file lives under DIR (created)
#   sh scripts/slurm-cluster.sh stop DIR    cancel every job, wait for the steps
#                                           to end, stop the three daemons
#   . DIR/env                               SLURM_CONF for the clients
#
# Needs root, the Debian packages munge slurmctld slurmd slurm-client
# (scripts/setup-deps.sh), no systemd and no cgroups: munged has its own key
# (0600) and socket, slurm.conf points at that socket (AuthInfo=socket=),
# uses proctrack/linuxproc and task/affinity (it pins --cpus-per-task jobs),
# cons_tres with CR_Core, batch_sched_delay=0 and jobcomp/filetxt (sacct
# needs slurmdbd). The ports are picked from this process's id so that two
# clusters on one machine do not meet. start prints nothing on success and
# one line on failure (with the tail of the daemon logs).
set -u
cmd=${1:-}; D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: slurm-cluster.sh start|stop DIR" >&2; exit 2; }

log_tail() {
    for f in "$D"/munged.log "$D"/slurmctld.log "$D"/slurmd.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -n 5 "$f"; }
    done >&2
}

stop_pid() {  # pidfile: TERM, then KILL after 5 s
    [ -f "$1" ] || return 0
    p=$(cat "$1" 2>/dev/null)
    [ -n "$p" ] || return 0
    kill "$p" 2>/dev/null || { rm -f "$1"; return 0; }
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
    rm -f "$1"
}

case $cmd in
start)
    for b in munged slurmctld slurmd sbatch squeue; do
        command -v $b >/dev/null 2>&1 || [ -x /usr/sbin/$b ] || { echo "slurm-cluster: $b not installed (scripts/setup-deps.sh)" >&2; exit 1; }
    done
    mkdir -p "$D/munge" "$D/state" "$D/spool" || exit 1
    D=$(cd "$D" && pwd)
    chmod 0711 "$D" "$D/munge"          # the socket's folder: executable by all
    dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 2>/dev/null
    chmod 0600 "$D/munge/munge.key"
    /usr/sbin/munged --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket" \
        --pid-file="$D/munged.pid" --log-file="$D/munged.log" --seed-file="$D/munge/seed" \
        || { echo "slurm-cluster: munged did not start" >&2; log_tail; exit 1; }
    host=$(hostname -s)
    port=$((20000 + ($$ % 5000) * 2))
    cpus=$(nproc)
    cat >"$D/slurm.conf" <<EOF
ClusterName=abtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=5
KillWait=2
MinJobAge=600
InactiveLimit=0
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    echo "export SLURM_CONF=$D/slurm.conf" >"$D/env"
    export SLURM_CONF="$D/slurm.conf"
    /usr/sbin/slurmctld -c -f "$SLURM_CONF" || { echo "slurm-cluster: slurmctld did not start" >&2; log_tail; exit 1; }
    /usr/sbin/slurmd -f "$SLURM_CONF" || { echo "slurm-cluster: slurmd did not start" >&2; log_tail; exit 1; }
    i=0
    while [ $i -lt 300 ]; do
        st=$(sinfo -h -o %T 2>/dev/null)
        [ "$st" = idle ] && exit 0
        sleep 0.1; i=$((i + 1))
    done
    echo "slurm-cluster: the node did not become idle in 30 s (state: ${st:-none})" >&2
    log_tail
    exit 1
    ;;
stop)
    [ -d "$D" ] || exit 0
    D=$(cd "$D" && pwd)
    export SLURM_CONF="$D/slurm.conf"
    if [ -f "$D/slurmctld.pid" ] && [ -f "$SLURM_CONF" ]; then
        # killing slurmd leaves running slurmstepd behind: end the jobs first
        scancel --full -u "$(id -un)" >/dev/null 2>&1
        i=0
        while [ $i -lt 100 ]; do
            [ -z "$(squeue -h -t R,CG,CF -o %i 2>/dev/null)" ] && break
            sleep 0.1; i=$((i + 1))
        done
    fi
    stop_pid "$D/slurmd.pid"
    stop_pid "$D/slurmctld.pid"
    stop_pid "$D/munged.pid"
    exit 0
    ;;
*)
    echo "usage: slurm-cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
