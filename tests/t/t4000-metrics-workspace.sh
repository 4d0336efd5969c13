#!/bin/sh
# repro metrics show on the workspace, without any git repository: what
# `make run` prints at the end of the built-in pipeline.
. "$(dirname "$0")/../test-lib.sh"

# never find a repository above the scratch directory
export GIT_CEILING_DIRECTORIES=$TRASH

test_expect_success 'setup: a pipeline with metrics outs and a top-level metrics file' '
	mkdir p && cd p && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    cmd: cp train.json metrics.json
	    deps: [train.json]
	    metrics:
	      - metrics.json:
	          cache: false
	  eval:
	    cmd: cp eval.yaml reports/eval.yaml
	    deps: [eval.yaml]
	    metrics: [reports/eval.yaml]
	metrics: [summary.json]
	EOF
	mkdir reports &&
	echo "{\"acc\": 0.912345678, \"loss\": {\"train\": 0.25, \"val\": 0.5}, \"epochs\": 12, \"status\": \"ok\", \"hist\": [1, 2], \"note\": null}" >train.json &&
	printf "auc: 0.75\nnested:\n  f1: 1.5e-3\n  best: true\n" >eval.yaml &&
	echo "{\"records\": 123456789}" >summary.json &&
	repro run >/dev/null
'

test_expect_success 'show: every metrics file, nested keys dotted, 5 significant digits' '
	cd p && repro metrics show >out &&
	cat >expect <<-\EOF &&
	Path               Metric       Value
	metrics.json       acc          0.91235
	metrics.json       loss.train   0.25
	metrics.json       loss.val     0.5
	metrics.json       epochs       12
	metrics.json       status       ok
	reports/eval.yaml  auc          0.75
	reports/eval.yaml  nested.f1    0.0015
	reports/eval.yaml  nested.best  true
	summary.json       records      123456789
	EOF
	test_cmp expect out &&
	repro metrics >out2 && test_cmp expect out2
'

test_expect_success 'show --precision, --md, --csv' '
	cd p && repro metrics show --precision 2 metrics.json >out &&
	cat >expect <<-\EOF &&
	Path          Metric      Value
	metrics.json  acc         0.91
	metrics.json  loss.train  0.25
	metrics.json  loss.val    0.5
	metrics.json  epochs      12
	metrics.json  status      ok
	EOF
	test_cmp expect out &&
	repro metrics show --md reports >out &&
	cat >expect <<-\EOF &&
	| Path              | Metric      | Value  |
	|-------------------|-------------|--------|
	| reports/eval.yaml | auc         | 0.75   |
	| reports/eval.yaml | nested.f1   | 0.0015 |
	| reports/eval.yaml | nested.best | true   |
	EOF
	test_cmp expect out &&
	repro metrics show --csv summary.json reports/eval.yaml >out &&
	cat >expect <<-\EOF &&
	Path,Metric,Value
	summary.json,records,123456789
	reports/eval.yaml,auc,0.75
	reports/eval.yaml,nested.f1,0.0015
	reports/eval.yaml,nested.best,true
	EOF
	test_cmp expect out
'

test_expect_success 'show --json keeps values exact' '
	cd p && repro metrics show --json summary.json metrics.json >out &&
	cat >expect <<-\EOF &&
	{
	  "workspace": {
	    "summary.json": {
	      "records": 123456789
	    },
	    "metrics.json": {
	      "acc": 0.912345678,
	      "loss.train": 0.25,
	      "loss.val": 0.5,
	      "epochs": 12,
	      "status": "ok"
	    }
	  }
	}
	EOF
	test_cmp expect out
'

test_expect_success 'a target from a subdirectory; an undeclared file is read as a metrics file' '
	cd p/reports && echo "{\"x\": 1}" >extra.json &&
	repro metrics show eval.yaml extra.json missing.json >out &&
	cat >expect <<-\EOF &&
	Path                  Metric       Value
	reports/eval.yaml     auc          0.75
	reports/eval.yaml     nested.f1    0.0015
	reports/eval.yaml     nested.best  true
	reports/extra.json    x            1
	reports/missing.json  -            -
	EOF
	test_cmp expect out
'

test_expect_success 'a missing metrics file shows "-", not an error' '
	cd p && mv summary.json summary.bak &&
	repro metrics show summary.json >out &&
	mv summary.bak summary.json &&
	printf "Path          Metric  Value\nsummary.json  -       -\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a file that does not parse is reported, shown as "-", exit 1' '
	cd p && cp metrics.json metrics.bak &&
	echo "{\"acc\": " >metrics.json &&
	test_expect_code 1 repro metrics show metrics.json >out 2>err &&
	cp metrics.bak metrics.json &&
	printf "Path          Metric  Value\nmetrics.json  -       -\n" >expect &&
	test_cmp expect out &&
	echo "metrics.json:1:9: error: invalid JSON" >expect.err &&
	test_cmp expect.err err
'

test_expect_success 'revision options outside git say so (exit 2)' '
	cd p &&
	for opt in -A -a -T; do
		test_expect_code 2 repro metrics show $opt >out 2>err &&
		test ! -s out && test_grep "needs a git repository, and .* is not inside one" err || return 1
	done &&
	test_expect_code 2 repro metrics diff 2>err &&
	echo "repro: error: '"'"'repro metrics diff'"'"' needs a git repository, and '"'"'$TRASH/p'"'"' is not inside one" >expect &&
	test_cmp expect err &&
	test_expect_code 2 repro params diff 2>err &&
	test_grep "'"'"'repro params diff'"'"' needs a git repository" err
'

test_expect_success 'usage errors' '
	cd p &&
	test_expect_code 2 repro metrics frobnicate 2>err &&
	test_grep "unknown subcommand .metrics frobnicate." err &&
	test_expect_code 2 repro metrics show --precision 0 2>err &&
	test_grep "precision must be between 1 and 17" err &&
	test_expect_code 2 repro metrics show --json --bogus 2>err &&
	repro metrics show --help >help && test_grep "^usage: repro metrics show" help &&
	repro metrics diff --help >help && test_grep "^usage: repro metrics diff" help &&
	repro help metrics >help && test_grep "repro metrics diff" help
'

test_expect_success 'no metrics declared: nothing printed, {} as JSON' '
	mkdir empty && cd empty && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: true\n" >stages.yaml &&
	repro metrics show >out && test ! -s out &&
	repro metrics show --json >out && printf "{\n  \"workspace\": {\n  }\n}\n" >expect &&
	test_cmp expect out
'

test_expect_success 'docs/metrics.md names every option the commands accept' '
	cd p &&
	for cmd in "metrics show" "metrics diff" "params diff" "plots"; do
		repro $cmd --help >help &&
		sed -n "s/^    \(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p" help | grep -v -x -e --help >opts &&
		test -s opts &&
		while read opt; do
			grep -q -e "$opt" "$SRCDIR/docs/metrics.md" || { echo "$cmd: $opt not in docs/metrics.md"; return 1; }
		done <opts || return 1
	done
'

test_done
