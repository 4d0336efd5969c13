#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/addfile.h"
#include "core/evaluate.h"
#include "core/project.h"
#include "core/session.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/json.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char status_description[] =
	"For every stage that would not be skipped by 'repro run', prints why: which\n"
	"dep, which param (old -> new), which out, or that the cmd or a built-in's\n"
	"code changed. A stage whose own inputs are unchanged but whose upstream is\n"
	"out of date is listed with that upstream. Without STAGE, data tracked with\n"
	"'repro add' that differs from its .repro file is listed under that file.\n"
	"\n"
	"Exit status: 0, or with --quiet 1 when anything is out of date.\n";

static const char *const kind_names[] = {
	[CHANGE_NEW] = "new",
	[CHANGE_CMD] = "cmd",
	[CHANGE_WDIR] = "wdir",
	[CHANGE_BUILTIN] = "builtin",
	[CHANGE_DEP_MODIFIED] = "dep_modified",
	[CHANGE_DEP_ADDED] = "dep_added",
	[CHANGE_DEP_REMOVED] = "dep_removed",
	[CHANGE_DEP_MISSING] = "dep_missing",
	[CHANGE_PARAM_MODIFIED] = "param_modified",
	[CHANGE_PARAM_ADDED] = "param_added",
	[CHANGE_PARAM_REMOVED] = "param_removed",
	[CHANGE_PARAM_MISSING] = "param_missing",
	[CHANGE_OUTS_DECLARED] = "outs_declared",
	[CHANGE_ALWAYS] = "always_changed",
	[CHANGE_CALLBACK] = "callback",
	[CHANGE_OUT_DELETED] = "out_deleted",
	[CHANGE_OUT_MODIFIED] = "out_modified",
};

/*
 * Data tracked with 'repro add' whose workspace copy differs from its .repro
 * file, reported under the .repro file's name as DVC reports .dvc files.
 * Returns how many differ; *failed is set when one could not be hashed.
 */
static size_t tracked_status(struct session *ss, cJSON *out, int print, size_t *ntracked, int *failed)
{
	struct addfile *af;
	size_t naf, nchanged = 0;

	if (addfile_find_all(&af, &naf) < 0)
		*failed = 1;
	*ntracked = naf;
	for (size_t i = 0; i < naf; i++) {
		struct hashinfo hi = { 0 };
		int r = hash_path(&ss->hasher, af[i].path, &hi, NULL);
		if (r < 0) {
			*failed = 1;
			continue;
		}
		if (!strcmp(hi.id, af[i].entry.hi.id))
			continue;
		enum change_kind kind = r == 1 ? CHANGE_OUT_DELETED : CHANGE_OUT_MODIFIED;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "change", kind_names[kind]);
		cJSON_AddStringToObject(o, "subject", af[i].path);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(out, af[i].file), o);
		if (print)
			printf("%s:\n    %s '%s'\n", af[i].file, r == 1 ? "deleted" : "modified", af[i].path);
		nchanged++;
	}
	addfile_free_all(af, naf);
	return nchanged;
}

int cmd_status(int argc, char **argv, struct project *p)
{
	int json = 0, quiet = 0, cloud = 0;
	const char *file = NULL, *remote = NULL;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print the result as JSON"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing; exit 1 if anything is out of date"),
		OPT_STRING('f', "file", &file, "FILE", "the stages file (default stages.yaml)"),
		OPT_BOOL('c', "cloud", &cloud, "compare the cache with a remote: what is not pushed or pulled"),
		OPT_STRING('r', "remote", &remote, "NAME", "with --cloud: the remote (default: core.remote)"),
		OPT_END(),
	};
	const struct command_help help = { "repro status [options] [STAGE...]",
					   "Show which stages are out of date, and why.", status_description };
	struct session ss;
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (cloud) {
		ret = sync_status_cmd(p, file, remote, args.items, args.n, json, quiet);
		strlist_release(&args, 0);
		return ret;
	}
	/* without a stages file, tracked data still has a status */
	if (session_open(&ss, p, file, !file) < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	size_t n = ss.pipeline.n;
	unsigned char *sel = session_select(&ss, args.items, args.n), *stale = xcalloc(n + 1, 1);
	if (!sel) {
		ret = EXIT_USAGE;
		goto done;
	}
	cJSON *out = cJSON_CreateObject();
	struct strbuf sb = STRBUF_INIT;
	size_t nstale = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = ss.graph.order[k];
		struct stage *s = &ss.pipeline.stages[i];
		struct stage_eval ev;
		if (stage_evaluate(&ev, s, lock_find(&ss.lock, s->name), ss.eval) < 0) {
			stage_eval_release(&ev);
			ret = EXIT_USAGE;
			continue;
		}
		stale[i] = !s->frozen && (ev.needs_run || ev.outs_dirty);
		const char *up = NULL;
		for (size_t u = 0; u < ss.graph.nup[i]; u++)
			if (stale[ss.graph.up[i][u]]) {
				up = ss.pipeline.stages[ss.graph.up[i][u]].name;
				stale[i] = !s->frozen;
			}
		if (sel[i] && (ev.nchanges || up)) {
			nstale += stale[i];
			cJSON *arr = cJSON_AddArrayToObject(out, s->name);
			if (!quiet && !json)
				printf("%s%s:\n", s->name, s->frozen ? " (frozen: will not run)" : "");
			for (size_t c = 0; c < ev.nchanges; c++) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "change", kind_names[ev.changes[c].kind]);
				if (ev.changes[c].subject)
					cJSON_AddStringToObject(o, "subject", ev.changes[c].subject);
				if (ev.changes[c].detail)
					cJSON_AddStringToObject(o, "detail", ev.changes[c].detail);
				cJSON_AddItemToArray(arr, o);
				strbuf_reset(&sb);
				change_describe(&ev.changes[c], &sb);
				if (!quiet && !json)
					printf("    %s\n", sb.buf);
			}
			if (up) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "change", "upstream");
				cJSON_AddStringToObject(o, "subject", up);
				cJSON_AddItemToArray(arr, o);
				if (!quiet && !json)
					printf("    upstream '%s' is out of date\n", up);
			}
		}
		stage_eval_release(&ev);
	}
	/* naming stages asks about those stages only, as in 'repro checkout' */
	size_t ntracked = 0;
	int failed = 0;
	if (!args.n)
		nstale += tracked_status(&ss, out, !quiet && !json, &ntracked, &failed);
	if (failed)
		ret = EXIT_USAGE;
	if (json && !quiet) {
		char *s = cJSON_Print(out);
		printf("%s\n", s);
		free(s);
	} else if (!quiet && !nstale && ret == 0) {
		if (n)
			printf("every stage is up to date\n");
		else if (ntracked)
			printf("no stages in '%s'; the tracked data is up to date\n", ss.pipeline.file);
		else
			printf("nothing is tracked: no stages in '%s' and no data added with 'repro add'\n",
			       ss.pipeline.file);
	}
	if (quiet && nstale && ret == 0)
		ret = EXIT_STAGE_FAILED;
	cJSON_Delete(out);
	strbuf_release(&sb);
done:
	free(sel);
	free(stale);
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
