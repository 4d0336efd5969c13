#!/bin/sh
# repro run --executor slurm against a real one-node cluster: the same lock
# and outputs as a local run, independent stages queued together, nothing
# submitted when up to date, per-stage resources and their validation.
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/services/slurm-test-lib.sh"
# Two stages that wait for each other need two CPUs on the node at once.
[ "$(sinfo -h -o %c)" -ge 2 ] ||
	skip_all "the one-node cluster has $(sinfo -h -o %c) CPU; these tests need 2 (two jobs at once)"

# left and right each wait for the other's marker: they can only both
# finish when both run at the same time (a 30 s wait, then they fail).
write_pipeline() {
	mkdir -p "$1/marks" && printf "alpha\nbeta\n" >"$1/raw.txt" &&
	cat >"$1/stages.yaml" <<-\EOF
	stages:
	  prepare:
	    cmd:
	      - tr a-z A-Z <raw.txt >clean.txt
	      - printf '%s\n' "it's quoted, \$HOME stays" 'a "b" c' >>clean.txt
	    deps: [raw.txt]
	    outs: [clean.txt]
	  left:
	    cmd:
	      - touch marks/left; i=0; while [ ! -e marks/right ]; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ] || exit 9; done
	      - sed "s/^/L /" clean.txt >left.txt
	    deps: [clean.txt]
	    outs: [left.txt]
	  right:
	    cmd:
	      - touch marks/right; i=0; while [ ! -e marks/left ]; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ] || exit 9; done
	      - sed "s/^/R /" clean.txt >right.txt
	    deps: [clean.txt]
	    outs: [right.txt]
	  join:
	    cmd: cat left.txt right.txt >joined.txt && wc -l <joined.txt | tr -d " " >count.txt
	    deps: [left.txt, right.txt]
	    outs: [joined.txt]
	    metrics: [{count.txt: {cache: false}}]
	EOF
}

test_expect_success 'setup: the same 4-stage pipeline in two projects' '
	mkdir local cluster &&
	(cd local && repro init >/dev/null) && (cd cluster && repro init >/dev/null) &&
	write_pipeline local && write_pipeline cluster
'

test_expect_success 'a local run, for reference' '
	cd local && repro run -j 4 >out &&
	test "$(cat count.txt)" = 8
'

test_expect_success 'the slurm run runs every stage as a batch job' '
	cd cluster && before=$(slurm_last_id) &&
	repro run --executor slurm -j 4 >out 2>err &&
	for s in prepare left right join; do
		test_grep "^\[$s\] slurm: job [0-9]* submitted$" out &&
		test_grep "^\[$s\] slurm: job [0-9]* COMPLETED$" out || return 1
	done &&
	test_grep "^4 ran, 0 restored, 0 up to date$" out &&
	test "$(squeue -h -t all -o %i | awk -v b=$before "\$1 > b" | wc -l)" = 4 &&
	test ! -s err
'

test_expect_success 'the slurm run gives the same lock and outputs as the local run' '
	test_cmp local/stages.lock cluster/stages.lock &&
	for f in clean.txt left.txt right.txt joined.txt count.txt; do
		test_cmp local/$f cluster/$f || return 1
	done &&
	test_grep "it'"'"'s quoted, \$HOME stays" cluster/clean.txt &&
	test_grep "a \"b\" c" cluster/clean.txt
'

test_expect_success 'left and right were in the queue, and running, at the same time' '
	cd cluster &&
	test -e marks/left && test -e marks/right &&
	l=$(slurm_job_id left) && r=$(slurm_job_id right) && j=$(slurm_job_id join) &&
	test -n "$l" && test -n "$r" && test "$l" != "$r" &&
	test "$j" -gt "$l" && test "$j" -gt "$r"
'

test_expect_success 'each job ran in the stage directory under its own name, and its output was logged' '
	cd cluster && l=$(slurm_job_id left) &&
	scontrol show job "$l" >job &&
	test_grep "JobName=repro-left" job &&
	test_grep "WorkDir=$TRASH/cluster$" job &&
	test_grep "JobState=COMPLETED" job &&
	test_grep "slurm: job $l COMPLETED" .repro/logs/left.log &&
	test -z "$(ls .repro/tmp/slurm)"
'

test_expect_success 'a second run submits nothing' '
	cd cluster && before=$(slurm_last_id) &&
	repro run --executor slurm >out &&
	cat >expect <<-\EOF &&
	'"'"'prepare'"'"' is up to date
	'"'"'left'"'"' is up to date
	'"'"'right'"'"' is up to date
	'"'"'join'"'"' is up to date
	nothing to do: every stage is up to date
	EOF
	test_cmp expect out &&
	test "$(slurm_last_id)" = "$before"
'

test_expect_success 'exec.executor = slurm in .repro/config selects the executor' '
	cd cluster && rm -f marks/* &&
	printf "[exec]\n\texecutor = slurm\n" >>.repro/config &&
	echo gamma >>raw.txt &&
	repro run -j 4 >out &&
	test_grep "^\[join\] slurm: job [0-9]* COMPLETED$" out &&
	test "$(cat count.txt)" = 10
'

test_expect_success 'resources come from meta.slurm over the [slurm] defaults' '
	mkdir res && cd res && repro init >/dev/null && mkdir sub &&
	printf "[slurm]\n\ttime = 00:03:00\n\tpartition = debug\n" >>.repro/config &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  big:
	    cmd: echo big >big.txt
	    outs: [big.txt]
	    meta: {slurm: {time: "00:07:00", cpus: 2}}
	  small:
	    wdir: sub
	    cmd: pwd >small.txt
	    outs: [small.txt]
	EOF
	repro run --executor slurm -j 4 >out &&
	squeue -h -t all -n repro-big -o "%l %C %P" >big &&
	squeue -h -t all -n repro-small -o "%l %C %P %Z" >small &&
	echo "7:00 2 debug" >expect && test_cmp expect big &&
	echo "3:00 1 debug $TRASH/res/sub" >expect && test_cmp expect small &&
	echo "$TRASH/res/sub" >expect && test_cmp expect sub/small.txt
'

test_expect_success 'a value that could pass as an option is refused before anything is submitted' '
	cd res && before=$(slurm_last_id) &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  bad:
	    cmd: echo bad >bad.txt
	    outs: [bad.txt]
	    meta: {slurm: {partition: "--wrap=touch /tmp/pwned"}}
	EOF
	test_expect_code 1 repro run --executor slurm 2>err &&
	test_grep "stage .bad.: bad value .--wrap=touch /tmp/pwned. for meta.slurm.partition: a value cannot start with .-." err &&
	test "$(slurm_last_id)" = "$before"
'

test_expect_success 'an unknown setting is refused with a suggestion' '
	cd res &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  bad:
	    cmd: echo bad >bad.txt
	    outs: [bad.txt]
	    meta: {slurm: {partiton: debug, mem: [1, 2]}}
	EOF
	test_expect_code 1 repro run --executor slurm 2>err &&
	test_grep "unknown setting .partiton. in meta.slurm (did you mean .partition.?)" err &&
	test_grep "meta.slurm.mem must be a string or a whole number" err
'

test_expect_success 'a bad [slurm] config key stops the run before it starts' '
	cd res && cp .repro/config config.saved &&
	printf "\tpartitions = debug\n" >>.repro/config &&
	test_expect_code 2 repro run --executor slurm 2>err &&
	test_grep "unknown config key .slurm.partitions. (did you mean .partition.?" err &&
	cp config.saved .repro/config &&
	printf "\ttime = \"-1\"\n" >>.repro/config &&
	test_expect_code 2 repro run --executor slurm 2>err &&
	test_grep "bad value .-1. for config key .slurm.time.: a value cannot start with .-." err &&
	cp config.saved .repro/config
'

test_expect_success 'sbatch refusing a job fails the stage with its message' '
	cd res &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  nowhere:
	    cmd: echo x >x.txt
	    outs: [x.txt]
	    meta: {slurm: {partition: nosuch}}
	EOF
	test_expect_code 1 repro run --executor slurm 2>err &&
	test_grep "cannot submit stage .nowhere. with sbatch: sbatch: error: invalid partition specified: nosuch" err
'

test_expect_success '-j 1 keeps one job in flight: each job sees only itself in the queue' '
	mkdir one && cd one && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  x:
	    cmd: squeue -h -o %j >x.queue
	    outs: [x.queue]
	  y:
	    cmd: squeue -h -o %j >y.queue
	    outs: [y.queue]
	EOF
	repro run --executor slurm -j 1 >out &&
	echo repro-x >expect && test_cmp expect x.queue &&
	echo repro-y >expect && test_cmp expect y.queue
'

test_expect_success 'nothing of this script is left in the queue' '
	slurm_queue >queue && test_cmp /dev/null queue
'

test_done
