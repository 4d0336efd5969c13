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
#include "core/strpool.h"
#include "util/strbuf.h"

struct tree_entry {
	char *path;                   /* relative to the directory, '/'-separated, normalised */
	char hex[HASH_HEX_LEN + 1];   /* SHA-256 of the file's content */
	uint64_t size;                /* bytes */
	int exec;                     /* 1 when the owner-executable bit is set */
};

/*
 * A zero-initialised struct tree (or TREE_INIT) is an empty tree. Entry
 * paths are owned by the tree (copied into its string pool): never free or
 * replace them; tree_release() frees everything.
 */
struct tree {
	struct tree_entry *entries; /* sorted by path once tree_sort() ran */
	size_t n, alloc;            /* entries in use / allocated */
	struct strpool pool;        /* storage of the entries' paths */
};

#define TREE_INIT { NULL, 0, 0, STRPOOL_INIT }

/* The largest manifest read: about 2 million files (parsing takes several
 * times this in memory, so a hostile remote cannot ask for much more). */
#define TREE_MAX_BYTES ((size_t)256 << 20)

/* Appends an entry (path is copied; hex may be NULL for "not known yet"). */
void tree_add(struct tree *t, const char *path, const char *hex, uint64_t size, int exec);
/* Sorts by path, bytewise (strcmp), which is the manifest order. */
void tree_sort(struct tree *t);
void tree_release(struct tree *t);
uint64_t tree_total_size(const struct tree *t);
/* The entry for path in a sorted tree, or NULL (binary search). */
const struct tree_entry *tree_find(const struct tree *t, const char *path);
/* Appends the canonical JSON of a sorted tree. */
void tree_serialize(const struct tree *t, struct strbuf *out);
/* id = sha256(serialisation) + ".dir"; streams the JSON, so a tree of
 * 100,000 files does not need its 13 MB serialisation in memory. */
void tree_id(const struct tree *t, char id[HASH_ID_MAX]);
/*
 * The id of a manifest whose entries arrive one at a time, already in
 * manifest order (a directory walk), without building a struct tree:
 * begin, add each entry, end. n and size count the entries and bytes added.
 */
struct tree_idstream {
	struct hash_stream hs; /* SHA-256 of the serialisation so far */
	struct strbuf buf;     /* serialised entries not yet hashed */
	uint64_t n, size;      /* entries / bytes added */
	struct strbuf *copy;   /* when not NULL, gets the whole serialisation too */
};
/* copy may be NULL (only the id is wanted). */
void tree_idstream_begin(struct tree_idstream *s, struct strbuf *copy);
void tree_idstream_add(struct tree_idstream *s, const char *path, const char *hex, uint64_t size, int exec);
void tree_idstream_end(struct tree_idstream *s, char id[HASH_ID_MAX]);

/*
 * Parses a manifest read from `name` (a cache path or remote, for messages)
 * into t, which must be empty. Rejects, with a reported error naming `name`
 * and the entry, anything hostile: paths that are absolute, contain "." or
 * "..", empty components, control characters; invalid hashes; duplicates;
 * unsorted entries; a file that is also a directory prefix; and any text
 * that is not byte-for-byte the canonical serialisation of what it lists
 * (so a parsed manifest always re-serialises to its own id). Returns 0, or
 * -1 with t left empty.
 */
int tree_parse(const char *buf, size_t len, const char *name, struct tree *t);

/* Appends path to sb for a message: control characters and backslashes
 * escaped ("\n", "\x01"), so hostile names cannot forge terminal output. */
void path_quote(struct strbuf *sb, const char *path);
/* The same for len bytes that may hold NUL bytes (shown as "\x00"). */
void path_quote_len(struct strbuf *sb, const char *path, size_t len);

#endif
