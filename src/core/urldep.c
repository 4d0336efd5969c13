#include "core/urldep.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/hash.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/tls.h"
#include "util/xalloc.h"

struct headers {
	char *etag;     /* the ETag header's value, if any */
	char *modified; /* the Last-Modified header's value, if any */
};

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n))
		return NULL;
	const char *v = line + n;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return xstrndup(v, (size_t)(end - v));
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct headers *h = ctx;
	size_t len = size * n;
	char *v;

	if ((v = header_value(line, len, "etag:"))) {
		free(h->etag);
		h->etag = v;
	} else if ((v = header_value(line, len, "last-modified:"))) {
		free(h->modified);
		h->modified = v;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	hash_stream_update(ctx, data, size * n);
	return size * n;
}

static int fetch(const char *url, int head, struct headers *h, struct hash_stream *md)
{
	CURL *c = curl_easy_init();
	char err[CURL_ERROR_SIZE] = "";
	long status = 0;

	if (!c)
		return error("cannot start libcurl");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	tls_setup(c, 1, NULL);
	if (!head) {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, md);
	}
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		return error("cannot check dep '%s': %s%s", url, err[0] ? err : curl_easy_strerror(rc),
			     tls_cert_error(rc) ? " (the server's certificate is not trusted here: set CURL_CA_BUNDLE "
						  "to a file holding its CA)" : "");
	if (status >= 400)
		return error("cannot check dep '%s': the server answered %ld", url, status);
	return 0;
}

int urldep_check(const char *url, char **tag)
{
	struct headers h = { 0 };
	int ret = -1;

	*tag = NULL;
	if (fetch(url, 1, &h, NULL) < 0)
		goto done;
	if (h.etag) {
		*tag = xasprintf("etag:%s", h.etag);
	} else if (h.modified) {
		*tag = xasprintf("modified:%s", h.modified);
	} else {
		struct hash_stream md;
		char hex[HASH_HEX_LEN + 1];
		hash_stream_init(&md);
		if (fetch(url, 0, &h, &md) < 0) {
			hash_stream_abort(&md);
			goto done;
		}
		hash_stream_final(&md, hex);
		*tag = xasprintf("sha256:%s", hex);
	}
	ret = 0;
done:
	free(h.etag);
	free(h.modified);
	return ret;
}
