#!/bin/sh
# The project's own pipeline (stages.yaml, params.yaml, data/sample), run by
# `repro run` in fresh copies of the project, as `make run` does on a clone:
# six stages, three reports as metrics, nothing to do the second time, and
# the same bytes whatever -j.
. "$(dirname "$0")/../test-lib.sh"

STAGES="ingest analyze preprocess validate anomaly bias"

# project DIR: a fresh copy of what a clone holds for the pipeline
project() {
	mkdir -p "$1/data" "$1/.repro" &&
	cp "$SRCDIR/stages.yaml" "$SRCDIR/params.yaml" "$1/" &&
	cp -R "$SRCDIR/data/sample" "$1/data/" &&
	cp "$SRCDIR/.repro/config" "$SRCDIR/.repro/.gitignore" "$1/.repro/"
}

# sums DIR: a checksum line per output file of the pipeline, in path order
sums() {
	(cd "$1" && find out reports -type f | LC_ALL=C sort | xargs sha256sum)
}

test_expect_success 'repro run runs all six stages of a fresh copy' '
	project a &&
	(cd a && repro run >../run1.out 2>../run1.err) &&
	for s in $STAGES; do
		test_grep "^running .$s.: repro builtin $s " run1.out || return 1
	done &&
	test "$(grep -c "^running " run1.out)" = 6 &&
	test_grep "^6 ran, 0 restored, 0 up to date$" run1.out &&
	test_grep "^\[preprocess\] [0-9-]*T[0-9:]*Z INFO preprocess: kept " run1.out &&
	for f in out/raw.jsonl reports/analysis.json out/training_records.jsonl \
		out/records_meta.jsonl reports/preprocess_report.json reports/schema_report.json \
		reports/anomaly_report.json out/training_records_balanced.jsonl reports/bias_report.json; do
		test -s "a/$f" || { echo "missing $f"; return 1; }
	done
'

test_expect_success 'each stage log line carries one timestamp' '
	for s in $STAGES; do
		test -f a/.repro/logs/$s.log || return 1
	done &&
	test_grep "^[0-9-]*T[0-9:]*Z INFO preprocess: kept " a/.repro/logs/preprocess.log &&
	cat a/.repro/logs/*.log >all.log &&
	test -s all.log &&
	test_must_fail grep -E "^[0-9-]+T[0-9:]+Z [0-9-]+T[0-9:]+Z" all.log &&
	test_must_fail grep -Ev "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z " all.log
'

test_expect_success 'repro metrics show prints the three reports' '
	(cd a && repro metrics show >../metrics.out) &&
	awk "NR > 1 { print \$1 }" metrics.out | sort -u >paths &&
	cat >expect <<-\EOF &&
	reports/anomaly_report.json
	reports/bias_report.json
	reports/schema_report.json
	EOF
	test_cmp expect paths &&
	test_grep "^reports/schema_report.json  *pass_rate_pct  *100$" metrics.out &&
	test_grep "^reports/anomaly_report.json  *status  *ok$" metrics.out &&
	test_grep "^reports/bias_report.json  *max_share  *0.4$" metrics.out
'

test_expect_success 'a second repro run runs nothing' '
	sums a >before &&
	(cd a && repro run >../run2.out 2>../run2.err) &&
	test_grep "nothing to do" run2.out &&
	test_must_fail grep "^running " run2.out &&
	for s in $STAGES; do
		test_grep "^.$s. is up to date$" run2.out || return 1
	done &&
	sums a >after &&
	test_cmp before after
'

test_expect_success 'repro run -j 1 and -j 2 in fresh copies give the same bytes' '
	project j1 && project j2 &&
	(cd j1 && repro run -j 1 >../j1.out 2>&1) &&
	(cd j2 && repro run -j 2 >../j2.out 2>&1) &&
	test_grep "^6 ran" j1.out && test_grep "^6 ran" j2.out &&
	sums j1 >j1.sums && sums j2 >j2.sums &&
	test "$(wc -l <j1.sums)" -ge 9 &&
	test_cmp j1.sums j2.sums &&
	diff -r j1/out j2/out && diff -r j1/reports j2/reports &&
	sums a >a.sums && test_cmp a.sums j1.sums
'

test_done
