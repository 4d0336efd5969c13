#!/bin/sh
# Usage: webdav-up.sh DIR [PORT]  -> nginx WebDAV on 127.0.0.1:PORT (no auth) and PORT+1 (basic auth alice:secret)
set -eu
D=$(realpath -m "$1"); PORT=${2:-18080}
mkdir -p "$D/data" "$D/tmp" "$D/logs"
printf 'alice:%s\n' "$(openssl passwd -apr1 secret)" > "$D/htpasswd"
USER_LINE=""; [ "$(id -u)" = 0 ] && USER_LINE="user root root;"   # else workers run as nobody and cannot write DIR/data
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
    server {
        listen 127.0.0.1:$PORT;
        root data;
        client_max_body_size 0;
        location / {
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
            autoindex on;
        }
    }
    server {
        listen 127.0.0.1:$((PORT+1));
        root data;
        client_max_body_size 0;
        location / {
            auth_basic "repro";
            auth_basic_user_file $D/htpasswd;
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
            autoindex on;
        }
    }
}
EOF
nginx -p "$D" -c "$D/nginx.conf"          # daemonizes; pid in DIR/logs/nginx.pid
i=0; until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
  i=$((i+1)); [ $i -gt 100 ] && { echo "nginx not ready" >&2; cat "$D/logs/error.log" >&2; exit 1; }; sleep 0.05; done
echo "webdav ready: http://127.0.0.1:$PORT/  (auth: http://alice:secret@127.0.0.1:$((PORT+1))/)"
