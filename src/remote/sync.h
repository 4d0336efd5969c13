/*
 * Moving a workspace's objects between the cache and a remote: what
 * `repro push`, `fetch`, `pull`, `status --cloud`, `gc --cloud` and
 * `run --pull` do, as library calls that report and return -1 rather
 * than exit.
 *
 * Order keeps a remote consistent for its readers: a directory's files are
 * uploaded before its manifest, and a run-cache entry only after every
 * object it names, so whoever finds a manifest or an entry finds what it
 * refers to. Existence is checked in one batch before anything is sent,
 * which is also what lets an interrupted push resume without sending
 * finished objects again.
 */
#ifndef REPRO_SYNC_H
#define REPRO_SYNC_H

#include "core/session.h"
#include "remote/remote.h"

struct progress;
struct stage_eval;

struct sync_opts {
	char **targets;            /* stage names or tracked files; none: everything */
	int ntargets;
	int run_cache;             /* also the run-cache entries and their objects */
	int verbose;               /* one line per object transferred */
	int copies;                /* fetch: also write a workspace copy of each large object
				    * as it arrives, for the checkout that follows (pull) */
	struct progress *progress; /* status line, or NULL */
};

/* Uploads what the remote lacks. Returns 0, or -1 when anything could not
 * be pushed (each reported). */
int sync_push(struct session *ss, struct remote *r, const struct sync_opts *o);
/* Downloads into the cache what it lacks, verifying every object. */
int sync_fetch(struct session *ss, struct remote *r, const struct sync_opts *o);

/*
 * Prints which selected outs and tracked files are only in the cache, only
 * on the remote, or in neither (with json, as a JSON object). Sets
 * *out_of_sync when any is. Returns 0 or -1 (reported).
 */
int sync_status(struct session *ss, struct remote *r, const struct sync_opts *o, int json, int quiet,
		int *out_of_sync);

/* `repro status --cloud`: opens what it needs, returns the exit status. */
int sync_status_cmd(struct project *p, const char *file, const char *remote, char **targets, int n, int json,
		    int quiet);

/*
 * `run --pull` for one stage about to run (or to be restored): asks the
 * default remote's run cache for ev's signature and, when the stage's lock
 * entry matches its inputs, for the locked outs; downloads what is found
 * and records it in the local run cache, where the scheduler's run-cache
 * lookup then finds it. Returns 1 when something usable was found, 0 when
 * not, -1 on error (reported; the stage then simply runs).
 */
int sync_pull_stage(struct session *ss, const struct stage_eval *ev);
/* `run --pull` before anything runs: fetches and checks out the tracked
 * files (.repro) missing from the workspace, which stages may read.
 * Returns 0 or -1 (reported). */
int sync_pull_missing_tracked(struct session *ss);

/*
 * Fetches one object missing from cache c from the default remote (core.remote,
 * else the only remote). Returns 0 when it is now in the cache, 1 when the
 * remote lacks it, 2 when there is no remote to ask (neither reported), -1
 * on an error (reported).
 */
int remote_fetch_object(const struct config *cfg, struct cache *c, const char *id);

#endif
