/*
 * Executors run a stage's commands somewhere: `local` (child processes of
 * repro) or `slurm` (batch jobs on a cluster). The scheduler only sees this
 * small interface, so one more engine is one more file:
 *
 *   submit   start a job: its commands, in order, in its working directory;
 *            a job fails at the first command that fails
 *   wait     block up to timeout_ms for output or the end of any job; output
 *            lines are handed to the executor's on_output callback
 *   cancel   stop a job (the scheduler then still waits for it to end)
 *   release  free the executor; every job must have ended
 *
 * The scheduler hashes a job's outputs itself once it ended; executors never
 * touch the cache or the lock.
 */
#ifndef REPRO_EXECUTOR_H
#define REPRO_EXECUTOR_H

#include <stddef.h>

#include <cJSON.h>

struct job {
	const char *name;   /* the stage's name */
	char **cmd;         /* commands run in order with /bin/sh -c */
	size_t ncmd;
	const char *wdir;   /* project-relative working directory */
	const cJSON *meta;  /* the stage's meta: (executor settings), may be NULL */
	int log_fd;         /* .repro/logs/<stage>.log; executors write output here too */
	size_t id;          /* the scheduler's handle (the stage's index) */
	/* set by the executor when the job ended: */
	int exit_code;      /* 0 on success; the failing command's status otherwise */
	char *reason;       /* why it failed, for the user ("killed by signal 9",
			     * "TIMEOUT (time limit)"); NULL on success; freed by the scheduler */
	void *priv;         /* the executor's own state for the job */
};

struct executor;

struct executor_ops {
	const char *name;
	int (*submit)(struct executor *ex, struct job *job);
	/* 1 and *done set when a job ended, 0 on timeout or after output, -1 on error */
	int (*wait)(struct executor *ex, int timeout_ms, struct job **done);
	void (*cancel)(struct executor *ex, struct job *job);
	void (*release)(struct executor *ex);
	/* 1: a stage failing without --keep-going cancels the other jobs in
	 * flight. A cluster's queued jobs may wait hours for resources nobody
	 * needs any more; local children are left to finish, as make does. */
	int cancel_on_failure;
};

struct executor {
	const struct executor_ops *ops;
	void *priv;     /* the executor's state */
	/* Called for each line (without its newline) a job prints. */
	void (*on_output)(void *ctx, struct job *job, const char *line, size_t len);
	void *ctx;
	const char *repro_exe; /* absolute path of this repro, put first on jobs' PATH */
};

/* Creates an executor by name ("local", "slurm"); reports an unknown name.
 * config may be NULL. */
struct config;
int executor_create(struct executor *ex, const char *name, const struct config *config);

/* The environment of a job's commands: repro's own, with the directory of
 * repro_exe (may be NULL) first on PATH, so "repro builtin ..." in a cmd runs
 * this very binary, and REPRO_EXE set. NULL-terminated; executor_env_free. */
char **executor_job_env(const char *repro_exe);
void executor_env_free(char **env);

int local_executor_init(struct executor *ex);
int slurm_executor_init(struct executor *ex, const struct config *config);
/*
 * Cancels the Slurm jobs that the run holding lock token `token` submitted
 * and never saw end (slurm_orphans.c): called by the command that takes
 * the project lock over from a dead holder. The number of jobs scancel was
 * asked to cancel (0 when the run left none), or -1 (warned).
 */
int slurm_cancel_orphans(const char *token);

#endif
