/*
 * hash_path(): the hash of a workspace file or directory, reading only the
 * files the state cannot vouch for, spread over all cores.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "core/state.h"
#include "core/walk.h"
#include "core/workers.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

int hash_open_file(struct hasher *h, int fd, struct stat *st, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	if (fstat(fd, st) < 0)
		return -1;
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (h->state && state_get(h->state, st, hex)) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	int64_t at = now_ns();
	if (hash_fd_sized(fd, (int64_t)st->st_size, hex, size) < 0)
		return -1;
	if (h->state)
		state_put(h->state, st, hex, at);
	return 0;
}

/* Shared by the threads hashing the files a walk could not vouch for. */
struct dirhash {
	struct hasher *h;
	int dirfd;                 /* the directory walked */
	struct walk_file **todo;   /* the files to read */
	const char **paths;        /* their paths */
	size_t n;
	int *err;                  /* per todo entry: 0, or the errno of its failure */
	struct strpool pool;       /* storage of paths */
	atomic_uint_fast64_t bytes, nfiles; /* progress so far */
};

static void dirhash_one(void *ctx, size_t i, int w)
{
	struct dirhash *dh = ctx;
	struct walk_file *f = dh->todo[i];
	char hex[HASH_HEX_LEN + 1];
	struct stat st;
	uint64_t size = 0;
	(void)w;

	errno = 0;
	int fd = f->src ? open(f->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
			 : open_beneath(dh->dirfd, dh->paths[i], O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 || hash_open_file(dh->h, fd, &st, hex, &size) < 0) {
		dh->err[i] = errno ? errno : EIO;
	} else {
		hash_hex_to_raw(hex, f->sha);
		f->known = 1;
		f->size = size;
		f->mode = st.st_mode;
		atomic_fetch_add(&dh->bytes, size);
	}
	if (fd >= 0)
		close(fd);
	atomic_fetch_add(&dh->nfiles, 1);
}

static void dirhash_tick(void *ctx)
{
	struct dirhash *dh = ctx;

	dh->h->progress(dh->h->progress_ctx, atomic_load(&dh->bytes), atomic_load(&dh->nfiles));
}

static void collect_unknown(void *ctx, const char *path, struct walk_file *f)
{
	struct dirhash *dh = ctx;

	if (f->kind != WALK_FILE || f->known)
		return;
	dh->todo[dh->n] = f;
	dh->paths[dh->n++] = strpool_add(&dh->pool, path);
}

/* hash_walked_files; with `vanished_ok`, files that were removed since the
 * walk saw them (and nothing else) make it return -2 without a report. */
static int hash_walked(struct hasher *h, int dirfd, const char *path, struct walk_result *r, int vanished_ok)
{
	struct dirhash dh = { .h = h, .dirfd = dirfd };
	size_t n = r->nunknown;
	int ret = 0;

	if (!n)
		return 0;
	dh.todo = xmalloc(n * sizeof(*dh.todo));
	dh.paths = xmalloc(n * sizeof(*dh.paths));
	dh.err = xcalloc(n, sizeof(*dh.err));
	walk_visit(r, collect_unknown, &dh);
	parallel_for(h->nthreads, dh.n, dirhash_one, &dh, h->progress ? dirhash_tick : NULL, &dh);
	int only_vanished = 0;
	for (size_t i = 0; i < dh.n && vanished_ok; i++) {
		if (dh.err[i] && dh.err[i] != ENOENT) {
			only_vanished = 0;
			break;
		}
		only_vanished |= dh.err[i] == ENOENT;
	}
	for (size_t i = 0; i < dh.n && !only_vanished; i++) {
		if (dh.err[i]) {
			errno = dh.err[i];
			if (errno == EINVAL)
				ret = error("'%s/%s' is not a regular file any more", path, dh.paths[i]);
			else
				ret = error("cannot hash '%s/%s':", path, dh.paths[i]);
		}
	}
	r->nunknown = 0;
	free(dh.todo);
	free(dh.paths);
	free(dh.err);
	strpool_release(&dh.pool);
	return only_vanished ? -2 : ret;
}

int hash_walked_files(struct hasher *h, int dirfd, const char *path, struct walk_result *r)
{
	return hash_walked(h, dirfd, path, r, 0);
}

static void add_to_tree(void *ctx, const char *path, struct walk_file *f)
{
	char hex[HASH_HEX_LEN + 1];

	hash_raw_to_hex(f->sha, hex);
	tree_add(ctx, path, hex, f->size, (f->mode & S_IXUSR) != 0);
}

void walk_to_tree(const struct walk_result *r, struct tree *t)
{
	ARRAY_GROW(t->entries, t->alloc, t->n + r->nfiles);
	walk_visit(r, add_to_tree, t);
}

static void add_to_idstream(void *ctx, const char *path, struct walk_file *f)
{
	char hex[HASH_HEX_LEN + 1];

	hash_raw_to_hex(f->sha, hex);
	tree_idstream_add(ctx, path, hex, f->size, (f->mode & S_IXUSR) != 0);
}

void walk_info(const struct walk_result *r, struct hashinfo *out, struct strbuf *manifest)
{
	struct tree_idstream s;

	tree_idstream_begin(&s, manifest);
	walk_visit(r, add_to_idstream, &s);
	tree_idstream_end(&s, out->id);
	out->size = s.size;
	out->nfiles = s.n;
	out->isdir = 1;
}

/* walk_info, through the state's directory ids when there is a state:
 * the key costs a third of the manifest's bytes to hash, and nothing to
 * format. */
static void dir_info(struct hasher *h, const struct walk_result *r, struct hashinfo *out)
{
	unsigned char key[HASH_RAW_LEN], id[HASH_RAW_LEN];

	if (!h->state) {
		walk_info(r, out, NULL);
		return;
	}
	walk_key(r, key);
	if (state_dir_get(h->state, key, id, &out->size, &out->nfiles)) {
		hash_raw_to_hex(id, out->id);
		memcpy(out->id + HASH_HEX_LEN, ".dir", 5);
		out->isdir = 1;
		return;
	}
	walk_info(r, out, NULL);
	if (hash_hex_to_raw(out->id, id) == 0)
		state_dir_put(h->state, key, id, out->size, out->nfiles);
}

struct mwriter {
	struct tree_idstream s; /* serialises (and hashes, unused here) */
	struct strbuf buf;      /* serialised, not yet written */
	int fd;                 /* where the manifest goes */
	int err;                /* errno of a failed write, else 0 */
};

static void flush_manifest(struct mwriter *m)
{
	if (!m->err && write_all(m->fd, m->buf.buf, m->buf.len) < 0)
		m->err = errno ? errno : EIO;
	strbuf_reset(&m->buf);
}

static void add_to_writer(void *ctx, const char *path, struct walk_file *f)
{
	struct mwriter *m = ctx;

	add_to_idstream(&m->s, path, f);
	if (m->buf.len >= (1 << 20))
		flush_manifest(m);
}

int walk_write_manifest(const struct walk_result *r, int fd)
{
	struct mwriter m = { .fd = fd };
	char id[HASH_ID_MAX];

	strbuf_init(&m.buf, 0);
	tree_idstream_begin(&m.s, &m.buf);
	walk_visit(r, add_to_writer, &m);
	tree_idstream_end(&m.s, id);
	flush_manifest(&m);
	strbuf_release(&m.buf);
	errno = m.err;
	return m.err ? -1 : 0;
}

/* Attempts at hashing a directory whose files keep vanishing under us
 * (another repro removing it, say) before that is reported. */
#define HASH_DIR_TRIES 3

static int hash_dir_once(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t,
			 int vanished_ok)
{
	struct walk_opts o = { .follow = 1, .state = h->state, .nthreads = h->nthreads,
			       .also_inside = h->cache_real, .digests = h->state != NULL };
	struct walk_result r;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT) /* removed since we looked: not there */
			return 1;
		return error("cannot open directory '%s':", path);
	}
	int ret = walk_dir(fd, path, &o, &r);
	if (!ret)
		ret = hash_walked(h, fd, path, &r, vanished_ok);
	if (!ret) {
		dir_info(h, &r, out);
		if (t)
			walk_to_tree(&r, t);
	}
	walk_result_release(&r);
	close(fd);
	return ret;
}

/*
 * A path whose directory is reached through a symlink leading out of the
 * project lies outside it, whatever its last component is: reading it would
 * hash a stranger's file, and a later checkout or removal would act there.
 * -1 reported, 0 when the directory is inside, 1 when it is gone.
 */
static int parent_inside(const char *path, const char *root)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;
	int ret = 0;

	if (!slash)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	if (!real)
		ret = errno == ENOENT ? 1 : error("cannot read '%s':", dir); /* removed meanwhile */
	else if (!real_inside(real, root))
		ret = error("'%s' is outside the project: '%s' leads to '%s' through a symlink", path, dir, real);
	free(real);
	free(dir);
	return ret;
}

/* A directory changing while it is hashed is hashed again, as it is then,
 * so that a reader racing a writer sees some state the directory was in
 * rather than an error. */
static int hash_dir(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t)
{
	int ret = -2;

	/* t is only filled on success */
	for (int i = 0; i < HASH_DIR_TRIES && ret == -2; i++)
		ret = hash_dir_once(h, path, out, t, i < HASH_DIR_TRIES - 1);
	return ret;
}

int resolve_top(const char *path, struct stat *st, const char *also)
{
	if (lstat(path, st) < 0) {
		if (errno == ENOENT)
			return 1;
		return error("cannot read '%s':", path);
	}
	if (!S_ISLNK(st->st_mode) && !strchr(path, '/'))
		return 0;
	char *root = project_root_real();
	if (!root)
		return -1;
	int ret = parent_inside(path, root);
	if (!ret && S_ISLNK(st->st_mode)) {
		char *real = realpath(path, NULL);
		if (!real)
			ret = error("'%s' is a broken symlink:", path);
		else if (!real_allowed(real, root, also))
			ret = error("'%s' is a symlink to '%s', outside the project: only symlinks into the project are "
				    "followed", path, real);
		else if (stat(real, st) < 0)
			ret = error("cannot read '%s':", path);
		free(real);
	}
	free(root);
	return ret;
}

int hash_path(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t)
{
	struct stat st;
	int ret = resolve_top(path, &st, h->cache_real);

	memset(out, 0, sizeof(*out));
	if (ret)
		return ret;
	if (S_ISDIR(st.st_mode))
		return hash_dir(h, path, out, t);
	if (!S_ISREG(st.st_mode))
		return error("'%s' is not a regular file or directory", path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		ret = 1; /* removed since we looked: not there */
	} else if (fd < 0 || hash_open_file(h, fd, &st, out->id, &out->size) < 0) {
		ret = error("cannot hash '%s':", path);
	} else if (h->progress) {
		h->progress(h->progress_ctx, out->size, 1);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}
