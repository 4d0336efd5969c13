/*
 * The transfer engine behind remote_run(): many operations on one remote,
 * r->jobs at a time.
 *
 * Network kinds go through libcurl's multi interface: one event loop, a
 * pool of easy handles reused from one request to the next, and the
 * multi's connection cache, so thousands of small requests share a few
 * keep-alive connections instead of paying a handshake each. A directory
 * remote runs its operations on worker threads instead.
 *
 * Failures are sorted into: transient (connection refused or reset,
 * timeouts, truncated bodies, HTTP 5xx/408/429, a download that does not
 * hash to its name), retried with exponential backoff; refusals of our
 * credentials (401/403), which stop the whole run since every other request
 * would be refused too; and the rest, which fail one operation.
 *
 * Downloads are written to their destination while being hashed; the
 * destination is named after the object, so a download cut short (by a
 * reset, or by the process being killed) is resumed by the next attempt or
 * the next run (a Range request, or reading a directory remote's file from
 * there), and its first part is re-hashed rather than fetched again. A
 * download is only reported done once its whole content hashes to the
 * expected id; otherwise it is deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "core/workers.h"
#include "remote/remotepriv.h"
#include "remote/xworker.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/progress.h"
#include "util/tls.h"
#include "util/xalloc.h"
#include "version.h"

#define ERR_BODY_CAP ((size_t)64 << 10)   /* kept of an error response */
#define LIST_BODY_CAP ((size_t)256 << 20) /* largest listing page accepted */
#define BACKOFF_BASE_MS 250
#define BACKOFF_MAX_MS 8000
#define RETRY_AFTER_MAX_MS 30000
#define MAX_REPORTED 10                   /* failures reported one by one */
#define DRAW_EVERY_MS 100
/* Bodies from this size get large libcurl buffers: a 1 GB object in 4,000
 * reads rather than 60,000. Smaller ones keep the defaults, since each
 * setting costs a fresh allocation per request (a 1 MB upload buffer per
 * small PUT was an eighth of a small push's time). */
#define BIG_BODY ((uint64_t)1 << 20)

struct slot {
	CURL *h;                    /* an easy handle, reused across requests */
	char err[CURL_ERROR_SIZE];  /* libcurl's message for its last failure */
	struct xop *x;              /* the operation it is working for, or NULL */
};

struct engine {
	struct remote *r;
	const struct rrun_opts *o;
	struct xop *xs;       /* one per operation */
	size_t n;
	CURLM *multi;
	struct xworkers *xw;  /* file work of GETs and PUTs, or NULL */
	struct slot *slots;   /* r->jobs of them */
	size_t next;          /* first operation never started */
	size_t *wait;         /* operations waiting to be tried again */
	size_t nwait, await;
	int running;
	int ending;           /* requests over whose end the workers have not run yet */
	size_t prepared;      /* uploads before this index were prepared ahead */
	int fatal;            /* credentials refused: start nothing more */
	size_t ndone, nfailed, nreported;
	uint64_t bytes;       /* transferred so far (atomic: threads add to it) */
	uint64_t total_bytes; /* known sizes of everything */
	int64_t t0, last_draw;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *op_doing(enum rop_type t)
{
	switch (t) {
	case ROP_HEAD: return "check";
	case ROP_GET: return "download";
	case ROP_PUT: return "upload";
	case ROP_DELETE: return "delete";
	case ROP_LIST: return "list";
	}
	return "?";
}

static const char *op_prep(enum rop_type t)
{
	return t == ROP_GET || t == ROP_DELETE ? "from" : t == ROP_PUT ? "to" : "on";
}

/* --- progress and reporting --------------------------------------------- */

static void human(struct strbuf *sb, double b)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;

	while (b >= 1000 && i < 4) {
		b /= 1000;
		i++;
	}
	strbuf_addf(sb, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void draw(struct engine *e, int force)
{
	if (!e->o->progress || !e->o->progress->tty)
		return;
	int64_t t = now_ms();
	struct strbuf sb = STRBUF_INIT;
	uint64_t bytes = __atomic_load_n(&e->bytes, __ATOMIC_RELAXED);
	size_t done = __atomic_load_n(&e->ndone, __ATOMIC_RELAXED);

	if (!force && t - e->last_draw < DRAW_EVERY_MS)
		return;
	e->last_draw = t;
	human(&sb, (double)bytes);
	if (e->total_bytes) {
		strbuf_addstr(&sb, " of ");
		human(&sb, (double)e->total_bytes);
	}
	if (t > e->t0) {
		strbuf_addstr(&sb, ", ");
		human(&sb, (double)bytes * 1000.0 / (double)(t - e->t0));
		strbuf_addstr(&sb, "/s");
	}
	progress_status(e->o->progress, "%s: %zu/%zu, %s", e->o->verb ? e->o->verb : "transferring", done,
			e->n, sb.buf);
	strbuf_release(&sb);
}

static void report(struct engine *e, struct xop *x)
{
	struct remote *r = e->r;

	if (e->nreported++ >= MAX_REPORTED)
		return;
	error("cannot %s '%s' %s remote '%s' (%s): %s", op_doing(x->op->type), x->op->key,
	      op_prep(x->op->type), r->name, r->display, x->reason.len ? x->reason.buf : "unknown error");
}

/* An operation is over: record, report, hand it to the caller. */
static void conclude(struct engine *e, struct xop *x, enum xresult res)
{
	struct rop *op = x->op;

	if (op->type == ROP_GET)
		xop_sink_close(x);
	if (op->type == ROP_PUT)
		xop_source_close(x);
	op->status = res == XR_OK ? ROP_OK : res == XR_MISSING ? ROP_MISSING : ROP_FAILED;
	if (op->status == ROP_FAILED) {
		e->nfailed++;
		if (res != XR_FATAL)
			report(e, x);
	}
	for (size_t i = 0; e->o->on_list && i < x->nents; i++)
		e->o->on_list(e->o->ctx, &x->ents[i]);
	xop_free_entries(x);
	if (e->o->verbose && op->status == ROP_OK && (op->type == ROP_GET || op->type == ROP_PUT ||
						      op->type == ROP_DELETE)) {
		struct strbuf sb = STRBUF_INIT;
		if (op->type == ROP_GET && op->resumed && op->resumed >= x->got)
			strbuf_addf(&sb, "verified %s (downloaded earlier)", op->key);
		else if (op->type == ROP_GET && op->resumed)
			strbuf_addf(&sb, "downloaded %s (resumed after %" PRIu64 " bytes)", op->key, op->resumed);
		else
			strbuf_addf(&sb, "%s %s", op->type == ROP_GET ? "downloaded" :
				    op->type == ROP_PUT ? "uploaded" : "deleted", op->key);
		if (e->o->progress)
			progress_print(e->o->progress, sb.buf);
		else
			printf("%s\n", sb.buf);
		strbuf_release(&sb);
	}
	__atomic_add_fetch(&e->ndone, 1, __ATOMIC_RELAXED);
	if (e->o->on_done)
		e->o->on_done(e->o->ctx, op);
	strbuf_release(&x->body);
	strbuf_release(&x->token);
	strbuf_release(&x->reason);
	free(x->cerr);
	x->cerr = NULL;
}

/* Backoff before attempt k (1-based): 250 ms doubling up to 8 s, +-25%. */
static int64_t backoff_ms(int k, long retry_after_s)
{
	int64_t ms = BACKOFF_BASE_MS;

	if (retry_after_s > 0)
		return retry_after_s * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : retry_after_s * 1000;
	for (int i = 1; i < k && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	return ms * 3 / 4 + (int64_t)((unsigned)rand() % (unsigned)(ms / 2 + 1));
}

/* --- libcurl callbacks --------------------------------------------------- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xop *x = ud;
	size_t n = size * nmemb;

	if (!x->started) {
		x->started = 1;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->http);
		if (x->op->type == ROP_GET && x->http == 200 && x->got) {
			x->op->resumed = 0;
			if (xop_sink_restart(x) < 0)
				return 0;
		}
	}
	if (x->op->type == ROP_GET && (x->http == 200 || x->http == 206)) {
		if (xw_put(x->xw, x, data, n) < 0)
			return 0;
		__atomic_add_fetch(x->bytes, n, __ATOMIC_RELAXED);
		return n;
	}
	size_t cap = x->op->type == ROP_LIST && x->http / 100 == 2 ? LIST_BODY_CAP : ERR_BODY_CAP;
	if (x->body.len + n > cap) {
		if (cap == LIST_BODY_CAP) {
			xop_reason(x, "the listing is larger than %zu bytes", cap);
			return 0;
		}
		n = cap - x->body.len;
		strbuf_add(&x->body, data, n);
		return size * nmemb;
	}
	strbuf_add(&x->body, data, n);
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct xop *x = ud;
	ssize_t k = xw_take(x->xw, x, buf, size * nmemb);

	if (k < 0)
		return CURL_READFUNC_ABORT;
	__atomic_add_fetch(x->bytes, (uint64_t)k, __ATOMIC_RELAXED);
	return (size_t)k;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct xop *x = ud;

	if (offset != 0 || origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	return xw_rewind(x->xw, x) < 0 ? CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK;
}

/* --- classification ------------------------------------------------------ */

static int transient_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

/* Appends " (Code)" when an error body is an S3-style <Error><Code>. */
static int code_fn(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end)
{
	struct strbuf *sb = ctx;

	if (!end && text && nlen == 4 && !memcmp(name, "Code", 4) && !sb->len && tlen < 80) {
		strbuf_addstr(sb, " (");
		xml_unescape(sb, text, tlen);
		strbuf_addch(sb, ')');
	}
	return 0;
}

static void http_reason(struct xop *x)
{
	struct strbuf code = STRBUF_INIT;

	if (x->body.len)
		xml_scan(x->body.buf, x->body.len, code_fn, &code);
	xop_reason(x, "HTTP %ld%s", x->http, code.buf);
	strbuf_release(&code);
}

/* What a finished request means, by the rules every HTTP kind shares. */
static enum xresult classify(struct engine *e, struct xop *x, CURLcode cc, const char *errbuf)
{
	struct remote *r = e->r;
	struct rop *op = x->op;
	enum xresult kr;

	if (x->src_bad)
		return XR_FAIL;
	if (cc != CURLE_OK) {
		if (x->reason.len && (cc == CURLE_WRITE_ERROR || cc == CURLE_ABORTED_BY_CALLBACK ||
				      cc == CURLE_READ_ERROR))
			return XR_FAIL;
		xop_reason(x, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
		if (tls_cert_error(cc)) {
			/* no other request would fare better: stop them all */
			strbuf_addf(&x->reason, " (the server's certificate is not trusted here: name its CA with "
				    "'repro remote modify %s ca-file FILE')", r->name);
			x->untrusted = 1;
			return XR_FATAL;
		}
		return transient_curl(cc) ? XR_RETRY : XR_FAIL;
	}
	if (r->kind->classify && (kr = r->kind->classify(r, x)) != XR_DEFAULT)
		return kr;
	long s = x->http;
	if (s == 401 || s == 403) {
		http_reason(x);
		if (r->kind->auth_hint)
			r->kind->auth_hint(r, x, &x->reason);
		return XR_FATAL;
	}
	if (s == 408 || s == 429 || s / 100 == 5) {
		http_reason(x);
		return XR_RETRY;
	}
	if ((s == 404 || s == 410) && op->type != ROP_PUT)
		return op->type == ROP_LIST ? XR_OK : XR_MISSING;
	if (op->type == ROP_GET && s == 416) {
		x->no_resume = 1;
		return XR_AGAIN;
	}
	if (s / 100 != 2) {
		http_reason(x);
		return XR_FAIL;
	}
	switch (op->type) {
	case ROP_HEAD: {
		curl_off_t t = -1;
		if (curl_easy_getinfo(x->h, CURLINFO_FILETIME_T, &t) == CURLE_OK && t > 0)
			op->mtime = (int64_t)t;
		return XR_OK;
	}
	case ROP_GET:
		return x->wres; /* the worker's check of the whole body */
	case ROP_LIST:
		return r->kind->list_page(r, x);
	default:
		return XR_OK;
	}
}

/* --- the multi loop ------------------------------------------------------ */

static void common_options(struct engine *e, struct slot *s, struct xop *x)
{
	struct remote *r = e->r;
	CURL *h = s->h;

	curl_easy_reset(h);
	s->err[0] = '\0';
	curl_easy_setopt(h, CURLOPT_PRIVATE, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->err);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "repro/" REPRO_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)r->connect_timeout);
	/* a transfer making no progress for `timeout` seconds is abandoned
	 * (and retried); a slow but moving one is not */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)r->timeout);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (x->op->size >= BIG_BODY) {
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L << 10);
		curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
	}
	if (r->net) {
		if (r->net->resolve)
			curl_easy_setopt(h, CURLOPT_RESOLVE, r->net->resolve);
		tls_setup(h, r->net->ssl_verify, r->net->ca_file);
	}
	switch (x->op->type) {
	case ROP_HEAD:
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
		break;
	case ROP_PUT:
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
		curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
		/* always a Content-Length, never chunked: many servers refuse those */
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->op->size);
		break;
	case ROP_DELETE:
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	default:
		break;
	}
}

static void release_slot(struct engine *e, struct slot *s)
{
	struct xop *x = s->x;

	curl_multi_remove_handle(e->multi, s->h);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	x->h = NULL;
	s->x = NULL;
	e->running--;
}

static void settle(struct engine *e, struct xop *x, enum xresult res, long retry_after);

/* Starts x's next request on a free slot. */
static void start(struct engine *e, struct xop *x)
{
	struct slot *s = NULL;

	for (int i = 0; i < e->r->jobs && !s; i++)
		if (!e->slots[i].x)
			s = &e->slots[i];
	if (!s->h)
		s->h = curl_easy_init();
	x->started = 0;
	x->http = 0;
	x->resume_from = 0;
	if (x->op->type == ROP_GET) {
		/* no worker has it now (an upload may be being prepared) */
		x->asked = 0;
		x->wfailed = 0;
		x->wres = XR_FAIL;
	}
	strbuf_reset(&x->body);
	/* the destination is only opened here when an earlier download left
	 * something to resume; else its worker creates it with the first bytes */
	struct stat st;
	if (x->op->type == ROP_GET && x->fd < 0)
		x->got = x->op->resumed = 0;
	if (x->op->type == ROP_GET && x->fd < 0 && stat(x->op->local, &st) == 0 && st.st_size > 0) {
		if (xop_sink_open(e->r, x, 1) < 0) {
			settle(e, x, XR_FAIL, 0);
			return;
		}
		x->op->resumed = x->got;
		if (x->got && x->op->size && x->got == x->op->size && x->op->sha256[0]) {
			/* a complete earlier download: only its hash is left to check */
			enum xresult res = xop_sink_finish(e->r, x);
			settle(e, x, res == XR_OK ? XR_OK : XR_AGAIN, 0);
			return;
		}
	}
	if (x->op->type == ROP_PUT && x->phase <= 0 && xw_ready(e->xw, x) < 0) {
		settle(e, x, XR_FAIL, 0);
		return;
	}
	s->x = x;
	x->h = s->h;
	common_options(e, s, x);
	if (x->op->type == ROP_GET && x->got) {
		char range[48];
		snprintf(range, sizeof(range), "%" PRIu64 "-", x->got);
		curl_easy_setopt(s->h, CURLOPT_RANGE, range);
		x->resume_from = x->got;
	}
	if (e->r->kind->setup(e->r, x, s->h) < 0) {
		curl_slist_free_all(x->hdrs);
		x->hdrs = NULL;
		x->h = NULL;
		s->x = NULL;
		settle(e, x, XR_FAIL, 0);
		return;
	}
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, x->hdrs);
	curl_multi_add_handle(e->multi, s->h);
	e->running++;
}

static void push_wait(struct engine *e, struct xop *x)
{
	ARRAY_GROW(e->wait, e->await, e->nwait + 1);
	e->wait[e->nwait++] = (size_t)(x - e->xs);
}

/* Acts on the outcome of one attempt. */
/* The one line that says why a whole run stopped (the first fatal op). */
static void report_fatal(struct engine *e, struct xop *x)
{
	if (e->fatal)
		return;
	e->fatal = 1;
	if (x->untrusted && e->r->untrusted)
		return; /* an earlier run of this command said it */
	if (x->untrusted) {
		e->r->untrusted = 1;
		error("cannot %s '%s' on remote '%s' (%s): %s", op_doing(x->op->type), x->op->key, e->r->name,
		      e->r->display, x->reason.buf);
	} else {
		error("remote '%s' (%s) refused the request to %s '%s': %s", e->r->name, e->r->display,
		      op_doing(x->op->type), x->op->key, x->reason.buf);
	}
}

static void settle(struct engine *e, struct xop *x, enum xresult res, long retry_after)
{
	switch (res) {
	case XR_AGAIN:
		x->not_before = 0;
		push_wait(e, x);
		return;
	case XR_RETRY:
		if (++x->attempts <= e->r->retries) {
			x->not_before = now_ms() + backoff_ms(x->attempts, retry_after);
			push_wait(e, x);
			return;
		}
		strbuf_addf(&x->reason, " (gave up after %d attempts)", x->attempts);
		res = XR_FAIL;
		break;
	case XR_FATAL:
		report_fatal(e, x);
		break;
	default:
		break;
	}
	conclude(e, x, res);
}

/* What x's finished request comes to, once no worker has it. */
static enum xresult judge(struct engine *e, struct xop *x)
{
	enum xresult res = classify(e, x, x->cc, x->cerr ? x->cerr : "");

	if (res == XR_AGAIN && x->op->type == ROP_GET && x->no_resume)
		xop_sink_close(x);
	if (res == XR_RETRY && x->op->type == ROP_GET)
		xop_sink_close(x); /* keeps what arrived: the next attempt resumes after it */
	return res;
}

static void finished(struct engine *e, CURLMsg *m)
{
	struct slot *s;
	struct xop *x;
	curl_off_t ra = 0;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
	x = s->x;
	x->cc = m->data.result;
	free(x->cerr);
	x->cerr = s->err[0] ? xstrdup(s->err) : NULL;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &x->http);
	curl_easy_getinfo(s->h, CURLINFO_RETRY_AFTER, &ra);
	x->retry_after = (long)ra;
	/* a download's last bytes and its check, an upload's close, happen on
	 * its worker: the outcome is judged when that is done (collect) */
	int verify = x->op->type == ROP_GET && x->cc == CURLE_OK && x->http / 100 == 2;
	if ((x->op->type == ROP_GET || x->op->type == ROP_PUT) && xw_end(e->xw, x, verify)) {
		release_slot(e, s);
		e->ending++;
		return;
	}
	enum xresult res = judge(e, x);
	release_slot(e, s);
	settle(e, x, res, x->retry_after);
}

/* Judges the requests whose ends the workers have run. */
static void collect(struct engine *e)
{
	struct xop *x;

	while (e->xw && (x = xw_next_done(e->xw))) {
		e->ending--;
		settle(e, x, judge(e, x), x->retry_after);
	}
}

/* Index in e->wait of an operation due now, or -1; *next_ms gets the
 * earliest time one is due. */
static long due_now(struct engine *e, int64_t now, int64_t *next_ms)
{
	long found = -1;

	*next_ms = INT64_MAX;
	for (size_t i = 0; i < e->nwait; i++) {
		int64_t t = e->xs[e->wait[i]].not_before;
		if (t <= now && found < 0)
			found = (long)i;
		if (t < *next_ms)
			*next_ms = t;
	}
	return found;
}

/* Fails every operation not started yet (after a fatal refusal). */
static void drain(struct engine *e)
{
	for (size_t i = 0; i < e->nwait; i++) {
		struct xop *x = &e->xs[e->wait[i]];
		xop_reason(x, "not attempted");
		conclude(e, x, XR_FATAL);
	}
	e->nwait = 0;
	for (; e->next < e->n; e->next++) {
		if (e->xw && e->xs[e->next].op->type == ROP_PUT)
			xw_quiesce(e->xw, &e->xs[e->next]); /* it may have been prepared */
		conclude(e, &e->xs[e->next], XR_FATAL);
	}
}

static void fill(struct engine *e)
{
	int64_t next;

	/* the next uploads' sources are opened and read meanwhile */
	size_t ahead = e->next + (size_t)e->r->jobs;
	for (; e->xw && !e->fatal && e->prepared < e->n && e->prepared < ahead; e->prepared++)
		if (e->prepared >= e->next && e->xs[e->prepared].op->type == ROP_PUT)
			xw_prepare(e->xw, &e->xs[e->prepared]);
	while (!e->fatal && e->running < e->r->jobs) {
		long w = due_now(e, now_ms(), &next);
		if (w >= 0) {
			struct xop *x = &e->xs[e->wait[w]];
			e->wait[w] = e->wait[--e->nwait];
			start(e, x);
		} else if (e->next < e->n) {
			start(e, &e->xs[e->next++]);
		} else {
			break;
		}
	}
	if (e->fatal)
		drain(e);
}

/* Waits for the sockets, the next retry due or a worker's end, up to 100 ms. */
static void wait_some(struct engine *e)
{
	int64_t next;

	due_now(e, now_ms(), &next);
	int64_t d = e->nwait ? next - now_ms() : 100;
	int ms = (int)(d < 0 ? 0 : d > 100 ? 100 : d);
	if (e->xw)
		xw_poll(e->xw, ms, !e->running);
	else if (e->running)
		curl_multi_poll(e->multi, NULL, 0, ms, NULL);
	else if (ms > 0)
		usleep((useconds_t)ms * 1000);
}

static int run_multi(struct engine *e)
{
	int still = 0, nw = workers_count(0);
	CURLMsg *m;

	e->multi = curl_multi_init();
	e->slots = xcalloc((size_t)e->r->jobs, sizeof(*e->slots));
	curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)e->r->jobs);
	curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)e->r->jobs);
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->r->jobs);
	for (size_t i = 0; i < e->n && !e->xw; i++)
		if (e->xs[i].op->type == ROP_GET || e->xs[i].op->type == ROP_PUT)
			e->xw = xw_start(e->r, nw, e->multi);
	for (size_t i = 0; i < e->n; i++) {
		e->xs[i].xw = e->xw;
		e->xs[i].worker = (int)(i % (size_t)nw);
	}
	for (;;) {
		int any = 0;
		collect(e);
		fill(e);
		if (!e->running && !e->ending && !e->nwait)
			break;
		if (e->running) {
			int q;
			curl_multi_perform(e->multi, &still);
			while ((m = curl_multi_info_read(e->multi, &q)))
				if (m->msg == CURLMSG_DONE) {
					finished(e, m);
					any = 1;
				}
		}
		if (e->xw)
			xw_kick(e->xw);
		/* after a request ended, start the next before waiting */
		if (!any && (!e->running || still))
			wait_some(e);
		draw(e, 0);
	}
	if (e->xw)
		xw_stop(e->xw);
	for (int i = 0; i < e->r->jobs; i++)
		if (e->slots[i].h)
			curl_easy_cleanup(e->slots[i].h);
	free(e->slots);
	curl_multi_cleanup(e->multi);
	return 0;
}

/* --- direct kinds, on threads -------------------------------------------- */

static void direct_one(void *ctx, size_t i, int w)
{
	struct engine *e = ctx;
	struct xop *x = &e->xs[i];
	enum xresult res;

	(void)w;
	for (;;) {
		if (__atomic_load_n(&e->fatal, __ATOMIC_RELAXED)) {
			res = XR_FATAL;
			break;
		}
		/* what an interrupted download left is kept and re-hashed, and
		 * the copy goes on from there (local.c), as HTTP's Range does */
		if (x->op->type == ROP_GET && xop_sink_open(e->r, x, 1) < 0) {
			res = XR_FAIL;
			break;
		}
		if (x->op->type == ROP_GET)
			x->op->resumed = x->got;
		if (x->op->type == ROP_PUT && xop_source_open(x) < 0) {
			res = XR_FAIL;
			break;
		}
		res = e->r->kind->run(e->r, x);
		if (x->op->type == ROP_GET)
			res = res == XR_OK ? xop_sink_finish(e->r, x) : (xop_sink_close(x), res);
		if (x->op->type == ROP_PUT)
			xop_source_close(x);
		if (res != XR_RETRY || ++x->attempts > e->r->retries)
			break;
		usleep((useconds_t)backoff_ms(x->attempts, 0) * 1000);
	}
	if (res == XR_RETRY) {
		strbuf_addf(&x->reason, " (gave up after %d attempts)", x->attempts);
		res = XR_FAIL;
	}
	if (res == XR_FATAL)
		__atomic_store_n(&e->fatal, 1, __ATOMIC_RELAXED);
	x->result = res;
	__atomic_add_fetch(&e->ndone, 1, __ATOMIC_RELAXED);
}

static void direct_tick(void *ctx)
{
	draw(ctx, 0);
}

static int run_direct(struct engine *e)
{
	int has_put = 0;

	parallel_for(e->r->jobs, e->n, direct_one, e, e->o->progress ? direct_tick : NULL, e);
	__atomic_store_n(&e->ndone, 0, __ATOMIC_RELAXED);
	for (size_t i = 0; i < e->n; i++)
		has_put |= e->xs[i].op->type == ROP_PUT && e->xs[i].result == XR_OK;
	if (has_put && e->r->kind->flush && e->r->kind->flush(e->r) < 0)
		for (size_t i = 0; i < e->n; i++)
			if (e->xs[i].op->type == ROP_PUT && e->xs[i].result == XR_OK) {
				e->xs[i].result = XR_FAIL;
				xop_reason(&e->xs[i], "not made durable");
			}
	for (size_t i = 0; i < e->n; i++) {
		struct xop *x = &e->xs[i];
		enum xresult res = x->result;
		if (res == XR_FATAL)
			report_fatal(e, x);
		conclude(e, x, res);
	}
	return 0;
}

int remote_run(struct remote *r, struct rop *ops, size_t n, const struct rrun_opts *o)
{
	struct engine e = { .r = r, .o = o, .n = n };

	if (!n)
		return 0;
	e.xs = xcalloc(n, sizeof(*e.xs));
	for (size_t i = 0; i < n; i++) {
		e.xs[i].op = &ops[i];
		e.xs[i].fd = e.xs[i].src = e.xs[i].twin_fd = -1;
		ops[i].twin_ok = 0;
		ops[i].resumed = 0;
		e.xs[i].bytes = &e.bytes;
		ops[i].status = ROP_PENDING;
		e.total_bytes += ops[i].size;
	}
	e.t0 = e.last_draw = now_ms();
	if (r->kind->run)
		run_direct(&e);
	else
		run_multi(&e);
	draw(&e, 1);
	/* the callers' summaries and messages start lines of their own */
	if (o->progress)
		progress_clear(o->progress);
	if (e.nreported > MAX_REPORTED)
		error("... and %zu more failures on remote '%s'", e.nreported - MAX_REPORTED, r->name);
	free(e.wait);
	free(e.xs);
	return e.nfailed ? -1 : 0;
}
