/*
 * JSON as the built-in stages write it, and JSONL files (one JSON value per
 * line) as they read and write them.
 *
 * Records are printed compactly with Python's json.dumps separators
 * (", " and ": "), the layout design.md shows and the layout the Python
 * pipeline wrote, so records can be compared with its output. Reports are
 * pretty-printed with two-space indents (as json.dump(indent=2) does), so
 * they read and diff well in git. Key order is the order of insertion, which the writers keep
 * fixed, so the same values always give the same bytes.
 */
#ifndef REPRO_BUILTIN_JSONL_H
#define REPRO_BUILTIN_JSONL_H

#include <stdio.h>

#include <cJSON.h>

#include "util/fs.h"
#include "util/strbuf.h"

/* Appends obj compactly, with ", " and ": " separators. */
void json_print_compact(const cJSON *obj, struct strbuf *out);

/* Appends v pretty-printed, its lines indented by 2 * depth spaces after the first. */
void json_pretty(const cJSON *v, int depth, struct strbuf *out);

/* Writes obj pretty-printed plus a newline to path, atomically (parents created). */
int json_write_file(const char *path, const cJSON *obj);

/*
 * A JSONL file being written. Nothing appears under the final name until
 * jsonl_commit(); a failed stage calls jsonl_abort() and leaves the old file
 * (or none) in place.
 */
struct jsonl_writer {
	struct atomic_file af; /* the temporary file beside the target */
	struct strbuf buf;     /* lines not yet written out */
	size_t lines;          /* lines written so far */
	int failed;            /* a write failed (reported); commit will fail */
};
/* Creates path's directory if needed and opens the temporary file. */
int jsonl_open(struct jsonl_writer *w, const char *path);
/* Appends obj as one line. */
int jsonl_write(struct jsonl_writer *w, const cJSON *obj);
/* Appends len bytes (one line without its newline). */
int jsonl_write_line(struct jsonl_writer *w, const char *line, size_t len);
int jsonl_commit(struct jsonl_writer *w);
void jsonl_abort(struct jsonl_writer *w);

/* Reads a JSONL file line by line (blank lines are skipped). */
struct jsonl_reader {
	FILE *f;          /* the open file */
	char *path;       /* its path, for messages */
	char *line;       /* the current line (getline's buffer), without '\n' */
	size_t cap;       /* bytes allocated for line */
	size_t len;       /* length of the current line */
	size_t lineno;    /* 1-based number of the current line */
};
int jsonl_reader_open(struct jsonl_reader *r, const char *path);
/* 1 with the next line in r->line/len, 0 at the end, -1 on a read error (reported). */
int jsonl_next(struct jsonl_reader *r);
void jsonl_reader_close(struct jsonl_reader *r);

#endif
