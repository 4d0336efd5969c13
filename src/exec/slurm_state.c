/*
 * Slurm's job states, as squeue and sacct print them, and how a job that did
 * not complete is told to the user: Slurm's own state name first (what the
 * cluster's documentation and admins use), then what it means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "exec/executor.h"
#include "exec/slurm.h"

/* A state in which a job has left the queue for good, and what it means. */
struct final_state {
	const char *name;    /* as squeue prints it */
	const char *meaning; /* for the user; NULL: told by the exit status */
};

static const struct final_state finals[] = {
	{ "COMPLETED", NULL },
	{ "FAILED", NULL },
	{ "CANCELLED", "cancelled by scancel or an administrator" },
	{ "TIMEOUT", "time limit" },
	{ "OUT_OF_MEMORY", "out of memory" },
	{ "NODE_FAIL", "node failure" },
	{ "BOOT_FAIL", "the node failed to boot" },
	{ "PREEMPTED", "preempted by another job" },
	{ "DEADLINE", "its deadline passed" },
	{ "SPECIAL_EXIT", "held after a special exit; release or cancel it" },
	{ "REVOKED", "revoked by the federation" },
};

static const struct final_state *find_final(const char *state)
{
	for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++)
		if (!strcmp(finals[i].name, state))
			return &finals[i];
	return NULL;
}

int slurm_state_final(const char *state)
{
	return find_final(state) != NULL;
}

/* Copies field [s, s+n) into dst of size cap, cut to fit. */
static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Splits line at '|' into at most max fields; returns how many. */
static size_t split(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len && n < max; i++)
		if (i == len || line[i] == '|') {
			f[n] = line + start;
			flen[n++] = i - start;
			start = i + 1;
		}
	return n;
}

static int parse_long(const char *s, size_t n, long *out)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtol(buf, &end, 10);
	return *end || *out < 0 ? -1 : 0;
}

int slurm_parse_row(const char *line, size_t len, struct slurm_row *row)
{
	const char *f[4];
	size_t fl[4];
	long id, ws;

	memset(row, 0, sizeof(*row));
	if (split(line, len, f, fl, 4) != 4 || parse_long(f[0], fl[0], &id) < 0 || !id ||
	    parse_long(f[2], fl[2], &ws) < 0 || !fl[1])
		return -1;
	row->id = id;
	row->wstatus = (int)(ws & 0xffff);
	copy_field(row->state, sizeof(row->state), f[1], fl[1]);
	copy_field(row->reason, sizeof(row->reason), f[3], fl[3]);
	return 0;
}

int slurm_parse_sacct(const char *line, size_t len, struct slurm_row *row)
{
	const char *f[2];
	size_t fl[2];
	long code, sig;
	char buf[32];

	memset(row, 0, sizeof(*row));
	if (split(line, len, f, fl, 2) != 2 || !fl[0] || fl[1] >= sizeof(buf))
		return -1;
	/* "CANCELLED by 0": the state is the first word */
	copy_field(row->state, sizeof(row->state), f[0], strcspn(f[0], " |"));
	memcpy(buf, f[1], fl[1]);
	buf[fl[1]] = '\0';
	if (sscanf(buf, "%ld:%ld", &code, &sig) != 2 || code < 0 || code > 255 || sig < 0 || sig > 127)
		return -1;
	row->wstatus = sig ? (int)sig : (int)(code << 8);
	strcpy(row->reason, "None");
	return 0;
}

/* The job's exit status as a shell reports it; never 0 or 130 (the
 * scheduler reads 130 as "interrupted by repro"). */
static int exit_code_of(int wstatus)
{
	int code = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);

	return code == 0 || code == 130 ? 1 : code;
}

void slurm_describe_end(struct job *job, const struct slurm_row *row, size_t failed_cmd, int cmd_status)
{
	const struct final_state *fs = find_final(row->state);
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "slurm job %ld ended %s", row->id, row->state);
	job->exit_code = exit_code_of(row->wstatus);
	if (failed_cmd && failed_cmd <= job->ncmd && !strcmp(row->state, "FAILED")) {
		strbuf_addf(&sb, ": '%s' exited with status %d", job->cmd[failed_cmd - 1], cmd_status);
		job->exit_code = cmd_status == 0 || cmd_status == 130 ? 1 : cmd_status;
	} else if (fs && fs->meaning) {
		strbuf_addf(&sb, " (%s)", fs->meaning);
	} else if (WIFSIGNALED(row->wstatus)) {
		strbuf_addf(&sb, " (killed by signal %d, %s)", WTERMSIG(row->wstatus), strsignal(WTERMSIG(row->wstatus)));
	} else if (!fs) {
		strbuf_addf(&sb, " (%s)", row->reason[0] ? row->reason : "unknown reason");
	} else {
		strbuf_addf(&sb, " (exit code %d)", WEXITSTATUS(row->wstatus));
	}
	free(job->reason);
	job->reason = strbuf_detach(&sb, NULL);
}
