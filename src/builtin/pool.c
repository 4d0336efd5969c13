#include "builtin/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/xalloc.h"

struct pool {
	size_t next;                       /* next index to hand out (atomic) */
	size_t n;                          /* indexes [0, n) */
	void (*fn)(void *ctx, size_t i);   /* the loop body */
	void *ctx;                         /* its argument */
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

void pool_for(int jobs, size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct pool p = { 0, n, fn, ctx };

	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	pthread_t *th = xcalloc((size_t)jobs, sizeof(*th));
	int started = 0;
	for (int t = 1; t < jobs; t++) {
		if (pthread_create(&th[started], NULL, worker, &p) != 0)
			break;
		started++;
	}
	worker(&p);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	free(th);
}

int pool_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
