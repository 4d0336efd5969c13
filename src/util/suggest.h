/*
 * "Did you mean ...?" for unknown keys, stage names and variables.
 */
#ifndef REPRO_SUGGEST_H
#define REPRO_SUGGEST_H

#include <stddef.h>

/* Edit distance (insertions, deletions, substitutions, transpositions). */
size_t edit_distance(const char *a, const char *b);
/*
 * The candidate closest to word, or NULL when none is close enough to be a
 * plausible typo (distance at most a third of the word's length, min 1 or 2).
 */
const char *suggest(const char *word, const char *const *candidates, size_t n);

#endif
