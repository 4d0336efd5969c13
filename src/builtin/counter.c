#include "builtin/counter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct counter_entry *find(struct counter_entry *slots, size_t cap, const char *key)
{
	size_t i = hash(key) & (cap - 1);

	while (slots[i].key && strcmp(slots[i].key, key))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow(struct counter *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64;
	struct counter_entry *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].key)
			*find(slots, cap, c->slots[i].key) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
}

void counter_add(struct counter *c, const char *key, size_t by)
{
	if ((c->n + 1) * 2 > c->cap)
		grow(c);
	struct counter_entry *e = find(c->slots, c->cap, key);
	if (!e->key) {
		e->key = xstrdup(key);
		c->n++;
	}
	e->count += by;
}

size_t counter_get(const struct counter *c, const char *key)
{
	if (!c->cap)
		return 0;
	const struct counter_entry *e = find(c->slots, c->cap, key);
	return e->key ? e->count : 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct counter_entry *)a)->key, ((const struct counter_entry *)b)->key);
}

struct counter_entry *counter_sorted(const struct counter *c)
{
	struct counter_entry *v = xcalloc(c->n + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].key)
			v[k++] = c->slots[i];
	qsort(v, k, sizeof(*v), by_key);
	return v;
}

cJSON *counter_to_json(const struct counter *c)
{
	cJSON *o = cJSON_CreateObject();
	struct counter_entry *v = counter_sorted(c);

	for (size_t i = 0; i < c->n; i++)
		cJSON_AddNumberToObject(o, v[i].key, (double)v[i].count);
	free(v);
	return o;
}

void counter_release(struct counter *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].key);
	free(c->slots);
	c->slots = NULL;
	c->cap = c->n = 0;
}
