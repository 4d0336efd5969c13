/*
 * Tracked data files: `repro add PATH` stores PATH (a file or directory that
 * no stage produces) in the cache and writes PATH.repro beside it, a small
 * YAML file for git recording its hash, as DVC's .dvc files do:
 *
 *   outs:
 *   - path: data.csv
 *     sha256: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b
 *     size: 1024
 *
 * The path inside is relative to the .repro file's directory and must name
 * something in that directory (no "/", no ".."): a .repro file can never
 * point elsewhere.
 */
#ifndef REPRO_ADDFILE_H
#define REPRO_ADDFILE_H

#include "core/lock.h"

struct addfile {
	char *file;              /* the .repro file, project-relative */
	char *path;              /* the tracked data, project-relative */
	struct lock_entry entry; /* its recorded content (entry.path as written in the file) */
};

int addfile_read(struct addfile *a, const char *file);
int addfile_write(const struct addfile *a);
void addfile_release(struct addfile *a);
/*
 * Finds every .repro file in the project (skipping .git and .repro, and not
 * descending into tracked directories). Returns 0 or -1 (reported).
 */
int addfile_find_all(struct addfile **list, size_t *n);
void addfile_free_all(struct addfile *list, size_t n);
/* "data/x.csv" -> "data/x.csv.repro" */
char *addfile_name(const char *path);
/* True when the last component of path is NAME.repro: what the project scan takes for a .repro file. */
int addfile_has_ext(const char *path);

/*
 * Checks that no stage out of p is tracked data, lies inside tracked data
 * or holds some, and that none is named like a .repro file: one path has
 * one producer, and a stage clearing its out before running must not delete
 * tracked data. Looks on disk for PATH.repro beside each out and beside each
 * directory above it, and for any .repro file inside an out directory.
 * Returns 0, or -1 after reporting each conflict at the out's line:col.
 */
int addfile_check_outs(const struct pipeline *p);

#endif
