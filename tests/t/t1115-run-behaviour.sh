#!/bin/sh
# Behaviours of repro run that DVC users rely on: outs before a run, cmd
# lists, params in other files, vars files, what a failure leaves in the
# lock, commit/checkout of named stages, frozen stages, and Ctrl-C.
. "$(dirname "$0")/../test-lib.sh"

# Every object in the cache is named by the SHA-256 of its content.
cache_intact() {
	for o in $(find .repro/cache -type f); do
		n=$(basename "$(dirname "$o")")$(basename "$o" .dir) &&
		h=$(sha256sum "$o" | cut -c1-64) &&
		if test "$h" != "$n"; then
			echo "object $o holds content hashing to $h" >&2
			return 1
		fi
	done
}

# The lines of stage $1's entry in lock file $2.
lock_entry() {
	awk -v s="  $1:" '$0 == s {on=1; print; next} on && /^  [^ ]/ {on=0} on {print}' "$2"
}

test_expect_success 'before a run, persist outs are kept and the others removed' '
	mkdir persist && cd persist && repro init >/dev/null && echo 1 >in &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  s:
	    cmd: (test -e keep && echo keep-there || echo keep-gone; test -e gone && echo gone-there || echo gone-gone) >>seen && cat in >>keep && cat in >>gone
	    deps: [in]
	    outs:
	      - keep: {persist: true}
	      - gone
	EOF
	repro run >/dev/null && echo 2 >in && repro run >/dev/null &&
	printf "keep-gone\ngone-gone\nkeep-there\ngone-gone\n" >expect && test_cmp expect seen &&
	printf "1\n2\n" >expect && test_cmp expect keep &&
	printf "2\n" >expect && test_cmp expect gone
'

test_expect_success 'a persist out deleted by hand is restored, not run' '
	cd persist && rm keep && : >seen &&
	repro run >out && test_grep "restored the outs of .s." out && test ! -s seen &&
	printf "1\n2\n" >expect && test_cmp expect keep
'

test_expect_success 'a cmd list runs in order' '
	mkdir list && cd list && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  s:
	    cmd:
	      - echo one >>log
	      - echo two >>log
	      - cp log out
	    outs: [out]
	EOF
	repro run >/dev/null && printf "one\ntwo\n" >expect && test_cmp expect out &&
	test_grep "^    - echo one >>log$" stages.lock
'

test_expect_success 'a cmd list stops at the first failing command' '
	mkdir listfail && cd listfail && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  s:
	    cmd:
	      - echo one >>log
	      - exit 4
	      - echo three >>log
	    outs: [log]
	EOF
	test_expect_code 1 repro run >out 2>err &&
	printf "one\n" >expect && test_cmp expect log &&
	test_grep "stage .s. failed" err && test ! -f stages.lock
'

test_expect_success 'setup: params in params.yaml, other YAML and JSON files, a whole file' '
	mkdir params && cd params && repro init >/dev/null &&
	printf "seed: 1\nunused: 1\n" >params.yaml &&
	printf "train:\n  lr: 0.1\n  other: 1\n" >cfg.yaml &&
	printf "{\"x\": {\"y\": 1, \"z\": 1}}\n" >cfg.json &&
	printf "a: 1\n" >whole.yaml &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  seed:
	    cmd: echo seed >>../params.log && echo >seed.out
	    params: [seed]
	    outs: [seed.out]
	  yaml:
	    cmd: echo yaml >>../params.log && echo >yaml.out
	    params:
	      - cfg.yaml: [train.lr]
	    outs: [yaml.out]
	  json:
	    cmd: echo json >>../params.log && echo >json.out
	    params:
	      - cfg.json: [x.y]
	    outs: [json.out]
	  whole:
	    cmd: echo whole >>../params.log && echo >whole.out
	    params:
	      - whole.yaml:
	    outs: [whole.out]
	EOF
	repro run >/dev/null && test "$(wc -l <../params.log)" = 4
'

# Changes one file, runs, and compares the stages that ran with $1.
ran_after() {
	: >../params.log && repro run >/dev/null &&
	printf "$1" >expect && test_cmp expect ../params.log
}

test_expect_success 'a changed key of another YAML file re-runs only its stage' '
	cd params && sed -i "s/lr: 0.1/lr: 0.2/" cfg.yaml && ran_after "yaml\n" &&
	repro status >out && test_grep "every stage is up to date" out
'

test_expect_success 'an undeclared key of that file re-runs nothing' '
	cd params && sed -i "s/other: 1/other: 2/" cfg.yaml && ran_after "" &&
	sed -i "s/unused: 1/unused: 2/" params.yaml && ran_after ""
'

test_expect_success 'a changed key of a JSON file re-runs only its stage' '
	cd params && printf "{\"x\": {\"y\": 2, \"z\": 1}}\n" >cfg.json &&
	repro status >out && test_grep "modified param .cfg.json:x.y. (1 -> 2)" out &&
	ran_after "json\n" &&
	printf "{\"x\": {\"y\": 2, \"z\": 9}}\n" >cfg.json && ran_after ""
'

test_expect_success 'any change to a whole-file params file re-runs its stage' '
	cd params && printf "a: 1\nb: 2\n" >whole.yaml && ran_after "whole\n" &&
	printf "a: 3\nb: 2\n" >whole.yaml && ran_after "whole\n" &&
	sed -i "s/seed: 1/seed: 2/" params.yaml && ran_after "seed\n"
'

test_expect_success 'a vars file value used in cmd re-runs the stage' '
	mkdir vars && cd vars && repro init >/dev/null &&
	printf "model:\n  depth: 3\n  width: 8\n" >config.yaml &&
	cat >stages.yaml <<-\EOF &&
	vars:
	  - config.yaml
	stages:
	  train:
	    cmd: echo depth ${model.depth} >model.txt
	    outs: [model.txt]
	EOF
	repro run >/dev/null && echo "depth 3" >expect && test_cmp expect model.txt &&
	sed -i "s/width: 8/width: 9/" config.yaml &&
	repro run >out && test_grep "nothing to do" out &&
	sed -i "s/depth: 3/depth: 5/" config.yaml &&
	repro status >out && test_grep "cmd changed" out &&
	repro run >out && test_grep "running .train.: echo depth 5 >model.txt" out &&
	echo "depth 5" >expect && test_cmp expect model.txt
'

test_expect_success 'a failing stage keeps its previous lock entry byte for byte' '
	mkdir keep && cd keep && repro init >/dev/null &&
	echo good >in && echo 1 >other.in &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  check:
	    cmd: grep -q good in && cp in out
	    deps: [in]
	    outs: [out]
	  other:
	    cmd: cp other.in other.out
	    deps: [other.in]
	    outs: [other.out]
	EOF
	repro run >/dev/null && lock_entry check stages.lock >before &&
	test_grep "sha256" before &&
	echo bad >in && echo 2 >other.in &&
	test_expect_code 1 repro run -k >/dev/null 2>err &&
	lock_entry check stages.lock >after && test_cmp before after &&
	test "$(cat out)" = good -o ! -e out &&
	lock_entry other stages.lock >o && test_grep "$(sha256sum other.in | cut -c1-64)" o
'

test_expect_success 'commit STAGE records only that stage' '
	mkdir named && cd named && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  a:
	    cmd: echo a >a.txt
	    outs: [a.txt]
	  b:
	    cmd: echo b >b.txt
	    outs: [b.txt]
	EOF
	repro run >/dev/null && cp stages.lock lock.orig &&
	echo A >a.txt && echo B >b.txt &&
	repro commit a >out && echo "committed '"'"'a'"'"'" >expect && test_cmp expect out &&
	lock_entry b stages.lock >b.now && lock_entry b lock.orig >b.orig && test_cmp b.orig b.now &&
	test_grep "$(sha256sum a.txt | cut -c1-64)" stages.lock &&
	repro status >out && test_grep "^b:" out && test_must_fail grep "^a:" out
'

test_expect_success 'checkout STAGE restores only that stage' '
	cd named && rm a.txt b.txt &&
	repro checkout b --force >out &&
	test "$(cat b.txt)" = b && test ! -e a.txt &&
	repro checkout a >out && test "$(cat a.txt)" = A &&
	test_expect_code 2 repro checkout nosuch 2>err && test_grep "no stage named .nosuch." err
'

test_expect_success 'a frozen stage whose deps changed: run exits 0, status lists it' '
	mkdir frozen && cd frozen && repro init >/dev/null && echo 1 >in &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  f:
	    cmd: cp in res
	    deps: [in]
	    outs: [res]
	EOF
	repro run >/dev/null && sed -i "/outs/a\\    frozen: true" stages.yaml && echo 2 >in &&
	repro run >out && test_grep "is frozen: not running it" out && test "$(cat res)" = 1 &&
	rm res && repro run >out && test_grep "restored the outs of frozen stage .f." out &&
	test "$(cat res)" = 1 &&
	repro status >out && test_grep "^f (frozen: will not run):" out &&
	test_grep "modified dep .in." out
'

test_expect_success 'after Ctrl-C every cache object matches its name' '
	mkdir intr && cd intr && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  many:
	    cmd: mkdir -p d && for i in $(seq 1 300); do echo $i >d/f$i; done
	    outs: [d]
	  slow:
	    cmd: echo partial >s.txt && echo $$ >slow.pid && sleep 60 && echo done >>s.txt
	    outs: [s.txt]
	  after:
	    cmd: cp -r d e
	    deps: [d]
	    outs: [e]
	EOF
	{ repro run -j2 >out 2>&1 & pid=$!; } &&
	while [ ! -s slow.pid ] || ! grep -q "^  many:" stages.lock 2>/dev/null; do sleep 0.05; done &&
	code=0 && kill -INT $pid && { wait $pid || code=$?; } &&
	test "$code" = 130 && cache_intact &&
	h=$(echo partial | sha256sum | cut -c1-64) &&
	test ! -e .repro/cache/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	test_must_fail grep "^  slow:" stages.lock &&
	test -z "$(find .repro/tmp -type f)" &&
	sed -i "s/sleep 60/true/" stages.yaml && repro run >/dev/null && cache_intact &&
	repro status >out && test_grep "every stage is up to date" out
'

test_done
