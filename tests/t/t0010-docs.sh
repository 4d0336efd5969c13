#!/bin/sh
# docs/cli.md is exactly what every command's --help says.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'docs/cli.md matches --help (regenerate with scripts/gen-cli-docs.sh)' '
	sh "$SRCDIR/scripts/gen-cli-docs.sh" repro >cli.md &&
	test_cmp "$SRCDIR/docs/cli.md" cli.md
'

test_expect_success 'the README mentions every command' '
	for c in $(repro --help | awk "/^commands:/ {on=1; next} on && /^    / {print \$1}"); do
		grep -q "repro $c" "$SRCDIR/README.md" || { echo "README lacks repro $c"; exit 1; }
	done
'

test_done
