/*
 * The project: the directory holding .repro/, found by walking up from the
 * current directory as git finds .git. Commands run with the project root as
 * their working directory, so every path inside repro is project-relative.
 */
#ifndef REPRO_PROJECT_H
#define REPRO_PROJECT_H

#include "core/config.h"

#define REPRO_DIR ".repro"

struct project {
	char *root;           /* absolute path of the project root; the cwd once opened */
	char *prefix;         /* where the user was, relative to root ("" at the root) */
	struct config config; /* .repro/config + .repro/config.local */
	int lock_fd;          /* the project lock (.repro/lock) when held, else -1 */
};

/*
 * Finds the project above the current directory and changes into its root.
 * A missing project is reported ("not a repro project (or any parent): run
 * 'repro init'") and -1 returned.
 */
int project_open(struct project *p);
void project_close(struct project *p);
/*
 * Turns a path the user typed (relative to where they were) into a
 * normalised project-relative path; reports and returns NULL when it lies
 * outside the project.
 */
char *project_user_path(const struct project *p, const char *arg);
/*
 * Takes the project lock for a command that writes the cache, lock or
 * workspace. Another repro holding it makes this wait up to `wait_ms` for
 * it, then fail with a message naming the holder's pid and command. The lock
 * is an flock(), so a process that dies releases it: there are no stale
 * locks to clean up.
 */
int project_lock(struct project *p, const char *command, int wait_ms);

#endif
