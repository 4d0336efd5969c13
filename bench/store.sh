#!/bin/sh
# bench/store.sh: the storage layer (hashing, state, cache) against the
# floors the issue names, all measured in this one invocation, the two
# commands of each pair run alternately (see shared/docs/benchmarking.md):
#
#   no-op hash_path with a warm state   vs  find DIR -newer FILE -print -quit
#   hashing with an empty state, 1 thread vs all cores
#   first store into a fresh cache      vs  cp -r into a fresh directory
#   one 2 GiB file, hash_file           vs  openssl dgst -sha256
#
# Prints median [min-max] seconds and peak RSS of each, and the ratio per
# pair of runs. Directories of 1-4 KB files are built under $WORK (default
# /tmp/repro-store-bench.PID, never inside the repository) and everything is
# removed at the end.
#
#   bench/store.sh [RUNS]    default 5 (3 for the 100,000-file store)
#
# Environment: SIZES (default "10000 100000"), PERDIR (files per
# sub-directory, default 1000), BIG_MIB (default 2048; 0 skips it), WORK.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-5}
SIZES=${SIZES:-10000 100000}
PERDIR=${PERDIR:-1000}
BIG_MIB=${BIG_MIB:-2048}
WORK=${WORK:-/tmp/repro-store-bench.$$}
case "$WORK" in
"$ROOT" | "$ROOT"/*) echo "store.sh: WORK must be outside the repository" >&2; exit 2 ;;
esac

make -C "$ROOT" --no-print-directory -s bench/store-bench >&2
B=$ROOT/build/bench/store-bench
mkdir -p "$WORK"
trap 'cd / && rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
cd "$WORK" # plays the project root: symlinks may not leave it

# stats FILE: "median [min-max]" of the numbers in FILE
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f [%.3f-%.3f]", m, v[1], v[NR] }'
}
maxmb() { sort -g "$1" | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'; }

# measure LABEL_A LABEL_B RUNS: runs run_a and run_b (defined by the
# caller, given the run number; each prints "SECONDS MAXRSS_KB")
# alternately, and prints both and the ratio A/B. (Its variables start
# with m_: sh has no locals, and run_a/run_b read the caller's.)
measure() {
	m_i=1
	: >a.t; : >b.t; : >a.m; : >b.m; : >r.t
	while [ "$m_i" -le "$3" ]; do
		m_a=$(run_a "$m_i")
		m_b=$(run_b "$m_i")
		echo "${m_a% *}" >>a.t; echo "${m_a#* }" >>a.m
		echo "${m_b% *}" >>b.t; echo "${m_b#* }" >>b.m
		awk -v a="${m_a% *}" -v b="${m_b% *}" 'BEGIN { printf "%.4f\n", a / b }' >>r.t
		m_i=$((m_i + 1))
	done
	printf '  %-34s %s s   peak RSS %s MB\n' "$1" "$(stats a.t)" "$(maxmb a.m)"
	printf '  %-34s %s s   peak RSS %s MB\n' "$2" "$(stats b.t)" "$(maxmb b.m)"
	printf '  %-34s %sx\n' "ratio (first / second)" "$(stats r.t)"
}

echo "repro storage layer: $RUNS runs, median [min-max]; $(nproc) cores; $PERDIR files per directory"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine moves every figure)"
if [ -x "$ROOT/build/repro" ]; then
	# what every repro command pays before doing anything: loading its
	# shared libraries (the driver links only those it needs)
	run_a() { "$B" time "$ROOT/build/repro" version; }
	run_b() { "$B" time "$B" hashfile /dev/null; }
	echo
	echo "process start-up (not included below): the full repro binary vs this driver"
	measure "repro version" "store-bench (core+util only)" "$RUNS"
fi

for n in $SIZES; do
	"$B" gen "d$n" "$n" "$PERDIR"
	touch -d '-1 minute' "d$n" 2>/dev/null || true
	sleep 0.01
	touch "ref$n" # newer than every file: find walks the whole tree
	"$B" hash "d$n" "state$n" >/dev/null
	"$B" hash "d$n" "state$n" >/dev/null # racily clean entries settled
done

for n in $SIZES; do
	echo
	echo "no-op: hash_path of $n files, warm state (target <= 1.2x find)"
	run_a() { "$B" time "$B" hash "d$n" "state$n"; }
	run_b() { "$B" time find "d$n" -newer "ref$n" -print -quit; }
	measure "repro hash_path" "find -newer" "$RUNS"
done

for n in $SIZES; do
	echo
	echo "hashing $n files with an empty state: one thread vs all cores"
	run_a() { rm -f "cold$n"; JOBS=0 "$B" time "$B" hash "d$n" "cold$n" -j 0; }
	run_b() { rm -f "cold$n"; "$B" time "$B" hash "d$n" "cold$n" -j 1; }
	measure "all cores" "one thread" "$RUNS"
	rm -f "cold$n"
done

if [ "$BIG_MIB" -gt 0 ]; then
	echo
	echo "one $BIG_MIB MiB file, page cache warm (target: repro time <= 1.11x openssl, i.e. >= 0.9x its speed)"
	"$B" bigfile big "$BIG_MIB"
	cat big >/dev/null
	want=$(openssl dgst -sha256 big | sed 's/.*= //')
	got=$("$B" hashfile big | cut -d' ' -f1)
	[ "$want" = "$got" ] || { echo "store.sh: hash_file disagrees with openssl" >&2; exit 1; }
	run_a() { "$B" time "$B" hashfile big; }
	run_b() { "$B" time openssl dgst -sha256 big; }
	measure "repro hash_file" "openssl dgst -sha256" "$RUNS"
	awk -v m="$BIG_MIB" -v t="$(sort -g a.t | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
		'BEGIN { printf "  %-34s %.0f MiB/s\n", "repro throughput (median)", m / t }'
	rm -f big
fi

for n in $SIZES; do
	runs=$RUNS
	[ "$n" -ge 100000 ] && [ "$runs" -gt 3 ] && runs=3
	echo
	echo "first store of $n files into a fresh cache (hash, copy, one syncfs) vs cp -r (target <= 2x)"
	run_a() { "$B" time "$B" store "d$n" "repo$n.$1"; }
	run_b() { "$B" time cp -r "d$n" "copy$n.$1"; }
	measure "repro cache_store_path" "cp -r" "$runs"
	# the second store finds every object present: a stat per file
	run_a() { "$B" time "$B" store "d$n" "repo$n.1"; }
	run_b() { "$B" time find "d$n" -newer "ref$n" -print -quit; }
	echo "store again (objects present, warm state) vs find"
	measure "repro cache_store_path" "find -newer" "$runs"
	rm -rf "repo$n".* "copy$n".*
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
