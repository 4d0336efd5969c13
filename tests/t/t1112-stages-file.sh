#!/bin/sh
# -f FILE: relative to the current directory (or absolute), paths inside it
# relative to its own directory, as `dvc repro sub/dvc.yaml` does; its lock
# beside it, and never DVC's dvc.lock.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup: a project with a dvc.yaml in a subdirectory' '
	mkdir p && cd p && repro init >/dev/null &&
	mkdir sub && echo in >sub/in &&
	cat >sub/dvc.yaml <<-\EOF
	stages:
	  copy:
	    cmd: cp in out && pwd >where
	    deps: [in]
	    outs: [out]
	EOF
'

test_expect_success 'run -f from the subdirectory: paths relative to the file' '
	cd p/sub && repro run -f dvc.yaml >out.log &&
	test_grep "running .copy." out.log &&
	test "$(cat out)" = in && test "$(cat where)" = "$TRASH/p/sub" &&
	test -f dvc.repro.lock && test ! -f dvc.lock && test ! -f ../stages.lock &&
	test_grep "^    - path: in$" dvc.repro.lock && test_must_fail grep wdir dvc.repro.lock
'

test_expect_success 'status -f with a relative and with an absolute path' '
	cd p/sub && repro status -f dvc.yaml >out.log &&
	echo "every stage is up to date" >expect && test_cmp expect out.log &&
	repro status -f "$PWD/dvc.yaml" >out.log && test_cmp expect out.log &&
	cd .. && repro status -f sub/dvc.yaml >out.log && test_cmp sub/expect out.log &&
	repro status -f "$TRASH/p/sub/dvc.yaml" >out.log && test_cmp sub/expect out.log
'

test_expect_success 'run -f with an absolute path from elsewhere in the project' '
	cd p && mkdir -p other && cd other &&
	repro run -f "$TRASH/p/sub/dvc.yaml" >out.log &&
	test_grep "nothing to do" out.log &&
	repro run -f ../sub/dvc.yaml >out.log && test_grep "nothing to do" out.log
'

test_expect_success 'dag -f from the subdirectory' '
	cd p/sub && repro dag -f dvc.yaml >out.log &&
	echo copy >expect && test_cmp expect out.log
'

test_expect_success 'checkout -f and commit -f from the subdirectory' '
	cd p/sub && rm out && repro checkout -f dvc.yaml >out.log &&
	test "$(cat out)" = in &&
	echo edited >out && repro commit -f dvc.yaml >out.log &&
	test_grep "^committed .copy.$" out.log &&
	repro status -f dvc.yaml >out.log && test_grep "every stage is up to date" out.log
'

test_expect_success 'push -f, fetch -f, pull -f and status --cloud -f from the subdirectory' '
	cd p && repro remote add -d store ../store >/dev/null && cd sub &&
	repro push -f dvc.yaml >out.log &&
	repro status --cloud -f dvc.yaml >out.log &&
	rm -rf ../.repro/cache && rm out &&
	repro fetch -f dvc.yaml >/dev/null && repro pull -f dvc.yaml >/dev/null &&
	test "$(cat out)" = edited
'

test_expect_success 'gc -f keeps what the file in the subdirectory locks' '
	cd p/sub && repro gc -f dvc.yaml >/dev/null &&
	rm out && repro checkout -f dvc.yaml >/dev/null && test "$(cat out)" = edited
'

test_expect_success '-f naming a file outside the project is an error' '
	cd p/sub && test_expect_code 2 repro run -f ../../x.yaml 2>err &&
	test_grep "is outside the project" err &&
	test_expect_code 2 repro status -f nothere.yaml 2>err &&
	test_grep "cannot find .sub/nothere.yaml." err
'

test_expect_success 'a wdir in such a file is relative to it, in the lock too' '
	mkdir w && cd w && repro init >/dev/null && mkdir -p sub/w &&
	cat >sub/pipe.yaml <<-\EOF &&
	stages:
	  a: {cmd: pwd >o, wdir: w, outs: [o]}
	  b: {cmd: pwd >o2, wdir: .., outs: [o2]}
	EOF
	cd sub && repro run -f pipe.yaml >/dev/null &&
	test "$(cat w/o)" = "$TRASH/w/sub/w" && test "$(cat ../o2)" = "$TRASH/w" &&
	test_grep "^    wdir: w$" pipe.lock && test_grep "^    wdir: ..$" pipe.lock &&
	repro run -f pipe.yaml >out && test_grep "nothing to do" out
'

# A DVC project, as DVC 3 leaves it: dvc.yaml, params.yaml, dvc.lock.
test_expect_success 'setup: a real DVC project with its dvc.lock' '
	mkdir dvc && cd dvc && repro init >/dev/null &&
	echo "a,b" >data.csv && printf "prepare:\n  split: 0.2\n" >params.yaml &&
	cat >dvc.yaml <<-\EOF &&
	stages:
	  prepare:
	    cmd: cp data.csv prepared.csv
	    deps:
	    - data.csv
	    params:
	    - prepare.split
	    outs:
	    - prepared.csv
	EOF
	cat >dvc.lock <<-\EOF
	schema: '"'"'2.0'"'"'
	stages:
	  prepare:
	    cmd: cp data.csv prepared.csv
	    deps:
	    - path: data.csv
	      hash: md5
	      md5: 5c8e4d5d7e1c14e3e0a0d7f1a3ab6e4f
	      size: 4
	    params:
	      params.yaml:
	        prepare.split: 0.2
	    outs:
	    - path: prepared.csv
	      hash: md5
	      md5: 5c8e4d5d7e1c14e3e0a0d7f1a3ab6e4f
	      size: 4
	EOF
'

test_expect_success 'run -f dvc.yaml works beside DVC and leaves dvc.lock alone' '
	cd dvc && cp dvc.lock dvc.lock.orig &&
	repro run -f dvc.yaml >out && test_grep "running .prepare." out &&
	test_cmp dvc.lock.orig dvc.lock &&
	test_grep "^schema: .1.$" dvc.repro.lock &&
	repro run -f dvc.yaml >out && test_grep "nothing to do" out &&
	repro status -f dvc.yaml >out && test_grep "every stage is up to date" out &&
	test_cmp dvc.lock.orig dvc.lock
'

test_expect_success 'a lock that is DVC'"'"'s is named as such' '
	cd dvc && cp dvc.yaml pipe.yaml && cp dvc.lock pipe.lock &&
	test_expect_code 2 repro status -f pipe.yaml 2>err &&
	echo "pipe.lock:1:9: error: '"'"'pipe.lock'"'"' is DVC'"'"'s lock (schema 2.0), not repro'"'"'s (repro'"'"'s lock beside a dvc.yaml is dvc.repro.lock)" >expect &&
	test_cmp expect err &&
	sed "/^schema/d" dvc.lock >pipe.lock &&
	test_expect_code 2 repro status -f pipe.yaml 2>err &&
	test_grep "^pipe.lock:1:1: error: .pipe.lock. is DVC.s lock, not repro.s" err
'

test_expect_success 'a lock from a newer repro still says to upgrade' '
	cd dvc && printf "schema: '"'"'7'"'"'\nstages: {}\n" >pipe.lock &&
	test_expect_code 2 repro status -f pipe.yaml 2>err &&
	test_grep "upgrade repro" err
'

test_done
