/*
 * faultfs: an LD_PRELOAD shim that makes the Nth write-side filesystem call
 * of a repro process fail, to test that every such failure is reported and
 * leaves nothing half-written (tests/t/t7020-io-faults.sh).
 *
 * Driven by the environment:
 *   FAULTFS_PATH_PREFIX  absolute directory: only calls on paths (or on
 *                        descriptors whose /proc/self/fd link is) below it
 *                        count; stdout, stderr and pipes never do. Required.
 *   FAULTFS_CALL         comma-separated kinds that count (default "all"):
 *                        write fsync rename link open truncate copy mkdir close
 *                        unlink
 *   FAULTFS_NTH          the Nth counted call fails (1-based); unset or 0:
 *                        nothing fails (counting only)
 *   FAULTFS_STICKY       "1": every counted call from the Nth on fails, as on
 *                        a disk that stays full
 *   FAULTFS_ERRNO        ENOSPC (default), EIO, EDQUOT, EROFS or a number
 *   FAULTFS_COUNT_FILE   at exit, "KIND COUNT" lines (every kind, counted
 *                        with the prefix filter only) and "total COUNT" (the
 *                        kinds FAULTFS_CALL selects) are written here
 *   FAULTFS_LOG          each injected fault appends a line here: call,
 *                        kind, path, errno
 *   FAULTFS_STALL        a file: the chosen call, instead of failing, creates
 *                        it and blocks for ever, so that a test can SIGKILL
 *                        repro at exactly that call
 *   FAULTFS_PROG         the program it acts in (default "repro"); any other
 *                        program (env, sh) runs untouched
 *
 * In the program it acts in it removes LD_PRELOAD from the environment, so
 * the stage commands repro starts run without faults: what is tested is
 * repro's own handling. Calls made by libc internally (stdio's buffered
 * writes, mkostemp's open) do not go through these symbols; the ones that
 * repro makes directly and that matter (mkostemp, mkdtemp) are wrapped here.
 *
 * A failing call does nothing and returns -1 with the errno, except close,
 * which closes the descriptor first as Linux does (the error is reported
 * after the descriptor is gone, as NFS reports a delayed write error).
 * Only descriptors open for writing, on files not yet unlinked, count for
 * close.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum kind { K_WRITE, K_FSYNC, K_RENAME, K_LINK, K_OPEN, K_TRUNCATE, K_COPY, K_MKDIR, K_CLOSE, K_UNLINK, K_N };

static const char *const kind_names[K_N] = {
	"write", "fsync", "rename", "link", "open", "truncate", "copy", "mkdir", "close", "unlink",
};

static struct {
	int active;              /* this process is the one to act in */
	char prefix[PATH_MAX];   /* FAULTFS_PATH_PREFIX, no trailing '/' */
	size_t prefix_len;
	unsigned selected;       /* bit per kind that counts toward nth */
	unsigned long nth;       /* 0: never fail */
	int sticky;              /* fail every counted call from nth on */
	int err;                 /* the errno injected */
	char count_file[PATH_MAX];
	char log_file[PATH_MAX];
	char stall_file[PATH_MAX]; /* FAULTFS_STALL: block there instead of failing */
	unsigned long seen;      /* counted calls of the selected kinds (atomic) */
	unsigned long per_kind[K_N]; /* calls under the prefix, per kind (atomic) */
	unsigned long injected;  /* faults injected (atomic) */
} ff;

/* Set while the shim itself calls libc, so its own calls never count. */
static __thread int in_shim;

static int parse_errno(const char *s)
{
	static const struct { const char *name; int e; } names[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
	};

	if (!s || !*s)
		return ENOSPC;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].e;
	int e = atoi(s);
	return e > 0 ? e : ENOSPC;
}

static unsigned parse_kinds(const char *s)
{
	unsigned bits = 0;

	if (!s || !*s || !strcmp(s, "all"))
		return (1u << K_N) - 1;
	while (*s) {
		size_t n = strcspn(s, ",");
		for (int k = 0; k < K_N; k++)
			if (strlen(kind_names[k]) == n && !strncmp(s, kind_names[k], n))
				bits |= 1u << k;
		s += n;
		if (*s == ',')
			s++;
	}
	return bits;
}

static void copy_env(char *dst, size_t cap, const char *name)
{
	const char *v = getenv(name);

	dst[0] = '\0';
	if (v && strlen(v) < cap)
		strcpy(dst, v);
}

__attribute__((constructor)) static void faultfs_init(void)
{
	const char *prog = getenv("FAULTFS_PROG");

	if (strcmp(program_invocation_short_name, prog && *prog ? prog : "repro"))
		return;
	copy_env(ff.prefix, sizeof(ff.prefix), "FAULTFS_PATH_PREFIX");
	ff.prefix_len = strlen(ff.prefix);
	while (ff.prefix_len > 1 && ff.prefix[ff.prefix_len - 1] == '/')
		ff.prefix[--ff.prefix_len] = '\0';
	if (ff.prefix[0] != '/')
		return;
	ff.selected = parse_kinds(getenv("FAULTFS_CALL"));
	ff.nth = getenv("FAULTFS_NTH") ? strtoul(getenv("FAULTFS_NTH"), NULL, 10) : 0;
	ff.sticky = getenv("FAULTFS_STICKY") && !strcmp(getenv("FAULTFS_STICKY"), "1");
	ff.err = parse_errno(getenv("FAULTFS_ERRNO"));
	copy_env(ff.count_file, sizeof(ff.count_file), "FAULTFS_COUNT_FILE");
	copy_env(ff.log_file, sizeof(ff.log_file), "FAULTFS_LOG");
	copy_env(ff.stall_file, sizeof(ff.stall_file), "FAULTFS_STALL");
	/* the commands repro starts are not under test */
	unsetenv("LD_PRELOAD");
	ff.active = 1;
}

/* Appends a line to a file with raw system calls (never through the shim). */
static void append_line(const char *file, const char *line)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	(void)!syscall(SYS_write, fd, line, strlen(line));
	syscall(SYS_close, fd);
}

__attribute__((destructor)) static void faultfs_fini(void)
{
	char buf[1024];
	size_t n = 0;

	if (!ff.active || !ff.count_file[0])
		return;
	for (int k = 0; k < K_N; k++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %lu\n", kind_names[k],
				      __atomic_load_n(&ff.per_kind[k], __ATOMIC_RELAXED));
	snprintf(buf + n, sizeof(buf) - n, "total %lu\ninjected %lu\n", __atomic_load_n(&ff.seen, __ATOMIC_RELAXED),
		 __atomic_load_n(&ff.injected, __ATOMIC_RELAXED));
	/* replaced, not appended: one process's counts */
	syscall(SYS_unlinkat, AT_FDCWD, ff.count_file, 0);
	append_line(ff.count_file, buf);
}

static int under_prefix(const char *abs)
{
	return !strncmp(abs, ff.prefix, ff.prefix_len) && (abs[ff.prefix_len] == '/' || abs[ff.prefix_len] == '\0');
}

/* The path descriptor fd stands for ("" when none, e.g. a pipe). */
static void fd_path(int fd, char out[PATH_MAX])
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, PATH_MAX - 1);
	out[n > 0 ? n : 0] = '\0';
	if (out[0] != '/')
		out[0] = '\0';
}

/* The absolute path of `path` relative to dirfd (lexically; no symlinks resolved). */
static void at_path(int dirfd, const char *path, char out[PATH_MAX])
{
	char base[PATH_MAX];

	out[0] = '\0';
	if (!path)
		return;
	if (path[0] == '/') {
		snprintf(out, PATH_MAX, "%s", path);
		return;
	}
	if (dirfd == AT_FDCWD) {
		if (!getcwd(base, sizeof(base)))
			return;
	} else {
		fd_path(dirfd, base);
		if (!base[0])
			return;
	}
	size_t b = strlen(base), n = strlen(path);
	if (b + 1 + n >= PATH_MAX)
		return; /* too long to be a path: not ours to judge */
	memcpy(out, base, b);
	out[b] = '/';
	memcpy(out + b + 1, path, n + 1);
}

/*
 * Decides whether this call (of kind k, on absolute path `abs`) fails:
 * counts it, and on the chosen one logs it and returns the errno to inject
 * (0: let the call through).
 */
static int decide(enum kind k, const char *func, const char *abs)
{
	if (!ff.active || in_shim || !abs[0] || !under_prefix(abs))
		return 0;
	__atomic_add_fetch(&ff.per_kind[k], 1, __ATOMIC_RELAXED);
	if (!(ff.selected & (1u << k)))
		return 0;
	unsigned long n = __atomic_add_fetch(&ff.seen, 1, __ATOMIC_RELAXED);
	if (!ff.nth || (ff.sticky ? n < ff.nth : n != ff.nth))
		return 0;
	__atomic_add_fetch(&ff.injected, 1, __ATOMIC_RELAXED);
	if (ff.log_file[0]) {
		char line[PATH_MAX + 128];
		in_shim = 1;
		snprintf(line, sizeof(line), "%s %s %s %s #%lu\n", func, kind_names[k], abs, strerror(ff.err), n);
		append_line(ff.log_file, line);
		in_shim = 0;
	}
	if (ff.stall_file[0]) {
		in_shim = 1;
		append_line(ff.stall_file, abs);
		for (;;)
			pause();
	}
	return ff.err;
}

static int decide_fd(enum kind k, const char *func, int fd)
{
	char p[PATH_MAX];

	if (!ff.active || in_shim)
		return 0;
	fd_path(fd, p);
	return decide(k, func, p);
}

static int decide_at(enum kind k, const char *func, int dirfd, const char *path)
{
	char p[PATH_MAX];

	if (!ff.active || in_shim)
		return 0;
	at_path(dirfd, path, p);
	return decide(k, func, p);
}

/* The next definition of a symbol (libc's, or a sanitizer's interceptor). */
#define REAL(ret, name, ...)                                                     \
	static ret (*real_##name)(__VA_ARGS__);                                  \
	if (!real_##name)                                                        \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name)

#define FAIL(e) do { errno = (e); return -1; } while (0)

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, write, int, const void *, size_t);
	int e = decide_fd(K_WRITE, "write", fd);
	if (e)
		FAIL(e);
	return real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	int e = decide_fd(K_WRITE, "pwrite", fd);
	if (e)
		FAIL(e);
	return real_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	REAL(ssize_t, pwrite64, int, const void *, size_t, off_t);
	int e = decide_fd(K_WRITE, "pwrite64", fd);
	if (e)
		FAIL(e);
	return real_pwrite64(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	REAL(ssize_t, writev, int, const struct iovec *, int);
	int e = decide_fd(K_WRITE, "writev", fd);
	if (e)
		FAIL(e);
	return real_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	REAL(ssize_t, pwritev, int, const struct iovec *, int, off_t);
	int e = decide_fd(K_WRITE, "pwritev", fd);
	if (e)
		FAIL(e);
	return real_pwritev(fd, iov, n, off);
}

int fsync(int fd)
{
	REAL(int, fsync, int);
	int e = decide_fd(K_FSYNC, "fsync", fd);
	if (e)
		FAIL(e);
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(int, fdatasync, int);
	int e = decide_fd(K_FSYNC, "fdatasync", fd);
	if (e)
		FAIL(e);
	return real_fdatasync(fd);
}

int syncfs(int fd)
{
	REAL(int, syncfs, int);
	int e = decide_fd(K_FSYNC, "syncfs", fd);
	if (e)
		FAIL(e);
	return real_syncfs(fd);
}

int rename(const char *from, const char *to)
{
	REAL(int, rename, const char *, const char *);
	int e = decide_at(K_RENAME, "rename", AT_FDCWD, to);
	if (e)
		FAIL(e);
	return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(int, renameat, int, const char *, int, const char *);
	int e = decide_at(K_RENAME, "renameat", tofd, to);
	if (e)
		FAIL(e);
	return real_renameat(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	REAL(int, renameat2, int, const char *, int, const char *, unsigned);
	int e = decide_at(K_RENAME, "renameat2", tofd, to);
	if (e)
		FAIL(e);
	return real_renameat2(fromfd, from, tofd, to, flags);
}

int link(const char *from, const char *to)
{
	REAL(int, link, const char *, const char *);
	int e = decide_at(K_LINK, "link", AT_FDCWD, to);
	if (e)
		FAIL(e);
	return real_link(from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	REAL(int, linkat, int, const char *, int, const char *, int);
	int e = decide_at(K_LINK, "linkat", tofd, to);
	if (e)
		FAIL(e);
	return real_linkat(fromfd, from, tofd, to, flags);
}

int symlink(const char *target, const char *to)
{
	REAL(int, symlink, const char *, const char *);
	int e = decide_at(K_LINK, "symlink", AT_FDCWD, to);
	if (e)
		FAIL(e);
	return real_symlink(target, to);
}

int symlinkat(const char *target, int tofd, const char *to)
{
	REAL(int, symlinkat, const char *, int, const char *);
	int e = decide_at(K_LINK, "symlinkat", tofd, to);
	if (e)
		FAIL(e);
	return real_symlinkat(target, tofd, to);
}

/* open and openat take a mode only with O_CREAT or O_TMPFILE. */
static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_BODY(name, dirfd)                                                   \
	va_list ap;                                                              \
	va_start(ap, flags);                                                     \
	mode_t mode = open_mode(flags, ap);                                      \
	va_end(ap);                                                              \
	if (flags & O_CREAT) {                                                   \
		int e = decide_at(K_OPEN, #name, dirfd, path);                   \
		if (e)                                                           \
			FAIL(e);                                                 \
	}

int open(const char *path, int flags, ...)
{
	REAL(int, open, const char *, int, ...);
	OPEN_BODY(open, AT_FDCWD);
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	REAL(int, open64, const char *, int, ...);
	OPEN_BODY(open64, AT_FDCWD);
	return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	REAL(int, openat, int, const char *, int, ...);
	OPEN_BODY(openat, dirfd);
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	REAL(int, openat64, int, const char *, int, ...);
	OPEN_BODY(openat64, dirfd);
	return real_openat64(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
	REAL(int, creat, const char *, mode_t);
	int e = decide_at(K_OPEN, "creat", AT_FDCWD, path);
	if (e)
		FAIL(e);
	return real_creat(path, mode);
}

int mkostemp(char *tmpl, int flags)
{
	REAL(int, mkostemp, char *, int);
	int e = decide_at(K_OPEN, "mkostemp", AT_FDCWD, tmpl);
	if (e)
		FAIL(e);
	return real_mkostemp(tmpl, flags);
}

int mkstemp(char *tmpl)
{
	REAL(int, mkstemp, char *);
	int e = decide_at(K_OPEN, "mkstemp", AT_FDCWD, tmpl);
	if (e)
		FAIL(e);
	return real_mkstemp(tmpl);
}

char *mkdtemp(char *tmpl)
{
	REAL(char *, mkdtemp, char *);
	int e = decide_at(K_MKDIR, "mkdtemp", AT_FDCWD, tmpl);
	if (e) {
		errno = e;
		return NULL;
	}
	return real_mkdtemp(tmpl);
}

/* An existing directory fails with EEXIST before the disk is involved, as
 * the kernel checks that first: only new directories count. */
static int exists_at(int dirfd, const char *path)
{
	struct stat st;

	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int mkdir(const char *path, mode_t mode)
{
	REAL(int, mkdir, const char *, mode_t);
	int e = exists_at(AT_FDCWD, path) ? 0 : decide_at(K_MKDIR, "mkdir", AT_FDCWD, path);
	if (e)
		FAIL(e);
	return real_mkdir(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	REAL(int, mkdirat, int, const char *, mode_t);
	int e = exists_at(dirfd, path) ? 0 : decide_at(K_MKDIR, "mkdirat", dirfd, path);
	if (e)
		FAIL(e);
	return real_mkdirat(dirfd, path, mode);
}

int ftruncate(int fd, off_t len)
{
	REAL(int, ftruncate, int, off_t);
	int e = decide_fd(K_TRUNCATE, "ftruncate", fd);
	if (e)
		FAIL(e);
	return real_ftruncate(fd, len);
}

int ftruncate64(int fd, off_t len)
{
	REAL(int, ftruncate64, int, off_t);
	int e = decide_fd(K_TRUNCATE, "ftruncate64", fd);
	if (e)
		FAIL(e);
	return real_ftruncate64(fd, len);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
	REAL(int, fallocate, int, int, off_t, off_t);
	int e = decide_fd(K_TRUNCATE, "fallocate", fd);
	if (e)
		FAIL(e);
	return real_fallocate(fd, mode, off, len);
}

ssize_t copy_file_range(int in, off_t *inoff, int out, off_t *outoff, size_t len, unsigned flags)
{
	REAL(ssize_t, copy_file_range, int, off_t *, int, off_t *, size_t, unsigned);
	int e = decide_fd(K_COPY, "copy_file_range", out);
	if (e)
		FAIL(e);
	return real_copy_file_range(in, inoff, out, outoff, len, flags);
}

/* Only a file that is still there can lose data by a failing close. */
static int is_deleted(const char *p)
{
	static const char tag[] = " (deleted)";
	size_t n = strlen(p);

	return n >= sizeof(tag) - 1 && !strcmp(p + n - (sizeof(tag) - 1), tag);
}

int close(int fd)
{
	REAL(int, close, int);
	int e = 0;

	if (ff.active && !in_shim) {
		int fl = fcntl(fd, F_GETFL);
		char p[PATH_MAX];
		if (fl >= 0 && (fl & O_ACCMODE) != O_RDONLY) {
			fd_path(fd, p);
			if (!is_deleted(p))
				e = decide(K_CLOSE, "close", p);
		}
	}
	int r = real_close(fd);
	if (e)
		FAIL(e);
	return r;
}

int unlink(const char *path)
{
	REAL(int, unlink, const char *);
	int e = decide_at(K_UNLINK, "unlink", AT_FDCWD, path);
	if (e)
		FAIL(e);
	return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	REAL(int, unlinkat, int, const char *, int);
	int e = decide_at(K_UNLINK, "unlinkat", dirfd, path);
	if (e)
		FAIL(e);
	return real_unlinkat(dirfd, path, flags);
}

int rmdir(const char *path)
{
	REAL(int, rmdir, const char *);
	int e = decide_at(K_UNLINK, "rmdir", AT_FDCWD, path);
	if (e)
		FAIL(e);
	return real_rmdir(path);
}
