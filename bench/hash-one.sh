#!/bin/sh
# hash-one.sh REPRO FILE: hash FILE through repro's hashing path (the state
# file and the cache play no part: the state is removed first and nothing is
# stored), by asking `repro status` about a stage that depends on it.
set -eu
dir=$(dirname "$2")
cd "$dir"
printf 'stages:\n  h:\n    cmd: "true"\n    deps: [%s]\n' "$(basename "$2")" >stages.yaml
rm -f .repro/state
exec "$1" status
