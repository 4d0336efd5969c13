#!/bin/sh
# The fuzz targets' seeds and every input a fuzzer ever crashed on
# (tests/fuzz/regress/TARGET/, one line each in tests/fuzz/README.md),
# replayed through each target's entry point by its replay driver, built
# with the normal compiler: under check-san they run with ASan and UBSan,
# so a fixed crash that comes back fails here, without clang or libFuzzer.
. "$(dirname "$0")/../test-lib.sh"

FUZZ=$SRCDIR/tests/fuzz
targets=$(cd "$FUZZ" && ls *.c | sed -e '/^replay\.c$/d' -e 's/\.c$//')

replay() { # replay TARGET FILE...: the driver, under valgrind with REPRO_VALGRIND
	t=$1
	shift
	if [ -n "${REPRO_VALGRIND:-}" ]; then
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
			"$BUILD/fuzz/replay-$t" "$@"
	else
		"$BUILD/fuzz/replay-$t" "$@"
	fi
}

test_expect_success 'every target has a replay driver and seeds' '
	test -n "$targets" &&
	for t in $targets; do
		test -x "$BUILD/fuzz/replay-$t" &&
		test -n "$(ls "$FUZZ/corpus/$t")" || return 1
	done
'

test_expect_success 'the driver fails on a file it cannot read' '
	set -- $targets &&
	test_expect_code 2 replay "$1" "$TRASH/no-such-input"
'

for t in $targets; do
	test_expect_success "$t: every seed and regression input runs clean" '
		set -- "$FUZZ/corpus/'"$t"'"/* &&
		if [ -d "$FUZZ/regress/'"$t"'" ]; then set -- "$@" "$FUZZ/regress/'"$t"'"/*; fi &&
		replay '"$t"' "$@" 2>err || { tail -20 err; false; }
	'
done

test_expect_success 'every regression input is listed in tests/fuzz/README.md' '
	for f in "$FUZZ"/regress/*/*; do
		name=$(basename "$(dirname "$f")")/$(basename "$f") &&
		grep -q "$name" "$FUZZ/README.md" || { echo "not in README: $name"; return 1; }
	done
'

test_done
