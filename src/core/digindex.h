/*
 * An open-addressing index over an array of entries that each begin with a
 * key starting with a SHA-256 digest: digests are uniformly spread, so the
 * key's first 8 bytes are its hash. Slots hold 1 + an entry's position in
 * the array, 0 for empty; the number of slots is a power of two, kept at
 * least twice the entries by the caller. Used by the set of objects this
 * process committed (fresh.c) and a batch's claimed objects (batch.c).
 */
#ifndef REPRO_DIGINDEX_H
#define REPRO_DIGINDEX_H

#include <stddef.h>
#include <stdint.h>

/* The slot holding key (klen bytes) among ents (entries of `stride`
 * bytes), or the empty slot where it would go. */
uint32_t *digindex_slot(uint32_t *slot, size_t cap, const void *ents, size_t stride, const unsigned char *key,
			size_t klen);
/* A new index of cap slots over the first n entries (allocated). */
uint32_t *digindex_build(size_t cap, const void *ents, size_t stride, size_t n, size_t klen);

#endif
