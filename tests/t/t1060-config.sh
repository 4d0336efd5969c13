#!/bin/sh
# .repro/config and config.local, read through libgit2 and kept parsed in
# .repro/config.cache: every edit must be seen, however soon after another.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'an empty config (as init leaves it) needs no cache' '
	mkdir p && cd p && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: echo x >x.txt\n    outs: [x.txt]\n" >stages.yaml &&
	repro run >/dev/null && test ! -e .repro/config.cache
'

test_expect_success 'setup: a config with an entry is cached' '
	cd p && git config -f .repro/config cache.type copy &&
	repro run >/dev/null && test -f .repro/config.cache
'

test_expect_success 'an edit right after the cache was written is seen (racy)' '
	cd p && repro status >/dev/null &&
	git config -f .repro/config cache.type teleport &&
	test_expect_code 2 repro status 2>err && test_grep "teleport" err
'

test_expect_success 'an edit long after the cache was written is seen' '
	cd p && git config -f .repro/config cache.type copy && sleep 2.2 &&
	repro status >/dev/null && repro status >/dev/null &&
	git config -f .repro/config cache.type teleport2 &&
	test_expect_code 2 repro status 2>err && test_grep "teleport2" err
'

test_expect_success 'config.local wins over config, and is seen too' '
	cd p && git config -f .repro/config cache.type teleport3 && sleep 2.2 &&
	repro status >/dev/null 2>&1; git config -f .repro/config.local cache.type copy &&
	repro status >/dev/null &&
	git config -f .repro/config --unset cache.type
'

test_expect_success 'a damaged cache is ignored and rewritten' '
	cd p && echo garbage >.repro/config.cache &&
	git config -f .repro/config exec.jobs x &&
	test_expect_code 2 repro run 2>err && test_grep "exec.jobs. must be a number" err &&
	git config -f .repro/config --unset exec.jobs && repro run >/dev/null
'

test_expect_success 'a config that libgit2 cannot parse is reported' '
	cd p && printf "[core\n" >.repro/config &&
	test_expect_code 2 repro status 2>err && test_grep "cannot read config" err
'

test_expect_success 'with an empty config, an entry of config.local alone is seen' '
	mkdir q && cd q && repro init >/dev/null &&
	printf "stages:\n  a:\n    cmd: echo x >x.txt\n    outs: [x.txt]\n" >stages.yaml &&
	git config -f .repro/config.local cache.type teleport4 &&
	test_expect_code 2 repro status 2>err && test_grep "teleport4" err
'

test_done
