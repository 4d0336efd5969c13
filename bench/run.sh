#!/bin/sh
# bench/run.sh [RUNS] — repro run against its floors, all in one invocation.
#
# For pipelines whose first stage depends on a directory of 10,000 and of
# 100,000 small files (1-4 KB), prints median [min-max] of RUNS runs of:
#   - the no-op `repro run` next to `find DIR -newer FILE -print -quit` (the
#     stat-walk floor) and a GNU `make -r` no-op on an equivalent Makefile
#   - the first-run commit of the directory (`repro add`: hash and store in
#     the cache) next to `cp -r` of it, each into fresh space
#   - one 2 GiB file hashed (`repro add`) next to `openssl dgst -sha256`
#   - peak RSS of each (GNU time %M)
# Ratios are repro / peer, per pair of runs. Work happens under $BENCH_DIR
# (default /tmp/repro-bench) and is removed at the end.
set -eu
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPRO=${REPRO:-$ROOT/build/repro}
W=${BENCH_DIR:-/tmp/repro-bench}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
[ -x "$REPRO" ] || { echo "bench: build repro first (make)" >&2; exit 2; }
rm -rf "$W" && mkdir -p "$W"
trap 'rm -rf "$W"' EXIT

# median/min/max of the numbers on stdin
stats() { sort -g | awk '{a[NR]=$1} END {printf "%.4f [%.4f-%.4f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
# run CMD..., print "SECONDS RSS_KB" (wall time from the ns clock: GNU
# time's own %e has only 10 ms resolution, too coarse for a no-op)
measure() {
	_t0=$(date +%s%N)
	$TIME -f "%M" -o "$W/.t" "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; cat "$W/.t" >&2; exit 1; }
	_t1=$(date +%s%N)
	awk -v a="$_t0" -v b="$_t1" -v m="$(tail -1 "$W/.t")" 'BEGIN { printf "%.4f %d\n", (b - a) / 1e9, m }'
}

make_files() { # DIR N: N files of 1-4 KB in subdirectories of 1,000
	perl -e '
		my ($dir, $n) = @ARGV; srand(42);
		for my $i (0 .. $n - 1) {
			my $d = sprintf("%s/d%03d", $dir, int($i / 1000));
			mkdir $d unless -d $d;
			open(my $f, ">", sprintf("%s/f%06d.dat", $d, $i)) or die;
			print $f "x" x (1024 + int(rand(3072))), "\n"; close $f;
		}' "$1" "$2"
}

report() { # NAME REPRO_TIMES PEER_TIMES PEER_NAME RSS_FILE
	r=$(stats <"$2"); p=$(stats <"$3")
	ratio=$(paste "$2" "$3" | awk '{print $1 / ($2 > 0 ? $2 : 0.001)}' | stats)
	rss=$(sort -g "$5" | tail -1)
	printf "%-34s repro %s s   %-10s %s s   ratio %s   repro peak RSS %d MB\n" \
		"$1" "$r" "$4" "$p" "$ratio" $((rss / 1024))
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
	: >"$W/r" ; : >"$W/f"; : >"$W/m"; : >"$W/rss"
	for i in $(seq "$RUNS"); do
		set -- $(measure "$REPRO" run); echo "$1" >>"$W/r"; echo "$2" >>"$W/rss"
		set -- $(measure find data -newer stamp -print -quit); echo "$1" >>"$W/f"
		set -- $(measure make -r -s); echo "$1" >>"$W/m"
	done
	report "no-op run, $n files" "$W/r" "$W/f" find "$W/rss"
	report "no-op run, $n files" "$W/r" "$W/m" "make -r" "$W/rss"

	# first-run commit: a fresh project each time, cp -r into fresh space.
	# All copies are made before timing starts (creating files right after
	# creating or deleting many is slow on ext4, see benchmarking.md), and
	# the two commands take turns going first.
	: >"$W/r"; : >"$W/c"; : >"$W/rss"
	for i in $(seq "$RUNS"); do
		Q=$W/q$n.$i && mkdir -p "$Q" && "$REPRO" -C "$Q" init >/dev/null && cp -r "$P/data" "$Q/data"
	done
	sync && sleep 2
	for i in $(seq "$RUNS"); do
		if [ $((i % 2)) = 1 ]; then
			set -- $(measure "$REPRO" -C "$W/q$n.$i" add data); echo "$1" >>"$W/r"; echo "$2" >>"$W/rss"
			set -- $(measure cp -r "$P/data" "$W/cp$n.$i"); echo "$1" >>"$W/c"
		else
			set -- $(measure cp -r "$P/data" "$W/cp$n.$i"); echo "$1" >>"$W/c"
			set -- $(measure "$REPRO" -C "$W/q$n.$i" add data); echo "$1" >>"$W/r"; echo "$2" >>"$W/rss"
		fi
	done
	report "first commit (add), $n files" "$W/r" "$W/c" "cp -r" "$W/rss"
	cd "$W" && rm -rf "$P" "$W"/q$n.* "$W"/cp$n.*
}

bench_big() {
	P=$W/big && mkdir -p "$P" && cd "$P" && "$REPRO" init >/dev/null
	head -c $((2 << 30)) /dev/urandom >big.bin
	cat big.bin >/dev/null
	: >"$W/r"; : >"$W/o"; : >"$W/rss"
	for i in $(seq "$RUNS"); do
		rm -rf .repro/state
		set -- $(measure "$ROOT/bench/hash-one.sh" "$REPRO" big.bin); echo "$1" >>"$W/r"; echo "$2" >>"$W/rss"
		set -- $(measure openssl dgst -sha256 big.bin); echo "$1" >>"$W/o"
	done
	report "hash one 2 GiB file" "$W/r" "$W/o" openssl "$W/rss"
	cd "$W" && rm -rf "$P"
}

echo "# repro $("$REPRO" version | cut -d" " -f2), $(nproc) cores, $RUNS runs each, $(date -u +%Y-%m-%dT%H:%MZ)"
bench_size 10000
bench_size 100000
bench_big
