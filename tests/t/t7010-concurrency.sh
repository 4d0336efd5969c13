#!/bin/sh
# Several repro processes on one project: writers take the project lock and
# wait for each other (or fail at once with --no-wait, naming the holder);
# read-only commands never wait; a lock whose holder was SIGKILLed is taken
# over and the holder's stages stopped; nothing ends up corrupt. A stage that
# blocks on a fifo holds a run open for as long as a test needs it.
. "$(dirname "$0")/../test-lib.sh"
CHECK="perl $SRCDIR/tests/crash/check.pl"
export CRASH_NOCACHE=m.json # the cache: false metric: git keeps it

# wait_for FILE [PATTERN]: until FILE exists (and holds PATTERN); a
# handshake, not a timing assumption (gives up after 60 s).
wait_for() {
	_n=0
	until [ -e "$1" ] && { [ -z "${2:-}" ] || grep -q "$2" "$1"; }; do
		_n=$((_n + 1)) && [ $_n -lt 6000 ] || { echo "wait_for: no '$1' ${2:-}" >&2; return 1; }
		sleep 0.01
	done
}

# holder: starts `repro run` in the background whose stage 'held' blocks
# until `release` (the fifo gets a writer); sets held_pid.
holder() {
	rm -f started && touch hold && { repro run >run.out 2>&1 & held_pid=$!; } &&
	wait_for started
}
release() {
	rm hold && echo go >gate && wait $held_pid
}

# running PID: the process exists and is not a zombie (a killed orphan is
# a zombie until whoever adopted it reaps it)
running() {
	[ -r /proc/$1/stat ] && ! grep -q ") [ZX] " /proc/$1/stat
}

test_expect_success 'setup: a pipeline whose first stage can be held open' '
	mkdir p && cd p && repro init >/dev/null && mkfifo gate &&
	printf "n: 1\n" >params.yaml &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  held:
	    cmd: echo $$ >stage.pid && touch started && if [ -e hold ]; then cat gate >/dev/null; fi && echo ${n} >held.txt
	    params: [n]
	    outs: [held.txt]
	  next:
	    cmd: mkdir -p dir && for i in 1 2 3 4 5; do cat held.txt >dir/f$i; done && cat held.txt held.txt >next.txt
	    deps: [held.txt]
	    outs: [next.txt, dir]
	    metrics:
	      - m.json: {cache: false}
	EOF
	sed -i "s|cat held.txt held.txt >next.txt|cat held.txt held.txt >next.txt \&\& echo {} >m.json|" stages.yaml &&
	rm -f hold && repro run >/dev/null && $CHECK .
'

test_expect_success 'read-only commands run while a run holds the lock' '
	cd p && printf "n: 2\n" >params.yaml && holder &&
	timeout 60 repro status >status.out; code=$? &&
	test $code = 0 && test_grep "^held:" status.out &&
	timeout 60 repro dag >dag.out && test_grep held dag.out &&
	timeout 60 repro metrics show >metrics.out &&
	{ timeout 60 repro status >s1 & a=$!; timeout 60 repro status >s2 & b=$!; wait $a && wait $b; } &&
	test_cmp s1 s2 &&
	kill -0 $held_pid && release && test_grep "^2 ran" run.out
'

test_expect_success 'a second writer waits for the holder, saying whom for, then runs' '
	cd p && printf "n: 3\n" >params.yaml && holder &&
	{ repro run >second.out 2>&1 & second=$!; } &&
	wait_for second.out "waiting for repro (pid $held_pid: run) to finish" &&
	kill -0 $second && release && wait $second &&
	test_grep "^2 ran" run.out && test_grep "^nothing to do: every stage is up to date" second.out &&
	test "$(cat held.txt)" = 3 && $CHECK .
'

test_expect_success '--no-wait and core.lockwait = 0 fail at once, naming the holder' '
	cd p && printf "n: 4\n" >params.yaml && holder &&
	echo "repro: error: the project is locked by repro (pid $held_pid: run); try again when it has finished" >expect &&
	test_expect_code 2 repro --no-wait gc 2>err && test_cmp expect err &&
	test_expect_code 2 repro --no-wait commit 2>err && test_cmp expect err &&
	repro remote add -d store ../store >/dev/null && git config -f .repro/config core.lockwait 0 &&
	test_expect_code 2 repro push 2>err && test_cmp expect err &&
	git config -f .repro/config --unset core.lockwait &&
	test_expect_code 2 repro --wait 1 checkout 2>err &&
	test_grep "still locked by repro (pid $held_pid: run) after 1 s" err &&
	release && test_grep "^2 ran" run.out && $CHECK .
'

test_expect_success 'a stage running repro on its own project fails at once instead of waiting forever' '
	mkdir r && cd r && repro init >/dev/null &&
	printf "stages:\n  inner:\n    cmd: repro gc\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>&1 &&
	test_grep "the project is locked by repro (pid [0-9]*: run), which started this command" out
'

test_expect_success 'a bad --wait or core.lockwait is a usage error' '
	cd p && test_expect_code 2 repro --wait soon run 2>err &&
	test_grep "wait takes a number of seconds" err &&
	git config -f .repro/config core.lockwait later &&
	test_expect_code 2 repro run 2>err && test_grep "core.lockwait" err &&
	git config -f .repro/config --unset core.lockwait
'

test_expect_success 'the lock of a SIGKILLed holder is taken over and its stage stopped' '
	cd p && printf "n: 5\n" >params.yaml && holder &&
	test_grep "^pid $held_pid: run" .repro/lock && stage=$(cat stage.pid) &&
	kill -9 $held_pid && { wait $held_pid || :; } && running $stage &&
	rm hold && repro run >out 2>err &&
	test_grep "repro (pid $held_pid: run) died holding the project lock; taking it over (stopped 2 of its commands still running)" err &&
	! running $stage && test "$(cat held.txt)" = 5 &&
	test ! -s .repro/lock && repro status >out && test_grep "up to date" out && $CHECK .
'

test_expect_success 'a cleanly finished holder leaves no takeover behind' '
	cd p && repro run >out 2>err && test ! -s err && test ! -s .repro/lock
'

test_expect_success 'run and gc at once: gc waits, keeps what the run recorded' '
	cd p && printf "n: 6\n" >params.yaml && holder &&
	{ repro gc >gc.out 2>&1 & g=$!; } && wait_for gc.out "waiting for repro (pid $held_pid: run)" &&
	release && wait $g && repro status >out && test_grep "every stage is up to date" out &&
	rm -rf dir next.txt held.txt && repro checkout >/dev/null && test "$(cat held.txt)" = 6 && $CHECK .
'

test_expect_success 'pull and gc at once, over and over: no corruption, the outputs arrive' '
	(cd p && repro push >/dev/null) && mkdir q && (cd q && repro init >/dev/null) &&
	cp p/stages.yaml p/params.yaml p/stages.lock p/m.json q/ && cp p/.repro/config q/.repro/ &&
	cd q && mkfifo gate &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rm -rf .repro/cache held.txt next.txt dir &&
		{ repro pull >pull.out 2>&1 & a=$!; repro gc >gc.out 2>&1 & b=$!; } &&
		wait $a && wait $b && $CHECK . ../store &&
		test "$(cat held.txt)" = 6 && test_cmp ../p/next.txt next.txt || return 1
	done
'

test_expect_success 'eight runs at once: one runs the stages, the others wait and find them done' '
	cd p && printf "n: 7\n" >params.yaml && pids= &&
	for i in 1 2 3 4 5 6 7 8; do repro run >run$i.out 2>&1 & pids="$pids $!"; done &&
	for pid in $pids; do wait $pid || return 1; done &&
	test $(cat run?.out | grep -c "^2 ran") = 1 &&
	test $(cat run?.out | grep -c "^nothing to do: every stage is up to date") = 7 &&
	test "$(cat held.txt)" = 7 && test "$(cat dir/f3)" = 7 && $CHECK . &&
	repro status >out && test_grep "every stage is up to date" out
'

test_expect_success 'status reads the old or the new lock while runs rewrite it, never a torn one' '
	cd p && {
		(for i in $(seq 10 40); do
			# params.yaml replaced atomically too: status reads it as well
			printf "n: $i\n" >params.new && mv params.new params.yaml &&
			repro run >/dev/null 2>&1 || exit 1
		done; touch runs.done) &
		loop=$!
	} && n=0 &&
	while [ ! -e runs.done ]; do
		repro status >st.out 2>st.err; code=$? &&
		{ [ $code = 0 ] || [ $code = 1 ]; } && ! grep -q . st.err || { cat st.out st.err; return 1; }
		n=$((n + 1))
	done &&
	wait $loop && rm runs.done && echo "# $n status runs during 31 lock rewrites" && test $n -gt 0 && $CHECK .
'

test_done
