/*
 * The objects this process put into the cache through a batch (see
 * cachepriv.h): every one was hashed on its way in (a store hashes what it
 * copies, a fetch verifies what it downloads), so a checkout right after,
 * `repro pull` above all, may copy them without reading and hashing them a
 * second time; and for some of them a verified copy already written
 * outside the cache (a pull writes one while downloading a large object),
 * which such a checkout renames into place instead of copying. An
 * open-addressing set of raw digests: ids are uniformly
 * distributed, so their first bytes are the hash.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "util/xalloc.h"

struct fresh_slot {
	unsigned char key[HASH_RAW_LEN + 1]; /* digest + 1 (file) or 2 (manifest); 0: empty */
	int fresh;              /* the object was committed by this process */
	char *copy;             /* a verified copy of the object outside the cache, or NULL */
};

struct cache_fresh {
	pthread_mutex_t lock;   /* guards the rest: checkouts look up from threads */
	struct fresh_slot *slot;
	size_t n, cap;          /* entries, slots (a power of two, at most half full) */
};

struct cache_fresh *fresh_new(void)
{
	struct cache_fresh *f = xcalloc(1, sizeof(*f));

	pthread_mutex_init(&f->lock, NULL);
	return f;
}

void fresh_free(struct cache_fresh *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	for (size_t i = 0; i < f->cap; i++)
		if (f->slot[i].copy) {
			unlink(f->slot[i].copy); /* never used */
			free(f->slot[i].copy);
		}
	free(f->slot);
	free(f);
}

/* The key of id: its digest and a kind byte; -1 for a malformed id. */
static int key_of(const char *id, unsigned char key[HASH_RAW_LEN + 1])
{
	char hex[HASH_HEX_LEN + 1];

	if (!hash_id_valid(id))
		return -1;
	memcpy(hex, id, HASH_HEX_LEN);
	hex[HASH_HEX_LEN] = '\0';
	if (hash_hex_to_raw(hex, key) < 0)
		return -1;
	key[HASH_RAW_LEN] = hash_id_is_dir(id) ? 2 : 1;
	return 0;
}

/* The slot holding key, or the empty one where it would go. */
static size_t probe(const struct cache_fresh *f, const unsigned char *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	for (size_t i = (size_t)h & (f->cap - 1);; i = (i + 1) & (f->cap - 1))
		if (!f->slot[i].key[HASH_RAW_LEN] || !memcmp(f->slot[i].key, key, HASH_RAW_LEN + 1))
			return i;
}

static void grow(struct cache_fresh *f)
{
	struct fresh_slot *old = f->slot;
	size_t ocap = f->cap;

	f->cap = ocap ? ocap * 2 : 1024;
	f->slot = xcalloc(f->cap, sizeof(*f->slot));
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key[HASH_RAW_LEN])
			f->slot[probe(f, old[i].key)] = old[i];
	free(old);
}

/* The slot of id, added if new; NULL for a malformed id. Lock held. */
static struct fresh_slot *slot_of(struct cache_fresh *f, const char *id)
{
	unsigned char key[HASH_RAW_LEN + 1];

	if (key_of(id, key) < 0)
		return NULL;
	if ((f->n + 1) * 2 > f->cap)
		grow(f);
	struct fresh_slot *s = &f->slot[probe(f, key)];
	if (!s->key[HASH_RAW_LEN]) {
		memcpy(s->key, key, sizeof(key));
		f->n++;
	}
	return s;
}

void fresh_add(struct cache_fresh *f, const char *id)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	struct fresh_slot *s = slot_of(f, id);
	if (s)
		s->fresh = 1;
	pthread_mutex_unlock(&f->lock);
}

void fresh_offer_copy(struct cache_fresh *f, const char *id, const char *path)
{
	struct fresh_slot *s;

	if (!f) {
		unlink(path);
		return;
	}
	pthread_mutex_lock(&f->lock);
	if ((s = slot_of(f, id)) && !s->copy)
		s->copy = xstrdup(path);
	else
		unlink(path);
	pthread_mutex_unlock(&f->lock);
}

char *fresh_take_copy(struct cache_fresh *f, const char *id)
{
	unsigned char key[HASH_RAW_LEN + 1];
	char *copy = NULL;

	if (!f || key_of(id, key) < 0)
		return NULL;
	pthread_mutex_lock(&f->lock);
	if (f->cap) {
		struct fresh_slot *s = &f->slot[probe(f, key)];
		copy = s->copy;
		s->copy = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	return copy;
}

int fresh_has(struct cache_fresh *f, const char *id)
{
	unsigned char key[HASH_RAW_LEN + 1];
	int found = 0;

	if (!f || key_of(id, key) < 0)
		return 0;
	pthread_mutex_lock(&f->lock);
	found = f->cap && f->slot[probe(f, key)].fresh;
	pthread_mutex_unlock(&f->lock);
	return found;
}
