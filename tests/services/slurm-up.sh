#!/bin/sh
# Usage: slurm-up.sh DIR [BASE_PORT] [acct]   (tests: slurm-up.sh "$TRASH/slurm" PORT)
#   Single-node Slurm "cluster" rooted at DIR, run as root. Ports: BASE (slurmctld), BASE+1 (slurmd),
#   and with "acct": BASE+2 (slurmdbd), BASE+3 (MariaDB, 127.0.0.1 only).
#   Afterwards: export SLURM_CONF=DIR/slurm.conf
set -eu
D=$(realpath -m "$1"); PORT=${2:-16817}; ACCT=${3:-}
mkdir -p "$D/munge" "$D/state" "$D/spool" "$D/run" "$D/log"
chmod 755 "$D/munge"                       # munged refuses a socket dir without o+x
[ -f "$D/munge/munge.key" ] || mungekey --create --keyfile="$D/munge/munge.key"
chmod 600 "$D/munge/munge.key"
munged --key-file="$D/munge/munge.key" --socket="$D/munge/munge.sock" \
       --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" \
       --seed-file="$D/munge/munged.seed"
if [ "$ACCT" = acct ]; then
  ACCT_CONF="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$((PORT+2))
AccountingStoragePass=$D/munge/munge.sock
JobAcctGatherType=jobacct_gather/linux"
else
  ACCT_CONF="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi
cat > "$D/slurm.conf" <<EOF
ClusterName=repro
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT+1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool/%n
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd-%n.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
$ACCT_CONF
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=10
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
# listen on 127.0.0.1 only (SlurmctldHost's and NodeAddr's address), never on every address
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) Sockets=1 CoresPerSocket=$(nproc) ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$D/slurm.conf"
if [ "$ACCT" = acct ]; then
  [ -d "$D/db/mysql" ] || mariadb-install-db --no-defaults --datadir="$D/db" --user=root \
      --auth-root-authentication-method=socket --skip-test-db >"$D/log/install-db.log" 2>&1
  mariadbd --no-defaults --datadir="$D/db" --user=root --bind-address=127.0.0.1 --port=$((PORT+3)) \
      --socket="$D/run/mysql.sock" --pid-file="$D/run/mariadbd.pid" --log-error="$D/log/mariadbd.err" \
      --innodb-buffer-pool-size=64M >/dev/null 2>&1 &
  i=0; until mariadb-admin --no-defaults -S "$D/run/mysql.sock" -uroot ping >/dev/null 2>&1; do
    i=$((i+1)); [ $i -gt 300 ] && { echo "mariadb not ready" >&2; exit 1; }; sleep 0.1; done
  mariadb --no-defaults -S "$D/run/mysql.sock" -uroot -e \
    "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw';
     GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
  cat > "$D/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.sock
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$((PORT+2))
SlurmUser=root
PidFile=$D/run/slurmdbd.pid
LogFile=$D/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$((PORT+3))
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$D/slurmdbd.conf"              # slurmdbd refuses a group/world-readable config
  slurmdbd                                  # reads slurmdbd.conf next to $SLURM_CONF
  i=0; until sacctmgr -n list cluster >/dev/null 2>&1; do
    i=$((i+1)); [ $i -gt 100 ] && { echo "slurmdbd not ready" >&2; exit 1; }; sleep 0.2; done
  sacctmgr -i add cluster repro >/dev/null 2>&1 || true
fi
slurmctld -f "$SLURM_CONF"               # daemonizes; pid in run/slurmctld.pid
slurmd -f "$SLURM_CONF" -N localhost     # -N: node name differs from `hostname`
i=0; until sinfo -h -o %T 2>/dev/null | grep -qx idle; do
  i=$((i+1)); [ $i -gt 300 ] && { echo "slurm not ready" >&2; tail "$D"/log/*.log >&2; exit 1; }
  sleep 0.1
done
echo "slurm ready: export SLURM_CONF=$SLURM_CONF"
