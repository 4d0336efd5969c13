/*
 * Opening a remote from the config, and what every kind shares: keys,
 * redaction, batched existence checks and full listings.
 */
#include "remote/remote.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "remote/remotepriv.h"
#include "util/error.h"
#include "util/options.h"
#include "util/progress.h"
#include "util/xalloc.h"

/* Default parallel transfers over the network: enough to hide the latency
 * of many small requests, few enough not to overwhelm one server. */
#define NET_JOBS 32
/* Existence of fewer keys than this is always checked with HEADs. */
#define HEAD_ALWAYS_BELOW 64

static const char *const secret_keys[] = { "password", "secret-access-key", "session-token",
					   "access-key-id" };

int remote_key_is_secret(const char *name)
{
	for (size_t i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++)
		if (!strcasecmp(name, secret_keys[i]))
			return 1;
	return 0;
}

void remote_redact_url(const char *url, struct strbuf *out)
{
	CURLU *u;
	char *s = NULL;

	if (!strstr(url, "://") || !strncmp(url, "file://", 7)) {
		strbuf_addstr(out, url);
		return;
	}
	u = curl_url();
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		strbuf_addstr(out, s);
	else
		strbuf_addstr(out, "<invalid URL>");
	curl_free(s);
	curl_url_cleanup(u);
}

void remote_object_key(const char *id, struct strbuf *out)
{
	strbuf_addf(out, "%.2s/%s", id, id + 2);
}

void remote_run_key(const char *signature, struct strbuf *out)
{
	strbuf_addf(out, "runs/%.2s/%s", signature, signature + 2);
}

char *remote_setting(const struct remote *r, const struct config *c, const char *key, const char *env)
{
	char *k = xasprintf("remote.%s.%s", r->name, key);
	char *v = config_get(c, k);
	const char *e;

	free(k);
	if (!v && env && (e = getenv(env)) && *e)
		v = xstrdup(e);
	return v;
}

/* Collects NAME from every "remote.NAME.url" key. */
static int collect_name(const char *key, const char *value, void *ctx)
{
	struct strlist *l = ctx;
	const char *dot = strrchr(key, '.');

	(void)value;
	if (!strncmp(key, "remote.", 7) && dot && dot > key + 7 && !strcmp(dot, ".url"))
		strlist_push(l, xstrndup(key + 7, (size_t)(dot - key - 7)));
	return 0;
}

int remote_names(const struct config *c, struct strlist *out)
{
	return config_foreach(c, NULL, collect_name, out);
}

/* Picks the remote to use when none was named. */
static char *default_name(const struct config *cfg)
{
	char *name = config_get(cfg, "core.remote");
	struct strlist all = { 0 };

	if (name)
		return name;
	remote_names(cfg, &all);
	if (all.n == 1)
		name = xstrdup(all.items[0]);
	else if (!all.n)
		error("no remote configured: add one with 'repro remote add NAME URL'");
	else
		error("no default remote and %d remotes configured: choose one with -r NAME, or set "
		      "a default with 'repro remote default NAME'", all.n);
	strlist_release(&all, 1);
	return name;
}

/* Reads a non-negative integer setting; -1 when it is not one (reported). */
static int int_setting(struct remote *r, const struct config *c, const char *key, int def, int *out)
{
	char *v = remote_setting(r, c, key, NULL);
	char *end;
	long n;

	*out = def;
	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	if (end == v || *end || n < 0 || n > 100000) {
		error("remote.%s.%s must be a number from 0 to 100000, not '%s'", r->name, key, v);
		free(v);
		return -1;
	}
	*out = (int)n;
	free(v);
	return 0;
}

/* 1 for true/yes/on/1, 0 for false/no/off/0, def when unset, -1 otherwise (reported). */
int remote_bool_setting(struct remote *r, const struct config *c, const char *key, int def)
{
	char *v = remote_setting(r, c, key, NULL);
	int ret = def;

	if (!v)
		return def;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		ret = 1;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		ret = 0;
	else
		ret = error("remote.%s.%s must be true or false, not '%s'", r->name, key, v);
	free(v);
	return ret;
}

static void net_free(struct netopts *n)
{
	if (!n)
		return;
	curl_slist_free_all(n->resolve);
	free(n->ca_file);
	free(n);
}

/*
 * Says, once per process and remote, that certificates are not checked:
 * whoever is on the network path can then pose as the server and hand us
 * anything (the content is still hashed, but pushes and credentials leak).
 */
static void warn_insecure(const struct remote *r)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static struct strlist warned;
	int seen = 0;

	pthread_mutex_lock(&mu);
	for (int i = 0; i < warned.n && !seen; i++)
		seen = !strcmp(warned.items[i], r->name);
	if (!seen)
		strlist_push(&warned, xstrdup(r->name));
	pthread_mutex_unlock(&mu);
	if (!seen)
		warn("remote '%s' is insecure: TLS certificate verification is off (remote.%s.ssl-verify is false), "
		     "so anyone on the network path can pose as '%s'; name its CA with ca-file instead", r->name,
		     r->name, r->display);
}

static int net_open(struct remote *r, const struct config *c)
{
	struct netopts *n = xcalloc(1, sizeof(*n));
	char *res = remote_setting(r, c, "resolve", NULL);

	r->net = n;
	n->ca_file = remote_setting(r, c, "ca-file", NULL);
	n->ssl_verify = remote_bool_setting(r, c, "ssl-verify", 1);
	if (n->ssl_verify < 0) {
		free(res);
		return -1;
	}
	if (!n->ssl_verify)
		warn_insecure(r);
	for (char *p = res, *tok; p && (tok = strsep(&p, ","));) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (*tok)
			n->resolve = curl_slist_append(n->resolve, tok);
	}
	free(res);
	return 0;
}

static const struct remote_kind *kind_for(const char *url)
{
	if (!strncasecmp(url, "s3://", 5))
		return &remote_s3;
	if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8))
		return &remote_http;
	if (!strncmp(url, "file://", 7) || !strstr(url, "://"))
		return &remote_local;
	return NULL;
}

static int common_settings(struct remote *r, const struct config *c)
{
	char *check = remote_setting(r, c, "check", NULL);
	int def_jobs = NET_JOBS;

	if (r->kind == &remote_local) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		def_jobs = cores > 0 ? (int)cores : 1;
	}
	if (int_setting(r, c, "jobs", def_jobs, &r->jobs) < 0 ||
	    int_setting(r, c, "retries", 5, &r->retries) < 0 ||
	    int_setting(r, c, "timeout", 60, &r->timeout) < 0 ||
	    int_setting(r, c, "connect-timeout", 15, &r->connect_timeout) < 0) {
		free(check);
		return -1;
	}
	if (r->jobs < 1)
		r->jobs = 1;
	r->check = CHECK_AUTO;
	if (check && !strcmp(check, "head"))
		r->check = CHECK_HEAD;
	else if (check && !strcmp(check, "list"))
		r->check = CHECK_LIST;
	else if (check && strcmp(check, "auto")) {
		error("remote.%s.check must be auto, head or list, not '%s'", r->name, check);
		free(check);
		return -1;
	}
	free(check);
	return 0;
}

struct remote *remote_open(const struct config *cfg, const char *name, const char *tmpdir)
{
	char *nm = name ? xstrdup(name) : default_name(cfg);
	struct remote *r;
	struct strbuf disp = STRBUF_INIT;
	char *key, *url;

	if (!nm)
		return NULL;
	key = xasprintf("remote.%s.url", nm);
	url = config_get(cfg, key);
	free(key);
	if (!url) {
		error("no remote named '%s' (see 'repro remote list')", nm);
		free(nm);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->name = nm;
	r->tmpdir = xstrdup(tmpdir);
	remote_redact_url(url, &disp);
	r->display = strbuf_detach(&disp, NULL);
	r->kind = kind_for(url);
	if (!r->kind) {
		error("remote '%s' has an unsupported URL '%s' (use a directory, http(s):// or s3://)",
		      r->name, r->display);
		goto fail;
	}
	if (common_settings(r, cfg) < 0)
		goto fail;
	if (r->kind != &remote_local && net_open(r, cfg) < 0)
		goto fail;
	if (r->kind->open(r, cfg, url) < 0)
		goto fail;
	free(url);
	return r;
fail:
	free(url);
	remote_close(r);
	return NULL;
}

void remote_close(struct remote *r)
{
	if (!r)
		return;
	if (r->priv && r->kind && r->kind->close)
		r->kind->close(r);
	net_free(r->net);
	free(r->name);
	free(r->display);
	free(r->tmpdir);
	free(r);
}

void url_encode(struct strbuf *out, const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
			strbuf_addch(out, ch);
		} else {
			strbuf_addch(out, '%');
			strbuf_addch(out, hex[ch >> 4]);
			strbuf_addch(out, hex[ch & 15]);
		}
	}
}

int64_t parse_http_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end)
		return (int64_t)timegm(&tm);
	time_t t = curl_getdate(s, NULL);
	return t < 0 ? 0 : (int64_t)t;
}

/* Existence through listings: keys sorted, listed entries looked up. */
struct keyref {
	const char *key; /* one of the keys asked about */
	size_t i;        /* its index in the caller's array */
};

struct exist_ctx {
	struct keyref *sorted;  /* the keys, sorted */
	size_t n;
	unsigned char *present; /* per original index */
	size_t listed;          /* entries seen */
};

static int cmp_keyref(const void *a, const void *b)
{
	return strcmp(((const struct keyref *)a)->key, ((const struct keyref *)b)->key);
}

static void exist_on_list(void *ctx, const struct rlist_entry *e)
{
	struct exist_ctx *x = ctx;
	struct keyref want = { e->key, 0 };
	struct keyref *hit = bsearch(&want, x->sorted, x->n, sizeof(*hit), cmp_keyref);

	x->listed++;
	if (!hit)
		return;
	/* the same key may have been asked about more than once */
	while (hit > x->sorted && !strcmp(hit[-1].key, e->key))
		hit--;
	for (; hit < x->sorted + x->n && !strcmp(hit->key, e->key); hit++)
		x->present[hit->i] = 1;
}

static int head_all(struct remote *r, char **keys, size_t n, unsigned char *present, struct progress *pg)
{
	struct rop *ops = xcalloc(n ? n : 1, sizeof(*ops));
	struct rrun_opts o = { .verb = "checking", .progress = pg };
	int ret;

	for (size_t i = 0; i < n; i++) {
		ops[i].type = ROP_HEAD;
		ops[i].key = keys[i];
	}
	ret = remote_run(r, ops, n, &o);
	for (size_t i = 0; i < n; i++)
		present[i] = ops[i].status == ROP_OK;
	free(ops);
	return ret;
}

/* Lists prefixes[from..to) into x. */
static int list_prefixes(struct remote *r, char **prefixes, size_t from, size_t to, struct exist_ctx *x,
			 struct progress *pg)
{
	size_t n = to - from;
	struct rop *ops = xcalloc(n ? n : 1, sizeof(*ops));
	struct rrun_opts o = { .verb = "listing", .progress = pg, .on_list = exist_on_list, .ctx = x };
	int ret;

	for (size_t i = 0; i < n; i++) {
		ops[i].type = ROP_LIST;
		ops[i].key = prefixes[from + i];
	}
	ret = remote_run(r, ops, n, &o);
	free(ops);
	return ret;
}

/* The distinct prefixes ("ab/") of sorted keys, the most populous first. */
static char **key_prefixes(const struct keyref *sorted, size_t n, size_t *np)
{
	char **p = NULL;
	size_t alloc = 0, best = 0, bestn = 0, run = 0;

	*np = 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = sorted[i].key, *slash = strrchr(k, '/');
		size_t len = slash ? (size_t)(slash - k) + 1 : 0;
		if (*np && strlen(p[*np - 1]) == len && !strncmp(p[*np - 1], k, len)) {
			run++;
		} else {
			ARRAY_GROW(p, alloc, *np + 1);
			p[(*np)++] = xstrndup(k, len);
			run = 1;
		}
		if (run > bestn) {
			bestn = run;
			best = *np - 1;
		}
	}
	if (*np) {
		char *t = p[0];
		p[0] = p[best];
		p[best] = t;
	}
	return p;
}

int remote_exists(struct remote *r, char **keys, size_t n, unsigned char *present, struct progress *pg)
{
	struct exist_ctx x = { 0 };
	char **prefixes;
	size_t np;
	int ret = 0;

	memset(present, 0, n);
	if (!n)
		return 0;
	if (r->check == CHECK_HEAD || !r->kind->list_cost_per_1000 ||
	    (r->check == CHECK_AUTO && n < HEAD_ALWAYS_BELOW))
		return head_all(r, keys, n, present, pg);
	x.sorted = xmalloc(n * sizeof(*x.sorted));
	for (size_t i = 0; i < n; i++) {
		x.sorted[i].key = keys[i];
		x.sorted[i].i = i;
	}
	qsort(x.sorted, n, sizeof(*x.sorted), cmp_keyref);
	x.n = n;
	x.present = present;
	prefixes = key_prefixes(x.sorted, n, &np);
	/* List the busiest prefix, estimate what listing the rest costs from
	 * its size, and list them only when that beats a HEAD per key. */
	ret = list_prefixes(r, prefixes, 0, 1, &x, pg);
	if (!ret && r->cannot_list) {
		ret = head_all(r, keys, n, present, pg);
		goto done;
	}
	double per_prefix = 1.0 + (double)x.listed * r->kind->list_cost_per_1000 / 1000.0;
	if (!ret && np > 1 && (r->check == CHECK_LIST || per_prefix * (double)(np - 1) < (double)n)) {
		ret = list_prefixes(r, prefixes, 1, np, &x, pg);
	} else if (!ret && np > 1) {
		/* HEAD the keys outside the listed prefix */
		size_t len = strlen(prefixes[0]), m = 0;
		char **rest = xmalloc(n * sizeof(char *));
		size_t *ri = xmalloc(n * sizeof(size_t));
		unsigned char *rp = xcalloc(n, 1);
		for (size_t i = 0; i < n; i++)
			if (strlen(keys[i]) <= len || strncmp(keys[i], prefixes[0], len) || strchr(keys[i] + len, '/')) {
				rest[m] = keys[i];
				ri[m++] = i;
			}
		ret = head_all(r, rest, m, rp, pg);
		for (size_t i = 0; i < m; i++)
			present[ri[i]] = rp[i];
		free(rest);
		free(ri);
		free(rp);
	}
done:
	for (size_t i = 0; i < np; i++)
		free(prefixes[i]);
	free(prefixes);
	free(x.sorted);
	return ret;
}

int remote_list_all(struct remote *r, const char *prefix, void (*fn)(void *ctx, const struct rlist_entry *e),
		    void *ctx, struct progress *pg)
{
	struct rop ops[256];
	char *keys[256];
	struct rrun_opts o = { .verb = "listing", .progress = pg, .on_list = fn, .ctx = ctx };
	int ret;

	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < 256; i++) {
		keys[i] = xasprintf("%s%02x/", prefix, i);
		ops[i].type = ROP_LIST;
		ops[i].key = keys[i];
	}
	ret = remote_run(r, ops, 256, &o);
	for (int i = 0; i < 256; i++)
		free(keys[i]);
	if (!ret && r->cannot_list)
		ret = error("remote '%s' (%s) cannot list its objects (the server does not support WebDAV "
			    "PROPFIND), which this needs", r->name, r->display);
	return ret;
}
