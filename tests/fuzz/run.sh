#!/bin/sh
# Usage: tests/fuzz/run.sh BUILD TARGET...
# Runs each libFuzzer target BUILD/fuzz/TARGET for FUZZ_TIME seconds
# (default 60), FUZZ_JOBS targets at a time (default 2), on a copy of its
# seed corpus (new inputs go to BUILD/corpus/TARGET, never into the tree).
# A crash, leak, timeout or out-of-memory input is saved under
# BUILD/crashes/TARGET/ and makes the run fail. Prints, per target, the
# executions libFuzzer's final stats report; the logs are BUILD/logs/TARGET.log.
set -u
build=$1
shift
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-2}
src=$(dirname "$0")

max_len() { # the largest input worth trying, per target
	case $1 in
	preprocess | redact) echo 8192 ;;
	stagefile | lock | manifest) echo 4096 ;;
	*) echo 2048 ;;
	esac
}

start() { # start TARGET in the background; its pid goes to BUILD/logs/TARGET.pid
	t=$1
	mkdir -p "$build/corpus/$t" "$build/crashes/$t" "$build/logs"
	dict=
	[ -f "$src/$t.dict" ] && dict="-dict=$src/$t.dict"
	# -close_fd_mask=2: the library's error messages for rejected inputs
	# would cost more than parsing them; libFuzzer and the sanitizers keep
	# their own report channel.
	"$build/fuzz/$t" -max_total_time="$time" -max_len="$(max_len "$t")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=2 $dict \
		-artifact_prefix="$build/crashes/$t/" "$build/corpus/$t" "$src/corpus/$t" \
		>"$build/logs/$t.log" 2>&1 &
	echo $! >"$build/logs/$t.pid"
}

finish() { # wait for TARGET, report it; returns non-zero when it failed
	t=$1
	wait "$(cat "$build/logs/$t.pid")"
	rc=$?
	rm -f "$build/logs/$t.pid"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$build/logs/$t.log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$build/logs/$t.log")
	units=$(find "$build/corpus/$t" "$src/corpus/$t" -type f | wc -l)
	crashes=$(ls "$build/crashes/$t" | wc -l)
	printf '%-11s %10s execs %7s exec/s  peak %5s MB  corpus %5s  crashes %s\n' \
		"$t" "${execs:-?}" "${rate:-?}" "${rss:-?}" "$units" "$crashes"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		echo "fuzz: $t failed (exit $rc); see $build/logs/$t.log and $build/crashes/$t/" >&2
		grep -m1 -A12 '^==[0-9]*==ERROR\|invariant broken\|^SUMMARY' "$build/logs/$t.log" >&2
		return 1
	fi
	return 0
}

failed=0
set -- "$@"
while [ $# -gt 0 ]; do
	batch=
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		start "$1"
		batch="$batch $1"
		n=$((n + 1))
		shift
	done
	for t in $batch; do
		finish "$t" || failed=1
	done
done
exit $failed
