/*
 * The string-keyed hash map of the metrics memo: open addressing with
 * linear probing, FNV-1a hashing, grown at half load. Nothing is ever
 * removed, which keeps probing trivial.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics_internal.h"
#include "util/xalloc.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct mmap_slot *find(const struct mmap *m, const char *key)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask)
		if (!m->slots[i].key || !strcmp(m->slots[i].key, key))
			return &m->slots[i];
}

void *mmap_get(const struct mmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct mmap_slot *s = find(m, key);
	return s->key ? s->val : NULL;
}

static void grow(struct mmap *m)
{
	struct mmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*find(m, old.slots[i].key) = old.slots[i];
	free(old.slots);
}

void mmap_put(struct mmap *m, const char *key, void *val)
{
	if (2 * (m->n + 1) > m->cap)
		grow(m);
	struct mmap_slot *s = find(m, key);
	s->key = xstrdup(key);
	s->val = val;
	m->n++;
}

void mmap_release(struct mmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_val)
			free_val(m->slots[i].val);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
