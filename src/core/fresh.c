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
 * An open-addressing table of raw digests: ids are uniformly distributed,
 * so their first bytes are the hash.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "util/xalloc.h"

/* What a file looked like when it was vouched for. */
struct stamp {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

struct fresh_slot {
	unsigned char key[HASH_RAW_LEN + 1]; /* digest + 1 (file) or 2 (manifest); 0: empty */
	int fresh;              /* the object was committed by this process */
	struct stamp obj;       /* the object file, when fresh */
	char *copy;             /* a verified copy of the object outside the cache, or NULL */
	struct stamp copy_st;   /* that copy, when offered */
};

struct cache_fresh {
	pthread_mutex_t lock;   /* guards the rest: checkouts look up from threads */
	struct fresh_slot *slot;
	size_t n, cap;          /* entries, slots (a power of two, at most half full) */
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

/* The slot of id: added when new and `add` is set; NULL when absent or id
 * is malformed. Lock held. */
static struct fresh_slot *find(struct cache_fresh *f, const char *id, int add)
{
	unsigned char key[HASH_RAW_LEN + 1];

	if (key_of(id, key) < 0 || (!add && !f->cap))
		return NULL;
	if (add && (f->n + 1) * 2 > f->cap)
		grow(f);
	struct fresh_slot *s = &f->slot[probe(f, key)];
	if (!s->key[HASH_RAW_LEN]) {
		if (!add)
			return NULL;
		memcpy(s->key, key, sizeof(key));
		f->n++;
	}
	return s;
}

void fresh_add(struct cache_fresh *f, const char *id, const struct stat *st)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	struct fresh_slot *s = find(f, id, 1);
	if (s) {
		s->fresh = 1;
		stamp_of(st, &s->obj);
	}
	pthread_mutex_unlock(&f->lock);
}

int fresh_has(struct cache_fresh *f, const char *id)
{
	int found;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	struct fresh_slot *s = find(f, id, 0);
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
	struct fresh_slot *s = find(f, id, 0);
	ok = s && s->fresh && stamp_is(&s->obj, st);
	pthread_mutex_unlock(&f->lock);
	return ok;
}

void fresh_offer_copy(struct cache_fresh *f, const char *id, const char *path)
{
	struct fresh_slot *s = NULL;
	struct stat st;

	if (f && stat(path, &st) == 0) {
		pthread_mutex_lock(&f->lock);
		if ((s = find(f, id, 1)) && !s->copy) {
			s->copy = xstrdup(path);
			stamp_of(&st, &s->copy_st);
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
	struct fresh_slot *s = find(f, id, 0);
	if (s && s->copy) {
		copy = s->copy;
		was = s->copy_st;
		s->copy = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	if (copy && (stat(copy, &st) < 0 || !stamp_is(&was, &st))) {
		unlink(copy); /* changed since it was verified */
		free(copy);
		copy = NULL;
	}
	return copy;
}
