#ifndef REPRO_NAMESORT_H
#define REPRO_NAMESORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sorting the entries of one directory by name, the walk's hottest sort.
 * The order is that of the manifest: byte order (unsigned) of each name,
 * followed by '/' for a directory, so that "a/x" of directory "a" sorts
 * where its path sorts among "a-b" and "a0".
 */
struct name_key {
	uint64_t chunk;   /* scratch for the sort */
	const char *name; /* the entry's name (no '/' in it) */
	uint32_t len;     /* strlen(name), plus 1 for a directory */
	uint32_t is_dir;  /* 1 for a directory: its key ends in '/' */
	size_t index;     /* the caller's: carried along */
};

/* Fills k for name (len bytes); index is the caller's (usually the entry's
 * position). */
void name_key_set(struct name_key *k, const char *name, size_t len, int is_dir, size_t index);
/* Sorts k[0..n) by key; names must be distinct. */
void name_sort(struct name_key *k, size_t n);

#endif
