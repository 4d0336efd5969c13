/*
 * The external merge sort (src/builtin/extsort.c): random inputs against a
 * stable qsort, in memory and over many runs (more than one merge pass),
 * runs of one record, all-equal keys, fixed-size keys, empty input, rewind,
 * and no scratch file left behind.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "builtin/extsort.h"
#include "builtin/prng.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char dir[] = "/tmp/repro-t-extsort.XXXXXX";

/*
 * A test record: key bytes, then the 4-byte number of the record in input
 * order. The order compares the keys only (bytewise, shorter first on a tie),
 * so the numbers show whether equal keys kept their input order.
 */
struct rec {
	unsigned char key[48]; /* the key */
	size_t klen;           /* its length */
	uint32_t seq;          /* the record's number in input order */
};

static int cmp_keys(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	size_t x = alen - 4, y = blen - 4, n = x < y ? x : y;
	int c = memcmp(a, b, n);

	(void)arg;
	return c ? c : (x > y) - (x < y);
}

/* The reference: qsort by key, then by input number (a stable sort). */
static int cmp_ref(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (!c)
		c = (x->klen > y->klen) - (x->klen < y->klen);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* n random records with keys of 0..maxlen bytes over `alphabet` letters. */
static struct rec *random_recs(struct prng *r, size_t n, size_t maxlen, unsigned alphabet)
{
	struct rec *v = xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i].klen = (size_t)prng_below(r, maxlen + 1);
		for (size_t k = 0; k < v[i].klen; k++)
			v[i].key[k] = (unsigned char)('a' + prng_below(r, alphabet));
		v[i].seq = (uint32_t)i;
	}
	return v;
}

static int add_rec(struct extsort *s, const struct rec *x)
{
	unsigned char b[sizeof(x->key) + 4];

	memcpy(b, x->key, x->klen);
	memcpy(b + x->klen, &x->seq, 4);
	return extsort_add(s, b, x->klen + 4);
}

/* 1 when the sorter yields exactly the records of want, in order. */
static int yields(struct extsort *s, const struct rec *want, size_t n)
{
	const void *p;
	size_t len, i = 0;
	int r;

	while ((r = extsort_next(s, &p, &len)) > 0) {
		uint32_t seq;
		if (i >= n || len != want[i].klen + 4 || memcmp(p, want[i].key, want[i].klen))
			return 0;
		memcpy(&seq, (const char *)p + len - 4, 4);
		if (seq != want[i].seq)
			return 0;
		i++;
	}
	return r == 0 && i == n;
}

/* Sorts v[0, n) with the budget; checks it against qsort, twice (rewind). */
static void check_sort(const char *name, struct rec *v, size_t n, size_t budget, size_t *spilled)
{
	struct extsort s;
	int ok_add = 1;
	char title[160];

	extsort_init(&s, budget, dir, cmp_keys, NULL);
	for (size_t i = 0; i < n; i++)
		ok_add &= add_rec(&s, &v[i]) == 0;
	ok_add &= extsort_finish(&s) == 0;
	qsort(v, n, sizeof(*v), cmp_ref);
	snprintf(title, sizeof(title), "%s: same order as a stable qsort", name);
	ok(ok_add && yields(&s, v, n), title);
	snprintf(title, sizeof(title), "%s: the same again after a rewind", name);
	ok(extsort_rewind(&s) == 0 && yields(&s, v, n), title);
	*spilled = s.spilled;
	extsort_release(&s);
}

static void test_random(void)
{
	struct prng r;
	size_t spilled;

	prng_seed(&r, 1);
	struct rec *v = random_recs(&r, 5000, 40, 26);
	check_sort("5000 records in memory", v, 5000, 1 << 20, &spilled);
	is_int(spilled, 0, "... which wrote no run");
	free(v);

	prng_seed(&r, 2);
	v = random_recs(&r, 20000, 40, 4); /* 4 letters: many equal keys */
	check_sort("20000 records, 2 KiB budget", v, 20000, 2048, &spilled);
	ok(spilled > EXTSORT_FANIN * EXTSORT_FANIN, "... over more runs than two merge passes take");
	free(v);

	prng_seed(&r, 3);
	v = random_recs(&r, 3000, 40, 26);
	check_sort("3000 records, 16 KiB budget", v, 3000, 16384, &spilled);
	ok(spilled > 1 && spilled <= EXTSORT_FANIN, "... over a few runs, merged in one pass");
	free(v);
}

static void test_edges(void)
{
	struct extsort s;
	const void *p;
	size_t len, spilled;

	extsort_init(&s, 4096, dir, cmp_keys, NULL);
	ok(extsort_finish(&s) == 0 && extsort_next(&s, &p, &len) == 0, "empty input yields nothing");
	ok(extsort_rewind(&s) == 0 && extsort_next(&s, &p, &len) == 0, "... also after a rewind");
	extsort_release(&s);

	struct rec *v = xcalloc(2000, sizeof(*v));
	for (size_t i = 0; i < 2000; i++) {
		v[i].klen = 3;
		memcpy(v[i].key, "dup", 3);
		v[i].seq = (uint32_t)i;
	}
	check_sort("2000 equal keys, 1 KiB budget", v, 2000, 1024, &spilled);
	ok(spilled > EXTSORT_FANIN, "... over many runs");
	free(v);

	/* Records larger than the budget: each is a run of one. */
	struct prng r;
	prng_seed(&r, 4);
	extsort_init(&s, 1024, dir, cmp_keys, NULL);
	char big[1500 + 4];
	uint32_t order[40];
	int ok_add = 1;
	for (uint32_t i = 0; i < 40; i++) {
		memset(big, 'a' + (int)prng_below(&r, 26), 1500);
		order[i] = (uint32_t)(unsigned char)big[0] << 16 | i;
		memcpy(big + 1500, &i, 4);
		ok_add &= extsort_add(&s, big, sizeof(big)) == 0;
	}
	ok_add &= extsort_finish(&s) == 0;
	is_int(s.spilled, 40, "records larger than the budget: one run each");
	for (int i = 1; i < 40; i++) /* insertion sort of (letter, number) */
		for (int k = i; k > 0 && order[k - 1] > order[k]; k--) {
			uint32_t t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	int good = ok_add;
	for (int i = 0; i < 40; i++) {
		uint32_t seq;
		good &= extsort_next(&s, &p, &len) == 1 && len == sizeof(big);
		if (!good)
			break;
		memcpy(&seq, (const char *)p + 1500, 4);
		good &= seq == (order[i] & 0xffff) && ((const unsigned char *)p)[0] == order[i] >> 16;
	}
	ok(good && extsort_next(&s, &p, &len) == 0, "... merged in order, stable");
	extsort_release(&s);
}

static int cmp_u64(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	(void)alen;
	(void)blen;
	(void)arg;
	return memcmp(a, b, 8);
}

static int cmp_u64_ref(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Fixed-size records: big-endian numbers compared with memcmp. */
static void test_fixed(void)
{
	struct extsort s;
	struct prng r;
	size_t n = 50000, i = 0;
	uint64_t *v = xcalloc(n, sizeof(*v));
	const void *p;
	size_t len;
	int good = 1, rc;

	prng_seed(&r, 5);
	extsort_init(&s, 8192, dir, cmp_u64, NULL);
	for (size_t k = 0; k < n; k++) {
		unsigned char be[8];
		v[k] = prng_next(&r) % 100000; /* some repeat */
		for (int b = 0; b < 8; b++)
			be[b] = (unsigned char)(v[k] >> (56 - 8 * b));
		good &= extsort_add(&s, be, 8) == 0;
	}
	good &= extsort_finish(&s) == 0;
	qsort(v, n, sizeof(*v), cmp_u64_ref);
	while (good && (rc = extsort_next(&s, &p, &len)) > 0) {
		uint64_t x = 0;
		for (int b = 0; b < 8; b++)
			x = x << 8 | ((const unsigned char *)p)[b];
		good &= len == 8 && i < n && x == v[i];
		i++;
	}
	ok(good && i == n, "50000 fixed-size numbers in an 8 KiB budget match qsort");
	extsort_release(&s);
	free(v);
}

/* The scratch files have no name: the directory is empty after all this. */
static void test_nothing_left(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	is_int(n, 0, "no scratch file is left in the directory");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! cannot create %s\n", dir);
		return 1;
	}
	test_random();
	test_edges();
	test_fixed();
	test_nothing_left();
	rmdir(dir);
	return done_testing();
}
