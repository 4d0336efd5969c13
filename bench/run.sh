#!/bin/sh
# bench/run.sh [RUNS] — repro run against its floors, all in one invocation.
#
# For pipelines whose first stage depends on a directory of 10,000 and of
# 100,000 small files (1-4 KB), prints median [min-max] of RUNS runs of:
#   - the no-op `repro run` next to `find DIR -newer FILE -print -quit` (the
#     stat-walk floor) and a GNU `make -r` no-op on an equivalent Makefile
#   - the first-run commit of the directory (`repro add`: hash and store in
#     the cache) next to `cp -r` of it, and next to `cp -r` followed by
#     `sync -f` (the floor of a durable copy), each into fresh space
#   - one 2 GiB file hashed (`repro add`) next to `openssl dgst -sha256`
#   - peak RSS of each, and for repro its CPU use (user+sys over wall:
#     above 100% means more than one core was busy)
# Each sample is timed by bench/timeit.c (built here with cc), right around
# fork and wait4.
# Ratios are repro / peer, per pair of runs. Work happens under $BENCH_DIR
# (default /tmp/repro-bench) and is removed at the end. For a quick look:
# BENCH_SIZES="1000" BENCH_BIG=0 sh bench/run.sh 1
set -eu
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPRO=${REPRO:-$ROOT/build/repro}
W=${BENCH_DIR:-/tmp/repro-bench}
[ -x "$REPRO" ] || { echo "bench: build repro first (make)" >&2; exit 2; }
rm -rf "$W" && mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/timeit" "$ROOT/bench/timeit.c" || { echo "bench: cannot build bench/timeit.c" >&2; exit 2; }

# median/min/max of the numbers on stdin
stats() { sort -g | awk '{a[NR]=$1} END {printf "%.4f [%.4f-%.4f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
# run CMD..., print "SECONDS RSS_KB CPU_SECONDS"
measure() {
	"$W/timeit" "$W/.t" "$@" || { echo "bench: failed: $*" >&2; cat "$W/.t.err" >&2; exit 1; }
	cat "$W/.t"
}

# Every file's content is its own (its number repeated): with only 3,072
# distinct contents, as an earlier version made, repro stores each content
# once and the comparison with cp -r, which copies every file, flattered it.
make_files() { # DIR N: N files of 1-4 KB in subdirectories of 1,000
	perl -e '
		my ($dir, $n) = @ARGV; srand(42);
		for my $i (0 .. $n - 1) {
			my $d = sprintf("%s/d%03d", $dir, int($i / 1000));
			mkdir $d unless -d $d;
			open(my $f, ">", sprintf("%s/f%06d.dat", $d, $i)) or die;
			my $len = 1024 + int(rand(3072));
			print $f substr(sprintf("%08d ", $i) x (1 + $len / 9), 0, $len), "\n"; close $f;
		}' "$1" "$2"
}

# Each times file holds "SECONDS RSS_KB CPU_SECONDS" lines (measure's output).
report() { # NAME REPRO_TIMES PEER_TIMES PEER_NAME
	r=$(cut -d' ' -f1 "$2" | stats); p=$(cut -d' ' -f1 "$3" | stats)
	ratio=$(paste -d' ' "$2" "$3" | awk '{print $1 / ($4 > 0 ? $4 : 0.001)}' | stats)
	rss=$(cut -d' ' -f2 "$2" | sort -g | tail -1); prss=$(cut -d' ' -f2 "$3" | sort -g | tail -1)
	cpu=$(awk '{print 100 * $3 / ($1 > 0 ? $1 : 0.001)}' "$2" | sort -g | awk '{a[NR]=$1} END {printf "%d", a[int((NR+1)/2)]}')
	printf "%-30s repro %s s   %-8s %s s   ratio %s   peak RSS repro %d MB, %s %d MB   repro CPU %s%%\n" \
		"$1" "$r" "$4" "$p" "$ratio" $((rss / 1024)) "$4" $((prss / 1024)) "$cpu"
}

bench_size() { # N
	n=$1; P=$W/p$n
	mkdir -p "$P/data" && cd "$P"
	make_files data "$n"
	"$REPRO" init >/dev/null
	printf 'stages:\n  count:\n    cmd: find data -type f | wc -l >count.txt\n    deps: [data]\n    outs: [count.txt]\n' >stages.yaml
	printf 'count.txt: $(shell find data -type f)\n\tfind data -type f | wc -l >count.txt\n' >Makefile
	"$REPRO" run >/dev/null && make -r -s >/dev/null && touch stamp
	"$REPRO" run >/dev/null # the state file now holds every file
	# the files just made are written back before timing starts: the
	# kernel's writeback running during the runs took a core from whichever
	# command it met (repro's walk uses both). The project must be 2 s old:
	# until then its config is too new for .repro/config.cache to be trusted
	# (a change within the same timestamp could go unseen), so every command
	# reads it through libgit2, whose start parses the system's CA
	# certificates: 10 ms. Then three untimed rounds: on this VM the first
	# commands after even a second of idleness run 3 to 10 times slower
	# (`repro version` 20 ms instead of 2, find 50 ms instead of 12),
	# whichever command they are.
	sync && sleep 2
	for i in 1 2 3; do
		"$REPRO" run >/dev/null && find data -newer stamp -print -quit >/dev/null && make -r -s >/dev/null
	done
	: >"$W/r" ; : >"$W/f"; : >"$W/m"
	# the three take turns going first: whichever runs right after `make -r`
	# (which forks a shell and a find, and frees 4 MB) was measured 10-25%
	# slower, and in a fixed order that was always repro
	for i in $(seq "$RUNS"); do
		case $((i % 3)) in
		1) measure "$REPRO" run >>"$W/r"; measure find data -newer stamp -print -quit >>"$W/f"; measure make -r -s >>"$W/m" ;;
		2) measure find data -newer stamp -print -quit >>"$W/f"; measure make -r -s >>"$W/m"; measure "$REPRO" run >>"$W/r" ;;
		0) measure make -r -s >>"$W/m"; measure "$REPRO" run >>"$W/r"; measure find data -newer stamp -print -quit >>"$W/f" ;;
		esac
	done
	report "no-op run, $n files" "$W/r" "$W/f" find
	report "no-op run, $n files" "$W/r" "$W/m" "make -r"

	# first-run commit: a fresh project each time, cp -r into fresh space.
	# All copies are made before timing starts (creating files right after
	# creating or deleting many is slow on ext4, see benchmarking.md), and
	# the commands take turns going first. The second peer, cp -r followed
	# by `sync -f` (a syncfs of the copy's filesystem), is the floor of a
	# durable copy, which is what a commit makes.
	: >"$W/r"; : >"$W/c"; : >"$W/s"
	for i in $(seq "$RUNS"); do
		Q=$W/q$n.$i && mkdir -p "$Q" && "$REPRO" -C "$Q" init >/dev/null && cp -r "$P/data" "$Q/data"
	done
	sync && sleep 2
	for i in $(seq "$RUNS"); do
		if [ $((i % 2)) = 1 ]; then
			measure "$REPRO" -C "$W/q$n.$i" add data >>"$W/r"
			measure cp -r "$P/data" "$W/cp$n.$i" >>"$W/c"
			measure sh -c 'cp -r "$1" "$2" && sync -f "$2"' sh "$P/data" "$W/cps$n.$i" >>"$W/s"
		else
			measure sh -c 'cp -r "$1" "$2" && sync -f "$2"' sh "$P/data" "$W/cps$n.$i" >>"$W/s"
			measure cp -r "$P/data" "$W/cp$n.$i" >>"$W/c"
			measure "$REPRO" -C "$W/q$n.$i" add data >>"$W/r"
		fi
	done
	report "first commit (add), $n files" "$W/r" "$W/c" "cp -r"
	report "first commit (add), $n files" "$W/r" "$W/s" "cp -r && sync"
	cd "$W" && rm -rf "$P" "$W"/q$n.* "$W"/cp$n.* "$W"/cps$n.*
}

bench_big() {
	P=$W/big && mkdir -p "$P" && cd "$P" && "$REPRO" init >/dev/null
	head -c $((2 << 30)) /dev/urandom >big.bin
	cat big.bin >/dev/null
	: >"$W/r"; : >"$W/o"
	for i in $(seq "$RUNS"); do
		rm -rf .repro/state
		measure "$ROOT/bench/hash-one.sh" "$REPRO" big.bin >>"$W/r"
		measure openssl dgst -sha256 big.bin >>"$W/o"
	done
	report "hash one 2 GiB file" "$W/r" "$W/o" openssl
	cd "$W" && rm -rf "$P"
}

echo "# repro $("$REPRO" version | cut -d" " -f2), $(nproc) cores, $RUNS runs each, $(date -u +%Y-%m-%dT%H:%MZ)"
for n in ${BENCH_SIZES:-10000 100000}; do bench_size "$n"; done
[ "${BENCH_BIG:-1}" = 0 ] || bench_big
