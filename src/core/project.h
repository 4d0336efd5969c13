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
	char *dead_token;     /* the lock token of a dead holder taken over, or NULL */
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
 * The project lock (projlock.c), taken by every command that writes the
 * cache, stages.lock or the workspace: an flock() on .repro/lock, so that
 * the kernel releases it whatever way its holder dies. The holder writes
 * "pid N: COMMAND" and a random token into the file, and empties it on a
 * clean release; a full file found on taking the lock was left by a killed
 * holder, whose stage commands (which carry the token in the environment
 * variable REPRO_LOCK_TOKEN) are then stopped before anything else runs,
 * so that they cannot write into outputs under the new holder's feet.
 *
 * Another repro holding the lock makes this wait for it up to `wait_ms`
 * (-1: as long as it takes, saying so on stderr after a second), then fail
 * with a message naming the holder's pid and command.
 */
int project_lock(struct project *p, const char *command, int wait_ms);
/* Releases the lock if held (project_close does it). */
void project_unlock(struct project *p);

#endif
