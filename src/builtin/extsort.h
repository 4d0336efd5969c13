/*
 * An external merge sort of byte-string records in a fixed memory budget.
 *
 * Records are buffered in memory; when the buffer reaches the budget it is
 * sorted and written as a sorted run to an anonymous scratch file (see
 * runfile.h). At the end, runs are merged EXTSORT_FANIN at a time until few
 * enough remain, and the last merge is done as the records are read, so
 * memory holds about the budget at most, however many records there are: the
 * buffer while adding, then one read buffer per run being merged. Input
 * that fits the budget never touches the disk.
 *
 * The sort is stable: records that compare equal come out in the order they
 * were added. Records are unaligned bytes; a comparison function reads
 * multi-byte fields with memcpy (or stores them big-endian and compares
 * them with memcmp).
 *
 *     extsort_init(&s, budget, dir, cmp, arg);
 *     while (...) extsort_add(&s, rec, len);
 *     extsort_finish(&s);
 *     while ((r = extsort_next(&s, &rec, &len)) > 0) ...;
 *     extsort_release(&s);
 */
#ifndef REPRO_BUILTIN_EXTSORT_H
#define REPRO_BUILTIN_EXTSORT_H

#include <stddef.h>
#include <sys/types.h>

#include "builtin/runfile.h"

/* How many runs one merge reads at once. */
#define EXTSORT_FANIN 16
/* The smallest budget: smaller ones are raised to it. */
#define EXTSORT_MIN_BUDGET 1024

/* <0, 0, >0 as record a sorts before, with, after record b. */
typedef int extsort_cmp_fn(const void *a, size_t alen, const void *b, size_t blen, void *arg);

struct extsort_run {
	off_t start, end; /* its bytes in the scratch file */
};

struct extsort_merge;

struct extsort {
	extsort_cmp_fn *cmp;       /* the order */
	void *arg;                 /* cmp's last argument */
	size_t budget;             /* bytes of memory for records and buffers */
	char *dir;                 /* where the scratch file goes */
	char *buf;                 /* buffered records, each a 4-byte length and its bytes */
	size_t len, cap;           /* bytes used and allocated in buf */
	size_t *idx;               /* offset in buf of each buffered record (sorted by finish) */
	size_t n, idx_alloc;       /* buffered records, slots allocated in idx */
	size_t next;               /* reading from memory: the next record in idx */
	struct runfile file;       /* the runs, once the budget is exceeded */
	int file_open;             /* file was created */
	struct extsort_run *runs;  /* the runs, in the order their records were added */
	size_t nruns, runs_alloc;  /* runs, slots allocated */
	size_t spilled;            /* runs written from memory: 0 when all fit */
	struct extsort_merge *m;   /* reading from runs: the merge in progress */
	int finished;              /* extsort_finish was called */
};

/* A sorter of records in `budget` bytes; its scratch file (if any) goes in dir. */
void extsort_init(struct extsort *s, size_t budget, const char *dir, extsort_cmp_fn *cmp, void *arg);
/*
 * Adds a record (copied), before extsort_finish only. A record larger than
 * the budget is sorted alone in a run of its own. 0, or -1 on a write error
 * (reported).
 */
int extsort_add(struct extsort *s, const void *rec, size_t len);
/* Ends the input and prepares to read the records in order. 0 or -1 (reported). */
int extsort_finish(struct extsort *s);
/*
 * The next record in order: 1 with *rec and *len set (valid until the next
 * call), 0 after the last, -1 on a read or write error (reported).
 */
int extsort_next(struct extsort *s, const void **rec, size_t *len);
/* Reads the records again from the first (after extsort_finish). 0 or -1 (reported). */
int extsort_rewind(struct extsort *s);
void extsort_release(struct extsort *s);

#endif
