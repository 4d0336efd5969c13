#!/bin/sh
# Usage: faultserver-up.sh DIR PORT -> the fault-injecting HTTP server (faultserver.py) serving
# DIR/data on 127.0.0.1:PORT; faults are set by writing DIR/control; requests are logged to
# DIR/requests.log; pid in DIR/pid.
set -eu
D=$(realpath -m "$1"); PORT=$2
mkdir -p "$D/data"
: >"$D/control"
: >"$D/requests.log"
/usr/bin/python3 "$(dirname "$0")/faultserver.py" "$D/data" "$PORT" "$D/control" "$D/requests.log" \
	>"$D/server.log" 2>&1 &
echo $! >"$D/pid"
i=0; until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
  i=$((i+1)); [ $i -gt 100 ] && { echo "fault server not ready" >&2; cat "$D/server.log" >&2; exit 1; }; sleep 0.05; done
: >"$D/requests.log"
