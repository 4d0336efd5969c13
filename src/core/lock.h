/*
 * stages.lock: what each stage last ran with. For every stage: its cmd and
 * wdir, the code hash of any built-in it runs, each dep's content id, each
 * declared param's value, and each out's content id. Written in a fixed key
 * order and in the stages file's order, so a git diff of the lock shows only
 * what changed. Replaced atomically, never edited in place.
 *
 *   schema: '1'
 *   stages:
 *     train:
 *       cmd: python train.py
 *       builtins:
 *         preprocess: 3f0c...
 *       deps:
 *       - path: data/features
 *         sha256: 9a1b....dir
 *         size: 12345
 *         nfiles: 10
 *       params:
 *         params.yaml:
 *           train.lr: 0.1
 *       outs:
 *       - path: model.bin
 *         sha256: 77ab...
 *         size: 4096
 */
#ifndef REPRO_LOCK_H
#define REPRO_LOCK_H

#include <stddef.h>

#include <cJSON.h>

#include "core/cache.h"
#include "core/stage.h"

struct yemit;
struct ynode;

struct lock_entry {
	char *path;         /* as declared in the stage (relative to its wdir), or a URL */
	struct hashinfo hi; /* content id, size, number of files */
	char *etag;         /* URL deps: the ETag or Last-Modified seen; NULL otherwise */
};

struct lock_stage {
	char *name;
	char **cmd;              /* the commands, as run */
	size_t ncmd;
	char *wdir;              /* relative to the stages file's directory; "." when the same */
	cJSON *builtins;         /* {name: code hash} of the built-ins the cmd runs; NULL if none */
	struct lock_entry *deps;
	size_t ndeps;
	cJSON *params;           /* {file: {key: value}}; NULL if none */
	struct lock_entry *outs;
	size_t nouts;
};

struct lock {
	struct lock_stage *stages;
	size_t n;
	size_t alloc;      /* slots allocated in stages */
	/* stage index + 1 by name (open addressing), so that lock_find costs
	 * the same in a lock of 10,000 stages as in one of 10; 0 is empty */
	size_t *byname;
	size_t nbyname;    /* slots in byname: a power of two above 2 n, or 0 */
};

/*
 * Reads a lock through src. A missing file is an empty lock. A lock that does
 * not parse, or names an invalid object id or a path leaving the project, is
 * reported (FILE:LINE:COL) and -1 returned: repro never guesses around a
 * damaged lock.
 */
int lock_read(struct lock *l, const char *path, const struct file_source *src);
/* Serialises the lock entries in the order of the pipeline's stages. */
void lock_serialize(const struct lock *l, const struct pipeline *p, struct strbuf *out);
/* Writes the lock atomically (temp file, fsync, rename). */
int lock_write(const struct lock *l, const struct pipeline *p, const char *path);
void lock_release(struct lock *l);

struct lock_stage *lock_find(const struct lock *l, const char *name);
/* Replaces (or adds) the entry for s->name, taking ownership of *s. */
void lock_put(struct lock *l, struct lock_stage *s);
/* Removes the entry of a stage, if any. */
void lock_remove(struct lock *l, const char *name);
void lock_stage_release(struct lock_stage *s);
/* Frees an array of n entries. */
void lock_entries_free(struct lock_entry *e, size_t n);
/* A deep copy. */
void lock_stage_copy(struct lock_stage *dst, const struct lock_stage *src);
struct lock_entry *lock_entry_find(struct lock_entry *e, size_t n, const char *path);

/* Emits one entry's fields (path, sha256, size, nfiles) into an open map. */
void lock_emit_entry(struct yemit *y, const struct lock_entry *e);
/* Parses one entry map; used by lock and .repro files. */
int lock_parse_entry(struct lock_entry *e, const struct ynode *n, const char *file);

#endif
