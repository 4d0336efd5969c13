#include "core/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/namesort.h"
#include "core/state.h"
#include "core/tree.h"
#include "core/workers.h"
#include "util/beneath.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Deeper than any real dataset; stops a runaway symlink chain early. */
#define WALK_MAX_DEPTH 256

int open_beneath(int dirfd, const char *rel, int flags, int mode)
{
	static int no_openat2;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? (uint64_t)mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
	}
	return openat_beneath(dirfd, rel, flags, (mode_t)mode, 0);
}

char *project_root_real(void)
{
	char *root = realpath(".", NULL);

	if (!root)
		error("cannot find the current directory:");
	return root;
}

int real_inside(const char *real, const char *root)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return real[0] == '/';
	return !strncmp(real, root, n) && (real[n] == '\0' || real[n] == '/');
}

int real_allowed(const char *real, const char *root, const char *also)
{
	return real_inside(real, root) || (also && real_inside(real, also));
}

struct wdir;

/* Kinds of an entry that is not (yet) a result. */
#define WALK_PENDING 0xfe /* a regular file by its d_type, not stat'ed yet */
#define WALK_SKIP 0xff    /* gone, or reported: left out of the result */

/*
 * A big directory's regular files are stat'ed by all the threads: its
 * entries are cut into chunks of this many, each a task of its own (a flat
 * directory of 100,000 files would otherwise keep one core busy and the
 * others idle).
 */
#define WALK_CHUNK 512

/* One entry of a directory being listed. */
struct witem {
	struct wdir *sub;    /* a directory to descend into, else NULL */
	struct walk_file f;  /* f.name always; the rest for a file */
};

/* A slice of a big directory's entries to stat: a task. */
struct wchunk {
	int is_chunk;          /* 1 (tells a chunk from a wdir in the task queue) */
	struct wdir *d;        /* the directory */
	size_t lo, hi;         /* the entries d->items[lo..hi) */
	size_t nunknown;       /* files whose hash the state did not know */
	struct strbuf err;     /* messages, as wdir.err */
};

/* One directory: a task of the walk, then a node of its result. */
struct wdir {
	int is_chunk;          /* 0 */
	struct wdir *parent;   /* NULL for the walk's root */
	const char *rel;       /* path from the root ("" for the root), in the parent's pool */
	const char *real;      /* real absolute path when reached through a symlink, else NULL */
	uint64_t dev, ino;     /* identity, to catch symlink cycles */
	int depth;             /* 0 for the root */
	size_t nunknown;       /* files whose hash the state did not know */
	struct witem *items;   /* sorted once the task ran */
	size_t n, alloc;
	size_t nsub;           /* items that are directories (leaves have none to look for) */
	int has_digest;        /* digest holds the digest of the items (see walk_key) */
	unsigned char digest[HASH_RAW_LEN];
	struct strpool pool;   /* names of the items, paths of sub-directories */
	struct strbuf err;     /* messages, one per line, reported by the caller */
	int fd;                /* open while chunks are being stat'ed, else -1 */
	struct wchunk *chunks; /* a big directory's chunks, else NULL */
	size_t nchunks;
	atomic_size_t left;    /* chunks not finished; the last one sorts d */
};

struct linkcache;

struct walk {
	int rootfd;                 /* the walked directory */
	const char *path;           /* what the user calls it */
	char *root_real;            /* the project root (hashing mode) */
	const struct walk_opts *o;
	struct linkcache *links;    /* hashing mode: one per thread */
	int nthreads;               /* threads walking */
};

/* Appends part to the path in sb, with a '/' between ("." is the empty path). */
static void join_to(struct strbuf *sb, const char *part)
{
	if (!*part || !strcmp(part, "."))
		return;
	if (sb->len && sb->buf[sb->len - 1] != '/')
		strbuf_addch(sb, '/');
	strbuf_addstr(sb, part);
}

/* The path of entry `name` of d (d itself when name is NULL) as the user
 * would type it from the project root; below a followed symlink, the real
 * path (what realpath() must resolve). */
static void entry_path(struct strbuf *sb, const struct walk *wk, const struct wdir *d, const char *name)
{
	if (d->real) {
		strbuf_addstr(sb, d->real);
	} else {
		join_to(sb, wk->path);
		join_to(sb, d->rel);
	}
	if (name)
		join_to(sb, name);
	if (!sb->len)
		strbuf_addch(sb, '.');
}

/* Appends 'PATH' (of an entry of d) quoted for a message. */
static void add_display(struct strbuf *sb, const struct walk *wk, const struct wdir *d, const char *name)
{
	struct strbuf p = STRBUF_INIT;

	join_to(&p, wk->path);
	join_to(&p, d->rel);
	if (name)
		join_to(&p, name);
	strbuf_addch(sb, '\'');
	path_quote(sb, p.len ? p.buf : ".");
	strbuf_addch(sb, '\'');
	strbuf_release(&p);
}

/* Appends "'PATH' WHAT[: strerror(err)]" and a newline to out. */
static void entry_error(struct strbuf *out, const struct walk *wk, const struct wdir *d, const char *name,
			const char *what, int err)
{
	char buf[128];

	add_display(out, wk, d, name);
	strbuf_addch(out, ' ');
	strbuf_addstr(out, what);
	if (err) {
		strbuf_addstr(out, ": ");
		strbuf_addstr(out, strerror_r(err, buf, sizeof(buf)));
	}
	strbuf_addch(out, '\n');
}

/* Records an error against d (from the thread listing d only). */
static void dir_error(const struct walk *wk, struct wdir *d, const char *name, const char *what, int err)
{
	entry_error(&d->err, wk, d, name, what, err);
}

static struct witem *new_item(struct wdir *d, const char *name)
{
	ARRAY_GROW(d->items, d->alloc, d->n + 1);
	struct witem *it = &d->items[d->n++];
	size_t len = strlen(name);

	memset(it, 0, sizeof(*it));
	it->f.name = strpool_addn(&d->pool, name, len);
	it->f.namelen = (uint16_t)len;
	return it;
}

static void add_subdir(struct wdir *d, const char *name, const char *real, struct workq *q)
{
	struct witem *it = new_item(d, name);
	struct wdir *s = xcalloc(1, sizeof(*s));

	s->parent = d;
	s->rel = strpool_join(&d->pool, d->rel, name, strlen(name));
	s->real = real;
	s->depth = d->depth + 1;
	s->fd = -1;
	strbuf_init(&s->err, 0);
	it->sub = s;
	d->nsub++;
	workq_push(q, s);
}

/* Fills f from st; the state is looked up later, by stat_range. */
static void fill_file(struct walk_file *f, const struct stat *st, int kind, const char *src)
{
	f->src = src;
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	f->mode = st->st_mode;
	f->kind = (unsigned char)kind;
}

static void add_file(struct wdir *d, const char *name, const struct stat *st, int kind, const char *src)
{
	fill_file(&new_item(d, name)->f, st, kind, src);
}

/* Stats a WALK_PENDING entry of d (any thread may, for its own entries);
 * problems go to err. */
static void stat_pending(const struct walk *wk, const struct wdir *d, int fd, struct witem *it,
			 struct strbuf *err)
{
	struct stat st;

	if (fstatat(fd, it->f.name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		it->f.kind = WALK_SKIP;
		if (errno != ENOENT) /* removed while we looked: not there */
			entry_error(err, wk, d, it->f.name, "cannot be read", errno);
	} else if (!S_ISREG(st.st_mode)) {
		it->f.kind = WALK_SKIP;
		entry_error(err, wk, d, it->f.name, "was replaced while being read; try again", 0);
	} else {
		fill_file(&it->f, &st, WALK_FILE, NULL);
	}
}

static const struct walk_file *regular(const struct witem *it)
{
	return !it->sub && it->f.kind == WALK_FILE ? &it->f : NULL;
}

/*
 * Stats the pending entries of d->items[lo..hi) and looks every regular
 * file up in the state; the files whose hash it does not know are counted
 * in *nunknown. The lookups trail the stats by two entries, each entry's
 * loads started by prefetches one and two stats earlier (see
 * state_prefetch_slot): done right after each stat, they cost 2 to 5 ms of
 * a 10,000-file no-op in cache misses.
 */
static void stat_range(const struct walk *wk, struct wdir *d, int fd, size_t lo, size_t hi, struct strbuf *err,
		       size_t *nunknown)
{
	struct state *s = wk->o->state;
	const struct walk_file *f;

	for (size_t i = lo; i < hi + 2; i++) {
		if (i < hi) {
			struct witem *it = &d->items[i];
			if (!it->sub && it->f.kind == WALK_PENDING)
				stat_pending(wk, d, fd, it, err);
			if (s && (f = regular(it)))
				state_prefetch_slot(s, f->dev, f->ino);
		}
		if (s && i >= lo + 1 && i - 1 < hi && (f = regular(&d->items[i - 1])))
			state_prefetch_entry(s, f->dev, f->ino);
		if (i >= lo + 2 && regular(&d->items[i - 2])) {
			struct walk_file *g = &d->items[i - 2].f;
			g->known = s && state_lookup(s, g->dev, g->ino, g->size, g->mtime_ns, g->sha);
			*nunknown += !g->known;
		}
	}
}

#define LINKCACHE 1024

/* Resolved symlink target directories, one table per walking thread. */
struct linkcache {
	char *dir[LINKCACHE];  /* a target's directory as written (absolute or from the cwd) */
	char *real[LINKCACHE]; /* its realpath() */
};

static void linkcache_release(struct linkcache *lc)
{
	for (int i = 0; lc && i < LINKCACHE; i++) {
		free(lc->dir[i]);
		free(lc->real[i]);
	}
}

/* realpath() of dir through the cache; NULL (errno set) when it fails. */
static const char *linkcache_get(struct linkcache *lc, const char *dir)
{
	uint32_t h = 2166136261u; /* FNV-1a, to pick a slot */

	for (const char *p = dir; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	int k = (int)(h % LINKCACHE);
	if (lc->dir[k] && !strcmp(lc->dir[k], dir))
		return lc->real[k];
	char *real = realpath(dir, NULL);
	if (!real)
		return NULL;
	free(lc->dir[k]);
	free(lc->real[k]);
	lc->dir[k] = xstrdup(dir);
	lc->real[k] = real;
	return real;
}

/*
 * The real path of symlink `name` (in d, open as fd), allocated, and its
 * stat in *st; or NULL with errno set. A symlink checkout points 10,000s of links into a few
 * hundred cache directories, and a full realpath() of each would walk
 * every component again: the target's directory is resolved through a
 * small cache and only its last component checked (a symlink there, or
 * anything unusual, takes the full realpath()).
 */
static char *resolve_link(const struct walk *wk, const struct wdir *d, int fd, const char *name,
			  struct linkcache *lc, struct stat *st)
{
	char target[PATH_MAX];
	struct strbuf dir = STRBUF_INIT, full = STRBUF_INIT;
	char *real = NULL;
	ssize_t n = readlinkat(fd, name, target, sizeof(target) - 1);

	if (n > 0) {
		target[n] = '\0';
		char *slash = strrchr(target, '/');
		const char *base = slash ? slash + 1 : target, *rd;
		if (target[0] != '/')
			entry_path(&dir, wk, d, NULL);
		if (slash) {
			if (dir.len)
				strbuf_addch(&dir, '/');
			strbuf_add(&dir, target, slash > target ? (size_t)(slash - target) : 1);
		}
		if (*base && strcmp(base, ".") && strcmp(base, "..") && (rd = linkcache_get(lc, dir.buf))) {
			path_join(&full, rd, base);
			if (lstat(full.buf, st) == 0 && !S_ISLNK(st->st_mode))
				real = strbuf_detach(&full, NULL);
		}
	}
	if (!real) {
		strbuf_reset(&full);
		entry_path(&full, wk, d, name);
		real = realpath(full.buf, NULL);
		if (real && stat(real, st) < 0) {
			free(real);
			real = NULL;
		}
	}
	strbuf_release(&dir);
	strbuf_release(&full);
	return real;
}

/* A symlink met while hashing: followed only into the project. */
static void follow_symlink(const struct walk *wk, struct wdir *d, int fd, const char *name, struct workq *q,
			   struct linkcache *lc)
{
	struct stat st;
	char *real = resolve_link(wk, d, fd, name, lc, &st);

	if (!real) {
		dir_error(wk, d, name, errno == ENOENT ? "is a broken symlink" : "cannot be followed", errno);
		return;
	}
	if (!real_allowed(real, wk->root_real, wk->o->also_inside)) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addstr(&msg, "is a symlink to '");
		path_quote(&msg, real);
		strbuf_addstr(&msg, "', outside the project: only symlinks into the project are followed");
		dir_error(wk, d, name, msg.buf, 0);
		strbuf_release(&msg);
	} else if (S_ISDIR(st.st_mode)) {
		add_subdir(d, name, strpool_add(&d->pool, real), q);
	} else if (S_ISREG(st.st_mode)) {
		add_file(d, name, &st, WALK_FILE, strpool_add(&d->pool, real));
	} else {
		dir_error(wk, d, name, "is a symlink to a special file (fifo, socket or device); only regular files and directories can be tracked", 0);
	}
	free(real);
}

static int has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Classifies one directory entry and adds it to d. */
static void walk_entry(const struct walk *wk, struct wdir *d, int fd, const struct dirent *de, struct workq *q,
		       struct linkcache *lc)
{
	const char *name = de->d_name;
	int follow = wk->o->follow;
	struct stat st;

	if (follow && has_control_char(name)) {
		dir_error(wk, d, name, "has a control character in its name; rename it to track it", 0);
		return;
	}
	if (de->d_type == DT_DIR) {
		add_subdir(d, name, d->real ? strpool_join(&d->pool, d->real, name, strlen(name)) : NULL, q);
		return;
	}
	if (de->d_type == DT_REG && !d->real) {
		new_item(d, name)->f.kind = WALK_PENDING;
		return;
	}
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) /* removed while we looked: not there */
			dir_error(wk, d, name, "cannot be read", errno);
		return;
	}
	if (S_ISREG(st.st_mode)) {
		const char *src = d->real ? strpool_join(&d->pool, d->real, name, strlen(name)) : NULL;
		add_file(d, name, &st, WALK_FILE, src);
	} else if (S_ISDIR(st.st_mode)) {
		add_subdir(d, name, d->real ? strpool_join(&d->pool, d->real, name, strlen(name)) : NULL, q);
	} else if (S_ISLNK(st.st_mode)) {
		if (follow)
			follow_symlink(wk, d, fd, name, q, lc);
		else
			add_file(d, name, &st, WALK_SYMLINK, NULL);
	} else if (follow) {
		dir_error(wk, d, name, "is a special file (fifo, socket or device); only regular files and directories can be tracked", 0);
	} else {
		add_file(d, name, &st, WALK_OTHER, NULL);
	}
}

/* 1 when d is reached again through a symlink below itself. */
static int is_cycle(const struct wdir *d)
{
	for (const struct wdir *a = d->parent; a; a = a->parent)
		if (a->dev == d->dev && a->ino == d->ino)
			return 1;
	return 0;
}

static int open_wdir(const struct walk *wk, const struct wdir *d)
{
	if (!d->parent)
		return openat(wk->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->real)
		return open(d->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return open_beneath(wk->rootfd, d->rel, O_RDONLY | O_DIRECTORY, 0);
}

static void split_dir(struct wdir *d, struct workq *q);
static void run_chunk(const struct walk *wk, struct wchunk *ch);
static void finish_dir(const struct walk *wk, struct wdir *d);

/* Lists one directory, and stats its entries (or queues chunks of them). */
static void list_dir(const struct walk *wk, struct wdir *d, int w, struct workq *q)
{
	struct stat st;
	struct dirent *de;
	struct linkcache *lc = wk->o->follow ? &wk->links[w] : NULL;

	if (d->depth > WALK_MAX_DEPTH) {
		dir_error(wk, d, NULL, "is nested too deeply", 0);
		return;
	}
	int fd = open_wdir(wk, d);
	if (fd < 0) {
		if (errno != ENOENT)
			dir_error(wk, d, NULL, "cannot be opened", errno);
		return;
	}
	if (fstat(fd, &st) == 0) {
		d->dev = (uint64_t)st.st_dev;
		d->ino = (uint64_t)st.st_ino;
	}
	if (d->real && is_cycle(d)) {
		dir_error(wk, d, NULL, "leads back to a directory holding it (a symlink cycle)", 0);
		close(fd);
		return;
	}
	DIR *dir = fdopendir(fd);
	if (!dir) {
		dir_error(wk, d, NULL, "cannot be listed", errno);
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		if (!(de = readdir(dir))) {
			if (errno)
				dir_error(wk, d, NULL, "cannot be listed", errno);
			break;
		}
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		walk_entry(wk, d, dirfd(dir), de, q, lc);
	}
	if (d->n >= 2 * WALK_CHUNK && wk->nthreads >= 2 && (d->fd = dup(dirfd(dir))) >= 0) {
		closedir(dir);
		split_dir(d, q);
		run_chunk(wk, &d->chunks[0]);
		return;
	}
	/* small, one thread, or no descriptor to share (d->fd is -1): here */
	stat_range(wk, d, dirfd(dir), 0, d->n, &d->err, &d->nunknown);
	closedir(dir);
	finish_dir(wk, d);
}

/* Cuts d's entries into chunks, queues all but the first (which the
 * caller runs). */
static void split_dir(struct wdir *d, struct workq *q)
{
	d->nchunks = (d->n + WALK_CHUNK - 1) / WALK_CHUNK;
	d->chunks = xcalloc(d->nchunks, sizeof(*d->chunks));
	atomic_store(&d->left, d->nchunks);
	for (size_t k = 0; k < d->nchunks; k++) {
		struct wchunk *ch = &d->chunks[k];
		ch->is_chunk = 1;
		ch->d = d;
		ch->lo = k * WALK_CHUNK;
		ch->hi = ch->lo + WALK_CHUNK < d->n ? ch->lo + WALK_CHUNK : d->n;
		strbuf_init(&ch->err, 0);
	}
	for (size_t k = 1; k < d->nchunks; k++)
		workq_push(q, &d->chunks[k]);
}

/* Stats one chunk; the last chunk of a directory to finish completes it. */
static void run_chunk(const struct walk *wk, struct wchunk *ch)
{
	struct wdir *d = ch->d;

	stat_range(wk, d, d->fd, ch->lo, ch->hi, &ch->err, &ch->nunknown);
	if (atomic_fetch_sub(&d->left, 1) == 1) {
		for (size_t k = 0; k < d->nchunks; k++)
			d->nunknown += d->chunks[k].nunknown;
		close(d->fd);
		d->fd = -1;
		finish_dir(wk, d);
	}
}

/* Sorts d's items by name (a directory's followed by '/', see namesort.h):
 * the keys are sorted, then the items moved into place along the
 * permutation's cycles (no second copy of the items: a directory of
 * 100,000 holds 10 MB of them). */
static void sort_items(struct wdir *d)
{
	struct name_key *k = xmalloc(d->n * sizeof(*k));

	for (size_t i = 0; i < d->n; i++)
		name_key_set(&k[i], d->items[i].f.name, d->items[i].f.namelen, d->items[i].sub != NULL, i);
	name_sort(k, d->n);
	/* from now on, k[i].index is where position i's item is now */
	for (size_t i = 0; i < d->n; i++) {
		if (k[i].index == i)
			continue;
		struct witem tmp = d->items[i];
		size_t j = i;
		while (k[j].index != i) {
			size_t from = k[j].index;
			d->items[j] = d->items[from];
			k[j].index = j;
			j = from;
		}
		d->items[j] = tmp;
		k[j].index = j;
	}
	free(k);
}

/*
 * The digest of d's entries, for walk_key: SHA-256 over each one's name
 * and NUL, then 'd' for a directory, or 'f', the file's hash, size and
 * executable bit. The tag in walk_key names this format and the manifest's
 * (tree.c's add_entry): a change to either must change the tag.
 */
static void digest_dir(struct wdir *d)
{
	struct hash_stream hs;
	char hex[HASH_HEX_LEN + 1];

	hash_stream_init(&hs);
	for (size_t i = 0; i < d->n; i++) {
		const struct witem *it = &d->items[i];
		unsigned char tail[1 + HASH_RAW_LEN + sizeof(uint64_t) + 1];
		size_t n = 1;
		hash_stream_update(&hs, it->f.name, (size_t)it->f.namelen + 1);
		if (it->sub) {
			tail[0] = 'd';
		} else {
			tail[0] = 'f';
			memcpy(tail + n, it->f.sha, HASH_RAW_LEN);
			n += HASH_RAW_LEN;
			memcpy(tail + n, &it->f.size, sizeof(uint64_t));
			n += sizeof(uint64_t);
			tail[n++] = (it->f.mode & S_IXUSR) != 0;
		}
		hash_stream_update(&hs, tail, n);
	}
	hash_stream_final(&hs, hex);
	hash_hex_to_raw(hex, d->digest);
	d->has_digest = 1;
}

#define WALK_KEY_TAG "repro directory key 2: walk.c digest_dir, tree.c add_entry"

static void key_dir(struct wdir *d, struct hash_stream *hs)
{
	if (!d->has_digest)
		digest_dir(d);
	hash_stream_update(hs, d->rel, strlen(d->rel) + 1);
	hash_stream_update(hs, d->digest, HASH_RAW_LEN);
	for (size_t i = 0; i < d->n && d->nsub; i++)
		if (d->items[i].sub)
			key_dir(d->items[i].sub, hs);
}

void walk_key(const struct walk_result *r, unsigned char key[HASH_RAW_LEN])
{
	struct hash_stream hs;
	char hex[HASH_HEX_LEN + 1];

	hash_stream_init(&hs);
	hash_stream_update(&hs, WALK_KEY_TAG, sizeof(WALK_KEY_TAG));
	if (r->root)
		key_dir(r->root, &hs);
	hash_stream_final(&hs, hex);
	hash_hex_to_raw(hex, key);
}

/* Drops skipped entries and sorts the rest: d is complete. Digested when
 * asked for and every file's hash is known (else walk_key does it, after
 * the hashing). */
static void finish_dir(const struct walk *wk, struct wdir *d)
{
	size_t j = 0;

	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].sub || d->items[i].f.kind != WALK_SKIP) {
			if (j != i)
				d->items[j] = d->items[i];
			j++;
		}
	d->n = j;
	if (d->n > 1)
		sort_items(d);
	if (wk->o->digests && !d->nunknown)
		digest_dir(d);
}

/* A task: a directory to list, or a chunk of one to stat. */
static void walk_task(void *ctx, void *task, int w, struct workq *q)
{
	if (*(const int *)task)
		run_chunk(ctx, task);
	else
		list_dir(ctx, task, w, q);
}

static void count(const struct wdir *d, struct walk_result *r)
{
	r->nunknown += d->nunknown;
	if (!d->nsub) {
		r->nfiles += d->n;
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].sub) {
			r->ndirs++;
			count(d->items[i].sub, r);
		} else {
			r->nfiles++;
		}
	}
}

/* Depth-first, in sorted order: the manifest order. path holds d's path. */
static void visit(struct wdir *d, struct strbuf *path,
		  void (*fn)(void *ctx, const char *path, struct walk_file *f), void *ctx)
{
	size_t base = path->len;

	for (size_t i = 0; i < d->n; i++) {
		struct witem *it = &d->items[i];
		strbuf_setlen(path, base);
		if (base)
			strbuf_addch(path, '/');
		strbuf_add(path, it->f.name, it->f.namelen);
		if (it->sub)
			visit(it->sub, path, fn, ctx);
		else
			fn(ctx, path->buf, &it->f);
	}
	strbuf_setlen(path, base);
}

void walk_visit(const struct walk_result *r, void (*fn)(void *ctx, const char *path, struct walk_file *f),
		void *ctx)
{
	struct strbuf path = STRBUF_INIT;

	if (r->root)
		visit(r->root, &path, fn, ctx);
	strbuf_release(&path);
}

static void flatten(struct wdir *d, struct walk_result *r, size_t *nf, size_t *nd)
{
	for (size_t i = 0; i < d->n; i++) {
		struct witem *it = &d->items[i];
		if (it->sub) {
			r->dirs[(*nd)++] = it->sub->rel;
			flatten(it->sub, r, nf, nd);
		} else {
			it->f.path = strpool_join(&r->pool, d->rel, it->f.name, it->f.namelen);
			r->files[(*nf)++] = &it->f;
		}
	}
}

void walk_flatten(struct walk_result *r)
{
	size_t nf = 0, nd = 0;

	if (r->files || !r->root)
		return;
	r->files = xmalloc((r->nfiles ? r->nfiles : 1) * sizeof(*r->files));
	r->dirs = xmalloc((r->ndirs ? r->ndirs : 1) * sizeof(*r->dirs));
	flatten(r->root, r, &nf, &nd);
}

/* Reports the collected messages in walk order; returns how many. */
static int report(const struct wdir *d)
{
	int n = 0;

	for (size_t k = 0; k <= d->nchunks; k++) {
		const char *p = k ? d->chunks[k - 1].err.buf : d->err.buf;
		for (const char *e; *p; p = e + 1) {
			e = strchr(p, '\n');
			error("%.*s", (int)(e - p), p);
			n++;
		}
	}
	for (size_t i = 0; i < d->n && d->nsub; i++)
		if (d->items[i].sub)
			n += report(d->items[i].sub);
	return n;
}

static void free_wdir(struct wdir *d)
{
	for (size_t i = 0; i < d->n && d->nsub; i++)
		if (d->items[i].sub) {
			free_wdir(d->items[i].sub);
			free(d->items[i].sub);
		}
	free(d->items);
	strpool_release(&d->pool);
	strbuf_release(&d->err);
	for (size_t k = 0; k < d->nchunks; k++)
		strbuf_release(&d->chunks[k].err);
	free(d->chunks);
}

int walk_dir(int dirfd, const char *path, const struct walk_opts *o, struct walk_result *r)
{
	struct walk wk = { dirfd, path, NULL, o, NULL, 0 };
	struct wdir *root = xcalloc(1, sizeof(*root));

	memset(r, 0, sizeof(*r));
	root->rel = "";
	root->fd = -1;
	strbuf_init(&root->err, 0);
	if (o->follow && !(wk.root_real = project_root_real())) {
		free(root);
		return -1;
	}
	int nt = workers_count(o->nthreads);
	wk.nthreads = nt;
	if (o->follow)
		wk.links = xcalloc((size_t)nt, sizeof(*wk.links));
	workq_run(nt, root, walk_task, &wk);
	for (int i = 0; wk.links && i < nt; i++)
		linkcache_release(&wk.links[i]);
	free(wk.links);
	free(wk.root_real);
	if (report(root)) {
		free_wdir(root);
		free(root);
		return -1;
	}
	r->root = root;
	count(root, r);
	return 0;
}

void walk_result_release(struct walk_result *r)
{
	if (r->root) {
		free_wdir(r->root);
		free(r->root);
	}
	free(r->files);
	free(r->dirs);
	strpool_release(&r->pool);
	memset(r, 0, sizeof(*r));
}
