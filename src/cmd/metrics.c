/*
 * repro metrics show|diff: metrics files across git revisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/metrics.h"
#include "core/metrics.h"
#include "core/project.h"
#include "core/session.h"
#include "git/repo.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"


static const char show_description[] =
	"Shows the metrics files of the pipeline (the metrics: outs of its stages and\n"
	"the top-level metrics: files), nested keys flattened with dots. Without\n"
	"revision options, the workspace; with -a, -T or -A also every branch, tag\n"
	"or commit, each read from git without checking anything out (a metrics\n"
	"file that is a cached out is read through that commit's lock from the\n"
	"cache). A TARGET limits the output to the metrics files at or below it; a\n"
	"target that is not a declared metrics file is read as one.\n"
	"\n"
	"The table has the columns [Revision,] Path, Metric, Value; a file missing at\n"
	"a revision shows '-'. Numbers that are not integers are shown with\n"
	"--precision significant digits (5 by default); --json shows them exactly.\n";

static const char diff_description[] =
	"Compares the metrics of two revisions: A (default HEAD) and B (default the\n"
	"workspace). A revision is anything git understands: a branch, a tag,\n"
	"HEAD~3, a short commit id. Only changed metrics are shown unless --all.\n"
	"A metric present at one side only shows '-' at the other. Change is B - A\n"
	"for numbers, '-' otherwise.\n";

static const char metrics_usage[] =
	"usage: repro metrics show [options] [TARGET...]\n"
	"   or: repro metrics diff [options] [A_REV [B_REV]]\n"
	"\n"
	"Show metrics of the workspace and of git revisions, or compare two.\n"
	"'repro metrics --help' tells more.\n";

static enum table_format table_format(int fmt)
{
	return fmt == FMT_MD ? TABLE_MD : fmt == FMT_CSV ? TABLE_CSV : TABLE_TEXT;
}

static void put(const struct strbuf *sb)
{
	fwrite(sb->buf, 1, sb->len, stdout);
	fflush(stdout);
}

/* Prints root (and frees it) indented by two spaces: cJSON indents with
 * tabs, and a tab in its output is always layout (strings escape theirs). */
static void print_json(cJSON *root)
{
	char *s = cJSON_Print(root);
	struct strbuf out = STRBUF_INIT;

	if (!s)
		die_oom();
	for (const char *p = s; *p; p++) {
		if (*p != '\t')
			strbuf_addch(&out, *p);
		else if (p == s || p[-1] == '\n' || p[-1] == '\t')
			strbuf_addstr(&out, "  ");
		else
			strbuf_addch(&out, ' ');
	}
	strbuf_addch(&out, '\n');
	put(&out);
	strbuf_release(&out);
	free(s);
	cJSON_Delete(root);
}

/* ---- show ---- */

static void add_value_row(struct mtable *t, const struct metrics_snapshot *s, int with_rev, const char *path,
			  const char *key, const cJSON *v, int precision)
{
	struct strbuf sb = STRBUF_INIT;

	if (with_rev)
		mtable_add(t, s->rev);
	mtable_add(t, path);
	mtable_add(t, key);
	metric_value_text(v, precision, &sb);
	mtable_add(t, sb.buf);
	strbuf_release(&sb);
}

static void show_rows(struct mtable *t, const struct metrics_snapshot *s, int with_rev, int precision)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct metrics_file *f = &s->files[i];
		if (!f->data || !f->data->n)
			add_value_row(t, s, with_rev, f->path, "-", NULL, precision);
		for (size_t k = 0; f->data && k < f->data->n; k++)
			add_value_row(t, s, with_rev, f->path, f->data->v[k].key, f->data->v[k].value, precision);
	}
}

static cJSON *snapshot_json(const struct metrics_snapshot *s)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < s->n; i++) {
		const struct metrics_file *f = &s->files[i];
		if (!f->data) {
			cJSON_AddItemToObject(o, f->path, cJSON_CreateNull());
			continue;
		}
		cJSON *m = cJSON_AddObjectToObject(o, f->path);
		for (size_t k = 0; k < f->data->n; k++)
			cJSON_AddItemToObject(m, f->data->v[k].key, cJSON_Duplicate(f->data->v[k].value, 1));
	}
	return o;
}

static void show_output(const struct metrics_snapshot *snaps, size_t n, int with_rev, int fmt, int precision)
{
	if (fmt == FMT_JSON) {
		cJSON *root = cJSON_CreateObject();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToObject(root, snaps[i].rev, snapshot_json(&snaps[i]));
		print_json(root);
		return;
	}
	struct mtable t;
	struct strbuf out = STRBUF_INIT;
	mtable_init(&t, with_rev ? 4 : 3);
	if (with_rev)
		mtable_add(&t, "Revision");
	mtable_add(&t, "Path");
	mtable_add(&t, "Metric");
	mtable_add(&t, "Value");
	for (size_t i = 0; i < n; i++)
		show_rows(&t, &snaps[i], with_rev, precision);
	mtable_print(&t, table_format(fmt), &out);
	put(&out);
	strbuf_release(&out);
	mtable_release(&t);
}

/* Appends the revisions -a, -T and -A ask for; -A leaves out commits
 * already listed under a branch or tag name. */
static int list_revisions(struct grepo *g, int branches, int tags, int all_commits, struct grev_list *revs)
{
	if ((branches && grepo_branches(g, revs) < 0) || (tags && grepo_tags(g, revs) < 0))
		return -1;
	if (!all_commits)
		return 0;
	struct grev_list log = { 0 };
	if (grepo_log(g, 1, 0, &log) < 0)
		return -1;
	size_t named = revs->n;
	for (size_t i = 0; i < log.n; i++) {
		int dup = 0;
		for (size_t k = 0; k < named && !dup; k++)
			dup = gobj_id_equal(&revs->v[k].commit, &log.v[i].commit);
		if (dup) {
			grev_release(&log.v[i]);
			continue;
		}
		ARRAY_GROW(revs->v, revs->alloc, revs->n + 1);
		revs->v[revs->n++] = log.v[i];
	}
	free(log.v);
	return 0;
}

static int targets_from_args(struct project *p, const struct strlist *args, struct metrics_ctx *c)
{
	c->targets = xcalloc((size_t)args->n + 1, sizeof(char *));
	for (int i = 0; i < args->n; i++) {
		if (!(c->targets[i] = project_user_path(p, args->items[i])))
			return -1;
		c->ntargets++;
	}
	return 0;
}

static int metrics_show(int argc, char **argv, struct project *p)
{
	int branches = 0, tags = 0, all_commits = 0, fmt = FMT_TABLE, precision = METRICS_PRECISION;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL('a', "all-branches", &branches, "also show every branch"),
		OPT_BOOL('T', "all-tags", &tags, "also show every tag"),
		OPT_BOOL('A', "all-commits", &all_commits, "also show every commit"),
		OPT_CHOICE(0, "json", &fmt, FMT_JSON, "print JSON (values exact)"),
		OPT_CHOICE(0, "md", &fmt, FMT_MD, "print a Markdown table"),
		OPT_CHOICE(0, "csv", &fmt, FMT_CSV, "print CSV"),
		OPT_INT(0, "precision", &precision, "N", "significant digits of non-integers (default 5)"),
		OPT_END(),
	};
	const struct command_help help = { "repro metrics show [options] [TARGET...]",
					   "Show metrics of the workspace and of branches, tags or commits.",
					   show_description };
	struct grepo g = { 0 };
	struct metrics_ctx c;
	struct grev_list revs = { 0 };
	struct metrics_snapshot *snaps = NULL;
	size_t nsnaps = 0;
	int ret = EXIT_USAGE;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (precision < 1 || precision > 17) {
		error("--precision must be between 1 and 17");
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	const char *need = all_commits ? "'--all-commits'" : branches ? "'--all-branches'" : tags ? "'--all-tags'" : NULL;
	int r = metrics_repo_open(&g, p->root, need);
	if (r < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	metrics_ctx_init(&c, r == 0 ? &g : NULL, STAGES_FILE);
	c.config = &p->config;
	if (targets_from_args(p, &args, &c) < 0 || (need && list_revisions(&g, branches, tags, all_commits, &revs) < 0))
		goto done;
	snaps = xcalloc(revs.n + 1, sizeof(*snaps));
	ret = 0;
	for (size_t i = 0; i <= revs.n; i++) {
		struct grev *rev = i ? &revs.v[i - 1] : NULL;
		if (metrics_read(&c, rev, rev ? rev->name : "workspace", &snaps[nsnaps++]) < 0)
			ret = 1;
		if (rev)
			grev_unload(rev);
	}
	show_output(snaps, nsnaps, need != NULL, fmt, precision);
	if (snaps[0].failed)
		ret = 1;
done:
	for (size_t i = 0; i < nsnaps; i++)
		metrics_snapshot_release(&snaps[i]);
	free(snaps);
	grev_list_release(&revs);
	for (size_t i = 0; i < c.ntargets; i++)
		free(c.targets[i]);
	free(c.targets);
	metrics_ctx_release(&c);
	if (r == 0)
		grepo_close(&g);
	strlist_release(&args, 0);
	return ret;
}

/* ---- diff ---- */

static void diff_output(const struct metrics_row *rows, size_t n, const char *what, const char *a,
			const char *b, int with_change, int fmt, int precision)
{
	if (fmt == FMT_JSON) {
		cJSON *root = cJSON_CreateObject();
		for (size_t i = 0; i < n; i++) {
			cJSON *file = cJSON_GetObjectItemCaseSensitive(root, rows[i].path);
			if (!file)
				file = cJSON_AddObjectToObject(root, rows[i].path);
			cJSON *o = cJSON_AddObjectToObject(file, rows[i].key);
			cJSON_AddItemToObject(o, "old", rows[i].old_val ? cJSON_Duplicate(rows[i].old_val, 1) : cJSON_CreateNull());
			cJSON_AddItemToObject(o, "new", rows[i].new_val ? cJSON_Duplicate(rows[i].new_val, 1) : cJSON_CreateNull());
			cJSON *d = with_change ? metric_change_json(rows[i].old_val, rows[i].new_val) : NULL;
			if (d)
				cJSON_AddItemToObject(o, "diff", d);
		}
		print_json(root);
		return;
	}
	struct mtable t;
	struct strbuf out = STRBUF_INIT, sb = STRBUF_INIT;
	const char *head[] = { "Path", what, a, b, "Change" };
	mtable_init(&t, with_change ? 5 : 4);
	for (size_t i = 0; i < t.ncols; i++)
		mtable_add(&t, head[i]);
	for (size_t i = 0; i < n; i++) {
		mtable_add(&t, rows[i].path);
		mtable_add(&t, rows[i].key);
		strbuf_reset(&sb);
		metric_value_text(rows[i].old_val, precision, &sb);
		mtable_add(&t, sb.buf);
		strbuf_reset(&sb);
		metric_value_text(rows[i].new_val, precision, &sb);
		mtable_add(&t, sb.buf);
		if (with_change) {
			strbuf_reset(&sb);
			metric_change_text(rows[i].old_val, rows[i].new_val, precision, &sb);
			mtable_add(&t, sb.buf);
		}
	}
	mtable_print(&t, table_format(fmt), &out);
	put(&out);
	strbuf_release(&out);
	strbuf_release(&sb);
	mtable_release(&t);
}

int diff_revisions(struct project *p, const struct strlist *args, const char *command, int all, int fmt,
		   int precision, int params)
{
	struct grepo g;
	struct grev a = { 0 }, b = { 0 };
	struct metrics_ctx c;
	struct metrics_snapshot sa = { 0 }, sb = { 0 };
	int ret = EXIT_USAGE;

	if (args->n > 2) {
		error("%s takes at most two revisions", command);
		return EXIT_USAGE;
	}
	if (metrics_repo_open(&g, p->root, command) != 0)
		return EXIT_USAGE;
	metrics_ctx_init(&c, &g, STAGES_FILE);
	c.config = &p->config;
	if (grepo_resolve(&g, args->n ? args->items[0] : "HEAD", &a) < 0 ||
	    (args->n > 1 && grepo_resolve(&g, args->items[1], &b) < 0))
		goto done;
	int (*read)(struct metrics_ctx *, struct grev *, const char *, struct metrics_snapshot *) =
		params ? params_read : metrics_read;
	struct grev *brev = args->n > 1 ? &b : NULL;
	if (read(&c, &a, a.name, &sa) < 0 || read(&c, brev, brev ? b.name : "workspace", &sb) < 0) {
		ret = 1;
		goto done;
	}
	struct metrics_row *rows;
	size_t n;
	metrics_diff(&sa, &sb, all, &rows, &n);
	diff_output(rows, n, params ? "Param" : "Metric", sa.rev, sb.rev, !params, fmt, precision);
	free(rows);
	ret = sa.failed || sb.failed;
done:
	metrics_snapshot_release(&sa);
	metrics_snapshot_release(&sb);
	grev_release(&a);
	grev_release(&b);
	metrics_ctx_release(&c);
	grepo_close(&g);
	return ret;
}

static int metrics_diff_cmd(int argc, char **argv, struct project *p)
{
	int all = 0, fmt = FMT_TABLE, precision = METRICS_PRECISION;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "all", &all, "also show metrics that did not change"),
		OPT_CHOICE(0, "json", &fmt, FMT_JSON, "print JSON (values exact)"),
		OPT_CHOICE(0, "md", &fmt, FMT_MD, "print a Markdown table"),
		OPT_CHOICE(0, "csv", &fmt, FMT_CSV, "print CSV"),
		OPT_INT(0, "precision", &precision, "N", "significant digits of non-integers (default 5)"),
		OPT_END(),
	};
	const struct command_help help = { "repro metrics diff [options] [A_REV [B_REV]]",
					   "Compare the metrics of two revisions (default HEAD and the workspace).",
					   diff_description };

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int ret = EXIT_USAGE;
	if (precision < 1 || precision > 17)
		error("--precision must be between 1 and 17");
	else
		ret = diff_revisions(p, &args, "'repro metrics diff'", all, fmt, precision, 0);
	strlist_release(&args, 0);
	return ret;
}

int cmd_metrics(int argc, char **argv, struct project *p)
{
	const char *sub = argc > 1 ? argv[1] : "show";

	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		/* the help of both subcommands, one after the other */
		char *show_help[] = { "show", "--help", NULL }, *diff_help[] = { "diff", "--help", NULL };
		metrics_show(2, show_help, p);
		fputs("\n", stdout);
		return metrics_diff_cmd(2, diff_help, p);
	}
	if (!strcmp(sub, "show"))
		return metrics_show(argc > 1 ? argc - 1 : argc, argc > 1 ? argv + 1 : argv, p);
	if (!strcmp(sub, "diff"))
		return metrics_diff_cmd(argc - 1, argv + 1, p);
	if (sub[0] == '-')
		return metrics_show(argc, argv, p);
	fprintf(stderr, "repro: unknown subcommand 'metrics %s'\n%s", sub, metrics_usage);
	return EXIT_USAGE;
}
