/*
 * What happens to a stage's outs around a run: prepared before, stored and
 * recorded after, or restored from the cache instead of running.
 */
#ifndef REPRO_STAGEOPS_H
#define REPRO_STAGEOPS_H

#include "core/evaluate.h"
#include "core/session.h"

#define RUNS_DIR ".repro/runs"

/* Removes the outs that are not persist: true and creates their parent
 * directories, so a command starts from a clean slate as in DVC; persist
 * outs are kept but unprotected (see cache_unprotect), so the command
 * cannot write through a link into a cache object. */
int stage_prepare_outs(struct session *ss, const struct stage *s);
/*
 * Stores every out in the cache (cache: false ones too, for the run cache;
 * those are copied, never replaced by links, because git tracks them) and
 * fills entries. An out the command did not produce is an error naming it.
 */
int stage_store_outs(struct session *ss, const struct stage *s, struct lock_entry **outs, size_t *n);
/* Adds each cached out (not "cache: false") to the .gitignore beside it. */
int stage_ignore_outs(const struct stage *s);
/* Makes every out hold the object its entry names (matched by declared path),
 * and keeps the cached ones out of git. */
int stage_restore_outs(struct session *ss, const struct stage *s, const struct lock_entry *outs, size_t n);
/*
 * Makes ev->cur (with outs) the stage's lock entry, writes the lock, and
 * records the run in the run cache. Takes ownership of outs.
 */
int stage_record(struct session *ss, struct stage_eval *ev, struct lock_entry *outs, size_t n);
/* Looks up the run cache for ev's signature; 1 with *outs when every out's
 * object is in the cache, 0 otherwise. */
int stage_runcache_lookup(struct session *ss, const struct stage_eval *ev, struct lock_entry **outs, size_t *n);

#endif
