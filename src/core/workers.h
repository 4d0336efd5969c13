/*
 * Running work on all cores: a parallel loop over an index range, and a
 * queue of tasks that may add more tasks (a directory walk). Both block
 * until everything is done. Work functions must not report errors with
 * error() (which is not thread-safe): they record them for the caller.
 */
#ifndef REPRO_WORKERS_H
#define REPRO_WORKERS_H

#include <stddef.h>

/* nthreads <= 0 means one per online core. */
int workers_count(int nthreads);

/*
 * Calls fn(ctx, i, w) once for each i in [0, n), on up to nthreads threads;
 * w (0 <= w < nthreads) names the thread, for per-thread scratch buffers.
 * With tick non-NULL, the calling thread only calls tick(tick_ctx) about
 * every 100 ms (progress display) and once at the end, while others work;
 * otherwise it works too.
 */
void parallel_for(int nthreads, size_t n, void (*fn)(void *ctx, size_t i, int w), void *ctx,
		  void (*tick)(void *tick_ctx), void *tick_ctx);

struct workq;
/*
 * Runs fn(ctx, task, w, q) for every task pushed, starting with `first`,
 * until no task is left or running. fn may call workq_push(q, ...).
 * Tasks are taken last-in first-out, which keeps a walk depth-first.
 */
void workq_run(int nthreads, void *first, void (*fn)(void *ctx, void *task, int w, struct workq *q),
	       void *ctx);
void workq_push(struct workq *q, void *task);

#endif
