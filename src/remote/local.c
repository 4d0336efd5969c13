/*
 * A remote that is a local or mounted directory (a path, or file:///path).
 * A relative path is relative to the project root.
 *
 * Uploads are written to ROOT/.tmp and renamed into place by flush() once
 * the whole batch is durable (one syncfs, as the cache does): a crash
 * leaves complete objects or stray temporary files, never a truncated
 * object under an object's name. The temporary files carry their writer's
 * tag (util/tmpowner.h), so the next repro to open the remote removes a
 * killed writer's at once. Operations run on worker threads, so
 * nothing here calls error(): reasons go into the operation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "core/hash.h"
#include "remote/remotepriv.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/tmpowner.h"
#include "util/xalloc.h"

#define COPY_BLOCK (1 << 20)
/* Uploads without a tag of this host (another machine's, or an older
 * repro's) untouched this long are abandoned: removed. */
#define UPLOAD_STALE_SECONDS (24 * 3600)

struct pending {
	char *tmp; /* the written upload */
	char *dst; /* where flush() renames it */
};

struct local {
	char *root;            /* the remote directory */
	char *tmp;             /* ROOT/.tmp */
	pthread_mutex_t lock;  /* guards the pending list and counter */
	struct pending *p;     /* uploads written, waiting for flush() */
	size_t n, alloc;
	unsigned counter;      /* names temporary files */
};

static void reason(struct xop *x, const char *what, const char *path)
{
	strbuf_reset(&x->reason);
	strbuf_addf(&x->reason, "cannot %s '%s': %s", what, path, strerror(errno));
}

/* Removes the uploads in ROOT/.tmp that no live repro is writing. */
static void sweep_uploads(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;
	time_t limit = time(NULL) - UPLOAD_STALE_SECONDS;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		if (strncmp(de->d_name, "put-", 4) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		enum tmp_owner o = tmp_owner_of(de->d_name + 4);
		if (o == TMP_OWNER_GONE || (o == TMP_OWNER_NONE && st.st_mtime < limit))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int local_open(struct remote *r, const struct config *c, const char *url)
{
	struct local *l = xcalloc(1, sizeof(*l));
	const char *path = !strncmp(url, "file://", 7) ? url + 7 : url;

	(void)c;
	if (!*path) {
		free(l);
		return error("remote '%s' has an empty path", r->name);
	}
	l->root = xstrdup(path);
	l->tmp = path_join_dup(path, ".tmp");
	sweep_uploads(l->tmp);
	pthread_mutex_init(&l->lock, NULL);
	r->priv = l;
	return 0;
}

static void local_close(struct remote *r)
{
	struct local *l = r->priv;

	for (size_t i = 0; i < l->n; i++) {
		unlink(l->p[i].tmp);
		free(l->p[i].tmp);
		free(l->p[i].dst);
	}
	free(l->p);
	pthread_mutex_destroy(&l->lock);
	free(l->root);
	free(l->tmp);
	free(l);
	r->priv = NULL;
}

static enum xresult do_head(struct local *l, struct xop *x, const char *path)
{
	struct stat st;

	(void)l;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return XR_MISSING;
		reason(x, "stat", path);
		return XR_FAIL;
	}
	/* as the listing sees it: only a regular file is an object, so a push
	 * replaces a symlink standing there rather than trusting it */
	if (!S_ISREG(st.st_mode))
		return XR_MISSING;
	x->op->mtime = (int64_t)st.st_mtime;
	return XR_OK;
}

/* An object must be a regular file: a symlink could lead the read to a
 * fifo that blocks or a device that never ends. */
static enum xresult not_object(struct xop *x, const char *path, const char *what)
{
	strbuf_reset(&x->reason);
	strbuf_addf(&x->reason, "'%s' is %s, not an object (objects are regular files)", path, what);
	return XR_FAIL;
}

static enum xresult do_get(struct xop *x, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *buf;
	ssize_t k;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return XR_MISSING;
		if (errno == ELOOP)
			return not_object(x, path, "a symlink");
		reason(x, "open", path);
		return XR_FAIL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return not_object(x, path, "a special file");
	}
	/* a resumed download goes on after what it holds (verified at the end) */
	if (x->got && lseek(fd, (off_t)x->got, SEEK_SET) < 0) {
		reason(x, "read", path);
		close(fd);
		return XR_FAIL;
	}
	/* page-aligned, so that whole blocks can skip the page cache (xopio.c) */
	if (posix_memalign((void **)&buf, 4096, COPY_BLOCK))
		die_oom();
	while ((k = read_full(fd, buf, COPY_BLOCK)) > 0) {
		if (xop_sink_write(x, buf, (size_t)k) < 0)
			break;
		__atomic_add_fetch(x->bytes, (uint64_t)k, __ATOMIC_RELAXED);
	}
	if (k < 0)
		reason(x, "read", path);
	free(buf);
	close(fd);
	return k == 0 ? XR_OK : XR_FAIL;
}

static enum xresult do_put(struct local *l, struct xop *x, const char *path)
{
	char *tmp, *buf;
	ssize_t k;
	int fd;

	if (mkdir_p(l->tmp, 0777) < 0) {
		reason(x, "create", l->tmp);
		return XR_FAIL;
	}
	pthread_mutex_lock(&l->lock);
	struct strbuf name = STRBUF_INIT;
	strbuf_addf(&name, "%s/put-", l->tmp);
	tmp_owner_tag(&name);
	strbuf_addf(&name, "-%u", l->counter++);
	pthread_mutex_unlock(&l->lock);
	tmp = strbuf_detach(&name, NULL);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	if (fd < 0) {
		reason(x, "create", tmp);
		free(tmp);
		return XR_FAIL;
	}
	buf = xmalloc(COPY_BLOCK);
	while ((k = xop_source_read(x, buf, COPY_BLOCK)) > 0) {
		if (write_all(fd, buf, (size_t)k) < 0) {
			reason(x, "write", tmp);
			k = -1;
			break;
		}
		__atomic_add_fetch(x->bytes, (uint64_t)k, __ATOMIC_RELAXED);
	}
	free(buf);
	if (close(fd) < 0 && k == 0) {
		reason(x, "write", tmp);
		k = -1;
	}
	if (k < 0) {
		unlink(tmp);
		free(tmp);
		return XR_FAIL;
	}
	pthread_mutex_lock(&l->lock);
	ARRAY_GROW(l->p, l->alloc, l->n + 1);
	l->p[l->n].tmp = tmp;
	l->p[l->n].dst = xstrdup(path);
	l->n++;
	pthread_mutex_unlock(&l->lock);
	return XR_OK;
}

static enum xresult do_delete(struct xop *x, const char *path)
{
	if (unlink(path) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return XR_MISSING;
		reason(x, "remove", path);
		return XR_FAIL;
	}
	return XR_OK;
}

static enum xresult do_list(struct xop *x, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct strbuf key = STRBUF_INIT;

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return XR_OK;
		reason(x, "list", path);
		return XR_FAIL;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		strbuf_reset(&key);
		strbuf_addf(&key, "%s%s", x->op->key, de->d_name);
		xop_add_entry(x, key.buf, key.len, (int64_t)st.st_mtime, (uint64_t)st.st_size);
	}
	closedir(d);
	strbuf_release(&key);
	return XR_OK;
}

static enum xresult local_run(struct remote *r, struct xop *x)
{
	struct local *l = r->priv;
	char *path = path_join_dup(l->root, x->op->key);
	enum xresult res = XR_FAIL;

	switch (x->op->type) {
	case ROP_HEAD: res = do_head(l, x, path); break;
	case ROP_GET: res = do_get(x, path); break;
	case ROP_PUT: res = do_put(l, x, path); break;
	case ROP_DELETE: res = do_delete(x, path); break;
	case ROP_LIST: res = do_list(x, path); break;
	}
	free(path);
	return res;
}

/* Syncs the uploads' contents, renames them into place, syncs the renames. */
static int local_flush(struct remote *r)
{
	struct local *l = r->priv;
	int fd, ret = 0;

	if (!l->n)
		return 0;
	fd = open(l->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		ret = error("cannot sync '%s':", l->tmp);
	for (size_t i = 0; i < l->n; i++) {
		if (!ret && mkdir_parent(l->p[i].dst) < 0)
			ret = error("cannot create the directory of '%s':", l->p[i].dst);
		if (!ret && rename(l->p[i].tmp, l->p[i].dst) < 0)
			ret = error("cannot rename '%s' to '%s':", l->p[i].tmp, l->p[i].dst);
		if (ret)
			unlink(l->p[i].tmp);
		free(l->p[i].tmp);
		free(l->p[i].dst);
	}
	l->n = 0;
	if (!ret && fd >= 0 && syncfs(fd) < 0)
		ret = error("cannot sync '%s':", l->root);
	if (fd >= 0)
		close(fd);
	return ret;
}

const struct remote_kind remote_local = {
	.name = "local",
	.open = local_open,
	.close = local_close,
	.run = local_run,
	.flush = local_flush,
	.list_cost_per_1000 = 1,
};
