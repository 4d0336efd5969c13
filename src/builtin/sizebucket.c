#include "builtin/sizebucket.h"

#include <errno.h>
#include <stdlib.h>

#include "util/xalloc.h"

static const long default_edges[] = { 1024, 4096, 16384, 65536, 204800 };

int size_buckets_load(struct size_buckets *b, const struct sparams *p, const char *key)
{
	const struct ynode *n = sparams_node(p, key);

	b->edges = NULL;
	b->n = 0;
	if (!n) {
		b->n = (int)(sizeof(default_edges) / sizeof(default_edges[0]));
		b->edges = xcalloc((size_t)b->n, sizeof(*b->edges));
		for (int i = 0; i < b->n; i++)
			b->edges[i] = default_edges[i];
		return 0;
	}
	if (n->type != YNODE_SEQ || !n->n || n->n > 64)
		return sparams_error(p, n, "'%s.%s' must be a list of 1 to 64 byte sizes", p->section, key);
	b->edges = xcalloc(n->n, sizeof(*b->edges));
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		char *end;
		errno = 0;
		long v = it->type == YNODE_SCALAR && ytree_scalar_kind(it) == YS_INT
			 ? strtol(it->str, &end, 0) : -1;
		if (errno || v <= 0 || (i && v <= b->edges[i - 1])) {
			size_buckets_release(b);
			return sparams_error(p, it, "'%s.%s' must hold ascending positive integers",
					    p->section, key);
		}
		b->edges[b->n++] = v;
	}
	return 0;
}

void size_bucket_name(const struct size_buckets *b, int i, struct strbuf *out)
{
	long lo = i ? b->edges[i - 1] : 0;

	if (i < b->n)
		strbuf_addf(out, "%ld-%ld", lo, b->edges[i] - 1);
	else
		strbuf_addf(out, "%ld+", lo);
}

void size_bucket_label(const struct size_buckets *b, size_t size, struct strbuf *out)
{
	int i = 0;

	while (i < b->n && size >= (size_t)b->edges[i])
		i++;
	size_bucket_name(b, i, out);
}

void size_buckets_release(struct size_buckets *b)
{
	free(b->edges);
	b->edges = NULL;
	b->n = 0;
}
