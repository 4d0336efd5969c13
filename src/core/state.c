#include "core/state.h"
#include "core/state_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t st_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* One tick of the clock the kernel stamps files with (at least 1 ms). */
static int64_t coarse_tick_ns(void)
{
	static _Atomic int64_t tick;
	int64_t t = atomic_load(&tick);

	if (!t) {
		struct timespec res;
		t = 4000000;
		if (!clock_getres(CLOCK_REALTIME_COARSE, &res))
			t = (int64_t)res.tv_sec * 1000000000 + res.tv_nsec;
		if (t < 1000000)
			t = 1000000;
		atomic_store(&tick, t);
	}
	return t;
}

/* See "Racy entries" in state.h. */
static int is_racy(const struct state_rec *r)
{
	int64_t slack = r->mtime_ns % 1000000000 == 0 ? 2000000000 : coarse_tick_ns();

	return r->mtime_ns >= r->hashed_at_ns - slack;
}

static int key_cmp(uint64_t dev, uint64_t ino, const struct state_rec *r)
{
	if (dev != r->dev)
		return dev < r->dev ? -1 : 1;
	if (ino != r->ino)
		return ino < r->ino ? -1 : 1;
	return 0;
}

static size_t slot_of(uint64_t dev, uint64_t ino, size_t tsize);

/*
 * A binary search over 100,000 records misses the cache a dozen times per
 * lookup, which showed up as the largest user-space cost of a no-op: the
 * loaded records also get a hash index (1 MB at 100,000 entries, built in
 * about a millisecond).
 */
static void base_index(struct state *s)
{
	size_t size = 1024;

	while (size < s->nbase * 2)
		size *= 2;
	s->bindex = xcalloc(size, sizeof(*s->bindex));
	s->bsize = size;
	for (size_t i = 0; i < s->nbase; i++) {
		size_t k = slot_of(s->base[i].dev, s->base[i].ino, size);
		while (s->bindex[k])
			k = (k + 1) & (size - 1);
		s->bindex[k] = (uint32_t)(i + 1);
	}
}

static const struct state_rec *base_find(const struct state *s, uint64_t dev, uint64_t ino)
{
	size_t lo = 0, hi = s->nbase;

	if (s->bsize) {
		for (size_t k = slot_of(dev, ino, s->bsize); s->bindex[k]; k = (k + 1) & (s->bsize - 1)) {
			const struct state_rec *r = &s->base[s->bindex[k] - 1];
			if (r->ino == ino && r->dev == dev)
				return r;
		}
		return NULL;
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(dev, ino, &s->base[mid]);
		if (!c)
			return &s->base[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static size_t slot_of(uint64_t dev, uint64_t ino, size_t tsize)
{
	uint64_t h = (ino ^ (dev * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;

	return (size_t)(h >> 17) & (tsize - 1);
}

/* The index slot for (dev, ino): the one holding it, or the empty slot
 * where it would go. */
static uint32_t *table_slot(const struct state *s, uint32_t *index, size_t tsize, uint64_t dev, uint64_t ino)
{
	size_t i = slot_of(dev, ino, tsize);

	while (index[i]) {
		const struct state_rec *r = &s->added[index[i] - 1];
		if (r->ino == ino && r->dev == dev)
			break;
		i = (i + 1) & (tsize - 1);
	}
	return &index[i];
}

static void table_grow(struct state *s)
{
	size_t nsize = s->tsize ? s->tsize * 2 : 1024;
	uint32_t *ni = xcalloc(nsize, sizeof(*ni));

	for (size_t i = 0; i < s->tcount; i++)
		*table_slot(s, ni, nsize, s->added[i].dev, s->added[i].ino) = (uint32_t)(i + 1);
	free(s->index);
	s->index = ni;
	s->tsize = nsize;
}

static void release_mem(void *mem, size_t len, int mapped)
{
	if (mapped)
		munmap(mem, len);
	else
		free(mem);
}

/* Checks a loaded file; 1 when every part of it is as state_save writes it. */
static int state_file_ok(const char *mem, size_t len)
{
	const struct state_header *h = (const struct state_header *)mem;
	char want[HASH_HEX_LEN + 1], got[HASH_HEX_LEN + 1];

	if (len < STATE_HEADER + HASH_RAW_LEN || memcmp(h->magic, STATE_MAGIC, 8) ||
	    (h->version != STATE_VERSION && (h->version != 1 || h->ndirs)) ||
	    h->rec_size != sizeof(struct state_rec) || h->count > STATE_MAX_ENTRIES || h->ndirs > STATE_MAX_DIRS ||
	    len != STATE_HEADER + h->count * sizeof(struct state_rec) + h->ndirs * sizeof(struct state_dir) +
			   HASH_RAW_LEN)
		return 0;
	hash_buffer(mem, len - HASH_RAW_LEN, want);
	hash_raw_to_hex((const unsigned char *)mem + len - HASH_RAW_LEN, got);
	if (strcmp(want, got))
		return 0;
	const struct state_rec *r = (const struct state_rec *)(mem + STATE_HEADER);
	for (size_t i = 1; i < h->count; i++)
		if (key_cmp(r[i].dev, r[i].ino, &r[i - 1]) <= 0)
			return 0;
	return 1;
}

/*
 * Maps the whole file (read() into fresh memory cost a copy and a page
 * fault per 4 KB page: 0.5 to 2 ms of a 10,000-file no-op for a 720 KB
 * state, against 0.03 ms to map it); NULL when missing or unusable. The
 * file is never changed in place (state_save renames a new one over it),
 * so the mapping stays what was verified; as with git's mmap'ed index, a
 * third party truncating it under a running repro is not guarded against.
 * Where mmap is refused (some FUSE filesystems), one read() instead.
 */
static void *state_load(const char *path, size_t *len_out, int *mapped)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *mem = NULL;
	size_t len = 0;

	*mapped = 0;
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size >= STATE_HEADER + HASH_RAW_LEN &&
	    (uint64_t)st.st_size <= STATE_HEADER + (uint64_t)STATE_MAX_ENTRIES * sizeof(struct state_rec) +
					     STATE_MAX_DIRS * sizeof(struct state_dir) + HASH_RAW_LEN) {
		len = (size_t)st.st_size;
		mem = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (mem != MAP_FAILED) {
			*mapped = 1;
		} else {
			mem = xmalloc(len);
			if (read_full(fd, mem, len) != (ssize_t)len) {
				free(mem);
				mem = NULL;
			}
		}
		if (mem && !state_file_ok(mem, len)) {
			release_mem(mem, len, *mapped);
			mem = NULL;
		}
	}
	close(fd);
	*len_out = mem ? len : 0;
	return mem;
}

struct state *state_open(const char *path)
{
	struct state *s = xcalloc(1, sizeof(*s));

	s->path = xstrdup(path);
	pthread_mutex_init(&s->lock, NULL);
	s->mem = state_load(path, &s->mem_len, &s->mapped);
	if (s->mem) {
		const struct state_header *h = s->mem;
		s->base = (const struct state_rec *)((char *)s->mem + STATE_HEADER);
		s->nbase = h->count;
		s->dbase = (const struct state_dir *)(s->base + s->nbase);
		s->ndbase = h->ndirs;
	}
	if (s->nbase >= 256)
		base_index(s);
	return s;
}

size_t state_count(struct state *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->nbase + s->nnew;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int state_get(struct state *s, const struct stat *st, char hex[HASH_HEX_LEN + 1])
{
	unsigned char raw[HASH_RAW_LEN];

	if (!state_get_raw(s, st, raw))
		return 0;
	hash_raw_to_hex(raw, hex);
	return 1;
}

int state_get_raw(struct state *s, const struct stat *st, unsigned char raw[HASH_RAW_LEN])
{
	return state_lookup(s, (uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_size, st_mtime_ns(st),
			    raw);
}

void state_prefetch_slot(const struct state *s, uint64_t dev, uint64_t ino)
{
	if (s->bsize)
		__builtin_prefetch(&s->bindex[slot_of(dev, ino, s->bsize)]);
}

void state_prefetch_entry(const struct state *s, uint64_t dev, uint64_t ino)
{
	if (!s->bsize)
		return;
	uint32_t at = s->bindex[slot_of(dev, ino, s->bsize)];
	if (at) { /* an entry is 72 bytes: it may span two cache lines */
		const char *r = (const char *)&s->base[at - 1];
		__builtin_prefetch(r);
		__builtin_prefetch(r + sizeof(struct state_rec) - 1);
	}
}

int state_lookup(struct state *s, uint64_t dev, uint64_t ino, uint64_t size, int64_t mtime_ns,
		 unsigned char raw[HASH_RAW_LEN])
{
	struct state_rec r;
	int found = 0;

	if (atomic_load_explicit(&s->nput, memory_order_acquire)) {
		pthread_mutex_lock(&s->lock);
		uint32_t slot = *table_slot(s, s->index, s->tsize, dev, ino);
		if (slot) {
			r = s->added[slot - 1];
			found = 1;
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (!found) {
		const struct state_rec *b = base_find(s, dev, ino);
		if (!b)
			return 0;
		r = *b;
	}
	if (r.size != size || r.mtime_ns != mtime_ns || is_racy(&r))
		return 0;
	memcpy(raw, r.sha, HASH_RAW_LEN);
	return 1;
}

void state_put(struct state *s, const struct stat *st, const char *hex, int64_t hashed_at_ns)
{
	struct state_rec r;

	if (!st->st_ino || hash_hex_to_raw(hex, r.sha) < 0)
		return;
	r.dev = (uint64_t)st->st_dev;
	r.ino = (uint64_t)st->st_ino;
	r.size = (uint64_t)st->st_size;
	r.mtime_ns = st_mtime_ns(st);
	r.hashed_at_ns = hashed_at_ns;

	const struct state_rec *b = base_find(s, r.dev, r.ino);
	pthread_mutex_lock(&s->lock);
	if (s->tcount * 2 >= s->tsize)
		table_grow(s);
	uint32_t *slot = table_slot(s, s->index, s->tsize, r.dev, r.ino);
	const struct state_rec *old = *slot ? &s->added[*slot - 1] : b;
	if (!old || memcmp(old, &r, sizeof(r))) {
		if (*slot) {
			s->added[*slot - 1] = r;
		} else {
			ARRAY_GROW(s->added, s->aalloc, s->tcount + 1);
			s->added[s->tcount++] = r;
			*slot = (uint32_t)s->tcount;
			if (!b)
				s->nnew++;
		}
		s->changed = 1;
		atomic_store_explicit(&s->nput, s->tcount, memory_order_release);
	}
	pthread_mutex_unlock(&s->lock);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct state_rec *x = a;
	return key_cmp(x->dev, x->ino, b);
}

static int rec_newer(const void *a, const void *b)
{
	const struct state_rec *x = a, *y = b;
	return x->hashed_at_ns > y->hashed_at_ns ? -1 : x->hashed_at_ns < y->hashed_at_ns;
}

/* The loaded and the added entries as one sorted array (added ones win),
 * cut to STATE_MAX_ENTRIES; *n gets its length. */
static struct state_rec *state_merge(struct state *s, size_t *n)
{
	struct state_rec *add = s->added;
	size_t na = s->tcount, i = 0, j = 0, k = 0;

	/* sorting reorders `added`: rebuild the index for any later put */
	if (na) {
		qsort(add, na, sizeof(*add), rec_cmp);
		memset(s->index, 0, s->tsize * sizeof(*s->index));
	}
	for (size_t t = 0; t < na; t++)
		*table_slot(s, s->index, s->tsize, add[t].dev, add[t].ino) = (uint32_t)(t + 1);
	struct state_rec *out = xmalloc((s->nbase + na + 1) * sizeof(*out));
	while (i < s->nbase || j < na) {
		int c = i == s->nbase ? 1 : j == na ? -1 : key_cmp(s->base[i].dev, s->base[i].ino, &add[j]);
		if (c < 0)
			out[k++] = s->base[i++];
		else {
			out[k++] = add[j++];
			i += c == 0;
		}
	}
	if (k > STATE_MAX_ENTRIES) {
		qsort(out, k, sizeof(*out), rec_newer);
		k = STATE_MAX_ENTRIES * 3 / 4;
		qsort(out, k, sizeof(*out), rec_cmp);
	}
	*n = k;
	return out;
}

int state_save(struct state *s)
{
	struct state_header h = { STATE_MAGIC, STATE_VERSION, sizeof(struct state_rec), 0, 0 };
	struct hash_stream hs;
	char hex[HASH_HEX_LEN + 1];
	unsigned char raw[HASH_RAW_LEN];
	struct atomic_file af;
	size_t n, nd;

	if (!s->changed)
		return 0;
	struct state_rec *recs = state_merge(s, &n);
	struct state_dir *dirs = state_dirs_merge(s, &nd);
	h.count = n;
	h.ndirs = nd;
	hash_stream_init(&hs);
	hash_stream_update(&hs, &h, sizeof(h));
	hash_stream_update(&hs, recs, n * sizeof(*recs));
	hash_stream_update(&hs, dirs, nd * sizeof(*dirs));
	hash_stream_final(&hs, hex);
	hash_hex_to_raw(hex, raw);

	int ret = -1;
	if (atomic_open_quiet(&af, s->path, 0644) == 0) {
		if (atomic_write(&af, &h, sizeof(h)) == 0 &&
		    atomic_write(&af, recs, n * sizeof(*recs)) == 0 &&
		    atomic_write(&af, dirs, nd * sizeof(*dirs)) == 0 &&
		    atomic_write(&af, raw, sizeof(raw)) == 0)
			ret = atomic_commit_nosync(&af);
		else
			atomic_abort(&af);
	}
	int e = errno;
	free(recs);
	free(dirs);
	errno = e;
	if (ret < 0)
		warn("cannot save the hash cache '%s' (files will be hashed again):", s->path);
	else
		s->changed = 0;
	return ret;
}

void state_free(struct state *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->added);
	free(s->dadded);
	free(s->index);
	free(s->bindex);
	if (s->mem)
		release_mem(s->mem, s->mem_len, s->mapped);
	free(s->path);
	free(s);
}
