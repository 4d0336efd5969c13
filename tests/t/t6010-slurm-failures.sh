#!/bin/sh
# The slurm executor when things go wrong: a failing job, --keep-going, a
# job Slurm kills, Ctrl-C, and jobs Slurm has already forgotten. After each,
# no job of the run may be left in the queue.
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/services/slurm-test-lib.sh"

# failing_pipeline SLOW_CMD: 'bad' fails, 'after' needs it, 'slow' does not
failing_pipeline() {
	cat >stages.yaml <<-EOF
	stages:
	  bad:
	    cmd:
	      - echo about to fail
	      - exit 3
	      - echo never >bad.txt
	    outs: [bad.txt]
	  after:
	    cmd: cat bad.txt >after.txt
	    deps: [bad.txt]
	    outs: [after.txt]
	  slow:
	    cmd: $1
	    outs: [slow.txt]
	EOF
}

# bg_repro OUT ERR ARGS...: starts repro ARGS in the background (its pid in
# bg_pid); `wait $bg_pid` then gives its exit status
bg_repro() {
	_o=$1 _e=$2
	shift 2
	repro "$@" >"$_o" 2>"$_e" &
	bg_pid=$!
}

test_expect_success 'setup' '
	mkdir p && cd p && repro init >/dev/null &&
	printf "[slurm]\n\tpoll-ms = 200\n" >>.repro/config
'

test_expect_success 'a failing job stops its dependents, reports Slurm state and cancels the rest' '
	cd p && failing_pipeline "touch slow.started && sleep 60 && echo ok >slow.txt" &&
	test_expect_code 1 repro run --executor slurm -j 4 >out 2>err &&
	id=$(slurm_job_id bad) &&
	test_grep "^repro: error: stage .bad. failed: slurm job $id ended FAILED: .exit 3. exited with status 3 (log: .repro/logs/bad.log)$" err &&
	test_grep "^not running .after.: it depends on .bad., which failed$" out &&
	test_grep "^\[slow\] slurm: cancelling job $(slurm_job_id slow)$" out &&
	test_grep "^cancelled .slow.: another stage failed$" out &&
	test_grep "^0 ran, 0 restored, 0 up to date, 1 failed, 1 blocked, 1 cancelled$" out &&
	test_grep "about to fail" .repro/logs/bad.log &&
	test "$(squeue -h -t all -j "$(slurm_job_id slow)" -o %T)" = CANCELLED &&
	slurm_queue >queue && test_cmp /dev/null queue &&
	test ! -e stages.lock
'

test_expect_success '--keep-going runs what does not depend on the failure' '
	cd p && failing_pipeline "echo ok >slow.txt" &&
	test_expect_code 1 repro run --executor slurm -j 4 --keep-going >out 2>err &&
	test_grep "stage .bad. failed: slurm job [0-9]* ended FAILED" err &&
	test_grep "^\[slow\] slurm: job [0-9]* COMPLETED$" out &&
	test_grep "^1 ran, 0 restored, 0 up to date, 1 failed, 1 blocked$" out &&
	test_grep "^  slow:$" stages.lock && ! grep "^  bad:" stages.lock &&
	test "$(cat slow.txt)" = ok &&
	slurm_queue >queue && test_cmp /dev/null queue
'

test_expect_success 'a job cancelled outside repro is a failed stage with Slurm state' '
	cd p && rm -f victim.started &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  victim:
	    cmd: touch victim.started && sleep 60 && echo >victim.txt
	    outs: [victim.txt]
	EOF
	bg_repro out err run --executor slurm &&
	slurm_wait_for victim RUNNING && id=$(slurm_job_id victim) &&
	scancel "$id" &&
	rc=0 && { wait $bg_pid || rc=$?; } && test $rc = 1 &&
	test_grep "^repro: error: stage .victim. failed: slurm job $id ended CANCELLED (cancelled by scancel or an administrator)" err &&
	test_grep "CANCELLED AT" .repro/logs/victim.log
'

test_expect_success 'a job lost to a node failure is a failed stage with Slurm state' '
	cd p &&
	bg_repro out err run --executor slurm &&
	slurm_wait_for victim RUNNING && id=$(slurm_job_id victim) &&
	scontrol update NodeName=localhost State=DOWN Reason=repro-test &&
	rc=0 && { wait $bg_pid || rc=$?; } && test $rc = 1 &&
	test_grep "^repro: error: stage .victim. failed: slurm job $id ended NODE_FAIL (node failure)" err &&
	{ scontrol update NodeName=localhost State=RESUME 2>/dev/null || :; } &&
	i=0 && until [ "$(sinfo -h -o %T)" = idle ]; do
		i=$((i + 1)) && [ $i -lt 300 ] && sleep 0.1 || return 1
	done
'

test_expect_success 'SIGINT cancels what runs and what is queued, leaving nothing in the queue' '
	cd p && cpus=$(sinfo -h -o %c) &&
	cat >stages.yaml <<-EOF &&
	stages:
	  one:
	    cmd: sleep 60 && echo >one.txt
	    outs: [one.txt]
	  two:
	    cmd: sleep 60 && echo >two.txt
	    outs: [two.txt]
	  wide:
	    cmd: sleep 60 && echo >wide.txt
	    outs: [wide.txt]
	    meta: {slurm: {cpus: $cpus}}
	EOF
	bg_repro out err run --executor slurm -j 4 &&
	slurm_wait_for one RUNNING && slurm_wait_for two RUNNING && slurm_wait_for wide PENDING &&
	kill -INT $bg_pid &&
	rc=0 && { wait $bg_pid || rc=$?; } && test $rc = 130 &&
	test_grep "^interrupted: stopping the running stages$" out &&
	for s in one two wide; do
		test_grep "^interrupted .$s.$" out &&
		test "$(squeue -h -t all -j "$(slurm_job_id $s)" -o %T)" = CANCELLED || return 1
	done &&
	slurm_queue >queue && test_cmp /dev/null queue &&
	! grep "^  one:" stages.lock
'

test_expect_success 'SIGKILL of repro: the next writer cancels the jobs the dead run left' '
	cd p && cpus=$(sinfo -h -o %c) &&
	cat >stages.yaml <<-EOF &&
	stages:
	  k1:
	    cmd: sleep 60 && echo >k1.txt
	    outs: [k1.txt]
	  kwide:
	    cmd: sleep 60 && echo >kwide.txt
	    outs: [kwide.txt]
	    meta: {slurm: {cpus: $cpus}}
	EOF
	bg_repro out err run --executor slurm -j 4 &&
	slurm_wait_for k1 RUNNING && slurm_wait_for kwide PENDING &&
	kill -KILL $bg_pid && { wait $bg_pid || :; } &&
	wide=$(slurm_job_id kwide) &&
	test "$(squeue -h -j "$wide" -o %T)" = PENDING &&
	test "$(cat .repro/slurm-jobs/* | wc -l)" = 2 &&
	repro checkout >out2 2>err2 &&
	test_grep "died holding the project lock" err2 &&
	test_grep "^repro: cancelled 2 Slurm jobs the dead run left (scancel)$" err2 &&
	test "$(squeue -h -t all -j "$wide" -o %T)" = CANCELLED &&
	i=0 && while [ -n "$(slurm_queue)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	slurm_queue >queue && test_cmp /dev/null queue &&
	! ls .repro/slurm-jobs/* 2>/dev/null
'

test_expect_success 'a run that ends normally leaves no list of its jobs behind' '
	cd p && printf "stages:\n  quick:\n    cmd: echo >quick.txt\n    outs: [quick.txt]\n" >stages.yaml &&
	repro run --executor slurm >out 2>err &&
	test -f quick.txt && ! ls .repro/slurm-jobs/* 2>/dev/null
'

# squeue as it answers once MinJobAge has passed: finished jobs are
# forgotten; and no accounting, so sacct cannot tell either.
test_expect_success 'setup: squeue that forgets finished jobs at once' '
	mkdir forgetful &&
	real=$(command -v squeue) &&
	cat >forgetful/squeue <<-EOF &&
	#!/bin/sh
	out=\$("$real" "\$@") || exit \$?
	printf "%s\\n" "\$out" | grep -e "|COMPLETED|" -e "|FAILED|" -e "|CANCELLED|" >>"$TRASH/forgot"
	printf "%s\\n" "\$out" | grep -v -e "|COMPLETED|" -e "|FAILED|" -e "|CANCELLED|"
	exit 0
	EOF
	printf "#!/bin/sh\necho \"sacct: error: Slurm accounting storage is disabled\" >&2\nexit 1\n" >forgetful/sacct &&
	chmod +x forgetful/squeue forgetful/sacct
'

test_expect_success 'jobs Slurm forgot are settled by the status files their scripts wrote' '
	cd p && failing_pipeline "echo forgotten >slow.txt" &&
	sed -i "s/exit 3/exit 4/" stages.yaml &&
	test_expect_code 1 env PATH="$TRASH/forgetful:$PATH" repro run --executor slurm -k -j 4 >out 2>err &&
	test "$(cat slow.txt)" = forgotten &&
	test_grep "^$(slurm_job_id bad)|FAILED|" "$TRASH/forgot" &&
	test_grep "^$(slurm_job_id slow)|COMPLETED|" "$TRASH/forgot" &&
	test_grep "stage .bad. failed: slurm job [0-9]* ended FAILED: .exit 4. exited with status 4" err &&
	test_grep "^\[slow\] slurm: job [0-9]* COMPLETED$" out &&
	test_grep "^1 ran, 0 restored, 0 up to date, 1 failed, 1 blocked$" out &&
	slurm_queue >queue && test_cmp /dev/null queue
'

test_done
