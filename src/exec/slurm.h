/*
 * Internals of the slurm executor, one concept per file:
 *
 *   slurm.c         the executor: submit, poll, stream output, cancel
 *   slurm_tool.c    running sbatch, squeue, scancel, sacct: argument vectors, no shell
 *   slurm_opts.c    a stage's resources: meta.slurm over the [slurm] defaults
 *   slurm_script.c  the batch script that runs a stage's commands and records how they ended
 *   slurm_state.c   reading squeue's and sacct's answers; saying how a job ended
 *
 * Why the command-line tools and not slurmrestd: see docs/executors.md.
 */
#ifndef REPRO_EXEC_SLURM_H
#define REPRO_EXEC_SLURM_H

#include <stddef.h>

#include <cJSON.h>

#include "util/options.h"
#include "util/strbuf.h"

struct config;
struct job;

/*
 * Runs a Slurm tool: argv[0] looked up on PATH, env its environment, stdin
 * /dev/null, stdout appended to out and stderr to err (each may be NULL).
 * The tool runs in its own process group, so a Ctrl-C at the terminal
 * reaches repro alone and never kills an sbatch half-way through a
 * submission (which would leave a job nobody tracks). Returns the tool's
 * exit status, or -1 when it could not run or died by a signal, with the
 * reason as the first line of err. Nothing is reported: callers decide
 * whether a failure is an error, a warning or a retry.
 */
int slurm_tool(const char *const *argv, char *const *env, struct strbuf *out, struct strbuf *err);
/* Appends job id to the list of this run's jobs (slurm_orphans.c); warns
 * when it cannot. */
void slurm_jobs_record(const char *root, long id);
/* Removes that list: the run saw all its jobs end or cancelled them. */
void slurm_jobs_forget(const char *root);
/* The first line of a tool's stderr, trimmed, for a message ("" when none). */
void slurm_first_line(const struct strbuf *err, struct strbuf *line);

/* Number of sbatch settings a stage may make (the table in slurm_opts.c). */
#define SLURM_NKEYS 18

/* The executor's settings from [slurm] in .repro/config. */
struct slurm_defaults {
	char *value[SLURM_NKEYS]; /* default value per setting, NULL when unset */
	int poll_ms;              /* slurm.poll-ms: how often squeue is asked (default 300) */
};

/* Reads [slurm]; config may be NULL. Returns 0, or -1 after reporting an
 * unknown key or a bad value (d then holds nothing to release). */
int slurm_defaults_load(struct slurm_defaults *d, const struct config *config);
void slurm_defaults_release(struct slurm_defaults *d);
/*
 * Appends the sbatch options of stage `stage` to args (each one argument,
 * "--name=value", newly allocated): meta.slurm's settings over the defaults.
 * Every value is checked (not empty, not starting with '-', no control
 * characters), so nothing a stages file says can become another option.
 * Returns 0, or -1 after reporting.
 */
int slurm_stage_opts(const struct slurm_defaults *d, const char *stage, const cJSON *meta, struct strlist *args);
/* NULL when v is acceptable as an option value, else why not. */
const char *slurm_value_problem(const char *v);

/*
 * Writes (atomically) the batch script of job to path: each command run
 * with /bin/sh -c, as the local executor does, in order; the first failure
 * ends the job. Before exiting, the script records "N STATUS" (N the
 * 1-based failing command, 0 when all succeeded) in status_path, so repro
 * learns how the commands ended even after Slurm has forgotten the job.
 * Returns 0 or -1 (reported).
 */
int slurm_write_script(const char *path, const struct job *job, const char *status_path);
/* Appends s as one single-quoted sh word. */
void sh_quote(struct strbuf *sb, const char *s);
/* Reads a status file: 1 with *cmd and *status set, 0 when there is none
 * (or it is not one of ours). */
int slurm_read_status(const char *path, size_t *cmd, int *status);

/* One job as squeue lists it. */
struct slurm_row {
	long id;          /* the job id */
	char state[32];   /* PENDING, RUNNING, COMPLETED, TIMEOUT... */
	int wstatus;      /* the batch script's wait status (exit code << 8 | signal) */
	char reason[128]; /* why it waits or ended ("Resources", "None"...) */
};

/* The squeue format that slurm_parse_row reads. */
#define SLURM_SQUEUE_FORMAT "JobID:|,State:|,exit_code:|,Reason:|"
/* Parses one line of squeue -O SLURM_SQUEUE_FORMAT. Returns 0 or -1. */
int slurm_parse_row(const char *line, size_t len, struct slurm_row *row);
/* Parses sacct -P -o State,ExitCode ("CANCELLED by 0|0:15"). Returns 0 or -1. */
int slurm_parse_sacct(const char *line, size_t len, struct slurm_row *row);
/* 1 when a job in this state has ended for good. */
int slurm_state_final(const char *state);
/*
 * Sets job->exit_code (never 0 or 130) and job->reason for a job that did
 * not complete, in Slurm's words: "slurm job 12 ended TIMEOUT (time limit)".
 * failed_cmd/cmd_status come from the status file (failed_cmd 0: unknown).
 */
void slurm_describe_end(struct job *job, const struct slurm_row *row, size_t failed_cmd, int cmd_status);

#endif
