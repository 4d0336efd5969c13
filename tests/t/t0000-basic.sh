#!/bin/sh
# The command-line surface: version, help, usage errors, init.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'version prints the version' '
	repro version >out &&
	test_grep "^repro [0-9]" out
'

test_expect_success 'no command is a usage error (exit 2)' '
	test_expect_code 2 repro 2>err &&
	test_grep "usage: repro" err
'

test_expect_success 'unknown command is a usage error naming it' '
	test_expect_code 2 repro frobnicate 2>err &&
	test_grep "frobnicate" err
'

test_expect_success 'unknown option is a usage error' '
	test_expect_code 2 repro version --bogus 2>err &&
	test_grep "unknown option .--bogus." err
'

test_expect_success 'init creates .repro and its gitignore' '
	mkdir p && cd p &&
	repro init >out &&
	test -d .repro/cache && test -f .repro/config &&
	test_grep "^/cache/" .repro/.gitignore
'

test_expect_success 'init twice is refused without --force' '
	cd p &&
	test_expect_code 2 repro init 2>err &&
	test_grep "already exists" err &&
	repro init --force
'

test_expect_success 'commands that need a project say how to make one' '
	mkdir -p empty && cd empty &&
	test_expect_code 2 repro status 2>err &&
	test_grep "repro init" err
'

test_done
