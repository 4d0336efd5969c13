#include "cmd/cmd.h"
#include "cmd/syncopts.h"
#include "util/error.h"

static const char push_description[] =
	"Uploads to the remote the objects of the outs recorded in the lock (all\n"
	"stages, or the ones named) and of the data tracked by .repro files,\n"
	"with every file of a tracked directory; outs marked 'push: false' and\n"
	"'cache: false' outs stay here. With --run-cache, the run cache's entries\n"
	"and the objects they name go too, so that 'repro run --pull' elsewhere\n"
	"can reuse these runs.\n"
	"\n"
	"What the remote already has is found first, in one batch, and never sent\n"
	"again: an interrupted push simply resumes. A directory's manifest is sent\n"
	"after its files, a run-cache entry after its objects. An object whose\n"
	"content does not match its name is never uploaded.\n"
	"\n"
	"Exit status: 0 when everything is on the remote, 1 when anything could\n"
	"not be pushed, 2 on a usage or configuration error.\n";

int cmd_push(int argc, char **argv, struct project *p)
{
	struct sync_cmd c = { 0 };
	const struct option opts[] = { SYNC_OPTIONS(&c), OPT_END() };
	const struct command_help help = { "repro push [options] [STAGE|FILE...]",
					   "Upload outs and tracked data to a remote.", push_description };
	int ret;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &c.args);
	if (sync_cmd_open(&c, p) < 0) {
		strlist_release(&c.args, 0);
		return EXIT_USAGE;
	}
	ret = sync_push(&c.ss, c.r, &c.so) < 0 ? EXIT_STAGE_FAILED : 0;
	sync_cmd_close(&c);
	return ret;
}
