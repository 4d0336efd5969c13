/*
 * Shared by the metrics*.c files only: the memo of parsed pipelines, locks
 * and files, and the small hash map it is built on.
 */
#ifndef REPRO_METRICS_INTERNAL_H
#define REPRO_METRICS_INTERNAL_H

#include "core/lock.h"
#include "core/metrics.h"
#include "git/repo.h"

/* A string-keyed hash map (open addressing), values owned by the caller. */
struct mmap {
	struct mmap_slot {
		char *key;  /* NULL for an empty slot */
		void *val;
	} *slots;
	size_t n, cap; /* used slots; capacity, a power of two (0 before the first put) */
};
void *mmap_get(const struct mmap *m, const char *key);
/* Adds key (copied) -> val; the key must not be present. */
void mmap_put(struct mmap *m, const char *key, void *val);
/* Frees the keys and the table; calls free_val on every value when non-NULL. */
void mmap_release(struct mmap *m, void (*free_val)(void *));

/* A pipeline parsed at some revisions: valid wherever the files its loading
 * read have the same blob ids. */
struct memo_pipeline {
	struct grev_readlog log;   /* files read by pipeline_load, the stages file first */
	struct pipeline p;         /* the result, when !failed */
	int failed;                /* it did not load (reported once) */
};

/* A parsed file: a metrics/params list, or why there is none. */
struct memo_file {
	enum mfile_status status;
	struct metric_list list;
};

/* A lock read at some revisions, by the lock's blob id. */
struct memo_lock {
	struct lock lock;
	int failed; /* damaged (reported once) */
};

struct metrics_memo {
	struct memo_pipeline **pipes; /* pipelines of git revisions, oldest parse first */
	size_t npipes, apipes;
	struct memo_pipeline ws;      /* the workspace's pipeline */
	int ws_loaded;                /* ws holds a load attempt */
	struct mmap files;            /* "g<kind>:<blob id>" or "c<kind>:<object id>" -> memo_file */
	struct mmap locks;            /* lock blob id (hex) -> memo_lock */
	struct memo_file **own;       /* files read from the workspace, not shared by key */
	size_t nown, aown;
	int cache_failed;             /* the local cache could not be opened (reported) */
};

/* One file to read at a revision, from the pipeline there. */
struct metrics_spec {
	char *path;        /* project-relative */
	char *stage;       /* the stage whose metrics out it is; NULL for other files */
	char *decl;        /* the out's path as the lock records it; NULL for other files */
	int cached;        /* a cached out: at a commit, read through the lock and the cache */
};
/* The metrics files of p, restricted to c's targets. */
void metrics_specs(const struct metrics_ctx *c, const struct pipeline *p, struct metrics_spec **out, size_t *n);
void metrics_specs_free(struct metrics_spec *v, size_t n);

/* The memo_file for content read from somewhere (parsed once per key);
 * key NULL: not shared (the workspace). */
struct memo_file *memo_parse(struct metrics_ctx *c, const char *key, const char *path,
			     const struct strbuf *content, int keep_all);
/*
 * A file of rev (NULL: the workspace), parsed (once per blob at a commit).
 * Returns NULL with *st MFILE_MISSING or MFILE_BROKEN when there is no
 * content to parse; otherwise the parsed entry (whose status may be
 * MFILE_BROKEN when it does not parse).
 */
const struct memo_file *metrics_read_file(struct metrics_ctx *c, struct grev *rev, const char *path,
					  int keep_all, enum mfile_status *st);
/* The lock of the pipeline at rev; NULL when it is damaged (reported once). */
const struct lock *memo_lock_at(struct metrics_ctx *c, struct grev *rev, const struct pipeline *p);

#endif
