/*
 * Keeping cached data out of git, as DVC does: every path whose content
 * lives in the cache (data tracked with `repro add`, and stage outs unless
 * "cache: false") gets a line "/NAME" in the .gitignore of its directory.
 */
#ifndef REPRO_GITIGNORE_H
#define REPRO_GITIGNORE_H

/*
 * Adds "/NAME" for project-relative `path` to the .gitignore beside it,
 * with git's glob characters escaped so the line matches that name only.
 * A file already holding the line is left untouched; otherwise the file is
 * replaced atomically. Returns 0 or -1 (reported).
 */
int gitignore_add(const char *path);

#endif
