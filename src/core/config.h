/*
 * Project configuration: .repro/config (in git) overlaid by
 * .repro/config.local (machine-local: credentials), both in git-config INI
 * syntax and read and written through libgit2's config API, so quoting,
 * subsections ([remote "origin"]) and comments behave exactly as in git.
 *
 * Keys are "section.name" or "section.subsection.name":
 *   core.remote       default remote name
 *   cache.type        checkout link types, e.g. "reflink,hardlink,copy"
 *   exec.executor     "local" (default) or "slurm"
 *   exec.jobs         default -j
 *   remote.NAME.url   and other remote.NAME.* settings
 */
#ifndef REPRO_CONFIG_H
#define REPRO_CONFIG_H

struct git_config;

struct config {
	struct git_config *cfg; /* both levels; the local file has the higher priority */
	char *project_path;     /* .repro/config */
	char *local_path;       /* .repro/config.local */
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
/* Calls fn for every key matching the regular expression (both levels);
 * regex NULL means every key. (libgit2 1.5 leaks a little memory for each
 * key a regex does not match: callers that can should pass NULL and filter.) */
int config_foreach(const struct config *c, const char *regex,
		   int (*fn)(const char *key, const char *value, void *ctx), void *ctx);

#endif
