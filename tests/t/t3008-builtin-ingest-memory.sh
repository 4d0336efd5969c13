#!/bin/sh
# ingest in a tiny memory budget (REPRO_INGEST_MEM, for tests): the index is
# sorted on disk in many runs and the output is byte for byte the one it
# gives in memory, on generated archives with duplicate contents, repeated
# paths, a MANIFEST.tsv and a LICENSE, with and without a sample, and on the
# shared corpus (skipped visibly if absent).
. "$(dirname "$0")/../test-lib.sh"

GEN="perl $SRCDIR/tests/gen-archive.pl"

# same_ingest NAME ARGS...: ingest with the default budget, then with 64 KiB
# and 4 KiB; the outputs and the logs (without timestamps and the runs line)
# must be identical, and the 4 KiB run must have used many runs.
same_ingest() {
	name=$1 && shift &&
	repro builtin ingest "$@" --out "$name.jsonl" 2>"$name.err" &&
	! grep -q "sorted on disk" "$name.err" &&
	sed "s/^[^ ]* //; s/written to .*//" "$name.err" >"$name.log" &&
	for m in 65536 4096; do
		REPRO_INGEST_MEM=$m repro builtin ingest "$@" --out "$name-$m.jsonl" 2>"$name-$m.err" &&
		cmp "$name.jsonl" "$name-$m.jsonl" &&
		sed "/sorted on disk/d; s/^[^ ]* //; s/written to .*//" "$name-$m.err" >"$name-$m.log" &&
		test_cmp "$name.log" "$name-$m.log" || return 1
	done &&
	runs=$(sed -n "s/.*sorted on disk in \([0-9]*\) runs/\1/p" "$name-4096.err") &&
	test "$runs" -gt 16
}

test_expect_success 'a generated archive: the same output in 4 KiB as in memory' '
	$GEN --files 3000 --dups 10 --repeats 97 --manifest --license | gzip -n >gen.tar.gz &&
	same_ingest gen --source gen.tar.gz --params /dev/null &&
	test_grep "3033 files seen, 3031 matched include, 299 duplicates, 2701 written" gen.err &&
	test_grep "appears twice in the source; keeping the first" gen.err
'

test_expect_success '... sorted, unique paths and contents, the first of repeats, MANIFEST rows, LICENSE' '
	perl -MJSON::PP -ne "my \$r = decode_json(\$_);
		print join(\" \", \$r->{path}, \$r->{hexsha}, \$r->{repo}, \$r->{license}), \"\n\"" gen.jsonl >rows &&
	cut -d" " -f1 rows >paths && LC_ALL=C sort -u paths >sorted && test_cmp sorted paths &&
	cut -d" " -f2 rows | sort | uniq -d >dup-ids && test ! -s dup-ids &&
	! grep -q "Repeated" gen.jsonl && ! grep -q "second/row" rows &&
	grep -c " org[0-9]*/repo " rows >listed && echo 1799 >expect && test_cmp expect listed &&
	grep -c " gen MIT$" rows >unlisted && echo 902 >expect && test_cmp expect unlisted
'

test_expect_success 'a sample in 4 KiB is the sample in memory' '
	printf "ingest:\n  max_records: 500\n  seed: 7\n" >s.yaml &&
	same_ingest sample --source gen.tar.gz --params s.yaml &&
	grep -c "" sample.jsonl >n && echo 500 >expect && test_cmp expect n
'

test_expect_success 'an archive without a top directory, and a directory' '
	$GEN --files 2000 --top "" --repeats 50 --manifest --seed 3 >flat.tar &&
	same_ingest flat --source flat.tar --params /dev/null &&
	mkdir dir && tar -C dir -xf flat.tar &&
	same_ingest dir --source dir --params /dev/null
'

test_expect_success 'no scratch file is left beside the output, also when ingest fails' '
	mkdir o && REPRO_INGEST_MEM=4096 repro builtin ingest --source gen.tar.gz --out o/r.jsonl \
		--params /dev/null 2>/dev/null &&
	ls -A o >left && echo r.jsonl >expect && test_cmp expect left &&
	head -c 20000 gen.tar.gz >cut.tar.gz && mkdir f &&
	test_expect_code 1 env REPRO_INGEST_MEM=4096 repro builtin ingest --source cut.tar.gz \
		--out f/r.jsonl --params /dev/null 2>/dev/null &&
	ls -A f >left && test ! -s left
'

test_expect_success 'REPRO_INGEST_MEM must be a number of bytes' '
	test_expect_code 2 env REPRO_INGEST_MEM=12k repro builtin ingest --source gen.tar.gz \
		--params /dev/null 2>err &&
	test_grep "invalid REPRO_INGEST_MEM .12k.: a number of bytes from 4096 is needed" err
'

C=$SHARED/corpus
if test -d "$C/k8s" && test -f "$C/k8s.tar.gz"; then
	test_expect_success 'the shared corpus in 4 KiB: the same as in memory' '
		same_ingest corpus --source "$C/k8s.tar.gz" --params /dev/null &&
		test_grep "6774 files seen, 6758 matched include, 402 duplicates, 6356 written" corpus.err &&
		same_ingest corpus-dir --source "$C/k8s" --params /dev/null &&
		cmp corpus.jsonl corpus-dir.jsonl
	'
else
	test_skip "the shared corpus is absent ($C)" "the shared corpus in 4 KiB"
fi

test_done
