/*
 * cache_unprotect(): giving a persist: true out back to the command.
 *
 * With cache.type hardlink or symlink, a stored out is left in the
 * workspace as a link to its (read-only) cache object. A stage that keeps
 * its out across runs (persist: true) typically appends to it; through a
 * link that write would land in the object itself, which then no longer
 * holds what its name says (root ignores the 0444 mode; anyone else gets
 * EACCES and a failing stage). So before such a stage runs, each of its
 * files that is a link into the cache is replaced by a private copy of the
 * same bytes, as DVC's unprotect does: a symlink into the cache, or a
 * regular file with more than one link (the cache's name is the other;
 * DVC tests st_nlink too). Other files are left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Copies everything from in to out; 0 or -1 (errno set). */
static int copy_fd(int in, int out)
{
	char buf[1 << 16];

	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return -1;
		break;
	}
	ssize_t r;
	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || write_all(out, buf, (size_t)r) < 0)
			return -1;
	}
	return 0;
}

/*
 * Opens what `name` in dfd holds when it is a link into the cache (a
 * symlink pointing into c->dir_real, or a file with several hard links);
 * -2 when it is anything else (left alone), -1 on error (errno set).
 */
static int open_linked(const struct cache *c, int dfd, const char *name, const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return st->st_nlink > 1 ? openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -2;
	if (!S_ISLNK(st->st_mode))
		return -2;
	char target[4096];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	size_t dl = strlen(c->dir_real);
	if (strncmp(target, c->dir_real, dl) || target[dl] != '/')
		return -2;
	/* objects are plain files two levels below the cache: nothing to follow */
	return open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

/* Replaces dfd/name by a private copy when it is a link into the cache.
 * `shown` names it in messages. 0 or -1 (reported). */
static int unprotect_file(const struct cache *c, int dfd, const char *name, const char *shown)
{
	static unsigned counter;
	struct stat st;
	char tmp[64];

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : error("cannot stat '%s':", shown);
	int in = open_linked(c, dfd, name, &st);
	if (in == -2)
		return 0;
	if (in < 0)
		return error("cannot open '%s' to make it a file of its own:", shown);
	snprintf(tmp, sizeof(tmp), ".repro-unprotect-%ld-%u", (long)getpid(), counter++);
	int out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	int ret = 0;
	if (out < 0 || copy_fd(in, out) < 0 || close(out) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		ret = error("cannot replace '%s' (a link into the cache) by a copy:", shown);
		if (out >= 0)
			unlinkat(dfd, tmp, 0);
	}
	close(in);
	return ret;
}

/* unprotect_file for every file below directory fd (named shown). */
static int unprotect_dir(const struct cache *c, int fd, const char *shown)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		close(fd);
		return error("cannot read directory '%s':", shown);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = path_join_dup(shown, de->d_name);
		int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			ret |= unprotect_dir(c, cfd, sub);
		else
			ret |= unprotect_file(c, dirfd(d), de->d_name, sub);
		free(sub);
	}
	closedir(d);
	return ret ? -1 : 0;
}

int cache_unprotect(const struct cache *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *parent = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	int pfd = open_in_project(AT_FDCWD, parent, O_RDONLY | O_DIRECTORY);
	int ret;

	free(parent);
	if (pfd < 0)
		return errno == ENOENT ? 0 : error("cannot open the directory of '%s':", path);
	int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ret = fd >= 0 ? unprotect_dir(c, fd, path) : unprotect_file(c, pfd, base, path);
	close(pfd);
	return ret;
}
