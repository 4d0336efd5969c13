/*
 * MANIFEST.tsv: the per-file provenance table beside a corpus
 * (../shared/corpus/k8s/MANIFEST.tsv): tab-separated, a header row naming
 * the columns, one row per file. ingest needs `relpath` (relative to the
 * directory holding the MANIFEST), `repo` and `license`; other columns are
 * ignored and the columns may come in any order.
 *
 * The parser is fed the text in pieces of any size and hands over each row
 * as its line completes, so a manifest of any size is read in the memory of
 * one line. Lines end with "\n" or "\r\n"; empty lines are skipped; the
 * first non-empty line is the header; a NUL byte ends the text.
 */
#ifndef REPRO_BUILTIN_MANIFEST_TSV_H
#define REPRO_BUILTIN_MANIFEST_TSV_H

#include <stddef.h>

#include "util/strbuf.h"

struct manifest_row {
	const char *relpath; /* "files/owner__repo/path.yaml" */
	const char *repo;    /* "owner/repo" */
	const char *license; /* SPDX id, "Apache-2.0" */
	size_t line;         /* 1-based line in the file */
};

/* Receives one data row (valid during the call). 0, or -1 to stop (after reporting). */
typedef int manifest_row_fn(void *ctx, const struct manifest_row *row);

enum { MANIFEST_RELPATH, MANIFEST_REPO, MANIFEST_LICENSE, MANIFEST_NCOLS };

struct manifest_parser {
	const char *name;            /* the file's name, for messages */
	manifest_row_fn *fn;         /* where rows go */
	void *ctx;                   /* fn's first argument */
	size_t lineno;               /* lines completed so far */
	size_t col[MANIFEST_NCOLS];  /* the field index of relpath, repo and license */
	int have_header;             /* the header row was read */
	int ended;                   /* a NUL byte ended the text: the rest is ignored */
	int seen;                    /* some text was fed */
	struct strbuf line;          /* the line not yet complete */
	char **fields;               /* the current line's fields (into line) */
	size_t falloc;               /* slots allocated in fields */
};

void manifest_parser_init(struct manifest_parser *p, const char *name, manifest_row_fn *fn, void *ctx);
/* Parses the next len bytes of the text. 0, or -1 (reported with the line, or fn's failure). */
int manifest_parser_feed(struct manifest_parser *p, const char *data, size_t len);
/* Ends the text: parses a last line without newline; an empty text is an error. 0 or -1. */
int manifest_parser_finish(struct manifest_parser *p);
void manifest_parser_release(struct manifest_parser *p);

#endif
