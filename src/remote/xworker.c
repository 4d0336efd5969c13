/*
 * The engine's file workers (see xworker.h). One lock guards the queues,
 * the chunk accounting and the xops' worker fields; the workers never wait
 * for the main thread, so the main thread's waits always end.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote/remotepriv.h"
#include "remote/xworker.h"
#include "util/xalloc.h"

#define XW_CHUNK ((size_t)1 << 20)   /* a write or read: few syscalls, whole pages */
#define XW_FIRST ((size_t)256 << 10) /* read of an upload that has not started yet */
#define XW_AHEAD 2                   /* chunks an upload keeps read ahead */
#define XW_LIMIT ((size_t)64 << 20)  /* download bytes queued for writing before on_write waits */
#define XW_SPARE 64                  /* full-size chunks kept for reuse */
#define XW_ALIGN 4096                /* of full-size chunks' data */

struct xchunk {
	struct xchunk *next;  /* the operation's next chunk, or the next spare */
	size_t len;           /* bytes held */
	size_t cap;           /* bytes it can hold */
	int failed;           /* PUT: reading it failed (the reason is the operation's) */
	char *data;           /* full-size chunks: page-aligned, so they can be written
			       * with O_DIRECT (xopio.c); else right after the struct */
};

enum xtask_kind {
	XT_WRITE,   /* GET: write and hash c */
	XT_END,     /* GET: check or close the destination; PUT: close the source */
	XT_PREPARE, /* PUT: open the source, read its first bytes */
	XT_READ,    /* PUT: read and hash the next c->cap bytes into c */
};

struct xtask {
	struct xtask *next;
	enum xtask_kind kind;
	struct xop *x;
	struct xchunk *c;     /* XT_WRITE, XT_READ: the chunk; XT_PREPARE: what it read */
	int verify;           /* XT_END of a GET: the whole body arrived, check it */
};

struct xqueue {
	struct xworkers *w;
	pthread_t th;
	pthread_cond_t work;       /* tasks were queued, or stop */
	struct xtask *head, *tail; /* first in, first out */
	int idle;                  /* the worker waits on `work` */
	int queued;                /* tasks were queued since the last kick */
};

struct xworkers {
	struct remote *r;
	CURLM *multi;              /* woken when an end has run */
	pthread_mutex_t lock;
	pthread_cond_t main;       /* the main thread waits here for a worker */
	int main_waits;            /* it does */
	int polling;               /* it is in curl_multi_poll */
	int stop;                  /* workers: leave once your queue is empty */
	int n;
	struct xqueue *q;          /* one per worker */
	struct xop *done, *done_tail; /* ended operations, not yet collected */
	size_t writing;            /* bytes in download chunks queued, not yet written
				    * (not those still being filled: only the workers
				    * lower this, so waiting for it always ends) */
	struct xchunk *spare;      /* full-size chunks for reuse */
	int nspare;
};

static void chunk_release(struct xchunk *c)
{
	if (c->data != (char *)(c + 1))
		free(c->data);
	free(c);
}

/* --- with the lock held --------------------------------------------------- */

static struct xchunk *chunk_new(struct xworkers *w, size_t cap)
{
	struct xchunk *c;

	if (cap == XW_CHUNK && w->spare) {
		c = w->spare;
		w->spare = c->next;
		w->nspare--;
	} else if (cap == XW_CHUNK) {
		c = xmalloc(sizeof(*c));
		if (posix_memalign((void **)&c->data, XW_ALIGN, cap))
			die_oom();
	} else {
		c = xmalloc(sizeof(*c) + cap);
		c->data = (char *)(c + 1);
	}
	c->next = NULL;
	c->len = 0;
	c->cap = cap;
	c->failed = 0;
	return c;
}

static void chunk_free(struct xworkers *w, struct xchunk *c)
{
	if (c->cap == XW_CHUNK && w->nspare < XW_SPARE) {
		c->next = w->spare;
		w->spare = c;
		w->nspare++;
	} else {
		chunk_release(c);
	}
}

static void push_task(struct xworkers *w, struct xop *x, enum xtask_kind kind, struct xchunk *c, int verify)
{
	struct xtask *t = xmalloc(sizeof(*t));
	struct xqueue *q = &w->q[x->worker];

	*t = (struct xtask){ .kind = kind, .x = x, .c = c, .verify = verify };
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	x->pending++;
	q->queued = 1;
}

/* Wakes the idle workers that have new tasks. */
static void kick(struct xworkers *w)
{
	for (int i = 0; i < w->n; i++) {
		if (w->q[i].queued && w->q[i].idle)
			pthread_cond_signal(&w->q[i].work);
		w->q[i].queued = 0;
	}
}

static void main_wait(struct xworkers *w)
{
	kick(w);
	w->main_waits++;
	pthread_cond_wait(&w->main, &w->lock);
	w->main_waits--;
}

static void append_ahead(struct xop *x, struct xchunk *c)
{
	if (x->ahead_tail)
		x->ahead_tail->next = c;
	else
		x->ahead = c;
	x->ahead_tail = c;
}

static void drop_ahead(struct xworkers *w, struct xop *x)
{
	while (x->ahead) {
		struct xchunk *c = x->ahead;
		x->ahead = c->next;
		chunk_free(w, c);
	}
	x->ahead_tail = NULL;
	x->ahead_used = 0;
	x->nahead = 0;
}

/* Keeps an upload's next XW_AHEAD chunks read or being read. */
static void top_up(struct xworkers *w, struct xop *x)
{
	while (x->nahead < XW_AHEAD && x->asked < x->op->size) {
		uint64_t left = x->op->size - x->asked;
		size_t cap = left < XW_CHUNK ? (size_t)left : XW_CHUNK;
		x->asked += cap;
		x->nahead++;
		push_task(w, x, XT_READ, chunk_new(w, cap), 0);
	}
}

/* --- the workers' side ---------------------------------------------------- */

static void fail(struct xop *x)
{
	__atomic_store_n(&x->wfailed, 1, __ATOMIC_RELEASE);
}

/* Reads c->cap bytes of the source into c, hashing them (the last read
 * checks the whole hash); c->failed on any failure. */
static void read_chunk(struct xop *x, struct xchunk *c)
{
	while (!x->wfailed && c->len < c->cap) {
		ssize_t k = xop_source_read(x, c->data + c->len, c->cap - c->len);
		if (k <= 0) {
			fail(x);
			break;
		}
		c->len += (size_t)k;
	}
	c->failed = x->wfailed;
}

static void run_task(struct xworkers *w, struct xtask *t)
{
	struct xop *x = t->x;

	switch (t->kind) {
	case XT_WRITE:
		if (!x->wfailed && ((x->fd < 0 && xop_sink_open(w->r, x, 0) < 0) ||
				    xop_sink_write(x, t->c->data, t->c->len) < 0))
			fail(x);
		break;
	case XT_END:
		if (x->op->type == ROP_PUT) {
			xop_source_close(x);
		} else if (x->wfailed || !t->verify) {
			xop_sink_close(x); /* what it holds stays for a resume */
			x->wres = XR_FAIL;
		} else if (x->fd < 0 && xop_sink_open(w->r, x, 0) < 0) {
			x->wres = XR_FAIL; /* an empty body, and nowhere to put it */
		} else {
			x->wres = xop_sink_finish(w->r, x);
		}
		break;
	case XT_PREPARE:
		if (xop_source_open(x) < 0) {
			fail(x);
		} else if (x->op->size) {
			size_t cap = x->op->size < XW_FIRST ? (size_t)x->op->size : XW_FIRST;
			t->c = xmalloc(sizeof(*t->c) + cap);
			*t->c = (struct xchunk){ .cap = cap, .data = (char *)(t->c + 1) };
			read_chunk(x, t->c);
		}
		break;
	case XT_READ:
		read_chunk(x, t->c);
		break;
	}
}

/* Hands the task's results over; returns 1 when the main thread's poll
 * should be woken. */
static int after_task(struct xworkers *w, struct xtask *t)
{
	struct xop *x = t->x;
	int wake = 0;

	switch (t->kind) {
	case XT_WRITE:
		w->writing -= t->c->cap;
		chunk_free(w, t->c);
		break;
	case XT_END:
		if (x->op->type == ROP_PUT) {
			drop_ahead(w, x);
			x->prep = 0;
		}
		x->done_next = NULL;
		if (w->done_tail)
			w->done_tail->done_next = x;
		else
			w->done = x;
		w->done_tail = x;
		wake = w->polling;
		w->polling = 0;
		break;
	case XT_PREPARE:
		x->prep = x->wfailed ? 3 : 2;
		x->asked = t->c ? t->c->cap : 0;
		if (t->c) {
			append_ahead(x, t->c);
			x->nahead++;
		}
		break;
	case XT_READ:
		append_ahead(x, t->c);
		break;
	}
	x->pending--;
	if (w->main_waits)
		pthread_cond_broadcast(&w->main);
	free(t);
	return wake;
}

static void *worker_main(void *arg)
{
	struct xqueue *q = arg;
	struct xworkers *w = q->w;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct xtask *t = q->head;
		if (!t) {
			if (w->stop)
				break;
			q->idle = 1;
			pthread_cond_wait(&q->work, &w->lock);
			q->idle = 0;
			continue;
		}
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		run_task(w, t);
		pthread_mutex_lock(&w->lock);
		if (after_task(w, t)) {
			pthread_mutex_unlock(&w->lock);
			curl_multi_wakeup(w->multi);
			pthread_mutex_lock(&w->lock);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* --- the main thread's side ----------------------------------------------- */

struct xworkers *xw_start(struct remote *r, int nthreads, CURLM *multi)
{
	struct xworkers *w = xcalloc(1, sizeof(*w));

	w->r = r;
	w->multi = multi;
	w->n = nthreads < 1 ? 1 : nthreads;
	w->q = xcalloc((size_t)w->n, sizeof(*w->q));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->main, NULL);
	for (int i = 0; i < w->n; i++) {
		w->q[i].w = w;
		pthread_cond_init(&w->q[i].work, NULL);
		if (pthread_create(&w->q[i].th, NULL, worker_main, &w->q[i]))
			die_oom();
	}
	return w;
}

void xw_stop(struct xworkers *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	for (int i = 0; i < w->n; i++)
		pthread_cond_signal(&w->q[i].work);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->n; i++) {
		pthread_join(w->q[i].th, NULL);
		pthread_cond_destroy(&w->q[i].work);
	}
	while (w->spare) {
		struct xchunk *c = w->spare;
		w->spare = c->next;
		chunk_release(c);
	}
	pthread_cond_destroy(&w->main);
	pthread_mutex_destroy(&w->lock);
	free(w->q);
	free(w);
}

int xw_put(struct xworkers *w, struct xop *x, const void *data, size_t len)
{
	const char *p = data;

	if (__atomic_load_n(&x->wfailed, __ATOMIC_ACQUIRE))
		return -1;
	while (len) {
		if (!x->fill) {
			/* a chunk the size of what is left, for the many small objects */
			uint64_t left = x->op->size > x->resume_from + x->asked ?
					x->op->size - x->resume_from - x->asked : 0;
			size_t cap = left && left < XW_CHUNK ? (size_t)left : XW_CHUNK;
			pthread_mutex_lock(&w->lock);
			while (w->writing > XW_LIMIT)
				main_wait(w);
			x->fill = chunk_new(w, cap);
			pthread_mutex_unlock(&w->lock);
		}
		struct xchunk *c = x->fill;
		size_t n = len < c->cap - c->len ? len : c->cap - c->len;
		memcpy(c->data + c->len, p, n);
		c->len += n;
		p += n;
		len -= n;
		x->asked += n;
		if (c->len == c->cap) {
			pthread_mutex_lock(&w->lock);
			w->writing += c->cap;
			push_task(w, x, XT_WRITE, c, 0);
			pthread_mutex_unlock(&w->lock);
			x->fill = NULL;
		}
	}
	return 0;
}

void xw_prepare(struct xworkers *w, struct xop *x)
{
	pthread_mutex_lock(&w->lock);
	if (!x->prep) {
		x->prep = 1;
		x->wfailed = 0;
		push_task(w, x, XT_PREPARE, NULL, 0);
	}
	pthread_mutex_unlock(&w->lock);
}

int xw_ready(struct xworkers *w, struct xop *x)
{
	int ok;

	xw_prepare(w, x);
	pthread_mutex_lock(&w->lock);
	while (x->prep == 1)
		main_wait(w);
	ok = x->prep == 2;
	x->given = 0;
	if (ok)
		top_up(w, x);
	pthread_mutex_unlock(&w->lock);
	return ok ? 0 : -1;
}

ssize_t xw_take(struct xworkers *w, struct xop *x, char *buf, size_t len)
{
	struct xchunk *c;
	size_t n;

	pthread_mutex_lock(&w->lock);
	while (!(c = x->ahead) && x->given < x->op->size && x->pending)
		main_wait(w);
	pthread_mutex_unlock(&w->lock);
	if (!c)
		return x->given < x->op->size ? -1 : 0;
	if (c->failed)
		return -1;
	/* only this thread takes chunks off the list: c stays while copied */
	n = len < c->len - x->ahead_used ? len : c->len - x->ahead_used;
	memcpy(buf, c->data + x->ahead_used, n);
	x->ahead_used += n;
	x->given += n;
	if (x->ahead_used == c->len) {
		pthread_mutex_lock(&w->lock);
		x->ahead = c->next;
		if (!x->ahead)
			x->ahead_tail = NULL;
		x->ahead_used = 0;
		x->nahead--;
		chunk_free(w, c);
		top_up(w, x);
		pthread_mutex_unlock(&w->lock);
	}
	return (ssize_t)n;
}

int xw_rewind(struct xworkers *w, struct xop *x)
{
	xw_quiesce(w, x);
	x->wfailed = 0;
	if (xop_source_open(x) < 0)
		return -1;
	pthread_mutex_lock(&w->lock);
	x->asked = x->given = 0;
	x->prep = 2;
	top_up(w, x);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int xw_end(struct xworkers *w, struct xop *x, int verify)
{
	int handed = 1;

	pthread_mutex_lock(&w->lock);
	if (x->op->type == ROP_GET) {
		if (x->fill && x->fill->len) {
			w->writing += x->fill->cap;
			push_task(w, x, XT_WRITE, x->fill, 0);
		} else if (x->fill) {
			chunk_free(w, x->fill);
		}
		x->fill = NULL;
		handed = verify || x->asked;
	} else if (!x->pending) {
		/* no worker has it: the source is closed here, saving a round trip */
		drop_ahead(w, x);
		x->prep = 0;
		pthread_mutex_unlock(&w->lock);
		xop_source_close(x);
		return 0;
	}
	if (handed)
		push_task(w, x, XT_END, NULL, verify);
	pthread_mutex_unlock(&w->lock);
	return handed;
}

void xw_quiesce(struct xworkers *w, struct xop *x)
{
	pthread_mutex_lock(&w->lock);
	while (x->pending)
		main_wait(w);
	drop_ahead(w, x);
	pthread_mutex_unlock(&w->lock);
}

void xw_kick(struct xworkers *w)
{
	pthread_mutex_lock(&w->lock);
	kick(w);
	pthread_mutex_unlock(&w->lock);
}

struct xop *xw_next_done(struct xworkers *w)
{
	struct xop *x;

	pthread_mutex_lock(&w->lock);
	x = w->done;
	if (x) {
		w->done = x->done_next;
		if (!w->done)
			w->done_tail = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return x;
}

void xw_poll(struct xworkers *w, int timeout_ms, int wake)
{
	pthread_mutex_lock(&w->lock);
	kick(w);
	if (w->done && wake) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	w->polling = wake;
	pthread_mutex_unlock(&w->lock);
	curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
	pthread_mutex_lock(&w->lock);
	w->polling = 0;
	pthread_mutex_unlock(&w->lock);
}
