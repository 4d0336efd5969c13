/*
 * The objects this process put into the cache through a batch (see
 * cachepriv.h): every one was hashed on its way in (a store hashes what it
 * copies, a fetch verifies what it downloads), so a checkout right after,
 * `repro pull` above all, may copy them without reading and hashing them a
 * second time; and for some of them a verified copy already written
 * outside the cache (a pull writes one while downloading a large object),
 * which such a checkout renames into place instead of copying.
 *
 * Trust ends when the file changes: each is remembered with its stat
 * (device, inode, size, mtime, ctime) as committed or offered, and only a
 * file that still has exactly that stat is vouched for. Writing to it, or
 * even a chmod, changes its ctime, which no user can set back; what changed
 * is copied the careful way (hashed again) and corruption found. As with
 * git's index, a rewrite within the same clock tick that keeps the size
 * would go unseen: only a deliberate writer racing the pull could do that
 * to a read-only object, and such a writer could as well change the
 * workspace copy a moment later.
 *
 * An open-addressing index of raw digests over a dense array: ids are
 * uniformly distributed, so their first bytes are the hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "core/digindex.h"
#include "util/xalloc.h"

/* What a file looked like when it was vouched for. */
struct stamp {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

/* One object. Entries are dense and the table indexes them: at 100,000
 * objects (a first `repro add` of a big directory) slots holding the
 * entries themselves, at most half full, took 50 MB while growing. */
struct fresh_ent {
	unsigned char key[HASH_RAW_LEN + 1]; /* digest + 1 (file) or 2 (manifest) */
	unsigned char fresh;    /* the object was committed by this process */
	uint32_t copy;          /* 1 + its offered copy's position in copies, or 0 */
	struct stamp obj;       /* the object file, when fresh */
};

/* A verified copy of an object outside the cache (few: large objects). */
struct fresh_copy {
	char *path;             /* NULL once taken */
	struct stamp st;        /* as offered */
};

/* What is known of a fan-out directory (see fresh_fan_absent). */
enum { FAN_UNKNOWN, FAN_ABSENT, FAN_PRESENT };

struct cache_fresh {
	_Atomic unsigned char fan[256]; /* FAN_*, by the id's first byte */
	pthread_mutex_t lock;   /* guards the rest: checkouts look up from threads */
	struct fresh_ent *ent;
	size_t n, alloc;
	uint32_t *slot;         /* 1 + position in ent, 0 = empty */
	size_t cap;             /* slots (a power of two, at most half full) */
	struct fresh_copy *copies;
	size_t ncopies, copies_alloc;
};

static void stamp_of(const struct stat *st, struct stamp *s)
{
	s->dev = (uint64_t)st->st_dev;
	s->ino = (uint64_t)st->st_ino;
	s->size = (uint64_t)st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static int stamp_is(const struct stamp *s, const struct stat *st)
{
	struct stamp now;

	stamp_of(st, &now);
	return !memcmp(s, &now, sizeof(now));
}

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
	for (size_t i = 0; i < f->ncopies; i++)
		if (f->copies[i].path) {
			unlink(f->copies[i].path); /* never used */
			free(f->copies[i].path);
		}
	free(f->copies);
	free(f->ent);
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

static uint32_t *probe(const struct cache_fresh *f, const unsigned char *key)
{
	return digindex_slot(f->slot, f->cap, f->ent, sizeof(*f->ent), key, HASH_RAW_LEN + 1);
}

static void grow(struct cache_fresh *f)
{
	size_t cap = f->cap ? f->cap * 2 : 1024;

	free(f->slot);
	f->slot = digindex_build(cap, f->ent, sizeof(*f->ent), f->n, HASH_RAW_LEN + 1);
	f->cap = cap;
}

/* The entry of id: added when new and `add` is set; NULL when absent or id
 * is malformed. Lock held. */
static struct fresh_ent *find(struct cache_fresh *f, const char *id, int add)
{
	unsigned char key[HASH_RAW_LEN + 1];

	if (key_of(id, key) < 0 || (!add && !f->cap))
		return NULL;
	if (add && (f->n + 1) * 2 > f->cap)
		grow(f);
	uint32_t *s = probe(f, key);
	if (!*s) {
		if (!add)
			return NULL;
		ARRAY_GROW(f->ent, f->alloc, f->n + 1);
		memset(&f->ent[f->n], 0, sizeof(f->ent[f->n]));
		memcpy(f->ent[f->n].key, key, sizeof(key));
		*s = (uint32_t)++f->n;
	}
	return &f->ent[*s - 1];
}

void fresh_add(struct cache_fresh *f, const char *id, const struct stat *st)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	struct fresh_ent *s = find(f, id, 1);
	if (s) {
		s->fresh = 1;
		if (st)
			stamp_of(st, &s->obj);
		else
			memset(&s->obj, 0, sizeof(s->obj)); /* no file has inode 0 */
	}
	pthread_mutex_unlock(&f->lock);
}

int fresh_has(struct cache_fresh *f, const char *id)
{
	int found;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	struct fresh_ent *s = find(f, id, 0);
	found = s && s->fresh;
	pthread_mutex_unlock(&f->lock);
	return found;
}

int fresh_vouches(struct cache_fresh *f, const char *id, const struct stat *st)
{
	int ok;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	struct fresh_ent *s = find(f, id, 0);
	ok = s && s->fresh && stamp_is(&s->obj, st);
	pthread_mutex_unlock(&f->lock);
	return ok;
}

/* The fan-out directory of id: its digest's first byte, or -1. */
static int fan_of(const char *id)
{
	unsigned char key[HASH_RAW_LEN + 1];

	return key_of(id, key) < 0 ? -1 : key[0];
}

int fresh_fan_absent(struct cache_fresh *f, int cachefd, const char *id)
{
	int fan = f ? fan_of(id) : -1;
	struct stat st;

	if (fan < 0)
		return 0;
	unsigned char known = atomic_load(&f->fan[fan]);
	if (known == FAN_UNKNOWN) {
		char rel[3] = { id[0], id[1], '\0' };
		known = fstatat(cachefd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT ? FAN_ABSENT : FAN_PRESENT;
		unsigned char expect = FAN_UNKNOWN;
		/* a batch may have made it meanwhile: its word wins */
		if (!atomic_compare_exchange_strong(&f->fan[fan], &expect, known))
			known = expect;
	}
	return known == FAN_ABSENT;
}

void fresh_fan_made(struct cache_fresh *f, const char *id)
{
	int fan = f ? fan_of(id) : -1;

	if (fan >= 0)
		atomic_store(&f->fan[fan], FAN_PRESENT);
}

void fresh_offer_copy(struct cache_fresh *f, const char *id, const char *path)
{
	struct fresh_ent *s = NULL;
	struct stat st;

	if (f && stat(path, &st) == 0) {
		pthread_mutex_lock(&f->lock);
		if ((s = find(f, id, 1)) && !s->copy) {
			ARRAY_GROW(f->copies, f->copies_alloc, f->ncopies + 1);
			f->copies[f->ncopies].path = xstrdup(path);
			stamp_of(&st, &f->copies[f->ncopies].st);
			s->copy = (uint32_t)++f->ncopies;
		} else {
			s = NULL;
		}
		pthread_mutex_unlock(&f->lock);
	}
	if (!s)
		unlink(path);
}

char *fresh_take_copy(struct cache_fresh *f, const char *id)
{
	struct stamp was;
	struct stat st;
	char *copy = NULL;

	if (!f)
		return NULL;
	pthread_mutex_lock(&f->lock);
	struct fresh_ent *s = find(f, id, 0);
	if (s && s->copy) {
		struct fresh_copy *c = &f->copies[s->copy - 1];
		copy = c->path;
		was = c->st;
		c->path = NULL;
		s->copy = 0;
	}
	pthread_mutex_unlock(&f->lock);
	if (copy && (stat(copy, &st) < 0 || !stamp_is(&was, &st))) {
		unlink(copy); /* changed since it was verified */
		free(copy);
		copy = NULL;
	}
	return copy;
}
