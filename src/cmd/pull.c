#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/syncopts.h"
#include "core/addfile.h"
#include "core/project.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char pull_description[] =
	"'repro fetch' followed by 'repro checkout': downloads what the cache lacks\n"
	"for the outs recorded in the lock (all stages, or the ones named) and for\n"
	"the data tracked by .repro files, verifying every object, then makes the\n"
	"workspace hold it. A modified out whose content is not in the cache is\n"
	"left alone unless --force says to discard it.\n"
	"\n"
	"Exit status: 0 when everything was pulled and checked out, 1 when\n"
	"anything could not be, 2 on a usage or configuration error.\n";

/* 1 when name is a stage (or a foreach/matrix parent) of the pipeline. */
static int is_stage(struct session *ss, const char *name)
{
	size_t len = strlen(name);

	for (size_t k = 0; k < ss->pipeline.n; k++) {
		const char *nm = ss->pipeline.stages[k].name;
		if (!strcmp(nm, name) || (!strncmp(nm, name, len) && nm[len] == '@'))
			return 1;
	}
	return 0;
}

/* Checks out tracked files named on the command line (checkout takes stages). */
static int restore_tracked(struct project *p, char **files, int n, int force)
{
	struct session ss;
	int ret = 0;

	if (session_open(&ss, p, NULL, 1) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char *rel = project_user_path(p, files[i]);
		size_t len = rel ? strlen(rel) : 0;
		char *file = !rel ? NULL : len > 6 && !strcmp(rel + len - 6, ".repro") ? xstrdup(rel) : addfile_name(rel);
		struct addfile a;
		struct hashinfo hi = { 0 };
		free(rel);
		if (!file || addfile_read(&a, file) < 0) {
			free(file);
			ret = -1;
			continue;
		}
		free(file);
		if (hash_path(&ss.hasher, a.path, &hi, NULL) < 0) {
			ret = -1;
		} else if (strcmp(hi.id, a.entry.hi.id)) {
			if (hi.id[0] && !force && !cache_contains(&ss.cache, hi.id))
				ret = error("'%s' has changes that are not in the cache; 'repro add' them, or use "
					    "--force to discard them", a.path);
			else if (cache_checkout(&ss.cache, &ss.hasher, a.entry.hi.id, a.path, NULL) < 0)
				ret = -1;
			else
				printf("restored '%s'\n", a.path);
		}
		addfile_release(&a);
	}
	session_close(&ss);
	return ret;
}

int cmd_pull(int argc, char **argv, struct project *p)
{
	struct sync_cmd c = { 0 };
	int force = 0;
	const struct option opts[] = {
		SYNC_OPTIONS(&c),
		OPT_BOOL(0, "force", &force, "overwrite modified outs even if their content is not cached"),
		OPT_END(),
	};
	const struct command_help help = { "repro pull [options] [STAGE|FILE...]",
					   "Download outs and tracked data from a remote and check them out.",
					   pull_description };
	struct strlist co = { 0 }, tracked = { 0 };
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &c.args);
	if (sync_cmd_open(&c, p) < 0) {
		strlist_release(&c.args, 0);
		return EXIT_USAGE;
	}
	if (sync_fetch(&c.ss, c.r, &c.so) < 0)
		ret = EXIT_STAGE_FAILED;
	strlist_push(&co, xstrdup("checkout"));
	if (force)
		strlist_push(&co, xstrdup("--force"));
	if (c.file) {
		strlist_push(&co, xstrdup("-f"));
		strlist_push(&co, xstrdup(c.file));
	}
	int nstages = 0;
	for (int i = 0; i < c.args.n; i++) {
		if (is_stage(&c.ss, c.args.items[i])) {
			strlist_push(&co, xstrdup(c.args.items[i]));
			nstages++;
		} else {
			strlist_push(&tracked, xstrdup(c.args.items[i]));
		}
	}
	/* checkout opens its own session: ours (and its state) is saved first */
	sync_cmd_close(&c);
	strlist_push(&co, NULL);
	co.n--;
	if ((nstages || !tracked.n) && cmd_checkout(co.n, co.items, p) != 0)
		ret = EXIT_STAGE_FAILED;
	if (tracked.n && restore_tracked(p, tracked.items, tracked.n, force) < 0)
		ret = EXIT_STAGE_FAILED;
	strlist_release(&co, 1);
	strlist_release(&tracked, 1);
	return ret;
}
