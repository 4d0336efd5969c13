#!/bin/sh
# repro status reports data tracked with repro add, as dvc status reports
# .dvc files, and works without a stages file; so does repro dag.
. "$(dirname "$0")/../test-lib.sh"

q="'"

test_expect_success 'setup: tracked data, no stages file' '
	mkdir p && cd p && repro init >/dev/null &&
	echo a >a.csv && mkdir -p data/d && echo b >data/d/b &&
	repro add a.csv data/d >/dev/null
'

test_expect_success 'no stages file, tracked data unchanged: status says so, exit 0' '
	cd p && repro status >out &&
	echo "no stages in ${q}stages.yaml${q}; the tracked data is up to date" >expect &&
	test_cmp expect out && repro status -q && repro status --json >out &&
	tr -d "\t\n" <out >flat && echo "{}" >expect && echo >>flat && test_cmp expect flat
'

test_expect_success 'an edited and a deleted tracked path are reported' '
	cd p && echo A >a.csv && rm -r data/d &&
	repro status >out &&
	cat >expect <<-EOF &&
	a.csv.repro:
	    modified ${q}a.csv${q}
	data/d.repro:
	    deleted ${q}data/d${q}
	EOF
	test_cmp expect out &&
	test_expect_code 1 repro status -q >out && test ! -s out
'

test_expect_success 'the same in --json' '
	cd p && repro status --json >out && tr -d "\t\n" <out >flat && echo >>flat &&
	echo "{\"a.csv.repro\":[{\"change\":\"out_modified\",\"subject\":\"a.csv\"}],\"data/d.repro\":[{\"change\":\"out_deleted\",\"subject\":\"data/d\"}]}" >expect &&
	test_cmp expect flat
'

test_expect_success 'beside stages: tracked data a stage does not read is reported too' '
	cd p && repro checkout --force >/dev/null &&
	printf "stages:\n  s: {cmd: echo s >s.txt, outs: [s.txt]}\n" >stages.yaml &&
	repro run >/dev/null && repro status >out &&
	echo "every stage is up to date" >expect && test_cmp expect out &&
	echo edited >data/d/b && repro status >out &&
	printf "data/d.repro:\n    modified ${q}data/d${q}\n" >expect && test_cmp expect out &&
	repro status s >out && echo "every stage is up to date" >expect && test_cmp expect out
'

test_expect_success 'checkout works without a stages file, and status agrees' '
	cd p && rm stages.yaml stages.lock && repro checkout --force >out &&
	test_grep "^restored .data/d.$" out && repro status >out &&
	echo "no stages in ${q}stages.yaml${q}; the tracked data is up to date" >expect && test_cmp expect out
'

test_expect_success 'nothing tracked at all: status says so' '
	mkdir e && cd e && repro init >/dev/null && repro status >out &&
	echo "nothing is tracked: no stages in ${q}stages.yaml${q} and no data added with ${q}repro add${q}" >expect &&
	test_cmp expect out
'

test_expect_success 'dag without a stages file says there are no stages' '
	cd p && repro dag >out && echo "no stages in ${q}stages.yaml${q}" >expect && test_cmp expect out &&
	repro dag --json >out && test_grep "\"stages\":	\[\]" out
'

test_expect_success 'status and dag with -f naming a missing file still fail' '
	cd p && test_expect_code 2 repro status -f nope.yaml 2>err && test_grep "cannot find .nope.yaml." err &&
	test_expect_code 2 repro dag -f nope.yaml 2>err && test_grep "cannot find .nope.yaml." err
'

test_done
