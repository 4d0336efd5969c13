#!/bin/sh
# A local directory as the remote: the full round trip, then what only a
# directory lets us look at directly (its layout, resuming, gc locally).
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-remote.sh"

test_expect_success 'setup: a project with a directory remote' '
	make_project p && cd p &&
	repro remote add -d store ../store >out && test ! -s out
'

remote_suite

test_expect_success 'the remote has the layout of the cache' '
	cd p && id=$(sha256sum clean.txt | cut -c1-64) &&
	a=$(echo $id | cut -c1-2) && b=$(echo $id | cut -c3-) &&
	test_cmp clean.txt ../store/$a/$b &&
	test -n "$(ls ../store/runs/*/* | head -1)" &&
	! ls ../store/.tmp/* 2>/dev/null
'

test_expect_success 'an interrupted push resumes: only what is missing is sent' '
	cd p && id=$(sha256sum model.txt | cut -c1-64) &&
	rm ../store/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	repro push -v >out &&
	echo "uploaded $(echo $id | cut -c1-2)/$(echo $id | cut -c3-)" >expect &&
	grep "^uploaded" out >actual && test_cmp expect actual
'

test_expect_success 'a partial download left by an interrupted pull is resumed' '
	clone_project p r && cd r &&
	id=$(sha256sum ../p/data/blob.bin | cut -c1-64) &&
	mkdir -p $(dirname $(pull_tmp $id)) && head -c 1000 ../p/data/blob.bin >$(pull_tmp $id) &&
	repro pull -v >out && cmp data/blob.bin ../p/data/blob.bin && check_cache &&
	test_grep "^downloaded .* (resumed after 1000 bytes)" out && test ! -f $(pull_tmp $id)
'

test_expect_success 'a corrupt partial download is detected and fetched again' '
	clone_project p r2 && cd r2 &&
	id=$(sha256sum ../p/data/blob.bin | cut -c1-64) &&
	mkdir -p $(dirname $(pull_tmp $id)) && head -c 300000 /dev/zero >$(pull_tmp $id) &&
	repro pull >out && cmp data/blob.bin ../p/data/blob.bin && check_cache
'

# One transfer at a time, so the order is the objects' (sorted by id), and
# the 15th object on the remote replaced by a FIFO: reading it blocks, as a
# stalled mount would, until the pull is killed with 14 objects downloaded.
# The pull is stopped at exactly its 15th download: the fault shim blocks
# the first write into its temporary file (FAULTFS_STALL) and writes its
# path to a file, and the test then SIGKILLs repro there (a handshake, not
# a timed kill). With one transfer at a time, the manifest and then each
# object in order of id are written, each in one write (none is above the
# 1 MB chunk), so the 16th write is the 15th object's.
test_expect_success 'setup: a killed pull, 14 of 30 objects downloaded' '
	mkdir k && (cd k && repro init >/dev/null && mkdir big &&
		for i in $(seq 1 30); do head -c $((i * 7001)) /dev/urandom >big/f$i; done &&
		repro add big >/dev/null && repro remote add -d store ../kstore && repro push >/dev/null) &&
	(cd kstore && ls ??/* | grep -v "[.]dir$" | sort | tr -d / >../ids) && test $(wc -l <ids) = 30 &&
	mkdir -p kc/.repro && cp k/.repro/config kc/.repro/ && cp k/big.repro kc/ &&
	cd kc && repro remote modify store jobs 1 && mkdir -p .repro/tmp/pull && {
		env LD_PRELOAD="$BUILD/tests/faultfs.so" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			FAULTFS_PATH_PREFIX="$(pwd)/.repro/tmp/pull" FAULTFS_CALL=write FAULTFS_NTH=16 \
			FAULTFS_STALL="$TRASH/stalled" repro pull -v >../killed.out 2>&1 & pid=$!
	} &&
	i=0 && while [ ! -s "$TRASH/stalled" ] && [ $i -lt 1200 ]; do
		i=$((i + 1)) && sleep 0.05
	done &&
	kill -9 $pid && { wait $pid; test $? = 137; } &&
	test "$(basename "$(cat "$TRASH/stalled")")" = "$(sed -n 15p ../ids)" &&
	find .repro/tmp/pull -type f >../left && test $(wc -l <../left) = 15 &&
	id=$(sed -n 15p ../ids) && test -f $(pull_tmp $id) && test ! -s $(pull_tmp $id) &&
	for id in $(sed -n 1,14p ../ids); do
		cmp $(pull_tmp $id) ../k/.repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) || return 1
	done &&
	test ! -d big
'

test_expect_success 'the next pull verifies what the killed one left, resumes a partial file, refetches a corrupt one' '
	cd kc && truncate -s 1000 $(pull_tmp $(sed -n 1p ../ids)) &&
	printf X | dd of=$(pull_tmp $(sed -n 2p ../ids)) bs=1 seek=100 conv=notrunc 2>/dev/null &&
	repro pull -v >out && test_grep "^fetched 30 objects" out &&
	test $(grep -c "^verified .* (downloaded earlier)$" out) = 12 &&
	test $(grep -c "^downloaded .* (resumed after 1000 bytes)$" out) = 1 &&
	test $(grep -c "^downloaded [0-9a-f]*/[0-9a-f]*$" out) = 17 &&
	id=$(sed -n 2p ../ids) && test_grep "^downloaded $(echo $id | cut -c1-2)/$(echo $id | cut -c3-)$" out &&
	diff -r ../k/big big && check_cache && test -z "$(find .repro/tmp/pull -type f)"
'

if command -v script >/dev/null 2>&1; then
	test_expect_success 'on a terminal, the push and fetch summaries are lines of their own' '
		cd p && repro remote add tty ../store-tty &&
		tty_run repro push -r tty >out && grep -a -q "pushing: 11/11" tty.raw &&
		test_grep "^pushed 13 objects" out &&
		cd .. && clone_project p tt && cd tt && tty_run repro fetch -r tty >out &&
		grep -a -q "fetching: 11/11" tty.raw && test_grep "^fetched 13 objects" out
	'
else
	test_skip "script(1) from util-linux is not installed" "on a terminal, the summaries are lines of their own"
fi

test_expect_success 'run --pull without remote run-cache entries uses the locked outs' '
	mv store/runs store.runs && clone_project p q4 && cd q4 &&
	repro run --pull >out && test_grep "^0 ran, 2 restored, 1 up to date" out && test ! -f runs.log &&
	test_cmp ../p/model.txt model.txt && mv ../store.runs ../store/runs
'

test_expect_success 'push: false outs stay here; run --pull then runs their stage' '
	cd p && cat >>stages.yaml <<-\EOF &&
	  scratch:
	    cmd: echo scratch >>runs.log && cat model.txt clean.txt >scratch.txt
	    deps: [model.txt]
	    outs: [{scratch.txt: {push: false}}]
	EOF
	repro run >/dev/null && repro push --run-cache >out &&
	id=$(sha256sum scratch.txt | cut -c1-64) &&
	test -f .repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	test ! -f ../store/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	cd .. && clone_project p s && cd s && repro run --pull >out &&
	test_grep "^running .scratch." out && test_grep "^1 ran, 2 restored, 1 up to date" out &&
	printf "scratch\n" >expect && test_cmp expect runs.log
'

test_expect_success 'a corrupt object on the remote is refused, named, and not kept' '
	clone_project p c && cd c &&
	id=$(sha256sum ../p/clean.txt | cut -c1-64) && obj=../store/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	cp $obj ../clean.saved && chmod u+w $obj && echo tampered >$obj &&
	test_must_fail repro pull >out 2>err &&
	test_grep "cannot download .$(echo $id | cut -c1-2)/$(echo $id | cut -c3-). from remote .store." err &&
	test_grep "hashes to" err &&
	test ! -f .repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) && check_cache &&
	cp ../clean.saved $obj
'

test_expect_success 'push never uploads a corrupt object from the cache' '
	clone_project p d && cd d && repro pull >/dev/null &&
	repro remote add -f other ../store2 && echo 0 >../n &&
	id=$(sha256sum clean.txt | cut -c1-64) && obj=.repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	chmod u+w $obj && echo corrupted >$obj &&
	test_must_fail repro push -r other 2>err &&
	test_grep "corrupt" err &&
	test ! -f ../store2/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-)
'

test_expect_success 'gc removes unreferenced objects from the cache only' '
	cd p && echo junk >junk && repro add junk >/dev/null && rm junk.repro junk &&
	id=$(echo junk | sha256sum | cut -c1-64) &&
	test -f .repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	sleep 1 && repro gc --dry >out && test_grep "^would remove 1 object" out &&
	test -f .repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	repro gc -v >out && test_grep "^removed $id from the cache" out &&
	test ! -f .repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	repro status >st && test_grep "every stage is up to date" st &&
	repro checkout >/dev/null && repro status --cloud >st && test_grep "in sync" st
'

test_expect_success 'gc keeps an unreferenced object newer than its start' '
	cd p && echo fresh >fresh && repro add fresh >/dev/null && rm fresh.repro fresh &&
	id=$(echo fresh | sha256sum | cut -c1-64) && f=.repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	touch -d "+1 hour" $f && repro gc >out && test -f $f &&
	touch -d "-1 hour" $f && repro gc >out && test ! -f $f
'

test_expect_success 'fetch of a stage brings only its objects' '
	clone_project p f && cd f && repro fetch train >out &&
	test_grep "^fetched 1 object" out && test ! -f model.txt
'

test_expect_success 'pull of a tracked file checks out only it' '
	clone_project p g && cd g && repro pull data >out &&
	test_grep "restored .data." out && test ! -f clean.txt &&
	cmp data/blob.bin ../p/data/blob.bin
'

test_expect_success 'objects missing from the remote are named, with the out they belong to' '
	clone_project p m && cd m && mv ../store ../store.away &&
	mkdir ../store && test_must_fail repro pull >out 2>err &&
	test_grep "is not on remote .store." err && test_grep "(.clean.txt.)" err &&
	rmdir ../store && mv ../store.away ../store
'

test_done
