/*
 * Append-only string storage in large blocks: many small strings that live
 * until the end (ingest's paths) without a malloc header and rounding each,
 * which at tens of thousands of paths is most of their memory.
 */
#ifndef REPRO_BUILTIN_ARENA_H
#define REPRO_BUILTIN_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head; /* the block being filled; it links to the older ones */
};

#define ARENA_INIT { NULL }

/* A NUL-terminated copy of s[0..len), valid until arena_release. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
void arena_release(struct arena *a);

#endif
