#include "builtin/arena.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define BLOCK_SIZE (64 * 1024)

struct arena_block {
	struct arena_block *next; /* the previous block */
	size_t used, size;        /* bytes of data used and available */
	char data[];              /* the strings */
};

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	struct arena_block *b = a->head;

	if (!b || b->size - b->used < len + 1) {
		size_t size = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;
		b = xmalloc(sizeof(*b) + size);
		b->next = a->head;
		b->used = 0;
		b->size = size;
		a->head = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

void arena_release(struct arena *a)
{
	while (a->head) {
		struct arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}
