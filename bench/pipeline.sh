#!/bin/sh
# bench/pipeline.sh: the six built-ins on the shared corpus, and ingest of
# the corpus archive over HTTP from nginx on 127.0.0.1.
#
#   sh bench/pipeline.sh [RUNS]        (default 3; medians, with min and max)
#
# Prints per stage the wall time, CPU time and peak RSS; the throughput of
# preprocess (content MB per wall second, and per CPU second = per core);
# ingest over HTTP with its peak RSS next to the archive's size, also for an
# archive 8 times larger, to show that memory does not grow with it. Peers
# measured in the same invocation, as ../shared/docs/benchmarking.md asks:
# PyYAML's safe_load_all over the same files (98% of the Python pipeline's
# time, which did 1.2 MB/s) and `curl | tar -xzO` (download and unpack, the
# floor of ingest over HTTP).
# Targets: preprocess >= 50 MB/s per core; six stages < 3 s; ingest RSS < 32 MB.
set -eu
RUNS=${1:-3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
REPRO=${REPRO:-$SRC/build/repro}
SHARED=${REPRO_SHARED:-$SRC/../shared}
CORPUS=$SHARED/corpus/k8s
ARCHIVE=$SHARED/corpus/k8s.tar.gz
[ -x "$REPRO" ] || { echo "bench: build first (make)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "bench: no corpus at $CORPUS" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/repro-bench.XXXXXX")
NGINX_PID=""
cleanup() {
	[ -z "$NGINX_PID" ] && [ -s "$W/nginx/logs/nginx.pid" ] && NGINX_PID=$(cat "$W/nginx/logs/nginx.pid")
	if [ -n "$NGINX_PID" ]; then
		kill -QUIT "$NGINX_PID" 2>/dev/null
		i=0
		while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	fi
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# measure NAME CMD...: runs CMD in $W, appends "NAME wall user sys rss_kb" to $W/times
measure() {
	name=$1
	shift
	(cd "$W" && /usr/bin/time -o "$W/t.1" -f "%e %U %S %M" "$@" >/dev/null 2>"$W/$name.log") || {
		echo "bench: $name failed:" >&2
		cat "$W/$name.log" >&2
		exit 1
	}
	echo "$name $(cat "$W/t.1")" >>"$W/times"
}

# median NAME FIELD: median (min max) of a field (2 wall, 3 user, 4 sys, 5 rss) over the runs
stat() {
	awk -v n="$1" -v f="$2" '$1 == n { v[++k] = $f } END {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		printf "%s %s %s", v[int((k + 1) / 2)], v[1], v[k] }' "$W/times"
}

# calc EXPR: floating-point arithmetic (awk; bc has no exponent notation)
calc() {
	awk "BEGIN { printf \"%.6f\", $1 }"
}

P="--params $SRC/params.yaml"
for r in $(seq 1 "$RUNS"); do
	rm -rf "$W/out" "$W/reports"
	measure ingest "$REPRO" builtin ingest $P --source "$CORPUS"
	measure analyze "$REPRO" builtin analyze $P
	measure preprocess "$REPRO" builtin preprocess $P
	measure preprocess_j1 "$REPRO" builtin preprocess $P -j 1 --out out/j1.jsonl --meta out/j1.meta --report reports/j1.json
	measure validate "$REPRO" builtin validate $P
	measure anomaly "$REPRO" builtin anomaly $P
	measure bias "$REPRO" builtin bias $P
done

BYTES=$(grep -o '"bytes_in": [0-9]*' "$W/reports/preprocess_report.json" | grep -o '[0-9]*$')
echo "repro built-in pipeline on $CORPUS ($(grep -c '' "$W/out/raw.jsonl") files after dedupe, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB of content), $RUNS runs, $(nproc) cores"
echo
printf "%-14s %22s %8s %8s %10s\n" stage "wall s (min-max)" "user s" "sys s" "peak RSS"
total=0
for s in ingest analyze preprocess validate anomaly bias preprocess_j1; do
	set -- $(stat $s 2) && wall=$1 wmin=$2 wmax=$3
	user=$(stat $s 3 | cut -d' ' -f1)
	sys=$(stat $s 4 | cut -d' ' -f1)
	rss=$(stat $s 5 | cut -d' ' -f3)
	[ "$s" = preprocess_j1 ] && echo "(preprocess again on one thread)"
	printf "%-14s %7s (%5s-%5s) %8s %8s %7.1f MB\n" "$s" "$wall" "$wmin" "$wmax" "$user" "$sys" "$(calc "$rss / 1024")"
	[ "$s" = preprocess_j1 ] || total=$(calc "$total + $wall")
done
printf "%-14s %7.2f s   (target < 3 s)\n" "six stages" "$total"

set -- $(stat preprocess 2) && pwall=$1
pcpu=$(calc "$(stat preprocess 3 | cut -d' ' -f1) + $(stat preprocess 4 | cut -d' ' -f1)")
set -- $(stat preprocess_j1 2) && p1=$1
echo
printf "preprocess: %.0f MB/s wall at -j %s, %.0f MB/s per core (CPU time), %.0f MB/s on one thread (target >= 50 MB/s per core)\n" \
	"$(calc "$BYTES / 1e6 / $pwall")" "$(nproc)" "$(calc "$BYTES / 1e6 / $pcpu")" \
	"$(calc "$BYTES / 1e6 / $p1")"

# Peer: PyYAML over the same files (what the Python pipeline spent 98% on).
if python3 -c 'import yaml' 2>/dev/null; then
	cat >"$W/peer.py" <<-'PY'
	import json, sys, time, yaml
	docs = [json.loads(l)["content"] for l in open(sys.argv[1])]
	docs = [d for d in docs if 200 <= len(d) <= 204800]
	loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
	t = time.perf_counter()
	for d in docs:
	    try:
	        list(yaml.load_all(d, Loader=loader))
	    except yaml.YAMLError:
	        pass
	t = time.perf_counter() - t
	print("%.3f %s %d" % (t, loader.__name__, sum(len(d.encode()) for d in docs)))
	PY
	set -- $(python3 "$W/peer.py" "$W/out/raw.jsonl")
	printf "peer: PyYAML %s parses the in-size files alone at %.1f MB/s: preprocess (filter, parse, redact, prompt, wrap) is %.0fx faster\n" \
		"$2" "$(calc "$3 / 1e6 / $1")" "$(calc "($BYTES / $pwall) / ($3 / $1)")"
fi
printf "the Python pipeline did 1.2 MB/s here (benchmarking.md): %.0fx\n" "$(calc "$BYTES / 1e6 / $pwall / 1.2")"

# Ingest over HTTP from nginx on 127.0.0.1.
if ! command -v nginx >/dev/null; then
	echo "ingest over HTTP: skipped (nginx is not installed)"
	exit 0
fi
D=$W/nginx
mkdir -p "$D/data" "$D/tmp" "$D/logs"
PORT=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
cat >"$D/nginx.conf" <<EOF
$USER_LINE
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    server { listen 127.0.0.1:$PORT; root data; }
}
EOF
ln -s "$ARCHIVE" "$D/data/k8s.tar.gz"
# one archive holding 8 copies of the corpus under different top directories:
# 8 times the bytes and the files
mkdir -p "$W/x8"
for i in 1 2 3 4 5 6 7 8; do ln -s "$CORPUS/files" "$W/x8/c$i"; done
tar --hard-dereference -chf - -C "$W/x8" . | gzip -n -1 >"$D/data/k8s-x8.tar.gz"
nginx -p "$D" -c "$D/nginx.conf"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/" && [ -s "$D/logs/nginx.pid" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: nginx not ready" >&2; exit 1; }; sleep 0.05
done
NGINX_PID=$(cat "$D/logs/nginx.pid")
echo
echo "ingest over HTTP from nginx on 127.0.0.1 ($RUNS runs):"
for a in k8s.tar.gz k8s-x8.tar.gz; do
	[ -s "$D/data/$a" ] || continue
	for r in $(seq 1 "$RUNS"); do
		measure "url-$a" "$REPRO" builtin ingest $P --source "http://127.0.0.1:$PORT/$a" --out out/url.jsonl
		measure "peer-$a" sh -c "curl -s http://127.0.0.1:$PORT/$a | tar -xzOf - >/dev/null"
	done
	set -- $(stat "url-$a" 2) && w=$1
	set -- $(stat "peer-$a" 2) && pw=$1
	rss=$(stat "url-$a" 5 | cut -d' ' -f3)
	size=$(wc -c <"$D/data/$a")
	unpacked=$(gzip -dc "$D/data/$a" | wc -c)
	printf "  %-14s %6.1f MB (%6.1f MB unpacked): %5.2f s, peak RSS %5.1f MB (target < 32 MB); curl | tar -xzO %5.2f s (%.1fx)\n" \
		"$a" "$(calc "$size / 1e6")" "$(calc "$unpacked / 1e6")" "$w" \
		"$(calc "$rss / 1024")" "$pw" "$(calc "$w / $pw")"
done
