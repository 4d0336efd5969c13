#!/bin/sh
# stages.yaml mistakes that used to pass silently or be misreported: each
# one error with FILE:LINE:COL saying what is wrong.
. "$(dirname "$0")/../test-lib.sh"

q="'"

test_expect_success 'setup' '
	mkdir p && cd p && repro init >/dev/null
'

test_expect_success 'foreach nested inside do: said once, no self-suggestion' '
	cd p && cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    foreach: [1, 2]
	    do: {cmd: x, foreach: [3]}
	EOF
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:4:18: error: ${q}foreach${q} cannot be nested inside ${q}do${q} of stage ${q}train${q}; foreach and matrix expand one level only" >expect &&
	test_cmp expect err
'

test_expect_success 'matrix nested inside do, likewise' '
	cd p && cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    foreach: [1]
	    do:
	      cmd: x
	      matrix: {lr: [1, 2]}
	EOF
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:6:7: error: ${q}matrix${q} cannot be nested inside ${q}do${q} of stage ${q}train${q}; foreach and matrix expand one level only" >expect &&
	test_cmp expect err
'

test_expect_success 'vars inside do is sent beside foreach' '
	cd p && printf "stages:\n  t:\n    foreach: [1]\n    do: {cmd: x, vars: [{a: 1}]}\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:4:18: error: ${q}vars${q} cannot be inside ${q}do${q} of stage ${q}t${q}; put it beside ${q}foreach${q}" >expect &&
	test_cmp expect err
'

test_expect_success 'a typo inside do is not steered to foreach; beside cmd it is' '
	cd p && printf "stages:\n  t:\n    foreach: [1]\n    do: {cmd: x, foreahc: 1}\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:4:18: error: unknown key ${q}foreahc${q} in the definition of stage ${q}t@1${q}" >expect &&
	test_cmp expect err &&
	printf "stages:\n  t:\n    cmd: x\n    foreahc: [1]\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err && test_grep "did you mean .foreach.?" err
'

test_expect_success 'a misspelt group name is suggested; the group name runs the group' '
	cd p && cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    foreach: [0.1, 0.2]
	    do: {cmd: "echo ${item} >>runs.log"}
	  other: {cmd: "echo other >>runs.log"}
	EOF
	test_expect_code 2 repro run trian 2>err &&
	echo "repro: error: no stage named ${q}trian${q} in ${q}stages.yaml${q} (did you mean ${q}train${q}?)" >expect &&
	test_cmp expect err && test ! -e runs.log &&
	test_expect_code 2 repro status trainn 2>err && test_grep "did you mean .train.?" err &&
	repro run train >out &&
	printf "0.1\n0.2\n" >expect && sort runs.log >actual && test_cmp expect actual &&
	test_grep "^2 ran" out
'

test_expect_success 'a missing vars file: the stages file location, then what is wrong' '
	cd p && printf "vars: [nofile.yaml]\nstages:\n  a: {cmd: x}\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:1:8: error: vars file ${q}nofile.yaml${q} does not exist" >expect &&
	test_cmp expect err &&
	printf "stages:\n  a:\n    cmd: x\n    vars: [sub/nope.json:k]\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:4:12: error: vars file ${q}sub/nope.json${q} does not exist" >expect &&
	test_cmp expect err
'

test_expect_success 'a vars entry that is no file name nor mapping' '
	cd p && printf "vars: [5]\nstages:\n  a: {cmd: x}\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:1:8: error: a ${q}vars${q} entry must be a file name or a mapping, not a number" >expect &&
	test_cmp expect err &&
	printf "vars:\n  - true\nstages:\n  a: {cmd: x}\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err && test_grep "^stages.yaml:2:5: error: .*not a boolean$" err &&
	printf "vars:\n  - [a]\nstages:\n  a: {cmd: x}\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err && test_grep "^stages.yaml:2:5: error: .*not a list$" err
'

test_expect_success 'an empty params entry is an error' '
	cd p && printf "stages:\n  a:\n    cmd: x\n    params: [{}]\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:4:14: error: an empty ${q}params${q} entry in stage ${q}a${q}; name a key of params.yaml or {file: [keys]}" >expect &&
	test_cmp expect err &&
	printf "stages:\n  a:\n    cmd: x\n    params:\n      - lr\n      -\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err && test_grep "^stages.yaml:6:8: error: an empty" err
'

test_expect_success 'a second YAML document is an error, not ignored' '
	cd p && printf "stages:\n  a: {cmd: x}\n---\nstages:\n  b: {cmd: y}\n" >stages.yaml &&
	test_expect_code 2 repro run 2>err &&
	echo "stages.yaml:3:1: error: a second YAML document starts here; the file must hold one document" >expect &&
	test_cmp expect err &&
	printf -- "---\nstages:\n  a: {cmd: echo a}\n...\n" >stages.yaml && repro status >/dev/null
'

test_expect_success 'a second document in params.yaml too' '
	cd p && printf "stages:\n  a: {cmd: x, params: [lr]}\n" >stages.yaml &&
	printf "lr: 1\n---\nlr: 2\n" >params.yaml &&
	test_expect_code 2 repro status 2>err && test_grep "^params.yaml:2:1: error: a second YAML document" err &&
	rm params.yaml
'

test_expect_success 'an empty stages file and "stages:" alone both mean no stages' '
	cd p && : >stages.yaml && repro run >out &&
	echo "nothing to do: no stages in ${q}stages.yaml${q}" >expect && test_cmp expect out &&
	echo "stages:" >stages.yaml && repro run >out && test_cmp expect out &&
	echo "stages: {}" >stages.yaml && repro run >out && test_cmp expect out &&
	echo "stages: []" >stages.yaml && test_expect_code 2 repro run 2>err &&
	test_grep "must be a mapping" err
'

test_done
