#include "builtin/extsort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

/* A k-way merge of runs: a min-heap of readers keyed by their current record. */
struct extsort_merge {
	struct runfile_reader *r; /* one reader per run */
	const void **rec;         /* each reader's current record */
	size_t *rlen;             /* its length */
	size_t *heap;             /* readers with a current record, heap-ordered */
	size_t nheap;             /* readers in heap */
	int handed;               /* the top's record was handed out: advance it first */
};

void extsort_init(struct extsort *s, size_t budget, const char *dir, extsort_cmp_fn *cmp, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->cmp = cmp;
	s->arg = arg;
	s->budget = budget < EXTSORT_MIN_BUDGET ? EXTSORT_MIN_BUDGET : budget;
	s->dir = xstrdup(dir);
}

/* The size of each read buffer of a merge, and of the write buffer: all fit the budget. */
static size_t io_size(const struct extsort *s)
{
	size_t b = s->budget / (EXTSORT_FANIN + 1);
	return b < 256 ? 256 : b > (4u << 20) ? (4u << 20) : b;
}

static int cmp_buffered(const void *a, const void *b, void *arg)
{
	const struct extsort *s = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint32_t xl, yl;

	memcpy(&xl, s->buf + x, sizeof(xl));
	memcpy(&yl, s->buf + y, sizeof(yl));
	int c = s->cmp(s->buf + x + sizeof(xl), xl, s->buf + y + sizeof(yl), yl, s->arg);
	return c ? c : (x > y) - (x < y); /* offsets grow in the order of adding: stable */
}

/* Sorts the buffered records and writes them as a new run. 0 or -1 (reported). */
static int spill_buffer(struct extsort *s)
{
	if (!s->file_open) {
		if (runfile_open(&s->file, s->dir, io_size(s)) < 0)
			return -1;
		s->file_open = 1;
	}
	qsort_r(s->idx, s->n, sizeof(*s->idx), cmp_buffered, s);
	off_t start = runfile_end(&s->file);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t l;
		memcpy(&l, s->buf + s->idx[i], sizeof(l));
		if (runfile_append(&s->file, s->buf + s->idx[i] + sizeof(l), l) < 0)
			return -1;
	}
	if (runfile_flush(&s->file) < 0)
		return -1;
	ARRAY_GROW(s->runs, s->runs_alloc, s->nruns + 1);
	s->runs[s->nruns++] = (struct extsort_run){ start, runfile_end(&s->file) };
	s->spilled++;
	s->len = s->n = 0;
	return 0;
}

int extsort_add(struct extsort *s, const void *rec, size_t len)
{
	uint32_t l = (uint32_t)len;
	size_t need = sizeof(l) + len;

	if (len > RUNFILE_MAX_RECORD)
		return error("cannot sort a record of %zu bytes: more than 4 GiB", len);
	if (s->n && s->len + need + (s->n + 1) * sizeof(*s->idx) > s->budget && spill_buffer(s) < 0)
		return -1;
	if (s->len + need > s->cap) {
		size_t cap = s->cap * 2 > s->budget ? s->budget : s->cap * 2;
		s->cap = cap < s->len + need ? s->len + need : cap;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, &l, sizeof(l));
	memcpy(s->buf + s->len + sizeof(l), rec, len);
	ARRAY_GROW(s->idx, s->idx_alloc, s->n + 1);
	s->idx[s->n++] = s->len;
	s->len += need;
	return 0;
}

static int heap_less(const struct extsort *s, const struct extsort_merge *m, size_t a, size_t b)
{
	int c = s->cmp(m->rec[a], m->rlen[a], m->rec[b], m->rlen[b], s->arg);
	return c ? c < 0 : a < b; /* runs hold earlier records first: stable */
}

static void sift_down(const struct extsort *s, struct extsort_merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		if (l < m->nheap && heap_less(s, m, m->heap[l], m->heap[best]))
			best = l;
		if (r < m->nheap && heap_less(s, m, m->heap[r], m->heap[best]))
			best = r;
		if (best == i)
			return;
		size_t t = m->heap[i];
		m->heap[i] = m->heap[best];
		m->heap[best] = t;
		i = best;
	}
}

static void merge_close(struct extsort_merge *m, size_t k)
{
	if (!m)
		return;
	for (size_t i = 0; i < k; i++)
		runfile_reader_release(&m->r[i]);
	free(m->r);
	free(m->rec);
	free(m->rlen);
	free(m->heap);
	free(m);
}

/* Starts merging runs[0, k). NULL on a read error (reported). */
static struct extsort_merge *merge_open(struct extsort *s, const struct extsort_run *runs, size_t k)
{
	struct extsort_merge *m = xcalloc(1, sizeof(*m));

	m->r = xcalloc(k, sizeof(*m->r));
	m->rec = xcalloc(k, sizeof(*m->rec));
	m->rlen = xcalloc(k, sizeof(*m->rlen));
	m->heap = xcalloc(k, sizeof(*m->heap));
	for (size_t i = 0; i < k; i++) {
		runfile_reader_init(&m->r[i], &s->file, runs[i].start, runs[i].end, io_size(s));
		int r = runfile_reader_next(&m->r[i], &m->rec[i], &m->rlen[i]);
		if (r < 0) {
			merge_close(m, k);
			return NULL;
		}
		if (r)
			m->heap[m->nheap++] = i;
	}
	for (size_t i = m->nheap / 2; i-- > 0;)
		sift_down(s, m, i);
	return m;
}

/* The merge's next record: 1, 0 at the end, -1 (reported). */
static int merge_next(struct extsort *s, struct extsort_merge *m, const void **rec, size_t *len)
{
	if (m->handed && m->nheap) {
		size_t top = m->heap[0];
		int r = runfile_reader_next(&m->r[top], &m->rec[top], &m->rlen[top]);
		if (r < 0)
			return -1;
		if (!r)
			m->heap[0] = m->heap[--m->nheap];
		sift_down(s, m, 0);
	}
	m->handed = 0;
	if (!m->nheap)
		return 0;
	*rec = m->rec[m->heap[0]];
	*len = m->rlen[m->heap[0]];
	m->handed = 1;
	return 1;
}

/* Merges runs[0, k) into one new run *out, then frees their disk space. 0 or -1. */
static int merge_runs(struct extsort *s, const struct extsort_run *runs, size_t k, struct extsort_run *out)
{
	struct extsort_merge *m = merge_open(s, runs, k);
	const void *rec;
	size_t len;
	int r;

	if (!m)
		return -1;
	out->start = runfile_end(&s->file);
	while ((r = merge_next(s, m, &rec, &len)) > 0)
		if (runfile_append(&s->file, rec, len) < 0) {
			r = -1;
			break;
		}
	merge_close(m, k);
	if (r < 0 || runfile_flush(&s->file) < 0)
		return -1;
	out->end = runfile_end(&s->file);
	for (size_t i = 0; i < k; i++)
		runfile_discard(&s->file, runs[i].start, runs[i].end);
	return 0;
}

/*
 * Merges groups of EXTSORT_FANIN consecutive runs until at most that many
 * remain. Keeping the groups in order keeps the sort stable.
 */
static int merge_passes(struct extsort *s)
{
	while (s->nruns > EXTSORT_FANIN) {
		size_t kept = 0;
		for (size_t g = 0; g < s->nruns; g += EXTSORT_FANIN) {
			size_t k = s->nruns - g < EXTSORT_FANIN ? s->nruns - g : EXTSORT_FANIN;
			struct extsort_run out = s->runs[g];
			if (k > 1 && merge_runs(s, s->runs + g, k, &out) < 0)
				return -1;
			s->runs[kept++] = out;
		}
		s->nruns = kept;
	}
	return 0;
}

int extsort_finish(struct extsort *s)
{
	s->finished = 1;
	if (!s->nruns) {
		if (s->n > 1)
			qsort_r(s->idx, s->n, sizeof(*s->idx), cmp_buffered, s);
		s->next = 0;
		return 0;
	}
	if (s->n && spill_buffer(s) < 0)
		return -1;
	free(s->buf);
	free(s->idx);
	s->buf = NULL;
	s->idx = NULL;
	s->cap = s->idx_alloc = 0;
	if (merge_passes(s) < 0)
		return -1;
	return extsort_rewind(s);
}

int extsort_rewind(struct extsort *s)
{
	s->next = 0;
	if (!s->nruns)
		return 0;
	merge_close(s->m, s->nruns);
	s->m = merge_open(s, s->runs, s->nruns);
	return s->m ? 0 : -1;
}

int extsort_next(struct extsort *s, const void **rec, size_t *len)
{
	if (!s->nruns) {
		if (s->next >= s->n)
			return 0;
		uint32_t l;
		memcpy(&l, s->buf + s->idx[s->next], sizeof(l));
		*rec = s->buf + s->idx[s->next++] + sizeof(l);
		*len = l;
		return 1;
	}
	if (!s->m)
		return 0;
	int r = merge_next(s, s->m, rec, len);
	if (r == 0) { /* done: give the read buffers back until a rewind */
		merge_close(s->m, s->nruns);
		s->m = NULL;
	}
	return r;
}

void extsort_release(struct extsort *s)
{
	merge_close(s->m, s->nruns);
	free(s->buf);
	free(s->idx);
	free(s->runs);
	free(s->dir);
	if (s->file_open)
		runfile_close(&s->file);
	memset(s, 0, sizeof(*s));
}
