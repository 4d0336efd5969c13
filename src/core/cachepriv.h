/*
 * Declarations shared by the files that make up the cache layer (hashpath.c,
 * cache.c, batch.c, store.c, checkout.c); not for use outside src/core.
 *
 * Every file opened for reading from the workspace or the cache is opened
 * with O_NONBLOCK: a regular file ignores it, and a fifo swapped in after
 * the walk saw a file then fails its S_ISREG check instead of blocking the
 * open forever.
 */
#ifndef REPRO_CACHEPRIV_H
#define REPRO_CACHEPRIV_H

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include "core/cache.h"
#include "core/walk.h"
#include "util/fs.h"

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
/* The directory's id, size and file count, from a walk whose files are all
 * known; with manifest non-NULL, the manifest's bytes are appended there. */
void walk_info(const struct walk_result *r, struct hashinfo *out, struct strbuf *manifest);
/* Writes the manifest of such a walk to fd in pieces (a directory of
 * 100,000 files has a 13 MB manifest: never held whole). -1, errno set. */
int walk_write_manifest(const struct walk_result *r, int fd);
/*
 * lstat()s a top-level workspace path; a symlink is followed when it leads
 * into the project (or into `also`, which may be NULL). A path whose
 * directory lies outside the project (a symlink on the way leads out) is
 * refused. Returns 0 with *st filled, 1 when path does not exist, -1
 * (reported) otherwise.
 */
int resolve_top(const char *path, struct stat *st, const char *also);

/* openat2 with RESOLVE_BENEATH only: symlinks followed while they stay
 * below dirfd (the project root for AT_FDCWD). Without openat2, no symlink
 * is followed at all. O_CLOEXEC is added. */
int open_in_project(int dirfd, const char *rel, int flags);

/* "ab/cdef...": an object's path relative to the cache directory. */
void object_rel(const char *id, char rel[HASH_ID_MAX + 1]);
/*
 * Temporary files go to a directory of their own per process, made on first
 * use, spread over TMP_FANOUT subdirectories. Both matter on ext4: creating
 * 10,000 files in .repro/tmp, a directory that has seen many files come and
 * go, took 3.8 s against 0.34 s in a fresh one; and threads creating files in
 * one directory queue on its lock while each create scans the growing
 * directory for a free slot (a profile of a 10,000-file store showed those
 * two as the top costs).
 */
#define TMP_FANOUT 64

struct cache_tmpdir {
	pthread_mutex_t lock;  /* guards the lazy creation */
	char *path;            /* ".repro/tmp/p<pid>@<host>-XXXXXX", NULL until made */
	int fd;                /* open descriptor of path, -1 until made */
	unsigned char made[TMP_FANOUT]; /* subdirectory i exists (set under lock) */
};

/*
 * The objects this process committed to the cache through batches, each
 * hashed on its way in, with their stat then (fresh.c): a checkout copies
 * an object without hashing it again while its file is unchanged.
 * Thread-safe; f may be NULL (then nothing is fresh).
 */
struct cache_fresh *fresh_new(void);
void fresh_free(struct cache_fresh *f);
/* Records object id, committed, whose file's stat is st; with st NULL, it
 * is known to be there but never vouched for. */
void fresh_add(struct cache_fresh *f, const char *id, const struct stat *st);
/* 1 when id was committed by this process (its file may have changed since). */
int fresh_has(struct cache_fresh *f, const char *id);
/* 1 when id was committed by this process and st, its file's stat now, is
 * still what it was then. */
int fresh_vouches(struct cache_fresh *f, const char *id, const struct stat *st);
/*
 * 1 when the fan-out directory of id (its first two hex digits) was
 * missing from the cache when first asked about (one fstatat of cachefd's
 * entry per directory and process) and no batch of this process has made
 * it since: then no object of it is there. Another process may make it
 * meanwhile; callers only use the answer to decide to write an object.
 */
int fresh_fan_absent(struct cache_fresh *f, int cachefd, const char *id);
/* Records that the fan-out directory of id exists now. */
void fresh_fan_made(struct cache_fresh *f, const char *id);
/* Records path as a verified copy of id (cache_offer_copy), with its stat. */
void fresh_offer_copy(struct cache_fresh *f, const char *id, const char *path);
/* Takes the copy offered for id, if its stat is unchanged: an allocated
 * path the caller renames or removes, or NULL (a changed one is removed). */
char *fresh_take_copy(struct cache_fresh *f, const char *id);

/* cache_tmp_create without the report (errno set), for worker threads. */
int tmp_create_quiet(struct cache *c, char **name);
/* Removes this process's temporary directory (at cache_release). */
void tmpdir_free(struct cache_tmpdir *t);
/* FICLONE from src to dst; 1 done, 0 unsupported here (remembered in
 * c->reflink), -1 another error (errno set). */
int try_reflink(struct cache *c, int dst, int src);
/* 1 when FICLONE might work (not known to fail). */
int reflink_maybe(const struct cache *c);

/*
 * cache_checkout, and with relink set the workspace links after a store:
 * files already holding the right content are replaced too unless they are
 * already links of the first usable link type.
 */
int checkout_path(struct cache *c, struct hasher *h, const char *id, const char *path, int *changed,
		  int relink);
/* The link type a store should leave the workspace as: LINK_HARDLINK or
 * LINK_SYMLINK when those come first among usable types, else LINK_COPY. */
enum link_type relink_type(struct cache *c);

#endif
