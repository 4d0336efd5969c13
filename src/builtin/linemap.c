#include "builtin/linemap.h"

#include <stdlib.h>
#include <string.h>

#include "builtin/jsonl.h"
#include "builtin/pool.h"
#include "util/xalloc.h"

/* A batch ends after this many lines or bytes, whichever comes first. */
#define BATCH_LINES 4096
#define BATCH_BYTES (16u << 20)

struct batch {
	const struct linemap_ops *ops; /* the stage's callbacks */
	void *ctx;                     /* their context */
	char *slots;                   /* n slots of ops->slot_size bytes */
	char **lines;                  /* the lines, owned until release */
	size_t n;                      /* lines in the batch */
};

static void map_one(void *arg, size_t i)
{
	struct batch *b = arg;

	b->ops->map(b->ctx, b->slots + i * b->ops->slot_size);
}

/* Maps and reduces the batch, then frees it; returns -1 if reduce stopped. */
static int finish_batch(struct batch *b, int jobs)
{
	int ret = 0;

	if (b->ops->map)
		pool_for(jobs, b->n, map_one, b);
	for (size_t i = 0; i < b->n; i++) {
		void *slot = b->slots + i * b->ops->slot_size;
		if (!ret && b->ops->reduce(b->ctx, slot) < 0)
			ret = -1;
		if (b->ops->release)
			b->ops->release(slot);
		free(b->lines[i]);
	}
	b->n = 0;
	return ret;
}

int linemap_run(const char *path, int jobs, const struct linemap_ops *ops, void *ctx)
{
	struct jsonl_reader r;
	struct batch b = { ops, ctx, NULL, NULL, 0 };
	size_t bytes = 0;
	int ret = 0, got;

	if (jsonl_reader_open(&r, path) < 0)
		return -1;
	b.slots = xcalloc(BATCH_LINES, ops->slot_size);
	b.lines = xcalloc(BATCH_LINES, sizeof(*b.lines));
	while ((got = jsonl_next(&r)) > 0) {
		char *line = xstrndup(r.line, r.len);
		void *slot = b.slots + b.n * ops->slot_size;

		memset(slot, 0, ops->slot_size);
		b.lines[b.n++] = line;
		ops->prepare(ctx, slot, line, r.len, r.lineno);
		bytes += r.len;
		if (b.n == BATCH_LINES || bytes >= BATCH_BYTES) {
			bytes = 0;
			if (finish_batch(&b, jobs) < 0) {
				ret = -1;
				break;
			}
		}
	}
	if (got < 0)
		ret = -1;
	if (finish_batch(&b, jobs) < 0)
		ret = -1;
	free(b.slots);
	free(b.lines);
	jsonl_reader_close(&r);
	return ret;
}
