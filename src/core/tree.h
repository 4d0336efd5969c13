/*
 * Directory manifests. A directory is stored as one object whose id ends in
 * ".dir": the SHA-256 of its manifest (canonical JSON, below) plus that
 * suffix. The manifest lists every regular file below the directory, sorted
 * by path (bytewise), with its hash, size and executable bit:
 *
 *   [{"path":"a/b.csv","sha256":"<64 hex>","size":12,"exec":false},...]
 *
 * No whitespace, keys in that order, so the same tree always serialises to
 * the same bytes on every machine. Empty directories are not recorded.
 */
#ifndef REPRO_TREE_H
#define REPRO_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "util/strbuf.h"

struct tree_entry {
	char *path;                   /* relative to the directory, '/'-separated, normalised */
	char hex[HASH_HEX_LEN + 1];   /* SHA-256 of the file's content */
	uint64_t size;                /* bytes */
	int exec;                     /* 1 when the owner-executable bit is set */
};

struct tree {
	struct tree_entry *entries; /* sorted by path once tree_sort() ran */
	size_t n, alloc;
};

void tree_add(struct tree *t, const char *path, const char *hex, uint64_t size, int exec);
void tree_sort(struct tree *t);
void tree_release(struct tree *t);
uint64_t tree_total_size(const struct tree *t);
/* Appends the canonical JSON of a sorted tree. */
void tree_serialize(const struct tree *t, struct strbuf *out);
/* id = sha256(serialisation) + ".dir" */
void tree_id(const struct tree *t, char id[HASH_ID_MAX]);
/*
 * Parses a manifest read from `name` (a cache path or remote, for messages).
 * Rejects, with a reported error, anything hostile: paths that are absolute,
 * contain "..", empty components, control characters; invalid hashes;
 * duplicates; unsorted entries; a file that is also a directory prefix.
 */
int tree_parse(const char *buf, size_t len, const char *name, struct tree *t);

#endif
