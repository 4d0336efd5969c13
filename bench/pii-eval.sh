#!/bin/sh
# pii-eval.sh: recall and false-positive rate of `repro builtin redact` over
# the planted-secret fixtures (tests/fixtures/pii), next to a naive peer: the
# four sed regexes a Python pipeline typically uses (IPv4, sk- keys, e-mail,
# password/token/secret fields), run in the same invocation.
#
#   recall   = planted secrets (`secret:` lines of NAME.check) absent from the output
#   FP rate  = look-alikes (`keep:` lines, with their `keep+:` lines) changed in the output
#   (scored by tests/pii-check.awk, as tests/t/t3510-redact.sh does)
#   exact    = outputs equal to NAME.expected
#
# Usage: bench/pii-eval.sh [REPRO] [FIXTURE_DIR]
set -eu
cd "$(dirname "$0")/.."
REPRO=${1:-./repro}
FIX=${2:-tests/fixtures/pii}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The peer: what design.md's four replacements look like as plain regexes.
naive() {
	sed -E \
		-e 's/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/IPV4_REDACTED/g' \
		-e 's/sk-[A-Za-z0-9_-]{20,}/sk-REDACTED/g' \
		-e 's/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/REDACTED_EMAIL/g' \
		-e 's/((password|token|secret)["'"'"']?[[:space:]]*[:=][[:space:]]*).+/\1REDACTED_CREDS/Ig' \
		"$1"
}

# score TOOL: prints "secrets found keeps lost exact cases" over all fixtures.
score() {
	tool=$1
	for f in "$FIX"/*.yaml; do
		name=$(basename "$f" .yaml)
		if [ "$tool" = repro ]; then
			"$REPRO" builtin redact "$f" >"$TMP/$name.out"
		else
			naive "$f" >"$TMP/$name.out"
		fi
		cmp -s "$TMP/$name.out" "$FIX/$name.expected" && echo "exact $name"
		awk -f tests/pii-check.awk "$FIX/$name.check" "$TMP/$name.out" | sed -e "s/^\([a-z]*\)/\1 $name/"
	done >"$TMP/$tool.log"
	awk -v tool="$tool" -v cases="$(ls "$FIX"/*.yaml | wc -l)" '
		$1 == "found" { f++ } $1 == "missed" { m++ }
		$1 == "kept" { k++ } $1 == "lost" { l++ } $1 == "exact" { e++ }
		END {
			printf "%-6s recall %3d/%-3d = %6.2f%%   false positives %3d/%-3d = %6.2f%%   exact %d/%d\n",
				tool, f, f + m, 100 * f / (f + m), l, k + l, 100 * l / (k + l), e, cases
		}' "$TMP/$tool.log"
}

echo "planted-secret fixtures: $(ls "$FIX"/*.yaml | wc -l) cases in $FIX"
score repro
score naive
if grep -q '^missed\|^lost' "$TMP/repro.log"; then
	echo "repro misses and false positives:"
	grep '^missed\|^lost' "$TMP/repro.log" | sed 's/^/  /'
fi
