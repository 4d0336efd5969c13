#!/bin/sh
# Usage: rgw-up.sh DIR [S3_PORT] [MON_PORT]
# Single-node Ceph (1 mon + 1 memstore OSD, no mgr, cephx off) + RADOS Gateway (S3) on 127.0.0.1.
# S3 credentials: REPROKEY / REPROSECRET. Data lives in RAM (memstore): gone when the OSD stops.
set -eu
D=$(realpath -m "$1"); S3PORT=${2:-17480}; MONPORT=${3:-16789}
mkdir -p "$D/run" "$D/log" "$D/mon.a" "$D/osd.0" "$D/rgw"
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MONPORT
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
mon data = $D/mon.\$id
osd data = $D/osd.\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
[client.rgw.local]
rgw frontends = beast endpoint=127.0.0.1:$S3PORT
rgw data = $D/rgw
rgw dns name = localhost
EOF
C="-c $D/ceph.conf"
trap '[ $? -eq 0 ] || echo "rgw-up.sh failed, see $D/log" >&2' EXIT
monmaptool --create --addv a "[v1:127.0.0.1:$MONPORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon $C --mkfs -i a --monmap "$D/monmap"
ceph-mon $C -i a                                 >"$D/log/mon.out" 2>&1
i=0; until timeout 5 ceph $C mon stat >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 60 ] && { echo "ceph-mon not ready, see $D/log" >&2; exit 1; }; sleep 0.25; done
OSDUUID=$(cat /proc/sys/kernel/random/uuid)
ID=$(timeout 30 ceph $C osd new "$OSDUUID")
ceph-osd $C -i "$ID" --mkfs --osd-uuid "$OSDUUID" >"$D/log/osd-mkfs.out" 2>&1
# ceph-osd occasionally fails its first start ("wrong fsid" race right after the mon comes up): retry
n=0; until timeout 60 ceph-osd $C -i "$ID"     >>"$D/log/osd.out" 2>&1; do
  n=$((n+1)); [ $n -ge 5 ] && { echo "ceph-osd failed, see $D/log" >&2; exit 1; }; sleep 1; done
timeout 60 radosgw $C -n client.rgw.local        >"$D/log/rgw.out" 2>&1
i=0; until curl -s -o /dev/null "http://127.0.0.1:$S3PORT/"; do
  i=$((i+1)); [ $i -gt 240 ] && { echo "rgw not ready" >&2; exit 1; }; sleep 0.25; done
timeout 60 radosgw-admin $C user create --uid=repro --display-name=repro \
  --access-key=REPROKEY --secret-key=REPROSECRET >/dev/null
echo "S3 ready: http://127.0.0.1:$S3PORT  key REPROKEY  secret REPROSECRET"
