#!/bin/sh
# pii-speed.sh: throughput of the redaction (redact_text(), one core, files
# in memory) over the shared corpus, next to a peer run in the same
# invocation: `sed -E` with the four regexes of a typical Python pipeline
# (IPv4, sk- keys, e-mail, password/token/secret fields) over the same
# bytes, concatenated into one warm file. The peer does much less (no YAML,
# no look-alikes, no precedence); it is the floor of a regex pass.
#
# With BASE=DIR (the build directory of another checkout, e.g. the commit
# before a change, built with `make`), that checkout's redaction is timed
# too, its rounds interleaved with this one's, so a before/after comparison
# on a shared machine sees the same load.
#
# Usage: [BASE=DIR] bench/pii-speed.sh [CORPUS_DIR] [ROUNDS]    (after `make`)
set -eu
cd "$(dirname "$0")/.."
DIR=${1:-../shared/corpus/k8s/files}
ROUNDS=${2:-5}
[ -d "$DIR" ] || { echo "pii-speed: no corpus at $DIR, skipped"; exit 0; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# link NAME BUILD_DIR: bench/pii-corpus.c against that build's redaction
link() {
	cc -O2 -Isrc -o "$TMP/$1" bench/pii-corpus.c \
		$2/builtin/pii_*.o $2/builtin/redact.o $2/util/strbuf.o $2/util/xalloc.o \
		$2/util/fs.o $2/util/error.o $(pkg-config --libs yaml-0.1)
}
link pii-corpus "${BUILD:-build}"
[ -n "${BASE:-}" ] && link pii-corpus-base "$BASE"

find "$DIR" -type f -exec cat {} + >"$TMP/all"
bytes=$(wc -c <"$TMP/all")
cat "$TMP/all" >/dev/null

for i in $(seq "$ROUNDS"); do
	"$TMP/pii-corpus" speed "$DIR" 1 >"$TMP/repro.last"
	grep '^round' "$TMP/repro.last" >>"$TMP/repro.out"
	if [ -n "${BASE:-}" ]; then
		"$TMP/pii-corpus-base" speed "$DIR" 1 | grep '^round' >>"$TMP/base.out"
	fi
	t0=$(date +%s.%N)
	sed -E \
		-e 's/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/IPV4_REDACTED/g' \
		-e 's/sk-[A-Za-z0-9_-]{20,}/sk-REDACTED/g' \
		-e 's/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/REDACTED_EMAIL/g' \
		-e 's/((password|token|secret)["'"'"']?[[:space:]]*[:=][[:space:]]*).+/\1REDACTED_CREDS/Ig' \
		"$TMP/all" >/dev/null
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk -v b="$bytes" '{ t = $2 - $1; printf "round %.4f s %.1f MB/s\n", t, b / t / 1e6 }'
done >"$TMP/sed.out"

stats() { # prints median min max of the MB/s column
	awk '/^round/ { for (i = 1; i <= NF; i++) if ($i == "MB/s") print $(i - 1) }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
set -- $(stats "$TMP/repro.out")
r_med=$1 r_min=$2 r_max=$3
set -- $(stats "$TMP/sed.out")
s_med=$1 s_min=$2 s_max=$3
echo "corpus: $(find "$DIR" -type f | wc -l) files, $bytes bytes, $ROUNDS rounds each"
printf "%-28s median %7.1f MB/s  (min %.1f, max %.1f)\n" "repro redact_text()" "$r_med" "$r_min" "$r_max"
if [ -n "${BASE:-}" ]; then
	set -- $(stats "$TMP/base.out")
	printf "%-28s median %7.1f MB/s  (min %.1f, max %.1f)\n" "BASE redact_text()" "$1" "$2" "$3"
	echo "$r_med $1" | awk '{ printf "ratio repro/BASE: %.2fx\n", $1 / $2 }'
fi
printf "%-28s median %7.1f MB/s  (min %.1f, max %.1f)\n" "sed -E, 4 regexes (peer)" "$s_med" "$s_min" "$s_max"
echo "$r_med $s_med" | awk '{ printf "ratio repro/sed: %.2fx\n", $1 / $2 }'
sed -n '/^  /p' "$TMP/repro.last"
