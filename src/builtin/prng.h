/*
 * A seeded pseudo-random generator for sampling: xoshiro256** seeded through
 * splitmix64 (the seeding its authors recommend). It is fully specified, so
 * the same seed gives the same sample on every machine and every build,
 * which rand() and random() do not promise.
 */
#ifndef REPRO_BUILTIN_PRNG_H
#define REPRO_BUILTIN_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s[4]; /* xoshiro256** state; never all zero */
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* A uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t prng_below(struct prng *r, uint64_t n);

/*
 * The splitmix64 finaliser: a fixed bijective mix of 64 bits. Used to rank
 * items by a hash of (seed, item) so a sample stays stable when unrelated
 * items are added to the input.
 */
uint64_t mix64(uint64_t x);

#endif
