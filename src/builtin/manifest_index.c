#include "builtin/manifest_index.h"

#include <string.h>

#include "util/strbuf.h"

/* Rows by relpath, the record's first string; the sort is stable, so the first row stays first. */
static int by_relpath(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	(void)alen;
	(void)blen;
	(void)arg;
	return strcmp(a, b);
}

void manifest_index_init(struct manifest_index *mi, size_t budget, const char *dir)
{
	extsort_init(&mi->rows, budget, dir, by_relpath, NULL);
	mi->cur = NULL;
	mi->done = 0;
}

int manifest_index_add(void *ctx, const struct manifest_row *row)
{
	struct manifest_index *mi = ctx;
	struct strbuf rec = STRBUF_INIT;

	strbuf_add(&rec, row->relpath, strlen(row->relpath) + 1);
	strbuf_add(&rec, row->repo, strlen(row->repo) + 1);
	strbuf_add(&rec, row->license, strlen(row->license) + 1);
	int r = extsort_add(&mi->rows, rec.buf, rec.len);
	strbuf_release(&rec);
	return r;
}

int manifest_index_finish(struct manifest_index *mi)
{
	return extsort_finish(&mi->rows);
}

/* Moves to the next sorted row. 0 or -1 (reported). */
static int advance(struct manifest_index *mi)
{
	const void *rec;
	size_t len;
	int r = extsort_next(&mi->rows, &rec, &len);

	mi->cur = r > 0 ? rec : NULL;
	mi->done = r == 0;
	return r < 0 ? -1 : 0;
}

int manifest_index_find(struct manifest_index *mi, const char *path, struct manifest_row *row)
{
	if (!mi->cur && !mi->done && advance(mi) < 0)
		return -1;
	while (mi->cur && strcmp(mi->cur, path) < 0)
		if (advance(mi) < 0)
			return -1;
	if (!mi->cur || strcmp(mi->cur, path))
		return 0;
	row->relpath = mi->cur;
	row->repo = row->relpath + strlen(row->relpath) + 1;
	row->license = row->repo + strlen(row->repo) + 1;
	row->line = 0;
	return 1;
}

void manifest_index_release(struct manifest_index *mi)
{
	extsort_release(&mi->rows);
	mi->cur = NULL;
}
