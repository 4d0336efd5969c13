/*
 * Size buckets for the reports: ascending byte edges (params
 * `size_buckets`, default 1024, 4096, 16384, 65536, 204800) cut sizes into
 * labelled ranges "0-1023", "1024-4095", ..., "204800+".
 */
#ifndef REPRO_BUILTIN_SIZEBUCKET_H
#define REPRO_BUILTIN_SIZEBUCKET_H

#include <stddef.h>

#include "builtin/params.h"
#include "util/strbuf.h"

struct size_buckets {
	long *edges; /* strictly ascending, positive */
	int n;       /* how many edges (n + 1 buckets) */
};

/* Reads `key` of p's section, or the default edges. 0, or -1 (reported). */
int size_buckets_load(struct size_buckets *b, const struct sparams *p, const char *key);
/* Appends the label of bucket i (0 .. b->n) to out. */
void size_bucket_name(const struct size_buckets *b, int i, struct strbuf *out);
/* Appends the label of size's bucket to out. */
void size_bucket_label(const struct size_buckets *b, size_t size, struct strbuf *out);
void size_buckets_release(struct size_buckets *b);

#endif
