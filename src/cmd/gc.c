#include <stdio.h>

#include "cmd/cmd.h"
#include "core/session.h"
#include "remote/gc.h"
#include "util/error.h"
#include "util/options.h"
#include "util/progress.h"

static const char gc_description[] =
	"Removes from the cache every object that nothing kept refers to: by\n"
	"default (--workspace) what the workspace's lock records (outs and deps) and\n"
	"what its .repro files track, with every file of those directories; with\n"
	"--all-commits, the same in every commit reachable from a branch, tag or\n"
	"HEAD, read from git's history without checking anything out. Run-cache\n"
	"entries whose objects are gone are dropped too.\n"
	"\n"
	"With --cloud, the default remote (or -r NAME) is collected as well, by the\n"
	"same rule: objects other commits or teammates still need are lost unless\n"
	"they are kept, so --all-commits is the safe choice for a shared remote.\n"
	"Remote run-cache entries are left alone.\n"
	"\n"
	"Objects written since gc started are never removed, so a run or push\n"
	"going on elsewhere keeps what it just wrote; gc also takes the project lock,\n"
	"so a run started meanwhile waits for it (see 'repro --help': --no-wait).\n"
	"--dry only counts (and with -v names) what would go.\n"
	"\n"
	"Exit status: 0 on success, 1 when gc failed or could not remove all it\n"
	"should (a warning names each such file), 2 on a usage or configuration\n"
	"error.\n";

int cmd_gc(int argc, char **argv, struct project *p)
{
	struct gc_opts o = { 0 };
	int workspace = 0;
	const char *file = NULL;
	struct strlist args = { 0 };
	struct progress pg;
	const struct option opts[] = {
		OPT_BOOL('w', "workspace", &workspace, "keep what the workspace refers to (the default)"),
		OPT_BOOL('a', "all-commits", &o.all_commits, "keep what any commit refers to"),
		OPT_BOOL('c', "cloud", &o.cloud, "collect the remote too"),
		OPT_STRING('r', "remote", &o.remote, "NAME", "with --cloud: the remote (default: core.remote)"),
		OPT_INT('j', "jobs", &o.jobs, "N", "requests at once on the remote"),
		OPT_BOOL(0, "dry", &o.dry, "only say what would be removed"),
		OPT_BOOL('v', "verbose", &o.verbose, "name every object removed"),
		OPT_STRING('f', "file", &file, "FILE", "the stages file whose lock is kept (default stages.yaml)"),
		OPT_END(),
	};
	const struct command_help help = { "repro gc [--workspace | --all-commits] [--cloud] [--dry]",
					   "Remove unreferenced objects from the cache and a remote.",
					   gc_description };
	struct session ss;
	int ret;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n || (workspace && o.all_commits)) {
		error(args.n ? "'repro gc' takes no arguments" : "--workspace and --all-commits exclude each other");
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	strlist_release(&args, 0);
	if (session_open(&ss, p, file, 1) < 0)
		return EXIT_USAGE;
	progress_init(&pg);
	o.progress = &pg;
	ret = gc_run(&ss, &o) < 0 ? EXIT_STAGE_FAILED : 0;
	progress_done(&pg);
	session_close(&ss);
	return ret;
}
