#!/usr/bin/env bash
# A single-node SLURM cluster on 127.0.0.1 for `npm run test:slurm` (Debian's slurm-wlm 22.05 + munge).
#
#   bash test/slurm/setup.sh          install (apt-get) what is missing, write the config, start the daemons
#   bash test/slurm/setup.sh --stop   stop the daemons this script started (by the pids it recorded)
#   bash test/slurm/setup.sh --check  exit 0 when a cluster answers with partition `debug`, else 1 (changes nothing)
#
# Idempotent: a cluster that already answers is left as it is. Needs root, or sudo without a password.
# Partition `debug` holds this machine (all its CPUs, its memory less 1 GiB). No accounting daemon: `sacct`
# has nothing, and `scontrol show job` describes a job until MinJobAge after it ends. KillWait is 5 s so a
# job past its time limit is ended quickly. The pids of the daemons started here are written to
# $STATE (one line per daemon, checked against the process's name before any signal, so a pid the system
# has since given to another process is never signalled), so --stop ends exactly those and nothing else.
# MS_SLURM_STARTED_BY=test (set by test/slurm/run.ts) marks daemons a test run started: the last test
# run using them stops them; ones started by hand stay up. Starting and stopping hold a lock (flock).
#
# Exit codes: 0 up; 3 SLURM cannot be installed here (no root or sudo, no apt-get, the packages cannot
# be fetched) — `npm run test:slurm` then skips, saying so; anything else is a real failure.
set -euo pipefail

STATE=/run/model-studio-slurm.pids
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "test/slurm/setup.sh: needs root or sudo without a password (to install slurm-wlm and munge and start their daemons)" >&2
    exit 3
  fi
fi

answers() {
  command -v sinfo >/dev/null 2>&1 && timeout 10 sinfo -h -p debug -o '%a' 2>/dev/null | grep -qx up
}

if [ "${1:-}" = "--check" ]; then
  answers
  exit $?
fi

# the recorded pid of a daemon, if that process is still that daemon
ours() {
  [ -f "$STATE" ] || return 1
  local pid
  pid=$(awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$STATE")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
}

stop_ours() {
  [ -f "$STATE" ] || { echo "test/slurm/setup.sh: no daemons recorded in $STATE; nothing to stop"; return 0; }
  # slurmd first (it holds jobs), then slurmctld, then munged; each by the pid recorded when it started
  for name in slurmd slurmctld munged; do
    pid=$(ours "$name") || continue
    if $SUDO kill -0 "$pid" 2>/dev/null; then
      $SUDO kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      $SUDO kill -0 "$pid" 2>/dev/null && $SUDO kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  $SUDO rm -f "$STATE"
  echo "SLURM stopped"
}

if command -v flock >/dev/null 2>&1; then
  exec 9>>/run/model-studio-slurm.lock 2>/dev/null || exec 9>>"${TMPDIR:-/tmp}/model-studio-slurm.lock"
  flock -w 300 9 || true
fi

if [ "${1:-}" = "--stop" ]; then
  stop_ours
  exit 0
fi

if [ "${1:-}" = "--owner" ]; then
  # who started the recorded daemons: test (a test run), hand, or nothing when none of them is alive
  if ours slurmctld >/dev/null || ours slurmd >/dev/null; then awk '$1 == "owner" { o = $2 } END { print (o ? o : "hand") }' "$STATE"; fi
  exit 0
fi

# a record whose daemons are all gone (the machine restarted, or they were stopped by other means) is stale
if [ -f "$STATE" ] && ! ours munged >/dev/null && ! ours slurmctld >/dev/null && ! ours slurmd >/dev/null; then
  $SUDO rm -f "$STATE"
fi

need=()
for pkg in slurmctld slurmd slurm-client munge; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "test/slurm/setup.sh: ${need[*]} missing and no apt-get to install them" >&2; exit 3; }
  echo "installing ${need[*]} (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || true
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "test/slurm/setup.sh: apt-get could not install ${need[*]}" >&2; exit 3; }
fi

H=$(hostname)
# at least 4 CPUs on the node (SlurmdParameters=config_overrides lets it claim more than it has), so a
# test sweep's array can run 2 tasks beside another test's job on a 2-core CI machine
CPUS=$(( $(nproc) < 4 ? 4 : $(nproc) ))
MEM=$(( $(free -m | awk '/Mem:/{print $2}') - 1024 ))
$SUDO mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
CONF=$(cat <<CONF
# written by Model Studio's test/slurm/setup.sh: a single-node cluster for its tests
ClusterName=local
SlurmctldHost=$H(127.0.0.1)
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=5
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=$H NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
)
if answers; then
  if [ -f /etc/slurm/slurm.conf ] && [ "$(cat /etc/slurm/slurm.conf)" = "$CONF" ]; then
    echo "SLURM already running: $(sinfo -h -p debug -o '%P %a %D node(s) %T')"
    exit 0
  fi
  if [ ! -f "$STATE" ]; then
    echo "SLURM already running (not started by this script, configured otherwise): leaving it as it is"
    exit 0
  fi
  echo "restarting the daemons this script started: the configuration changed"
  stop_ours
fi
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$CONF" ]; then
  if [ -f /etc/slurm/slurm.conf ] && ! grep -q "Model Studio's test/slurm/setup.sh" /etc/slurm/slurm.conf; then
    echo "test/slurm/setup.sh: /etc/slurm/slurm.conf exists and was not written by this script, but no cluster answers; leaving it alone" >&2
    echo "  (start your cluster, or move that file aside and run this again)" >&2
    exit 4
  fi
  printf '%s\n' "$CONF" | $SUDO tee /etc/slurm/slurm.conf >/dev/null
fi
if [ ! -f /etc/munge/munge.key ]; then
  $SUDO dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  $SUDO chown munge:munge /etc/munge/munge.key
  $SUDO chmod 400 /etc/munge/munge.key
fi
$SUDO chown munge:munge /run/munge

record() {
  # one line per daemon: a restarted one replaces its old line
  if [ -f "$STATE" ]; then $SUDO sed -i "/^$1 /d" "$STATE"; fi
  grep -q '^owner ' "$STATE" 2>/dev/null || echo "owner ${MS_SLURM_STARTED_BY:-hand}" | $SUDO tee -a "$STATE" >/dev/null
  echo "$1 $2" | $SUDO tee -a "$STATE" >/dev/null
}
# a daemon is alive when its pid file names a process of that name (a stale file's pid may belong to another)
alive() { [ -f "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]; }

# the daemons must not inherit the lock (fd 9): it would stay held for as long as they run
if ! alive /run/munge/munged.pid munged; then
  $SUDO su -s /bin/sh munge -c '/usr/sbin/munged --force' 9>&-
  for _ in $(seq 1 50); do alive /run/munge/munged.pid munged && [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
  record munged "$(cat /run/munge/munged.pid)"
fi
if ! alive /run/slurmctld.pid slurmctld; then
  $SUDO slurmctld 9>&-
  for _ in $(seq 1 50); do alive /run/slurmctld.pid slurmctld && break; sleep 0.1; done
  record slurmctld "$(cat /run/slurmctld.pid)"
fi
if ! alive /run/slurmd.pid slurmd; then
  $SUDO slurmd 9>&-
  for _ in $(seq 1 50); do alive /run/slurmd.pid slurmd && break; sleep 0.1; done
  record slurmd "$(cat /run/slurmd.pid)"
fi

# the node registers within a few seconds; a node left DOWN by an earlier unclean stop is resumed
for i in $(seq 1 60); do
  state=$(sinfo -h -n "$H" -o '%T' 2>/dev/null || true)
  case "$state" in
    idle*|mixed*|allocated*) break ;;
    down*|drain*) $SUDO scontrol update NodeName="$H" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.5
  if [ "$i" = 60 ]; then
    echo "test/slurm/setup.sh: node $H did not come up (state: ${state:-none}); see /var/log/slurm/slurmd.log and slurmctld.log" >&2
    exit 5
  fi
done
echo "SLURM up: $(sinfo -h -p debug -o '%P %a %D node(s) %T, %c CPUs')"
