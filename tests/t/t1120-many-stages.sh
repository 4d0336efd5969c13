#!/bin/sh
# Pipelines of many stages: a 40 x 25 matrix runs, records every stage in
# the lock (written a few times a second rather than once per stage, and
# always at the end), and is up to date afterwards; lines added to a
# .gitignore come out the same whatever order parallel stages finish in.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'a matrix of 1,000 stages runs, and every one is in the lock' '
	mkdir p && cd p && repro init >/dev/null && mkdir out &&
	a=$(seq -s, 0 39) && b=$(seq -s, 0 24) &&
	cat >stages.yaml <<-EOF &&
	stages:
	  grid:
	    matrix:
	      a: [$a]
	      b: [$b]
	    cmd: echo \${item.a} \${item.b} >out/\${item.a}-\${item.b}.txt
	    outs:
	      - out/\${item.a}-\${item.b}.txt
	  join:
	    cmd: cat out/* | wc -l >n.txt
	    deps: [out]
	    outs: [n.txt]
	EOF
	repro run -j 2 >log &&
	test_grep "^1001 ran, 0 restored, 0 up to date$" log &&
	test "$(grep -c "^  grid@" stages.lock)" = 1000 && test_grep "^  join:$" stages.lock &&
	test "$(cat n.txt)" = 1000 && test "$(cat out/39-24.txt)" = "39 24"
'

test_expect_success '... and the next run finds all of them up to date' '
	cd p && repro run >log && test_grep "nothing to do: every stage is up to date" log &&
	repro status >st && test_grep "every stage is up to date" st
'

test_expect_success 'stages recorded just before a failure are in the lock too' '
	cd p && rm -rf out/* n.txt && printf "stages:\n  a: {cmd: echo a >a.txt, outs: [a.txt]}\n  b: {cmd: echo b >b.txt, outs: [b.txt]}\n  c: {cmd: exit 3, deps: [a.txt, b.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run -j 1 >log 2>&1 &&
	test_grep "^  a:$" stages.lock && test_grep "^  b:$" stages.lock && ! test_grep -q "^  c:$" stages.lock
'

# two stages finishing in either order: the second to start waits for the
# first one's out (a handshake on a file, not a sleep)
order_pipeline() { # FIRST SECOND
	printf "stages:\n  %s: {cmd: echo %s >%s, outs: [%s]}\n  %s: {cmd: \"while [ ! -e %s ]; do sleep 0.01; done; echo %s >%s\", outs: [%s]}\n" \
		"$1" "$1" "$1" "$1" "$2" "$1" "$2" "$2" "$2" >stages.yaml
}

test_expect_success 'a .gitignore gets the same lines whichever stage finishes first' '
	mkdir g1 g2 && (cd g1 && repro init >/dev/null && printf "# mine\n/m\n*.log\n" >.gitignore &&
		order_pipeline zz aa && repro run -j 2 >/dev/null) &&
	(cd g2 && repro init >/dev/null && printf "# mine\n/m\n*.log\n" >.gitignore &&
		order_pipeline aa zz && repro run -j 2 >/dev/null) &&
	test_cmp g1/.gitignore g2/.gitignore &&
	printf "# mine\n/aa\n/m\n*.log\n/zz\n" >expect && test_cmp expect g1/.gitignore
'

test_done
