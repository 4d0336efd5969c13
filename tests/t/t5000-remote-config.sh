#!/bin/sh
# repro remote add|list|remove|default|modify: where settings go, and that
# secrets are never shown.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && repro init >/dev/null
'

test_expect_success 'add and list remotes; -d sets the default' '
	cd p &&
	repro remote add store /srv/cache &&
	repro remote add -d web https://example.invalid/cache &&
	repro remote list >out &&
	printf "store\t/srv/cache\nweb\thttps://example.invalid/cache (default)\n" >expect &&
	test_cmp expect out &&
	repro remote default >out && echo web >expect && test_cmp expect out
'

test_expect_success 'a URL with user:password keeps them out of .repro/config' '
	cd p &&
	repro remote add dav "http://alice:s3cr%40t@127.0.0.1:9/cache" >out &&
	test_grep "config.local" out &&
	! grep -r "s3cr" .repro/config && ! grep alice .repro/config &&
	test_grep "password = s3cr@t" .repro/config.local &&
	test_grep "user = alice" .repro/config.local &&
	repro remote list >out && ! grep s3cr out && ! grep alice out &&
	test_grep "^dav	http://127.0.0.1:9/cache$" out
'

test_expect_success 'secrets always go to config.local; other keys to config' '
	cd p &&
	repro remote modify web secret_access_key TOPSECRET >out &&
	test_grep "config.local" out &&
	! grep TOPSECRET .repro/config && test_grep "secret-access-key = TOPSECRET" .repro/config.local &&
	repro remote modify web jobs 7 && test_grep "jobs = 7" .repro/config &&
	repro remote modify --local web region eu-west-1 && test_grep "region = eu-west-1" .repro/config.local &&
	repro remote modify --unset web jobs && ! grep "jobs = 7" .repro/config
'

test_expect_success 'unknown keys and remotes are refused with a suggestion' '
	cd p &&
	test_expect_code 2 repro remote modify web regoin x 2>err &&
	test_grep "unknown remote setting .regoin. (did you mean .region.?)" err &&
	test_expect_code 2 repro remote modify wbe jobs 3 2>err &&
	test_grep "no remote named .wbe. (did you mean .web.?)" err &&
	test_expect_code 2 repro remote add store /elsewhere 2>err &&
	test_grep "already exists" err &&
	test_expect_code 2 repro remote add "bad name" /x 2>err &&
	test_grep "not a valid remote name" err
'

test_expect_success 'a failing request never shows the password' '
	cd p && echo x >x && repro add x >/dev/null &&
	repro remote modify dav retries 0 &&
	test_must_fail repro push -r dav >out 2>err &&
	! grep s3cr out err && test_grep "127.0.0.1:9/cache" err
'

test_expect_success 'bad settings are reported when the remote is opened' '
	cd p &&
	repro remote modify store jobs many &&
	test_expect_code 2 repro push -r store 2>err &&
	test_grep "remote.store.jobs must be a number" err &&
	repro remote modify store jobs 4 &&
	repro remote add -f odd ftp://example.invalid/x &&
	test_expect_code 2 repro push -r odd 2>err && test_grep "unsupported URL" err &&
	repro remote add -f s3bad s3://B/x &&
	test_expect_code 2 repro push -r s3bad 2>err && test_grep "not a valid bucket name" err
'

test_expect_success 'remove deletes every setting, and the default when it was that remote' '
	cd p &&
	repro remote remove web &&
	! grep example.invalid/cache .repro/config && ! grep TOPSECRET .repro/config.local &&
	repro remote list >out && ! grep web out &&
	test_must_fail repro remote default 2>err && test_grep "no default remote" err &&
	test_expect_code 2 repro remote remove web 2>err && test_grep "no remote named" err
'

test_expect_success 'with several remotes and no default, -r is required' '
	cd p && test_expect_code 2 repro push 2>err &&
	test_grep "no default remote" err
'

test_expect_success 'help lists the subcommands, without a project too' '
	repro remote --help >out && test_grep "modify" out &&
	repro push --help >out && test_grep "run-cache" out &&
	repro gc --help >out && test_grep "all-commits" out
'

test_done
