/*
 * Allocation helpers that never return NULL: running out of memory aborts
 * with a message, so callers need no NULL checks on allocations.
 */
#ifndef REPRO_XALLOC_H
#define REPRO_XALLOC_H

#include <stddef.h>

__attribute__((noreturn)) void die_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of `size`-byte elements to hold at least `need`, doubling. */
void *xgrow(void *p, size_t *alloc, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ARRAY_GROW(arr, n_alloc, need): make room for `need` elements in arr. */
#define ARRAY_GROW(arr, alloc, need) \
	((arr) = xgrow((arr), &(alloc), (need), sizeof(*(arr))))

#endif
