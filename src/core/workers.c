#include "core/workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

int workers_count(int nthreads)
{
	if (nthreads > 0)
		return nthreads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)(n > 256 ? 256 : n) : 1;
}

struct pfor {
	void (*fn)(void *ctx, size_t i, int w);
	void *ctx;
	size_t n;             /* items */
	atomic_size_t next;   /* next item to hand out */
	atomic_int running;   /* threads still working */
	pthread_mutex_t lock; /* with `done`: wakes the ticking thread early */
	pthread_cond_t done;
};

struct pfor_thread {
	struct pfor *p; /* the loop */
	int w;          /* this thread's index */
};

static void *pfor_main(void *arg)
{
	struct pfor_thread *t = arg;
	struct pfor *p = t->p;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->ctx, i, t->w);
	pthread_mutex_lock(&p->lock);
	if (atomic_fetch_sub(&p->running, 1) == 1)
		pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Waits for all workers, calling tick about every 100 ms. */
static void pfor_tick(struct pfor *p, void (*tick)(void *), void *tick_ctx)
{
	pthread_mutex_lock(&p->lock);
	while (atomic_load(&p->running)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&p->done, &p->lock, &ts) == ETIMEDOUT) {
			pthread_mutex_unlock(&p->lock);
			tick(tick_ctx);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	tick(tick_ctx);
}

void parallel_for(int nthreads, size_t n, void (*fn)(void *ctx, size_t i, int w), void *ctx,
		  void (*tick)(void *tick_ctx), void *tick_ctx)
{
	int nt = workers_count(nthreads);
	struct pfor p = { .fn = fn, .ctx = ctx, .n = n };

	if ((size_t)nt > n)
		nt = n ? (int)n : 1;
	if (nt == 1 && !tick) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i, 0);
		return;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.done, NULL);
	struct pfor_thread *ts = xcalloc((size_t)nt, sizeof(*ts));
	pthread_t *tid = xcalloc((size_t)nt, sizeof(*tid));
	int first = tick ? 0 : 1; /* without tick, this thread is worker 0 */
	atomic_store(&p.running, nt);
	for (int w = 0; w < nt; w++) {
		ts[w].p = &p;
		ts[w].w = w;
		if (w >= first && pthread_create(&tid[w], NULL, pfor_main, &ts[w]) != 0) {
			/* no thread: do its share here, in order */
			pfor_main(&ts[w]);
			tid[w] = 0;
		}
	}
	if (tick)
		pfor_tick(&p, tick, tick_ctx);
	else
		pfor_main(&ts[0]);
	for (int w = first; w < nt; w++)
		if (tid[w])
			pthread_join(tid[w], NULL);
	pthread_cond_destroy(&p.done);
	pthread_mutex_destroy(&p.lock);
	free(ts);
	free(tid);
}

struct workq {
	void (*fn)(void *ctx, void *task, int w, struct workq *q);
	void *ctx;
	void **tasks;          /* stack of pending tasks */
	size_t n, alloc;
	int active;            /* tasks being run */
	pthread_mutex_t lock;  /* guards tasks, n, active */
	pthread_cond_t more;   /* a task was pushed, or all work is done */
};

struct workq_thread {
	struct workq *q;
	int w;
};

void workq_push(struct workq *q, void *task)
{
	pthread_mutex_lock(&q->lock);
	ARRAY_GROW(q->tasks, q->alloc, q->n + 1);
	q->tasks[q->n++] = task;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
}

static void *workq_main(void *arg)
{
	struct workq_thread *t = arg;
	struct workq *q = t->q;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->n && q->active)
			pthread_cond_wait(&q->more, &q->lock);
		if (!q->n)
			break;
		void *task = q->tasks[--q->n];
		q->active++;
		pthread_mutex_unlock(&q->lock);
		q->fn(q->ctx, task, t->w, q);
		pthread_mutex_lock(&q->lock);
		if (--q->active == 0 && !q->n)
			pthread_cond_broadcast(&q->more);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

void workq_run(int nthreads, void *first, void (*fn)(void *ctx, void *task, int w, struct workq *q),
	       void *ctx)
{
	int nt = workers_count(nthreads);
	struct workq q = { .fn = fn, .ctx = ctx };

	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.more, NULL);
	workq_push(&q, first);
	struct workq_thread *ts = xcalloc((size_t)nt, sizeof(*ts));
	pthread_t *tid = xcalloc((size_t)nt, sizeof(*tid));
	for (int w = 1; w < nt; w++) {
		ts[w].q = &q;
		ts[w].w = w;
		if (pthread_create(&tid[w], NULL, workq_main, &ts[w]) != 0)
			tid[w] = 0;
	}
	ts[0].q = &q;
	workq_main(&ts[0]);
	for (int w = 1; w < nt; w++)
		if (tid[w])
			pthread_join(tid[w], NULL);
	pthread_cond_destroy(&q.more);
	pthread_mutex_destroy(&q.lock);
	free(q.tasks);
	free(ts);
	free(tid);
}
