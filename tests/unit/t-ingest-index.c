/*
 * ingest's bounded index (src/builtin/ingest_index.c) against a plain
 * in-memory reference of the same rules (the way ingest worked before the
 * index was bounded): sorted by path, a repeated path keeps the file added
 * first, a repeated content keeps the first path, and a sample keeps the
 * max_records files of smallest (rank, position). Random files with many
 * repeats, in memory and in a budget that forces many runs on disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "builtin/ingest_index.h"
#include "builtin/prng.h"
#include "util/xalloc.h"

/* A file as the test adds it; off is its number in input order. */
struct file {
	char path[32];          /* "top/p0123" */
	unsigned char id[20];   /* one of a few hundred blob ids */
	size_t off;             /* its number in input order */
	size_t pos;             /* its place in path order (reference) */
	int drop;               /* left out (reference) */
	uint64_t rank;          /* sampling rank (reference) */
};

static int by_path(const void *a, const void *b)
{
	const struct file *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x->off > y->off) - (x->off < y->off);
}

static int by_id(const void *a, const void *b)
{
	const struct file *x = *(struct file *const *)a, *y = *(struct file *const *)b;
	int c = memcmp(x->id, y->id, 20);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int by_rank(const void *a, const void *b)
{
	const struct file *x = *(struct file *const *)a, *y = *(struct file *const *)b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The reference: marks v (sorted here by path) as ingest did in memory; returns the duplicates. */
static size_t reference(struct file *v, size_t n, long max_records, long seed)
{
	struct file **p = xcalloc(n + 1, sizeof(*p));
	size_t dups = 0, kept = 0, k = 0;

	qsort(v, n, sizeof(*v), by_path);
	for (size_t i = 0; i < n; i++) {
		v[i].pos = i;
		v[i].drop = i > 0 && !strcmp(v[i].path, v[i - 1].path);
		p[i] = &v[i];
	}
	qsort(p, n, sizeof(*p), by_id);
	for (size_t i = 1; i < n; i++)
		if (!memcmp(p[i]->id, p[i - 1]->id, 20) && !p[i]->drop) {
			p[i]->drop = 1;
			dups++;
		}
	for (size_t i = 0; i < n; i++)
		kept += !v[i].drop;
	if (max_records > 0 && kept > (size_t)max_records) {
		for (size_t i = 0; i < n; i++)
			if (!v[i].drop) {
				v[i].rank = ingest_rank(v[i].id, seed);
				p[k++] = &v[i];
			}
		qsort(p, k, sizeof(*p), by_rank);
		for (size_t i = (size_t)max_records; i < k; i++)
			p[i]->drop = 1;
	}
	free(p);
	return dups;
}

static struct file *random_files(size_t n, uint64_t seed)
{
	struct file *v = xcalloc(n, sizeof(*v));
	struct prng r;

	prng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		snprintf(v[i].path, sizeof(v[i].path), "top/p%04u", (unsigned)prng_below(&r, n * 2 / 3));
		uint64_t c = prng_below(&r, n / 2);
		for (int b = 0; b < 20; b++)
			v[i].id[b] = (unsigned char)(mix64(c + (uint64_t)b) >> 7);
		v[i].off = i;
	}
	return v;
}

/* Runs the index over v with the budget; 1 when it hands out what the reference keeps. */
static int check(const char *name, size_t n, size_t budget, long max_records, long seed, size_t *runs)
{
	struct file *v = random_files(n, (uint64_t)seed);
	struct ingest_index ix;
	struct ingest_file f;
	char dir[] = "/tmp/repro-t-ingest-index.XXXXXX";
	int good = mkdtemp(dir) != NULL, r = -1;
	size_t i = 0;

	ingest_index_init(&ix, budget, dir);
	for (size_t k = 0; k < n && good; k++)
		good = ingest_index_add(&ix, v[k].path, (off_t)v[k].off, (uint32_t)v[k].off, v[k].id) == 0;
	size_t dups = reference(v, n, max_records, seed);
	good = good && ingest_index_finish(&ix, "top", max_records, seed) == 0;
	while (good && (r = ingest_index_next(&ix, &f)) > 0) {
		while (i < n && v[i].drop)
			i++;
		good = i < n && !strcmp(f.path, v[i].path + 4) && f.off == (off_t)v[i].off &&
		       f.size == (uint32_t)v[i].off && !memcmp(f.id, v[i].id, 20);
		i++;
	}
	while (i < n && v[i].drop)
		i++;
	good = good && r == 0 && i == n && ix.dups == dups && ix.n == n;
	*runs = ingest_index_runs(&ix);
	ingest_index_release(&ix);
	rmdir(dir);
	free(v);
	ok(good, name);
	return good;
}

int main(void)
{
	size_t runs;

	/* Each repeated path logs a warning: expected, and not test output. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;

	check("3000 files in memory: the reference's files, in path order", 3000, 8 << 20, 0, 1, &runs);
	is_int(runs, 0, "... with no run on disk");
	check("3000 files in 4 KiB: the same", 3000, 4096, 0, 1, &runs);
	ok(runs > 3 * EXTSORT_FANIN, "... over many runs on disk");
	check("a sample of 300 in memory", 3000, 8 << 20, 300, 7, &runs);
	check("a sample of 300 in 4 KiB", 3000, 4096, 300, 7, &runs);
	check("a sample larger than the files left keeps them all", 3000, 4096, 5000, 7, &runs);
	check("a sample of 1, another seed", 2000, 4096, 1, -5, &runs);
	check("no files", 0, 4096, 10, 1, &runs);
	return done_testing();
}
