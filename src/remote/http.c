/*
 * HTTP(S) remotes: objects are read with GET and HEAD, written with PUT
 * (always with a Content-Length) and removed with DELETE; WebDAV servers
 * (nginx's dav module, Apache mod_dav, rclone serve webdav) also give
 * listings through PROPFIND and create missing parent collections through
 * MKCOL, which is how a PUT into a missing directory is retried.
 *
 * Credentials: remote.NAME.user and remote.NAME.password (in
 * .repro/config.local), else REPRO_HTTP_USER and REPRO_HTTP_PASSWORD, else
 * the URL's userinfo; sent with basic auth. They are handed to libcurl
 * apart from the URL, so no message that names the URL can show them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "remote/remotepriv.h"
#include "util/error.h"
#include "util/xalloc.h"

static const char propfind_body[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<propfind xmlns=\"DAV:\"><prop><resourcetype/><getcontentlength/><getlastmodified/></prop></propfind>";

struct http {
	char *base;      /* the remote's URL without userinfo, ending in '/' */
	char *base_path; /* its path, decoded, ending in '/': what PROPFIND hrefs start with */
	char *user;      /* NULL: no authentication */
	char *password;  /* "" when only a user is given */
};

/* Takes user and password out of url (decoded), leaving the rest in u. */
static void take_userinfo(CURLU *u, char **user, char **password)
{
	char *s = NULL;

	if (curl_url_get(u, CURLUPART_USER, &s, CURLU_URLDECODE) == CURLUE_OK && s && *s)
		*user = xstrdup(s);
	curl_free(s);
	s = NULL;
	if (curl_url_get(u, CURLUPART_PASSWORD, &s, CURLU_URLDECODE) == CURLUE_OK && s)
		*password = xstrdup(s);
	curl_free(s);
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
}

static int http_open(struct remote *r, const struct config *c, const char *url)
{
	struct http *h = xcalloc(1, sizeof(*h));
	CURLU *u = curl_url();
	char *url_user = NULL, *url_pass = NULL, *s = NULL, *path = NULL;
	struct strbuf sb = STRBUF_INIT;

	r->priv = h;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return error("remote '%s' has an invalid URL '%s'", r->name, r->display);
	}
	take_userinfo(u, &url_user, &url_pass);
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	curl_url_get(u, CURLUPART_URL, &s, 0);
	curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
	strbuf_addstr(&sb, s);
	if (!sb.len || sb.buf[sb.len - 1] != '/')
		strbuf_addch(&sb, '/');
	h->base = strbuf_detach(&sb, NULL);
	strbuf_addstr(&sb, path ? path : "/");
	if (!sb.len || sb.buf[sb.len - 1] != '/')
		strbuf_addch(&sb, '/');
	h->base_path = strbuf_detach(&sb, NULL);
	curl_free(s);
	curl_free(path);
	curl_url_cleanup(u);

	h->user = remote_setting(r, c, "user", "REPRO_HTTP_USER");
	h->password = remote_setting(r, c, "password", "REPRO_HTTP_PASSWORD");
	if (!h->user) {
		h->user = url_user;
		url_user = NULL;
	}
	if (!h->password) {
		h->password = url_pass;
		url_pass = NULL;
	}
	if (h->user && !h->password)
		h->password = xstrdup("");
	free(url_user);
	free(url_pass);
	return 0;
}

static void http_close(struct remote *r)
{
	struct http *h = r->priv;

	free(h->base);
	free(h->base_path);
	free(h->user);
	if (h->password)
		memset(h->password, 0, strlen(h->password));
	free(h->password);
	free(h);
	r->priv = NULL;
}

/* Number of parent collections of a key: "runs/ab/cd" has 2. */
static int nparents(const char *key)
{
	int n = 0;

	for (const char *p = key; *p; p++)
		n += *p == '/';
	return n;
}

static void url_for(struct http *h, const char *key, size_t len, struct strbuf *out)
{
	strbuf_addstr(out, h->base);
	url_encode(out, key, len, 1);
}

static int http_setup(struct remote *r, struct xop *x, CURL *c)
{
	struct http *h = r->priv;
	struct strbuf url = STRBUF_INIT;
	const char *key = x->op->key;

	if (x->op->type == ROP_PUT && x->phase > 0) {
		/* MKCOL of the phase-th parent: "runs/", then "runs/ab/" */
		const char *p = key;
		for (int i = 0; i < x->phase; i++)
			p = strchr(p, '/') + 1;
		url_for(h, key, (size_t)(p - key), &url);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 0L);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "MKCOL");
	} else {
		url_for(h, key, strlen(key), &url);
	}
	if (x->op->type == ROP_LIST) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PROPFIND");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, propfind_body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(sizeof(propfind_body) - 1));
		x->hdrs = curl_slist_append(x->hdrs, "Depth: 1");
		x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/xml; charset=utf-8");
	}
	if (x->op->type == ROP_PUT && x->phase <= 0) {
		x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/octet-stream");
		/* no "Expect: 100-continue" round trip before a large upload (not
		 * for S3, where libcurl would sign the empty header) */
		x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	}
	curl_easy_setopt(c, CURLOPT_URL, url.buf);
	if (h->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, h->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
	}
	strbuf_release(&url);
	return 0;
}

static enum xresult http_classify(struct remote *r, struct xop *x)
{
	long s = x->http;

	(void)r;
	if (x->op->type == ROP_PUT && x->phase == 0 && (s == 404 || s == 409) && nparents(x->op->key)) {
		/* the parent collection is missing: create it, then PUT again */
		x->phase = 1;
		return XR_AGAIN;
	}
	if (x->op->type == ROP_PUT && x->phase > 0 && (s / 100 == 2 || s == 405)) {
		/* created, or it already existed (405: MKCOL on an existing one) */
		x->phase = x->phase < nparents(x->op->key) ? x->phase + 1 : -1;
		return XR_AGAIN;
	}
	if (x->op->type == ROP_LIST && (s == 405 || s == 501)) {
		/* a plain HTTP server: no PROPFIND. Not an error here; whoever
		 * wanted the listing falls back to HEADs, or says it needs one. */
		r->cannot_list = 1;
		return XR_MISSING;
	}
	return XR_DEFAULT;
}

/* State while scanning a PROPFIND multistatus. */
struct dav_scan {
	struct http *h;
	struct xop *x;
	CURL *c;
	struct strbuf href;  /* the current response's href, decoded */
	int64_t mtime;
	uint64_t size;
	int collection;      /* the current response is a collection */
};

static void dav_entry(struct dav_scan *d)
{
	const char *href = d->href.buf, *want = d->h->base_path;
	size_t wl = strlen(want), pl = strlen(d->x->op->key);

	/* an absolute URL: keep its path */
	if (!strncmp(href, "http://", 7) || !strncmp(href, "https://", 8)) {
		const char *p = strchr(strstr(href, "://") + 3, '/');
		href = p ? p : "/";
	}
	if (d->collection || strncmp(href, want, wl) || strncmp(href + wl, d->x->op->key, pl))
		return;
	const char *name = href + wl + pl;
	if (!*name || strchr(name, '/') || name[0] == '.')
		return;
	xop_add_entry(d->x, href + wl, strlen(href + wl), d->mtime, d->size);
}

static int dav_fn(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end)
{
	struct dav_scan *d = ctx;
	struct strbuf sb = STRBUF_INIT;

#define IS(s) (nlen == sizeof(s) - 1 && !memcmp(name, s, nlen))
	if (IS("response") && !text) {
		if (end)
			dav_entry(d);
		strbuf_reset(&d->href);
		d->mtime = 0;
		d->size = 0;
		d->collection = 0;
	} else if (IS("collection") && !end) {
		d->collection = 1;
	} else if (text && (IS("href") || IS("getlastmodified") || IS("getcontentlength"))) {
		xml_unescape(&sb, text, tlen);
		if (IS("href")) {
			int n = 0;
			char *dec = curl_easy_unescape(d->c, sb.buf, (int)sb.len, &n);
			strbuf_reset(&d->href);
			if (dec && !memchr(dec, '\0', (size_t)n))
				strbuf_add(&d->href, dec, (size_t)n);
			curl_free(dec);
		} else if (IS("getlastmodified")) {
			d->mtime = parse_http_time(sb.buf);
		} else {
			d->size = strtoull(sb.buf, NULL, 10);
		}
	}
#undef IS
	strbuf_release(&sb);
	return 0;
}

static enum xresult http_list_page(struct remote *r, struct xop *x)
{
	struct dav_scan d = { .h = r->priv, .x = x, .c = x->h, .href = STRBUF_INIT };
	int ret = xml_scan(x->body.buf, x->body.len, dav_fn, &d);

	strbuf_release(&d.href);
	if (ret < 0) {
		strbuf_reset(&x->reason);
		strbuf_addstr(&x->reason, "the server's PROPFIND answer is not well-formed XML");
		return XR_FAIL;
	}
	return XR_OK;
}

static void http_auth_hint(struct remote *r, struct xop *x, struct strbuf *out)
{
	struct http *h = r->priv;

	(void)x;
	if (h->user)
		strbuf_addf(out, ": the user name or password is wrong; fix remote.%s.user and "
			    "remote.%s.password ('repro remote modify --local %s password ...') or "
			    "REPRO_HTTP_USER and REPRO_HTTP_PASSWORD", r->name, r->name, r->name);
	else
		strbuf_addf(out, ": the server wants credentials; set them with 'repro remote modify --local "
			    "%s user NAME' and 'password ...', or REPRO_HTTP_USER and REPRO_HTTP_PASSWORD",
			    r->name);
}

const struct remote_kind remote_http = {
	.name = "http",
	.open = http_open,
	.close = http_close,
	.setup = http_setup,
	.classify = http_classify,
	.list_page = http_list_page,
	.auth_hint = http_auth_hint,
	/* a PROPFIND entry is ~450 bytes of XML: 1000 of them cost about a request */
	.list_cost_per_1000 = 1,
};
