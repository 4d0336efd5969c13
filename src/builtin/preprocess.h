/*
 * The per-file transform of `repro builtin preprocess` on its own: the
 * same settings, filter, redaction, prompt and wrapping as a run, one
 * ingest record at a time, without threads or output files. For tests and
 * the fuzzer (tests/fuzz/preprocess.c); the command runs the same code.
 */
#ifndef REPRO_BUILTIN_PREPROCESS_H
#define REPRO_BUILTIN_PREPROCESS_H

#include <stddef.h>

#include "util/strbuf.h"

struct preprocess;

/* The settings of section 'preprocess' of params_file (which must exist).
 * NULL after reporting a bad file. */
struct preprocess *preprocess_open(const char *params_file);
void preprocess_close(struct preprocess *p);

/*
 * Runs one ingest record (a JSONL line of len bytes) through the transform.
 * When the file is kept, appends its training record to out and returns
 * "kept"; otherwise returns the reject reason ("too_small", "license", ...).
 */
const char *preprocess_record(const struct preprocess *p, const char *line, size_t len, struct strbuf *out);

#endif
