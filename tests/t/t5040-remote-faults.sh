#!/bin/sh
# Network faults, injected by tests/services/faultserver.py: connection
# resets, 500s, 429s, truncated, corrupted, stalled and slow responses.
# A pull either completes with every object intact or fails naming the
# object and the remote; the cache never holds an object whose content does
# not match its name.
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-remote.sh"

test -x /usr/bin/python3 || skip_all "/usr/bin/python3 is missing (apt-get install python3)"

port=$(test_free_port)
if ! "$SERVICES/faultserver-up.sh" "$TRASH/fs" "$port" >"$TRASH/fs-up.log" 2>&1; then
	skip_all "the fault server did not start: $(tail -1 "$TRASH/fs-up.log")"
fi
test_atexit "\"$SERVICES/faultserver-down.sh\" \"$TRASH/fs\""
FS=$TRASH/fs
export FS port

faults() {
	echo "$*" >"$FS/control"
}

# Every file the server holds matches its name.
check_remote() {
	_bad=0
	for _f in "$FS"/data/cache/??/*; do
		_base=$(basename "$_f")
		_name=$(basename "$(dirname "$_f")")${_base%.dir}
		[ "$(sha256sum "$_f" | cut -c1-64)" = "$_name" ] || { echo "corrupt on the server: $_f" >&2; _bad=1; }
	done
	return $_bad
}

test_expect_success 'setup: a project pushed to the fault server (no faults yet)' '
	make_project p && cd p &&
	repro remote add -d fs "http://127.0.0.1:$port/cache" &&
	repro remote modify fs check head && repro remote modify fs timeout 1 &&
	repro remote modify fs connect-timeout 2 &&
	faults mode=none && repro push >out && test_grep "^pushed 13 objects" out &&
	out_sums >../sums.p && check_remote
'

test_expect_success 'every kind of fault once per object: the pull completes, intact' '
	clone_project p a && cd a &&
	faults mode=mixed first=1 methods=GET delay=2 && : >"$FS/requests.log" &&
	repro pull >out && out_sums >../sums.a && test_cmp ../sums.p ../sums.a && check_cache &&
	for f in reset 500 truncate corrupt stall 429; do test_grep -q " $f\$" "$FS/requests.log" || exit 1; done &&
	test_grep -q "range=bytes=" "$FS/requests.log"
'

test_expect_success 'persistent corruption: the pull fails naming the object and the remote; nothing corrupt is kept' '
	clone_project p b && cd b &&
	id=$(sha256sum ../p/data/blob.bin | cut -c1-64) && key=$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	faults mode=corrupt-always match=$key && repro remote modify fs retries 2 &&
	test_expect_code 1 repro pull >out 2>err &&
	test_grep "cannot download .$key. from remote .fs. (http://127.0.0.1:$port/cache)" err &&
	test_grep "hashes to" err && test_grep "gave up after 3 attempts" err &&
	check_cache && test ! -f .repro/cache/$key && test ! -f $(pull_tmp $id) &&
	cmp clean.txt ../p/clean.txt
'

test_expect_success 'persistent 500s: the pull fails with the status, the rest is fetched' '
	clone_project p c && cd c &&
	id=$(sha256sum ../p/model.txt | cut -c1-64) && key=$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	faults mode=500 first=100 match=$key && repro remote modify fs retries 1 &&
	test_expect_code 1 repro pull >out 2>err &&
	test_grep "cannot download .$key. from remote .fs.*HTTP 500 (gave up after 2 attempts)" err &&
	check_cache && cmp clean.txt ../p/clean.txt && test ! -f model.txt &&
	faults mode=none && repro pull >out && cmp model.txt ../p/model.txt
'

test_expect_success 'slow but steady responses are waited for' '
	clone_project p d && cd d &&
	faults mode=slow first=1000 delay=0.2 methods=GET && repro pull -j 16 >out &&
	out_sums >../sums.d && test_cmp ../sums.p ../sums.d && check_cache
'

test_expect_success 'a server that stalls mid-body is given up on and resumed where it stopped' '
	clone_project p e && cd e &&
	id=$(sha256sum ../p/data/blob.bin | cut -c1-64) && key=$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	faults mode=stall first=1 delay=2 match=$key && : >"$FS/requests.log" && repro pull >out &&
	test_grep "GET /cache/$key stall" "$FS/requests.log" &&
	test_grep "GET /cache/$key ok range=bytes=150000-" "$FS/requests.log" &&
	cmp data/blob.bin ../p/data/blob.bin && check_cache
'

# A pull writes the workspace copy of an object of 1 MB or more while
# downloading it; a fault must never leave that copy wrong, or left over.
test_expect_success 'a large object under each fault: pulled intact, its copy right, nothing left over' '
	mkdir big && (cd big && repro init >/dev/null && head -c 3000000 /dev/urandom >big.bin &&
		repro add big.bin >/dev/null && repro remote add -d fs "http://127.0.0.1:$port/big" &&
		repro remote modify fs check head && repro remote modify fs timeout 1 &&
		faults mode=none && repro push >/dev/null) &&
	id=$(sha256sum big/big.bin | cut -c1-64) && obj=.repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	for f in none reset 500 truncate corrupt stall 429; do
		mkdir -p big-$f/.repro && cp big/.repro/config big-$f/.repro/ && cp big/big.bin.repro big-$f/ &&
		(cd big-$f && faults mode=$f first=1 methods=GET delay=2 && repro pull >out &&
			cmp big.bin ../big/big.bin && check_cache && test -f $obj &&
			test "$(stat -c %i big.bin)" != "$(stat -c %i $obj)" &&
			test -z "$(find .repro/tmp/pull -type f)") || return 1
	done
'

test_expect_success 'a refused connection fails every transfer clearly' '
	clone_project p f && cd f && dead=$(test_free_port 9) &&
	repro remote add -f -d gone "http://127.0.0.1:$dead/cache" && repro remote modify gone retries 1 &&
	test_expect_code 1 repro pull >out 2>err &&
	test_grep "cannot .* remote .gone." err && test_grep "onnect" err && check_cache
'

test_expect_success 'faults during a push: it completes and the server holds only intact objects' '
	cd p && repro remote add -f fresh "http://127.0.0.1:$port/cache2" &&
	repro remote modify fresh check head && repro remote modify fresh timeout 1 &&
	faults mode=mixed first=1 methods=PUT,HEAD && repro push -r fresh >out &&
	test_grep "^pushed 13 objects" out &&
	faults mode=none && repro push -r fresh >out && test_grep "^everything is up to date" out &&
	for f in "$FS"/data/cache2/??/*; do
		b=$(basename "$f"); n=$(basename "$(dirname "$f")")${b%.dir};
		test "$(sha256sum "$f" | cut -c1-64)" = "$n" || exit 1;
	done
'

test_expect_success 'a server without PROPFIND: existence falls back to HEADs; gc --cloud says why it cannot' '
	make_project many && cd many && mkdir bulk && for i in $(seq 1 70); do echo $i >bulk/f$i; done &&
	repro add bulk >/dev/null && repro remote add -d plain "http://127.0.0.1:$port/plain" &&
	faults mode=none && repro push >out && test_grep "^pushed 84 objects" out &&
	repro push >out 2>err && test_grep "^everything is up to date" out && test ! -s err &&
	repro status --cloud >st && test_grep "in sync" st &&
	test_expect_code 1 repro gc --cloud 2>err && test_grep "cannot list its objects" err
'

test_expect_success 'S3 requests carry the session token and the payload hash, signed' '
	cd p && repro remote add -f tok s3://bucket/pfx && repro remote modify tok endpoint "http://127.0.0.1:$port" &&
	repro remote modify tok check head && faults mode=none && : >"$FS/requests.log" &&
	AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY=SECRETKEY AWS_SESSION_TOKEN=TOKEN123 repro push -r tok >out &&
	id=$(sha256sum clean.txt | cut -c1-64) && key=$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	test_grep "^PUT /bucket/pfx/$key ok signed=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token x-amz-content-sha256=$id x-amz-security-token=TOKEN123$" "$FS/requests.log" &&
	test_grep -q "^HEAD /bucket/pfx/$key ok signed=" "$FS/requests.log" &&
	! grep SECRETKEY "$FS/requests.log" out
'

test_done
