#!/bin/sh
# Usage: rgw-down.sh DIR  -> stops radosgw, ceph-osd, ceph-mon started by rgw-up.sh
D=$(realpath -m "$1")
for n in client.rgw.local osd.0 mon.a; do
  f="$D/run/$n.pid"; [ -f "$f" ] || continue
  p=$(cat "$f"); kill "$p" 2>/dev/null || continue
  i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  kill -0 "$p" 2>/dev/null && kill -9 "$p"
done
exit 0
