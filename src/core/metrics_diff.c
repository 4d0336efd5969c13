/*
 * Pairing two snapshots' values by (file, key). A file or key present on
 * one side only pairs with "missing" (NULL) on the other: that is a change,
 * shown as '-', never an error.
 */
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "util/json.h"
#include "util/xalloc.h"

struct rows {
	struct metrics_row *v;
	size_t n, alloc;
	int all;
};

static int values_equal(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return !a && !b;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	return json_equal(a, b);
}

static void add_row(struct rows *r, const char *path, const char *key, const cJSON *o, const cJSON *n)
{
	int changed = !values_equal(o, n);

	if (!changed && !r->all)
		return;
	ARRAY_GROW(r->v, r->alloc, r->n + 1);
	r->v[r->n++] = (struct metrics_row){ path, key, o, n, changed };
}

static const struct metric_list *list_of(const struct metrics_file *f)
{
	return f && f->status == MFILE_OK ? f->data : NULL;
}

/* qsort_r over indices into one list, by key */
static int by_key(const void *a, const void *b, void *list)
{
	const struct metric_list *l = list;
	return strcmp(l->v[*(const size_t *)a].key, l->v[*(const size_t *)b].key);
}

static int find_key(const struct metric_list *l, const size_t *idx, const char *key)
{
	size_t lo = 0, hi = l ? l->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->v[idx[mid]].key, key);
		if (c == 0)
			return (int)idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The rows of one file: b's keys in order, then keys only in a. */
static void diff_file(struct rows *r, const char *path, const struct metrics_file *fa, const struct metrics_file *fb)
{
	const struct metric_list *la = list_of(fa), *lb = list_of(fb);
	size_t na = la ? la->n : 0;
	size_t *idx = xcalloc(na + 1, sizeof(*idx));
	unsigned char *used = xcalloc(na + 1, 1);

	for (size_t i = 0; i < na; i++)
		idx[i] = i;
	if (na)
		qsort_r(idx, na, sizeof(*idx), by_key, (void *)la);
	for (size_t i = 0; lb && i < lb->n; i++) {
		int j = find_key(la, idx, lb->v[i].key);
		if (j >= 0)
			used[j] = 1;
		add_row(r, path, lb->v[i].key, j >= 0 ? la->v[j].value : NULL, lb->v[i].value);
	}
	for (size_t i = 0; i < na; i++)
		if (!used[i])
			add_row(r, path, la->v[i].key, la->v[i].value, NULL);
	free(idx);
	free(used);
}

static const struct metrics_file *find_file(const struct metrics_snapshot *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->files[i].path, path))
			return &s->files[i];
	return NULL;
}

void metrics_diff(const struct metrics_snapshot *a, const struct metrics_snapshot *b, int all,
		  struct metrics_row **rows, size_t *n)
{
	struct rows r = { NULL, 0, 0, all };

	for (size_t i = 0; i < b->n; i++)
		diff_file(&r, b->files[i].path, find_file(a, b->files[i].path), &b->files[i]);
	for (size_t i = 0; i < a->n; i++)
		if (!find_file(b, a->files[i].path))
			diff_file(&r, a->files[i].path, &a->files[i], NULL);
	*rows = r.v;
	*n = r.n;
}
