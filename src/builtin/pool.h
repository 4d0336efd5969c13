/*
 * A parallel for-loop over [0, n) on a few threads. Callers store each
 * item's result in a slot of their own indexed by i and combine the slots in
 * index order afterwards, so the result never depends on the number of
 * threads or on scheduling: byte-identical output at every -j.
 */
#ifndef REPRO_BUILTIN_POOL_H
#define REPRO_BUILTIN_POOL_H

#include <stddef.h>

/*
 * Calls fn(ctx, i) exactly once for every i in [0, n), on up to `jobs`
 * threads (the calling thread is one of them). fn must only touch state of
 * item i and read-only shared data. If a thread cannot be started the
 * remaining threads (at least the caller) do all the work.
 */
void pool_for(int jobs, size_t n, void (*fn)(void *ctx, size_t i), void *ctx);

/* The number of online CPUs (at least 1): the default for -j. */
int pool_default_jobs(void);

#endif
