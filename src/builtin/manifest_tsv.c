#include "builtin/manifest_tsv.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

enum { COL_RELPATH, COL_REPO, COL_LICENSE, NCOLS };
static const char *const col_names[NCOLS] = { "relpath", "repo", "license" };

/* Splits line[0..len) at tabs; fields point into line (tabs become NULs). */
static size_t split(char *line, size_t len, char ***fields, size_t *alloc)
{
	size_t n = 0;
	char *p = line, *end = line + len;

	for (;;) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		ARRAY_GROW(*fields, *alloc, n + 1);
		(*fields)[n++] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static int by_path(const void *a, const void *b)
{
	const struct manifest_row *x = a, *y = b;
	int c = strcmp(x->relpath, y->relpath);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts rows by path and drops later duplicates. */
static void sort_rows(struct manifest *m)
{
	size_t k = 0;

	qsort(m->rows, m->n, sizeof(*m->rows), by_path);
	for (size_t i = 0; i < m->n; i++) {
		if (k && !strcmp(m->rows[k - 1].relpath, m->rows[i].relpath)) {
			free(m->rows[i].relpath);
			free(m->rows[i].repo);
			free(m->rows[i].license);
			continue;
		}
		m->rows[k++] = m->rows[i];
	}
	m->n = k;
}

/* Finds the needed columns in the header; -1 (reported) when one is missing. */
static int header(char **f, size_t nf, const char *name, size_t *col)
{
	for (int c = 0; c < NCOLS; c++) {
		col[c] = (size_t)-1;
		for (size_t i = 0; i < nf; i++)
			if (!strcmp(f[i], col_names[c]))
				col[c] = i;
		if (col[c] == (size_t)-1)
			return error_at(name, 1, 0, "no '%s' column in the header row", col_names[c]);
	}
	return 0;
}

int manifest_parse(struct manifest *m, const char *text, size_t len, const char *name)
{
	char *copy = xstrndup(text, len);
	char **f = NULL;
	size_t falloc = 0, alloc = 0, col[NCOLS], lineno = 0;
	char *p = copy, *end = copy + len;
	int ret = 0;

	m->rows = NULL;
	m->n = 0;
	while (p < end && !ret) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = p;

		p += n + (nl != NULL);
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (!n)
			continue;
		size_t nf = split(line, n, &f, &falloc);
		if (lineno == 1) {
			ret = header(f, nf, name, col);
			continue;
		}
		if (nf <= col[COL_RELPATH] || nf <= col[COL_REPO] || nf <= col[COL_LICENSE]) {
			ret = error_at(name, (int)lineno, 0, "row has %zu columns, fewer than the header", nf);
			break;
		}
		ARRAY_GROW(m->rows, alloc, m->n + 1);
		struct manifest_row *r = &m->rows[m->n++];
		r->relpath = xstrdup(f[col[COL_RELPATH]]);
		r->repo = xstrdup(f[col[COL_REPO]]);
		r->license = xstrdup(f[col[COL_LICENSE]]);
		r->line = lineno;
	}
	if (!ret && lineno == 0)
		ret = error("'%s' is empty; it needs a header row", name);
	free(f);
	free(copy);
	if (ret < 0) {
		manifest_release(m);
		return -1;
	}
	sort_rows(m);
	return 0;
}

const struct manifest_row *manifest_lookup(const struct manifest *m, const char *relpath)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->rows[mid].relpath, relpath);
		if (!c)
			return &m->rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void manifest_release(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->rows[i].relpath);
		free(m->rows[i].repo);
		free(m->rows[i].license);
	}
	free(m->rows);
	m->rows = NULL;
	m->n = 0;
}
