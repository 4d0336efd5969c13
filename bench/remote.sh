#!/bin/sh
# bench/remote.sh [RUNS] — repro push/pull to an nginx WebDAV remote against
# its peers, all in one invocation.
#
# Two data sets, each tracked with `repro add`: 10,000 small files (1-4 KB)
# and 20 files of 50 MB. For each, median [min-max] of RUNS runs of:
#   - push: `repro push` next to one `curl -Z --parallel-max 32 -K LIST`
#     process uploading the same files (the floor: HTTP/1.1 keep-alive,
#     parallel) and `rclone copy --transfers 16` (rclone in the first run only:
#     it takes minutes on the small files; RCLONE_RUNS=N for more)
#   - fetch: `repro fetch` (download into the cache, every object verified
#     and made durable) next to curl and rclone downloading the files, and
#     next to the same curl download followed by what repro also does and
#     curl does not: the SHA-256 of every file (`openssl dgst -sha256`, which
#     uses the CPU's SHA instructions) and `sync` (the data on disk): the
#     floor of a verified, durable download
#   - pull: `repro pull` (fetch, then the checkout into the workspace)
#   - the no-op push of the small set (every object already there)
# Every run writes into fresh directories (local and remote: deleting makes
# later writes slow on this machine, see benchmarking.md), and the peers
# alternate with repro. Ratios are repro / peer, per pair of runs.
# nginx is started here on 127.0.0.1 (tests/services/webdav-up.sh); work
# happens under $BENCH_DIR (default /tmp/repro-bench-remote), removed at the end.
set -eu
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPRO=${REPRO:-$ROOT/build/repro}
W=${BENCH_DIR:-/tmp/repro-bench-remote}
[ -x "$REPRO" ] || { echo "bench: build repro first (make)" >&2; exit 2; }
command -v nginx >/dev/null || { echo "bench: needs nginx and libnginx-mod-http-dav-ext" >&2; exit 2; }
command -v rclone >/dev/null || { echo "bench: needs rclone (apt-get install rclone)" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench: needs curl" >&2; exit 2; }
rm -rf "$W" && mkdir -p "$W"
PORT=$(perl -MIO::Socket::INET -e 'for my $p (17600 .. 18099) { my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p, Listen => 1) or next; my $t = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p + 1, Listen => 1) or next; print "$p\n"; exit 0 } exit 1')
"$ROOT/tests/services/webdav-up.sh" "$W/nginx" "$PORT" >/dev/null
trap '"$ROOT/tests/services/webdav-down.sh" "$W/nginx"; rm -rf "$W"' EXIT
URL=http://127.0.0.1:$PORT
SRV=$W/nginx/data

stats() { sort -g | awk '{a[NR]=$1} END {printf "%.2f [%.2f-%.2f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
measure() { # CMD...: prints the wall time in seconds
	_t0=$(date +%s%N)
	"$@" >"$W/.out" 2>&1 || { echo "bench: failed: $*" >&2; cat "$W/.out" >&2; exit 1; }
	_t1=$(date +%s%N)
	awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}
report() { # NAME REPRO_FILE PEER_FILE PEER_NAME (pairs: as many runs as the peer had)
	printf "%-24s repro %s s   %-7s %s s   ratio %s\n" "$1" "$(stats <"$2")" "$4" "$(stats <"$3")" \
		"$(head -n "$(wc -l <"$3")" "$2" | paste - "$3" | awk '{print $1 / ($2 > 0 ? $2 : 0.001)}' | stats)"
}

small_files() { # DIR: 10,000 files of 1-4 KB in 10 subdirectories
	mkdir -p "$1"
	perl -e 'my $d = shift; srand(42);
		for my $i (0 .. 9999) { my $s = sprintf("%s/d%02d", $d, int($i / 1000)); mkdir $s unless -d $s;
			open(my $f, ">", sprintf("%s/f%05d", $s, $i)) or die; my $n = 1024 + int(rand(3072));
			print $f join("", map { chr(32 + int(rand(90))) } 1 .. $n); close $f }' "$1"
}
large_files() { # DIR: 20 files of 50 MB
	mkdir -p "$1" && for i in $(seq 1 20); do head -c 50000000 /dev/urandom >"$1/f$i"; done
}

curl_lists() { # SET RUN: upload and download lists for one curl process each
	(cd "$W/$1" && find data -type f | sort) | awk -v u="$URL/curl-$1-$2" -v s="$W/$1" -v o="$W/curl-out-$1-$2" \
		-v v="$W/curl-vout-$1-$2" '
		{ printf "upload-file = \"%s/%s\"\nurl = \"%s/%s\"\n", s, $0, u, $0 >"'"$W"'/put.lst";
		  printf "url = \"%s/%s\"\noutput = \"%s/%s\"\n", u, $0, o, $0 >"'"$W"'/get.lst";
		  printf "url = \"%s/%s\"\noutput = \"%s/%s\"\n", u, $0, v, $0 >"'"$W"'/vget.lst" }'
}

clone() { # SET DST: a fresh project that knows the remote and the tracked data
	mkdir -p "$2/.repro" && cp "$W/$1/.repro/config" "$2/.repro/" && cp "$W/$1/data.repro" "$2/"
}

bench_set() { # SET
	set_=$1
	for f in rp cp rcp rf rp2 cf rcf cvf; do : >"$W/$f"; done
	for i in $(seq "$RUNS"); do
		curl_lists "$set_" "$i"
		# push: each into a fresh remote directory
		"$REPRO" -C "$W/$set_" remote add -f -d bench "$URL/repro-$set_-$i" >/dev/null
		sync; measure "$REPRO" -C "$W/$set_" push >>"$W/rp"
		sync; measure curl -sS -Z --parallel-max 32 -K "$W/put.lst" -o /dev/null >>"$W/cp"
		if [ "$i" -le "${RCLONE_RUNS:-1}" ]; then
			sync; measure rclone copy "$W/$set_/data" ":webdav:/rclone-$set_-$i" --webdav-url "$URL" \
				--transfers 16 --config /dev/null >>"$W/rcp"
		fi
		# fetch and pull: each into a fresh clone, and a fresh directory for the peers
		clone "$set_" "$W/f-$set_-$i"; clone "$set_" "$W/p-$set_-$i"
		sync; measure "$REPRO" -C "$W/f-$set_-$i" fetch >>"$W/rf"
		sync; measure curl -sS -Z --parallel-max 32 --create-dirs -K "$W/get.lst" >>"$W/cf"
		sync; measure sh -c "curl -sS -Z --parallel-max 32 --create-dirs -K '$W/vget.lst' &&
			find '$W/curl-vout-$set_-$i' -type f -exec openssl dgst -sha256 {} + >/dev/null && sync" >>"$W/cvf"
		sync; measure "$REPRO" -C "$W/p-$set_-$i" pull >>"$W/rp2"
		if [ "$i" -le "${RCLONE_RUNS:-1}" ]; then
			sync; measure rclone copy ":webdav:/rclone-$set_-$i" "$W/rclone-out-$set_-$i" --webdav-url "$URL" \
				--transfers 16 --config /dev/null >>"$W/rcf"
		fi
		cmp -s "$W/$set_/data.repro" "$W/p-$set_-$i/data.repro"
		diff -r "$W/$set_/data" "$W/p-$set_-$i/data" >/dev/null || { echo "bench: pulled data differs" >&2; exit 1; }
	done
	report "push, $set_" "$W/rp" "$W/cp" "curl -Z"
	report "push, $set_" "$W/rp" "$W/rcp" rclone
	report "fetch, $set_" "$W/rf" "$W/cf" "curl -Z"
	report "fetch, $set_" "$W/rf" "$W/cvf" "curl+sha+sync"
	report "pull, $set_" "$W/rp2" "$W/cf" "curl -Z"
	report "pull, $set_" "$W/rp2" "$W/cvf" "curl+sha+sync"
	report "pull, $set_" "$W/rp2" "$W/rcf" rclone
}

mkdir -p "$W/small" "$W/large"
small_files "$W/small/data"
large_files "$W/large/data"
for s in small large; do
	"$REPRO" -C "$W/$s" init >/dev/null && "$REPRO" -C "$W/$s" add data >/dev/null
done
sync

echo "repro push/pull to nginx WebDAV on 127.0.0.1 ($RUNS runs; median [min-max])"
bench_set small
: >"$W/noop"
for i in $(seq "$RUNS"); do measure "$REPRO" -C "$W/small" push >>"$W/noop"; done
printf "%-24s repro %s s   (target: under 1 s)\n" "no-op push, 10,000" "$(stats <"$W/noop")"
bench_set large
