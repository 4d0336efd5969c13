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
 * The cache's objects are read-only, so a hard- or symlinked workspace file
 * cannot be edited in place by accident: an editor must replace it.
 */
#ifndef REPRO_CACHE_H
#define REPRO_CACHE_H

#include <stdint.h>

#include "core/hash.h"
#include "core/tree.h"
#include "util/strbuf.h"

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
};

struct cache {
	char *dir;                 /* ".repro/cache" */
	char *tmp;                 /* ".repro/tmp", on the same filesystem */
	enum link_type links[4];   /* link types to try, in order */
	int nlinks;
};

/*
 * Sets up a cache over dir and tmp (both created if missing). link_spec is
 * a comma-separated list of link type names, NULL for the default; an unknown
 * name is reported and -1 returned.
 */
int cache_init(struct cache *c, const char *dir, const char *tmp, const char *link_spec);
void cache_release(struct cache *c);

/* Appends the object's path (".repro/cache/ab/cdef...") to out. */
void cache_object_path(const struct cache *c, const char *id, struct strbuf *out);
/* 1 when the object file exists (not verified); for a ".dir" id, also
 * every file the manifest lists. */
int cache_contains(const struct cache *c, const char *id);

/*
 * Hashes a workspace file or directory (through h's state) into *out,
 * without storing anything. Returns 0, 1 when path does not exist, or -1
 * (reported) on error. With `t` non-NULL, a directory's manifest is left
 * there (sorted); t is untouched for a file.
 */
int hash_path(struct hasher *h, const char *path, struct hashinfo *out, struct tree *t);

/*
 * Hashes path and stores it in the cache: the file, or the directory's
 * manifest and each of its files, skipping objects already present. The
 * workspace keeps its content; with a link type other than copy it may be
 * replaced by a link to the (read-only) object. Returns 0, 1 when path does
 * not exist, or -1 (reported).
 */
int cache_store_path(struct cache *c, struct hasher *h, const char *path, struct hashinfo *out);
/* Stores a buffer as an object; hex receives its id. */
int cache_store_buffer(struct cache *c, const void *data, size_t len, char hex[HASH_HEX_LEN + 1]);
/*
 * Moves a file downloaded to tmp_path into the cache as object `id` after
 * checking that its content hashes to id; on a mismatch the file is removed
 * and an error naming `origin` is reported.
 */
int cache_import_file(struct cache *c, const char *tmp_path, const char *id, const char *origin);
/* Reads an object into out (capped at cap bytes), verifying its hash. */
int cache_read_object(const struct cache *c, const char *id, struct strbuf *out, size_t cap);
/* Loads and parses a directory manifest. */
int cache_read_tree(const struct cache *c, const char *id, struct tree *t);
/* Re-hashes an object: 0 when intact, 1 when missing, -1 when corrupt (reported). */
int cache_verify_object(const struct cache *c, const char *id);

/*
 * Makes `path` hold object `id`: a file, or a directory whose files are
 * exactly those of the manifest (files that differ are replaced, files not
 * in the manifest are removed). Files already matching are left alone.
 * Records what it writes in h's state, so the next hash of path costs only
 * stats. *changed (may be NULL) is set to 1 when anything was written.
 * Returns 0, or -1 (reported) e.g. when an object is missing from the cache.
 */
int cache_checkout(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed);

/* Parses "reflink,hardlink,symlink,copy" style lists. */
int link_spec_parse(const char *spec, enum link_type *links, int *n);

#endif
