#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/project.h"
#include "core/session.h"
#include "util/error.h"
#include "util/json.h"
#include "util/options.h"
#include "util/xalloc.h"

enum dag_format { DAG_TEXT, DAG_DOT, DAG_MERMAID, DAG_MD, DAG_JSON };

struct dag {
	const struct session *ss;
	const unsigned char *shown; /* stages to draw */
	unsigned char *printed;     /* text format: already drawn in full */
	struct strbuf prefix;       /* text format: the tree's left margin */
};

/* Draws stage i and, below it, the stages that depend on it. */
static void draw(struct dag *d, size_t i, int last, int root)
{
	const struct graph *g = &d->ss->graph;
	const struct stage *s = &d->ss->pipeline.stages[i];

	if (root)
		printf("%s", s->name);
	else
		printf("%s%s%s", d->prefix.buf, last ? "└── " : "├── ", s->name);
	if (d->printed[i]) {
		printf(" (shown above)\n");
		return;
	}
	printf("%s\n", s->frozen ? " (frozen)" : "");
	d->printed[i] = 1;
	size_t len = d->prefix.len, nkids = 0;
	if (!root)
		strbuf_addstr(&d->prefix, last ? "    " : "│   ");
	for (size_t k = 0; k < g->ndown[i]; k++)
		nkids += d->shown[g->down[i][k]];
	for (size_t k = 0, seen = 0; k < g->ndown[i]; k++)
		if (d->shown[g->down[i][k]])
			draw(d, g->down[i][k], ++seen == nkids, 0);
	strbuf_setlen(&d->prefix, len);
}

static void print_text(struct dag *d)
{
	const struct graph *g = &d->ss->graph;

	for (size_t k = 0; k < g->n; k++) {
		size_t i = g->order[k];
		int has_up = 0;
		for (size_t u = 0; u < g->nup[i]; u++)
			has_up |= d->shown[g->up[i][u]];
		if (d->shown[i] && !has_up)
			draw(d, i, 1, 1);
	}
}

/* Mermaid and dot ids: the index, with the name as the label. */
static void print_graph(const struct dag *d, enum dag_format f)
{
	const struct graph *g = &d->ss->graph;
	const struct pipeline *p = &d->ss->pipeline;
	struct strbuf q = STRBUF_INIT;

	if (f == DAG_MD)
		printf("```mermaid\n");
	printf(f == DAG_DOT ? "digraph pipeline {\n\trankdir=TB;\n\tnode [shape=box];\n" : "flowchart TD\n");
	for (size_t k = 0; k < g->n; k++) {
		size_t i = g->order[k];
		if (!d->shown[i])
			continue;
		strbuf_reset(&q);
		json_quote(p->stages[i].name, &q);
		if (f == DAG_DOT)
			printf("\t%s;\n", q.buf);
		else
			printf("\tstage%zu[%s]\n", i, q.buf);
	}
	for (size_t k = 0; k < g->n; k++) {
		size_t i = g->order[k];
		for (size_t e = 0; d->shown[i] && e < g->ndown[i]; e++) {
			size_t j = g->down[i][e];
			if (!d->shown[j])
				continue;
			if (f == DAG_DOT) {
				strbuf_reset(&q);
				json_quote(p->stages[i].name, &q);
				strbuf_addstr(&q, " -> ");
				json_quote(p->stages[j].name, &q);
				printf("\t%s;\n", q.buf);
			} else {
				printf("\tstage%zu --> stage%zu\n", i, j);
			}
		}
	}
	if (f == DAG_DOT)
		printf("}\n");
	if (f == DAG_MD)
		printf("```\n");
	strbuf_release(&q);
}

static void print_json(const struct dag *d)
{
	const struct graph *g = &d->ss->graph;
	const struct pipeline *p = &d->ss->pipeline;
	cJSON *root = cJSON_CreateObject(), *nodes = cJSON_AddArrayToObject(root, "stages");
	cJSON *edges = cJSON_AddArrayToObject(root, "edges");

	for (size_t k = 0; k < g->n; k++) {
		size_t i = g->order[k];
		const struct stage *s = &p->stages[i];
		if (!d->shown[i])
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", s->name);
		cJSON *cmd = cJSON_AddArrayToObject(o, "cmd");
		for (size_t c = 0; c < s->ncmd; c++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString(s->cmd[c]));
		cJSON *deps = cJSON_AddArrayToObject(o, "deps");
		for (size_t c = 0; c < s->ndeps; c++)
			cJSON_AddItemToArray(deps, cJSON_CreateString(s->deps[c].path));
		cJSON *outs = cJSON_AddArrayToObject(o, "outs");
		for (size_t c = 0; c < s->nouts; c++)
			cJSON_AddItemToArray(outs, cJSON_CreateString(s->outs[c].path));
		cJSON_AddItemToArray(nodes, o);
		for (size_t e = 0; e < g->ndown[i]; e++) {
			if (!d->shown[g->down[i][e]])
				continue;
			cJSON *edge = cJSON_CreateObject();
			cJSON_AddStringToObject(edge, "from", s->name);
			cJSON_AddStringToObject(edge, "to", p->stages[g->down[i][e]].name);
			cJSON_AddItemToArray(edges, edge);
		}
	}
	char *s = cJSON_Print(root);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(root);
}

int cmd_dag(int argc, char **argv, struct project *p)
{
	int format = DAG_TEXT;
	const char *file = NULL;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_CHOICE(0, "dot", &format, DAG_DOT, "print Graphviz dot"),
		OPT_CHOICE(0, "mermaid", &format, DAG_MERMAID, "print a Mermaid flowchart"),
		OPT_CHOICE(0, "md", &format, DAG_MD, "print a Mermaid flowchart in a Markdown fence"),
		OPT_CHOICE(0, "json", &format, DAG_JSON, "print stages and edges as JSON"),
		OPT_STRING('f', "file", &file, "FILE", "the stages file (default stages.yaml)"),
		OPT_END(),
	};
	const struct command_help help = {
		"repro dag [options] [STAGE]",
		"Show the pipeline's graph: each stage above the stages that depend on it.",
		"With STAGE, only that stage and what it depends on. A stage with several\n"
		"upstream stages is drawn in full under the first, then marked as shown.\n",
	};
	struct session ss;
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n > 1) {
		strlist_release(&args, 0);
		error("'repro dag' takes at most one stage");
		return EXIT_USAGE;
	}
	/* no stages file is an empty graph, unless -f named one */
	if (session_open(&ss, p, file, !file) < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	size_t n = ss.pipeline.n;
	unsigned char *sel = session_select(&ss, args.items, args.n), *shown = xcalloc(n + 1, 1);
	struct dag d = { .ss = &ss, .shown = shown, .printed = xcalloc(n + 1, 1) };
	strbuf_init(&d.prefix, 0);
	if (!sel) {
		ret = EXIT_USAGE;
		goto done;
	}
	for (size_t i = 0; sel && i < n; i++)
		if (sel[i])
			graph_mark_up(&ss.graph, i, shown);
	if (format == DAG_TEXT && !n)
		printf("no stages in '%s'\n", ss.pipeline.file);
	else if (format == DAG_TEXT)
		print_text(&d);
	else if (format == DAG_JSON)
		print_json(&d);
	else
		print_graph(&d, format);
done:
	strbuf_release(&d.prefix);
	free(d.printed);
	free(sel);
	free(shown);
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
