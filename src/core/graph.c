#include "core/graph.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static int overlaps(const char *a, const char *b)
{
	return path_is_inside(a, b) || path_is_inside(b, a);
}

static void add_edge(struct graph *g, size_t from, size_t to)
{
	for (size_t k = 0; k < g->nup[to]; k++)
		if (g->up[to][k] == from)
			return;
	g->up[to] = xrealloc(g->up[to], (g->nup[to] + 1) * sizeof(size_t));
	g->up[to][g->nup[to]++] = from;
	g->down[from] = xrealloc(g->down[from], (g->ndown[from] + 1) * sizeof(size_t));
	g->down[from][g->ndown[from]++] = to;
}

/* Reports out y of stage s repeating its out x. */
static int listed_twice(const struct pipeline *p, const struct stage *s, const struct stage_out *x,
			const struct stage_out *y)
{
	static const char *const lists[] = { [OUT_PLAIN] = "outs", [OUT_METRIC] = "metrics", [OUT_PLOT] = "plots" };

	if (x->kind != y->kind)
		return error_at(p->file, y->line, y->col,
				"'%s' is listed twice in stage '%s' (in %s at line %d and in %s at line %d); list it once",
				y->path, s->name, lists[x->kind], x->line, lists[y->kind], y->line);
	if (x->line != y->line)
		return error_at(p->file, y->line, y->col, "'%s' is listed twice in the %s of stage '%s' (lines %d and %d)",
				y->path, lists[y->kind], s->name, x->line, y->line);
	return error_at(p->file, y->line, y->col,
			"'%s' is listed twice in the %s of stage '%s' (line %d, columns %d and %d)", y->path,
			lists[y->kind], s->name, y->line, x->col, y->col);
}

/* Outs must not collide: the same path twice, or one inside another. */
static int check_outs(const struct pipeline *p)
{
	int ret = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct stage *a = &p->stages[i];
		for (size_t oi = 0; oi < a->nouts; oi++) {
			const struct stage_out *x = &a->outs[oi];
			for (size_t j = i; j < p->n; j++) {
				const struct stage *b = &p->stages[j];
				for (size_t oj = (i == j ? oi + 1 : 0); oj < b->nouts; oj++) {
					const struct stage_out *y = &b->outs[oj];
					if (!strcmp(x->path, y->path) && i == j)
						ret = listed_twice(p, a, x, y);
					else if (!strcmp(x->path, y->path))
						ret = error_at(p->file, y->line, y->col,
							       "'%s' is an out of both stage '%s' (line %d) and stage '%s'; "
							       "one path can have only one producer",
							       y->path, a->name, x->line, b->name);
					else if (overlaps(x->path, y->path)) {
						const struct stage_out *in = path_is_inside(x->path, y->path) ? x : y;
						const struct stage_out *outer = in == x ? y : x;
						const struct stage *sin = in == x ? a : b, *sout = in == x ? b : a;
						ret = error_at(p->file, in->line, in->col,
							       "out '%s' of stage '%s' is inside out '%s' of stage '%s'",
							       in->path, sin->name, outer->path, sout->name);
					}
				}
			}
			for (size_t d = 0; d < a->ndeps; d++)
				if (!a->deps[d].is_url && !strcmp(a->deps[d].path, x->path))
					ret = error_at(p->file, a->deps[d].line, a->deps[d].col,
						       "'%s' is both a dep and an out of stage '%s'", x->path, a->name);
		}
	}
	return ret;
}

/* Reports one cycle among the stages left unsorted (indeg > 0). */
static int report_cycle(const struct graph *g, const struct pipeline *p, const size_t *indeg)
{
	size_t start = 0, *path = xcalloc(g->n + 1, sizeof(size_t));
	unsigned char *seen = xcalloc(g->n, 1);
	struct strbuf sb = STRBUF_INIT;

	while (!indeg[start])
		start++;
	/* walk upstream through unsorted stages until a stage repeats */
	size_t cur = start, len = 0;
	while (!seen[cur]) {
		seen[cur] = 1;
		path[len++] = cur;
		for (size_t k = 0; k < g->nup[cur]; k++)
			if (indeg[g->up[cur][k]]) {
				cur = g->up[cur][k];
				break;
			}
	}
	size_t from = 0;
	while (path[from] != cur)
		from++;
	/* path[from..len) runs downstream to upstream; print it upstream first,
	 * starting at the earliest-declared stage so the message is stable */
	size_t clen = len - from, first = 0;
	for (size_t k = 1; k < clen; k++)
		if (path[len - 1 - k] < path[len - 1 - first])
			first = k;
	for (size_t k = 0; k <= clen; k++)
		strbuf_addf(&sb, "%s'%s'", k ? " -> " : "", p->stages[path[len - 1 - (first + k) % clen]].name);
	size_t at = path[len - 1 - first];
	int r = error_at(p->file, p->stages[at].line, p->stages[at].col,
			 "the stages form a cycle: %s; a stage cannot depend on its own outputs", sb.buf);
	strbuf_release(&sb);
	free(path);
	free(seen);
	return r;
}

int graph_build(struct graph *g, const struct pipeline *p)
{
	memset(g, 0, sizeof(*g));
	g->n = p->n;
	g->up = xcalloc(p->n + 1, sizeof(*g->up));
	g->nup = xcalloc(p->n + 1, sizeof(*g->nup));
	g->down = xcalloc(p->n + 1, sizeof(*g->down));
	g->ndown = xcalloc(p->n + 1, sizeof(*g->ndown));
	g->order = xcalloc(p->n + 1, sizeof(*g->order));
	if (check_outs(p) < 0)
		return -1;
	for (size_t b = 0; b < p->n; b++)
		for (size_t d = 0; d < p->stages[b].ndeps; d++) {
			const struct stage_dep *dep = &p->stages[b].deps[d];
			if (dep->is_url)
				continue;
			for (size_t a = 0; a < p->n; a++)
				for (size_t o = 0; o < p->stages[a].nouts; o++)
					if (a != b && overlaps(dep->path, p->stages[a].outs[o].path))
						add_edge(g, a, b);
		}

	/* Kahn's algorithm, always taking the earliest-declared ready stage so
	 * the order is stable and matches the file where the graph allows. */
	size_t *indeg = xcalloc(p->n + 1, sizeof(size_t)), done = 0;
	unsigned char *placed = xcalloc(p->n + 1, 1);
	for (size_t i = 0; i < p->n; i++)
		indeg[i] = g->nup[i];
	while (done < p->n) {
		size_t i;
		for (i = 0; i < p->n; i++)
			if (!placed[i] && !indeg[i])
				break;
		if (i == p->n)
			break;
		placed[i] = 1;
		g->order[done++] = i;
		for (size_t k = 0; k < g->ndown[i]; k++)
			indeg[g->down[i][k]]--;
	}
	int ret = done == p->n ? 0 : report_cycle(g, p, indeg);
	free(indeg);
	free(placed);
	return ret;
}

void graph_release(struct graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->up[i]);
		free(g->down[i]);
	}
	free(g->up);
	free(g->nup);
	free(g->down);
	free(g->ndown);
	free(g->order);
	memset(g, 0, sizeof(*g));
}

void graph_mark_up(const struct graph *g, size_t i, unsigned char *mark)
{
	if (mark[i])
		return;
	mark[i] = 1;
	for (size_t k = 0; k < g->nup[i]; k++)
		graph_mark_up(g, g->up[i][k], mark);
}

void graph_mark_down(const struct graph *g, size_t i, unsigned char *mark)
{
	if (mark[i])
		return;
	mark[i] = 1;
	for (size_t k = 0; k < g->ndown[i]; k++)
		graph_mark_down(g, g->down[i][k], mark);
}
