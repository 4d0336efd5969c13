/*
 * The run cache (.repro/runs/): run signature -> the outs that run produced.
 * When a stage meets a signature it has seen before (a reverted param, a
 * switched branch), its outs are checked out from the cache instead of
 * running the command. Entries are JSON, one file per signature, laid out
 * like the object cache: .repro/runs/<2 hex>/<62 hex>.
 *
 *   {"stage":"train","outs":[{"path":"model.bin","sha256":"...","size":4096}]}
 */
#ifndef REPRO_RUNCACHE_H
#define REPRO_RUNCACHE_H

#include "core/lock.h"

/* Records the outs (as in a lock entry) under signature. 0, or -1 with
 * errno set and nothing reported: the caller says what was not recorded. */
int runcache_save(const char *dir, const char *signature, const char *stage, const struct lock_entry *outs,
		  size_t nouts);
/*
 * Loads the outs recorded under signature into *outs (freed with
 * lock_entries_free in lock.h). Returns 1 when found and valid, 0 when absent, -1 when
 * the entry is damaged (reported as a warning and ignored by callers).
 */
int runcache_load(const char *dir, const char *signature, struct lock_entry **outs, size_t *nouts);
/* The entry's path: DIR/ab/cdef... */
char *runcache_path(const char *dir, const char *signature);

#endif
