#!/bin/sh
# TLS against a real server: nginx on 127.0.0.1 with a self-signed
# certificate made here. Certificates are verified by default for remotes,
# URL deps and ingest URLs; a remote's ssl-verify false works and warns on
# every command; a CA named by ca-file (or ca_info, or CURL_CA_BUNDLE /
# SSL_CERT_FILE) works without a warning.
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-remote.sh"

command -v nginx >/dev/null 2>&1 || skip_all "nginx is not installed (apt-get install nginx libnginx-mod-http-dav-ext)"
test -f /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ||
	skip_all "nginx's WebDAV module is not installed (apt-get install libnginx-mod-http-dav-ext)"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"

# The machine's own CA settings must not decide what these tests see.
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR

mkdir -p "$TRASH/tls" &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$TRASH/tls/key.pem" -out "$TRASH/tls/cert.pem" >"$TRASH/tls/openssl.log" 2>&1 ||
	skip_all "openssl could not make a certificate: $(tail -1 "$TRASH/tls/openssl.log")"
port=$(test_free_port 3) || skip_all "no free port"
if ! "$SERVICES/webdav-up.sh" "$TRASH/nginx" "$port" --tls "$TRASH/tls/cert.pem" "$TRASH/tls/key.pem" \
	>"$TRASH/nginx-up.log" 2>&1; then
	skip_all "nginx did not start: $(tail -1 "$TRASH/nginx-up.log")"
fi
test_atexit "\"$SERVICES/webdav-down.sh\" \"$TRASH/nginx\""
URL=https://127.0.0.1:$port/cache
CA=$TRASH/tls/cert.pem
export URL CA port

WARNING="repro: warning: remote 'tls' is insecure: TLS certificate verification is off (remote.tls.ssl-verify is false), so anyone on the network path can pose as '$URL'; name its CA with ca-file instead"
export WARNING

test_expect_success 'setup: a project with an https remote' '
	make_project p && cd p && repro remote add -d tls "$URL"
'

test_expect_success 'verification is on by default: push fails with one certificate error, nothing sent' '
	cd p && test_expect_code 1 repro push >out 2>err &&
	test $(wc -l <err) = 1 &&
	test_grep "^repro: error: cannot check .* on remote .tls. ($URL): SSL certificate problem: self-signed certificate (the server.s certificate is not trusted here: name its CA with .repro remote modify tls ca-file FILE.)$" err &&
	test -z "$(find ../nginx/data -type f)"
'

test_expect_success 'and pull fails the same way' '
	clone_project p q && cd q && test_expect_code 1 repro pull >out 2>err &&
	test $(wc -l <err) = 1 && test_grep "SSL certificate problem" err && test ! -e model.txt
'

test_expect_success 'ssl-verify false (as DVC spells it): push works, with the warning on every command' '
	cd p && repro remote modify tls ssl_verify false &&
	test_grep "ssl-verify = false" .repro/config &&
	repro push >out 2>err && test_grep "^pushed 13 objects" out &&
	echo "$WARNING" >expect && test_cmp expect err &&
	repro status --cloud >out 2>err && test_grep "are in sync" out && test_cmp expect err &&
	cd ../q && cp ../p/.repro/config .repro/config && repro pull >out 2>err && test_cmp ../p/expect err &&
	cmp model.txt ../p/model.txt
'

test_expect_success 'a run --pull warns once, however many stages it restores' '
	clone_project p r && cd r && repro run --pull >out 2>err &&
	test_grep "^0 ran, 2 restored" out && echo "$WARNING" >expect && test_cmp expect err
'

test_expect_success 'ca-file names the CA: works without a warning' '
	cd p && repro remote modify --unset tls ssl-verify && repro remote modify tls ca-file "$CA" &&
	repro status --cloud >out 2>err && test_grep "are in sync" out && test ! -s err &&
	repro remote modify --unset tls ca-file && repro remote modify tls ca_info "$CA" &&
	test_grep "ca-file = $CA" .repro/config &&
	wipe && repro pull >out 2>err && test ! -s err && check_cache &&
	repro remote modify --unset tls ca-file
'

test_expect_success 'CURL_CA_BUNDLE or SSL_CERT_FILE name the CA: works without a warning' '
	cd p && test_expect_code 1 repro status --cloud >out 2>err &&
	CURL_CA_BUNDLE=$CA repro status --cloud >out 2>err && test_grep "are in sync" out && test ! -s err &&
	SSL_CERT_FILE=$CA repro status --cloud >out 2>err && test_grep "are in sync" out && test ! -s err
'

test_expect_success 'a wrong CA still fails: a CA file is trusted, not a switch' '
	cd p && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=other" -keyout other.key -out other.pem >/dev/null 2>&1 &&
	repro remote modify tls ca-file "$PWD/other.pem" &&
	test_expect_code 1 repro status --cloud >out 2>err && test_grep "SSL certificate problem" err &&
	repro remote modify --unset tls ca-file
'

test_expect_success 'a URL dep over https: verified by default, CURL_CA_BUNDLE trusts the CA' '
	echo data >nginx/data/dep.txt && mkdir u && cd u && repro init >/dev/null &&
	printf "stages:\n  a: {cmd: echo ran >o.txt, deps: [\"https://127.0.0.1:$port/dep.txt\"], outs: [o.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	test_grep "^repro: error: cannot check dep .https://127.0.0.1:$port/dep.txt.: SSL certificate problem: self-signed certificate (the server.s certificate is not trusted here: set CURL_CA_BUNDLE to a file holding its CA)$" err &&
	test ! -e o.txt &&
	CURL_CA_BUNDLE=$CA repro run >out 2>err && test "$(cat o.txt)" = ran
'

test_expect_success 'an ingest URL over https: verified by default, CURL_CA_BUNDLE trusts the CA' '
	tar -C "$SRCDIR/data" -cf nginx/data/sample.tar sample &&
	test_expect_code 1 repro builtin ingest --source "https://127.0.0.1:$port/sample.tar" --out i.jsonl \
		--params /dev/null 2>err &&
	test_grep "cannot read archive .https://127.0.0.1:$port/sample.tar.: SSL certificate problem" err &&
	test ! -e i.jsonl &&
	CURL_CA_BUNDLE=$CA repro builtin ingest --source "https://127.0.0.1:$port/sample.tar" --out i.jsonl \
		--params /dev/null 2>err &&
	test -s i.jsonl
'

test_done
