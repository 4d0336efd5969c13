#include "core/graph.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/*
 * Every check and edge below is a question about paths: is this path an
 * out, is one inside it, is it inside one. They are answered from one
 * array of all outs sorted by path, so a pipeline of thousands of stages
 * (or a hostile one) costs n log n and the edges, not a pairwise scan.
 */
struct outref {
	const char *path; /* the out's normalised path */
	size_t stage;     /* index of its stage */
	size_t out;       /* index in the stage's outs */
};

struct outindex {
	struct outref *v; /* sorted by path, then declaration order */
	size_t n;
};

static int outref_cmp(const void *a, const void *b)
{
	const struct outref *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	return x->out < y->out ? -1 : x->out > y->out;
}

static void outindex_build(struct outindex *ix, const struct pipeline *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->stages[i].nouts;
	ix->v = xcalloc(n + 1, sizeof(*ix->v));
	ix->n = 0;
	for (size_t i = 0; i < p->n; i++)
		for (size_t o = 0; o < p->stages[i].nouts; o++)
			ix->v[ix->n++] = (struct outref){ p->stages[i].outs[o].path, i, o };
	qsort(ix->v, ix->n, sizeof(*ix->v), outref_cmp);
}

/* s compared with the first len bytes of key, as strcmp would order them. */
static int cmp_key(const char *s, const char *key, size_t len)
{
	int c = strncmp(s, key, len);

	return c ? c : s[len] != '\0';
}

/* The first out whose path is not below key[0..len) in sort order. */
static size_t lower_bound(const struct outindex *ix, const char *key, size_t len)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(ix->v[mid].path, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first out whose path is exactly key[0..len), or ix->n. */
static size_t find_exact(const struct outindex *ix, const char *key, size_t len)
{
	size_t i = lower_bound(ix, key, len);

	return i < ix->n && !cmp_key(ix->v[i].path, key, len) ? i : ix->n;
}

/* Appending to up/down lists: capacity doubles at each power of two, so
 * a stage with many neighbours costs no quadratic copying. */
static void push_index(size_t **v, size_t *n, size_t x)
{
	if (*n == 0 || (*n & (*n - 1)) == 0)
		*v = xrealloc(*v, (*n ? 2 * *n : 1) * sizeof(**v));
	(*v)[(*n)++] = x;
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
static int check_outs(const struct pipeline *p, const struct outindex *ix)
{
	int ret = 0;

	for (size_t k = 0; k < ix->n; k++) {
		const struct outref *r = &ix->v[k];
		const struct stage *b = &p->stages[r->stage];
		const struct stage_out *y = &b->outs[r->out];
		/* a path declared twice: report each later one against the first */
		size_t first = find_exact(ix, r->path, strlen(r->path));
		if (first != k && ix->v[first].stage == r->stage) {
			ret = listed_twice(p, b, &b->outs[ix->v[first].out], y);
		} else if (first != k) {
			const struct stage *a = &p->stages[ix->v[first].stage];
			ret = error_at(p->file, y->line, y->col,
				       "'%s' is an out of both stage '%s' (line %d) and stage '%s'; "
				       "one path can have only one producer",
				       y->path, a->name, a->outs[ix->v[first].out].line, b->name);
		}
		/* an out below another: look each parent directory up */
		for (const char *sl = strchr(r->path, '/'); sl; sl = strchr(sl + 1, '/')) {
			size_t o = find_exact(ix, r->path, (size_t)(sl - r->path));
			if (o == ix->n)
				continue;
			const struct stage *a = &p->stages[ix->v[o].stage];
			ret = error_at(p->file, y->line, y->col, "out '%s' of stage '%s' is inside out '%s' of stage '%s'",
				       y->path, b->name, ix->v[o].path, a->name);
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct stage *a = &p->stages[i];
		for (size_t d = 0; d < a->ndeps; d++) {
			const struct stage_dep *dep = &a->deps[d];
			if (dep->is_url)
				continue;
			for (size_t o = find_exact(ix, dep->path, strlen(dep->path));
			     o < ix->n && !strcmp(ix->v[o].path, dep->path); o++)
				if (ix->v[o].stage == i)
					ret = error_at(p->file, dep->line, dep->col,
						       "'%s' is both a dep and an out of stage '%s'", dep->path, a->name);
		}
	}
	return ret;
}

/* Marks kept while the edges into stage b are found. */
struct edgemarks {
	size_t *linked; /* linked[a] == b + 1: a is upstream of b already */
	size_t *seen;   /* seen[a] == stamp: a produces the dep being looked at */
	size_t stamp;   /* one per dep looked at, from 1 */
};

static void consider(struct edgemarks *m, size_t a, size_t b, size_t **list, size_t *n)
{
	if (a == b || m->linked[a] == b + 1 || m->seen[a] == m->stamp)
		return;
	m->seen[a] = m->stamp;
	push_index(list, n, a);
}

/* Appends to the list the stages (other than b, and not upstream of it
 * yet) with an out at, above or below path, once each. */
static void producers(const struct outindex *ix, const char *path, size_t b, struct edgemarks *m,
		      size_t **list, size_t *n)
{
	size_t len = strlen(path);

	/* outs that are the path or a directory holding it */
	for (size_t end = 0; end <= len; end++) {
		if (end < len && path[end] != '/')
			continue;
		for (size_t o = find_exact(ix, path, end); o < ix->n && !cmp_key(ix->v[o].path, path, end); o++)
			consider(m, ix->v[o].stage, b, list, n);
	}
	/* outs inside the path: those sorting after "path/" and starting with it */
	char *pre = xasprintf("%s/", path);
	for (size_t o = lower_bound(ix, pre, len + 1); o < ix->n && !strncmp(ix->v[o].path, pre, len + 1); o++)
		consider(m, ix->v[o].stage, b, list, n);
	free(pre);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Edges are what a pipeline's size costs: thousands of stages each
 * depending on thousands of outs (a few lines of YAML with aliases and a
 * matrix) would take gigabytes. Real pipelines are sparse; past this many
 * the file is refused.
 */
#define MAX_EDGES 4000000

/* The edges into b: for each dep in order, the stages producing it in
 * declaration order (as a pairwise scan would add them). Counts them in
 * *nedges; -1 when that passes MAX_EDGES. */
static int add_edges_to(struct graph *g, const struct pipeline *p, const struct outindex *ix, size_t b,
			struct edgemarks *m, size_t *nedges)
{
	size_t *list = NULL, n = 0;

	for (size_t d = 0; d < p->stages[b].ndeps; d++) {
		if (p->stages[b].deps[d].is_url)
			continue;
		n = 0;
		m->stamp++;
		producers(ix, p->stages[b].deps[d].path, b, m, &list, &n);
		if (n > 1 && n * 16 > p->n) {
			/* many: picking them out of all stages in order beats sorting */
			size_t k = 0;
			for (size_t a = 0; a < p->n && k < n; a++)
				if (m->seen[a] == m->stamp)
					list[k++] = a;
		} else if (n > 1) {
			qsort(list, n, sizeof(*list), cmp_size);
		}
		if ((*nedges += n) > MAX_EDGES) {
			free(list);
			return -1;
		}
		for (size_t k = 0; k < n; k++) {
			m->linked[list[k]] = b + 1;
			push_index(&g->up[b], &g->nup[b], list[k]);
			push_index(&g->down[list[k]], &g->ndown[list[k]], b);
		}
	}
	free(list);
	return 0;
}

/* A binary min-heap of stage indices: Kahn's algorithm takes the
 * earliest-declared ready stage each time. */
static void heap_push(size_t *h, size_t *n, size_t x)
{
	size_t i = (*n)++;

	for (; i && h[(i - 1) / 2] > x; i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = x;
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0], x = h[--*n], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= x)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
	return top;
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
	struct outindex ix;

	memset(g, 0, sizeof(*g));
	g->n = p->n;
	g->up = xcalloc(p->n + 1, sizeof(*g->up));
	g->nup = xcalloc(p->n + 1, sizeof(*g->nup));
	g->down = xcalloc(p->n + 1, sizeof(*g->down));
	g->ndown = xcalloc(p->n + 1, sizeof(*g->ndown));
	g->order = xcalloc(p->n + 1, sizeof(*g->order));
	outindex_build(&ix, p);
	if (check_outs(p, &ix) < 0) {
		free(ix.v);
		return -1;
	}
	struct edgemarks m = { xcalloc(p->n + 1, sizeof(size_t)), xcalloc(p->n + 1, sizeof(size_t)), 0 };
	size_t nedges = 0, b = 0;
	while (b < p->n && add_edges_to(g, p, &ix, b, &m, &nedges) == 0)
		b++;
	free(m.linked);
	free(m.seen);
	free(ix.v);
	if (b < p->n)
		return error_at(p->file, p->stages[b].line, p->stages[b].col,
				"with stage '%s' the stages depend on each other's outs more than %d times "
				"in all; a pipeline this dense is refused", p->stages[b].name, MAX_EDGES);

	/* Kahn's algorithm, always taking the earliest-declared ready stage so
	 * the order is stable and matches the file where the graph allows. */
	size_t *indeg = xcalloc(p->n + 1, sizeof(size_t)), *heap = xcalloc(p->n + 1, sizeof(size_t));
	size_t done = 0, nheap = 0;
	for (size_t i = 0; i < p->n; i++)
		if (!(indeg[i] = g->nup[i]))
			heap_push(heap, &nheap, i);
	while (nheap) {
		size_t i = heap_pop(heap, &nheap);
		g->order[done++] = i;
		for (size_t k = 0; k < g->ndown[i]; k++)
			if (!--indeg[g->down[i][k]])
				heap_push(heap, &nheap, g->down[i][k]);
	}
	int ret = done == p->n ? 0 : report_cycle(g, p, indeg);
	free(indeg);
	free(heap);
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
