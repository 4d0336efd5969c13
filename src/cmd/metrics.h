/*
 * Shared by the metrics and params commands.
 */
#ifndef REPRO_CMD_METRICS_H
#define REPRO_CMD_METRICS_H

#include "core/project.h"
#include "util/options.h"

enum out_format { FMT_TABLE, FMT_JSON, FMT_MD, FMT_CSV };

/*
 * The work of 'metrics diff' and 'params diff' (params != 0): resolves A
 * (args[0], default HEAD) and B (args[1], default the workspace), reads
 * both sides, prints the changed rows (all of them with `all`) in format
 * fmt. `command` names the command in messages. Returns the exit status.
 */
int diff_revisions(struct project *p, const struct strlist *args, const char *command, int all, int fmt,
		   int precision, int params);

#endif
