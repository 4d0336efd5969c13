/*
 * The state file (.repro/state): a cache of file hashes keyed by
 * (device, inode), valid while size and mtime (in ns) are unchanged. It is
 * what makes a no-op run cost a stat per file instead of a read.
 *
 * Racy entries (git's Documentation/technical/racy-git): a file modified in
 * the same clock tick as it was hashed can change without its mtime moving.
 * Each entry remembers when the file was hashed; an entry whose file mtime is
 * not strictly older than that moment is never trusted, and the file is
 * hashed again. "Older" allows for the filesystem's timestamp granularity:
 * the kernel stamps files from a coarse clock (one tick, 4 ms here, behind
 * the real time), so the mtime must be older than hashed_at minus one tick;
 * an mtime with no sub-second part (a filesystem with 1 s or 2 s stamps)
 * must be 2 s older. The cost is one extra hash of files written within a
 * tick of being hashed; the entry then written is trusted.
 *
 * Directory ids: the id of a directory is the SHA-256 of its manifest,
 * 1.25 MB of JSON for 10,000 files, whose making and hashing took 2 ms of a
 * 25 ms no-op. The state also remembers directory ids by a key: the SHA-256
 * of the directory's entries in binary form (path, content hash, size,
 * executable bit: see dir_key in hashpath.c), which fix the manifest byte
 * for byte, so that a hit is the id the manifest would have. The newest
 * STATE_MAX_DIRS are kept.
 *
 * File format (native byte order; the state never leaves the machine):
 *   header  "RPROSTAT", u32 version (2), u32 record size (72), u64 count,
 *           u64 ndirs (version 1, still read, had no directory ids: 0)
 *   records count x {u64 dev, u64 ino, u64 size, i64 mtime_ns,
 *           i64 hashed_at_ns, u8 sha256[32]}, sorted by (dev, ino)
 *   dirs    ndirs x {u8 key[32], u8 manifest_sha256[32], u64 size,
 *           u64 nfiles, i64 added_ns}, oldest first
 *   trailer SHA-256 of everything before it (32 raw bytes)
 * Mapped into memory and used as it is (a hash index over the records, no
 * per-entry allocation); entries added by state_put live in a hash table
 * beside it until state_save merges the two. At most STATE_MAX_ENTRIES are
 * kept: past that the entries hashed longest ago are dropped.
 *
 * The state is only a cache: a missing, truncated, corrupt or foreign file
 * is treated as empty, never as an error. It is written back (atomically,
 * without fsync: losing it costs only re-hashing) only if it changed.
 * state_get and state_put are safe to call from several threads; state_save
 * and state_free must not run concurrently with them.
 */
#ifndef REPRO_STATE_H
#define REPRO_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/hash.h"

struct state;

#define STATE_MAX_ENTRIES (1u << 20)
#define STATE_MAX_DIRS 1024

/* Loads the state file at path (which need not exist). Never NULL. */
struct state *state_open(const char *path);
/* Entries held (loaded and added), for tests and diagnostics. */
size_t state_count(struct state *s);
/* 1 and the hash in hex when st matches a trusted entry; 0 otherwise. */
int state_get(struct state *s, const struct stat *st, char hex[HASH_HEX_LEN + 1]);
/* state_get with the hash as 32 raw bytes. */
int state_get_raw(struct state *s, const struct stat *st, unsigned char raw[HASH_RAW_LEN]);
/* state_get_raw by the fields of a stat. */
int state_lookup(struct state *s, uint64_t dev, uint64_t ino, uint64_t size, int64_t mtime_ns,
		 unsigned char raw[HASH_RAW_LEN]);
/*
 * A lookup misses the CPU caches twice (the index slot, then the entry):
 * after the stat of each file, the kernel has pushed the state out of them.
 * A caller with many files to look up (the walk) hides that by starting the
 * loads early: state_prefetch_slot(file), and a step later (the slot now
 * loaded) state_prefetch_entry(file), then a step later state_lookup. Both
 * only hint; they change nothing.
 */
void state_prefetch_slot(const struct state *s, uint64_t dev, uint64_t ino);
void state_prefetch_entry(const struct state *s, uint64_t dev, uint64_t ino);
/*
 * Records that the file described by st (taken before or while hashing) has
 * hash hex; hashed_at_ns is a CLOCK_REALTIME time taken before the file's
 * content was read (or, for a file repro just wrote, after writing it and
 * before anyone else could: see cache_checkout). Files with inode 0 are not
 * recorded.
 */
void state_put(struct state *s, const struct stat *st, const char *hex, int64_t hashed_at_ns);
/* 1 and the directory's manifest id (raw), size and file count when key
 * (see "Directory ids" above) is known; 0 otherwise. */
int state_dir_get(struct state *s, const unsigned char key[HASH_RAW_LEN], unsigned char id[HASH_RAW_LEN],
		  uint64_t *size, uint64_t *nfiles);
/* Remembers that the directory whose entries have key has that id. */
void state_dir_put(struct state *s, const unsigned char key[HASH_RAW_LEN], const unsigned char id[HASH_RAW_LEN],
		   uint64_t size, uint64_t nfiles);
/* Writes the state back if it changed. Returns 0 or -1 (reported as a warning only). */
int state_save(struct state *s);
void state_free(struct state *s);
/* CLOCK_REALTIME in nanoseconds. */
int64_t now_ns(void);

#endif
