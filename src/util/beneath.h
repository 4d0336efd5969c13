/*
 * Opening a path below a directory without leaving it: what
 * openat2(RESOLVE_BENEATH) does, for systems where that call is missing.
 */
#ifndef REPRO_BENEATH_H
#define REPRO_BENEATH_H

#include <sys/types.h>

/*
 * Opens `rel` below directory `dirfd` as openat(dirfd, rel, flags, mode)
 * would, except that nothing outside dirfd is ever reached: an absolute
 * path, a ".." above dirfd, or a symlink whose target is absolute or climbs
 * above dirfd fails with EXDEV. With `follow` 0 every symlink fails with
 * ELOOP (RESOLVE_NO_SYMLINKS); otherwise symlinks are followed while they
 * stay below. Returns the descriptor, or -1 with errno set.
 */
int openat_beneath(int dirfd, const char *rel, int flags, mode_t mode, int follow);

#endif
