#include "core/strpool.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define CHUNK_SIZE (64 * 1024)

struct strpool_chunk {
	struct strpool_chunk *next; /* the chunk filled before this one */
	size_t used, size;          /* bytes of data[] in use / allocated */
	char data[];
};

/* Returns room for n bytes, starting a new chunk when the current one is
 * full (a string longer than a chunk gets a chunk of its own). */
static char *pool_alloc(struct strpool *p, size_t n)
{
	struct strpool_chunk *c = p->head;

	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = p->head;
		p->head = c;
	}
	char *s = c->data + c->used;
	c->used += n;
	return s;
}

char *strpool_addn(struct strpool *p, const char *s, size_t len)
{
	char *d = pool_alloc(p, len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *strpool_add(struct strpool *p, const char *s)
{
	return strpool_addn(p, s, strlen(s));
}

char *strpool_join(struct strpool *p, const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);

	if (!alen)
		return strpool_addn(p, b, blen);
	char *d = pool_alloc(p, alen + 1 + blen + 1);
	memcpy(d, a, alen);
	d[alen] = '/';
	memcpy(d + alen + 1, b, blen);
	d[alen + 1 + blen] = '\0';
	return d;
}

void strpool_release(struct strpool *p)
{
	while (p->head) {
		struct strpool_chunk *next = p->head->next;
		free(p->head);
		p->head = next;
	}
}
