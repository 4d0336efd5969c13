#!/bin/sh
# Every failure a user can cause: one clear line, the right exit code,
# nothing half-written, nothing outside the project touched.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && repro init >/dev/null
'

test_expect_success 'no stages file: exit 2, says where stages go' '
	cd p && test_expect_code 2 repro run 2>err &&
	test_grep "cannot find .stages.yaml.: declare your stages there" err
'

test_expect_success 'YAML syntax error: FILE:LINE:COL' '
	cd p && printf "stages:\n  a:\n    cmd: [x\n" >stages.yaml &&
	test_expect_code 2 repro run 2>err && test_grep "^stages.yaml:4:1: error: " err
'

test_expect_success 'unknown key: location, stage and suggestion' '
	cd p && printf "stages:\n  train:\n    cmd: x\n    outz: [a]\n" >stages.yaml &&
	test_expect_code 2 repro status 2>err &&
	echo "stages.yaml:4:5: error: unknown key '"'"'outz'"'"' in the definition of stage '"'"'train'"'"' (did you mean '"'"'outs'"'"'?)" >expect &&
	test_cmp expect err
'

test_expect_success 'cycle names the stages' '
	cd p && printf "stages:\n  a: {cmd: x, deps: [b.txt], outs: [a.txt]}\n  b: {cmd: y, deps: [a.txt], outs: [b.txt]}\n" >stages.yaml &&
	test_expect_code 2 repro dag 2>err &&
	test_grep "cycle: .a. -> .b. -> .a." err
'

test_expect_success 'an out outside the project is refused before anything runs' '
	cd p && printf "stages:\n  a: {cmd: touch ../escaped, outs: [../escaped]}\n" >stages.yaml &&
	test_expect_code 2 repro run 2>err && test_grep "path leaves the project" err &&
	test ! -e ../escaped
'

test_expect_success 'an out that is a symlink out of the project is refused, nothing cached' '
	cd p && printf "stages:\n  a: {cmd: ln -s /etc/passwd o.txt, outs: [o.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run 2>err &&
	test_grep "o.txt. is a symlink to ./etc/passwd., outside the project" err &&
	test -z "$(find .repro/cache -type f)" && ! grep -q "o.txt" stages.lock 2>/dev/null
'

test_expect_success 'a damaged lock is reported, not guessed around' '
	cd p && printf "stages:\n  a: {cmd: echo a >a.txt, outs: [a.txt]}\n" >stages.yaml &&
	printf "stages:\n  a:\n    cmd: echo a\n    outs:\n    - path: a.txt\n      sha256: xyz\n" >stages.lock &&
	test_expect_code 2 repro run 2>err && test_grep "stages.lock:6:15: error: invalid sha256" err &&
	rm stages.lock
'

test_expect_success 'a broken params file is reported with its location' '
	cd p && printf "stages:\n  a: {cmd: echo, params: [x]}\n" >stages.yaml &&
	printf "x: [1\n" >params.yaml &&
	test_expect_code 2 repro status 2>err && test_grep "^params.yaml:" err && rm params.yaml
'

test_expect_success 'usage errors exit 2' '
	cd p && test_expect_code 2 repro run -j x 2>err && test_grep "not a number" err &&
	test_expect_code 2 repro run --single-item 2>err && test_grep "needs the names" err &&
	test_expect_code 2 repro dag a b 2>err && test_grep "at most one" err
'

test_expect_success 'every command has --help that exits 0' '
	for c in init run status dag checkout commit add builtin version; do
		repro $c --help >out && test_grep "^usage: repro $c" out || exit 1
	done
'

test_expect_success 'with --no-wait a second writer is refused while the project is locked' '
	cd p && printf "stages:\n  slow: {cmd: touch started && sleep 5 && echo s >s.txt, outs: [s.txt]}\n" >stages.yaml &&
	{ repro run >run.out 2>&1 & } &&
	while [ ! -f started ]; do sleep 0.05; done &&
	test_expect_code 2 repro --no-wait run 2>err &&
	test_grep "the project is locked by repro (pid [0-9]*: run)" err &&
	repro status >/dev/null && repro dag >/dev/null &&
	wait
'

test_done
