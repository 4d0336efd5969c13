/*
 * Project configuration: .repro/config (in git) overlaid by
 * .repro/config.local (machine-local: credentials), both in git-config INI
 * syntax and read and written through libgit2's config API, so quoting,
 * subsections ([remote "origin"]) and comments behave exactly as in git.
 *
 * Parsing goes through libgit2, which costs milliseconds at start-up (its
 * TLS backend loads the system's certificates), more than a no-op `repro
 * run` over 10,000 files. So the entries are also kept, parsed, in
 * .repro/config.cache, keyed by the two files' (device, inode, size, mtime,
 * ctime): while both are unchanged, commands read the cache and never load
 * libgit2. A file modified too close to the moment the cache was written to
 * tell is never trusted (git's racy-clean rule), and every write through
 * config_set() goes through libgit2 and rewrites the cache.
 *
 * Keys are "section.name" or "section.subsection.name":
 *   core.remote       default remote name
 *   core.lockwait     longest wait for the project lock, in seconds (unset: no limit)
 *   cache.type        checkout link types, e.g. "reflink,hardlink,copy"
 *   exec.executor     "local" (default) or "slurm"
 *   exec.jobs         default -j
 *   remote.NAME.url   and other remote.NAME.* settings
 */
#ifndef REPRO_CONFIG_H
#define REPRO_CONFIG_H

#include <stddef.h>

struct cJSON;
struct git_config;

struct config_entry {
	char *key;   /* normalised as libgit2 does: section and name lowercase */
	char *value;
	int local;   /* from config.local (which wins over config) */
};

struct config {
	struct git_config *cfg;       /* libgit2's view of both files; NULL until needed */
	char *project_path;           /* .repro/config */
	char *local_path;             /* .repro/config.local */
	char *cache_path;             /* .repro/config.cache */
	struct config_entry *entries; /* every entry of both files, in file order */
	size_t n;
};

/* Opens the config files under repro_dir (".repro"); missing files are empty. */
int config_open(struct config *c, const char *repro_dir);
void config_close(struct config *c);
/* Returns a newly allocated value, or NULL when unset. */
char *config_get(const struct config *c, const char *key);
/* Integer value or `def` when unset; -1 and a reported error when not a number. */
int config_get_int(const struct config *c, const char *key, int def, int *out);
/* Sets (value != NULL) or removes (value == NULL) a key in one file. */
int config_set(struct config *c, const char *key, const char *value, int local);
/*
 * Loads c's entries from the text of a config.cache (buf, len bytes) when
 * it is one for the files whose stamps (an array of two [dev, ino, size,
 * mtime_ns, ctime_ns] arrays: config, then config.local) are given and was
 * written late enough to trust. Returns 1 when loaded, 0 when the text is
 * not a usable cache (c then holds no entries and libgit2 must read the
 * files). What config_open() does with the file; apart for the fuzzer.
 */
int config_cache_parse(struct config *c, const char *buf, size_t len, const struct cJSON *stamps);
/* Calls fn for every entry whose key matches the POSIX extended regular
 * expression (NULL: every entry), project file first, in file order; stops at
 * the first non-zero return and returns it. */
int config_foreach(const struct config *c, const char *regex,
		   int (*fn)(const char *key, const char *value, void *ctx), void *ctx);

#endif
