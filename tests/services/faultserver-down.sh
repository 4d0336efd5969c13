#!/bin/sh
# Usage: faultserver-down.sh DIR -> stops the server faultserver-up.sh started there
D=$(realpath -m "$1"); f="$D/pid"
[ -f "$f" ] || exit 0
kill "$(cat "$f")" 2>/dev/null
rm -f "$f"
exit 0
