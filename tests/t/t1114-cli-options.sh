#!/bin/sh
# Option mistakes are usage errors (exit 2) with one clear line.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: echo a >a.txt\n    outs: [a.txt]\n" >stages.yaml
'

test_expect_success 'run -j with a negative number is a usage error' '
	cd p && test_expect_code 2 repro run -j -3 >out 2>err &&
	test_grep "^repro: error: -j needs 0 or more stages at once (0: one per core), not .-3.$" err &&
	test_grep "^usage: repro run" err && test ! -f a.txt && test ! -s out
'

test_expect_success 'run -j with something that is not a number' '
	cd p && test_expect_code 2 repro run --jobs=many 2>err &&
	test_grep "^repro: error: .many. is not a number (-j N runs up to N stages at once; 0: one per core)$" err &&
	test_expect_code 2 repro run -j 2>err &&
	test_grep "option .-j. needs a value" err
'

test_expect_success 'run -j 0 means one stage per core, and runs' '
	cd p && repro run -j 0 >out && test_grep "running .a." out && test -f a.txt &&
	repro run -j1 >out && test_grep "nothing to do" out
'

test_expect_success 'the numbers of other options are never negative either' '
	cd p && mkdir -p ../rem && repro remote add -d r ../rem >/dev/null &&
	for c in "push -j -3" "pull -j -1" "fetch --jobs=-2" "gc --cloud -j -4" "metrics show --precision -1" \
		 "params diff --precision -5" "plots -n -2"; do
		test_expect_code 2 repro $c >out 2>err &&
		test_grep "is negative: give a whole number of 0 or more" err || return 1
	done &&
	repro push -j 0 >out && repro remote remove r >/dev/null
'

test_expect_success '-C without a directory says so' '
	test_expect_code 2 repro -C 2>err &&
	test_grep "^repro: option .-C. needs a directory$" err
'

test_expect_success '-C DIR still works' '
	repro -C p status >out && test_grep "every stage is up to date" out
'

test_expect_success 'version and builtin list take no arguments' '
	test_expect_code 2 repro version extra >out 2>err &&
	test_grep "^repro: error: .version. takes no arguments (got .extra.)$" err && test ! -s out &&
	test_expect_code 2 repro builtin list extra >out 2>err &&
	test_grep "^repro: error: .builtin list. takes no arguments (got .extra.)$" err && test ! -s out &&
	repro version >out && test_grep "^repro " out
'

test_expect_success 'dag output formats exclude each other' '
	cd p && test_expect_code 2 repro dag --dot --json >out 2>err &&
	test_grep "^repro: options .--dot. and .--json. cannot be used together: choose one$" err &&
	test ! -s out &&
	test_expect_code 2 repro dag --md --mermaid 2>err &&
	test_grep "options .--md. and .--mermaid. cannot be used together" err &&
	repro dag --json --json >out && test_grep "\"a\"" out
'

test_expect_success 'so do those of metrics and params' '
	cd p && test_expect_code 2 repro metrics show --json --csv 2>err &&
	test_grep "options .--json. and .--csv. cannot be used together" err &&
	test_expect_code 2 repro params diff --md --json 2>err &&
	test_grep "options .--md. and .--json. cannot be used together" err
'

# (builtin is a dispatcher: its own help lists the built-ins, each of which
# has options of its own)
test_expect_success 'every command'"'"'s --help has an options: heading' '
	for c in $(repro --help | awk "/^commands:/ {on=1; next} on && /^    / {print \$1}"); do
		test $c = builtin && continue
		repro $c --help >out && grep -q "^options:$" out || { echo "no options: in $c --help"; exit 1; }
	done &&
	repro add --help >out && sed -n "5,6p" out >actual &&
	printf "options:\n    -h, --help               show this help\n" >expect && test_cmp expect actual
'

test_done
