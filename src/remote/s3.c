/*
 * S3 and S3-compatible remotes (s3://BUCKET/PREFIX).
 *
 * Requests are signed with AWS Signature V4 by libcurl itself
 * (CURLOPT_AWS_SIGV4); this file only supplies what libcurl 7.88 leaves to
 * the caller: the x-amz-content-sha256 header (an object's id is the
 * SHA-256 of its content, so uploads are signed with their real payload
 * hash and the server rejects a body that does not match it), the session
 * token header, and a query string already in canonical form (parameters
 * sorted, values percent-encoded), because libcurl signs the query exactly
 * as given.
 *
 * Addressing: path style (ENDPOINT/BUCKET/KEY, the default with a custom
 * endpoint) or virtual-host style (BUCKET.HOST/KEY, the default on AWS).
 * A virtual host name can be pinned to an address with remote.NAME.resolve
 * so that tests never depend on DNS.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "remote/remotepriv.h"
#include "util/error.h"
#include "util/xalloc.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3 {
	char *bucket;
	char *prefix;   /* key prefix inside the bucket: "" or ending in '/' */
	char *base;     /* URL of the bucket's root, ending in '/' */
	char *sigv4;    /* "aws:amz:REGION:s3" */
	char *region;
	char *key_id;   /* NULL: anonymous requests */
	char *secret;
	char *token;    /* session token, or NULL */
};

static int bucket_valid(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63)
		return 0;
	for (const char *p = b; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '.')
			return 0;
	return 1;
}

/* Splits "s3://bucket/some/prefix" into bucket and "some/prefix/". */
static int parse_s3_url(struct s3 *s, const char *url, const char *name)
{
	const char *b = url + 5, *slash = strchr(b, '/');
	struct strbuf p = STRBUF_INIT;

	s->bucket = slash ? xstrndup(b, (size_t)(slash - b)) : xstrdup(b);
	if (!bucket_valid(s->bucket))
		return error("remote '%s': '%s' is not a valid bucket name (3 to 63 lowercase letters, "
			     "digits, '-' and '.')", name, s->bucket);
	if (slash) {
		const char *q = slash;
		while (*q == '/')
			q++;
		strbuf_addstr(&p, q);
		while (p.len && p.buf[p.len - 1] == '/')
			strbuf_setlen(&p, p.len - 1);
		if (p.len)
			strbuf_addch(&p, '/');
	}
	s->prefix = strbuf_detach(&p, NULL);
	return 0;
}

/* Builds the bucket's base URL from the endpoint and the addressing style. */
static int build_base(struct remote *r, struct s3 *s, const char *endpoint, int virtual_host)
{
	CURLU *u = curl_url();
	struct strbuf ep = STRBUF_INIT, sb = STRBUF_INIT;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	int ret = 0;

	if (endpoint && !strstr(endpoint, "://"))
		strbuf_addstr(&ep, "https://");
	if (endpoint)
		strbuf_addstr(&ep, endpoint);
	else
		strbuf_addf(&ep, "https://s3.%s.amazonaws.com", s->region);
	if (curl_url_set(u, CURLUPART_URL, ep.buf, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		ret = error("remote '%s': invalid endpoint '%s'", r->name, ep.buf);
		goto done;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	strbuf_addf(&sb, "%s://", scheme);
	if (virtual_host)
		strbuf_addf(&sb, "%s.", s->bucket);
	strbuf_addstr(&sb, host);
	if (port)
		strbuf_addf(&sb, ":%s", port);
	if (path && strcmp(path, "/"))
		strbuf_addstr(&sb, path);
	if (sb.buf[sb.len - 1] != '/')
		strbuf_addch(&sb, '/');
	if (!virtual_host)
		strbuf_addf(&sb, "%s/", s->bucket);
	s->base = strbuf_detach(&sb, NULL);
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	strbuf_release(&ep);
	strbuf_release(&sb);
	return ret;
}

static int s3_open(struct remote *r, const struct config *c, const char *url)
{
	struct s3 *s = xcalloc(1, sizeof(*s));
	char *endpoint = NULL, *addressing = NULL;
	int virtual_host, ret = -1;

	r->priv = s;
	if (parse_s3_url(s, url, r->name) < 0)
		return -1;
	endpoint = remote_setting(r, c, "endpoint", "AWS_ENDPOINT_URL");
	addressing = remote_setting(r, c, "addressing", NULL);
	s->region = remote_setting(r, c, "region", "AWS_REGION");
	if (!s->region && getenv("AWS_DEFAULT_REGION") && *getenv("AWS_DEFAULT_REGION"))
		s->region = xstrdup(getenv("AWS_DEFAULT_REGION"));
	if (!s->region)
		s->region = xstrdup("us-east-1");
	for (const char *p = s->region; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-') {
			error("remote '%s': invalid region '%s'", r->name, s->region);
			goto done;
		}
	virtual_host = !endpoint;
	if (addressing && !strcmp(addressing, "virtual"))
		virtual_host = 1;
	else if (addressing && !strcmp(addressing, "path"))
		virtual_host = 0;
	else if (addressing) {
		error("remote.%s.addressing must be 'path' or 'virtual', not '%s'", r->name, addressing);
		goto done;
	}
	if (build_base(r, s, endpoint, virtual_host) < 0)
		goto done;
	s->sigv4 = xasprintf("aws:amz:%s:s3", s->region);
	s->key_id = remote_setting(r, c, "access-key-id", "AWS_ACCESS_KEY_ID");
	s->secret = remote_setting(r, c, "secret-access-key", "AWS_SECRET_ACCESS_KEY");
	s->token = remote_setting(r, c, "session-token", "AWS_SESSION_TOKEN");
	if (!s->key_id != !s->secret) {
		error("remote '%s' has %s but no %s: set both (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
		      "or remote.%s.access-key-id and secret-access-key in .repro/config.local)", r->name,
		      s->key_id ? "an access key id" : "a secret access key",
		      s->key_id ? "secret access key" : "access key id", r->name);
		goto done;
	}
	ret = 0;
done:
	free(endpoint);
	free(addressing);
	return ret;
}

static void wipe(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

static void s3_close(struct remote *r)
{
	struct s3 *s = r->priv;

	free(s->bucket);
	free(s->prefix);
	free(s->base);
	free(s->sigv4);
	free(s->region);
	free(s->key_id);
	wipe(s->secret);
	wipe(s->token);
	free(s);
	r->priv = NULL;
}

/* The list request: the bucket root with a canonical query string. */
static void list_url(struct s3 *s, struct xop *x, struct strbuf *url)
{
	struct strbuf pfx = STRBUF_INIT;

	strbuf_addstr(url, s->base);
	strbuf_addch(url, '?');
	/* parameters in byte order, as SigV4's canonical query requires */
	if (x->token.len) {
		strbuf_addstr(url, "continuation-token=");
		url_encode(url, x->token.buf, x->token.len, 0);
		strbuf_addch(url, '&');
	}
	strbuf_addstr(url, "list-type=2&prefix=");
	strbuf_addf(&pfx, "%s%s", s->prefix, x->op->key);
	url_encode(url, pfx.buf, pfx.len, 0);
	strbuf_release(&pfx);
}

static int s3_setup(struct remote *r, struct xop *x, CURL *c)
{
	struct s3 *s = r->priv;
	struct strbuf url = STRBUF_INIT, h = STRBUF_INIT;

	if (x->op->type == ROP_LIST) {
		list_url(s, x, &url);
	} else {
		strbuf_addstr(&url, s->base);
		url_encode(&url, s->prefix, strlen(s->prefix), 1);
		url_encode(&url, x->op->key, strlen(x->op->key), 1);
	}
	curl_easy_setopt(c, CURLOPT_URL, url.buf);
	strbuf_addf(&h, "x-amz-content-sha256: %s",
		    x->op->type == ROP_PUT && x->op->sha256[0] ? x->op->sha256 :
		    x->op->type == ROP_PUT ? "UNSIGNED-PAYLOAD" : EMPTY_SHA256);
	x->hdrs = curl_slist_append(x->hdrs, h.buf);
	if (s->key_id) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
		curl_easy_setopt(c, CURLOPT_USERNAME, s->key_id);
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->secret);
		if (s->token) {
			strbuf_reset(&h);
			strbuf_addf(&h, "x-amz-security-token: %s", s->token);
			x->hdrs = curl_slist_append(x->hdrs, h.buf);
			memset(h.buf, 0, h.len);
		}
	}
	if (x->op->type == ROP_PUT)
		x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/octet-stream");
	strbuf_release(&url);
	strbuf_release(&h);
	return 0;
}

/* The <Code> of an S3 error body, into out. */
static int code_of(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end)
{
	struct strbuf *out = ctx;

	if (!end && text && nlen == 4 && !memcmp(name, "Code", 4) && !out->len)
		xml_unescape(out, text, tlen);
	return 0;
}

static void error_code(struct xop *x, struct strbuf *code)
{
	if (x->body.len)
		xml_scan(x->body.buf, x->body.len, code_of, code);
}

static enum xresult s3_classify(struct remote *r, struct xop *x)
{
	struct s3 *s = r->priv;
	struct strbuf code = STRBUF_INIT;
	enum xresult res = XR_DEFAULT;

	if (x->http == 301 || x->http == 307 || x->http == 400) {
		error_code(x, &code);
		strbuf_reset(&x->reason);
		if (!strcmp(code.buf, "XAmzContentSHA256Mismatch")) {
			/* the body changed on its way: send it again */
			strbuf_addstr(&x->reason, "HTTP 400 (XAmzContentSHA256Mismatch): the server received "
				      "other bytes than were sent");
			res = XR_RETRY;
		} else if (x->http != 400 || !strcmp(code.buf, "AuthorizationHeaderMalformed")) {
			strbuf_addf(&x->reason, "HTTP %ld (%s): the bucket '%s' is not in region '%s'? "
				    "set remote.%s.region", x->http, code.len ? code.buf : "redirect",
				    s->bucket, s->region, r->name);
			res = XR_FAIL;
		} else if (!strcmp(code.buf, "NoSuchBucket")) {
			strbuf_addf(&x->reason, "HTTP 400 (NoSuchBucket): create the bucket '%s' first",
				    s->bucket);
			res = XR_FAIL;
		}
	} else if (x->http == 404 && x->op->type == ROP_LIST) {
		error_code(x, &code);
		if (!strcmp(code.buf, "NoSuchBucket")) {
			strbuf_reset(&x->reason);
			strbuf_addf(&x->reason, "HTTP 404 (NoSuchBucket): create the bucket '%s' first",
				    s->bucket);
			res = XR_FAIL;
		}
	}
	strbuf_release(&code);
	return res;
}

/* State while scanning a ListObjectsV2 page. */
struct list_scan {
	struct s3 *s;
	struct xop *x;
	struct strbuf key;   /* the current <Contents>' key, decoded */
	int64_t mtime;
	uint64_t size;
	int truncated;       /* <IsTruncated>true */
};

static int list_fn(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end)
{
	struct list_scan *l = ctx;
	size_t pl = strlen(l->s->prefix);
	struct strbuf sb = STRBUF_INIT;

#define IS(s) (nlen == sizeof(s) - 1 && !memcmp(name, s, nlen))
	if (IS("Contents") && !text) {
		if (end && l->key.len > pl && !strncmp(l->key.buf, l->s->prefix, pl))
			xop_add_entry(l->x, l->key.buf + pl, l->key.len - pl, l->mtime, l->size);
		strbuf_reset(&l->key);
		l->mtime = 0;
		l->size = 0;
	} else if (text) {
		xml_unescape(&sb, text, tlen);
		if (IS("Key")) {
			strbuf_reset(&l->key);
			if (!memchr(sb.buf, '\0', sb.len))
				strbuf_addbuf(&l->key, &sb);
		} else if (IS("LastModified")) {
			l->mtime = parse_http_time(sb.buf);
		} else if (IS("Size")) {
			l->size = strtoull(sb.buf, NULL, 10);
		} else if (IS("IsTruncated")) {
			l->truncated = !strcmp(sb.buf, "true");
		} else if (IS("NextContinuationToken")) {
			strbuf_reset(&l->x->token);
			strbuf_addbuf(&l->x->token, &sb);
		}
	}
#undef IS
	strbuf_release(&sb);
	return 0;
}

static enum xresult s3_list_page(struct remote *r, struct xop *x)
{
	struct list_scan l = { .s = r->priv, .x = x, .key = STRBUF_INIT };
	size_t had_token = x->token.len;
	char *old = had_token ? xstrdup(x->token.buf) : NULL;
	int ret;

	strbuf_reset(&x->token);
	ret = xml_scan(x->body.buf, x->body.len, list_fn, &l);
	strbuf_release(&l.key);
	if (ret < 0) {
		free(old);
		strbuf_reset(&x->reason);
		strbuf_addstr(&x->reason, "the server's listing is not well-formed XML");
		return XR_FAIL;
	}
	if (l.truncated && (!x->token.len || (old && !strcmp(old, x->token.buf)))) {
		free(old);
		strbuf_reset(&x->reason);
		strbuf_addstr(&x->reason, "the server's listing is truncated without a usable continuation token");
		return XR_FAIL;
	}
	free(old);
	if (!l.truncated) {
		strbuf_reset(&x->token);
		return XR_OK;
	}
	return XR_AGAIN;
}

static void s3_auth_hint(struct remote *r, struct xop *x, struct strbuf *out)
{
	struct s3 *s = r->priv;
	struct strbuf code = STRBUF_INIT;

	error_code(x, &code);
	if (!s->key_id)
		strbuf_addf(out, ": no credentials are set; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
			    "or 'repro remote modify --local %s access-key-id ...' and 'secret-access-key ...'",
			    r->name);
	else if (!strcmp(code.buf, "SignatureDoesNotMatch"))
		strbuf_addf(out, ": the signature does not match: the secret access key is wrong (check "
			    "AWS_SECRET_ACCESS_KEY or remote.%s.secret-access-key)", r->name);
	else if (!strcmp(code.buf, "InvalidAccessKeyId"))
		strbuf_addf(out, ": the access key id is unknown to the server (check AWS_ACCESS_KEY_ID or "
			    "remote.%s.access-key-id)", r->name);
	else if (!strcmp(code.buf, "RequestTimeTooSkewed"))
		strbuf_addstr(out, ": this machine's clock is too far from the server's");
	else if (!code.len)
		strbuf_addf(out, ": the secret access key may be wrong (check AWS_SECRET_ACCESS_KEY or "
			    "remote.%s.secret-access-key), or the credentials lack permission on bucket '%s'",
			    r->name, s->bucket);
	else
		strbuf_addf(out, ": check the credentials and the permissions on bucket '%s'", s->bucket);
	strbuf_release(&code);
}

const struct remote_kind remote_s3 = {
	.name = "s3",
	.open = s3_open,
	.close = s3_close,
	.setup = s3_setup,
	.classify = s3_classify,
	.list_page = s3_list_page,
	.auth_hint = s3_auth_hint,
	/* a page of up to 1000 keys is one request */
	.list_cost_per_1000 = 1,
};
