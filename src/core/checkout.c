/*
 * cache_checkout(): making a workspace path hold an object.
 *
 * Writes never go through a symlink found in the workspace: the path's
 * parents are opened with RESOLVE_BENEATH (symlinks followed only while
 * they stay inside the project), everything below an output directory with
 * RESOLVE_NO_SYMLINKS, and a symlink standing where a file should go is
 * replaced (rename over it), never written through.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "core/state.h"
#include "core/workers.h"
#include "util/beneath.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Not an errno the calls below can return: "the object is corrupt". */
#define E_CORRUPT EBADMSG

/* A file to write. */
struct co_entry {
	const char *path;   /* relative to the directory written into */
	const char *hex;    /* its object */
	int exec;           /* 1: mode 0777 (before umask); 0: 0666 */
	int exists;         /* something is at path: write beside it, then rename */
	struct stat got;    /* what was written (for the state) */
	int err;            /* 0, an errno, or E_CORRUPT */
	char bad[HASH_HEX_LEN + 1]; /* E_CORRUPT: what the object hashed to */
};

/* Shared by the threads writing files. */
struct placer {
	struct cache *c;
	struct hasher *h;         /* vouches for objects before they are linked */
	int rootfd;               /* the directory written into */
	struct co_entry *e;
	struct {                  /* per thread: the last parent directory opened */
		char *rel;
		int fd;
	} *last;
};

/* openat2 with RESOLVE_BENEATH only: symlinks followed while they stay
 * below dirfd (emulated where the call is missing). */
static int open_inside(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		return openat_beneath(dirfd, rel, flags, 0, 1);
	return (int)fd;
}

int open_in_project(int dirfd, const char *rel, int flags)
{
	return open_inside(dirfd, rel, flags);
}

static int not_inside(const char *what)
{
	return error("refusing to write to '%s': it is outside the project or a symlink on the way "
		     "leads out of it", what);
}

/*
 * Opens directory `dir` (project-relative), creating what is missing, never
 * leaving the project. -1 reported.
 */
static int open_project_dir(const char *dir)
{
	int fd = open_inside(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0)
		return fd;
	if (errno == EXDEV || errno == ELOOP)
		return not_inside(dir);
	if (errno != ENOENT)
		return error("cannot open directory '%s':", dir);
	/* create it one component at a time, each below an opened parent */
	char *p = xstrdup(dir);
	int cur = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (char *s = p; cur >= 0 && *s; ) {
		char *e = strchrnul(s, '/');
		char c = *e;
		*e = '\0';
		int next = open_inside(AT_FDCWD, p, O_RDONLY | O_DIRECTORY);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(cur, s, 0777) < 0 && errno != EEXIST)
				error("cannot create directory '%s':", p);
			else
				next = open_inside(AT_FDCWD, p, O_RDONLY | O_DIRECTORY);
			if (next < 0 && (errno == EXDEV || errno == ELOOP))
				not_inside(p);
		} else if (next < 0) {
			if (errno == EXDEV || errno == ELOOP)
				not_inside(p);
			else
				error("cannot open directory '%s':", p);
		}
		close(cur);
		cur = next;
		*e = c;
		s = c ? e + 1 : e;
	}
	free(p);
	return cur;
}

int project_open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;

	if (!*b || !strcmp(b, ".") || !strcmp(b, "..") || path[0] == '/')
		return error("cannot check out to '%s': not a path inside the project", path);
	*base = b;
	if (!slash)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *dir = xstrndup(path, (size_t)(slash - path));
	int fd = open_project_dir(dir);
	free(dir);
	return fd;
}

/* A fresh name for writing beside a file that is being replaced. */
static void temp_name(char buf[64])
{
	static atomic_uint counter;

	snprintf(buf, 64, ".repro-tmp-%ld-%u", (long)getpid(), atomic_fetch_add(&counter, 1));
}

/* Copies object ofd into tfd, hashing on the way: E_CORRUPT (bad set)
 * when the object does not hash to hex. Small objects go through a stack
 * buffer, as in hash_fd(). */
static int copy_verified(int ofd, int tfd, const char *hex, char bad[HASH_HEX_LEN + 1])
{
	char small[65536], *buf = small;
	size_t size = sizeof(small);
	struct hash_stream hs;
	ssize_t n;

	hash_stream_init(&hs);
	while ((n = read_full(ofd, buf, size)) > 0) {
		hash_stream_update(&hs, buf, (size_t)n);
		if (write_all(tfd, buf, (size_t)n) < 0)
			break;
		if ((size_t)n == size && buf == small) {
			buf = xmalloc(HASH_BLOCK);
			size = HASH_BLOCK;
		}
	}
	int e = errno;
	if (buf != small)
		free(buf);
	if (n != 0) {
		hash_stream_abort(&hs);
		errno = e;
		return -1;
	}
	hash_stream_final(&hs, bad);
	if (strcmp(bad, hex)) {
		errno = E_CORRUPT;
		return -1;
	}
	return 0;
}

/* Copies object ofd (size bytes) into tfd in the kernel (copy_file_range),
 * for an object this process hashed on its way into the cache and that has
 * not changed since (fresh.c): no second read into memory and hash. Falls
 * back to copy_verified where the kernel cannot copy between these files. */
static int copy_fresh(int ofd, int tfd, off_t size, const char *hex, char bad[HASH_HEX_LEN + 1])
{
	off_t done = 0;

	while (done < size) {
		ssize_t n = copy_file_range(ofd, NULL, tfd, NULL, (size_t)(size - done), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !done && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
			return copy_verified(ofd, tfd, hex, bad);
		if (n < 0)
			return -1;
		if (n == 0) { /* the object shrank: not what was hashed */
			errno = EIO;
			return -1;
		}
		done += n;
	}
	return 0;
}

/*
 * Whether object hex (at rel in the cache) still holds what its name says,
 * checked before a hard or symbolic link hands the object itself to the
 * workspace (a copy checks while it copies): a root user writing through
 * such a link changes the object in place. The state vouches for an object
 * seen unchanged since it was hashed, so this usually costs one stat.
 * 0 intact; -1 with errno E_CORRUPT (bad set) or another errno.
 */
static int object_intact(struct cache *c, struct hasher *h, const char *rel, const char *hex,
			 char bad[HASH_HEX_LEN + 1])
{
	struct stat st;
	uint64_t size;

	if (fstatat(c->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!h->state || !state_get(h->state, &st, bad)) {
		int fd = openat(c->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			return -1;
		int r = hash_open_file(h, fd, &st, bad, &size);
		int e = errno;
		close(fd);
		errno = e;
		if (r < 0)
			return -1;
	}
	if (strcmp(bad, hex)) {
		errno = E_CORRUPT;
		return -1;
	}
	return 0;
}

/*
 * Writes object hex as `target` in dfd with one link type. Returns 1 when
 * done, 0 when this type cannot work here (try the next), -1 with errno set
 * (EEXIST: something is in the way; E_CORRUPT, bad set: the object does not
 * hold what its name says).
 */
static int place_as(struct cache *c, struct hasher *h, enum link_type t, int dfd, const char *target,
		    const char *hex, int exec, char bad[HASH_HEX_LEN + 1])
{
	char rel[HASH_ID_MAX + 1];
	mode_t mode = exec == 1 ? 0777 : 0666;

	object_rel(hex, rel);
	if (t == LINK_HARDLINK || t == LINK_SYMLINK) {
		if (exec == 1) /* the shared object would have to change mode */
			return 0;
		if (object_intact(c, h, rel, hex, bad) < 0)
			return -1;
		int r;
		if (t == LINK_HARDLINK) {
			r = linkat(c->dirfd, rel, dfd, target, 0);
		} else {
			char *to = path_join_dup(c->dir_real, rel);
			r = symlinkat(to, dfd, target);
			free(to);
		}
		if (r == 0)
			return 1;
		if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == EOPNOTSUPP || errno == ENOSYS)
			return 0;
		return -1;
	}
	if (t == LINK_REFLINK && !reflink_maybe(c))
		return 0;
	if (t == LINK_COPY && exec != 1) {
		/* a verified copy written while the object was downloaded: moved
		 * into place (with the mode a copy gets), never over anything */
		char *copy = fresh_take_copy(c->fresh, hex);
		if (copy) {
			int r = renameat2(AT_FDCWD, copy, dfd, target, RENAME_NOREPLACE), e = errno;
			if (r < 0)
				unlink(copy);
			free(copy);
			if (r == 0)
				return 1;
			if (e == EEXIST) {
				errno = e;
				return -1;
			}
		}
	}
	int ofd = openat(c->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (ofd < 0)
		return -1;
	int tfd = openat(dfd, target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (tfd < 0) {
		int e = errno;
		close(ofd);
		errno = e;
		return -1;
	}
	struct stat ost;
	int r;
	if (t == LINK_REFLINK)
		r = try_reflink(c, tfd, ofd);
	else if (fstat(ofd, &ost) == 0 && fresh_vouches(c->fresh, hex, &ost))
		r = copy_fresh(ofd, tfd, ost.st_size, hex, bad) == 0 ? 1 : -1;
	else
		r = copy_verified(ofd, tfd, hex, bad) == 0 ? 1 : -1;
	int e = errno;
	/* a failed attempt is removed first: its close has nothing to lose */
	if (r != 1)
		unlinkat(dfd, target, 0);
	/* close reports a write error a filesystem delayed (NFS does) */
	if (close(tfd) < 0 && r == 1) {
		e = errno;
		r = -1;
		unlinkat(dfd, target, 0);
	}
	close(ofd);
	errno = e;
	return r;
}

void cache_offer_copy(struct cache *c, const char *id, const char *path)
{
	fresh_offer_copy(c->fresh, id, path);
}

/*
 * FICLONE between two scratch files in tmp, to learn whether it works. Any
 * failure on the way only means "no reflinks" (the workspace then stays a
 * copy, which is correct), so none is reported. They are named
 * tmp/probe-PID-N, apart from the objects' temporary files, so that tests
 * injecting faults can tell a failing probe from a failing store.
 */
static void probe_reflink(struct cache *c)
{
	static atomic_uint counter;
	char name[2][64];
	int fd[2];

	for (int i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "probe-%ld-%u", (long)getpid(), atomic_fetch_add(&counter, 1));
		fd[i] = openat(c->tmpfd, name[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd[0] >= 0 && fd[1] >= 0 && write_all(fd[0], "probe", 5) == 0 && try_reflink(c, fd[1], fd[0]) < 0)
		__atomic_store_n(&c->reflink, 0, __ATOMIC_RELAXED);
	if (__atomic_load_n(&c->reflink, __ATOMIC_RELAXED) < 0)
		__atomic_store_n(&c->reflink, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++) {
		if (fd[i] < 0)
			continue;
		unlinkat(c->tmpfd, name[i], 0);
		close(fd[i]);
	}
}

/* 1 when FICLONE works in the cache's tmp directory (probed once). */
static int reflink_works(struct cache *c)
{
	if (__atomic_load_n(&c->reflink, __ATOMIC_RELAXED) < 0)
		probe_reflink(c);
	return __atomic_load_n(&c->reflink, __ATOMIC_RELAXED) > 0;
}

int cache_checkout_copies(struct cache *c)
{
	for (int i = 0; i < c->nlinks; i++) {
		if (c->links[i] == LINK_COPY)
			return 1;
		if (c->links[i] != LINK_REFLINK || reflink_works(c))
			return 0;
	}
	return 0;
}

/* Tries the link types in order; 0 placed (*used set), -1 errno set. */
static int place_any(struct cache *c, struct hasher *h, int dfd, const char *target, const char *hex, int exec,
		     char bad[HASH_HEX_LEN + 1], enum link_type *used)
{
	for (int i = 0; i < c->nlinks; i++) {
		int r = place_as(c, h, c->links[i], dfd, target, hex, exec, bad);
		if (r == 1) {
			*used = c->links[i];
			return 0;
		}
		if (r < 0)
			return -1;
	}
	errno = ENOTSUP; /* e.g. "hardlink" alone across filesystems */
	return -1;
}

/*
 * Makes `name` in dfd hold object e->hex: written directly when nothing is
 * there, else beside it and renamed over it (so a symlink standing there is
 * replaced, not written through). e->got gets the result's stat.
 */
static int place_file(struct cache *c, struct hasher *h, int dfd, const char *name, struct co_entry *e)
{
	char tmp[64];
	const char *target = name;
	enum link_type used = LINK_COPY;
	int r;

	if (e->exists) {
		temp_name(tmp);
		target = tmp;
	}
	r = place_any(c, h, dfd, target, e->hex, e->exec, e->bad, &used);
	if (r < 0 && errno == EEXIST && !e->exists) {
		/* an empty directory, or something that appeared meanwhile */
		if (remove_tree_at(dfd, name) == 0)
			r = place_any(c, h, dfd, target, e->hex, e->exec, e->bad, &used);
	}
	if (!r && e->exists && renameat(dfd, tmp, dfd, name) < 0) {
		int err = errno;
		if ((err == EISDIR || err == ENOTEMPTY || err == EEXIST) && remove_tree_at(dfd, name) == 0 &&
		    renameat(dfd, tmp, dfd, name) == 0) {
			err = 0;
		}
		if (err) {
			unlinkat(dfd, tmp, 0);
			errno = err;
			r = -1;
		}
	}
	if (!r && fstatat(dfd, name, &e->got, used == LINK_SYMLINK ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		r = -1;
	if (r < 0)
		e->err = errno ? errno : EIO;
	return r;
}

/* Creates the directories of rel below rootfd one by one, never through a
 * symlink, and returns the last one open. */
static int mkdirs_beneath(int rootfd, const char *rel)
{
	char *p = xstrdup(rel);
	int cur = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (char *s = p; cur >= 0 && *s; ) {
		char *e = strchrnul(s, '/');
		char c = *e;
		*e = '\0';
		int next = openat(cur, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && (mkdirat(cur, s, 0777) == 0 || errno == EEXIST))
			next = openat(cur, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		close(cur);
		cur = next;
		errno = err;
		*e = c;
		s = c ? e + 1 : e;
	}
	free(p);
	return cur;
}

/* The parent directory of entry i, open; cached per thread since entries
 * come in path order. */
static int parent_fd(struct placer *p, int w, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	*name = slash ? slash + 1 : path;
	if (p->last[w].rel && strlen(p->last[w].rel) == n && !strncmp(p->last[w].rel, path, n))
		return p->last[w].fd;
	if (p->last[w].rel) {
		close(p->last[w].fd);
		free(p->last[w].rel);
		p->last[w].rel = NULL;
	}
	char *rel = xstrndup(path, n);
	int fd = n ? open_beneath(p->rootfd, rel, O_RDONLY | O_DIRECTORY, 0)
		   : openat(p->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = mkdirs_beneath(p->rootfd, rel);
	if (fd < 0) {
		free(rel);
		return -1;
	}
	p->last[w].rel = rel;
	p->last[w].fd = fd;
	return fd;
}

static void place_one(void *ctx, size_t i, int w)
{
	struct placer *p = ctx;
	struct co_entry *e = &p->e[i];
	const char *name;
	int dfd = parent_fd(p, w, e->path, &name);

	if (dfd < 0)
		e->err = errno ? errno : EIO;
	else
		place_file(p->c, p->h, dfd, name, e);
}

/* Reports that no configured link type could write root/path. */
static int no_link_type(const struct cache *c, const char *root, const char *path)
{
	struct strbuf types = STRBUF_INIT;

	for (int i = 0; i < c->nlinks; i++) {
		if (i)
			strbuf_addch(&types, ',');
		strbuf_addstr(&types, link_type_name(c->links[i]));
	}
	error("cannot check out '%s%s%s': none of the link types '%s' works here (add 'copy' to cache.type)",
	      root, *root ? "/" : "", path, types.buf);
	strbuf_release(&types);
	return -1;
}

/* Writes every entry (in parallel); reports failures. root names rootfd in messages. */
static int place_all(struct cache *c, struct hasher *h, int rootfd, const char *root, struct co_entry *e, size_t n)
{
	int nt = workers_count(h->nthreads);
	struct placer p = { c, h, rootfd, e, xcalloc((size_t)nt, sizeof(*p.last)) };
	int ret = 0;

	parallel_for(h->nthreads, n, place_one, &p, NULL, NULL);
	for (int w = 0; w < nt; w++) {
		if (p.last[w].rel) {
			close(p.last[w].fd);
			free(p.last[w].rel);
		}
	}
	free(p.last);
	for (size_t i = 0; i < n; i++) {
		if (!e[i].err)
			continue;
		errno = e[i].err;
		if (e[i].err == E_CORRUPT)
			ret = error("corrupt object '%s' in the cache (it hashes to %s): not checked out to '%s/%s'; "
				    "delete it and fetch or rebuild it again", e[i].hex, e[i].bad, root, e[i].path);
		else if (e[i].err == ENOTSUP)
			ret = no_link_type(c, root, e[i].path);
		else
			ret = error("cannot check out '%s/%s':", root, e[i].path);
	}
	return ret;
}

/* Records what was written, as of now (after the last write: see cache.h). */
static void record_placed(struct hasher *h, const struct co_entry *e, size_t n)
{
	int64_t at = now_ns();

	if (!h->state)
		return;
	for (size_t i = 0; i < n; i++)
		if (!e[i].err)
			state_put(h->state, &e[i].got, e[i].hex, at);
}

/* 1 when the symlink `name` in dfd points at object hex. */
static int symlink_is_object(const struct cache *c, int dfd, const char *name, const char *hex)
{
	char rel[HASH_ID_MAX + 1], buf[4096];
	ssize_t n = readlinkat(dfd, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	object_rel(hex, rel);
	size_t dl = strlen(c->dir_real);
	return !strncmp(buf, c->dir_real, dl) && buf[dl] == '/' && !strcmp(buf + dl + 1, rel);
}

/* What a workspace file must be to be left alone. */
struct want {
	const char *hex;   /* content */
	int exec;          /* -1: any mode */
	enum link_type relink; /* LINK_COPY: any file with that content; else that link type */
};

/*
 * Decides whether workspace entry `name` in dfd (kind, stat st, content
 * hex_or_null as far as known) already is what w asks for.
 */
static int matches(struct cache *c, struct hasher *h, int dfd, const char *name, const struct walk_file *f,
		   const char *hex, const struct want *w)
{
	if (f->kind == WALK_SYMLINK) {
		char rel[HASH_ID_MAX + 1], bad[HASH_HEX_LEN + 1];
		object_rel(w->hex, rel);
		/* a link to a damaged object is replaced (and the damage reported) */
		return w->exec != 1 && (w->relink == LINK_COPY || w->relink == LINK_SYMLINK) &&
		       symlink_is_object(c, dfd, name, w->hex) && object_intact(c, h, rel, w->hex, bad) == 0;
	}
	if (f->kind != WALK_FILE || !hex || strcmp(hex, w->hex))
		return 0;
	if (w->exec >= 0 && !!(f->mode & S_IXUSR) != w->exec)
		return 0;
	/* executables are never linked: a right copy is what relinking gives */
	if (w->relink == LINK_COPY || w->exec == 1 || (w->exec < 0 && (f->mode & S_IXUSR)))
		return 1;
	if (w->relink == LINK_HARDLINK) {
		char rel[HASH_ID_MAX + 1];
		struct stat st;
		object_rel(w->hex, rel);
		return !fstatat(c->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) && (uint64_t)st.st_ino == f->ino &&
		       (uint64_t)st.st_dev == f->dev;
	}
	return 0;
}

/* Stat of dfd/name as a walk entry, and its content's hash when a file
 * (through the state, reading it if needed). 1 when it exists. */
static int inspect(struct hasher *h, int dfd, const char *name, struct walk_file *f, char hex[HASH_HEX_LEN + 1],
		   int *known)
{
	struct stat st;

	*known = 0;
	memset(f, 0, sizeof(*f));
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->mode = st.st_mode;
	f->kind = S_ISREG(st.st_mode) ? WALK_FILE : S_ISLNK(st.st_mode) ? WALK_SYMLINK : WALK_OTHER;
	if (S_ISDIR(st.st_mode))
		f->kind = 3; /* a directory */
	if (f->kind == WALK_FILE) {
		int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		uint64_t size;
		*known = fd >= 0 && hash_open_file(h, fd, &st, hex, &size) == 0;
		if (fd >= 0)
			close(fd);
	}
	return 1;
}

static int checkout_file(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed,
			 int relink)
{
	const char *base;
	struct walk_file f;
	char hex[HASH_HEX_LEN + 1];
	int known, ret = 0;
	struct want w = { id, -1, relink ? relink_type(c) : LINK_COPY };
	struct co_entry e = { .hex = id, .exec = -1 };

	if (!cache_has_object(c, id))
		return error("object '%s' for '%s' is missing from the cache", id, path);
	int dfd = project_open_parent(path, &base);
	if (dfd < 0)
		return -1;
	e.path = base;
	if (inspect(h, dfd, base, &f, hex, &known)) {
		if (matches(c, h, dfd, base, &f, known ? hex : NULL, &w))
			goto out;
		if (f.kind == 3 && remove_tree_at(dfd, base) < 0) {
			ret = error("cannot remove directory '%s':", path);
			goto out;
		}
		e.exists = f.kind != 3;
		if (f.kind == WALK_FILE && (f.mode & S_IXUSR))
			e.exec = 1; /* keep a script executable */
	}
	if (changed)
		*changed = 1;
	if (place_file(c, h, dfd, base, &e) < 0) {
		errno = e.err;
		if (e.err == E_CORRUPT)
			ret = error("corrupt object '%s' in the cache (it hashes to %s): not checked out to '%s'; "
				    "delete it and fetch or rebuild it again", id, e.bad, path);
		else if (e.err == ENOTSUP)
			ret = no_link_type(c, "", path);
		else
			ret = error("cannot check out '%s':", path);
	} else {
		record_placed(h, &e, 1);
	}
out:
	close(dfd);
	return ret;
}

/* Every object the manifest names must be there before anything changes. */
static int check_objects(struct cache *c, const struct tree *t, const char *path)
{
	size_t missing = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (cache_has_object(c, t->entries[i].hex))
			continue;
		if (missing++ < 5)
			error("object '%s' for '%s/%s' is missing from the cache", t->entries[i].hex, path,
			      t->entries[i].path);
	}
	if (missing > 5)
		error("... and %zu more objects of '%s' are missing", missing - 5, path);
	return missing ? -1 : 0;
}

/* Opens path as a directory to write into, replacing a file or symlink
 * standing there. */
static int open_out_dir(const char *path, int *changed)
{
	const char *base;
	struct stat st;
	int pfd = project_open_parent(path, &base), fd = -1;

	if (pfd < 0)
		return -1;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, base, 0) < 0) {
			error("cannot remove '%s':", path);
			close(pfd);
			return -1;
		}
		*changed = 1;
	}
	if (mkdirat(pfd, base, 0777) == 0)
		*changed = 1;
	else if (errno != EEXIST)
		error("cannot create directory '%s':", path);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		error("cannot open directory '%s':", path);
	close(pfd);
	return fd;
}

/* Hashes the workspace files the state does not know among those the
 * manifest lists (to learn whether they can stay). */
struct rehash {
	struct hasher *h;
	int dirfd;
	struct walk_file **f;
};

static void rehash_one(void *ctx, size_t i, int w)
{
	struct rehash *r = ctx;
	struct walk_file *f = r->f[i];
	char hex[HASH_HEX_LEN + 1];
	struct stat st;
	uint64_t size;
	(void)w;

	int fd = open_beneath(r->dirfd, f->path, O_RDONLY | O_NONBLOCK, 0);
	if (fd >= 0 && hash_open_file(r->h, fd, &st, hex, &size) == 0) {
		hash_hex_to_raw(hex, f->sha);
		f->known = 1;
		f->mode = st.st_mode;
	}
	if (fd >= 0)
		close(fd);
}

static void rehash_listed(struct hasher *h, int dirfd, struct walk_result *r, const struct tree *t)
{
	struct rehash rh = { h, dirfd, xmalloc((r->nfiles ? r->nfiles : 1) * sizeof(*rh.f)) };
	size_t n = 0;

	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i]->kind == WALK_FILE && !r->files[i]->known && tree_find(t, r->files[i]->path))
			rh.f[n++] = r->files[i];
	parallel_for(h->nthreads, n, rehash_one, &rh, NULL, NULL);
	free(rh.f);
}

/*
 * Merges the workspace listing with the manifest: removes what must go,
 * and fills *todo with what must be written. Returns 0, or -1 reported.
 */
static int plan_dir(struct cache *c, struct hasher *h, int dirfd, const char *path, struct walk_result *r, const struct tree *t,
		    struct co_entry *todo, size_t *ntodo, enum link_type relink, int *changed)
{
	size_t i = 0, j = 0, n = 0;
	char hex[HASH_HEX_LEN + 1];
	int ret = 0;

	while (j < t->n || i < r->nfiles) {
		const struct tree_entry *te = j < t->n ? &t->entries[j] : NULL;
		struct walk_file *f = i < r->nfiles ? r->files[i] : NULL;
		int cmp = !f ? 1 : !te ? -1 : strcmp(f->path, te->path);
		if (cmp < 0) { /* not in the manifest */
			if (unlinkat(dirfd, f->path, 0) < 0 && errno != ENOENT)
				ret = error("cannot remove '%s/%s':", path, f->path);
			*changed = 1;
			i++;
			continue;
		}
		struct co_entry *e = &todo[n];
		memset(e, 0, sizeof(*e));
		e->path = te->path;
		e->hex = te->hex;
		e->exec = te->exec;
		if (cmp == 0) {
			struct want w = { te->hex, te->exec, relink };
			if (f->known)
				hash_raw_to_hex(f->sha, hex);
			i++;
			j++;
			if (matches(c, h, dirfd, f->path, f, f->known ? hex : NULL, &w))
				continue;
			e->exists = 1;
		} else {
			j++;
		}
		n++;
	}
	*ntodo = n;
	if (n)
		*changed = 1;
	return ret;
}

/* Removes the directories left empty (deepest first); others stay. */
static void remove_empty_dirs(int dirfd, const struct walk_result *r)
{
	for (size_t k = r->ndirs; k-- > 0; )
		unlinkat(dirfd, r->dirs[k], AT_REMOVEDIR);
}

static int checkout_dir(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed,
			int relink)
{
	struct tree t = TREE_INIT;
	struct walk_opts o = { .follow = 0, .state = h->state, .nthreads = h->nthreads };
	struct walk_result r;
	struct co_entry *todo = NULL;
	size_t ntodo = 0;
	int ch = 0, ret, fd = -1;

	if ((ret = cache_read_tree(c, id, &t)) < 0 || (ret = check_objects(c, &t, path)) < 0)
		goto out;
	if ((fd = open_out_dir(path, &ch)) < 0) {
		ret = -1;
		goto out;
	}
	if ((ret = walk_dir(fd, path, &o, &r)) < 0)
		goto out;
	walk_flatten(&r);
	rehash_listed(h, fd, &r, &t);
	todo = xmalloc((t.n ? t.n : 1) * sizeof(*todo));
	ret = plan_dir(c, h, fd, path, &r, &t, todo, &ntodo, relink ? relink_type(c) : LINK_COPY, &ch);
	if (!ret)
		ret = place_all(c, h, fd, path, todo, ntodo);
	record_placed(h, todo, ntodo);
	remove_empty_dirs(fd, &r);
	walk_result_release(&r);
out:
	if (fd >= 0)
		close(fd);
	if (changed && ch)
		*changed = 1;
	free(todo);
	tree_release(&t);
	return ret;
}

enum link_type relink_type(struct cache *c)
{
	for (int i = 0; i < c->nlinks; i++) {
		switch (c->links[i]) {
		case LINK_REFLINK:
			if (__atomic_load_n(&c->reflink, __ATOMIC_RELAXED) < 0)
				probe_reflink(c);
			if (__atomic_load_n(&c->reflink, __ATOMIC_RELAXED) > 0)
				return LINK_COPY; /* the workspace file is already independent */
			break;
		case LINK_HARDLINK:
		case LINK_SYMLINK:
			return c->links[i];
		case LINK_COPY:
			return LINK_COPY;
		}
	}
	return LINK_COPY;
}

int checkout_path(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed, int relink)
{
	if (changed)
		*changed = 0;
	if (!hash_id_valid(id))
		return error("invalid object id '%.80s' for '%s'", id, path);
	if (hash_id_is_dir(id))
		return checkout_dir(c, h, id, path, changed, relink);
	return checkout_file(c, h, id, path, changed, relink);
}

int cache_checkout(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed)
{
	return checkout_path(c, h, id, path, changed, 0);
}
