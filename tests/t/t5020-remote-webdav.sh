#!/bin/sh
# An HTTP remote on nginx's WebDAV module, started here on 127.0.0.1:
# the full round trip without auth, then basic auth (a wrong password is
# refused with a clear message, and no password is ever shown).
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-remote.sh"

command -v nginx >/dev/null 2>&1 || skip_all "nginx is not installed (apt-get install nginx libnginx-mod-http-dav-ext)"
test -f /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ||
	skip_all "nginx's WebDAV module is not installed (apt-get install libnginx-mod-http-dav-ext)"

port=$(test_free_port 0 2) || skip_all "no two free ports in a row"
if ! "$SERVICES/webdav-up.sh" "$TRASH/nginx" "$port" >"$TRASH/nginx-up.log" 2>&1; then
	skip_all "nginx did not start: $(tail -1 "$TRASH/nginx-up.log")"
fi
test_atexit "\"$SERVICES/webdav-down.sh\" \"$TRASH/nginx\""
URL=http://127.0.0.1:$port/cache
AUTH_URL=http://127.0.0.1:$((port + 1))/cache
export URL AUTH_URL

test_expect_success 'setup: a project with a WebDAV remote' '
	make_project p && cd p && repro remote add -d dav "$URL"
'

remote_suite

test_expect_success 'the objects are plain files in the served directory' '
	cd p && id=$(sha256sum model.txt | cut -c1-64) &&
	test_cmp model.txt ../nginx/data/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-)
'

if command -v script >/dev/null 2>&1; then
	test_expect_success 'on a terminal, the push and fetch summaries are lines of their own' '
		cd p && repro remote add tty "$URL-tty" &&
		tty_run repro push -r tty >out && grep -a -q "pushing: 11/11" tty.raw &&
		test_grep "^pushed 13 objects" out &&
		cd .. && clone_project p tt && cd tt && tty_run repro fetch -r tty >out &&
		grep -a -q "fetching: 11/11" tty.raw && test_grep "^fetched 13 objects" out
	'
else
	test_skip "script(1) from util-linux is not installed" "on a terminal, the summaries are lines of their own"
fi

test_expect_success 'existence checked by HEAD or by PROPFIND listings gives the same answer' '
	cd p && repro remote modify dav check head && repro status --cloud >st.a &&
	repro remote modify dav check list && repro status --cloud >st.b &&
	repro remote modify --unset dav check && test_cmp st.a st.b && test_grep "in sync" st.a
'

test_expect_success 'basic auth: no credentials are refused with a clear message' '
	cd p && repro remote add auth "$AUTH_URL" &&
	test_expect_code 1 repro push -r auth >out 2>err &&
	test_grep "refused the request" err && test_grep "HTTP 401" err &&
	test_grep "server wants credentials" err
'

test_expect_success 'basic auth: a wrong password is refused, and not shown' '
	cd p && repro remote modify auth user alice && repro remote modify auth password wrongpass >/dev/null &&
	test_expect_code 1 repro push -r auth -v >out 2>err &&
	test_grep "HTTP 401" err && test_grep "user name or password is wrong" err &&
	! grep wrongpass out err && ! grep wrongpass .repro/config
'

test_expect_success 'basic auth: the right password from the environment works' '
	cd p && repro remote modify --unset auth password &&
	REPRO_HTTP_PASSWORD=secret repro push -r auth >out &&
	test_grep "^everything is up to date on remote .auth." out &&
	cd .. && clone_project p alice && cd alice && rm -f .repro/config.local &&
	REPRO_HTTP_USER=alice REPRO_HTTP_PASSWORD=secret repro pull -r auth >out &&
	cd ../p && out_sums >../sums.p && cd ../alice && out_sums >../sums.a && test_cmp ../sums.p ../sums.a
'

test_expect_success 'basic auth: credentials in the URL work and stay out of .repro/config' '
	clone_project p u && cd u && rm -f .repro/config.local &&
	repro remote add -f -d auth "http://alice:secret@127.0.0.1:'"$((port + 1))"'/cache" >/dev/null &&
	! grep secret .repro/config && repro pull >out && test_grep "restored" out
'

test_expect_success 'a server that cannot take a PUT into a missing directory gets MKCOL first' '
	cd p && repro remote add -f fresh "$URL/deeper/level" && repro push -r fresh >out &&
	test_grep "^pushed 13 objects" out
'

test_done
