#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/syncopts.h"
#include "core/addfile.h"
#include "core/evaluate.h"
#include "core/project.h"
#include "remote/refs.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char pull_description[] =
	"'repro fetch' followed by a checkout: downloads what the cache lacks for\n"
	"the outs recorded in the lock (all stages, or the ones named) and for the\n"
	"data tracked by .repro files, verifying every object, then makes the\n"
	"workspace hold it. Outs that are never pushed ('push: false', and\n"
	"'cache: false' ones, which git holds) are left as they are. A modified out\n"
	"whose content is not in the cache is left alone unless --force says to\n"
	"discard it.\n"
	"\n"
	"Exit status: 0 when everything was pulled and checked out, 1 when\n"
	"anything could not be, 2 on a usage or configuration error.\n";

struct puller {
	struct session *ss;
	int force;   /* overwrite modified content that is not in the cache */
	int failed;  /* something could not be checked out */
	size_t done; /* paths written */
};

/* Makes path hold id when it holds cur_id ("" if missing) instead. */
static void restore(struct puller *pl, const char *path, const char *cur_id, const char *id, int copy_only)
{
	struct cache c = pl->ss->cache;

	if (!strcmp(cur_id, id))
		return;
	if (cur_id[0] && !pl->force && !cache_holds_workspace(&pl->ss->cache, &pl->ss->hasher, path, cur_id)) {
		error("'%s' has changes that are not in the cache; 'repro commit' or 'repro add' them, "
		      "or use --force to discard them", path);
		pl->failed = 1;
		return;
	}
	if (cache_contains(&pl->ss->cache, id) != 1) {
		pl->failed = 1; /* the fetch reported why */
		return;
	}
	if (copy_only) {
		c.links[0] = LINK_COPY;
		c.nlinks = 1;
	}
	if (cache_checkout(&c, &pl->ss->hasher, id, path, NULL) < 0) {
		pl->failed = 1;
		return;
	}
	printf("restored '%s'\n", path);
	pl->done++;
}

static void checkout_stage(struct puller *pl, struct stage *s)
{
	const struct lock_stage *l = lock_find(&pl->ss->lock, s->name);
	struct stage_eval ev;

	if (!l)
		return;
	if (stage_evaluate(&ev, s, l, pl->ss->eval) < 0) {
		pl->failed = 1;
		stage_eval_release(&ev);
		return;
	}
	for (size_t i = 0; i < s->nouts; i++) {
		const struct stage_out *o = &s->outs[i];
		const struct lock_entry *e = lock_entry_find(l->outs, l->nouts, o->decl);
		/* what is never pushed is only checked out when it happens to be here */
		if (e && ((o->push && o->cache) || cache_contains(&pl->ss->cache, e->hi.id) == 1))
			restore(pl, o->path, ev.cur.outs[i].hi.id, e->hi.id, !o->cache);
	}
	stage_eval_release(&ev);
}

static void checkout_tracked(struct puller *pl, const char *file)
{
	struct addfile a;
	struct hashinfo hi = { 0 };

	if (addfile_read(&a, file) < 0) {
		pl->failed = 1;
		return;
	}
	if (hash_path(&pl->ss->hasher, a.path, &hi, NULL) < 0)
		pl->failed = 1;
	else
		restore(pl, a.path, hi.id, a.entry.hi.id, 0);
	addfile_release(&a);
}

static void checkout_selection(struct puller *pl, const struct selection *sel)
{
	struct session *ss = pl->ss;

	for (size_t k = 0; k < ss->pipeline.n; k++)
		if (sel->stages[ss->graph.order[k]])
			checkout_stage(pl, &ss->pipeline.stages[ss->graph.order[k]]);
	if (sel->all_tracked) {
		struct addfile *af;
		size_t n;
		if (addfile_find_all(&af, &n) < 0)
			pl->failed = 1;
		for (size_t i = 0; i < n; i++)
			checkout_tracked(pl, af[i].file);
		addfile_free_all(af, n);
	}
	for (size_t i = 0; i < sel->ntracked; i++)
		checkout_tracked(pl, sel->tracked[i]);
}

int cmd_pull(int argc, char **argv, struct project *p)
{
	struct sync_cmd c = { 0 };
	struct puller pl = { 0 };
	struct selection sel;
	const struct option opts[] = {
		SYNC_OPTIONS(&c),
		OPT_BOOL(0, "force", &pl.force, "overwrite modified outs even if their content is not cached"),
		OPT_END(),
	};
	const struct command_help help = { "repro pull [options] [STAGE|FILE...]",
					   "Download outs and tracked data from a remote and check them out.",
					   pull_description };
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &c.args);
	if (sync_cmd_open(&c, p) < 0) {
		strlist_release(&c.args, 0);
		return EXIT_USAGE;
	}
	/* large objects are written to the workspace copy as they arrive,
	 * rather than copied from the cache after (when checkouts copy) */
	c.so.copies = cache_checkout_copies(&c.ss.cache);
	if (sync_fetch(&c.ss, c.r, &c.so) < 0)
		ret = EXIT_STAGE_FAILED;
	pl.ss = &c.ss;
	if (selection_init(&sel, &c.ss, c.args.items, c.args.n) == 0) {
		checkout_selection(&pl, &sel);
		if (!pl.done && !pl.failed)
			printf("nothing to check out\n");
	} else {
		pl.failed = 1;
	}
	selection_release(&sel);
	if (pl.failed)
		ret = EXIT_STAGE_FAILED;
	sync_cmd_close(&c);
	return ret;
}
