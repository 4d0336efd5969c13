/*
 * Walking a workspace directory: every entry below it, with its stat and
 * (when a state is given) its cached hash, in manifest order (bytewise by
 * path), on several threads.
 *
 * Each directory is listed with getdents and each entry stat'ed with
 * fstatat on its bare name relative to the directory's descriptor, so the
 * kernel never re-resolves a long path; directories are spread over the
 * threads, and the entries of a big directory are stat'ed in chunks by all
 * of them. Every directory sorts its own entries (a directory "d" sorts as
 * "d/"), so a depth-first concatenation is already in manifest order and
 * nothing global is ever sorted. Names live in string pools: no allocation
 * per file.
 *
 * Two modes:
 *  - hashing (follow = 1): a symlink is followed when its target lies inside
 *    the project (the current directory), and is an error otherwise; fifos,
 *    sockets and devices, control characters in names and symlink cycles are
 *    errors. Every error is collected and reported, then the walk fails.
 *  - listing for a checkout (follow = 0): nothing is followed; symlinks and
 *    special files are listed as such, so the caller can remove them, and
 *    the directories met are listed too.
 */
#ifndef REPRO_WALK_H
#define REPRO_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "core/strpool.h"

struct state;

enum walk_kind {
	WALK_FILE,    /* a regular file (in hashing mode, possibly through a symlink) */
	WALK_SYMLINK, /* a symlink (listing mode only) */
	WALK_OTHER,   /* fifo, socket, device (listing mode only) */
};

struct walk_file {
	const char *name;      /* the last component of its path */
	const char *path;      /* relative to the walked directory, '/'-separated;
				  set by walk_flatten() only (NULL before) */
	const char *src;       /* what to open: NULL for `path` below the walked
				  directory, else the real path of a followed symlink */
	uint64_t dev, ino;     /* of the file (of the target for a followed symlink) */
	uint64_t size;         /* st_size (bytes hashed, once hashed) */
	int64_t mtime_ns;      /* st_mtim */
	uint32_t mode;         /* st_mode */
	unsigned char kind;    /* enum walk_kind */
	unsigned char known;   /* 1 when sha holds the file's hash (state hit, or hashed) */
	uint16_t namelen;      /* strlen(name): a name is at most NAME_MAX (255) bytes */
	unsigned char sha[HASH_RAW_LEN];
};

struct wdir;

/*
 * What a walk found: a tree of directories (kept as listed, so a no-op
 * never builds a flat copy of 100,000 entries), and on demand the flat
 * arrays below.
 */
struct walk_result {
	struct wdir *root;       /* the directories and their sorted entries */
	size_t nfiles, ndirs;    /* entries below the root */
	size_t nunknown;         /* regular files whose hash is not known */
	struct walk_file **files; /* walk_flatten(): every file, in manifest order */
	const char **dirs;       /* walk_flatten(): every directory below, in walk
				    order (a directory before what it holds) */
	struct strpool pool;     /* storage of the flattened paths */
};

struct walk_opts {
	int follow;           /* hashing mode (see above) */
	const char *also_inside; /* real path of another directory symlinks may lead into, or NULL */
	struct state *state;  /* look hashes up here; may be NULL */
	int nthreads;         /* <= 0: one per core */
	int digests;          /* digest each directory's entries as it completes (see walk_key) */
};

/*
 * Walks the directory open as dirfd, known to the user as `path` (relative
 * to the current directory, which is the project root). Returns 0, or -1
 * after reporting every problem found; *r is empty then.
 */
int walk_dir(int dirfd, const char *path, const struct walk_opts *o, struct walk_result *r);
/* Calls fn for every file in manifest order; `path` is valid during the call only. */
void walk_visit(const struct walk_result *r, void (*fn)(void *ctx, const char *path, struct walk_file *f),
		void *ctx);
/*
 * The key under which the state keeps the id of the walked directory (see
 * "Directory ids" in state.h): SHA-256 over each directory's path and the
 * digest of its entries (names, and for a file its hash, size and
 * executable bit), in manifest order. Those determine the manifest byte for
 * byte, so equal keys mean equal manifests. Every file must be known (hashed
 * or vouched for); directories digested by the walk (walk_opts.digests, on
 * its threads) are not read again.
 */
void walk_key(const struct walk_result *r, unsigned char key[HASH_RAW_LEN]);
/* Fills r->files (with paths) and r->dirs. */
void walk_flatten(struct walk_result *r);
void walk_result_release(struct walk_result *r);

/*
 * openat() that refuses to leave dirfd or to follow any symlink on the way
 * (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; on kernels without it,
 * O_NOFOLLOW on the last component only). flags get O_CLOEXEC.
 */
int open_beneath(int dirfd, const char *rel, int flags, int mode);

/* The real path of the current directory (the project root), allocated;
 * NULL (reported) when it cannot be found. */
char *project_root_real(void);
/* 1 when the absolute real path `real` is `root` or below it. */
int real_inside(const char *real, const char *root);
/* 1 when real is inside root or inside also (which may be NULL). */
int real_allowed(const char *real, const char *root, const char *also);

#endif
