/*
 * Opening the repository for the metrics, params and plots commands, with
 * the one message every revision option gives outside git.
 */
#include "core/metrics.h"
#include "git/repo.h"
#include "util/error.h"

int metrics_repo_open(struct grepo *g, const char *root, const char *need)
{
	int r = grepo_open(g, root);

	if (r == 1 && need)
		return error("%s needs a git repository, and '%s' is not inside one", need, root);
	return r;
}
