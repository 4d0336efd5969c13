#include "core/digindex.h"

#include <string.h>

#include "util/xalloc.h"

uint32_t *digindex_slot(uint32_t *slot, size_t cap, const void *ents, size_t stride, const unsigned char *key,
			size_t klen)
{
	const unsigned char *base = ents;
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	size_t k = (size_t)h & (cap - 1);
	while (slot[k] && memcmp(base + (size_t)(slot[k] - 1) * stride, key, klen))
		k = (k + 1) & (cap - 1);
	return &slot[k];
}

uint32_t *digindex_build(size_t cap, const void *ents, size_t stride, size_t n, size_t klen)
{
	const unsigned char *base = ents;
	uint32_t *slot = xcalloc(cap, sizeof(*slot));

	for (size_t i = 0; i < n; i++)
		*digindex_slot(slot, cap, ents, stride, base + i * stride, klen) = (uint32_t)(i + 1);
	return slot;
}
