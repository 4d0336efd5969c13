#!/bin/sh
# A directory's id comes from the state's directory ids on a no-op (see
# "Directory ids" in src/core/state.h); every change the manifest records
# must still be seen, and the ids must be those of the manifests.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup: tracked data and a stage depending on it, run twice' '
	mkdir p && cd p && repro init >/dev/null &&
	mkdir -p data/sub && echo a >data/a && echo b >data/sub/b && echo c >data/c &&
	repro add data >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  list:
	    cmd: ls -lR data | wc -l >n.txt
	    deps: [data]
	    outs: [n.txt]
	EOF
	repro run >/dev/null && repro run >out && grep -q "every stage is up to date" out
'

# the id recorded for data: in data.repro, and as the stage's dependency
added_id() { sed -n "s/^ *sha256: *//p" data.repro; }
dep_id() { sed -n "/path: data/,/sha256/s/^ *sha256: *//p" stages.lock; }
# the SHA-256 of the manifest stored for id $1
manifest_sha() {
	m=.repro/cache/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-) &&
	test -f "$m" && sha256sum <"$m" | cut -d" " -f1
}

test_expect_success 'the ids are the SHA-256 of the stored manifest, in data.repro and the lock' '
	cd p && id=$(added_id) && test -n "$id" &&
	test "$(manifest_sha "$id")" = "${id%.dir}" &&
	test "$(dep_id)" = "$id" && echo "$id" >../first-id
'

test_expect_success 'an executable bit set is a change' '
	cd p && before=$(dep_id) && chmod +x data/c &&
	test_expect_code 1 repro status -q && repro status >out && grep -q "modified dep .data." out &&
	repro run >/dev/null && test "$(dep_id)" != "$before"
'

test_expect_success 'a file renamed, same content, is a change' '
	cd p && before=$(dep_id) && mv data/sub/b data/sub/b2 &&
	test_expect_code 1 repro status -q &&
	repro run >/dev/null && test "$(dep_id)" != "$before"
'

test_expect_success 'content changed, same size: a change' '
	cd p && before=$(dep_id) && echo z >data/a &&
	test_expect_code 1 repro status -q &&
	repro run >/dev/null && test "$(dep_id)" != "$before"
'

test_expect_success 'add again: the new id is the stored manifest, and the stage agrees' '
	cd p && repro add data >/dev/null && id=$(added_id) &&
	test "$(manifest_sha "$id")" = "${id%.dir}" && test "$(dep_id)" = "$id" && repro status -q
'

test_expect_success 'changed back: the first id again' '
	cd p && mv data/sub/b2 data/sub/b && chmod -x data/c && echo a >data/a &&
	repro run >/dev/null && test "$(dep_id)" = "$(cat ../first-id)" && repro status -q list
'

test_expect_success 'without the state (deleted), the same ids' '
	cd p && before=$(dep_id) && rm .repro/state &&
	repro status -q list && repro run >/dev/null && test "$(dep_id)" = "$before"
'

# The key of a directory whose files were all hashed after the walk (a
# first run) must be the one a later no-op computes from the state: else
# every no-op would miss, and write the state again.
test_expect_success 'after a first run, a no-op finds the id and rewrites no state' '
	cd p && rm .repro/state && repro run >/dev/null && before=$(stat -c %i .repro/state) &&
	repro run >/dev/null && repro status -q list && test "$(stat -c %i .repro/state)" = "$before"
'

test_done
