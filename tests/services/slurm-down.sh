#!/bin/sh
# Usage: slurm-down.sh DIR  -> stops everything slurm-up.sh started there (by pid file)
# Jobs still queued or running are cancelled first: a job's slurmstepd and
# processes would otherwise outlive slurmd.
D=$(realpath -m "$1")
if [ -f "$D/run/slurmctld.pid" ] && kill -0 "$(cat "$D/run/slurmctld.pid")" 2>/dev/null; then
  export SLURM_CONF="$D/slurm.conf"
  ids=$(squeue -h -o %i 2>/dev/null)
  if [ -n "$ids" ]; then
    scancel $ids 2>/dev/null
    i=0; while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  fi
fi
# Signal every daemon first, then wait: each takes 1-2 s to exit, and in
# turn that added up to seconds per test script.
pids=""
for f in "$D"/run/slurmd-*.pid "$D/run/slurmctld.pid" "$D/run/slurmdbd.pid" \
         "$D/run/mariadbd.pid" "$D/munge/munged.pid"; do
  [ -f "$f" ] || continue
  p=$(cat "$f"); kill "$p" 2>/dev/null && pids="$pids $p"
done
for p in $pids; do
  i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
done
exit 0
