#!/bin/sh
# On a terminal (stdout and stderr both ttys, TERM not dumb, REPRO_PROGRESS
# not 0: src/util/progress.c), run keeps a status line of stages done,
# running and left; anywhere else only the ordinary lines are printed.
. "$(dirname "$0")/../test-lib.sh"

command -v script >/dev/null 2>&1 || skip_all "script(1) (util-linux) is needed for a pty"

# Runs "repro $*" on a pseudo-terminal, its output (both streams) in tty.out.
on_tty() {
	TERM=xterm script -qec "repro $*" /dev/null </dev/null >tty.out
}

test_expect_success 'setup: two stages, one after the other' '
	mkdir p && cd p && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF
	stages:
	  a:
	    cmd: echo a >a.txt
	    outs: [a.txt]
	  b:
	    cmd: cat a.txt >b.txt
	    deps: [a.txt]
	    outs: [b.txt]
	EOF
'

test_expect_success 'on a terminal the status line counts done, running and left' '
	cd p && on_tty run &&
	tr "\r" "\n" <tty.out | sed "s/\x1b\[K//g" >lines &&
	test_grep "^stages: 0 done, 0 running, 2 left$" lines &&
	test_grep "^stages: 0 done, 1 running, 1 left$" lines &&
	test_grep "^stages: 1 done, 1 running, 0 left$" lines &&
	test_grep "^stages: 2 done, 0 running, 0 left$" lines &&
	test_grep "^running .a.: echo a >a.txt$" lines &&
	test_grep "^2 ran, 0 restored, 0 up to date$" lines
'

test_expect_success 'the status line is erased before each ordinary line and at the end' '
	cd p && rm a.txt b.txt && on_tty run --force &&
	test_grep "$(printf "\r\033\\[Krunning")" tty.out &&
	test "$(tail -c 4 tty.out | od -An -c | tr -d " ")" = "\r033[K"
'

test_expect_success 'REPRO_PROGRESS=0 and TERM=dumb turn it off on a terminal too' '
	cd p && TERM=xterm REPRO_PROGRESS=0 script -qec "repro run --force" /dev/null </dev/null >tty.out &&
	test_must_fail grep "stages:" tty.out && test_grep "2 ran" tty.out &&
	TERM=dumb script -qec "repro run --force" /dev/null </dev/null >tty.out &&
	test_must_fail grep "stages:" tty.out
'

test_expect_success 'without a terminal there is no status line' '
	cd p && repro run --force >out 2>err &&
	test_must_fail grep "stages:" out && test ! -s err &&
	printf "running '"'"'a'"'"': echo a >a.txt\nrunning '"'"'b'"'"': cat a.txt >b.txt\n2 ran, 0 restored, 0 up to date\n" >expect &&
	test_cmp expect out
'

test_done
