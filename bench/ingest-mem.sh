#!/bin/sh
# bench/ingest-mem.sh: ingest's peak RSS against the size of the archive.
#
#   sh bench/ingest-mem.sh [FILES...]     (default: 100000 500000)
#   RUNS=3 (medians of wall time; the largest RSS of the runs)
#
# For each size, generates a .tar.gz of that many small manifests (10% of
# them duplicate contents) into a scratch directory under ${TMPDIR:-/tmp}
# with tests/gen-archive.pl, then ingests it from the file and, when nginx
# is installed, over HTTP from nginx on 127.0.0.1, and prints the peak RSS
# next to the archive's size. Target: < 32 MB at every size (the index of
# the files is sorted in a fixed budget, spilling sorted runs to disk).
# Peer, in the same invocation: `tar -xzOf` (`curl | tar -xzO` over HTTP),
# reading and unpacking the same archive, the floor of ingest's work.
# Archives and outputs are deleted as soon as each size is done.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
REPRO=${REPRO:-$SRC/build/repro}
RUNS=${RUNS:-3}
[ $# -gt 0 ] || set -- 100000 500000
[ -x "$REPRO" ] || { echo "bench: build first (make)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/repro-bench-ingest.XXXXXX")
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

# measure NAME CMD...: runs CMD in $W, appends "NAME wall rss_kb" to $W/times
measure() {
	name=$1
	shift
	(cd "$W" && /usr/bin/time -o "$W/t.1" -f "%e %M" "$@" >/dev/null 2>"$W/$name.log") || {
		echo "bench: $name failed:" >&2
		cat "$W/$name.log" >&2
		exit 1
	}
	echo "$name $(cat "$W/t.1")" >>"$W/times"
}

# stat NAME: "median-wall max-rss-kb" over the runs
stat() {
	awk -v n="$1" '$1 == n { v[++k] = $2; if ($3 > r) r = $3 } END {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		printf "%s %s", v[int((k + 1) / 2)], r }' "$W/times"
}

calc() {
	awk "BEGIN { printf \"%.6f\", $1 }"
}

D=$W/nginx
PORT=""
if command -v nginx >/dev/null && command -v curl >/dev/null; then
	mkdir -p "$D/data" "$D/tmp" "$D/logs"
	PORT=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')
	USER_LINE=""
	[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
	cat >"$D/nginx.conf" <<-EOF
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
	nginx -p "$D" -c "$D/nginx.conf"
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/" && [ -s "$D/logs/nginx.pid" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: nginx not ready" >&2; exit 1; }; sleep 0.05
	done
	NGINX_PID=$(cat "$D/logs/nginx.pid")
fi

echo "ingest of generated archives of small manifests: peak RSS against archive size ($RUNS runs, $(nproc) cores)"
echo "target: peak RSS < 32 MB at every size; peer: tar -xzO (curl | tar -xzO over HTTP)"
for n in "$@"; do
	A=$D/data/g$n.tar.gz
	mkdir -p "$D/data"
	perl "$SRC/tests/gen-archive.pl" --files "$n" --license | gzip -1 >"$A"
	size=$(wc -c <"$A")
	unpacked=$(gzip -dc "$A" | wc -c)
	for r in $(seq 1 "$RUNS"); do
		rm -rf "$W/out"
		measure "file-$n" "$REPRO" builtin ingest --params /dev/null --source "$A" --out out/raw.jsonl
		measure "tar-$n" tar -xzOf "$A"
		if [ -n "$PORT" ]; then
			rm -rf "$W/out"
			measure "url-$n" "$REPRO" builtin ingest --params /dev/null \
				--source "http://127.0.0.1:$PORT/g$n.tar.gz" --out out/raw.jsonl
			measure "curl-$n" sh -c "curl -s http://127.0.0.1:$PORT/g$n.tar.gz | tar -xzOf - >/dev/null"
		fi
	done
	written=$(sed -n "s/.* \([0-9]*\) written to .*/\1/p" "$W/file-$n.log")
	runs=$(sed -n "s/.*sorted on disk in \([0-9]*\) runs/\1/p" "$W/file-$n.log")
	echo
	printf "%d files, %.1f MB archive (%.0f MB unpacked), %s records written, index sorted in %s runs on disk\n" \
		"$n" "$(calc "$size / 1e6")" "$(calc "$unpacked / 1e6")" "$written" "${runs:-0}"
	for how in file url; do
		[ "$how" = url ] && [ -z "$PORT" ] && { echo "  over HTTP: skipped (nginx or curl is not installed)"; continue; }
		peer=tar && [ "$how" = url ] && peer=curl
		set -- $(stat "$how-$n") && w=$1 rss=$2
		set -- $(stat "$peer-$n") && pw=$1 prss=$2
		printf "  %-9s ingest %6.2f s, peak RSS %5.1f MB (target < 32 MB: %s); %-16s %6.2f s, %5.1f MB (ingest %.1fx its time)\n" \
			"$([ $how = url ] && echo "over HTTP" || echo "from file")" "$w" "$(calc "$rss / 1024")" \
			"$([ "$rss" -lt 32768 ] && echo met || echo MISSED)" \
			"$([ $how = url ] && echo "curl | tar -xzO" || echo "tar -xzO")" "$pw" "$(calc "$prss / 1024")" \
			"$(calc "$w / $pw")"
	done
	rm -rf "$A" "$W/out"
done
