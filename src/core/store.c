/*
 * cache_store_path(): workspace files into the cache. Every object is
 * hashed from the very bytes that go into it (never "hash, then copy"), so
 * a file changing during a store cannot produce an object whose content
 * differs from its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "core/state.h"
#include "core/workers.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

int reflink_maybe(const struct cache *c)
{
	return __atomic_load_n(&c->reflink, __ATOMIC_RELAXED) != 0;
}

int try_reflink(struct cache *c, int dst, int src)
{
	if (!reflink_maybe(c))
		return 0;
	if (ioctl(dst, FICLONE, src) == 0) {
		__atomic_store_n(&c->reflink, 1, __ATOMIC_RELAXED);
		return 1;
	}
	if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EXDEV || errno == EINVAL || errno == ENOSYS) {
		__atomic_store_n(&c->reflink, 0, __ATOMIC_RELAXED);
		return 0;
	}
	return -1;
}

/* Per-call state of a store, shared by its threads. */
struct store {
	struct cache *c;
	struct hasher *h;
	struct cache_batch *b;     /* new objects */
	int dirfd;                 /* the directory stored (for its files' paths) */
	struct walk_file **files;  /* its files */
	int *err;                  /* per file: 0 or an errno */
	char **bufs;               /* per thread: a HASH_BLOCK buffer, made on first use */
	int use_reflink;           /* reflink is among the configured types */
	atomic_uint_fast64_t bytes, nfiles; /* progress */
};

/* Queues temporary file `tmp` as object hex; with `check`, only when the
 * object is neither in the cache nor claimed by another file of the batch. */
static void keep_temp(struct store *s, char *tmp, const char *hex, int check)
{
	if (check && (cache_has_object_to_store(s->c, hex) || !cache_batch_claim(s->b, hex)))
		unlink(tmp);
	else
		cache_batch_add(s->b, tmp, hex);
	free(tmp);
}

/* A small file read whole: the object is written from the same buffer. */
static int store_buffer(struct store *s, const char *buf, size_t len, const char *hex)
{
	char *tmp;

	if (cache_has_object_to_store(s->c, hex) || !cache_batch_claim(s->b, hex))
		return 0;
	int fd = tmp_create_quiet(s->c, &tmp);
	if (fd < 0)
		return -1;
	int bad = write_all(fd, buf, len) < 0, e = errno;
	if (close(fd) < 0 && !bad) { /* closed on every path (a failed write leaked it) */
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	keep_temp(s, tmp, hex, 0);
	return 0;
}

/* A large file: copied to a temporary file and hashed on the way, starting
 * with the `n` bytes already in buf. */
static int store_stream(struct store *s, int fd, char *buf, size_t n, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	struct hash_stream hs;
	char *tmp;
	ssize_t r = (ssize_t)n;
	int tfd = tmp_create_quiet(s->c, &tmp);

	if (tfd < 0)
		return -1;
	hash_stream_init(&hs);
	*size = 0;
	while (r > 0) {
		hash_stream_update(&hs, buf, (size_t)r);
		if (write_all(tfd, buf, (size_t)r) < 0)
			break;
		*size += (uint64_t)r;
		r = read_full(fd, buf, HASH_BLOCK);
	}
	if (r != 0 || close(tfd) < 0) {
		int e = errno;
		if (r != 0)
			close(tfd);
		hash_stream_abort(&hs);
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	hash_stream_final(&hs, hex);
	keep_temp(s, tmp, hex, 1);
	return 0;
}

/* A large file on a filesystem with reflinks: clone, then hash the clone
 * (which nobody else can change). 1 when cloning is not possible here. */
static int store_clone(struct store *s, int fd, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	char *tmp;
	int tfd = tmp_create_quiet(s->c, &tmp);

	if (tfd < 0)
		return -1;
	int r = try_reflink(s->c, tfd, fd);
	if (close(tfd) < 0 && r == 1)
		r = -1;
	if (r == 1) {
		int rfd = open(tmp, O_RDONLY | O_CLOEXEC);
		r = rfd < 0 || hash_fd(rfd, hex, size) < 0 ? -1 : 0;
		if (rfd >= 0)
			close(rfd);
		if (!r) {
			keep_temp(s, tmp, hex, 1);
			return 0;
		}
	}
	int e = errno;
	unlink(tmp);
	free(tmp);
	errno = e;
	return r == 0 ? 1 : -1;
}

/*
 * Stores the open file fd (stat st, taken before reading) unless the cache
 * has it. known: its hash per the state, or NULL. hex and *size get what was
 * stored; a fresh hash is recorded in the state. 0, or -1 with errno set.
 */
static int store_fd(struct store *s, int fd, const struct stat *st, const char *known, char *buf,
		    char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	int64_t at = now_ns();
	int r = 1;

	if (known && cache_has_object(s->c, known)) {
		memcpy(hex, known, HASH_HEX_LEN + 1);
		*size = (uint64_t)st->st_size;
		return 0;
	}
	if (s->use_reflink && st->st_size >= HASH_BLOCK && reflink_maybe(s->c))
		r = store_clone(s, fd, hex, size);
	if (r == 1) {
		ssize_t n = read_sized(fd, buf, HASH_BLOCK, st->st_size);
		if (n < 0)
			return -1;
		if (n < HASH_BLOCK) {
			hash_buffer(buf, (size_t)n, hex);
			*size = (uint64_t)n;
			r = store_buffer(s, buf, (size_t)n, hex);
		} else {
			r = store_stream(s, fd, buf, (size_t)n, hex, size);
		}
	}
	if (!r && s->h->state)
		state_put(s->h->state, st, hex, at);
	if (!r)
		atomic_fetch_add(&s->bytes, *size);
	return r;
}

static char *thread_buf(struct store *s, int w)
{
	if (!s->bufs[w])
		s->bufs[w] = xmalloc(HASH_BLOCK);
	return s->bufs[w];
}

/* One file of a directory: opened by name below the directory (never
 * through a symlink unless the walk followed it), stored. */
static void store_one(void *ctx, size_t i, int w)
{
	struct store *s = ctx;
	struct walk_file *f = s->files[i];
	char hex[HASH_HEX_LEN + 1], known[HASH_HEX_LEN + 1];
	struct stat st;
	uint64_t size;

	if (f->known) {
		/* the walk's stat matched the state: nothing to read if the
		 * object is there (the same trust a no-op hash_path gives) */
		hash_raw_to_hex(f->sha, known);
		if (cache_has_object(s->c, known)) {
			atomic_fetch_add(&s->nfiles, 1);
			return;
		}
	}
	int fd = f->src ? open(f->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
			 : open_beneath(s->dirfd, f->path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		s->err[i] = errno;
	} else if (!S_ISREG(st.st_mode)) {
		s->err[i] = EINVAL;
	} else {
		/* the state's answer holds only for the file the walk saw */
		int same = f->known && (uint64_t)st.st_ino == f->ino && (uint64_t)st.st_size == f->size &&
			   (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == f->mtime_ns;
		if (store_fd(s, fd, &st, same ? known : NULL, thread_buf(s, w), hex, &size) < 0) {
			s->err[i] = errno ? errno : EIO;
		} else {
			hash_hex_to_raw(hex, f->sha);
			f->known = 1;
			f->size = size;
			f->mode = st.st_mode;
		}
	}
	if (fd >= 0)
		close(fd);
	atomic_fetch_add(&s->nfiles, 1);
}

static void store_tick(void *ctx)
{
	struct store *s = ctx;

	s->h->progress(s->h->progress_ctx, atomic_load(&s->bytes), atomic_load(&s->nfiles));
}

static void store_init(struct store *s, struct cache *c, struct hasher *h, int nbufs)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->h = h;
	s->b = cache_batch_begin(c);
	cache_batch_unvouched(s->b);
	s->bufs = xcalloc((size_t)nbufs, sizeof(*s->bufs));
	for (int i = 0; i < c->nlinks; i++)
		s->use_reflink |= c->links[i] == LINK_REFLINK;
}

static void store_release(struct store *s, int nbufs)
{
	for (int i = 0; i < nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->err);
}

static int store_file(struct cache *c, struct hasher *h, const char *path, struct hashinfo *out)
{
	struct store s;
	struct stat st;
	char known[HASH_HEX_LEN + 1];
	int ret = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	store_init(&s, c, h, 1);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = error("cannot read '%s':", path);
	} else {
		int hit = h->state && state_get(h->state, &st, known);
		if (store_fd(&s, fd, &st, hit ? known : NULL, thread_buf(&s, 0), out->id, &out->size) < 0)
			ret = error("cannot store '%s' in the cache:", path);
	}
	if (fd >= 0)
		close(fd);
	if (ret)
		cache_batch_abort(s.b);
	else
		ret = cache_batch_commit(s.b);
	store_release(&s, 1);
	return ret;
}

/* The manifest joins the batch (as the last rename, see batch.c). */
static int store_manifest(struct store *s, const struct walk_result *r, const char *id)
{
	char *tmp;

	if (cache_has_object(s->c, id))
		return 0;
	int fd = cache_tmp_create(s->c, &tmp);
	if (fd < 0)
		return -1;
	if (walk_write_manifest(r, fd) < 0 || close(fd) < 0) {
		error("cannot write '%s':", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	cache_batch_add(s->b, tmp, id);
	free(tmp);
	return 0;
}

static int store_dir(struct cache *c, struct hasher *h, const char *path, struct hashinfo *out)
{
	struct walk_opts o = { .follow = 1, .state = h->state, .nthreads = h->nthreads,
			       .also_inside = h->cache_real };
	struct walk_result r;
	int nbufs = workers_count(h->nthreads);
	struct store s;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return error("cannot open directory '%s':", path);
	int ret = walk_dir(fd, path, &o, &r);
	if (ret) {
		close(fd);
		return ret;
	}
	walk_flatten(&r);
	store_init(&s, c, h, nbufs);
	s.dirfd = fd;
	s.files = r.files;
	s.err = xcalloc(r.nfiles ? r.nfiles : 1, sizeof(*s.err));
	parallel_for(h->nthreads, r.nfiles, store_one, &s, h->progress ? store_tick : NULL, &s);
	for (size_t i = 0; i < r.nfiles; i++) {
		if (s.err[i]) {
			errno = s.err[i];
			ret = error("cannot store '%s/%s' in the cache:", path, r.files[i]->path);
		}
	}
	if (!ret) {
		walk_info(&r, out, NULL);
		ret = store_manifest(&s, &r, out->id);
	}
	if (ret)
		cache_batch_abort(s.b);
	else
		ret = cache_batch_commit(s.b);
	store_release(&s, nbufs);
	walk_result_release(&r);
	close(fd);
	return ret;
}

int cache_store_path(struct cache *c, struct hasher *h, const char *path, struct hashinfo *out)
{
	struct stat st;
	int ret = resolve_top(path, &st, h->cache_real);

	memset(out, 0, sizeof(*out));
	if (ret)
		return ret;
	if (S_ISDIR(st.st_mode))
		ret = store_dir(c, h, path, out);
	else if (S_ISREG(st.st_mode))
		ret = store_file(c, h, path, out);
	else
		return error("'%s' is not a regular file or directory", path);
	if (!ret && relink_type(c) != LINK_COPY)
		ret = checkout_path(c, h, out->id, path, NULL, 1);
	return ret;
}
