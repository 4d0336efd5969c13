#!/bin/sh
# An S3 remote on Ceph's RADOS Gateway, started here on 127.0.0.1 with its
# signature checks on: requests are signed by libcurl's AWS SigV4, a wrong
# secret is refused, path-style and virtual-host-style addressing both work.
# (RGW takes about 12 s to start: this is the only script that starts it.)
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-remote.sh"

for b in radosgw ceph-mon ceph-osd monmaptool radosgw-admin; do
	command -v $b >/dev/null 2>&1 ||
		skip_all "$b is missing (apt-get install --no-install-recommends radosgw ceph-mon ceph-osd)"
done

s3port=$(test_free_port 1 2) || skip_all "no two free ports in a row"
monport=$((s3port + 1))
test_atexit "\"$SERVICES/rgw-down.sh\" \"$TRASH/rgw\""
if ! "$SERVICES/rgw-up.sh" "$TRASH/rgw" "$s3port" "$monport" >"$TRASH/rgw-up.log" 2>&1; then
	skip_all "the RADOS Gateway did not start: $(tail -1 "$TRASH/rgw-up.log")"
fi
ENDPOINT=http://127.0.0.1:$s3port
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
if ! curl -sf -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u REPROKEY:REPROSECRET \
	-H "x-amz-content-sha256: $EMPTY" "$ENDPOINT/repro-cache" >/dev/null; then
	skip_all "cannot create a bucket on the RADOS Gateway"
fi
export ENDPOINT s3port
export AWS_ACCESS_KEY_ID=REPROKEY AWS_SECRET_ACCESS_KEY=REPROSECRET
unset AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL

test_expect_success 'setup: a project with a path-style S3 remote' '
	make_project p && cd p &&
	repro remote add -d s3 s3://repro-cache/team/project &&
	repro remote modify s3 endpoint "$ENDPOINT"
'

remote_suite

test_expect_success 'a wrong secret is refused by the server, and named as the cause' '
	cd p && echo more >more && repro add more >/dev/null &&
	AWS_SECRET_ACCESS_KEY=not-the-secret test_expect_code 1 repro push -v >out 2>err &&
	test_grep "refused the request" err && test_grep "secret access key" err &&
	! grep not-the-secret out err &&
	cd .. && clone_project p w && cd w &&
	AWS_SECRET_ACCESS_KEY=not-the-secret test_expect_code 1 repro pull >out 2>err &&
	test_grep "SignatureDoesNotMatch" err && test ! -f clean.txt
'

test_expect_success 'an unknown access key is refused' '
	cd p && AWS_ACCESS_KEY_ID=NOBODY test_expect_code 1 repro push 2>err &&
	test_grep "refused the request" err
'

test_expect_success 'no credentials at all: anonymous requests are refused' '
	cd p && (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY && test_expect_code 1 repro push 2>err) &&
	test_grep "no credentials" err
'

test_expect_success 'credentials in config.local work and are never printed' '
	cd p && (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY &&
	repro remote modify s3 access-key-id REPROKEY >/dev/null &&
	repro remote modify s3 secret-access-key REPROSECRET >/dev/null &&
	repro push -v >out && test_grep "^pushed 1 object" out &&
	repro remote list >list && ! grep REPROSECRET out list .repro/config)
'

test_expect_success 'virtual-host style, the bucket name pinned to 127.0.0.1 (no DNS)' '
	clone_project p v && cd v && rm -f .repro/config.local &&
	repro remote add -f -d vh s3://repro-cache/team/project &&
	repro remote modify vh endpoint "http://localhost:$s3port" &&
	repro remote modify vh addressing virtual &&
	repro remote modify vh resolve "repro-cache.localhost:$s3port:127.0.0.1" &&
	repro status --cloud >st && test_grep "^not in cache *model.txt" st &&
	repro pull >out && cd ../p && out_sums >../sums.p && cd ../v && out_sums >../sums.v &&
	test_cmp ../sums.p ../sums.v && check_cache
'

test_expect_success 'listing (ListObjectsV2) and HEADs agree' '
	cd p && repro remote modify s3 check list && repro status --cloud >st.l &&
	repro remote modify s3 check head && repro status --cloud >st.h &&
	repro remote modify --unset s3 check && test_cmp st.l st.h
'

test_expect_success 'a missing bucket is named' '
	cd p && repro remote add -f nob s3://no-such-bucket && repro remote modify nob endpoint "$ENDPOINT" &&
	test_expect_code 1 repro push -r nob 2>err && test_grep "no-such-bucket" err
'

test_done
