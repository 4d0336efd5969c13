#!/bin/sh
# Usage: webdav-up.sh DIR [PORT]  -> nginx WebDAV on 127.0.0.1:PORT (no auth) and PORT+1 (basic auth alice:secret)
#        webdav-up.sh DIR PORT --tls CERT KEY
#          -> nginx WebDAV over TLS on https://127.0.0.1:PORT/ (no auth) with
#             the certificate CERT and its key KEY (PEM files made by the
#             caller, e.g. a self-signed one from `openssl req -x509`)
# Serves DIR/data; stop it with webdav-down.sh DIR.
set -eu
D=$(realpath -m "$1"); PORT=${2:-18080}; CERT=; KEY=
if [ "${3:-}" = --tls ]; then CERT=$(realpath "$4"); KEY=$(realpath "$5"); fi
mkdir -p "$D/data" "$D/tmp" "$D/logs"
printf 'alice:%s\n' "$(openssl passwd -apr1 secret)" > "$D/htpasswd"
USER_LINE=""; [ "$(id -u)" = 0 ] && USER_LINE="user root root;"   # else workers run as nobody and cannot write DIR/data
DAV='dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
            autoindex on;'
if [ -n "$CERT" ]; then
  SERVERS="server {
        listen 127.0.0.1:$PORT ssl;
        ssl_certificate     $CERT;
        ssl_certificate_key $KEY;
        root data;
        client_max_body_size 0;
        location / {
            $DAV
        }
    }"
  URL=https://127.0.0.1:$PORT/
else
  SERVERS="server {
        listen 127.0.0.1:$PORT;
        root data;
        client_max_body_size 0;
        location / {
            $DAV
        }
    }
    server {
        listen 127.0.0.1:$((PORT+1));
        root data;
        client_max_body_size 0;
        location / {
            auth_basic \"repro\";
            auth_basic_user_file $D/htpasswd;
            $DAV
        }
    }"
  URL=http://127.0.0.1:$PORT/
fi
cat > "$D/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
$USER_LINE
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log info;
events { worker_connections 256; }
http {
    access_log logs/access.log;
    client_body_temp_path tmp/body;
    proxy_temp_path       tmp/proxy;
    fastcgi_temp_path     tmp/fastcgi;
    uwsgi_temp_path       tmp/uwsgi;
    scgi_temp_path        tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    $SERVERS
}
EOF
nginx -p "$D" -c "$D/nginx.conf"          # daemonizes; pid in DIR/logs/nginx.pid
i=0; until curl -s -o /dev/null ${CERT:+--cacert "$CERT"} "$URL"; do
  i=$((i+1)); [ $i -gt 100 ] && { echo "nginx not ready" >&2; cat "$D/logs/error.log" >&2; exit 1; }; sleep 0.05; done
if [ -n "$CERT" ]; then echo "webdav ready: $URL"
else echo "webdav ready: $URL  (auth: http://alice:secret@127.0.0.1:$((PORT+1))/)"; fi
