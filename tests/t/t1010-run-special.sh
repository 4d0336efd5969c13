#!/bin/sh
# frozen, always_changed, foreach/matrix, failures and --keep-going, logs.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'frozen never runs; always_changed always runs' '
	mkdir p && cd p && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  frozen:
	    cmd: echo frozen >>runs.log && echo f >f.txt
	    outs: [f.txt]
	    frozen: true
	  always:
	    cmd: echo always >>runs.log && date +%s%N >a.txt
	    outs: [a.txt]
	    always_changed: true
	EOF
	repro run >out &&
	test_grep "^.frozen. is frozen: not running it" out &&
	test ! -f f.txt &&
	repro run >/dev/null &&
	printf "always\nalways\n" >expect && test_cmp expect runs.log
'

test_expect_success 'foreach and matrix expand into named stages' '
	mkdir fe && cd fe && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  build:
	    foreach: [x, y]
	    do:
	      cmd: echo ${item} >${item}.txt
	      outs:
	        - ${item}.txt
	  grid:
	    matrix:
	      n: [1, 2]
	      m: [a]
	    cmd: echo ${item.n}${item.m} >g-${item.n}-${item.m}.txt
	    outs:
	      - g-${item.n}-${item.m}.txt
	EOF
	repro run >out &&
	test_grep "running .build@x." out && test_grep "running .build@y." out &&
	test_grep "running .grid@1-a." out && test_grep "running .grid@2-a." out &&
	test "$(cat y.txt)" = y && test "$(cat g-2-a.txt)" = 2a &&
	: >runs.log && repro run build >out && test_grep "build@x. is up to date" out
'

test_expect_success 'a failing stage exits 1 and its dependents do not run' '
	mkdir fail && cd fail && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  bad:
	    cmd: echo oops && exit 3
	    outs: [bad.txt]
	  after:
	    cmd: echo after >>runs.log && cp bad.txt after.txt
	    deps: [bad.txt]
	    outs: [after.txt]
	  other:
	    cmd: echo other >>runs.log && echo o >other.txt
	    outs: [other.txt]
	EOF
	test_expect_code 1 repro run -j1 >out 2>err &&
	test_grep "^\[bad\] oops" out &&
	test_grep "stage .bad. failed: .echo oops && exit 3. exited with status 3 (log: .repro/logs/bad.log)" err &&
	test_grep "not running .after.: it depends on .bad., which failed" out &&
	test ! -f runs.log &&
	test_grep "oops" .repro/logs/bad.log &&
	! grep -q "bad:" stages.lock 2>/dev/null
'

test_expect_success '--keep-going runs what does not depend on the failure' '
	cd fail &&
	test_expect_code 1 repro run -j1 --keep-going >out 2>err &&
	printf "other\n" >expect && test_cmp expect runs.log &&
	test_grep "1 ran, 0 restored, 0 up to date, 1 failed, 1 blocked" out
'

test_expect_success 'a stage that does not produce its out fails' '
	mkdir noout && cd noout && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: \"true\"\n    outs: [never.txt]\n" >stages.yaml &&
	test_expect_code 1 repro run 2>err &&
	test_grep "stage .a. did not produce its out .never.txt." err
'

test_expect_success 'a missing dep is named' '
	mkdir nodep && cd nodep && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: cat in.txt >o.txt\n    deps: [in.txt]\n    outs: [o.txt]\n" >stages.yaml &&
	test_expect_code 1 repro run 2>err &&
	test_grep "dep .in.txt. of stage .a. does not exist" err
'

test_expect_success 'independent stages run in parallel with -j2' '
	mkdir par && cd par && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  left:
	    cmd: touch left.started && while [ ! -f right.started ]; do sleep 0.05; done && echo l >l.txt
	    outs: [l.txt]
	  right:
	    cmd: touch right.started && while [ ! -f left.started ]; do sleep 0.05; done && echo r >r.txt
	    outs: [r.txt]
	EOF
	timeout 20 repro run -j2 >out && test -f l.txt && test -f r.txt
'

test_expect_success 'a stages file given with -f, and its own lock' '
	mkdir dvc && cd dvc && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: echo hi >hi.txt\n    outs: [hi.txt]\n" >dvc.yaml &&
	repro run -f dvc.yaml >/dev/null && test -f dvc.repro.lock && test ! -f dvc.lock && test ! -f stages.lock &&
	repro run -f dvc.yaml >out && test_grep "nothing to do" out
'

test_expect_success 'stages run in wdir; repro builtin in a cmd is this repro' '
	mkdir wd && cd wd && repro init >/dev/null && mkdir sub &&
	printf "stages:\n  a:\n    cmd: pwd >where.txt && repro version >v.txt\n    wdir: sub\n    outs: [where.txt, v.txt]\n" >stages.yaml &&
	PATH=/usr/bin:/bin "$BUILD/repro" run >/dev/null &&
	case "$(cat sub/where.txt)" in */wd/sub) ;; *) false ;; esac &&
	test_grep "^repro " sub/v.txt
'

test_expect_success 'the log stamps each line once: lines already stamped keep their stamp' '
	mkdir logs && cd logs && repro init >/dev/null &&
	cat >talk.sh <<-\EOF &&
	echo plain
	echo "2001-02-03T04:05:06Z INFO talk: stamped" >&2
	echo "2001-02-03T04:05:06.5+00:00 x"
	echo "2001-02-03 not a stamp"
	echo ok >t.txt
	EOF
	printf "stages:\n  talk:\n    cmd: sh talk.sh\n    deps: [talk.sh]\n    outs: [t.txt]\n" >stages.yaml &&
	repro run >out &&
	test_grep "^\[talk\] 2001-02-03T04:05:06Z INFO talk: stamped$" out &&
	sed -e "/^2001-/!s/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z /STAMP /" \
		.repro/logs/talk.log | sort >actual &&
	sort >expect <<-\EOF &&
	STAMP plain
	2001-02-03T04:05:06Z INFO talk: stamped
	2001-02-03T04:05:06.5+00:00 x
	STAMP 2001-02-03 not a stamp
	EOF
	test_cmp expect actual
'

test_done
