/*
 * Garbage collection of the cache and of a remote: every object that no
 * kept lock or .repro file refers to is removed.
 *
 * Kept: everything the workspace's lock records (outs of every kind, deps)
 * and every tracked file, with each directory's files; with all_commits,
 * the same read from every commit reachable from a ref, through libgit2.
 * Never removed: an object modified at or after the moment gc started (a
 * concurrent `repro run` or `push` elsewhere may have just written it and
 * not yet recorded it); and nothing at all when a kept directory manifest
 * cannot be read for a remote collection, since its files could not be
 * told from garbage.
 */
#ifndef REPRO_GC_H
#define REPRO_GC_H

#include "core/session.h"
#include "remote/refs.h"

struct progress;

struct gc_opts {
	int all_commits;           /* keep what any commit refers to */
	int cloud;                 /* also collect the remote */
	int dry;                   /* only say what would be removed */
	int verbose;               /* name every object removed */
	const char *remote;        /* the remote (NULL: default) */
	int jobs;                  /* parallel requests on the remote (0: its setting) */
	struct progress *progress; /* status line, or NULL */
};

/* Runs gc; returns 0, or -1 (reported). */
int gc_run(struct session *ss, const struct gc_opts *o);

/*
 * Adds to keep the objects recorded in every commit reachable from a ref
 * of the git repository holding the project: its lock_file and every
 * .repro file below the project's directory (directory deps only when
 * cache holds their manifest, as for the workspace). Reported and -1 when the
 * project is not in a git repository or the history cannot be read.
 */
int gitrefs_collect(const char *lock_file, struct objset *keep, const struct cache *cache);

#endif
