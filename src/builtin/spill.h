/*
 * An anonymous scratch file for ingest: file contents go to disk as they
 * stream in and are read back in sorted order at the end, so ingest's memory
 * does not grow with the size of the source. The file has no name (O_TMPFILE,
 * or unlinked at once where that is unsupported), so nothing is left behind
 * whatever happens to the process.
 */
#ifndef REPRO_BUILTIN_SPILL_H
#define REPRO_BUILTIN_SPILL_H

#include <stddef.h>
#include <sys/types.h>

#include "util/strbuf.h"

struct spill {
	int fd;    /* the scratch file */
	off_t end; /* bytes written so far */
};

/* Creates the scratch file in dir. 0 or -1 (reported). */
int spill_open(struct spill *s, const char *dir);
/* Appends data; *off receives where it starts. 0 or -1 (reported). */
int spill_append(struct spill *s, const void *data, size_t len, off_t *off);
/* Replaces out's contents with len bytes from off. 0 or -1 (reported). */
int spill_read(struct spill *s, off_t off, size_t len, struct strbuf *out);
void spill_close(struct spill *s);

#endif
