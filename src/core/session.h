/*
 * Everything a command working on a pipeline needs, opened together: the
 * pipeline and its graph, the lock, the cache, the state file, the hasher
 * and the params files. One struct so that each command's setup and
 * teardown is two calls.
 */
#ifndef REPRO_SESSION_H
#define REPRO_SESSION_H

#include "core/cache.h"
#include "core/graph.h"
#include "core/lock.h"
#include "core/params.h"
#include "core/project.h"
#include "core/stage.h"

#define STAGES_FILE "stages.yaml"

struct session {
	struct project *project;   /* the open project (cwd = its root) */
	struct pipeline pipeline;  /* the stages file, templated and validated */
	struct graph graph;        /* its stages' dependencies */
	struct lock lock;          /* the lock beside the stages file */
	struct cache cache;        /* .repro/cache */
	struct state *state;       /* .repro/state */
	struct hasher hasher;      /* hashing through state, over all cores */
	struct params_cache params;/* params files read so far */
	struct eval_ctx *eval;     /* for stage_evaluate (points into this session) */
	int lock_dirty;            /* lock holds entries not yet written to its file */
	long long lock_written_ns; /* CLOCK_MONOTONIC of the last write, 0 before */
};

/*
 * Opens the session for stages_file, a path as the user typed it (relative
 * to where they were, or absolute inside the project); NULL means
 * stages.yaml at the project root. With missing_ok,
 * a missing stages file is an empty pipeline. Returns 0 or -1 (reported).
 */
int session_open(struct session *s, struct project *p, const char *stages_file, int missing_ok);
/*
 * Writes the lock when it holds unwritten entries and `force` is set or
 * LOCK_SAVE_INTERVAL_MS have passed since the last write. Recording a stage
 * writes through here, so a pipeline of thousands of short stages rewrites
 * its lock a few times a second rather than once per stage (each write is
 * the whole file, fsynced). A stage recorded but not yet written when repro
 * is killed is safe: its outs are in the cache and its run-cache entry is
 * written first, so the next run restores it without running it. Returns
 * 0 or -1 (reported).
 */
#define LOCK_SAVE_INTERVAL_MS 250
int session_save_lock(struct session *s, int force);
/* Writes a lock left unwritten (reporting a failure), saves the state
 * file and frees everything. Commands that can still fail call
 * session_save_lock(s, 1) first, to choose their exit status. */
void session_close(struct session *s);
/*
 * Resolves stage names given on the command line into a newly allocated
 * array of marks, one byte per stage; with no names, every stage is marked.
 * A name of a foreach/matrix parent ("build") selects all its expansions.
 * Unknown names are reported with the nearest existing one, and NULL is
 * returned.
 */
unsigned char *session_select(struct session *s, char **names, int n);

#endif
