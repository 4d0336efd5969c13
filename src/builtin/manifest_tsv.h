/*
 * MANIFEST.tsv: the per-file provenance table beside a corpus
 * (../shared/corpus/k8s/MANIFEST.tsv): tab-separated, a header row naming
 * the columns, one row per file. ingest needs `relpath` (relative to the
 * directory holding the MANIFEST), `repo` and `license`; other columns are
 * ignored and the columns may come in any order.
 */
#ifndef REPRO_BUILTIN_MANIFEST_TSV_H
#define REPRO_BUILTIN_MANIFEST_TSV_H

#include <stddef.h>

struct manifest_row {
	char *relpath; /* "files/owner__repo/path.yaml" */
	char *repo;    /* "owner/repo" */
	char *license; /* SPDX id, "Apache-2.0" */
	size_t line;   /* 1-based line in the file */
};

struct manifest {
	struct manifest_row *rows; /* sorted by relpath, without duplicates (the first row wins) */
	size_t n;                  /* how many */
};

/* Parses text (named `name` in messages). 0, or -1 (reported with the line). */
int manifest_parse(struct manifest *m, const char *text, size_t len, const char *name);
const struct manifest_row *manifest_lookup(const struct manifest *m, const char *relpath);
void manifest_release(struct manifest *m);

#endif
