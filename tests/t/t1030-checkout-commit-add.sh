#!/bin/sh
# repro checkout, commit and add: the cache as the source of outs and data.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup: a stage with a file and a directory out' '
	mkdir p && cd p && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  make:
	    cmd: echo make >>runs.log && mkdir -p d/sub && echo one >d/a && echo two >d/sub/b && echo f >f.txt
	    outs: [d, f.txt]
	EOF
	repro run >/dev/null
'

test_expect_success 'checkout restores deleted outs, files and directories' '
	cd p && rm -rf d f.txt && : >runs.log &&
	repro checkout >out &&
	printf "restored '"'"'d'"'"'\nrestored '"'"'f.txt'"'"'\n" >expect && test_cmp expect out &&
	test "$(cat d/sub/b)" = two && test "$(cat f.txt)" = f && test ! -s runs.log
'

test_expect_success 'checkout removes files that are not in the recorded directory' '
	cd p && echo stray >d/stray && echo changed >d/a &&
	repro checkout --force >out && test ! -f d/stray && test "$(cat d/a)" = one
'

test_expect_success 'checkout keeps changes that are not in the cache unless --force' '
	cd p && echo mine >f.txt &&
	test_expect_code 1 repro checkout 2>err &&
	test_grep "f.txt. has changes that are not in the cache" err &&
	test "$(cat f.txt)" = mine &&
	repro checkout --force >/dev/null && test "$(cat f.txt)" = f
'

test_expect_success 'nothing to restore is said so' '
	cd p && repro checkout >out && test_grep "^nothing to restore$" out
'

test_expect_success 'commit records hand-made outs without running' '
	cd p && : >runs.log && echo edited >f.txt &&
	repro commit >out && test_grep "^committed .make.$" out &&
	repro status >out && test_grep "every stage is up to date" out &&
	repro run >out && test ! -s runs.log &&
	repro commit >out && test_grep "^.make. is unchanged$" out
'

test_expect_success 'commit fails clearly when an out is missing' '
	cd p && rm f.txt && test_expect_code 1 repro commit 2>err &&
	test_grep "stage .make. did not produce its out .f.txt." err &&
	repro checkout >/dev/null
'

test_expect_success 'cache objects are read-only and named by their content' '
	cd p && obj=$(find .repro/cache -type f | head -1) &&
	test -n "$obj" &&
	test "$(stat -c %a "$obj")" = 444 &&
	for o in $(find .repro/cache -type f ! -name "*.dir"); do
		h=$(sha256sum "$o" | cut -c1-64) &&
		test "$h" = "$(basename $(dirname $o))$(basename $o)" || exit 1
	done
'

test_expect_success 'add tracks a data directory: .repro file, .gitignore, cache' '
	cd p && mkdir -p data/raw && echo 1 >data/raw/x.csv && echo 2 >data/raw/y.csv &&
	repro add data/raw >out &&
	test_grep "^added .data/raw. ([0-9a-f]\{64\}\.dir); commit .data/raw.repro. to git$" out &&
	test_grep "^/raw$" data/.gitignore &&
	test_grep "nfiles: 2" data/raw.repro &&
	repro add data/raw >/dev/null && test "$(grep -c raw data/.gitignore)" = 1
'

test_expect_success 'a stage can depend on tracked data; checkout restores it' '
	cd p && cat >>stages.yaml <<-\EOF &&
	  use:
	    cmd: cat data/raw/x.csv data/raw/y.csv >sum.txt
	    deps: [data/raw]
	    outs: [sum.txt]
	EOF
	repro run >/dev/null && test "$(cat sum.txt | wc -l)" = 2 &&
	rm -rf data/raw && repro checkout >out &&
	test_grep "restored .data/raw." out && test "$(cat data/raw/y.csv)" = 2
'

test_expect_success 'add refuses what a stage produces, .repro, and paths outside' '
	cd p &&
	test_expect_code 1 repro add f.txt 2>err && test_grep "stage .make. produces .f.txt." err &&
	test_expect_code 1 repro add .repro/state 2>err && test_grep "inside .repro" err &&
	test_expect_code 1 repro add ../outside 2>err && test_grep "outside the project" err &&
	test_expect_code 1 repro add nosuch 2>err && test_grep "cannot add .nosuch.: No such file" err
'

test_expect_success 'add works from a subdirectory' '
	cd p/data && echo z >z.txt && repro add z.txt >out &&
	test_grep "added .data/z.txt." out && test -f z.txt.repro
'

test_expect_success 'a .repro file pointing elsewhere is refused' '
	cd p && printf "outs:\n- path: ../../etc/passwd\n  sha256: %064d\n" 0 >evil.repro &&
	test_expect_code 1 repro checkout 2>err &&
	test_grep "evil.repro" err && rm evil.repro
'

test_expect_success 'link type hardlink: workspace files share the read-only object' '
	mkdir h && cd h && repro init >/dev/null &&
	git config -f .repro/config cache.type hardlink &&
	printf "stages:\n  a:\n    cmd: echo x >x.txt\n    outs: [x.txt]\n" >stages.yaml &&
	repro run >/dev/null && rm x.txt && repro checkout >/dev/null &&
	test "$(stat -c %h x.txt)" = 2 && test "$(stat -c %a x.txt)" = 444
'

test_expect_success 'link type symlink: workspace files point into the cache' '
	mkdir s && cd s && repro init >/dev/null &&
	git config -f .repro/config cache.type symlink &&
	printf "stages:\n  a:\n    cmd: echo x >x.txt\n    outs: [x.txt]\n" >stages.yaml &&
	repro run >/dev/null && rm x.txt && repro checkout >/dev/null &&
	test -L x.txt && case "$(readlink x.txt)" in *.repro/cache/*) ;; *) false ;; esac &&
	repro status >out && test_grep "up to date" out
'

test_expect_success 'an unknown link type is a configuration error' '
	mkdir bad && cd bad && repro init >/dev/null &&
	git config -f .repro/config cache.type teleport &&
	printf "stages:\n  a:\n    cmd: echo x >x.txt\n    outs: [x.txt]\n" >stages.yaml &&
	test_expect_code 2 repro run 2>err && test_grep "teleport" err
'

test_done
