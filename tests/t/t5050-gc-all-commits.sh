#!/bin/sh
# gc --all-commits keeps what any commit's lock or .repro files refer to,
# read from git's history through libgit2 (the project may sit in a
# subdirectory of the repository); --workspace keeps only what is checked out.
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-remote.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed (needed to make the test's commits)"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME=$TRASH

obj() { # obj FILE: the cache path of FILE's content
	_h=$(sha256sum "$1" | cut -c1-64)
	echo .repro/cache/$(echo $_h | cut -c1-2)/$(echo $_h | cut -c3-)
}

test_expect_success 'setup: two commits with different params, in a subdirectory of the repository' '
	mkdir repo && cd repo && git init -q -b main && make_project sub && cd sub &&
	repro remote add -d store ../../store && repro push >/dev/null &&
	git add -A . && git commit -qm one &&
	cp model.txt ../../model.one &&
	sed -i "s/lr: 0.1/lr: 0.2/" params.yaml && repro run >/dev/null && repro push >/dev/null &&
	git add -A . && git commit -qm two && cp model.txt ../../model.two &&
	git tag two && git checkout -q -b side HEAD~1 && repro checkout >/dev/null &&
	echo extra >extra && repro add extra >/dev/null && git add -A . && git commit -qm side &&
	git checkout -q main && repro checkout >/dev/null && rm -f extra &&
	cmp model.txt ../../model.two
'

test_expect_success 'gc --all-commits keeps every commit'"'"'s outs and tracked files' '
	cd repo/sub && sleep 1 && repro gc --all-commits >out &&
	test_grep "^removed 0 objects" out &&
	test -f $(obj ../../model.one) && test -f $(obj ../../model.two) &&
	echo extra >../../extra && test -f $(obj ../../extra)
'

test_expect_success 'a branch'"'"'s objects go once the branch is gone' '
	cd repo/sub && git branch -qD side && repro gc --all-commits >out &&
	test_grep "^removed 1 object " out && test ! -f $(obj ../../extra) && test -f $(obj ../../model.one)
'

test_expect_success 'gc --workspace keeps only what is checked out' '
	cd repo/sub && repro gc --workspace --dry >out && test_grep "^would remove 1 object " out &&
	test -f $(obj ../../model.one) && repro gc >out && test ! -f $(obj ../../model.one) &&
	test -f $(obj ../../model.two) && repro status >st && test_grep "up to date" st
'

test_expect_success 'gc --cloud --all-commits keeps the remote objects of every commit' '
	cd repo/sub && repro gc --cloud --all-commits >out &&
	test_grep "^removed 0 objects from remote" out &&
	git tag -d two >/dev/null && git reset -q --hard HEAD~1 && repro pull >/dev/null &&
	repro gc --cloud --all-commits >out &&
	test_grep "^removed 1 object from remote" out &&
	rm -f model.txt $(obj ../../model.one) &&
	repro pull >/dev/null && cmp model.txt ../../model.one
'

test_expect_success '--all-commits outside a git repository is an error, and removes nothing' '
	make_project lone && cd lone && test_expect_code 1 repro gc --all-commits 2>err &&
	test_grep "not in a git repository" err && test -f $(obj model.txt)
'

test_expect_success 'a damaged lock in history stops gc before it removes anything' '
	cd repo/sub && echo "stages: [" >stages.lock.bad && cp stages.lock stages.lock.good &&
	cp stages.lock.bad stages.lock && git add stages.lock && git commit -qm broken &&
	cp stages.lock.good stages.lock && git add stages.lock && git commit -qm fixed &&
	echo junk >junk && repro add junk >/dev/null && rm junk.repro junk &&
	test_expect_code 1 repro gc --all-commits 2>err && test_grep "commit" err &&
	test -f $(obj ../../model.one)
'

test_expect_success '--workspace and --all-commits exclude each other' '
	cd repo/sub && test_expect_code 2 repro gc -w -a 2>err && test_grep "exclude" err
'

test_done
