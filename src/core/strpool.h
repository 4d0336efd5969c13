/*
 * A string arena: many small strings copied into large chunks and freed all
 * at once. A directory walk of 100,000 files would otherwise make 100,000
 * mallocs for their names; here it makes a few dozen.
 */
#ifndef REPRO_STRPOOL_H
#define REPRO_STRPOOL_H

#include <stddef.h>

struct strpool_chunk;

struct strpool {
	struct strpool_chunk *head; /* chunk being filled; older chunks follow it */
};

#define STRPOOL_INIT { NULL }

/* Copies len bytes of s plus a NUL into the pool; the copy lives until release. */
char *strpool_addn(struct strpool *p, const char *s, size_t len);
char *strpool_add(struct strpool *p, const char *s);
/* "a/b", or just b when a is empty. */
char *strpool_join(struct strpool *p, const char *a, const char *b, size_t blen);
void strpool_release(struct strpool *p);

#endif
