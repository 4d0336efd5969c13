#!/bin/sh
# Usage: webdav-down.sh DIR
D=$(realpath -m "$1"); f="$D/logs/nginx.pid"
[ -f "$f" ] || exit 0
p=$(cat "$f"); kill -QUIT "$p" 2>/dev/null || exit 0     # graceful; TERM = fast stop
i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
