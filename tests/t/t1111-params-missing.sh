#!/bin/sh
# A declared param that does not exist, or a params file that does not
# exist, fails its stage (exit 1) with the place it is declared, as in DVC;
# nothing is written to the lock or the run cache.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'a missing key of params.yaml fails the stage' '
	mkdir key && cd key && repro init >/dev/null &&
	echo "other: 1" >params.yaml &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  s:
	    cmd: echo ran >>runs.log && echo hi >o
	    params: [other, nokey]
	    outs: [o]
	  after:
	    cmd: cp o o2
	    deps: [o]
	    outs: [o2]
	EOF
	test_expect_code 1 repro run >out 2>err &&
	echo "stages.yaml:4:21: error: param '"'"'nokey'"'"' of stage '"'"'s'"'"' is not in '"'"'params.yaml'"'"'" >expect &&
	test_cmp expect err &&
	test_grep "not running .after.: it depends on .s., which failed" out &&
	test ! -f runs.log && test ! -f stages.lock &&
	test -z "$(ls .repro/runs 2>/dev/null)"
'

test_expect_success 'status names the missing key and its file' '
	cd key && repro status >out &&
	test_grep "^    missing param .nokey. in .params.yaml.$" out
'

test_expect_success 'it keeps failing until the key exists, then runs once' '
	cd key && test_expect_code 1 repro run >out 2>&1 &&
	test_must_fail grep "from the run cache" out &&
	echo "nokey: 2" >>params.yaml && repro run >out &&
	test_grep "running .s." out && test_grep "nokey: 2" stages.lock &&
	repro run >out && test_grep "nothing to do" out
'

test_expect_success 'no params.yaml at all: the file is named once' '
	mkdir nofile && cd nofile && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  s:
	    cmd: echo hi >o
	    params: [a, b]
	    outs: [o]
	EOF
	test_expect_code 1 repro run 2>err >/dev/null &&
	echo "stages.yaml:4:14: error: params file '"'"'params.yaml'"'"' of stage '"'"'s'"'"' does not exist" >expect &&
	test_cmp expect err && test ! -f stages.lock
'

test_expect_success 'missing whole-file and {file: [keys]} params files' '
	mkdir other && cd other && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  s:
	    cmd: echo hi >o
	    params:
	      - f.yaml: ~
	      - g.json: [x]
	    outs: [o]
	EOF
	test_expect_code 1 repro run 2>err >/dev/null &&
	cat >expect <<-\EOF &&
	stages.yaml:5:9: error: params file '"'"'f.yaml'"'"' of stage '"'"'s'"'"' does not exist
	stages.yaml:6:18: error: params file '"'"'g.json'"'"' of stage '"'"'s'"'"' does not exist
	EOF
	test_cmp expect err &&
	repro status >out &&
	test_grep "^    missing params file .f.yaml.$" out &&
	test_grep "^    missing param .x. in .g.json.$" out &&
	echo "{\"y\": 1}" >g.json && echo "a: 1" >f.yaml &&
	test_expect_code 1 repro run 2>err >/dev/null &&
	echo "stages.yaml:6:18: error: param '"'"'x'"'"' of stage '"'"'s'"'"' is not in '"'"'g.json'"'"'" >expect &&
	test_cmp expect err &&
	echo "{\"x\": 1}" >g.json && repro run >/dev/null &&
	test_grep "x: 1" stages.lock && test_must_fail grep "{}" stages.lock
'

test_expect_success '--dry reports the missing param too' '
	cd key && sed -i "/nokey/d" params.yaml &&
	test_expect_code 1 repro run --dry 2>err >/dev/null &&
	test_grep "param .nokey. of stage .s. is not in .params.yaml." err
'

test_expect_success 'status --json: subject is the key, detail the file' '
	cd key && repro status --json >out &&
	test_grep "\"change\":	\"param_missing\"" out &&
	test_grep "\"subject\":	\"nokey\"" out &&
	test_grep "\"detail\":	\"params.yaml\"" out
'

test_done
