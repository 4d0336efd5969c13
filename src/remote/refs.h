/*
 * Which objects a workspace refers to: what push, fetch, pull, status
 * --cloud and gc work on.
 *
 * The roots are the outs recorded in the lock (those with cache: true;
 * push: false ones are left out of transfers), the data tracked by .repro
 * files, and with --run-cache the run-cache entries and every out they
 * record. A root that is a directory manifest ("….dir") brings in every
 * file it lists.
 */
#ifndef REPRO_REFS_H
#define REPRO_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "core/strpool.h"

struct cache;
struct session;
struct strlist;

struct objref {
	char id[HASH_ID_MAX]; /* the object id */
	uint64_t size;        /* its size when known (a file's), else 0 */
	const char *what;     /* the workspace path it belongs to, for messages */
};

/* A set of object ids; a zeroed struct is empty. */
struct objset {
	struct objref *v;     /* sorted by id, without duplicates, after objset_sort() */
	size_t n, alloc;
	struct strpool pool;  /* storage of the `what` strings */
};

void objset_add(struct objset *s, const char *id, uint64_t size, const char *what);
/* Sorts by id and merges duplicates (keeping a known size). */
void objset_sort(struct objset *s);
/* The entry for id in a sorted set, or NULL. */
const struct objref *objset_find(const struct objset *s, const char *id);
void objset_release(struct objset *s);
/*
 * Adds (and sorts in) the files of every directory manifest in s that the
 * cache holds. The ids of manifests the cache lacks go to missing (when
 * not NULL). Returns 0, or -1 when a manifest is corrupt (reported).
 */
int objset_expand(struct objset *s, const struct cache *c, struct objset *missing);

/* What the user asked to sync: STAGE names and tracked files. */
struct selection {
	unsigned char *stages;  /* one byte per pipeline stage: selected */
	int all_tracked;        /* every .repro file (no targets given) */
	char **tracked;         /* else these .repro files (project-relative) */
	size_t ntracked;
};

/*
 * Resolves targets: stage names (a foreach/matrix name selects its
 * expansions) or tracked data ("data.csv" or "data.csv.repro", as the user
 * typed it). No targets selects everything. Unknown names are reported.
 */
int selection_init(struct selection *sel, struct session *ss, char **targets, int n);
void selection_release(struct selection *sel);

/* The lock's and the tracked files' objects for sel (roots, unexpanded). */
int collect_roots(struct session *ss, const struct selection *sel, struct objset *out);

/*
 * The local run-cache entries (.repro/runs) of the selected stages: their
 * signatures go to sigs (allocated strings) and their outs' objects to
 * objs. Damaged entries are skipped with a warning. for_push leaves out
 * the entries of stages with a push: false out.
 */
int collect_local_runs(struct session *ss, const struct selection *sel, int for_push, struct strlist *sigs,
		       struct objset *objs);
/* Reads a run-cache entry's stage name and outs into objs; -1 if damaged. */
int run_entry_objects(const char *dir, const char *sig, char **stage, struct objset *objs);

#endif
