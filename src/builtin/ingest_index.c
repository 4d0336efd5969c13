#include "builtin/ingest_index.h"

#include <stdlib.h>
#include <string.h>

#include "builtin/prng.h"
#include "util/log.h"
#include "util/xalloc.h"

/* A by_path record: the fixed fields, then the path and its NUL. */
#define REC_OFF 0
#define REC_SIZE 8
#define REC_ID 12
#define REC_PATH 32

/* An id record: the blob id, the position (host order), whether the path is a repeat. */
#define ID_POS 20
#define ID_REPEAT 28
#define ID_LEN 29

static int by_path(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	(void)alen;
	(void)blen;
	(void)arg;
	return strcmp((const char *)a + REC_PATH, (const char *)b + REC_PATH);
}

static int by_id(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	(void)alen;
	(void)blen;
	(void)arg;
	return memcmp(a, b, 20);
}

/* Big-endian numbers, compared whole (positions: 8 bytes; rank and position: 16). */
static int by_bytes(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	(void)blen;
	(void)arg;
	return memcmp(a, b, alen);
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t ingest_rank(const unsigned char id[20], long seed)
{
	return mix64(get_be64(id) ^ mix64((uint64_t)seed));
}

void ingest_index_init(struct ingest_index *ix, size_t budget, const char *dir)
{
	memset(ix, 0, sizeof(*ix));
	ix->budget = budget;
	ix->dir = xstrdup(dir);
	extsort_init(&ix->by_path, budget / 2, dir, by_path, NULL);
	extsort_init(&ix->drops, budget / 8, dir, by_bytes, NULL);
	strbuf_init(&ix->prev, 0);
}

int ingest_index_add(struct ingest_index *ix, const char *path, off_t off, uint32_t size,
		     const unsigned char id[20])
{
	size_t plen = strlen(path) + 1;
	unsigned char *rec = xmalloc(REC_PATH + plen);
	uint64_t o = (uint64_t)off;

	memcpy(rec + REC_OFF, &o, 8);
	memcpy(rec + REC_SIZE, &size, 4);
	memcpy(rec + REC_ID, id, 20);
	memcpy(rec + REC_PATH, path, plen);
	int r = extsort_add(&ix->by_path, rec, REC_PATH + plen);
	free(rec);
	ix->n++;
	return r;
}

/* 1 when path (a by_path record's) repeats the previous one; remembers it. */
static int repeats(struct ingest_index *ix, const char *path, uint64_t pos)
{
	int same = pos > 0 && !strcmp(ix->prev.buf, path);

	strbuf_reset(&ix->prev);
	strbuf_addstr(&ix->prev, path);
	return same;
}

/* Reads the files in path order: numbers them, warns of repeated paths, sorts by id. */
static int sort_ids(struct ingest_index *ix, struct extsort *ids)
{
	const void *rec;
	size_t len;
	int r;

	for (uint64_t pos = 0; (r = extsort_next(&ix->by_path, &rec, &len)) > 0; pos++) {
		const char *path = (const char *)rec + REC_PATH;
		unsigned char idrec[ID_LEN];
		idrec[ID_REPEAT] = (unsigned char)repeats(ix, path, pos);
		if (idrec[ID_REPEAT]) {
			log_msg(LOG_WARNING, "ingest", "'%s' appears twice in the source; keeping the first",
				path + ix->cut);
			ix->path_dups++;
		}
		memcpy(idrec, (const char *)rec + REC_ID, 20);
		memcpy(idrec + ID_POS, &pos, 8);
		if (extsort_add(ids, idrec, ID_LEN) < 0)
			return -1;
	}
	return r < 0 ? -1 : extsort_finish(ids);
}

/*
 * Reads (id, position) in order: a file whose id the previous record has is
 * a duplicate (its position goes to drops) unless its path is a repeat
 * (already left out); the others are kept, and ranked for the sample.
 */
static int find_dups(struct ingest_index *ix, struct extsort *ids, struct extsort *ranks, long seed)
{
	unsigned char prev[20];
	const unsigned char *rec;
	size_t len;
	int r, first = 1;

	while ((r = extsort_next(ids, (const void **)&rec, &len)) > 0) {
		int same = !first && !memcmp(rec, prev, 20);
		uint64_t pos;
		unsigned char key[16];

		first = 0;
		memcpy(prev, rec, 20);
		memcpy(&pos, rec + ID_POS, 8);
		if (rec[ID_REPEAT])
			continue;
		if (same) {
			ix->dups++;
			put_be64(key, pos);
			r = extsort_add(&ix->drops, key, 8);
		} else {
			ix->kept++;
			put_be64(key, ingest_rank(rec, seed));
			put_be64(key + 8, pos);
			r = ranks ? extsort_add(ranks, key, 16) : 0;
		}
		if (r < 0)
			return -1;
	}
	return r;
}

/* The (rank, position) of the max_records-th file in rank order: the sample's threshold. */
static int find_threshold(struct ingest_index *ix, struct extsort *ranks, long max_records)
{
	const unsigned char *rec = NULL;
	size_t len;

	if (extsort_finish(ranks) < 0)
		return -1;
	for (long i = 0; i < max_records; i++)
		if (extsort_next(ranks, (const void **)&rec, &len) <= 0)
			return -1; /* cannot happen without an error: kept > max_records */
	ix->cut_rank = get_be64(rec);
	ix->cut_pos = get_be64(rec + 8);
	ix->sampled = 1;
	return 0;
}

/* Loads the next duplicate's position. 0 or -1. */
static int next_drop(struct ingest_index *ix)
{
	const unsigned char *rec;
	size_t len;
	int r = extsort_next(&ix->drops, (const void **)&rec, &len);

	ix->have_drop = r > 0;
	if (r > 0)
		ix->next_drop = get_be64(rec);
	return r < 0 ? -1 : 0;
}

int ingest_index_finish(struct ingest_index *ix, const char *root, long max_records, long seed)
{
	struct extsort ids, ranks;
	int sample = max_records > 0, ret;

	ix->cut = *root ? strlen(root) + 1 : 0;
	ix->seed = seed;
	extsort_init(&ids, ix->budget / 4, ix->dir, by_id, NULL);
	extsort_init(&ranks, ix->budget / 8, ix->dir, by_bytes, NULL);
	ret = extsort_finish(&ix->by_path) < 0 || sort_ids(ix, &ids) < 0 ||
	      find_dups(ix, &ids, sample ? &ranks : NULL, seed) < 0 ? -1 : 0;
	ix->runs += ids.spilled;
	extsort_release(&ids);
	if (!ret && sample && ix->kept > (size_t)max_records)
		ret = find_threshold(ix, &ranks, max_records);
	ix->runs += ranks.spilled;
	extsort_release(&ranks);
	if (ret < 0 || extsort_finish(&ix->drops) < 0 || next_drop(ix) < 0 ||
	    extsort_rewind(&ix->by_path) < 0)
		return -1;
	ix->runs += ix->by_path.spilled + ix->drops.spilled;
	ix->pos = 0;
	return 0;
}

int ingest_index_next(struct ingest_index *ix, struct ingest_file *f)
{
	const unsigned char *rec;
	size_t len;
	int r;

	while ((r = extsort_next(&ix->by_path, (const void **)&rec, &len)) > 0) {
		uint64_t pos = ix->pos++, o;
		const char *path = (const char *)rec + REC_PATH;
		if (repeats(ix, path, pos))
			continue;
		if (ix->have_drop && ix->next_drop == pos) {
			if (next_drop(ix) < 0)
				return -1;
			continue;
		}
		if (ix->sampled) {
			uint64_t rank = ingest_rank(rec + REC_ID, ix->seed);
			if (rank > ix->cut_rank || (rank == ix->cut_rank && pos > ix->cut_pos))
				continue;
		}
		memcpy(&o, rec + REC_OFF, 8);
		f->off = (off_t)o;
		memcpy(&f->size, rec + REC_SIZE, 4);
		memcpy(f->id, rec + REC_ID, 20);
		f->path = path + ix->cut;
		return 1;
	}
	return r;
}

size_t ingest_index_runs(const struct ingest_index *ix)
{
	return ix->runs;
}

void ingest_index_release(struct ingest_index *ix)
{
	extsort_release(&ix->by_path);
	extsort_release(&ix->drops);
	strbuf_release(&ix->prev);
	free(ix->dir);
	ix->dir = NULL;
}
