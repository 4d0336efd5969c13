/*
 * The scheduler behind `repro run`: walks the graph, evaluates each stage
 * once everything upstream is done, and then skips it, restores its outs
 * from the cache (lock or run cache), or runs it through an executor, up to
 * `jobs` at a time. A failing stage stops its dependents (others go on with
 * keep_going) and its lock entry is left untouched. SIGINT/SIGTERM cancel
 * the running stages; the lock then holds exactly the stages that finished.
 */
#ifndef REPRO_SCHEDULER_H
#define REPRO_SCHEDULER_H

#include "core/session.h"

struct run_options {
	int force;            /* run the selected stages even when up to date */
	int dry;              /* say what would happen; change nothing */
	int jobs;             /* stages running at once (>= 1) */
	int keep_going;       /* after a failure, go on with stages that do not depend on it */
	const char *executor; /* "local" (default) or "slurm" */
	int pull;             /* ask the remote's run cache before running (issue 5) */
};

/*
 * Runs the stages marked in selected (one byte per stage). Returns the exit
 * status: 0, 1 (a stage failed), 2 (setup error), 130 (interrupted).
 */
int run_stages(struct session *ss, const struct run_options *opts, const unsigned char *selected);

#endif
