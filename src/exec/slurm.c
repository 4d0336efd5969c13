/*
 * The slurm executor: each job is one Slurm batch job, on a filesystem that
 * the submitting host and the compute nodes share at the same path.
 *
 *   submit  writes the job's script to .repro/tmp/slurm/ and runs
 *           `sbatch --parsable` with the stage's resources; the job prints
 *           into a file next to the script
 *   wait    reads the output files as they grow and hands their lines to
 *           on_output; every slurm.poll-ms one squeue call asks about all
 *           of this run's jobs at once
 *   cancel  marks a job; the next wait cancels all marked jobs with one
 *           scancel, then keeps polling until Slurm says they ended
 *
 * Slurm forgets a finished job MinJobAge seconds after it ended. A job that
 * squeue no longer lists is settled by the status file its script wrote,
 * else by sacct when the cluster keeps accounting.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec/executor.h"
#include "exec/slurm.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define JOB_DIR ".repro/tmp/slurm"
/* squeue failing this long (the controller is down): give up on the jobs. */
#define LOST_AFTER_MS 60000
/* Polls a job may be missing from squeue before it is settled without it. */
#define UNSEEN_POLLS 3
/* A line longer than this is passed on in pieces. */
#define LINE_CAP (1u << 20)

/* One submitted job. */
struct sjob {
	struct job *job;         /* the scheduler's job */
	long id;                 /* Slurm's job id */
	char *script;            /* absolute paths of its files under JOB_DIR */
	char *out;
	char *status;
	int out_fd;              /* the output file once Slurm created it, else -1 */
	off_t out_off;           /* bytes of it read so far */
	struct strbuf partial;   /* output after the last newline */
	struct slurm_row last;   /* what the last poll said ("" state before any) */
	int cancel;              /* 1: cancel asked for; 2: scancel sent */
	int unseen;              /* consecutive polls that did not list it */
	int ended;               /* settled (exit_code and reason set); wait returns it next */
};

struct slurm {
	char *root;                      /* absolute project root (the scheduler's cwd) */
	char *dir;                       /* root/JOB_DIR */
	char **env;                      /* sbatch's environment, which jobs inherit */
	struct slurm_defaults defaults;  /* [slurm] from .repro/config */
	struct sjob **jobs;              /* submitted, not yet returned by wait */
	size_t n, alloc;
	long long next_poll;             /* when to run squeue next (monotonic ms) */
	long long failing_since;         /* when squeue started failing, 0 while it works */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hands a line of repro's own about the job to on_output (so it is shown
 * and logged with the job's output). */
static void note(struct executor *ex, struct sjob *sj, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(struct executor *ex, struct sjob *sj, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addstr(&sb, "slurm: ");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ex->on_output(ex->ctx, sj->job, sb.buf, sb.len);
	strbuf_release(&sb);
}

/* The stem of a job's files: unique (the stage's index) and file-name safe. */
static char *job_stem(const struct job *job)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%zu-", job->id);
	for (const char *c = job->name; *c; c++)
		strbuf_addch(&sb, isalnum((unsigned char)*c) || strchr("._@-", *c) ? *c : '_');
	return strbuf_detach(&sb, NULL);
}

/* Closes and removes a job's files and frees it. */
static void sjob_free(struct sjob *sj)
{
	if (sj->out_fd >= 0)
		close(sj->out_fd);
	unlink(sj->script);
	unlink(sj->out);
	unlink(sj->status);
	free(sj->script);
	free(sj->out);
	free(sj->status);
	strbuf_release(&sj->partial);
	free(sj);
}

/* Appends s with '%' doubled: sbatch expands %j, %x... in file names. */
static void add_literal_pattern(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			strbuf_addch(sb, '%');
		strbuf_addch(sb, *s);
	}
}

/* sbatch's argument vector for a job; the last item is NULL. 0 or -1. */
static int sbatch_args(struct slurm *sx, struct sjob *sj, struct strlist *args)
{
	const struct job *job = sj->job;
	struct strbuf sb = STRBUF_INIT;

	strlist_push(args, xstrdup("sbatch"));
	strlist_push(args, xstrdup("--parsable"));
	strbuf_addstr(&sb, "--job-name=repro-");
	for (const char *c = job->name; *c; c++)
		strbuf_addch(&sb, (unsigned char)*c < 0x20 ? '_' : *c);
	strlist_push(args, strbuf_detach(&sb, NULL));
	strbuf_addstr(&sb, "--chdir=");
	if (strcmp(job->wdir, "."))
		path_join(&sb, sx->root, job->wdir);
	else
		strbuf_addstr(&sb, sx->root);
	strlist_push(args, strbuf_detach(&sb, NULL));
	strbuf_addstr(&sb, "--output=");
	add_literal_pattern(&sb, sj->out);
	strlist_push(args, strbuf_detach(&sb, NULL));
	strlist_push(args, xstrdup("--open-mode=truncate"));
	if (slurm_stage_opts(&sx->defaults, job->name, job->meta, args) < 0)
		return -1;
	strlist_push(args, xstrdup(sj->script));
	strlist_push(args, NULL);
	return 0;
}

/* Runs sbatch; the job id, or -1 (reported). */
static long run_sbatch(struct slurm *sx, const struct job *job, struct strlist *args)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT, line = STRBUF_INIT;
	int rc = slurm_tool((const char *const *)args->items, sx->env, &out, &err);
	char *end;
	long id = rc == 0 ? strtol(out.buf, &end, 10) : 0;

	if (rc != 0) {
		slurm_first_line(&err, &line);
		error("cannot submit stage '%s' with sbatch: %s", job->name,
		      line.len ? line.buf : "sbatch failed without a message");
		id = -1;
	} else if (id <= 0 || (*end && *end != ';' && *end != '\n')) {
		error("sbatch printed no job id for stage '%s' (it printed '%.100s')", job->name, out.buf);
		id = -1;
	}
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&line);
	return id;
}

static int slurm_submit(struct executor *ex, struct job *job)
{
	struct slurm *sx = ex->priv;
	struct sjob *sj = xcalloc(1, sizeof(*sj));
	struct strlist args = { 0 };
	char *stem = job_stem(job);

	if (!sx->env)
		sx->env = executor_job_env(ex->repro_exe);
	sj->job = job;
	sj->out_fd = -1;
	strbuf_init(&sj->partial, 0);
	sj->script = xasprintf("%s/%s.sh", sx->dir, stem);
	sj->out = xasprintf("%s/%s.out", sx->dir, stem);
	sj->status = xasprintf("%s/%s.status", sx->dir, stem);
	free(stem);
	if (sbatch_args(sx, sj, &args) < 0)
		goto fail;
	if (mkdir_p(sx->dir, 0777) < 0) {
		error("cannot create '%s':", sx->dir);
		goto fail;
	}
	unlink(sj->out);
	unlink(sj->status);
	if (slurm_write_script(sj->script, job, sj->status) < 0 || (sj->id = run_sbatch(sx, job, &args)) < 0)
		goto fail;
	strlist_release(&args, 1);
	job->priv = sj;
	ARRAY_GROW(sx->jobs, sx->alloc, sx->n + 1);
	sx->jobs[sx->n++] = sj;
	slurm_jobs_record(sx->root, sj->id);
	note(ex, sj, "job %ld submitted", sj->id);
	return 0;
fail:
	strlist_release(&args, 1);
	sjob_free(sj);
	return -1;
}

static void emit_lines(struct executor *ex, struct sjob *sj, int flush)
{
	struct strbuf *b = &sj->partial;
	size_t start = 0;

	for (size_t i = 0; i < b->len; i++)
		if (b->buf[i] == '\n') {
			ex->on_output(ex->ctx, sj->job, b->buf + start, i - start);
			start = i + 1;
		}
	if (flush && start < b->len) {
		ex->on_output(ex->ctx, sj->job, b->buf + start, b->len - start);
		start = b->len;
	}
	memmove(b->buf, b->buf + start, b->len - start);
	strbuf_setlen(b, b->len - start);
}

/* Passes on what the job's output file gained since the last call. The
 * file appears when the job starts; a requeued job starts it afresh. */
static void stream(struct executor *ex, struct sjob *sj)
{
	char buf[65536];
	struct stat st;
	ssize_t n;

	if (sj->out_fd < 0 && (sj->out_fd = open(sj->out, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(sj->out_fd, &st) == 0 && st.st_size < sj->out_off) {
		emit_lines(ex, sj, 1);
		lseek(sj->out_fd, 0, SEEK_SET);
		sj->out_off = 0;
	}
	while ((n = read(sj->out_fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf_add(&sj->partial, buf, (size_t)n);
		sj->out_off += n;
		if (sj->partial.len > LINE_CAP)
			emit_lines(ex, sj, 1);
	}
	emit_lines(ex, sj, 0);
}

/* Sets the job's end from Slurm's final state and its status file. */
static void settle(struct sjob *sj, const struct slurm_row *row)
{
	struct job *job = sj->job;
	size_t cmd = 0;
	int status = 0;

	if (!slurm_read_status(sj->status, &cmd, &status))
		cmd = 0;
	free(job->reason);
	job->reason = NULL;
	if (!strcmp(row->state, "COMPLETED")) {
		job->exit_code = 0;
	} else if (sj->cancel && !strcmp(row->state, "CANCELLED")) {
		job->exit_code = 130; /* what the scheduler reads as "stopped by repro" */
		job->reason = xasprintf("slurm job %ld cancelled", sj->id);
	} else {
		slurm_describe_end(job, row, cmd, status);
	}
	sj->ended = 1;
}

/* Records what squeue said about a job; settles it when it ended. */
static void update(struct executor *ex, struct sjob *sj, const struct slurm_row *row)
{
	sj->unseen = 0;
	if (strcmp(row->state, sj->last.state) || strcmp(row->reason, sj->last.reason)) {
		if (strcmp(row->reason, "None") && !slurm_state_final(row->state))
			note(ex, sj, "job %ld %s (%s)", sj->id, row->state, row->reason);
		else
			note(ex, sj, "job %ld %s", sj->id, row->state);
	}
	sj->last = *row;
	if (slurm_state_final(row->state))
		settle(sj, row);
}

/* Asks sacct how a job ended; 0 with row set, -1 when it cannot tell
 * (accounting off, or the record not there yet). */
static int ask_sacct(struct slurm *sx, long id, struct slurm_row *row)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char ids[32];
	int ret = -1;

	snprintf(ids, sizeof(ids), "%ld", id);
	const char *argv[] = { "sacct", "--noheader", "--parsable2", "--allocations", "--jobs", ids,
			       "--format=State,ExitCode", NULL };
	if (slurm_tool(argv, sx->env, &out, &err) == 0 && out.len &&
	    slurm_parse_sacct(out.buf, strcspn(out.buf, "\n"), row) == 0 && slurm_state_final(row->state)) {
		row->id = id;
		ret = 0;
	}
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

/* A job squeue did not list: Slurm forgot it (MinJobAge passed). */
static void unseen(struct executor *ex, struct sjob *sj)
{
	struct slurm_row row = { .id = sj->id };
	size_t cmd;
	int status;

	if (slurm_read_status(sj->status, &cmd, &status)) {
		strcpy(row.state, cmd ? "FAILED" : "COMPLETED");
		row.wstatus = status << 8;
		update(ex, sj, &row);
		return;
	}
	if (++sj->unseen < UNSEEN_POLLS)
		return;
	if (ask_sacct(ex->priv, sj->id, &row) == 0) {
		update(ex, sj, &row);
		return;
	}
	if (sj->cancel) {
		strcpy(row.state, "CANCELLED");
		update(ex, sj, &row);
		return;
	}
	note(ex, sj, "job %ld left the queue without a record of how it ended", sj->id);
	sj->job->exit_code = 1;
	free(sj->job->reason);
	sj->job->reason = xasprintf("slurm job %ld left the queue without a record of how it ended (squeue and "
				    "sacct do not know it, and its script did not finish)", sj->id);
	sj->ended = 1;
}

/* Ends every job still in flight: Slurm cannot be asked about them. */
static void give_up(struct executor *ex, const char *why)
{
	struct slurm *sx = ex->priv;

	for (size_t i = 0; i < sx->n; i++) {
		struct sjob *sj = sx->jobs[i];
		if (sj->ended)
			continue;
		sj->ended = 1;
		sj->cancel = 1; /* try at least: no job of the run should stay queued */
		sj->job->exit_code = 1;
		free(sj->job->reason);
		sj->job->reason = xasprintf("lost track of slurm job %ld: %s (look with 'squeue -j %ld'; "
					    "cancel it with 'scancel %ld')", sj->id, why, sj->id, sj->id);
	}
}

/* squeue failed: warn once, and give up after LOST_AFTER_MS. */
static void poll_failed(struct executor *ex, const struct strbuf *err)
{
	struct slurm *sx = ex->priv;
	struct strbuf line = STRBUF_INIT, why = STRBUF_INIT;

	slurm_first_line(err, &line);
	if (!sx->failing_since) {
		sx->failing_since = now_ms();
		warn("cannot ask slurm about the jobs (squeue: %s); trying again", line.buf);
	} else if (now_ms() - sx->failing_since >= LOST_AFTER_MS) {
		strbuf_addf(&why, "squeue failed for %d s (%s)", LOST_AFTER_MS / 1000, line.buf);
		give_up(ex, why.buf);
	}
	strbuf_release(&line);
	strbuf_release(&why);
}

/* The index of job id in sx->jobs, or sx->n. */
static size_t find_id(struct slurm *sx, long id)
{
	size_t i = 0;

	while (i < sx->n && sx->jobs[i]->id != id)
		i++;
	return i;
}

/* Reads squeue's lines; jobs it did not list are settled otherwise. */
static void read_rows(struct executor *ex, const struct strbuf *out)
{
	struct slurm *sx = ex->priv;
	unsigned char *seen = xcalloc(sx->n + 1, 1);
	const char *p = out->buf, *end = out->buf + out->len;

	while (p < end) {
		size_t len = strcspn(p, "\n");
		struct slurm_row row;
		size_t i;
		if (slurm_parse_row(p, len, &row) == 0 && (i = find_id(sx, row.id)) < sx->n && !sx->jobs[i]->ended) {
			seen[i] = 1;
			update(ex, sx->jobs[i], &row);
		}
		p += len + 1;
	}
	for (size_t i = 0; i < sx->n; i++)
		if (!seen[i] && !sx->jobs[i]->ended)
			unseen(ex, sx->jobs[i]);
	free(seen);
}

/* One squeue for every job in flight. */
static void poll_jobs(struct executor *ex)
{
	struct slurm *sx = ex->priv;
	struct strbuf ids = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;

	for (size_t i = 0; i < sx->n; i++)
		if (!sx->jobs[i]->ended)
			strbuf_addf(&ids, "%s%ld", ids.len ? "," : "", sx->jobs[i]->id);
	if (ids.len) {
		const char *argv[] = { "squeue", "--noheader", "--states=all", "--jobs", ids.buf,
				       "--Format", SLURM_SQUEUE_FORMAT, NULL };
		int rc = slurm_tool(argv, sx->env, &out, &err);
		/* when every job asked about is forgotten, squeue fails with this */
		if (rc != 0 && !strstr(err.buf, "Invalid job id")) {
			poll_failed(ex, &err);
		} else {
			sx->failing_since = 0;
			read_rows(ex, &out);
		}
	}
	strbuf_release(&ids);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* One scancel for every job marked since the last call. */
static void send_cancels(struct executor *ex)
{
	struct slurm *sx = ex->priv;
	struct strlist args = { 0 };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT, line = STRBUF_INIT;

	strlist_push(&args, xstrdup("scancel"));
	strlist_push(&args, xstrdup("--quiet"));
	for (size_t i = 0; i < sx->n; i++) {
		struct sjob *sj = sx->jobs[i];
		if (sj->cancel != 1)
			continue;
		sj->cancel = 2;
		strlist_push(&args, xasprintf("%ld", sj->id));
		if (!sj->ended)
			note(ex, sj, "cancelling job %ld", sj->id);
	}
	if (args.n > 2) {
		strlist_push(&args, NULL);
		if (slurm_tool((const char *const *)args.items, sx->env, &out, &err) != 0) {
			slurm_first_line(&err, &line);
			warn("scancel failed (%s); cancel this run's jobs by hand: scancel %s", line.buf,
			     args.items[2]);
		}
	}
	strlist_release(&args, 1);
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&line);
}

/* Removes and returns the first settled job, with all of its output passed on. */
static struct job *take_ended(struct executor *ex)
{
	struct slurm *sx = ex->priv;

	for (size_t i = 0; i < sx->n; i++) {
		struct sjob *sj = sx->jobs[i];
		if (!sj->ended)
			continue;
		struct job *job = sj->job;
		stream(ex, sj);
		emit_lines(ex, sj, 1);
		memmove(sx->jobs + i, sx->jobs + i + 1, (sx->n - i - 1) * sizeof(*sx->jobs));
		sx->n--;
		job->priv = NULL;
		sjob_free(sj);
		return job;
	}
	return NULL;
}

static int slurm_wait(struct executor *ex, int timeout_ms, struct job **done)
{
	struct slurm *sx = ex->priv;

	if ((*done = take_ended(ex)))
		return 1;
	send_cancels(ex);
	for (size_t i = 0; i < sx->n; i++)
		stream(ex, sx->jobs[i]);
	if (now_ms() >= sx->next_poll) {
		poll_jobs(ex);
		send_cancels(ex); /* jobs given up on */
		sx->next_poll = now_ms() + sx->defaults.poll_ms;
		if ((*done = take_ended(ex)))
			return 1;
	}
	long long t = sx->next_poll - now_ms();
	if (timeout_ms >= 0 && t > timeout_ms)
		t = timeout_ms;
	if (t > 0)
		poll(NULL, 0, (int)t); /* a signal ends the nap early */
	return 0;
}

static void slurm_cancel(struct executor *ex, struct job *job)
{
	struct sjob *sj = job->priv;

	(void)ex;
	if (sj && !sj->ended && !sj->cancel)
		sj->cancel = 1;
}

static void slurm_release(struct executor *ex)
{
	struct slurm *sx = ex->priv;

	if (!sx)
		return;
	/* Jobs still here were never waited for: none may stay queued. */
	for (size_t i = 0; i < sx->n; i++)
		if (!sx->jobs[i]->ended && sx->jobs[i]->cancel != 2)
			sx->jobs[i]->cancel = 1;
	send_cancels(ex);
	slurm_jobs_forget(sx->root);
	for (size_t i = 0; i < sx->n; i++)
		sjob_free(sx->jobs[i]);
	free(sx->jobs);
	executor_env_free(sx->env);
	slurm_defaults_release(&sx->defaults);
	free(sx->root);
	free(sx->dir);
	free(sx);
	ex->priv = NULL;
}

static const struct executor_ops slurm_ops = {
	.name = "slurm",
	.submit = slurm_submit,
	.wait = slurm_wait,
	.cancel = slurm_cancel,
	.release = slurm_release,
	.cancel_on_failure = 1,
};

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int slurm_executor_init(struct executor *ex, const struct config *config)
{
	struct slurm *sx = xcalloc(1, sizeof(*sx));
	char *cwd = getcwd(NULL, 0);

	if (!cwd) {
		free(sx);
		return error("cannot find the current directory:");
	}
	if (has_control(cwd)) {
		error("the project's path '%s' holds control characters: slurm jobs cannot be given it", cwd);
		free(cwd);
		free(sx);
		return -1;
	}
	if (slurm_defaults_load(&sx->defaults, config) < 0) {
		free(cwd);
		free(sx);
		return -1;
	}
	sx->root = cwd;
	sx->dir = path_join_dup(cwd, JOB_DIR);
	ex->ops = &slurm_ops;
	ex->priv = sx;
	return 0;
}
