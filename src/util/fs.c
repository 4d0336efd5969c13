#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "tmpowner.h"
#include "xalloc.h"

void path_join(struct strbuf *sb, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && strcmp(dir, ".") != 0) {
		strbuf_add(sb, dir, n);
		if (dir[n - 1] != '/')
			strbuf_addch(sb, '/');
	}
	strbuf_addstr(sb, name);
}

char *path_join_dup(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	path_join(&sb, dir, name);
	return strbuf_detach(&sb, NULL);
}

int path_normalize(const char *in, struct strbuf *out, const char **why)
{
	const char *p = in;
	size_t start = out->len;

	if (!*in) {
		*why = "empty path";
		return -1;
	}
	if (*in == '/') {
		*why = "absolute path";
		return -1;
	}
	for (const char *c = in; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*why = "control character in path";
			return -1;
		}
	}
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip "" and "." components */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (out->len == start) {
				*why = "path leaves the project";
				strbuf_setlen(out, start);
				return -1;
			}
			char *slash = memrchr(out->buf + start, '/', out->len - start);
			strbuf_setlen(out, slash ? (size_t)(slash - out->buf) : start);
		} else {
			if (out->len > start)
				strbuf_addch(out, '/');
			strbuf_add(out, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (out->len == start)
		strbuf_addch(out, '.');
	return 0;
}

int path_is_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "."))
		return 1;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

int mkdir_p(const char *path, mode_t mode)
{
	char *tmp = xstrdup(path);
	int ret = 0;

	for (char *p = tmp + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
				ret = -1;
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	if (!ret && !is_dir(path)) {
		errno = ENOTDIR;
		ret = -1;
	}
	free(tmp);
	return ret;
}

int mkdir_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	char *dir = xstrndup(path, (size_t)(slash - path));
	int ret = mkdir_p(dir, 0777);
	free(dir);
	return ret;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t read_sized(int fd, void *buf, size_t len, int64_t expect)
{
	if (expect < 0 || (uint64_t)expect >= len)
		return read_full(fd, buf, len);
	ssize_t n;
	do
		n = read(fd, buf, (size_t)expect + 1);
	while (n < 0 && errno == EINTR);
	if (n < 0 || n == expect)
		return n;
	ssize_t more = read_full(fd, (char *)buf + n, len - (size_t)n);
	return more < 0 ? -1 : n + more;
}

int fsync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || fsync(fd) < 0)
		ret = -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	errno = e;
	return ret;
}

/* Where atomic_open puts temporary files (see atomic_set_tmpdir), and its
 * device: used only for targets on that filesystem, where rename works. */
static char *atomic_tmpdir;
static dev_t atomic_tmpdev;

void atomic_set_tmpdir(const char *dir)
{
	struct stat st;

	free(atomic_tmpdir);
	atomic_tmpdir = NULL;
	if (!dir || (mkdir(dir, 0777) < 0 && errno != EEXIST) || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	atomic_tmpdir = xstrdup(dir);
	atomic_tmpdev = st.st_dev;
}

/* Reports a failure of af unless it is quiet; -1 either way, errno kept. */
#define af_fail(af, ...) ((af)->quiet ? -1 : error(__VA_ARGS__))

/* Creates the temporary file "dir/<prefix><base><suffix>" (suffix ending in
 * XXXXXX) for target path. */
static int open_temp(struct atomic_file *af, const char *path, const char *dir, const char *prefix,
		     const char *suffix, mode_t mode, int quiet)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	af->quiet = quiet;
	path_join(&tmp, dir, prefix);
	strbuf_addstr(&tmp, base);
	strbuf_addstr(&tmp, suffix);
	af->fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (af->fd < 0) {
		af_fail(af, "cannot create a temporary file for '%s':", path);
		int e = errno;
		strbuf_release(&tmp);
		af->tmp_path = af->path = NULL;
		errno = e;
		return -1;
	}
	/* mkostemp creates 0600; failing to widen that is harmless. */
	(void)!fchmod(af->fd, mode);
	af->tmp_path = strbuf_detach(&tmp, NULL);
	af->path = xstrdup(path);
	return 0;
}

int atomic_open_in(struct atomic_file *af, const char *path, const char *tmpdir, mode_t mode)
{
	return open_temp(af, path, tmpdir, ".", ".tmpXXXXXX", mode, 0);
}

static int open_for(struct atomic_file *af, const char *path, mode_t mode, int quiet)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
	struct stat st;
	int ret;

	if (atomic_tmpdir && stat(dir, &st) == 0 && st.st_dev == atomic_tmpdev) {
		/* tagged with our pid, so that the next command removes it
		 * at once if we are killed before the rename */
		struct strbuf prefix = STRBUF_INIT;
		strbuf_addch(&prefix, 'a');
		tmp_owner_tag(&prefix);
		strbuf_addch(&prefix, '-');
		ret = open_temp(af, path, atomic_tmpdir, prefix.buf, ".XXXXXX", mode, quiet);
		strbuf_release(&prefix);
	} else {
		ret = open_temp(af, path, dir, ".", ".tmpXXXXXX", mode, quiet);
	}
	int e = errno;
	free(dir);
	errno = e;
	return ret;
}

int atomic_open(struct atomic_file *af, const char *path, mode_t mode)
{
	return open_for(af, path, mode, 0);
}

int atomic_open_quiet(struct atomic_file *af, const char *path, mode_t mode)
{
	return open_for(af, path, mode, 1);
}

int atomic_write(struct atomic_file *af, const void *data, size_t len)
{
	if (write_all(af->fd, data, len) < 0)
		return af_fail(af, "cannot write '%s':", af->tmp_path);
	return 0;
}

static void atomic_free(struct atomic_file *af)
{
	int e = errno;

	if (af->fd >= 0)
		close(af->fd);
	af->fd = -1;
	free(af->tmp_path);
	free(af->path);
	af->tmp_path = af->path = NULL;
	errno = e;
}

void atomic_abort(struct atomic_file *af)
{
	int e = errno;

	if (af->tmp_path)
		unlink(af->tmp_path);
	atomic_free(af);
	errno = e;
}

static int atomic_finish(struct atomic_file *af, int sync)
{
	/* The data must be on disk before the rename makes it visible under the
	 * final name; otherwise a crash can leave a complete-looking name with
	 * empty or partial contents (the ext4 "zero-length file" problem). */
	if (sync && fsync(af->fd) < 0) {
		af_fail(af, "cannot sync '%s':", af->tmp_path);
		atomic_abort(af);
		return -1;
	}
	/* close reports a write error a filesystem delayed (NFS does) */
	if (close(af->fd) < 0) {
		af->fd = -1;
		af_fail(af, "cannot write '%s':", af->tmp_path);
		atomic_abort(af);
		return -1;
	}
	af->fd = -1;
	if (rename(af->tmp_path, af->path) < 0) {
		af_fail(af, "cannot rename '%s' to '%s':", af->tmp_path, af->path);
		atomic_abort(af);
		return -1;
	}
	/* And the rename itself must reach the disk before we report success. */
	if (sync && fsync_parent_dir(af->path) < 0) {
		af_fail(af, "cannot sync the directory of '%s':", af->path);
		atomic_free(af);
		return -1;
	}
	atomic_free(af);
	return 0;
}

int atomic_commit(struct atomic_file *af)
{
	return atomic_finish(af, 1);
}

int atomic_commit_nosync(struct atomic_file *af)
{
	return atomic_finish(af, 0);
}

static int write_whole(const char *path, const void *data, size_t len, mode_t mode, int quiet)
{
	struct atomic_file af;

	if (open_for(&af, path, mode, quiet) < 0)
		return -1;
	if (atomic_write(&af, data, len) < 0) {
		atomic_abort(&af);
		return -1;
	}
	return atomic_commit(&af);
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_whole(path, data, len, mode, 0);
}

int write_file_atomic_quiet(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_whole(path, data, len, mode, 1);
}

DIR *opendir_at(int dirfd, const char *name, int nofollow)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d && fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

int remove_tree_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;

	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *de;
	int ret = 0;
	/* Objects in the cache are read-only, and so may be their directories
	 * after a checkout with links; unlinking needs write permission on the
	 * directory only. */
	fchmod(fd, st.st_mode | S_IWUSR | S_IXUSR | S_IRUSR);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_tree_at(fd, de->d_name) < 0)
			ret = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		ret = -1;
	return ret;
}

int remove_tree(const char *path)
{
	return remove_tree_at(AT_FDCWD, path);
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		int e = errno;
		close(in);
		errno = e;
		return -1;
	}
	int ret = 0;
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EXDEV || errno == ENOSYS || errno == EINVAL) {
				/* fall back to read/write */
				char buf[1 << 16];
				ssize_t r;
				while ((r = read(in, buf, sizeof(buf))) > 0)
					if (write_all(out, buf, (size_t)r) < 0) {
						ret = -1;
						break;
					}
				if (r < 0)
					ret = -1;
				break;
			}
			ret = -1;
			break;
		}
	}
	int e = errno;
	close(in);
	if (close(out) < 0)
		ret = -1;
	errno = e;
	return ret;
}

int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}
