#!/bin/sh
# Ctrl-C: running commands are stopped, the lock keeps exactly the stages
# that finished, and the next run converges.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'SIGINT stops the running stage and keeps finished ones' '
	mkdir p && cd p && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  quick:
	    cmd: echo q >q.txt
	    outs: [q.txt]
	  slow:
	    cmd: echo $$ >slow.pid && sleep 60 && echo s >s.txt
	    deps: [q.txt]
	    outs: [s.txt]
	EOF
	{ repro run >out 2>&1 & pid=$!; } &&
	while [ ! -s slow.pid ]; do sleep 0.05; done &&
	code=0 && kill -INT $pid && { wait $pid || code=$?; } &&
	test "$code" = 130 &&
	test_grep "interrupted: stopping the running stages" out &&
	! kill -0 "$(cat slow.pid)" 2>/dev/null &&
	test_grep "^  quick:" stages.lock && ! grep -q "^  slow:" stages.lock
'

test_expect_success 'the next run runs only the interrupted stage' '
	cd p && sed -i "s/sleep 60/true/" stages.yaml &&
	repro run >out && test_grep "is up to date" out && test_grep "running .slow." out &&
	test "$(cat s.txt)" = s
'

test_done
