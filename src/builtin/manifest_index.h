/*
 * The rows of a MANIFEST.tsv, looked up by path in bounded memory: the rows
 * go through an external sort by relpath (see extsort.h), and lookups come
 * in ascending path order (ingest writes its records sorted by path), so
 * finding them is a merge join that reads the sorted rows once. A manifest
 * of any size costs at most the budget. Of rows with the same relpath, the
 * first in the file wins.
 */
#ifndef REPRO_BUILTIN_MANIFEST_INDEX_H
#define REPRO_BUILTIN_MANIFEST_INDEX_H

#include <stddef.h>

#include "builtin/extsort.h"
#include "builtin/manifest_tsv.h"

struct manifest_index {
	struct extsort rows; /* records "relpath\0repo\0license\0", sorted by relpath */
	const char *cur;     /* the current sorted row, NULL before the first and after the last */
	int done;            /* every row was read */
};

/* An empty index that keeps at most budget bytes in memory; scratch file in dir. */
void manifest_index_init(struct manifest_index *mi, size_t budget, const char *dir);
/* Adds a row (a manifest_row_fn: ctx is the index). 0 or -1 (reported). */
int manifest_index_add(void *ctx, const struct manifest_row *row);
/* Ends the rows, before the first lookup. 0 or -1 (reported). */
int manifest_index_finish(struct manifest_index *mi);
/*
 * The row of path: 1 with row->relpath, repo and license set (valid until
 * the next call), 0 when no row has that path, -1 on a read error
 * (reported). Each path must sort (strcmp) at or after the previous one.
 */
int manifest_index_find(struct manifest_index *mi, const char *path, struct manifest_row *row);
void manifest_index_release(struct manifest_index *mi);

#endif
