/* The state's in-memory and on-disk layout, shared by state.c (files) and
 * statedirs.c (directory ids); see state.h. */
#ifndef REPRO_STATE_INTERNAL_H
#define REPRO_STATE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"

#define STATE_MAGIC "RPROSTAT"
#define STATE_VERSION 2 /* 1: no directory ids */
#define STATE_HEADER 32

/* One entry, exactly as stored in the file. */
struct state_rec {
	uint64_t dev, ino;            /* the key */
	uint64_t size;                /* st_size when hashed */
	int64_t mtime_ns;             /* st_mtim when hashed */
	int64_t hashed_at_ns;         /* when the content was read (see state.h) */
	unsigned char sha[HASH_RAW_LEN];
};
_Static_assert(sizeof(struct state_rec) == 72, "state record layout");

struct state_header {
	char magic[8];
	uint32_t version, rec_size;
	uint64_t count;  /* file records */
	uint64_t ndirs;  /* directory records (0 in version 1) */
};
_Static_assert(sizeof(struct state_header) == STATE_HEADER, "state header layout");

/* A directory id, exactly as stored in the file (see state.h). */
struct state_dir {
	unsigned char key[HASH_RAW_LEN]; /* SHA-256 of the directory's entries, see walk_dir_key */
	unsigned char id[HASH_RAW_LEN];  /* SHA-256 of its manifest */
	uint64_t size, nfiles;
	int64_t added_ns;                /* when recorded: the oldest go first */
};
_Static_assert(sizeof(struct state_dir) == 88, "state directory record layout");

struct state {
	char *path;                 /* the state file */
	void *mem;                  /* the file as loaded: header, records, trailer */
	size_t mem_len;             /* its length */
	int mapped;                 /* mem is mmap'ed (else malloc'ed) */
	const struct state_rec *base; /* the loaded records, sorted; never modified */
	size_t nbase;
	uint32_t *bindex;           /* open addressing over base: 1 + position, 0 = empty */
	size_t bsize;               /* slots in bindex (a power of two), 0 without one */
	const struct state_dir *dbase; /* the loaded directory ids; never modified */
	size_t ndbase;
	pthread_mutex_t lock;       /* guards everything below */
	struct state_rec *added;    /* entries added by state_put, in no order */
	size_t tcount, aalloc;      /* entries in added / allocated */
	uint32_t *index;            /* open addressing over added: 1 + position, 0 = empty */
	size_t tsize;               /* slots in index (a power of two) */
	size_t nnew;                /* added entries whose key is not in base */
	atomic_size_t nput;         /* tcount, readable without the lock */
	struct state_dir *dadded;   /* added by state_dir_put, oldest first */
	size_t ndadded, dalloc;
	int changed;                /* an entry differs from the file */
};

/* The loaded and added directory ids as one array (added ones win, the
 * newest STATE_MAX_DIRS kept); *n gets its length. */
struct state_dir *state_dirs_merge(const struct state *s, size_t *n);

#endif
