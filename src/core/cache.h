/*
 * The content-addressed cache (.repro/cache) and checkouts from it.
 *
 * Layout: .repro/cache/<first 2 hex>/<remaining 62 hex>[.dir]. An object is
 * written to .repro/tmp, made durable, then renamed into place, and is never
 * modified afterwards (mode 0444). An object's name is its content's hash;
 * code that finds otherwise reports corruption and never uses the object.
 *
 * Storing many objects: fsyncing each of 10,000 small files would cost far
 * more than copying them, so a store writes every new object to .repro/tmp,
 * makes them all durable with one syncfs(), and only then renames them into
 * place. A crash before the renames leaves only temporary files (removed by
 * the next store); a crash after leaves complete objects.
 *
 * Checkout link types, in order of preference from the config
 * ("reflink,copy" by default): reflink (FICLONE), hardlink, symlink, copy.
 * A type that fails (reflink on ext4, hardlink across filesystems) falls
 * through to the next. What keeps a user from editing an object in place:
 *  - reflink, copy: the workspace file is an inode of its own (a reflink
 *    shares extents copy-on-write), so writing to it never reaches the cache;
 *  - hardlink: the workspace name is the object's inode, mode 0444: an
 *    in-place write fails (EACCES), an editor must replace the file;
 *  - symlink: the link points at the 0444 object: the same; `rm` removes the
 *    link only.
 * (root ignores modes: hardlink and symlink rely on users not writing as
 * root, as DVC's do.) A file whose manifest entry is executable is never
 * hard- or symlinked, as that would need the shared object to change mode.
 *
 * Hashes of what a checkout writes are recorded in the state with the time
 * the checkout finished writing (git does the same with its index), so the
 * next hash_path costs only stats; a concurrent writer changing a file
 * during the checkout is not detected, as in git.
 */
#ifndef REPRO_CACHE_H
#define REPRO_CACHE_H

#include <stdint.h>

#include "core/hash.h"
#include "core/tree.h"
#include "util/strbuf.h"

struct cache_fresh;
struct state;

enum link_type { LINK_REFLINK, LINK_HARDLINK, LINK_SYMLINK, LINK_COPY };

/* What a workspace path holds, as recorded in locks and .repro files. */
struct hashinfo {
	char id[HASH_ID_MAX]; /* object id: hex, or hex + ".dir" for a directory */
	uint64_t size;        /* bytes (a directory: sum of its files) */
	uint64_t nfiles;      /* a directory: number of files; 0 for a file */
	int isdir;            /* 1 for a directory */
};

/* Hashing of workspace paths: the state file plus a degree of parallelism. */
struct hasher {
	struct state *state; /* may be NULL: then every file is read */
	int nthreads;        /* threads used to hash many files; <= 0 means one per core */
	/* Called with bytes hashed so far, from the calling thread only; may be NULL. */
	void (*progress)(void *ctx, uint64_t done_bytes, uint64_t done_files);
	void *progress_ctx;
	/* The cache's real path (cache.dir_real) when the cache may live
	 * outside the project: symlinks into it (symlink checkouts) are then
	 * followed as well. May be NULL. */
	const char *cache_real;
};

struct cache {
	char *dir;                 /* ".repro/cache" */
	char *tmp;                 /* ".repro/tmp", on the same filesystem */
	enum link_type links[4];   /* link types to try, in order */
	int nlinks;
	int dirfd, tmpfd;          /* open descriptors of dir and tmp */
	char *dir_real;            /* absolute real path of dir: what symlinks point to */
	int reflink;               /* FICLONE works here: 1 yes, 0 no, -1 not tried (atomic) */
	int swept;                 /* stale temporary files were removed (once per process) */
	struct cache_tmpdir *own;  /* this process's own directory in tmp, made on first use;
				    * shared by copies of this struct, freed with the original */
	struct cache_fresh *fresh; /* objects this process committed, hashed on their way in
				    * (fresh.c); shared and freed as `own` */
};

/*
 * Sets up a cache over dir and tmp (both created if missing). link_spec is
 * a comma-separated list of link type names, NULL for the default; an unknown
 * name is reported and -1 returned.
 */
int cache_init(struct cache *c, const char *dir, const char *tmp, const char *link_spec);
void cache_release(struct cache *c);
/*
 * Removes what killed processes left in tmp (see util/tmpowner.h): at once
 * when its owner is known to be gone, else after an hour; once per process
 * (cache_init does it). Never fails: what cannot be removed stays.
 */
void cache_sweep_tmp(struct cache *c);

/* Appends the object's path (".repro/cache/ab/cdef...") to out. */
void cache_object_path(const struct cache *c, const char *id, struct strbuf *out);
/* 1 when the object file exists (not verified); for a ".dir" id, also
 * every file the manifest lists. 0 when not; -1 (reported) when the
 * manifest is there but corrupt or hostile. */
int cache_contains(const struct cache *c, const char *id);

/*
 * 1 when what the workspace holds at path (hashed as cur_id) can be replaced
 * without losing anything: its content is in the cache. For a directory
 * that means every file it holds, whether or not the cache has this very
 * manifest: a checkout or pull stopped halfway (a full disk, a kill) leaves
 * a directory of cached files that no manifest lists.
 */
int cache_holds_workspace(struct cache *c, struct hasher *h, const char *path, const char *cur_id);

/*
 * Hashes a workspace file or directory (through h's state) into *out,
 * without storing anything. Returns 0, 1 when path does not exist, or -1
 * (reported) on error. With `t` non-NULL (and empty), a directory's manifest
 * is left there (sorted); t is untouched for a file. A symlink (path itself
 * or inside the directory) is followed when it leads into the project (the
 * current directory) or into h->cache_real, and is an error otherwise;
 * special files and names with control characters are errors; empty
 * directories are not recorded.
 */
int hash_path(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t);

/*
 * Hashes path and stores it in the cache: the file, or the directory's
 * manifest and each of its files, skipping objects already present. Each
 * object is hashed as it is copied, so an object's content is always what
 * its name says even if the file changes meanwhile. New objects are made
 * durable as one batch. The workspace keeps its content; when the first
 * usable link type is hardlink or symlink, its files are then replaced by
 * such links to the (read-only) objects. Returns 0, 1 when path does not
 * exist, or -1 (reported).
 */
int cache_store_path(struct cache *c, struct hasher *h, const char *path, struct hashinfo *out);
/* Stores a buffer as an object; hex receives its id. */
int cache_store_buffer(struct cache *c, const void *data, size_t len, char hex[HASH_HEX_LEN + 1]);
/*
 * Moves a file downloaded to tmp_path (which should be in the cache's tmp
 * directory) into the cache as object `id` after checking that its content
 * hashes to id; on a mismatch the file is removed and an error naming
 * `origin` is reported. Importing many files: use a batch, which syncs once.
 */
int cache_import_file(struct cache *c, const char *tmp_path, const char *id, const char *origin);
/* Reads an object into out (capped at cap bytes), verifying its hash.
 * A missing or corrupt object is reported (naming it) and out left as it
 * was. */
int cache_read_object(const struct cache *c, const char *id, struct strbuf *out, size_t cap);
/* Loads and parses a directory manifest. */
int cache_read_tree(const struct cache *c, const char *id, struct tree *t);
/* Re-hashes an object: 0 when intact, 1 when missing, -1 when corrupt (reported). */
int cache_verify_object(const struct cache *c, const char *id);

/*
 * Opens the directory holding workspace path `path` (project-relative),
 * creating what is missing, never through a symlink that leads out of the
 * project: what repro writes or removes there stays inside. *base gets the
 * last component. Returns the descriptor, or -1 (reported).
 */
int project_open_parent(const char *path, const char **base);

/*
 * Makes `path` hold object `id`: a file, or a directory whose files are
 * exactly those of the manifest (files that differ are replaced, files not
 * in the manifest are removed). Files already matching are left alone.
 * Records what it writes in h's state, so the next hash of path costs only
 * stats. *changed (may be NULL) is set to 1 when anything was written.
 * Returns 0, or -1 (reported) e.g. when an object is missing from the cache.
 */
int cache_checkout(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed);

/*
 * Makes every file of `path` (a file or a directory) that is a hard or
 * symbolic link into the cache a private copy of the same bytes, so that a
 * command writing to it in place cannot change a cache object (what
 * persist: true outs need before their stage runs). A missing path is not
 * an error. Returns 0 or -1 (reported).
 */
int cache_unprotect(const struct cache *c, const char *path);

/* Parses "reflink,hardlink,symlink,copy" style lists; -1 (reported) on an
 * unknown, repeated or missing name. */
int link_spec_parse(const char *spec, enum link_type *links, int *n);
/* "reflink", "hardlink", "symlink" or "copy". */
const char *link_type_name(enum link_type t);

/*
 * A batch of new objects made durable together (see "Storing many objects"
 * above): files are written to temporary files in tmp and queued; commit
 * syncs them all with one syncfs() (an fsync each when there are few),
 * renames them into place (directory manifests last, so a manifest is never
 * visible before its files) and syncs again so the renames are durable.
 * Thread-safe: several threads may add to one batch.
 */
struct cache_batch;
struct cache_batch *cache_batch_begin(struct cache *c);
/*
 * Creates a new temporary file in tmp for an object (mode 0444, opened for
 * writing); returns its descriptor and sets *name (allocated) to its path,
 * or -1 (reported).
 */
int cache_tmp_create(struct cache *c, char **name);
/*
 * 1 when no one has claimed object id in this batch yet (the caller is
 * then to write it and queue it), 0 when someone has: its content is on
 * its way, and writing it again would only cost (see batch.c). Manifests
 * are never claimed (1).
 */
int cache_batch_claim(struct cache_batch *b, const char *id);
/* Queues tmp_path (in tmp, already known to hash to id) to become object id.
 * Takes ownership of nothing; tmp_path is copied. */
void cache_batch_add(struct cache_batch *b, const char *tmp_path, const char *id);
/* Verifies, then queues, a downloaded file as cache_import_file does. */
int cache_batch_import(struct cache_batch *b, const char *tmp_path, const char *id, const char *origin);
/* The objects of b will not be copied out by this process (a store's: the
 * workspace already holds them), so their stat after the rename is not
 * taken for fresh_vouches: a path lookup per object saved. */
void cache_batch_unvouched(struct cache_batch *b);
/* Makes everything queued durable and visible; frees b. 0 or -1 (reported;
 * temporary files are removed). */
int cache_batch_commit(struct cache_batch *b);
/* Removes the queued temporary files; frees b. */
void cache_batch_abort(struct cache_batch *b);
/* 1 when the object file exists (never follows a symlink in the cache). */
int cache_has_object(const struct cache *c, const char *id);
/* cache_has_object for a store deciding whether to write id: 0 without a
 * stat when id's fan-out directory was missing (see fresh_fan_absent), which
 * another process may just have filled; writing it again is harmless. */
int cache_has_object_to_store(const struct cache *c, const char *id);

/*
 * Offers `path`, a file holding exactly object id's content (verified by
 * the caller) on the cache's filesystem, to the next copy checkout of id,
 * which then renames it into place instead of copying the object: a pull
 * writes such a copy from the bytes it downloads, so a large object is not
 * written a second time after it arrived. Files never taken are removed
 * at cache_release. Takes no ownership of the string.
 */
void cache_offer_copy(struct cache *c, const char *id, const char *path);
/* 1 when a checkout here copies file contents (no reflink, hardlink or
 * symlink comes first among the usable link types): copies are worth
 * offering. Probes FICLONE in tmp once. */
int cache_checkout_copies(struct cache *c);

#endif
