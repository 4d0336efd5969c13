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
};

/*
 * Opens the session for stages_file, a path as the user typed it (relative
 * to where they were, or absolute inside the project); NULL means
 * stages.yaml at the project root. With missing_ok,
 * a missing stages file is an empty pipeline. Returns 0 or -1 (reported).
 */
int session_open(struct session *s, struct project *p, const char *stages_file, int missing_ok);
/* Saves the state file and frees everything. */
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
