#!/bin/sh
# repro run: the DVC behaviours a user expects, each shown on a small
# pipeline whose commands log every execution to runs.log.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup: a three-stage pipeline' '
	mkdir p && cd p && repro init >/dev/null &&
	printf "a\nb\nc\n" >raw.txt &&
	cat >params.yaml <<-\EOF &&
	prepare:
	  upper: true
	train:
	  lr: 0.1
	EOF
	cat >stages.yaml <<-\EOF
	stages:
	  prepare:
	    cmd: echo prepare >>runs.log && tr a-z A-Z <raw.txt >clean.txt
	    deps: [raw.txt]
	    params: [prepare.upper]
	    outs: [clean.txt]
	  train:
	    cmd: echo train >>runs.log && (cat clean.txt; echo "lr=${train.lr}") >model.txt
	    deps: [clean.txt]
	    params: [train.lr]
	    outs: [model.txt]
	  evaluate:
	    cmd: echo evaluate >>runs.log && wc -l <model.txt | tr -d " " >score.txt
	    deps: [model.txt]
	    metrics: [{score.txt: {cache: false}}]
	EOF
'

test_expect_success 'first run runs every stage, in order' '
	cd p && repro run >out &&
	cat >expect <<-\EOF &&
	running '"'"'prepare'"'"': echo prepare >>runs.log && tr a-z A-Z <raw.txt >clean.txt
	running '"'"'train'"'"': echo train >>runs.log && (cat clean.txt; echo "lr=0.1") >model.txt
	running '"'"'evaluate'"'"': echo evaluate >>runs.log && wc -l <model.txt | tr -d " " >score.txt
	3 ran, 0 restored, 0 up to date
	EOF
	test_cmp expect out &&
	printf "prepare\ntrain\nevaluate\n" >expect.runs && test_cmp expect.runs runs.log &&
	test "$(cat score.txt)" = 4 &&
	test -f stages.lock && test -f .repro/logs/train.log
'

test_expect_success 'second run runs nothing' '
	cd p && : >runs.log &&
	repro run >out &&
	cat >expect <<-\EOF &&
	'"'"'prepare'"'"' is up to date
	'"'"'train'"'"' is up to date
	'"'"'evaluate'"'"' is up to date
	nothing to do: every stage is up to date
	EOF
	test_cmp expect out && test ! -s runs.log
'

test_expect_success 'the lock records deps, params and outs' '
	cd p &&
	test_grep "lr: 0.1" stages.lock &&
	test_grep "path: raw.txt" stages.lock &&
	test_grep "sha256: [0-9a-f]\{64\}" stages.lock
'

test_expect_success 'status names the changed param; a changed param re-runs its stage and dependents only' '
	cd p && : >runs.log &&
	sed -i "s/lr: 0.1/lr: 0.2/" params.yaml &&
	repro status >out &&
	cat >expect <<-\EOF &&
	train:
	    cmd changed
	    modified param '"'"'train.lr'"'"' (0.1 -> 0.2)
	evaluate:
	    upstream '"'"'train'"'"' is out of date
	EOF
	test_cmp expect out &&
	repro run >out &&
	printf "train\nevaluate\n" >expect.runs && test_cmp expect.runs runs.log
'

test_expect_success 'a changed dep whose output comes out identical stops there' '
	cd p && : >runs.log &&
	printf "a\nb\nc\n\n" >raw.txt && printf "a\nb\nc\n" >raw.txt &&
	touch raw.txt && repro run >/dev/null && test ! -s runs.log &&
	printf "A\nb\nc\n" >raw.txt &&
	repro status >out && test_grep "modified dep .raw.txt." out &&
	repro run >out &&
	printf "prepare\n" >expect.runs && test_cmp expect.runs runs.log &&
	test_grep "'"'"'train'"'"' is up to date" out
'

test_expect_success 'a deleted out is restored from the cache without running' '
	cd p && : >runs.log &&
	rm model.txt &&
	repro status >out && test_grep "deleted out .model.txt. (in cache)" out &&
	repro run >out &&
	test_grep "restored the outs of .train. from the cache" out &&
	test ! -s runs.log && test -f model.txt &&
	test_grep "lr=0.2" model.txt
'

test_expect_success 'reverting a param restores from the run cache without running' '
	cd p && : >runs.log &&
	sed -i "s/lr: 0.2/lr: 0.1/" params.yaml &&
	repro run >out &&
	test_grep "restored .train. from the run cache" out &&
	test ! -s runs.log && test_grep "lr=0.1" model.txt &&
	repro status >out && test_grep "every stage is up to date" out
'

test_expect_success 'cache: false outs are restored from the run cache too' '
	cd p && : >runs.log &&
	test_grep "lr=0.1" model.txt && test "$(cat score.txt)" = 4 &&
	sed -i "s/lr: 0.1/lr: 0.3/" params.yaml && repro run >/dev/null &&
	sed -i "s/lr: 0.3/lr: 0.1/" params.yaml && : >runs.log &&
	rm score.txt && repro run >out && test ! -s runs.log && test "$(cat score.txt)" = 4
'

test_expect_success '--dry says what would run and changes nothing' '
	cd p && : >runs.log &&
	repro run --dry >out && test_grep "nothing to do" out &&
	printf "x\n" >>raw.txt &&
	repro run --dry >out &&
	test_grep "would run .prepare.: modified dep .raw.txt." out &&
	test ! -s runs.log && test_expect_code 1 repro status -q
'

test_expect_success '--force runs up-to-date stages; -s runs only the named one' '
	cd p && repro run >/dev/null && : >runs.log &&
	repro run --force -s train >/dev/null &&
	printf "train\n" >expect.runs && test_cmp expect.runs runs.log
'

test_expect_success 'running a named stage runs its upstream first' '
	cd p && : >runs.log && printf "q\n" >>raw.txt &&
	repro run train >/dev/null &&
	printf "prepare\ntrain\n" >expect.runs && test_cmp expect.runs runs.log
'

test_expect_success 'an unknown stage name is a usage error with a suggestion' '
	cd p && test_expect_code 2 repro run trian 2>err &&
	test_grep "no stage named .trian. in .stages.yaml. (did you mean .train.?)" err
'

test_expect_success 'changing a cmd re-runs the stage' '
	cd p && repro run >/dev/null && : >runs.log &&
	sed -i "s/wc -l <model.txt/wc -l < model.txt/" stages.yaml &&
	repro status >out && test_grep "cmd changed" out &&
	repro run >/dev/null && printf "evaluate\n" >expect.runs && test_cmp expect.runs runs.log
'

test_done
