#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/evaluate.h"
#include "core/project.h"
#include "core/session.h"
#include "core/stageops.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char commit_description[] =
	"For each stage (all, or the ones named), stores its current outs in the\n"
	"cache and records them, with the current deps and params, as the stage's\n"
	"lock entry, without running anything. Use it after producing outs by hand\n"
	"or after a change you know does not affect them.\n";

int cmd_commit(int argc, char **argv, struct project *p)
{
	const char *file = NULL;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_STRING('f', "file", &file, "FILE", "the stages file (default stages.yaml)"),
		OPT_END(),
	};
	const struct command_help help = { "repro commit [options] [STAGE...]",
					   "Record the current outs of stages in the lock without running them.",
					   commit_description };
	struct session ss;
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (session_open(&ss, p, file, 0) < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	size_t n = ss.pipeline.n;
	unsigned char *sel = session_select(&ss, args.items, args.n);
	if (!sel) {
		ret = EXIT_USAGE;
		goto done;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = ss.graph.order[k];
		struct stage *s = &ss.pipeline.stages[i];
		struct stage_eval ev;
		struct lock_entry *outs;
		size_t nouts;
		if (!sel[i])
			continue;
		if (stage_evaluate(&ev, s, lock_find(&ss.lock, s->name), ss.eval) < 0 ||
		    stage_store_outs(&ss, s, &outs, &nouts) < 0) {
			stage_eval_release(&ev);
			ret = EXIT_STAGE_FAILED;
			continue;
		}
		if (!ev.nchanges) {
			lock_entries_free(outs, nouts);
			printf("'%s' is unchanged\n", s->name);
		} else if (stage_record(&ss, &ev, outs, nouts) < 0) {
			ret = EXIT_STAGE_FAILED;
		} else {
			printf("committed '%s'\n", s->name);
		}
		stage_eval_release(&ev);
	}
	if (session_save_lock(&ss, 1) < 0)
		ret = EXIT_STAGE_FAILED;
done:
	free(sel);
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
