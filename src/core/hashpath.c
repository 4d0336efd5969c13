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
	if (hash_fd(fd, hex, size) < 0)
		return -1;
	if (h->state)
		state_put(h->state, st, hex, at);
	return 0;
}

/* Shared by the threads hashing the files a walk could not vouch for. */
struct dirhash {
	struct hasher *h;
	int dirfd;                 /* the directory walked */
	struct walk_file *files;
	size_t *todo;              /* indices into files of those to read */
	int *err;                  /* per todo entry: 0, or the errno of its failure */
	atomic_uint_fast64_t bytes, nfiles; /* progress so far */
};

static void dirhash_one(void *ctx, size_t i, int w)
{
	struct dirhash *dh = ctx;
	struct walk_file *f = &dh->files[dh->todo[i]];
	struct stat st;
	uint64_t size = 0;
	(void)w;

	int fd = f->src ? open(f->src, O_RDONLY | O_CLOEXEC) : open_beneath(dh->dirfd, f->path, O_RDONLY, 0);
	if (fd < 0 || hash_open_file(dh->h, fd, &st, f->hex, &size) < 0) {
		dh->err[i] = errno ? errno : EIO;
	} else {
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

int hash_walked_files(struct hasher *h, int dirfd, const char *path, struct walk_result *r)
{
	struct dirhash dh = { .h = h, .dirfd = dirfd, .files = r->files };
	size_t n = 0;
	int ret = 0;

	dh.todo = xmalloc((r->n ? r->n : 1) * sizeof(*dh.todo));
	for (size_t i = 0; i < r->n; i++)
		if (r->files[i].kind == WALK_FILE && !r->files[i].known)
			dh.todo[n++] = i;
	dh.err = xcalloc(n ? n : 1, sizeof(*dh.err));
	if (n)
		parallel_for(h->nthreads, n, dirhash_one, &dh, h->progress ? dirhash_tick : NULL, &dh);
	for (size_t i = 0; i < n; i++) {
		if (dh.err[i]) {
			errno = dh.err[i];
			ret = error("cannot hash '%s/%s':", path, r->files[dh.todo[i]].path);
		}
	}
	free(dh.todo);
	free(dh.err);
	return ret;
}

void walk_to_tree(const struct walk_result *r, struct tree *t)
{
	ARRAY_GROW(t->entries, t->alloc, t->n + r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct walk_file *f = &r->files[i];
		tree_add(t, f->path, f->hex, f->size, (f->mode & S_IXUSR) != 0);
	}
}

static void dir_info(const struct tree *t, struct hashinfo *out)
{
	tree_id(t, out->id);
	out->size = tree_total_size(t);
	out->nfiles = t->n;
	out->isdir = 1;
}

static int hash_dir(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t)
{
	struct walk_opts o = { .follow = 1, .state = h->state, .nthreads = h->nthreads };
	struct walk_result r;
	struct tree local = TREE_INIT;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return error("cannot open directory '%s':", path);
	int ret = walk_dir(fd, path, &o, &r);
	if (!ret)
		ret = hash_walked_files(h, fd, path, &r);
	if (!ret) {
		if (!t)
			t = &local;
		walk_to_tree(&r, t);
		dir_info(t, out);
	}
	walk_result_release(&r);
	tree_release(&local);
	close(fd);
	return ret;
}

int resolve_top(const char *path, struct stat *st)
{
	if (lstat(path, st) < 0) {
		if (errno == ENOENT)
			return 1;
		return error("cannot read '%s':", path);
	}
	if (!S_ISLNK(st->st_mode))
		return 0;
	char *root = project_root_real();
	char *real = realpath(path, NULL);
	int ret = 0;
	if (!root)
		ret = -1;
	else if (!real)
		ret = error("'%s' is a broken symlink:", path);
	else if (!real_inside(real, root))
		ret = error("'%s' is a symlink to '%s', outside the project: only symlinks into the project are followed",
			    path, real);
	else if (stat(real, st) < 0)
		ret = error("cannot read '%s':", path);
	free(root);
	free(real);
	return ret;
}

int hash_path(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t)
{
	struct stat st;
	int ret = resolve_top(path, &st);

	memset(out, 0, sizeof(*out));
	if (ret)
		return ret;
	if (S_ISDIR(st.st_mode))
		return hash_dir(h, path, out, t);
	if (!S_ISREG(st.st_mode))
		return error("'%s' is not a regular file or directory", path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || hash_open_file(h, fd, &st, out->id, &out->size) < 0) {
		ret = error("cannot hash '%s':", path);
	} else if (h->progress) {
		h->progress(h->progress_ctx, out->size, 1);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}
