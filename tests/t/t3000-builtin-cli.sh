#!/bin/sh
# The built-ins' command-line surface: list, --help, usage and params errors.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'builtin list names every built-in' '
	repro builtin list >list &&
	cut -d" " -f1 list >names &&
	printf "%s\n" ingest analyze preprocess validate anomaly bias redact >expect &&
	test_cmp expect names
'

test_expect_success 'every built-in documents its options and params in --help' '
	for b in ingest analyze preprocess validate anomaly bias; do
		repro builtin $b --help >help.$b &&
		test_grep "^usage: repro builtin $b" help.$b &&
		test_grep -- "--params FILE" help.$b &&
		test_grep "^params (section .$b. of params.yaml):" help.$b || return 1
	done &&
	test_grep -- "--source SRC" help.ingest &&
	test_grep "max_records" help.ingest &&
	test_grep -- "--rejects FILE" help.preprocess &&
	test_grep "prompt_rules" help.preprocess &&
	test_grep "fail_on_anomaly" help.anomaly &&
	test_grep "max_share" help.bias
'

test_expect_success 'an unknown option is a usage error (exit 2)' '
	test_expect_code 2 repro builtin bias --bogus 2>err &&
	test_grep "unknown option .--bogus." err &&
	test_grep "^usage: repro builtin bias" err
'

test_expect_success 'stray arguments are a usage error' '
	test_expect_code 2 repro builtin preprocess extra 2>err &&
	test_grep "takes no arguments" err
'

test_expect_success 'an unknown params key is a config error naming file, line and the fix' '
	printf "bias:\n  max_shar: 0.5\n" >p.yaml &&
	test_expect_code 2 repro builtin bias --params p.yaml 2>err &&
	test_grep "^p.yaml:2:3: error: unknown key .max_shar. in .bias. (did you mean .max_share.?)" err
'

test_expect_success 'a params value of the wrong type or range is a config error' '
	printf "preprocess:\n  min_size: lots\n" >p.yaml &&
	test_expect_code 2 repro builtin preprocess --params p.yaml 2>err &&
	test_grep "p.yaml:2:13: error: .preprocess.min_size. must be an integer" err &&
	printf "bias:\n  max_share: 1.5\n" >p.yaml &&
	test_expect_code 2 repro builtin bias --params p.yaml 2>err &&
	test_grep "max_share. must be between" err
'

test_expect_success 'a named params file that is missing is a config error' '
	test_expect_code 2 repro builtin validate --params nope.yaml 2>err &&
	test_grep "nope.yaml" err
'

test_expect_success 'a missing source is a config error (exit 2) and writes nothing' '
	test_expect_code 2 repro builtin ingest --source no/such/dir --params /dev/null 2>err &&
	test_grep "cannot read source .no/such/dir." err &&
	! test -e out/raw.jsonl
'

test_expect_success 'a missing input fails the stage (exit 1) and leaves no output' '
	test_expect_code 1 repro builtin preprocess --in missing.jsonl --params /dev/null 2>err &&
	test_grep "cannot open .missing.jsonl." err &&
	! test -e out/training_records.jsonl && ! test -e reports/preprocess_report.json &&
	! ls out/.training_records* 2>/dev/null
'

test_expect_success 'log lines are timestamped and levelled' '
	mkdir src && cp "$SRCDIR/data/sample/files/repro-samples__gpu-serving/deploy/gpu-model-server.yaml" src/ &&
	repro builtin ingest --source src --params /dev/null 2>err &&
	test_grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z INFO ingest: " err
'

test_done
