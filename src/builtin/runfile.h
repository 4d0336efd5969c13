/*
 * Records on an anonymous scratch file, for the external sort: each record
 * is a byte string stored as a 4-byte length (host order: the file never
 * outlives the process) and its bytes. Records are appended through a
 * bounded buffer and read back one segment (a sorted run) at a time through
 * another, so neither side holds more than its buffer and the record in
 * hand. The file has no name (see spill.h): nothing is left behind.
 */
#ifndef REPRO_BUILTIN_RUNFILE_H
#define REPRO_BUILTIN_RUNFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "builtin/spill.h"
#include "util/strbuf.h"

/* The largest record: its length must fit the 4-byte prefix. */
#define RUNFILE_MAX_RECORD ((size_t)0xffffffffu)

struct runfile {
	struct spill spill; /* the file; spill.end is where the written bytes end */
	struct strbuf wbuf; /* appended records not yet written */
	size_t wmax;        /* wbuf is written out when it reaches this many bytes */
};

/* Creates the scratch file in dir; bufsize bounds the write buffer. 0 or -1 (reported). */
int runfile_open(struct runfile *f, const char *dir, size_t bufsize);
/* Appends a record of len <= RUNFILE_MAX_RECORD bytes. 0 or -1 (reported). */
int runfile_append(struct runfile *f, const void *rec, size_t len);
/* Writes out the buffer, so that reads see every record. 0 or -1 (reported). */
int runfile_flush(struct runfile *f);
/* Where the next record will start (the file's end once flushed). */
off_t runfile_end(const struct runfile *f);
/* Frees the disk blocks of [start, end), which will not be read again. */
void runfile_discard(struct runfile *f, off_t start, off_t end);
void runfile_close(struct runfile *f);

/* Reads the records of one segment [pos, end) of a flushed runfile in order. */
struct runfile_reader {
	const struct runfile *f; /* the file */
	off_t pos, end;          /* the part of the segment not yet in buf */
	char *buf;               /* bytes read ahead */
	size_t cap;              /* bytes allocated for buf (grows to hold a longer record) */
	size_t start, len;       /* buf[start, len) is not yet handed out */
};

void runfile_reader_init(struct runfile_reader *r, const struct runfile *f, off_t start, off_t end,
			 size_t bufsize);
/*
 * The next record: 1 with *rec and *len set (valid until the next call), 0
 * at the segment's end, -1 on a read error or a truncated record (reported).
 */
int runfile_reader_next(struct runfile_reader *r, const void **rec, size_t *len);
void runfile_reader_release(struct runfile_reader *r);

#endif
