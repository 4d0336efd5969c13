/*
 * openat2(RESOLVE_BENEATH) done by hand, for kernels before 5.6 and for
 * valgrind, which does not know the system call. Without it a plain openat
 * with O_NOFOLLOW would still follow symlinks in every component but the
 * last, and ".." out of the directory: the very escapes the callers exist
 * to refuse.
 *
 * The walk holds a descriptor per directory entered, so ".." pops one
 * rather than asking the filesystem (which could lead above dirfd through
 * a moved directory), and a symlink's target is spliced into the rest of
 * the path, as the kernel does, up to 40 expansions (its limit too).
 */
#include "util/beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

#define MAX_LINKS 40

struct walk_stack {
	int *fd;      /* fd[0] is the caller's dirfd (not ours to close) */
	size_t n;     /* directories entered, dirfd included */
	size_t alloc;
};

static void stack_release(struct walk_stack *st)
{
	for (size_t i = 1; i < st->n; i++)
		close(st->fd[i]);
	free(st->fd);
}

/* Fails the walk with errno `e`, releasing what it holds. */
static int fail(struct walk_stack *st, struct strbuf *path, int e)
{
	stack_release(st);
	strbuf_release(path);
	errno = e;
	return -1;
}

/* Ends the walk with the result of its last open, errno kept. */
static int finish(struct walk_stack *st, struct strbuf *path, int fd)
{
	int e = errno;

	stack_release(st);
	strbuf_release(path);
	errno = e;
	return fd;
}

/*
 * Replaces the component at [start, end) of path by the target of the
 * symlink `name` in directory dirfd. Returns 0, or -1 with errno set
 * (EXDEV for an absolute target: it cannot stay beneath).
 */
static int splice_link(struct strbuf *path, size_t start, size_t end, int dirfd, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return -1;
	if (n == 0 || target[0] == '/') {
		errno = n ? EXDEV : ENOENT;
		return -1;
	}
	struct strbuf rest = STRBUF_INIT;
	strbuf_add(&rest, target, (size_t)n);
	strbuf_add(&rest, path->buf + end, path->len - end);
	strbuf_setlen(path, start);
	strbuf_add(path, rest.buf, rest.len);
	strbuf_release(&rest);
	return 0;
}

int openat_beneath(int dirfd, const char *rel, int flags, mode_t mode, int follow)
{
	struct walk_stack st = { 0 };
	struct strbuf path = STRBUF_INIT;
	int links = 0;

	if (!*rel || rel[0] == '/') {
		errno = *rel ? EXDEV : ENOENT;
		return -1;
	}
	strbuf_addstr(&path, rel);
	ARRAY_GROW(st.fd, st.alloc, 1);
	st.fd[st.n++] = dirfd;
	for (size_t i = 0;;) {
		while (path.buf[i] == '/')
			i++;
		size_t end = i;
		while (end < path.len && path.buf[end] != '/')
			end++;
		size_t next = end;
		while (next < path.len && path.buf[next] == '/')
			next++;
		int last = next >= path.len;
		char *name = xstrndup(path.buf + i, end - i);
		int cur = st.fd[st.n - 1];

		if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
			int up = name[0] == '.' && name[1] == '.';
			free(name);
			if (up && st.n == 1)
				return fail(&st, &path, EXDEV);
			if (up)
				close(st.fd[--st.n]);
			if (last) /* "dir/." or "dir/..": open the directory reached */
				return finish(&st, &path, openat(st.fd[st.n - 1], ".", flags | O_CLOEXEC, mode));
			i = next;
			continue;
		}
		int fd = last ? openat(cur, name, flags | O_CLOEXEC | O_NOFOLLOW, mode)
			      : openat(cur, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			free(name);
			if (last)
				return finish(&st, &path, fd);
			ARRAY_GROW(st.fd, st.alloc, st.n + 1);
			st.fd[st.n++] = fd;
			i = next;
			continue;
		}
		int e = errno;
		struct stat sb;
		/* a symlink refused by O_NOFOLLOW (ELOOP, or ENOTDIR with O_PATH) */
		if ((e == ELOOP || e == ENOTDIR) && fstatat(cur, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(sb.st_mode)) {
			if (!follow || ++links > MAX_LINKS) {
				free(name);
				return fail(&st, &path, ELOOP);
			}
			int r = splice_link(&path, i, end, cur, name);
			e = errno;
			free(name);
			if (r < 0)
				return fail(&st, &path, e);
			continue; /* resolve the target from the same directory */
		}
		free(name);
		return fail(&st, &path, e);
	}
}
