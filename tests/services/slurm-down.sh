#!/bin/sh
# Usage: slurm-down.sh DIR  -> stops everything slurm-up.sh started there (by pid file)
D=$(realpath -m "$1")
for f in "$D"/run/slurmd-*.pid "$D/run/slurmctld.pid" "$D/run/slurmdbd.pid" \
         "$D/run/mariadbd.pid" "$D/munge/munged.pid"; do
  [ -f "$f" ] || continue
  p=$(cat "$f"); kill "$p" 2>/dev/null || continue
  i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
done
exit 0
