/*
 * ingest's index of the files it read, in a fixed memory budget whatever
 * their number: each file's path, blob id, size and place in the scratch
 * file go through external sorts (see extsort.h) instead of an array.
 *
 * ingest_index_finish() reads the files in path order once to number them
 * (their position) and find paths that appear twice (the first added is
 * kept); sorts (blob id, position) to find duplicate contents (the first in
 * path order is kept); and, for a sample, sorts (rank, position) to find the
 * max_records-th smallest rank, a threshold. The positions of the duplicates
 * are sorted too, so ingest_index_next() can then hand out the kept files in
 * path order in a second read, skipping the duplicates as their positions
 * come up and the files ranked above the threshold.
 */
#ifndef REPRO_BUILTIN_INGEST_INDEX_H
#define REPRO_BUILTIN_INGEST_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "builtin/extsort.h"
#include "util/strbuf.h"

/* A file as the index hands it out. */
struct ingest_file {
	const char *path;       /* relative to the root (valid until the next call) */
	off_t off;              /* where its content starts in the scratch file */
	uint32_t size;          /* content bytes */
	unsigned char id[20];   /* git blob id */
};

struct ingest_index {
	size_t budget;          /* bytes of memory for all the sorts together */
	char *dir;              /* where their scratch files go */
	struct extsort by_path; /* every file: off, size, id, path; by path, then order added */
	struct extsort drops;   /* positions of the duplicate contents, big-endian, ascending */
	size_t n;               /* files added */
	size_t path_dups;       /* files whose path an earlier file has */
	size_t dups;            /* other files whose content an earlier path has */
	size_t kept;            /* files left: n - path_dups - dups */
	size_t cut;             /* bytes of root + '/' to cut from each path */
	size_t runs;            /* sorted runs written to disk by the sorts, 0 when all fit */
	long seed;              /* the sample's seed */
	int sampled;            /* only files ranked at or below the threshold are kept */
	uint64_t cut_rank;      /* the threshold: the rank ... */
	uint64_t cut_pos;       /* ... and position of the last file sampled */
	uint64_t pos;           /* reading: the position of the next file */
	uint64_t next_drop;     /* reading: the next duplicate's position (valid if have_drop) */
	int have_drop;          /* reading: next_drop is valid */
	struct strbuf prev;     /* reading: the previous path */
};

/* An empty index; scratch files (if it outgrows the budget) go in dir. */
void ingest_index_init(struct ingest_index *ix, size_t budget, const char *dir);
/* Adds a file. 0 or -1 (reported). */
int ingest_index_add(struct ingest_index *ix, const char *path, off_t off, uint32_t size,
		     const unsigned char id[20]);
/*
 * Ends the input: finds the duplicates and, if max_records > 0 and more
 * files are left than that, the sample of max_records files of smallest
 * rank (see ingest_rank). Every path starts with root + '/' (or root is "");
 * that prefix is cut. Logs each path that appears twice. 0 or -1 (reported).
 */
int ingest_index_finish(struct ingest_index *ix, const char *root, long max_records, long seed);
/* The next kept file in path order: 1, 0 after the last, -1 (reported). */
int ingest_index_next(struct ingest_index *ix, struct ingest_file *f);
/* How many sorted runs the index wrote to disk: 0 when it fit its budget. */
size_t ingest_index_runs(const struct ingest_index *ix);
void ingest_index_release(struct ingest_index *ix);

/*
 * A file's place in the sampling order: mix64(H ^ mix64(seed)), H the first
 * 64 bits of its blob id read big-endian. Ties go to the earlier path.
 */
uint64_t ingest_rank(const unsigned char id[20], long seed);

#endif
