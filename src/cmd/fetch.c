#include "cmd/cmd.h"
#include "cmd/syncopts.h"
#include "util/error.h"

static const char fetch_description[] =
	"Downloads into the cache the objects of the outs recorded in the lock (all\n"
	"stages, or the ones named) and of the data tracked by .repro files, that\n"
	"the cache lacks; the workspace is left alone ('repro pull' also checks the\n"
	"files out). With --run-cache, the remote's run-cache entries and their\n"
	"objects come too.\n"
	"\n"
	"Every object is verified against its SHA-256 before it enters the cache; a\n"
	"mismatch is retried, then reported naming the object and the remote, and\n"
	"nothing corrupt is kept. An interrupted fetch resumes where it stopped,\n"
	"partial downloads included.\n"
	"\n"
	"Exit status: 0 when everything is in the cache, 1 when anything could not\n"
	"be fetched, 2 on a usage or configuration error.\n";

int cmd_fetch(int argc, char **argv, struct project *p)
{
	struct sync_cmd c = { 0 };
	const struct option opts[] = { SYNC_OPTIONS(&c), OPT_END() };
	const struct command_help help = { "repro fetch [options] [STAGE|FILE...]",
					   "Download outs and tracked data from a remote into the cache.",
					   fetch_description };
	int ret;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &c.args);
	if (sync_cmd_open(&c, p) < 0) {
		strlist_release(&c.args, 0);
		return EXIT_USAGE;
	}
	ret = sync_fetch(&c.ss, c.r, &c.so) < 0 ? EXIT_STAGE_FAILED : 0;
	sync_cmd_close(&c);
	return ret;
}
