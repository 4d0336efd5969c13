/*
 * repro plots [show|diff REV...]: an HTML page of every metric across
 * revisions and of the stages' plots: outputs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/metrics.h"
#include "core/plots.h"
#include "core/project.h"
#include "core/session.h"
#include "git/repo.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"
#include "util/xalloc.h"

#define DEFAULT_DIR "repro_plots"
#define DEFAULT_REVISIONS 20

static const char plots_description[] =
	"Writes DIR/index.html (default repro_plots/), one self-contained page of\n"
	"inline SVG charts that opens in any browser offline:\n"
	"\n"
	"  - per numeric metric, a line chart of its value across the revisions:\n"
	"    'show' (the default) takes the last N commits of the current branch\n"
	"    (-n, or the config key plots.revisions; default 20) and the workspace;\n"
	"    'diff' takes the revisions named (default HEAD and the workspace);\n"
	"  - per plots: output of a stage (CSV, TSV, JSON or YAML records), a line\n"
	"    or scatter chart (props template, x, y, title, x_label, y_label), with\n"
	"    one series per revision for 'diff'.\n"
	"\n"
	"Prints the path of the page.\n";

/* A revision of the page: the workspace (git NULL) or a commit. */
struct prev {
	struct grev *git;
	const char *name;
};

/* ---- metrics across revisions ---- */

struct metric_id {
	const char *path, *key; /* point into the snapshots */
};

static int numeric_somewhere(const struct metrics_snapshot *snaps, size_t n, const char *path, const char *key)
{
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < snaps[i].n; f++)
			if (!strcmp(snaps[i].files[f].path, path) &&
			    cJSON_IsNumber(metric_list_get(snaps[i].files[f].data, key)))
				return 1;
	return 0;
}

/* Every (path, key) with a number at some revision, in order of first appearance. */
static void metric_ids(const struct metrics_snapshot *snaps, size_t n, struct metric_id **ids, size_t *nids)
{
	size_t alloc = 0;

	*ids = NULL;
	*nids = 0;
	for (size_t i = n; i-- > 0;) /* newest first: today's order of the files */
		for (size_t f = 0; f < snaps[i].n; f++) {
			const struct metric_list *l = snaps[i].files[f].data;
			for (size_t k = 0; l && k < l->n; k++) {
				int seen = 0;
				for (size_t j = 0; j < *nids && !seen; j++)
					seen = !strcmp((*ids)[j].path, snaps[i].files[f].path) && !strcmp((*ids)[j].key, l->v[k].key);
				if (seen || !numeric_somewhere(snaps, n, snaps[i].files[f].path, l->v[k].key))
					continue;
				ARRAY_GROW(*ids, alloc, *nids + 1);
				(*ids)[(*nids)++] = (struct metric_id){ snaps[i].files[f].path, l->v[k].key };
			}
		}
}

static double value_at(const struct metrics_snapshot *s, const struct metric_id *id)
{
	for (size_t f = 0; f < s->n; f++)
		if (!strcmp(s->files[f].path, id->path)) {
			const cJSON *v = metric_list_get(s->files[f].data, id->key);
			return cJSON_IsNumber(v) ? v->valuedouble : NAN;
		}
	return NAN;
}

static void metrics_charts(struct plots_page *pg, const struct metrics_snapshot *snaps, size_t n)
{
	struct metric_id *ids;
	size_t nids;

	metric_ids(snaps, n, &ids, &nids);
	plots_page_heading(pg, "Metrics");
	if (!nids)
		plots_page_note(pg, "No numeric metrics at these revisions.");
	for (size_t m = 0; m < nids; m++) {
		struct plot_chart c;
		char *title = xasprintf("%s (%s)", ids[m].key, ids[m].path);
		plot_chart_init(&c, title, "revision", ids[m].key, PLOT_LINE);
		free(title);
		c.id = xasprintf("metric-%s-%s", ids[m].path, ids[m].key);
		c.x_names = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			c.x_names[c.nx++] = xstrdup(snaps[i].rev);
		struct plot_series *s = plot_chart_add_series(&c, ids[m].key);
		for (size_t i = 0; i < n; i++)
			plot_series_add(s, (double)i, value_at(&snaps[i], &ids[m]));
		plots_page_add(pg, &c);
		plot_chart_release(&c);
	}
	free(ids);
}

/* ---- stages' plots: outputs ---- */

static const char *prop_str(const cJSON *props, const char *key)
{
	const cJSON *v = props ? cJSON_GetObjectItemCaseSensitive(props, key) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One chart for plots out o, with a series per revision (one revision: per y column). */
static int plot_chart_for(struct metrics_ctx *mc, struct plots_page *pg, const struct stage_out *o,
			  const struct prev *revs, size_t n)
{
	const char *tmpl = prop_str(o->props, "template");
	struct plot_chart c;
	int ret = 0, drawn = 0;

	plot_chart_init(&c, prop_str(o->props, "title") ? prop_str(o->props, "title") : o->path,
			prop_str(o->props, "x_label"), prop_str(o->props, "y_label"),
			tmpl && !strcmp(tmpl, "scatter") ? PLOT_SCATTER : PLOT_LINE);
	c.id = xasprintf("plot-%s", o->path);
	for (size_t i = 0; i < n; i++) {
		const struct pipeline *p = metrics_pipeline(mc, revs[i].git);
		const struct stage *st = NULL;
		const struct stage_out *ro = NULL;
		for (size_t k = 0; p && !ro && k < p->n; k++)
			for (size_t j = 0; j < p->stages[k].nouts && !ro; j++)
				if (p->stages[k].outs[j].kind == OUT_PLOT && !strcmp(p->stages[k].outs[j].path, o->path))
					st = &p->stages[k], ro = &p->stages[k].outs[j];
		struct strbuf sb = STRBUF_INIT;
		int r = ro ? metrics_read_out(mc, revs[i].git, p, st, ro, &sb) : 1;
		if (r == 0)
			r = plots_read_data(o->path, sb.buf, sb.len, o->props, n > 1 ? revs[i].name : "", &c);
		strbuf_release(&sb);
		if (r < 0)
			ret = -1;
		drawn |= r == 0;
	}
	if (drawn)
		plots_page_add(pg, &c);
	plot_chart_release(&c);
	return ret;
}

/* The plots outs of the newest revision's pipeline (then older ones). */
static int plots_charts(struct metrics_ctx *mc, struct plots_page *pg, const struct prev *revs, size_t n)
{
	const char **seen = NULL;
	size_t nseen = 0, aseen = 0;
	int ret = 0;

	plots_page_heading(pg, "Plots");
	size_t before = pg->ncharts;
	for (size_t i = n; i-- > 0;) {
		const struct pipeline *p = metrics_pipeline(mc, revs[i].git);
		for (size_t k = 0; p && k < p->n; k++)
			for (size_t j = 0; j < p->stages[k].nouts; j++) {
				const struct stage_out *o = &p->stages[k].outs[j];
				int dup = 0;
				for (size_t s = 0; s < nseen && !dup; s++)
					dup = !strcmp(seen[s], o->path);
				if (o->kind != OUT_PLOT || dup)
					continue;
				ARRAY_GROW(seen, aseen, nseen + 1);
				seen[nseen++] = o->path;
				if (plot_chart_for(mc, pg, o, revs, n) < 0)
					ret = -1;
			}
	}
	if (pg->ncharts == before)
		plots_page_note(pg, "No plots: outputs at these revisions.");
	free(seen);
	return ret;
}

/* ---- the command ---- */

static int write_page(struct project *p, const char *dir, const struct strbuf *html)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	if (dir[0] == '/')
		strbuf_addstr(&path, dir);
	else
		path_join(&path, p->prefix, dir);
	strbuf_addstr(&path, "/index.html");
	if (mkdir_parent(path.buf) < 0)
		ret = error("cannot create the directory of '%s':", path.buf);
	else
		ret = write_file_atomic(path.buf, html->buf, html->len, 0644);
	if (ret == 0)
		printf("%s/index.html\n", dir);
	strbuf_release(&path);
	return ret;
}

/* Fills revs: for show the last n commits of the branch (oldest first) and
 * the workspace; for diff the specs given (default HEAD, workspace). */
static int pick_revisions(struct grepo *g, int have_git, int diff, const struct strlist *args, int n,
			  struct grev_list *commits, struct prev **revs, size_t *nrevs)
{
	if (diff && args->n) {
		for (int i = 0; i < args->n; i++) {
			ARRAY_GROW(commits->v, commits->alloc, commits->n + 1);
			if (grepo_resolve(g, args->items[i], &commits->v[commits->n]) < 0)
				return -1;
			commits->n++;
		}
	} else if (diff) {
		ARRAY_GROW(commits->v, commits->alloc, 1);
		if (grepo_resolve(g, "HEAD", &commits->v[0]) < 0)
			return -1;
		commits->n = 1;
	} else if (have_git) {
		if (grepo_log(g, 0, (size_t)n, commits) < 0)
			return -1;
		for (size_t i = 0; i < commits->n / 2; i++) { /* oldest first */
			struct grev t = commits->v[i];
			commits->v[i] = commits->v[commits->n - 1 - i];
			commits->v[commits->n - 1 - i] = t;
		}
	}
	int with_ws = !(diff && args->n);
	*nrevs = commits->n + (size_t)with_ws;
	*revs = xcalloc(*nrevs + 1, sizeof(**revs));
	for (size_t i = 0; i < commits->n; i++)
		(*revs)[i] = (struct prev){ &commits->v[i], commits->v[i].name };
	if (with_ws)
		(*revs)[commits->n] = (struct prev){ NULL, "workspace" };
	return 0;
}

int cmd_plots(int argc, char **argv, struct project *p)
{
	const char *dir = NULL;
	int n = -1, diff = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_STRING('o', "out", &dir, "DIR", "write DIR/index.html (default " DEFAULT_DIR ")"),
		OPT_INT('n', "revisions", &n, "N", "show: the last N commits (default plots.revisions or 20)"),
		OPT_END(),
	};
	const struct command_help help = { "repro plots [show | diff [REV...]] [-o DIR] [-n N]",
					   "Write an HTML page of metrics across revisions and of plots outputs.",
					   plots_description };

	if (argc > 1 && (!strcmp(argv[1], "show") || !strcmp(argv[1], "diff"))) {
		diff = !strcmp(argv[1], "diff");
		argc--, argv++;
	}
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int bad = 0;
	if (n < 0 && config_get_int(&p->config, "plots.revisions", DEFAULT_REVISIONS, &n) < 0)
		bad = 1;
	else if (n < 1)
		bad = error("the number of revisions (-n, plots.revisions) must be at least 1");
	else if (args.n && !diff)
		bad = error("'repro plots show' takes no revisions; use 'repro plots diff REV...'");
	if (bad) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	struct grepo g;
	int have = metrics_repo_open(&g, p->root, diff ? "'repro plots diff'" : NULL);
	if (have < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	struct metrics_ctx mc;
	struct grev_list commits = { 0 };
	struct prev *revs = NULL;
	size_t nrevs = 0, nsnaps = 0;
	struct metrics_snapshot *snaps = NULL;
	int ret = EXIT_USAGE;
	metrics_ctx_init(&mc, have == 0 ? &g : NULL, STAGES_FILE);
	mc.config = &p->config;
	if (pick_revisions(&g, have == 0, diff, &args, n, &commits, &revs, &nrevs) < 0)
		goto done;
	ret = 0;
	snaps = xcalloc(nrevs + 1, sizeof(*snaps));
	for (size_t i = 0; i < nrevs; i++, nsnaps++)
		if (metrics_read(&mc, revs[i].git, revs[i].name, &snaps[i]) < 0)
			ret = 1;
	struct plots_page pg;
	struct strbuf html = STRBUF_INIT;
	plots_page_init(&pg, nrevs);
	metrics_charts(&pg, snaps, nsnaps);
	/* show: the plots of the workspace; diff: of every revision named */
	if (plots_charts(&mc, &pg, diff ? revs : &revs[nrevs - 1], diff ? nrevs : 1) < 0)
		ret = 1;
	plots_page_finish(&pg, "repro plots", &html);
	if (write_page(p, dir ? dir : DEFAULT_DIR, &html) < 0)
		ret = 1;
	strbuf_release(&html);
done:
	for (size_t i = 0; i < nsnaps; i++)
		metrics_snapshot_release(&snaps[i]);
	free(snaps);
	free(revs);
	grev_list_release(&commits);
	metrics_ctx_release(&mc);
	if (have == 0)
		grepo_close(&g);
	strlist_release(&args, 0);
	return ret;
}
