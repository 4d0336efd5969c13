#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/addfile.h"
#include "core/evaluate.h"
#include "core/gitignore.h"
#include "core/project.h"
#include "core/session.h"
#include "core/stageops.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char checkout_description[] =
	"Makes the outs of the stages (all, or the ones named) and the data tracked\n"
	"with 'repro add' match what stages.lock and the .repro files record,\n"
	"taking the content from the cache: after a 'git checkout', a 'repro pull',\n"
	"or a deleted file. A modified out whose content is not in the cache would\n"
	"be lost, so it is left alone unless --force says to discard it.\n";

struct co {
	struct session *ss;
	int force;   /* overwrite modified outs whose content is not cached */
	int failed;  /* something could not be restored */
	size_t done; /* paths restored */
};

/* Restores one path to id when it differs; cur_id is what it holds now ("" if missing). */
static void restore(struct co *co, const char *path, const char *cur_id, const char *id, int copy_only)
{
	struct cache c = co->ss->cache;

	if (!strcmp(cur_id, id))
		return;
	if (cur_id[0] && !co->force && !cache_holds_workspace(&co->ss->cache, &co->ss->hasher, path, cur_id)) {
		error("'%s' has changes that are not in the cache; 'repro commit' or 'repro add' them, "
		      "or use --force to discard them", path);
		co->failed = 1;
		return;
	}
	int have = cache_contains(&co->ss->cache, id);
	if (have < 0) {
		co->failed = 1; /* the manifest is corrupt: reported */
		return;
	}
	if (!have) {
		error("cannot restore '%s': its content (%s) is not in the cache; try 'repro pull'", path, id);
		co->failed = 1;
		return;
	}
	if (copy_only) {
		c.links[0] = LINK_COPY;
		c.nlinks = 1;
	}
	if (cache_checkout(&c, &co->ss->hasher, id, path, NULL) < 0) {
		co->failed = 1;
		return;
	}
	printf("restored '%s'\n", path);
	co->done++;
}

static void checkout_stage(struct co *co, struct stage *s)
{
	const struct lock_stage *l = lock_find(&co->ss->lock, s->name);
	struct stage_eval ev;

	if (!l)
		return;
	if (stage_evaluate(&ev, s, l, co->ss->eval) < 0) {
		co->failed = 1;
		stage_eval_release(&ev);
		return;
	}
	for (size_t i = 0; i < s->nouts; i++) {
		const struct lock_entry *e = lock_entry_find(l->outs, l->nouts, s->outs[i].decl);
		if (!e)
			continue;
		int failed = co->failed;
		co->failed = 0;
		restore(co, s->outs[i].path, ev.cur.outs[i].hi.id, e->hi.id, !s->outs[i].cache);
		/* a fresh clone has the lock but not the .gitignore lines of
		 * outs never produced in it (not for an out that failed: its
		 * directory may be the reason) */
		int restored = !co->failed;
		co->failed |= failed;
		if (restored && s->outs[i].cache && gitignore_add(s->outs[i].path) < 0)
			co->failed = 1;
	}
	stage_eval_release(&ev);
}

int cmd_checkout(int argc, char **argv, struct project *p)
{
	const char *file = NULL;
	struct co co = { 0 };
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "force", &co.force, "overwrite modified outs even if their content is not cached"),
		OPT_STRING('f', "file", &file, "FILE", "the stages file (default stages.yaml)"),
		OPT_END(),
	};
	const struct command_help help = { "repro checkout [options] [STAGE...]",
					   "Restore outs and tracked data from the cache.", checkout_description };
	struct session ss;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (session_open(&ss, p, file, 1) < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	co.ss = &ss;
	size_t n = ss.pipeline.n;
	unsigned char *sel = session_select(&ss, args.items, args.n);
	int ret = 0;
	if (!sel) {
		ret = EXIT_USAGE;
		goto done;
	}
	for (size_t k = 0; k < n; k++)
		if (sel[ss.graph.order[k]])
			checkout_stage(&co, &ss.pipeline.stages[ss.graph.order[k]]);
	if (!args.n) {
		struct addfile *af;
		size_t naf;
		if (addfile_find_all(&af, &naf) < 0)
			co.failed = 1;
		for (size_t i = 0; i < naf; i++) {
			struct hashinfo hi = { 0 };
			if (hash_path(&ss.hasher, af[i].path, &hi, NULL) < 0) {
				co.failed = 1;
				continue;
			}
			restore(&co, af[i].path, hi.id, af[i].entry.hi.id, 0);
		}
		addfile_free_all(af, naf);
	}
	if (!co.done && !co.failed)
		printf("nothing to restore\n");
	if (co.failed)
		ret = EXIT_STAGE_FAILED;
done:
	free(sel);
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
