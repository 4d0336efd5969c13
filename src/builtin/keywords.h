/*
 * Whole-word, case-insensitive keyword matching for the ML-infra filter.
 *
 * A keyword matches where its bytes appear (ASCII letters compared without
 * case) with no word character (letter, digit or '_') immediately before or
 * after: "ray" matches "ray-head" and "ray.io/v1" but not "array" or
 * "kuberay"; "nvidia.com/gpu" matches "nvidia.com/gpu: 1". One pass over the
 * text checks only the keywords whose first byte matches at each word start.
 */
#ifndef REPRO_BUILTIN_KEYWORDS_H
#define REPRO_BUILTIN_KEYWORDS_H

#include <stddef.h>

struct keywords {
	char **words;       /* the keywords, lower-cased copies */
	size_t *lens;       /* their lengths */
	int n;              /* how many */
	int *by_first;      /* keyword indexes grouped by first byte, ... */
	int first_at[257];  /* ... group of byte c: by_first[first_at[c] .. first_at[c+1]) */
};

/* The default ML-infra keywords (NULL-terminated), for preprocess and analyze. */
extern const char *const keywords_default[];

void keywords_init(struct keywords *kw, char *const *words, int n);
void keywords_release(struct keywords *kw);

/*
 * The index of the keyword matching earliest in the text (the first in list
 * order among those matching there), or -1 when none matches.
 */
int keywords_find(const struct keywords *kw, const char *text, size_t len);
/* Sets hits[i] to 1 for every keyword i that matches (hits has kw->n bytes). */
void keywords_hits(const struct keywords *kw, const char *text, size_t len, unsigned char *hits);

#endif
