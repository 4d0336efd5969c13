/*
 * The state file (.repro/state): a cache of file hashes keyed by
 * (device, inode), valid while size and mtime (in ns) are unchanged. It is
 * what makes a no-op run cost a stat per file instead of a read.
 *
 * Racy entries (git's Documentation/technical/racy-git): a file modified in
 * the same clock tick as it was hashed can change without its mtime moving.
 * Each entry remembers when the file was hashed; an entry whose file mtime is
 * not strictly older than that moment is never trusted, and the file is
 * hashed again.
 *
 * The state is only a cache: a missing, truncated or foreign file is treated
 * as empty, never as an error. It is written back (atomically) only if it
 * changed. state_get and state_put are safe to call from several threads.
 */
#ifndef REPRO_STATE_H
#define REPRO_STATE_H

#include <stdint.h>
#include <sys/stat.h>

#include "core/hash.h"

struct state;

/* Loads the state file at path (which need not exist). Never NULL. */
struct state *state_open(const char *path);
/* 1 and the hash in hex when st matches a trusted entry; 0 otherwise. */
int state_get(struct state *s, const struct stat *st, char hex[HASH_HEX_LEN + 1]);
/*
 * Records that the file described by st (taken before or while hashing) has
 * hash hex; hashed_at_ns is a CLOCK_REALTIME time taken before the file's
 * content was read.
 */
void state_put(struct state *s, const struct stat *st, const char *hex, int64_t hashed_at_ns);
/* Writes the state back if it changed. Returns 0 or -1 (reported as a warning only). */
int state_save(struct state *s);
void state_free(struct state *s);
/* CLOCK_REALTIME in nanoseconds. */
int64_t now_ns(void);

#endif
