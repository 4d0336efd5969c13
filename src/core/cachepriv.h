/*
 * Declarations shared by the files that make up the cache layer (hashpath.c,
 * cache.c, batch.c, store.c, checkout.c); not for use outside src/core.
 */
#ifndef REPRO_CACHEPRIV_H
#define REPRO_CACHEPRIV_H

#include <stdint.h>
#include <sys/stat.h>

#include "core/cache.h"
#include "core/walk.h"

/*
 * Hashes the open regular file fd, or takes its hash from h's state when an
 * entry vouches for it; records a fresh hash in the state. *st gets fstat's
 * answer, *size the bytes hashed. -1 with errno set (EINVAL: not a regular
 * file).
 */
int hash_open_file(struct hasher *h, int fd, struct stat *st, char hex[HASH_HEX_LEN + 1], uint64_t *size);
/* Reads and hashes, in parallel, every file of a walk the state did not
 * vouch for. Returns 0, or -1 after reporting each failure. */
int hash_walked_files(struct hasher *h, int dirfd, const char *path, struct walk_result *r);
/* Appends the walk's files to t (already in manifest order). */
void walk_to_tree(const struct walk_result *r, struct tree *t);
/*
 * lstat()s a top-level workspace path; a symlink is followed when it leads
 * into the project. Returns 0 with *st filled, 1 when path does not exist,
 * -1 (reported) otherwise.
 */
int resolve_top(const char *path, struct stat *st);

#endif
