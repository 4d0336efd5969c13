#!/bin/sh
# Stages without deps, as DVC 3 treats them: with no deps, params or outs
# a stage runs every time (a "callback stage"); with outs it runs once and
# is then skipped while its outs are as recorded.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && repro init >/dev/null && echo "lr: 1" >params.yaml &&
	cat >stages.yaml <<-\EOF
	stages:
	  notify:
	    cmd: echo notify >>runs.log
	  gen:
	    cmd: echo gen >>runs.log && echo g >gen.txt
	    outs: [gen.txt]
	  tune:
	    cmd: echo tune >>runs.log
	    params: [lr]
	EOF
'

test_expect_success 'the first run runs all three' '
	cd p && repro run >/dev/null &&
	printf "gen\nnotify\ntune\n" >expect && sort runs.log >actual && test_cmp expect actual
'

test_expect_success 'the second runs only the stage with nothing to compare' '
	cd p && : >runs.log && repro run >out &&
	echo notify >expect && test_cmp expect runs.log &&
	test_grep "^.gen. is up to date$" out && test_grep "^.tune. is up to date$" out
'

test_expect_success 'status names the reason, in text and --json' '
	cd p && repro status >out &&
	printf "notify:\n    no deps, params or outs: runs every time\n" >expect && test_cmp expect out &&
	repro status --json >out && tr -d "\t\n" <out >flat && echo >>flat &&
	echo "{\"notify\":[{\"change\":\"callback\"}]}" >expect && test_cmp expect flat
'

test_expect_success 'a stage with outs but no deps: a deleted out is restored, not re-run' '
	cd p && rm gen.txt && : >runs.log && repro run gen >out &&
	test ! -s runs.log && test "$(cat gen.txt)" = g &&
	test_grep "restored the outs of .gen. from the cache" out
'

test_expect_success 'frozen still wins over a callback stage' '
	cd p && printf "stages:\n  notify:\n    cmd: echo notify >>runs.log\n    frozen: true\n" >stages.yaml &&
	: >runs.log && repro run >/dev/null && test ! -s runs.log
'

test_done
