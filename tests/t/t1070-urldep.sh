#!/bin/sh
# Deps on http(s):// URLs, identified by ETag, against a real nginx.
. "$(dirname "$0")/../test-lib.sh"

command -v nginx >/dev/null || skip_all "nginx is not installed"
PORT=$(test_free_port 0 2) || skip_all "no free port"
sh "$SRCDIR/tests/services/webdav-up.sh" "$TRASH/www" "$PORT" >/dev/null 2>&1 ||
	skip_all "nginx did not start"
test_atexit "sh '$SRCDIR/tests/services/webdav-down.sh' '$TRASH/www'"
URL=http://127.0.0.1:$PORT/table.csv

test_expect_success 'a stage depending on a URL runs, and records its ETag' '
	echo "a,1" >www/data/table.csv &&
	mkdir p && cd p && repro init >/dev/null &&
	cat >stages.yaml <<-EOF &&
	stages:
	  fetch:
	    cmd: curl -sf $URL -o table.csv
	    deps: [$URL]
	    outs: [table.csv]
	EOF
	repro run >out && test_grep "running .fetch." out &&
	test_grep "etag: etag:" stages.lock &&
	repro run >out && test_grep "is up to date" out
'

test_expect_success 'a changed file at the URL re-runs the stage' '
	sleep 1 && echo "a,2" >www/data/table.csv &&
	cd p && repro status >out && test_grep "modified dep .http://127.0.0.1:[0-9]*/table.csv." out &&
	repro run >/dev/null && test_grep "a,2" table.csv
'

test_expect_success 'an unreachable URL is a clear error naming it' '
	cd p && sed -i "s|/table.csv|/gone.csv|g" stages.yaml &&
	test_expect_code 1 repro run 2>err &&
	test_grep "cannot check dep .http://127.0.0.1:[0-9]*/gone.csv.: the server answered 404" err
'

test_done
