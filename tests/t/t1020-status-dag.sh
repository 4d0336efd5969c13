#!/bin/sh
# repro status (every reason, --json, --quiet) and repro dag (every format).
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup: six stages shaped like the built-in pipeline' '
	mkdir p && cd p && repro init >/dev/null &&
	echo 1 >params.yaml.tmp && printf "k: 1\n" >params.yaml &&
	cat >stages.yaml <<-\EOF
	stages:
	  ingest: {cmd: "echo i >i.txt", outs: [i.txt]}
	  analyze: {cmd: "cat i.txt >a.txt", deps: [i.txt], outs: [a.txt]}
	  preprocess: {cmd: "cat i.txt >p.txt", deps: [i.txt], params: [k], outs: [p.txt]}
	  validate: {cmd: "cat p.txt >v.txt", deps: [p.txt], outs: [v.txt]}
	  anomaly: {cmd: "cat v.txt >an.txt", deps: [v.txt], outs: [an.txt]}
	  bias: {cmd: "cat p.txt a.txt >b.txt", deps: [p.txt, a.txt], outs: [b.txt]}
	EOF
'

test_expect_success 'status before the first run: every stage never ran' '
	cd p && repro status >out &&
	test "$(grep -c "never ran (no lock entry)" out)" = 6
'

test_expect_success 'dag draws a tree readable in a terminal' '
	cd p && repro dag >out &&
	cat >expect <<-\EOF &&
	ingest
	├── analyze
	│   └── bias
	└── preprocess
	    ├── validate
	    │   └── anomaly
	    └── bias (shown above)
	EOF
	test_cmp expect out
'

test_expect_success 'dag STAGE shows only what it depends on' '
	cd p && repro dag anomaly >out &&
	cat >expect <<-\EOF &&
	ingest
	└── preprocess
	    └── validate
	        └── anomaly
	EOF
	test_cmp expect out
'

test_expect_success 'dag --mermaid, --md, --dot and --json' '
	cd p && repro dag --mermaid >out &&
	test_grep "^flowchart TD" out && test_grep "stage2 --> stage3" out &&
	test "$(grep -c -- "-->" out)" = 6 &&
	repro dag --md >out && head -1 out | test_grep -q "^\`\`\`mermaid" - && tail -1 out | test_grep -q "^\`\`\`$" - &&
	repro dag --dot >out && test_grep "\"preprocess\" -> \"validate\";" out &&
	repro dag --json >out && test_grep "\"from\":	\"analyze\"" out
'

test_expect_success 'status after a run: up to date, exit 0 even with --quiet' '
	cd p && repro run >/dev/null &&
	repro status >out && test_grep "^every stage is up to date$" out &&
	repro status -q >out && test ! -s out
'

test_expect_success 'status names a modified out, a param, a dep, and upstream stages' '
	cd p && echo changed >v.txt && printf "k: 2\n" >params.yaml &&
	repro status >out &&
	cat >expect <<-\EOF &&
	preprocess:
	    modified param '"'"'k'"'"' (1 -> 2)
	validate:
	    modified out '"'"'v.txt'"'"' (in cache)
	    upstream '"'"'preprocess'"'"' is out of date
	anomaly:
	    modified dep '"'"'v.txt'"'"'
	    upstream '"'"'validate'"'"' is out of date
	bias:
	    upstream '"'"'preprocess'"'"' is out of date
	EOF
	test_cmp expect out &&
	test_expect_code 1 repro status -q
'

test_expect_success 'status --json lists the same reasons' '
	cd p && repro status --json >out &&
	test_grep "\"change\":	\"param_modified\"" out &&
	test_grep "\"detail\":	\"1 -> 2\"" out &&
	test_grep "\"change\":	\"out_modified\"" out
'

test_expect_success 'status STAGE limits the report' '
	cd p && repro status anomaly >out &&
	test "$(grep -c "^[a-z]*:$" out)" = 1 && test_grep "^anomaly:" out
'

test_expect_success 'a removed param and a missing param file are named' '
	cd p && printf "other: 1\n" >params.yaml && repro status preprocess >out &&
	test_grep "missing param .k. in .params.yaml.$" out
'

test_done
