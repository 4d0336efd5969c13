/*
 * What push, fetch and pull share: their options and their setup.
 */
#ifndef REPRO_SYNCOPTS_H
#define REPRO_SYNCOPTS_H

#include "core/session.h"
#include "remote/remote.h"
#include "remote/sync.h"
#include "util/options.h"
#include "util/progress.h"

struct sync_cmd {
	const char *remote;    /* -r NAME, or NULL for the default */
	const char *file;      /* -f: the stages file, or NULL */
	int jobs;              /* -j N, or 0 for the remote's setting */
	int run_cache;         /* --run-cache */
	int verbose;           /* -v */
	struct strlist args;   /* targets */
	struct session ss;     /* opened by sync_cmd_open */
	struct remote *r;      /* opened by sync_cmd_open */
	struct progress pg;    /* the status line */
	struct sync_opts so;   /* what the library gets */
};

#define SYNC_OPTIONS(c)                                                                              \
	OPT_STRING('r', "remote", &(c)->remote, "NAME", "the remote (default: core.remote)"),        \
	OPT_INT('j', "jobs", &(c)->jobs, "N",                                                         \
		"transfers at once (default, or 0: remote.NAME.jobs, else 32; cores for a directory)"),   \
	OPT_BOOL(0, "run-cache", &(c)->run_cache, "also the run cache's entries and their objects"), \
	OPT_BOOL('v', "verbose", &(c)->verbose, "print every object transferred"),                    \
	OPT_STRING('f', "file", &(c)->file, "FILE", "the stages file (default stages.yaml)")

/* Opens the session and the remote; 0, or -1 after reporting. */
int sync_cmd_open(struct sync_cmd *c, struct project *p);
/* Releases everything sync_cmd_open and the option parser made. */
void sync_cmd_close(struct sync_cmd *c);

#endif
