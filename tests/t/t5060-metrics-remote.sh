#!/bin/sh
# repro metrics fetches a cached metrics file missing from the local cache
# from the default remote, as the lock of the revision names it.
. "$(dirname "$0")/../test-lib.sh"

command -v git >/dev/null || skip_all "git is not installed"

test_expect_success 'setup: a cached metric in two commits, pushed to a remote' '
	mkdir p && cd p && git init -q && git config user.email t@t && git config user.name t &&
	repro init >/dev/null && repro remote add store "$TRASH/store" >/dev/null &&
	cat >eval.sh <<-\EOF &&
	echo "{\"acc\": $(cat acc)}" >m.json
	EOF
	printf "stages:\n  eval:\n    cmd: sh eval.sh\n    deps: [acc, eval.sh]\n    metrics: [m.json]\n" >stages.yaml &&
	echo 0.5 >acc && repro run >/dev/null && test_grep "0.5" m.json &&
	printf "m.json\n" >.gitignore &&
	git add -A && git commit -qm one && git tag one && repro push >/dev/null &&
	echo 0.75 >acc && repro run >/dev/null && git add -A && git commit -qm two &&
	repro push >/dev/null
'

test_expect_success 'metrics diff reads an old revision from the cache' '
	cd p && repro metrics diff one HEAD >out &&
	test_grep "acc.*0.5.*0.75" out
'

test_expect_success 'with the local cache gone, the objects come from the remote' '
	cd p && rm -rf .repro/cache &&
	repro metrics diff one HEAD >out 2>err &&
	test_grep "acc.*0.5.*0.75" out && ! test_grep -q "not in the local cache" err
'

test_expect_success 'without any remote, a missing object is a warning naming it' '
	cd p && rm -rf .repro/cache && repro remote remove store >/dev/null &&
	repro metrics diff one HEAD >out 2>err &&
	test "$(grep -c "not in the local cache.*no remote is configured" err)" = 2 &&
	test_grep "m.json. at revision .one." err
'

test_expect_success 'a remote without the object: the warning says it was asked' '
	cd p && rm -rf .repro/cache && mkdir -p ../empty &&
	repro remote add -d empty ../empty >/dev/null &&
	repro metrics diff one HEAD >out 2>err &&
	test "$(grep -c "not in the local cache.*and not on the default remote" err)" = 2 &&
	repro metrics show -a >out 2>err &&
	test_grep "^master  *m.json  *-  *-" out
'

test_done
