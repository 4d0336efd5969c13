#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/project.h"
#include "core/session.h"
#include "exec/scheduler.h"
#include "remote/remote.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char run_description[] =
	"Without STAGE, runs every stage of the pipeline whose inputs changed; with\n"
	"STAGE names (a foreach/matrix name selects all its expansions), those stages\n"
	"and everything upstream of them (only them with --single-item).\n"
	"\n"
	"A stage runs when its cmd, a dep, a param or the code of a built-in it runs\n"
	"differs from stages.lock, when it never ran, or when it is always_changed;\n"
	"a stage with no deps, params or outs runs every time (as in DVC).\n"
	"If only its outs are missing or modified, they are restored from the cache.\n"
	"If it ran before with exactly these inputs (a reverted param, another\n"
	"branch), its outs are restored from the run cache instead of running. A\n"
	"frozen stage never runs (its missing outs are still restored). A dep, a\n"
	"param or a params file that does not exist fails its stage, as in DVC.\n"
	"\n"
	"-f FILE is relative to the current directory; the paths in FILE are\n"
	"relative to FILE's directory, and its lock is FILE with the extension\n"
	".lock beside it (dvc.repro.lock for a dvc.yaml: dvc.lock is DVC's).\n"
	"\n"
	"Each stage's output is shown prefixed with its name and saved to\n"
	".repro/logs/STAGE.log. Ctrl-C stops the running stages; the lock keeps\n"
	"exactly the stages that finished.\n"
	"\n"
	"Exit status: 0 when no selected stage failed (a frozen stage counts as\n"
	"done even when its inputs changed: 'repro status' lists it), 1 when a stage\n"
	"failed, 2 on a usage or configuration error, 130 when interrupted.\n";

/* -j N: a whole number, 0 or more (0 meaning one job per core). */
static int parse_jobs(const char *arg, int *jobs)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v > INT_MAX)
		return error("'%s' is not a number (-j N runs up to N stages at once; 0: one per core)", arg);
	if (v < 0)
		return error("-j needs 0 or more stages at once (0: one per core), not '%s'", arg);
	*jobs = (int)v;
	return 0;
}

int cmd_run(int argc, char **argv, struct project *p)
{
	struct run_options ro = { 0 };
	const char *file = NULL, *executor = NULL, *jobs_arg = NULL;
	int single = 0, jobs = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "force", &ro.force, "run the stages even if they are up to date"),
		OPT_BOOL(0, "dry", &ro.dry, "only say what would run; change nothing"),
		OPT_STRING('j', "jobs", &jobs_arg, "N", "run up to N stages at once (default: exec.jobs, else cores; 0: cores)"),
		OPT_BOOL('k', "keep-going", &ro.keep_going, "after a failure, run what does not depend on it"),
		OPT_BOOL('s', "single-item", &single, "run only the named stages, not their upstream"),
		OPT_STRING('f', "file", &file, "FILE", "the stages file (default stages.yaml; e.g. dvc.yaml)"),
		OPT_STRING(0, "executor", &executor, "NAME", "local or slurm (default: exec.executor, else local)"),
		OPT_BOOL(0, "pull", &ro.pull, "before running a stage, look for its outputs on the default remote"),
		OPT_END(),
	};
	const struct command_help help = { "repro run [options] [STAGE...]",
					   "Run the stages whose inputs changed.", run_description };
	struct session ss;
	int ret;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (jobs_arg && parse_jobs(jobs_arg, &jobs) < 0) {
		fprintf(stderr, "usage: %s\n", help.usage);
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	if (single && !args.n) {
		strlist_release(&args, 0);
		error("--single-item needs the names of the stages to run");
		return EXIT_USAGE;
	}
	if (session_open(&ss, p, file, 0) < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	unsigned char *sel = session_select(&ss, args.items, args.n);
	if (!sel) {
		ret = EXIT_USAGE;
		goto done;
	}
	if (args.n && !single) {
		unsigned char *up = xcalloc(ss.pipeline.n + 1, 1);
		for (size_t i = 0; i < ss.pipeline.n; i++)
			if (sel[i])
				graph_mark_up(&ss.graph, i, up);
		memcpy(sel, up, ss.pipeline.n);
		free(up);
	}
	if (config_get_int(&p->config, "exec.jobs", 0, &ro.jobs) < 0) {
		ret = EXIT_USAGE;
		goto done;
	}
	if (jobs_arg)
		ro.jobs = jobs; /* 0: one per core, below */
	if (ro.pull) {
		struct remote *r = remote_open(&p->config, NULL, REPRO_DIR "/tmp");
		if (!r) {
			ret = EXIT_USAGE;
			goto done;
		}
		remote_close(r);
		sync_pull_missing_tracked(&ss); /* tracked data the stages may read */
	}
	if (ro.jobs <= 0)
		ro.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ro.jobs <= 0)
		ro.jobs = 1;
	char *cfg_exec = config_get(&p->config, "exec.executor");
	ro.executor = executor ? executor : cfg_exec ? cfg_exec : "local";
	if (!ss.pipeline.n)
		printf("nothing to do: no stages in '%s'\n", ss.pipeline.file);
	ret = ss.pipeline.n ? run_stages(&ss, &ro, sel) : 0;
	free(cfg_exec);
done:
	free(sel);
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
