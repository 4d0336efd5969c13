#!/bin/sh
# bench/crash-soak.sh [KILLS] — the SIGKILL loop of tests/t/t7000-crash-kill.sh
# (tests/lib-crash.sh), longer: KILLS kills (default 2000) of run, commit,
# checkout, push, pull, gc and gc --cloud at random moments, the same checks
# after every kill (cache and remote objects match their names, stages.lock
# parses and names only cached objects or status says so), a convergence
# check against an unkilled reference every 50 iterations, and at the end a
# fresh clone pulling the same outputs. Prints the seed, the measured
# durations and the counts; exits non-zero on the first broken promise,
# keeping the work directory (CRASH_SEED=N replays a seed). Work happens
# under $BENCH_DIR (default /tmp/repro-bench-crash), removed on success.
set -u
KILLS=${1:-2000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPRO=${REPRO:-$ROOT/build/repro}
W=${BENCH_DIR:-/tmp/repro-bench-crash}
[ -x "$REPRO" ] || { echo "bench: build repro first (make)" >&2; exit 2; }
rm -rf "$W" && mkdir -p "$W/bin" && ln -s "$REPRO" "$W/bin/repro" || exit 2
PATH=$W/bin:$PATH
SRCDIR=$ROOT
export PATH SRCDIR LC_ALL=C CRASH_NOCACHE=metrics.json
say_verbose() { [ -n "${VERBOSE:-}" ] && printf '%s\n' "$*" >&2; return 0; }
. "$ROOT/tests/lib-crash.sh"

seed=${CRASH_SEED:-$(perl -e 'print int(rand(2**31))')}
cd "$W" || exit 2
echo "crash soak: $KILLS kills, seed $seed (CRASH_SEED=$seed replays it)"
start=$(date +%s)
crash_setup || { echo "soak: setup failed in $W" >&2; exit 1; }
crash_measure >durations.sh || { echo "soak: measuring failed in $W" >&2; exit 1; }
echo "durations (s, median of 3): $(sed 's/^crash_dur_//' durations.sh | tr '\n' ' ')"
. ./durations.sh
if ! crash_loop "$KILLS" "$seed" 50; then
	echo "soak: FAILED after $crash_kills kills: $(crash_counts)" >&2
	echo "soak: work directory kept: $W" >&2
	exit 1
fi
if ! crash_final; then
	echo "soak: the final convergence failed; work directory kept: $W" >&2
	exit 1
fi
end=$(date +%s)
echo "survived: $(crash_counts)"
echo "final convergence and fresh-clone pull: ok; $((end - start)) s"
cd / && rm -rf "$W"
