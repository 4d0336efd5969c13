#!/bin/sh
# The built-ins on the real corpus (../shared/corpus/k8s): ingest from the
# directory, from k8s.tar.gz and from that archive served by nginx on
# 127.0.0.1 agree byte for byte; preprocess reports every reject reason and
# is byte-identical across runs and thread counts; validate passes it all.
. "$(dirname "$0")/../test-lib.sh"

C=$SHARED/corpus
test -d "$C/k8s" && test -f "$C/k8s.tar.gz" || skip_all "the shared corpus is absent ($C)"

test_expect_success 'ingest the directory' '
	repro builtin ingest --source "$C/k8s" --out dir.jsonl --params /dev/null 2>err &&
	test_grep "6774 files seen, 6758 matched include, 402 duplicates, 6356 written" err
'

test_expect_success 'ingest k8s.tar.gz gives the same bytes' '
	repro builtin ingest --source "$C/k8s.tar.gz" --out tgz.jsonl --params /dev/null 2>/dev/null &&
	cmp dir.jsonl tgz.jsonl
'

# nginx_up DIR: serves DIR/data on a free port of 127.0.0.1 (services.md, section 3)
nginx_up() {
	D=$(pwd)/$1
	mkdir -p "$D/data" "$D/tmp" "$D/logs" &&
	NGINX_PORT=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport') &&
	USER_LINE="" && { [ "$(id -u)" != 0 ] || USER_LINE="user root root;"; } &&
	cat >"$D/nginx.conf" <<-CONF &&
	$USER_LINE
	worker_processes 1;
	pid logs/nginx.pid;
	error_log logs/error.log info;
	events { worker_connections 64; }
	http {
	    access_log logs/access.log;
	    client_body_temp_path tmp/body;
	    proxy_temp_path       tmp/proxy;
	    fastcgi_temp_path     tmp/fastcgi;
	    uwsgi_temp_path       tmp/uwsgi;
	    scgi_temp_path        tmp/scgi;
	    default_type application/octet-stream;
	    sendfile on;
	    server { listen 127.0.0.1:$NGINX_PORT; root data; }
	}
	CONF
	nginx -p "$D" -c "$D/nginx.conf" &&
	for i in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && return 0
		sleep 0.05
	done
	return 1
}
# test_done removes the scratch directory before exit-time cleanups run, so
# nginx is also stopped explicitly below; this covers a failing script.
test_atexit 'test -f web/logs/nginx.pid && kill -QUIT "$(cat web/logs/nginx.pid)"'

if command -v nginx >/dev/null && command -v curl >/dev/null; then
	test_expect_success 'ingest k8s.tar.gz over HTTP from nginx gives the same bytes' '
		nginx_up web &&
		ln -s "$C/k8s.tar.gz" web/data/k8s.tar.gz &&
		repro builtin ingest --source "http://127.0.0.1:$NGINX_PORT/k8s.tar.gz" --out url.jsonl \
			--params /dev/null 2>err &&
		cmp dir.jsonl url.jsonl &&
		test_grep "GET /k8s.tar.gz HTTP/1.1\" 200" web/logs/access.log &&
		test_expect_code 1 repro builtin ingest --source "http://127.0.0.1:$NGINX_PORT/none.tar.gz" \
			--out none.jsonl --params /dev/null 2>err &&
		test_grep "returned error: 404" err && ! test -e none.jsonl
	'
else
	test_skip "nginx or curl is not installed" "ingest over HTTP from nginx"
fi

test_expect_success 'preprocess reports every reject reason' '
	repro builtin preprocess --in dir.jsonl --out r1.jsonl --meta m1.jsonl --report rep.json \
		--params "$SRCDIR/params.yaml" -j 2 2>err &&
	perl -MJSON::PP -e "local \$/; my \$r = decode_json(<>);
		print join(\" \", map { \"\$_=\$r->{reject_counts}{\$_}\" } sort keys %{\$r->{reject_counts}}), \"\n\";
		print \"total=\$r->{total} kept=\$r->{kept}\n\"" rep.json >counts &&
	cat >expect <<-\EOF &&
	bad_record=0 extension=74 invalid_yaml=158 license=0 no_keyword=3484 not_kubernetes=387 redaction_broke_yaml=0 too_large=21 too_small=811
	total=6356 kept=1421
	EOF
	test_cmp expect counts
'

test_expect_success 'preprocess is byte-identical across runs and -j 1 / -j 2' '
	repro builtin preprocess --in dir.jsonl --out r2.jsonl --meta m2.jsonl --report rep2.json \
		--params "$SRCDIR/params.yaml" -j 1 2>/dev/null &&
	repro builtin preprocess --in dir.jsonl --out r3.jsonl --meta m3.jsonl --report rep3.json \
		--params "$SRCDIR/params.yaml" -j 2 2>/dev/null &&
	cmp r1.jsonl r2.jsonl && cmp r1.jsonl r3.jsonl &&
	cmp m1.jsonl m2.jsonl && cmp rep.json rep2.json
'

test_expect_success 'validate passes every record; bias balances and is -j independent' '
	repro builtin validate --in r1.jsonl --out schema.json --params /dev/null 2>/dev/null &&
	test_grep "\"pass_rate_pct\": 100," schema.json &&
	repro builtin bias --in r1.jsonl --meta m1.jsonl --out b1.jsonl --report b1.json -j 1 --params /dev/null 2>/dev/null &&
	repro builtin bias --in r1.jsonl --meta m1.jsonl --out b2.jsonl --report b2.json -j 2 --params /dev/null 2>/dev/null &&
	cmp b1.jsonl b2.jsonl && cmp b1.json b2.json &&
	perl -MJSON::PP -e "local \$/; my \$r = decode_json(<>); my \$b = \$r->{balanced_iac_type};
		for (sort keys %\$b) { die \"\$_ above max_share\" if \$b->{\$_}{share} > 0.4 }
		print \"\$r->{total} \$r->{kept}\n\"" b1.json >got &&
	echo "1421 1270" >expect && test_cmp expect got
'

test -f web/logs/nginx.pid && kill -QUIT "$(cat web/logs/nginx.pid)"
test_done
